"""Demo data: one login per role and institution and a believable week in Albanian and Serbian (idempotent).

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

# A believable week in Albanian and Serbian: bulletins in the writer's language, persons whose names are
# written in different spellings and scripts by different units (the name matching finds them all),
# vehicles with plates typed in different ways, organisations, links, tasks and two tips from the public.
BULLETINS: list[dict[str, Any]] = [
    {"key": "m70", "owner": "drita.krasniqi", "kind": "lookout",
     "title": "Pistoletë Zastava M70, seria 19Z45Z, e vjedhur",
     "body": "Karikatori i gjetur në vendin e të shtënave në ahengun në Prizren të shtunën çon te kjo pistoletë. "
             "Ndalni dhe mbani; njoftoni NJKT-në. Golf-i gri 01-482-BC u pa te vendi.",
     "classification": Classification.RESTRICTED, "share_with": "DK"},
    {"key": "ekol", "owner": "drita.krasniqi", "kind": "alert",
     "title": "Pistoleta gazi të konvertuara (Ekol Firat) në shitje në rrjete sociale",
     "body": "Pistoleta alarmi të konvertuara shiten përmes rrjeteve sociale blerësve në Ferizaj dhe Gjilan; "
             "dorëzimi bëhet me furgon.",
     "classification": Classification.CONFIDENTIAL, "handling_code": "H1"},
    {"key": "3d", "owner": "agron.shala", "kind": "notice",
     "title": "Rreze X: korniza të printuara 3D në pako postare në Vërmicë",
     "body": "Dy korniza polimeri u panë në pako në Vërmicë të hënën; referencat e imazheve janë në sistemin doganor. "
             "Furgoni Iveco Daily 05-919-AT i Transport Ibar i solli pakot.",
     "classification": Classification.RESTRICTED},
    {"key": "qerimi", "owner": "besnik.hoxha", "kind": "lookout",
     "title": "Person me interes: Xhemajl Qerimi (Džemajl Ćerimi)",
     "body": "Dyshohet si korrier municioni përtej Merdarit. Lindur më 1984. Mos iu afroni; raportoni nëse e shihni.",
     "classification": Classification.CONFIDENTIAL, "contains_personal_data": True},
    {"key": "niva", "owner": "milica.jovanovic", "kind": "notice",
     "title": "Lada Niva KM 045-EK viđena kod prelaza Jarinje sa sanducima municije",
     "body": "U utorak uveče, svedok Dragan Petrović je video dva zelena sanduka u prtljažniku. "
             "Vozilo je nastavilo ka Leposaviću. Proveriti ko je vlasnik.",
     "classification": Classification.RESTRICTED},
]

# owner, given name, father's name, family name, date of birth, sex — the same people, written by different units
PERSONS: list[dict[str, Any]] = [
    {"key": "qerimi", "owner": "drita.krasniqi", "given_name": "Xhemajl", "father_name": "Bajram",
     "family_name": "Qerimi", "date_of_birth": "14.03.1984", "sex": "male"},
    # A Serbian-language report of the same man, in the same unit: a likely duplicate to merge.
    {"key": "cerimi", "owner": "drita.krasniqi", "given_name": "Džemajl", "family_name": "Ćerimi",
     "date_of_birth": "1984", "sex": "male"},
    {"key": "gashi", "owner": "valon.gashi", "given_name": "Shkëlzen", "family_name": "Berisha",
     "date_of_birth": "02.11.1979", "sex": "male"},
    {"key": "gashi-cyr", "owner": "milica.jovanovic", "given_name": "Шкељзен", "family_name": "Бериша",
     "date_of_birth": "1979", "sex": "male"},
    {"key": "petrovic", "owner": "milica.jovanovic", "given_name": "Dragan", "family_name": "Petrović",
     "date_of_birth": "21.06.1975", "sex": "male"},
    {"key": "petroviq", "owner": "agron.shala", "given_name": "Dragan", "family_name": "Petroviq",
     "date_of_birth": "1975", "sex": "male"},
    {"key": "sopjani", "owner": "arben.berisha", "given_name": "Ardijan", "family_name": "Sopjani",
     "date_of_birth": "~1990", "sex": "male"},
]

VEHICLES: list[dict[str, Any]] = [
    {"key": "golf", "owner": "drita.krasniqi", "plate": "01-482-BC", "plate_format": "RKS", "make": "Volkswagen",
     "model": "Golf IV", "colour": "gri"},
    {"key": "a6", "owner": "arben.berisha", "plate": "03 217 FR", "plate_format": "RKS", "make": "Audi", "model": "A6",
     "colour": "e zezë"},
    # Typed with Cyrillic letters that look Latin: the index reads it as KM045EK.
    {"key": "niva", "owner": "milica.jovanovic", "plate": "КМ 045-ЕК", "plate_format": "FOREIGN", "make": "Lada",
     "model": "Niva", "colour": "zelena"},
    {"key": "iveco", "owner": "agron.shala", "plate": "05-919-AT", "plate_format": "RKS", "vin": "ZCFC35A0005912345",
     "make": "Iveco", "model": "Daily", "colour": "e bardhë"},
]

ORGANISATIONS: list[dict[str, Any]] = [
    {"key": "dardania", "owner": "drita.krasniqi", "name": "Armëtari Dardania Sh.p.k.", "business_number": "810456789",
     "org_type": "arms_dealer"},
    {"key": "ibar", "owner": "agron.shala", "name": "Transport Ibar d.o.o.", "business_number": "811223344",
     "org_type": "business"},
    {"key": "eagle", "owner": "valon.gashi", "name": "Eagle Security Sh.p.k.", "business_number": "810998877",
     "org_type": "security_company"},
]

# Who is what in which record (the parties' roles).
PARTY_LINKS: list[dict[str, Any]] = [
    {"actor": "besnik.hoxha", "bulletin": "qerimi", "person": "qerimi", "role": "subject", "subject_category": "suspect"},
    {"actor": "drita.krasniqi", "bulletin": "m70", "vehicle": "golf", "role": "subject"},
    # A police officer drafts; the Firearms Focal Point (national) adds the parties to her draft.
    {"actor": "besnik.hoxha", "bulletin": "niva", "vehicle": "niva", "role": "subject"},
    {"actor": "besnik.hoxha", "bulletin": "niva", "person": "petrovic", "role": "reporter", "subject_category": "witness"},
    {"actor": "agron.shala", "bulletin": "3d", "vehicle": "iveco", "role": "subject"},
    {"actor": "agron.shala", "bulletin": "3d", "organisation": "ibar", "role": "owner"},
]

# Record links made on the links panel.
RECORD_LINKS: list[dict[str, Any]] = [
    {"actor": "drita.krasniqi", "from": ("bulletin", "m70"), "to": ("organisation", "dardania"), "type": "relates_to"},
    {"actor": "drita.krasniqi", "from": ("bulletin", "ekol"), "to": ("vehicle", "golf"), "type": "relates_to"},
]

# (creator, bulletin, assignee, title, days until due)
TASKS: list[tuple[str, str, str, str, int]] = [
    ("drita.krasniqi", "m70", "drita.krasniqi", "Verifiko regjistrin e shitjeve të Armëtari Dardania", 3),
    ("drita.krasniqi", "ekol", "valon.gashi", "Mirato ndarjen e alarmit me Doganën", 1),
    ("besnik.hoxha", "qerimi", "besnik.hoxha", "Kërko në Merdare lëvizjet e javës për Xhemajl Qerimin", 5),
]

# Two messages from the public, sent through the public site (they reach the receiving unit).
PUBLIC_TIPS: list[tuple[str, str, str]] = [
    ("weapons", "sq", "Çdo fundjavë dëgjohen të shtëna nga oborri i një shtëpie në lagjen Dardania në Ferizaj. "
                      "Pronari mban një pushkë automatike në garazh."),
    ("weapons", "sr-latn", "U selu kod Zvečana neko prodaje municiju iz zelene Lade Nive. "
                           "Viđao sam ga utorkom uveče kod benzinske pumpe."),
]


class Command(BaseCommand):
    help = (
        "Load demo users (one per role and institution) and a week of bulletins, persons, vehicles, organisations, "
        "links, tasks and public tips. Idempotent."
    )

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
            self._week()
        port = os.environ.get("KSSP_DEMO_PORT", "8000")  # `make demo PORT=8010`
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Sign in at http://127.0.0.1:{port}/ with any of:"))
        for username, _first, _last, inst, _unit, role_code, _level, _lang in PEOPLE:
            self.stdout.write(f"  {username:<18} {role_code:<22} {inst}")
        self.stdout.write(f"Password for every demo login: {DEMO_PASSWORD}")
        self._say_who_reads_public_messages()

    def _say_who_reads_public_messages(self) -> None:
        from kssp.portal.selectors import reads_new_messages, receiving_unit

        unit = receiving_unit()
        if unit is None:
            self.stdout.write(self.style.WARNING("No unit receives messages from the public (KSSP['PORTAL']['RECEIVING_UNIT'])."))
            return
        readers = [username for username, *_rest in PEOPLE if reads_new_messages(actor=self._actor(username), unit=unit)]
        where = f"{unit.institution.code}/{unit.code}"
        if readers:
            self.stdout.write(f"Messages from the public arrive at {where}; read them as: {', '.join(readers)}")
        else:
            self.stdout.write(self.style.WARNING(f"Messages from the public arrive at {where}, where no demo login reads them."))

    def _actor(self, username: str) -> Actor:
        user = User.objects.get(username=username)
        return actor_for(user, Membership.objects.valid().filter(user=user).first(), source="cli")

    def _bulletins(self) -> None:
        from kssp.bulletins.models import Bulletin
        from kssp.bulletins.services import bulletin_create, bulletin_transition
        from kssp.core.services.grants import grant_create

        self.bulletins: dict[str, Any] = {}
        for spec in BULLETINS:
            actor = self._actor(spec["owner"])
            found = Bulletin.objects.visible_to(actor).filter(title=spec["title"]).first()
            if found is not None:
                self.bulletins[spec["key"]] = found
                continue
            bulletin = bulletin_create(
                actor=actor, title=spec["title"], body=spec["body"], kind=spec["kind"],
                classification=spec["classification"], handling_code=spec.get("handling_code", ""),
                contains_personal_data=spec.get("contains_personal_data", False),
            )
            if actor.has_perm("bulletins.change"):  # a police officer drafts; an investigator issues
                bulletin_transition(actor=actor, bulletin=bulletin, to="issued")
            if spec.get("share_with"):
                grant_create(actor=actor, obj=bulletin, grantee_type="institution",
                             institution=Institution.objects.get(code=spec["share_with"]),
                             reason="Operacion i përbashkët në pikat e kalimit Vërmicë dhe Merdare")
            self.bulletins[spec["key"]] = bulletin

    def _week(self) -> None:
        """Persons, vehicles, organisations, their roles in the bulletins, links, tasks and public tips."""
        from kssp.core.links.models import RecordLink
        from kssp.core.links.services import link_create
        from kssp.core.parties import matching
        from kssp.core.parties.models import Organisation, PartyLink, Person, PlateFormat, Vehicle
        from kssp.core.parties.services import organisation_create, party_link_create, person_create, vehicle_create
        from kssp.core.worklist.models import WorkItem
        from kssp.core.worklist.services import work_item_create

        made: dict[str, dict[str, Any]] = {"person": {}, "vehicle": {}, "organisation": {}, "bulletin": self.bulletins}
        for spec in PERSONS:
            actor = self._actor(spec["owner"])
            fields = {k: v for k, v in spec.items() if k not in ("key", "owner")}
            found: Any = Person.objects.visible_to(actor).filter(
                given_name=fields["given_name"], family_name=fields["family_name"], owner_unit_id=actor.unit_id
            ).first()
            made["person"][spec["key"]] = found or person_create(actor=actor, **fields)
        for spec in VEHICLES:
            actor = self._actor(spec["owner"])
            fields = {k: v for k, v in spec.items() if k not in ("key", "owner")}
            if not PlateFormat.objects.filter(code=fields["plate_format"], active=True).exists():
                fields["plate_format"] = None  # a deployment that retired the format still gets the vehicle
            found = Vehicle.objects.visible_to(actor).filter(
                plate_key=matching.normalise_plate(fields["plate"]), owner_unit_id=actor.unit_id
            ).first()
            made["vehicle"][spec["key"]] = found or vehicle_create(actor=actor, **fields)
        for spec in ORGANISATIONS:
            actor = self._actor(spec["owner"])
            fields = {k: v for k, v in spec.items() if k not in ("key", "owner")}
            found = Organisation.objects.visible_to(actor).filter(name=fields["name"], owner_unit_id=actor.unit_id).first()
            made["organisation"][spec["key"]] = found or organisation_create(actor=actor, **fields)

        for spec in PARTY_LINKS:
            actor = self._actor(spec["actor"])
            record = self.bulletins[spec["bulletin"]]
            party = {kind: made[kind][spec[kind]] for kind in ("person", "vehicle", "organisation") if kind in spec}
            if PartyLink.objects.for_record(record).active().filter(**party, role=spec["role"]).exists():
                continue
            party_link_create(actor=actor, record=record, role=spec["role"],
                              subject_category=spec.get("subject_category", ""), **party)

        for spec in RECORD_LINKS:
            actor = self._actor(spec["actor"])
            source, target = made[spec["from"][0]][spec["from"][1]], made[spec["to"][0]][spec["to"][1]]
            if RecordLink.objects.active().filter(from_public_id=source.public_id, to_public_id=target.public_id).exists():
                continue
            link_create(actor=actor, source=source, target=target, link_type=spec["type"])

        today = timezone.localdate()
        for creator, bulletin_key, assignee, title, days in TASKS:
            record = self.bulletins[bulletin_key]
            if WorkItem.objects.filter(object_id=record.pk, record_public_id=record.public_id, title=title).exists():
                continue
            membership = Membership.objects.valid().filter(user__username=assignee).first()
            work_item_create(actor=self._actor(creator), record=record, title=title, assignee=membership,
                             due_date=today + dt.timedelta(days=days))
        self._public_tips()

    def _public_tips(self) -> None:
        from kssp.portal import services as portal
        from kssp.portal.selectors import public_submission_message_exists, receiving_unit

        if receiving_unit() is None:
            return
        for topic, language, message in PUBLIC_TIPS:
            if not public_submission_message_exists(message=message):
                portal.public_submission_create(actor=portal.public_actor(), topic=topic, message=message, language=language)
