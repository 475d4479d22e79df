"""Demo data: one login per role and institution, a few bulletins and a grant (idempotent).

Every write goes through the services, so the demo's audit trail is a real one.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from kssp.accounts.actor import actor_for
from kssp.accounts.models import Institution, Membership, Role, Unit, User
from kssp.accounts.services import clearance_record, membership_create, user_create
from kssp.core.markings import Classification
from kssp.core.permissions import registered_permissions
from kssp.core.policy import Actor, Scope

DEMO_PASSWORD = "kssp-demo-2026"  # noqa: S105 - demo data only; seed_demo refuses to run outside demo mode

# username, first, last, institution, unit, role, clearance, language
PEOPLE: list[tuple[str, str, str, str, str, str, int, str]] = [
    ("drita.krasniqi", "Drita", "Krasniqi", "KP", "NJKT", "investigator", Classification.SECRET, "sq"),
    ("arben.berisha", "Arben", "Berisha", "KP", "PKK-MERDARE", "border_officer", Classification.RESTRICTED, "sq"),
    ("milica.jovanovic", "Milica", "Jovanović", "KP", "DRP-MV", "police_officer", Classification.RESTRICTED, "sr-latn"),
    ("valon.gashi", "Valon", "Gashi", "KP", "DHT", "supervisor", Classification.SECRET, "sq"),
    ("besnik.hoxha", "Besnik", "Hoxha", "KP", "FFP", "ffp_officer", Classification.SECRET, "en"),
    ("liridona.morina", "Liridona", "Morina", "KP", "DEPO", "evidence_custodian", Classification.CONFIDENTIAL, "sq"),
    ("kushtrim.aliu", "Kushtrim", "Aliu", "KP", "DHT", "intelligence_analyst", Classification.SECRET, "sq"),
    ("agron.shala", "Agron", "Shala", "DK", "ZL", "investigator", Classification.SECRET, "en"),
    ("edona.kelmendi", "Edona", "Kelmendi", "DK", "DG-VERMICE", "customs_officer", Classification.RESTRICTED, "sq"),
    ("ardita.rexhepi", "Ardita", "Rexhepi", "AKF", "BALISTIKA", "forensic_examiner", Classification.CONFIDENTIAL, "sq"),
    ("nenad.petrovic", "Nenad", "Petrović", "FSK", "HQ", "eod_technician", Classification.CONFIDENTIAL, "sr-cyrl"),
    ("blerim.kastrati", "Blerim", "Kastrati", "PSRK", "HQ", "prosecutor", Classification.SECRET, "sq"),
    ("jelena.markovic", "Jelena", "Marković", "GJTH-MI", "HQ", "judge", Classification.SECRET, "sr-latn"),
    ("arta.dervishi", "Arta", "Dervishi", "KOS-CERT", "HQ", "cert_analyst", Classification.CONFIDENTIAL, "en"),
    ("fatmir.krasniqi", "Fatmir", "Krasniqi", "AKI", "ANALIZA", "intelligence_analyst", Classification.TOP_SECRET, "sq"),
    ("teuta.bytyqi", "Teuta", "Bytyqi", "MPB", "QKMK", "qkmk_risk_analyst", Classification.CONFIDENTIAL, "sq"),
    ("shpresa.berisha", "Shpresa", "Berisha", "AKSP", "HQ", "trainer", Classification.UNCLASSIFIED, "sq"),
    ("erin.walsh", "Erin", "Walsh", "UNDP", "HQ", "programme_manager", Classification.UNCLASSIFIED, "en"),
    ("lulzim.berisha", "Lulzim", "Berisha", "KP", "HQ", "dpo", Classification.SECRET, "sq"),
    ("vjosa.hasani", "Vjosa", "Hasani", "KP", "HQ", "internal_auditor", Classification.SECRET, "sq"),
    ("ilir.rama", "Ilir", "Rama", "AIP", "HQ", "external_inspector", Classification.SECRET, "en"),
    ("admin.kp", "Besa", "Ymeri", "KP", "HQ", "administrator", Classification.RESTRICTED, "sq"),
    # A second administrator approves what the first proposes, and platform administrators of the
    # operating institution (the ministry) the role changes (#7 point 3: nobody raises their own access).
    ("admin2.kp", "Agim", "Rexha", "KP", "HQ", "administrator", Classification.RESTRICTED, "sq"),
    ("platform.mpb", "Mimoza", "Leka", "MPB", "HQ", "platform_administrator", Classification.RESTRICTED, "sq"),
    ("platform2.mpb", "Dragan", "Nikolić", "MPB", "HQ", "platform_administrator", Classification.RESTRICTED, "sr-latn"),
]

BULLETINS: list[dict[str, Any]] = [
    {"owner": "drita.krasniqi", "kind": "lookout", "title": "Zastava M70 pistol, serial 19Z45Z, reported stolen",
     "body": "Recovered magazine at a celebratory-shooting scene in Prizren points to this pistol. Stop and hold; inform NJKT.",
     "classification": Classification.RESTRICTED, "share_with": "DK"},
    {"owner": "drita.krasniqi", "kind": "alert", "title": "Converted gas pistols (Ekol Firat) offered online",
     "body": "Converted alarm pistols sold through social media to buyers in Ferizaj and Gjilan.",
     "classification": Classification.CONFIDENTIAL, "handling_code": "H1"},
    {"owner": "agron.shala", "kind": "notice", "title": "X-ray images: 3D-printed frames in parcel post",
     "body": "Two polymer frames seen in parcels at Vërmica; image references in the customs system.",
     "classification": Classification.RESTRICTED},
    {"owner": "besnik.hoxha", "kind": "lookout", "title": "Person of interest: Xhemajl Qerimi (Džemajl Ćerimi)",
     "body": "Suspected courier of ammunition across Merdare. Born 1984. Do not approach; report sightings.",
     "classification": Classification.CONFIDENTIAL, "contains_personal_data": True},
]


class Command(BaseCommand):
    help = "Load demo users (one per role and institution), bulletins and a grant. Idempotent."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="run even outside demo mode")

    def handle(self, *args: object, **options: Any) -> None:
        if not (settings.DEBUG or settings.TESTING or settings.KSSP.get("DEMO") or options["force"]):
            raise CommandError("seed_demo loads known passwords; run it only in demo mode (KSSP_DEMO=1).")
        seeder = Actor(
            user=None, label="seed_demo", source="cli", scope=Scope.NATIONAL,
            permissions=frozenset(registered_permissions()), clearance=Classification.TOP_SECRET,
        )
        today = timezone.localdate()
        with transaction.atomic():
            for username, first, last, inst, unit_code, role_code, level, lang in PEOPLE:
                if User.objects.filter(username=username).exists():
                    continue
                user = user_create(actor=seeder, username=username, first_name=first, last_name=last,
                                   email=f"{username}@demo.invalid", password=DEMO_PASSWORD, preferred_language=lang)
                unit = Unit.objects.get(institution__code=inst, code=unit_code)
                membership_create(actor=seeder, user=user, unit=unit, role=Role.objects.get(code=role_code),
                                  valid_from=today - dt.timedelta(days=365))
                if level:
                    clearance_record(actor=seeder, user=user, level=level, valid_from=today - dt.timedelta(days=365),
                                     valid_until=today + dt.timedelta(days=3 * 365), reference=f"AKI-CL-{user.pk:05d}")
            self._bulletins()
        port = os.environ.get("KSSP_DEMO_PORT", "8000")  # `make demo PORT=8010`
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in at http://127.0.0.1:{port}/ with any of:"))
        for username, _first, _last, inst, _unit, role_code, _level, _lang in PEOPLE:
            self.stdout.write(f"  {username:<18} {role_code:<22} {inst}")
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")

    def _bulletins(self) -> None:
        from kssp.bulletins.models import Bulletin
        from kssp.bulletins.services import bulletin_create, bulletin_transition
        from kssp.core.services.grants import grant_create

        for spec in BULLETINS:
            user = User.objects.get(username=spec["owner"])
            membership = Membership.objects.valid().filter(user=user).first()
            actor = actor_for(user, membership, source="cli")
            if Bulletin.objects.visible_to(actor).filter(title=spec["title"]).exists():
                continue
            bulletin = bulletin_create(
                actor=actor, title=spec["title"], body=spec["body"], kind=spec["kind"],
                classification=spec["classification"], handling_code=spec.get("handling_code", ""),
                contains_personal_data=spec.get("contains_personal_data", False),
            )
            bulletin_transition(actor=actor, bulletin=bulletin, to="issued")
            if spec.get("share_with"):
                grant_create(actor=actor, obj=bulletin, grantee_type="institution",
                             institution=Institution.objects.get(code=spec["share_with"]),
                             reason="Joint operation at the Vërmica and Merdare crossings")
