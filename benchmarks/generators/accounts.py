"""The benchmark cast: people in the seeded institutions, one per kind of reach (own unit, unit subtree,
institution, national), plus ``scale`` further users for named-user grants. Idempotent: people that
exist already are reused. No audit (set-up data, written directly)."""

from __future__ import annotations

import random
from typing import Any

# key: (username, institution, unit, role, clearance or None for the default SECRET)
CAST: dict[str, tuple[str, str, str, str, int | None]] = {
    # The restricted actor of bench_visibility: Customs investigator, sees the ZL subtree by scope.
    "restricted": ("bench-dk-inv", "DK", "ZL", "investigator", None),
    "kp_investigator": ("bench-kp-inv", "KP", "NJKT", "investigator", None),
    "kp_officer": ("bench-kp-off", "KP", "ST-PR-QENDER", "police_officer", 1),
    "prosecutor": ("bench-pros", "PSRK", "HQ", "prosecutor", None),
    "qkmk": ("bench-qkmk", "MPB", "QKMK", "qkmk_risk_analyst", None),
    "ffp": ("bench-kp-ffp", "KP", "FFP", "ffp_officer", None),
    "aki": ("bench-aki", "AKI", "ANALIZA", "intelligence_analyst", 4),
}
EXTRA_PLACES = [("KP", "DPP"), ("KP", "NJKK"), ("DK", "DG-MERDARE"), ("AKF", "BALISTIKA"), ("KOS-CERT", "HQ"), ("PSRK", "HQ")]


def _person(username: str, institution: str, unit: str, role: str, clearance: int | None) -> Any:
    from kssp.accounts.models import Membership, User
    from kssp.accounts.testing import Person, make_person

    user = User.objects.filter(username=username).first()
    if user is not None:
        return Person(user, Membership.objects.filter(user=user).select_related("unit__institution", "role").first())
    if clearance is None:
        return make_person(username, institution=institution, unit=unit, role=role)
    return make_person(username, institution=institution, unit=unit, role=role, clearance=clearance)


def generate(*, scale: int, seed: int) -> dict[str, Any]:
    """Returns ``{"people": {key: Person}, "extra": [Person, ...]}`` (Person from kssp.accounts.testing)."""
    rng = random.Random(seed)
    people = {key: _person(*spec) for key, spec in CAST.items()}
    extra = []
    for i in range(scale):
        institution, unit = rng.choice(EXTRA_PLACES)
        extra.append(_person(f"bench-user-{i:04d}", institution, unit, "investigator", None))
    return {"people": people, "extra": extra}
