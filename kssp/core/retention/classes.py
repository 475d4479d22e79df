"""The catalogue of retention classes. Modules import the class they need (or define their own with
``RetentionClass`` and declare it); ``docs/ropa.md`` is generated from these and the declarations.

Legal references follow ``kssp/core/data/legal_acts.csv``; an article marked [V] is to be confirmed
against the Official Gazette (gzk.rks-gov.net) before go-live, as the domain review asks.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from kssp.core.retention.registry import Action, Period, RetentionClass, Trigger, register_class

LED = "Directive (EU) 2016/680 (LED)"
LPPD = "Law 06/L-082 on the Protection of Personal Data (LPPD)"
POLICE = "Law 04/L-076 on Police"
CPC = "Criminal Procedure Code 08/L-032"
CLASSIFICATION = "Law 03/L-178 on Classification of Information and Security Clearances"

STAFF = _("platform users (staff of the institutions)")
OWNER = _("the institution that owns the record")
OPERATOR = _("the platform operator, for the institutions using the platform (joint controllers)")

AUDIT_TRAIL = register_class(RetentionClass(
    code="audit-trail",
    label=_("Audit trail and consultation log"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{LED} Art. 25 (logging); {LPPD} [V: article on logs]; {POLICE}",
    purpose=_("Verifying the lawfulness of processing, self-monitoring, integrity and security, and criminal proceedings"),
    data_subjects=(STAFF, _("persons whose records were read or changed")),
    data_categories=(
        _("who acted, when, from which address, in which role"),
        _("purpose and case reference of readings"),
        _("before and after values of changes (encrypted per record)"),
    ),
    recipients=(_("the DPO of the institution"), _("internal audit"), _("the Information and Privacy Agency (inspection)"),
                _("courts and prosecutors on request")),
    controller=OPERATOR,
    note=_("Append-only and hash-chained: events are never deleted. Payloads holding personal data are encrypted with a "
           "key per record and erased by destroying that key (crypto-shredding) when the record's own retention runs."),
))

SYSTEM_INTEGRITY = register_class(RetentionClass(
    code="system-integrity",
    label=_("Integrity data of the platform"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{LED} Art. 29 (security of processing)",
    purpose=_("Proving that the audit trail is complete and unchanged; numbering records without gaps"),
    personal_data=False,
    controller=OPERATOR,
))

REFERENCE_DATA = register_class(RetentionClass(
    code="reference-data",
    label=_("Reference data and organisation"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=_("Laws establishing each institution; Official Gazette texts"),
    purpose=_("Institutions, units, roles, places, legal acts and offences the records refer to"),
    personal_data=False,
    controller=OPERATOR,
))

RECORD_IDENTIFIERS = register_class(RetentionClass(
    code="record-identifiers",
    label=_("Numbers of a record in other institutions"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{POLICE}; {CPC}",
    purpose=_("Finding a record by the number another institution gave it (a case in police, prosecution and court)"),
    personal_data=False,
    controller=OPERATOR,
    note=_("A number is deleted with the record it numbers."),
))

SYSTEM_JOBS = register_class(RetentionClass(
    code="system-jobs",
    label=_("Runs of background jobs"),
    period=Period(years=1),
    trigger=Trigger.CREATED,
    action=Action.DELETE,
    legal_basis=f"{LED} Art. 29 (security of processing)",
    purpose=_("Operating the periodic sweeper and background tasks"),
    personal_data=False,
    controller=OPERATOR,
))

ACCESS_GRANTS = register_class(RetentionClass(
    code="access-grants",
    label=_("Grants sharing a record"),
    period=Period(years=5),
    trigger=Trigger.REVOKED,
    action=Action.DELETE,
    legal_basis=f"{LED} Art. 4(1)(b) and 25; {POLICE}; {CPC}",
    purpose=_("Sharing a record with another institution, unit or user on a need-to-know basis, with a reason"),
    data_subjects=(STAFF,),
    data_categories=(_("grantee and grantor"), _("reason and legal basis of the sharing"), _("period of access")),
    recipients=(_("the grantee"), _("the owner of the record")),
    note=_("A grant is deleted with the record it shares; the audit trail keeps its history."),
))

HIT_NOTICES = register_class(RetentionClass(
    code="hit-notices",
    label=_("Existence-only hit notices"),
    period=Period(years=2),
    trigger=Trigger.CREATED,
    action=Action.DELETE,
    legal_basis=f"{LED} Art. 4 and 25; {POLICE}",
    purpose=_("Telling the owner of a record that another unit searched for it and why (no content is disclosed)"),
    data_subjects=(STAFF,),
    data_categories=(_("who searched, from which unit"), _("purpose of the search")),
    recipients=(_("the owning unit"),),
))

STAFF_ACCOUNTS = register_class(RetentionClass(
    code="staff-accounts",
    label=_("User accounts and memberships"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{LPPD} [V: employment and security processing]; {CLASSIFICATION}",
    purpose=_("Signing in, acting for one institution and role, accountability of every action"),
    data_subjects=(STAFF,),
    data_categories=(_("name, username, language"), _("institution, unit, role and period of each membership"),
                     _("password hash and second factor (never readable)")),
    recipients=(_("administrators of the institution"), _("the DPO"), _("internal audit")),
    controller=OPERATOR,
    note=_("Reviewed in the periodic access review; an account is deactivated, not deleted, while the audit trail "
           "refers to it."),
))

SECURITY_CLEARANCES = register_class(RetentionClass(
    code="security-clearances",
    label=_("Security clearances"),
    period=Period(years=5),
    trigger=Trigger.ENDED,
    action=Action.DELETE,
    legal_basis=CLASSIFICATION,
    purpose=_("Letting users read classified records only up to their valid clearance"),
    data_subjects=(STAFF,),
    data_categories=(_("clearance level, validity and certificate reference"),),
    recipients=(_("administrators of the institution"),),
    controller=OPERATOR,
))

API_TOKENS = register_class(RetentionClass(
    code="api-tokens",
    label=_("API tokens"),
    period=Period(years=1),
    trigger=Trigger.REVOKED,
    action=Action.DELETE,
    legal_basis=f"{LED} Art. 29 (security of processing)",
    purpose=_("Authenticating systems that use the API on behalf of a membership"),
    data_subjects=(STAFF,),
    data_categories=(_("token name, owner and last use (the key itself is stored only as a hash)"),),
    recipients=(),
    controller=OPERATOR,
))

AUTHENTICATION = register_class(RetentionClass(
    code="authentication",
    label=_("Sessions, sign-in attempts and second factors"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{LED} Art. 29 (security of processing)",
    purpose=_("Keeping users signed in, locking out password guessing, second-factor authentication"),
    data_subjects=(STAFF,),
    data_categories=(_("session data"), _("username and address of failed sign-ins"), _("second-factor secrets (encrypted)")),
    recipients=(_("security administrators"),),
    controller=OPERATOR,
    note=_("Sessions end with their expiry; lock-out records are reset by their cool-off or by an administrator."),
))

RETENTION_DECISIONS = register_class(RetentionClass(
    code="retention-decisions",
    label=_("Retention reviews and decisions"),
    period=Period(),
    trigger=Trigger.NONE,
    action=Action.REVIEW,
    legal_basis=f"{LED} Art. 5 and 24; {LPPD}",
    purpose=_("Proving that data were reviewed, kept or erased on time, by whom and why"),
    data_subjects=(STAFF,),
    data_categories=(_("which record (by number or identifier, never its content)"), _("proposer, approver and reasons")),
    recipients=(_("the DPO"), _("the Information and Privacy Agency (inspection)")),
))

FIREARM_IDENTIFICATION = register_class(RetentionClass(
    code="firearm-identification",
    label=_("Firearm identification data"),
    period=Period(years=30),
    trigger=Trigger.DESTROYED,
    action=Action.DELETE,
    legal_basis="Directive (EU) 2021/555 Art. 4(4); Law 05/L-022 on Weapons [V]",
    purpose=_("Tracing firearms and their essential components (make, model, calibre, serial number, markings)"),
    data_subjects=(_("persons a firearm was seized from or registered to, through the links of the item"),),
    data_categories=(_("identification of the firearm and its components"), _("seizure, custody and destruction")),
    recipients=(_("Firearms Focal Point"), _("tracing partners through the channels the law allows")),
    note=_("Kept 30 years after the destruction of the firearm, as the Firearms Directive requires for the data-filing "
           "system; declared by the SALW module for its item models."),
))

ACQUITTED_SUSPECT = register_class(RetentionClass(
    code="acquitted-suspect",
    label=_("Persons linked only as acquitted suspects"),
    period=Period(),
    trigger=Trigger.ACQUITTAL,
    action=Action.REVIEW,
    legal_basis=f"{LED} Art. 5, 6 and 16(2); {LPPD}; {CPC}",
    purpose=_("Reviewing, and as a rule erasing, data of persons whose suspicion ended in a final acquittal"),
    data_subjects=(_("acquitted suspects"),),
    data_categories=(_("identity, identifiers and links of the person"),),
    recipients=(_("the DPO of the owning institution"),),
    review_interval=Period(years=1),
))

PERSON_INDEX = register_class(RetentionClass(
    code="person-index",
    label=_("Person, organisation and vehicle index"),
    period=Period(years=5),
    trigger=Trigger.LAST_USE,
    action=Action.REVIEW,
    legal_basis=f"{LED} Art. 4, 6 and 7; {POLICE}; {CPC}",
    purpose=_("One index of persons, organisations and vehicles that records link to, with the data-subject category"),
    data_subjects=(_("suspects"), _("convicted persons"), _("victims"), _("witnesses"), _("other persons")),
    data_categories=(_("names in the script written, date of birth, sex, personal and document numbers"),
                     _("nationality and addresses"), _("vehicles: plate, VIN, make and model")),
    recipients=(_("units the linked records are shared with"),),
    note=_("For the parties module: reviewed five years after the last link to the person ended."),
))
