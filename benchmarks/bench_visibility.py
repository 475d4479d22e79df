"""Need-to-know list filtering: `bulletin_list_visible_to` (one SQL filter with the grant subquery)
against the named baseline "load everything and filter with the policy's Python face, `can()`"
(what a module would do without `visible_q`). The two must return the same records.

Run: `KSSP_TESTING=1 .venv/bin/python benchmarks/bench_visibility.py [--quick]`.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._harness import best_of, setup_django, write_result  # noqa: E402


def seed(n: int) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType

    from kssp.accounts.models import Institution, Unit
    from kssp.accounts.testing import World
    from kssp.bulletins.models import Bulletin
    from kssp.core.models import Grant

    world = World()
    rng = random.Random(42)
    owners = [world.kp_investigator, world.kp_investigator_other, world.kp_officer, world.customs, world.qkmk, world.aki]
    rows = []
    for i in range(n):
        owner = rng.choice(owners)
        rows.append(Bulletin(
            owner_institution=owner.membership.unit.institution, owner_unit=owner.membership.unit,
            created_by=owner.user, number=f"BUL-B-{i:07d}", title=f"Bulletin {i}", body="text",
            classification=rng.choice([0, 1, 1, 2, 3]),
        ))
    Bulletin.objects.bulk_create(rows, batch_size=2000)
    ct = ContentType.objects.get_for_model(Bulletin)
    ids = list(Bulletin.objects.values_list("pk", flat=True))
    institutions = list(Institution.objects.filter(code__in=["DK", "KP", "PSRK", "MPB"]))
    units = list(Unit.objects.filter(institution__code="KP"))
    grants = []
    for pk in rng.sample(ids, k=max(1, n // 10)):
        if rng.random() < 0.5:
            inst = rng.choice(institutions)
            grants.append(Grant(content_type=ct, object_id=pk, grantee_type="institution", grantee_institution=inst, reason="bench"))
        else:
            unit = rng.choice(units)
            grants.append(Grant(content_type=ct, object_id=pk, grantee_type="unit", grantee_institution=unit.institution,
                                grantee_unit=unit, reason="bench"))
    Grant.objects.bulk_create(grants, batch_size=2000)
    return {"world": world, "grants": len(grants)}


def run(n: int, repeat: int = 5) -> dict[str, Any]:
    from kssp.bulletins.models import Bulletin
    from kssp.bulletins.policies import bulletin_policy
    from kssp.bulletins.selectors import bulletin_list_visible_to

    seeded = seed(n)
    world = seeded["world"]
    figures: dict[str, Any] = {"N": n, "grants": seeded["grants"], "actors": {}}
    total_ours = total_base = 0.0
    for name in ("kp_investigator", "customs", "kp_ffp", "prosecutor"):
        actor = getattr(world, name).actor

        def ours(actor: Any = actor) -> list[int]:
            return sorted(bulletin_list_visible_to(actor=actor).values_list("pk", flat=True))

        def baseline(actor: Any = actor) -> list[int]:
            every = Bulletin.objects.select_related("owner_institution", "owner_unit")
            return sorted(b.pk for b in every if bulletin_policy.can(actor, "view", b))

        t_ours, r_ours = best_of(ours, repeat)
        t_base, r_base = best_of(baseline, max(1, repeat // 2))
        if r_ours != r_base:
            raise AssertionError(f"{name}: visible_q and can() disagree ({len(r_ours)} vs {len(r_base)})")
        figures["actors"][name] = {"visible": len(r_ours), "ours_s": round(t_ours, 5), "baseline_s": round(t_base, 5)}
        total_ours += t_ours
        total_base += t_base
    figures["ours_s"] = round(total_ours, 5)
    figures["baseline_s"] = round(total_base, 5)
    figures["ratio"] = round(total_base / total_ours, 2) if total_ours else None
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("-n", type=int, default=20000)
    args = parser.parse_args()
    setup_django()
    n = 500 if args.quick else args.n
    figures = run(n, repeat=2 if args.quick else 5)
    if not args.quick:
        write_result("visibility", figures)
    print(f"RESULT visibility N={n} ours_s={figures['ours_s']} baseline_s={figures['baseline_s']} ratio={figures['ratio']}")


if __name__ == "__main__":
    main()
