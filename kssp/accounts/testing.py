"""Test helpers that build people in the seeded institutions (used by the root conftest and the
contract mixins through fixtures; never imported by production code)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from django.test import Client
from django.utils import timezone

from kssp.accounts import security
from kssp.accounts.actor import SESSION_KEY, actor_for
from kssp.accounts.models import Clearance, Institution, Membership, Role, Unit, User
from kssp.core.markings import Classification
from kssp.core.policy import Actor

PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 - test accounts only


@dataclass
class Person:
    user: User
    membership: Membership

    @property
    def actor(self) -> Actor:
        return actor_for(self.user, self.membership, source="web")

    def client(self) -> Client:
        client = Client()
        client.force_login(self.user)
        session = client.session
        session[SESSION_KEY] = self.membership.pk
        # What the sign-in view stamps: the start of the shift and the last activity.
        session[security.LOGIN_AT_KEY] = session[security.LAST_ACTIVE_KEY] = security.now()
        session.save()
        return client


def make_person(
    username: str,
    *,
    institution: str,
    unit: str = "HQ",
    role: str,
    clearance: int = Classification.SECRET,
    clearance_valid_until: dt.date | None = None,
) -> Person:
    """A user with one valid membership (``role`` in ``institution``/``unit``) and a clearance."""
    inst = Institution.objects.get(code=institution)
    unit_obj = Unit.objects.get(institution=inst, code=unit)
    user = User.objects.create(username=username, first_name=username.title(), last_name="Test", public_id=uuid.uuid4())
    user.set_password(PASSWORD)
    user.save()
    today = timezone.localdate()
    if clearance:
        Clearance.objects.create(
            user=user,
            level=clearance,
            valid_from=today - dt.timedelta(days=365),
            valid_until=clearance_valid_until or today + dt.timedelta(days=365),
        )
    membership = Membership.objects.create(
        user=user, unit=unit_obj, role=Role.objects.get(code=role), valid_from=today - dt.timedelta(days=30)
    )
    return Person(user, membership)


class World:
    """The cast every access test uses. Institutions and roles come from the seed migration."""

    def __init__(self) -> None:
        if not Role.objects.exists():
            # A transactional test before this one flushed the seeded rows; put them back.
            from kssp.accounts.seed import seed_institutions, seed_roles

            seed_institutions(Institution, Unit)
            seed_roles(Role)
        self.kp_investigator = make_person("kp_inv", institution="KP", unit="NJKT", role="investigator")
        self.kp_investigator_other = make_person("kp_inv2", institution="KP", unit="NJKK", role="investigator")
        self.kp_officer = make_person(
            "kp_off", institution="KP", unit="ST-PR-QENDER", role="police_officer", clearance=Classification.RESTRICTED
        )
        self.kp_low_clearance = make_person(
            "kp_low", institution="KP", unit="NJKT", role="investigator", clearance=Classification.UNCLASSIFIED
        )
        self.kp_ffp = make_person("kp_ffp", institution="KP", unit="FFP", role="ffp_officer")
        self.customs = make_person("dk_inv", institution="DK", unit="ZL", role="investigator")
        self.prosecutor = make_person("pros", institution="PSRK", role="prosecutor")
        self.aki = make_person("aki", institution="AKI", unit="ANALIZA", role="intelligence_analyst", clearance=Classification.TOP_SECRET)
        self.kp_auditor = make_person("kp_aud", institution="KP", role="internal_auditor")
        self.kp_dpo = make_person("kp_dpo", institution="KP", role="dpo")
        self.inspector = make_person("aip", institution="AIP", role="external_inspector")
        self.kp_admin = make_person("kp_admin", institution="KP", role="administrator")
        self.qkmk = make_person("qkmk", institution="MPB", unit="QKMK", role="qkmk_risk_analyst")
