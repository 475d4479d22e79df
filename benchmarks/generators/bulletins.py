"""Seeded bulletins and grants, bulk-inserted without audit (ARCHITECTURE "Benchmarks").

``generate(scale=N, seed=S)`` adds N bulletins owned by units all over the seeded institution tree
(Police about half, Customs 6 %, the Intelligence Agency 3 %, the rest spread out), with a realistic
spread of classifications, and shares about 6 % of them by grants to institutions, units (sub-units
included) and named users, some revoked or expired. ``created_at`` is unique per row (roughly one
bulletin a minute, a few minutes of jitter), so "newest first" has one answer on every path.

Rows are written through ``Bulletin._base_manager`` (a plain manager, never scoped) in batches.
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks.generators import accounts

INSTITUTION_WEIGHTS = {"KP": 0.50, "DK": 0.06, "AKI": 0.03, "MPB": 0.04, "AKF": 0.04, "PSRK": 0.03, "KOS-CERT": 0.03}
OTHERS_WEIGHT = 0.27  # spread evenly over every other institution's units
CLASSIFICATION_WEIGHTS = [(0, 0.15), (1, 0.45), (2, 0.25), (3, 0.12), (4, 0.03)]
GRANTED_SHARE = 0.06
BATCH = 5000
START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
BODY = (
    "Kërkohet informacion për armë zjarri të vjedhura; pistoletë CZ 99 dhe municion 9 mm, "
    "parë për herë të fundit në pikën kufitare. Çdo informatë t'i dërgohet njësisë pronare. "
)


@contextmanager
def _explicit_timestamps(model: Any) -> Iterator[None]:
    """Let the generator set ``created_at``/``updated_at`` itself (auto_now would stamp "now")."""
    fields = [f for f in model._meta.concrete_fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _owner_units(rng: random.Random) -> tuple[list[Any], list[float]]:
    from kssp.accounts.models import Unit

    units = list(Unit.objects.select_related("institution").order_by("pk"))
    by_inst: dict[str, list[Any]] = {}
    for unit in units:
        by_inst.setdefault(unit.institution.code, []).append(unit)
    others = [code for code in by_inst if code not in INSTITUTION_WEIGHTS]
    choices, weights = [], []
    for code, members in by_inst.items():
        share = INSTITUTION_WEIGHTS.get(code, OTHERS_WEIGHT / max(1, len(others)))
        for unit in members:
            choices.append(unit)
            weights.append(share / len(members))
    return choices, weights


def generate(*, scale: int, seed: int) -> dict[str, Any]:
    """Add ``scale`` bulletins and their grants. Returns the cast (``people``), counts and seconds."""
    from django.contrib.contenttypes.models import ContentType

    from kssp.accounts.models import Institution
    from kssp.bulletins.choices import BulletinKind, BulletinStatus
    from kssp.bulletins.models import Bulletin
    from kssp.core.models import Grant

    t0 = time.perf_counter()
    rng = random.Random(seed)
    cast = accounts.generate(scale=max(4, min(50, scale // 20_000)), seed=seed)
    people = cast["people"]
    creator = people["kp_investigator"].user
    units, weights = _owner_units(rng)
    levels = [c for c, _ in CLASSIFICATION_WEIGHTS]
    level_w = [w for _, w in CLASSIFICATION_WEIGHTS]
    kinds = list(BulletinKind.values)
    statuses = list(BulletinStatus.values)
    manager = Bulletin._base_manager
    offset = manager.count()
    today = dt.date(2026, 1, 1)

    with _explicit_timestamps(Bulletin):
        for first in range(0, scale, BATCH):
            rows = []
            for i in range(first, min(scale, first + BATCH)):
                n = offset + i
                unit = rng.choices(units, weights)[0]
                micro = (n * 60 + rng.randint(-300, 300)) * 1_000_000 + n % 1_000_000
                created = START + dt.timedelta(microseconds=micro)
                status = rng.choice(statuses)
                rows.append(Bulletin(
                    public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                    created_at=created, updated_at=created,
                    owner_institution_id=unit.institution_id, owner_unit_id=unit.pk,
                    classification=rng.choices(levels, level_w)[0],
                    handling_code=rng.choice(["", "", "", "H0", "H1", "H2", "H3"]),
                    contains_personal_data=rng.random() < 0.1,
                    number=f"BUL-G{seed}-{n:08d}", kind=rng.choice(kinds),
                    title=f"Bulletin {n}: {rng.choice(['Glock 17', 'CZ 99', 'Zastava M70', 'AK-47', 'Beretta 92'])}",
                    body=BODY, status=status,
                    valid_until=today + dt.timedelta(days=rng.randint(30, 900)) if rng.random() < 0.4 else None,
                    issued_at=created + dt.timedelta(hours=2) if status != BulletinStatus.DRAFT else None,
                    created_by_id=creator.pk,
                ))
            manager.bulk_create(rows, batch_size=BATCH)

    ids = list(manager.filter(number__startswith=f"BUL-G{seed}-").order_by("pk").values_list("pk", flat=True))[-scale:] if scale else []
    ct = ContentType.objects.get_for_model(Bulletin)
    institutions = list(Institution.objects.filter(code__in=["KP", "DK", "PSRK", "AKF", "MPB", "KOS-CERT", "AKI", "FSK"]))
    grant_units = units
    named = [p for p in [*people.values(), *cast["extra"]] if p.membership is not None]
    now = dt.datetime.now(dt.UTC)
    grants = 0
    with _explicit_timestamps(Grant):
        for chunk_start in range(0, len(ids), BATCH * 4):
            rows = []
            for pk in ids[chunk_start:chunk_start + BATCH * 4]:
                if rng.random() >= GRANTED_SHARE:
                    continue
                for _ in range(1 if rng.random() < 0.8 else 2):
                    draw = rng.random()
                    grant = Grant(content_type=ct, object_id=pk, reason="benchmark", created_at=now, updated_at=now,
                                  public_id=uuid.UUID(int=rng.getrandbits(128), version=4))
                    if draw < 0.45:
                        grant.grantee_type = Grant.GranteeType.INSTITUTION
                        grant.grantee_institution = rng.choice(institutions)
                    elif draw < 0.85:
                        unit = rng.choice(grant_units)
                        grant.grantee_type = Grant.GranteeType.UNIT
                        grant.grantee_unit_id, grant.grantee_institution_id = unit.pk, unit.institution_id
                    else:
                        person = rng.choice(named)
                        grant.grantee_type = Grant.GranteeType.USER
                        grant.grantee_user_id = person.user.pk
                        grant.grantee_institution_id = person.membership.unit.institution_id
                    fate = rng.random()
                    if fate < 0.05:
                        grant.revoked_at, grant.revoke_reason = now - dt.timedelta(days=3), "benchmark"
                    elif fate < 0.10:
                        grant.expires_at = now - dt.timedelta(days=rng.randint(1, 300))
                    elif fate < 0.20:
                        grant.expires_at = now + dt.timedelta(days=rng.randint(30, 3000))
                    rows.append(grant)
            Grant.objects.bulk_create(rows, batch_size=BATCH)
            grants += len(rows)
    return {"people": people, "extra": cast["extra"], "bulletins": scale, "grants": grants,
            "seconds": round(time.perf_counter() - t0, 1)}
