"""Audit append cost: `audit_record` (head lock, digest, HMAC, optional encryption) against the named
baseline "a plain INSERT of the same row without chain" — what an unchained log would cost. Each
event is its own transaction in both. Checks afterwards that the chain verifies.

Run: `KSSP_TESTING=1 .venv/bin/python benchmarks/bench_audit.py [--quick]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import setup_django, write_result  # noqa: E402


def run(n: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from kssp.core.audit import audit_record, verify_chain
    from kssp.core.models import AuditEvent
    from kssp.core.policy import Actor

    actor = Actor.system(label="bench")
    subject = get_user_model().objects.create(username=f"bench-subject-{time.time_ns()}")
    start_seq = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0

    t0 = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            audit_record(actor=actor, event="reference.updated", extra={"i": i})
    plain_chain = time.perf_counter() - t0

    t0 = time.perf_counter()
    for i in range(n):
        with transaction.atomic():
            audit_record(actor=actor, event="user.updated", target=subject, before={"n": i}, after={"n": i + 1})
    encrypted_chain = time.perf_counter() - t0

    t0 = time.perf_counter()
    base = start_seq + 10 * n + 10
    for i in range(n):
        with transaction.atomic():
            AuditEvent(seq=-(base + i), occurred_at=timezone.now(), event_type="reference.updated", category="write",
                       actor_label="bench", source="system", payload={"extra": {"i": i}}, payload_digest="",
                       prev_hmac="", hmac="").save(force_insert=True)
    baseline = time.perf_counter() - t0
    # The baseline rows are not part of the chain (negative sequence); remove them before verifying.
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER kssp_audit_no_update")
        cursor.execute("DELETE FROM core_auditevent WHERE seq < 0")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER kssp_audit_no_update")
    result = verify_chain()
    if not result.ok:
        raise AssertionError(result.message)
    t0 = time.perf_counter()
    verify_chain()
    verify_s = time.perf_counter() - t0
    return {
        "N": n,
        "chain_us_per_event": round(plain_chain / n * 1e6, 1),
        "encrypted_chain_us_per_event": round(encrypted_chain / n * 1e6, 1),
        "baseline_us_per_event": round(baseline / n * 1e6, 1),
        "verify_us_per_event": round(verify_s / (2 * n) * 1e6, 1),
        "ratio": round(baseline / plain_chain, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    setup_django()
    n = 50 if args.quick else args.n
    figures = run(n)
    if not args.quick:
        write_result("audit_append", figures)
    print(
        f"RESULT audit_append N={n} chain_us={figures['chain_us_per_event']} encrypted_us={figures['encrypted_chain_us_per_event']} "
        f"baseline_us={figures['baseline_us_per_event']} verify_us={figures['verify_us_per_event']} ratio={figures['ratio']}"
    )


if __name__ == "__main__":
    main()
