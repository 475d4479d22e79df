"""The parties permissions each role should hold (proposed to the lead for ``roles.json``).

Until ``kssp/accounts/data/roles.json`` lists them, tests add them to the seeded roles before the test
world is built (``grant_parties_permissions``); once it does, this is a no-op.
"""

from __future__ import annotations

from django.apps import apps

VIEW, CREATE, CHANGE, MERGE, SHARE = "parties.view", "parties.create", "parties.change", "parties.merge", "parties.share"

PROPOSED_ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "police_officer": (VIEW, CREATE, CHANGE),
    "investigator": (VIEW, CREATE, CHANGE, MERGE, SHARE),
    "intelligence_analyst": (VIEW, CREATE, CHANGE, MERGE, SHARE),
    "supervisor": (VIEW, CREATE, CHANGE, MERGE, SHARE),
    "border_officer": (VIEW, CREATE, CHANGE),
    "customs_officer": (VIEW, CREATE, CHANGE),
    "qkmk_risk_analyst": (VIEW,),
    "ffp_officer": (VIEW, CREATE, CHANGE, MERGE, SHARE),
    "evidence_custodian": (VIEW,),
    "forensic_examiner": (VIEW,),
    "prosecutor": (VIEW,),
    "judge": (VIEW,),
}


def grant_parties_permissions() -> None:
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(code__in=PROPOSED_ROLE_PERMISSIONS):
        wanted = set(role.permissions) | set(PROPOSED_ROLE_PERMISSIONS[role.code])
        if wanted != set(role.permissions):
            role.permissions = sorted(wanted)
            role.save(update_fields=["permissions"])


def grant_parties_permissions_to(world: object) -> None:
    """``grant_parties_permissions`` for a built test world: its people's cached roles are reloaded."""
    grant_parties_permissions()
    for person in vars(world).values():
        membership = getattr(person, "membership", None)
        if membership is not None:
            membership.role.refresh_from_db(fields=["permissions"])
