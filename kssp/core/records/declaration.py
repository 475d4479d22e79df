"""One declaration per protected record type (issue #6 point 1, ARCHITECTURE rule 14).

A module declares each of its record types once, in ``kssp/<module>/records.py``::

    from kssp.core.records import RecordType, Retention, register

    @register
    class BulletinRecord(RecordType):
        model = Bulletin
        view_perm, change_perm, share_perm, create_perm = perms.VIEW, perms.CHANGE, perms.SHARE, perms.CREATE
        number_field = "number"
        title_field = "title"
        detail_url = "bulletins:bulletin_detail"
        list_url = "bulletins:bulletin_list"
        labels = Labels(sq="Buletinet", sr="Bilteni", en="Bulletins")
        search_fields = ("number", "title", "body")
        export_columns = (...)
        retention = Retention(classes.BULLETINS, trigger_field="created_at")

The kernel finds the file when it starts (``autodiscover``) and derives from the declaration every
mechanism a record type takes part in: the policy (both faces, with the type's narrowing filter), the
scoped manager, the generic record registry (links, attachments, tasks, notifications, timeline), the
global search and its existence-only check, exports, imports, retention, the audit event types of the
service bases, share and revoke pages, and the generated contract tests. ``manage.py check`` fails for
a protected model without a declaration and for a declaration naming a field, URL or permission that
does not exist (``kssp.core.records.checks``).

Dependent records (custody events, charges, observables) set ``parent`` to the name of the foreign key
to the record they belong to: they inherit its visibility (and its owner's right to change), and are
never shared on their own. ``append_only = True`` types refuse update and delete: a correction is a new
record. ``narrow_q``/``narrow`` may only narrow the kernel policy (an extra marking, for example), and
``automatic_grants`` names grants the create service makes with the record (a receiving institution).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language

from kssp.core.translit import latin_to_cyrillic

if TYPE_CHECKING:
    from kssp.core.policy import Actor, Policy
    from kssp.core.search.query import SearchQuery
    from kssp.core.search.registry import SearchResult


@dataclass(frozen=True)
class Labels:
    """The plural name of a record type in sq, sr (Latin; Cyrillic derived) and en."""

    sq: str
    sr: str
    en: str

    def current(self) -> str:
        lang = (get_language() or "sq").lower()
        if lang.startswith("sr"):
            return latin_to_cyrillic(self.sr) if lang.endswith("cyrl") else self.sr
        if lang.startswith("en"):
            return self.en
        return self.sq


@dataclass(frozen=True)
class IdentifierScheme:
    """One kind of number a record may carry besides its own (a court's case number, a customs
    declaration number). Values are unique within (institution, scheme)."""

    code: str
    label: Any
    pattern: str = ""  # a regular expression the number must match (after trimming), e.g. r"\d{1,6}/\d{4}"
    example: str = ""  # shown beside the field, e.g. "PPN 123/2026"
    institution_kinds: frozenset[str] = frozenset()  # kinds of institution that issue it (empty: any)


@dataclass(frozen=True)
class Retention:
    """How long the record type is kept and what happens then (``kssp.core.retention``)."""

    retention_class: Any
    trigger_field: str | None = "created_at"
    institution_field: str | None = "owner_institution"
    label_field: str | None = None  # default: the number field
    handlers: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    sweep_filter: Q | None = None


@dataclass(frozen=True)
class Imports:
    """A staged import of new records derived from the declaration (``kssp.core.imports.registry.derive``):
    one column per model field (label, kind, required, length, choices and default from the field),
    each row checked when the file is validated by the service's own rules (``writes.check_new``: the
    type's field rules and the markings, so no rule is written twice) and created in chunks by
    ``writes.create_many`` when the batch is promoted (all or nothing)."""

    writes: Any  # the type's RecordWrites
    description: Any = ""
    fields: tuple[str, ...] = ()  # the columns, in file order; default: the fields the writes accept
    columns: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # per column: help_text, free_text, ...
    code: str = ""  # default: the plural of the model name ("bulletins")


@dataclass(frozen=True)
class AutoGrant:
    """A grant the create service makes with a new record (to a receiving institution or unit)."""

    institution_id: int
    reason: str
    unit_id: int | None = None
    legal_basis: str = ""


class RecordType:
    """Base of every record-type declaration. Class attributes are the declaration; methods are the
    hooks a type may override. The kernel instantiates each registered subclass once."""

    model: ClassVar[type[models.Model]]

    # --- permissions (codes from the role catalogue) ------------------------------------------
    view_perm: ClassVar[str] = ""
    change_perm: ClassVar[str] = ""
    share_perm: ClassVar[str] = ""
    create_perm: ClassVar[str] = ""

    # --- shape ---------------------------------------------------------------------------------
    parent: ClassVar[str | None] = None  # foreign key to the record this one depends on
    append_only: ClassVar[bool] = False
    number_field: ClassVar[str | None] = None
    identifier_schemes: ClassVar[tuple[IdentifierScheme, ...]] = ()
    title_field: ClassVar[str | None] = None  # with the number, how a record is named (display rule)
    personal_data: ClassVar[bool | None] = None  # None: per record (``contains_personal_data``)
    # Fields whose values are (or may be) personal data: titles, free text, names, dates of birth, document
    # and plate numbers. Their values reach the audit trail only in payloads encrypted with the record's
    # own key (crypto-shredding erases them); what the HMAC chain covers names the record by number.
    # Required (``kssp.E109``) unless ``personal_data = False``.
    personal_fields: ClassVar[tuple[str, ...]] = ()
    document_language_field: ClassVar[str | None] = None
    audit_prefix: ClassVar[str] = ""  # default: the model name ("bulletin" → "bulletin.created")

    # --- pages ---------------------------------------------------------------------------------
    detail_url: ClassVar[str | None] = None  # URL name taking the public id
    list_url: ClassVar[str | None] = None
    labels: ClassVar[Labels | None] = None
    pages: ClassVar[bool] = True

    # --- search --------------------------------------------------------------------------------
    searchable: ClassVar[bool] = True
    search_fields: ClassVar[tuple[str, ...]] = ()  # matched case-insensitively (the number exactly first)
    search_kinds: ClassVar[frozenset[str] | None] = None
    search_order: ClassVar[int] = 100
    search_requires_purpose: ClassVar[bool] = False
    hit_check: ClassVar[bool] = True  # may answer the existence-only check (``hits.check``)

    # --- exports, imports, links, timeline, retention, offline, notifications ----------------------
    exportable: ClassVar[bool] = True
    export_columns: ClassVar[tuple[Any, ...]] = ()
    export_filterset: ClassVar[Any] = None
    # Counts across every institution, small cells suppressed (the aggregate exception): groupings of
    # ``kssp.core.exports.registry.Grouping``; the kernel registers the export and serves the page.
    statistics: ClassVar[tuple[Any, ...]] = ()
    statistics_label: ClassVar[Any] = None
    # An ``Imports`` (derived from the model fields and the writes) or a hand-made ``ImportType``.
    import_type: ClassVar[Any] = None
    linkable: ClassVar[bool] = True
    timeline: ClassVar[Mapping[str, Callable[..., tuple[str, str]]]] = {}
    retention: ClassVar[Retention | None] = None
    offline_form: ClassVar[type | None] = None
    notification_targets: ClassVar[tuple[str, ...]] = ()  # fields naming the unit or user to tell

    _policy: Policy | None = None

    # --- identity ------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        """``"app_label.model_name"``, how the record type is addressed (links, attachments, QR)."""
        return f"{self.model._meta.app_label}.{self.model._meta.model_name}"

    @property
    def code(self) -> str:
        return str(self.model._meta.model_name)

    @property
    def event_prefix(self) -> str:
        return self.audit_prefix or self.code

    @property
    def verbose_name(self) -> str:
        return str(self.model._meta.verbose_name)

    @property
    def plural_label(self) -> str:
        return self.labels.current() if self.labels is not None else str(self.model._meta.verbose_name_plural)

    @property
    def url_name(self) -> str | None:
        return self.detail_url

    @property
    def content_type(self) -> Any:
        from django.contrib.contenttypes.models import ContentType

        return ContentType.objects.get_for_model(self.model)

    @property
    def is_dependent(self) -> bool:
        return self.parent is not None

    @property
    def parent_model(self) -> type[models.Model] | None:
        if self.parent is None:
            return None
        return self.model._meta.get_field(self.parent).related_model  # type: ignore[return-value]

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            from kssp.core.records.policies import policy_for_declaration

            self._policy = policy_for_declaration(self)
        return self._policy

    # --- the two faces, through the derived policy ---------------------------------------------
    def visible_q(self, actor: Actor) -> Q:
        return self.policy.visible_q(actor)

    def can(self, actor: Actor, action: str, obj: Any) -> bool:
        return self.policy.can(actor, action, obj)

    # --- hooks a type may override ------------------------------------------------------------
    def narrow_q(self, actor: Actor) -> Q | None:
        """A further database filter the type adds to the kernel policy (it can only narrow)."""
        return None

    def narrow(self, actor: Actor, obj: Any) -> bool:
        """The Python face of ``narrow_q``: both must agree (the generated contract tests check)."""
        return True

    def automatic_grants(self, obj: Any) -> Iterable[AutoGrant]:
        """Grants made with a new record (the create service base applies them)."""
        return ()

    def may_share(self, obj: Any) -> bool:
        """Whether the record can still be shared at all (e.g. not once withdrawn); who may share is the
        policy's answer."""
        return True

    def holds_personal_data(self, obj: Any) -> bool:
        if self.personal_data is not None:
            return self.personal_data
        return bool(getattr(obj, "contains_personal_data", False))

    def number(self, obj: Any) -> str:
        """What people call the record: its number, or the start of its public id."""
        if self.number_field:
            value = getattr(obj, self.number_field, "")
            if value:
                return str(value)
        return str(getattr(obj, "public_id", obj.pk))[:8]

    def audit_label(self, obj: Any) -> str:
        """How the audit trail names the record (``target_repr``, inside the HMAC chain, never erased):
        its number, or its whole public id where it has no number; never a title or a name."""
        if self.number_field:
            value = getattr(obj, self.number_field, "")
            if value:
                return str(value)
        return str(getattr(obj, "public_id", "") or obj.pk)

    def display(self, obj: Any) -> str:
        """A one-line name safe in any panel the reader may see: the number, plus the title unless the
        record holds personal data (a panel is not a reading of the record)."""
        number = self.number(obj)
        if self.title_field and not self.holds_personal_data(obj):
            title = str(getattr(obj, self.title_field, "") or "")
            if title and title != number:
                return f"{number} {title}"
        return number

    def display_for(self, actor: Actor, obj: Any) -> str:
        """The name of a record shown to ``actor`` on a page about it (sharing, numbers): by default the
        same as ``display``; a type that hides identities from some readers applies that here."""
        return self.display(obj)

    def list_queryset(self, qs: models.QuerySet[Any]) -> models.QuerySet[Any]:
        """The joins a list of this type needs (``select_related``)."""
        return qs

    def search_match(self, query: SearchQuery) -> Q | None:
        if not self.search_fields and not self.identifier_schemes:
            return None
        q = Q(pk__in=[])
        for name in self.search_fields:
            q |= Q(**{f"{name}__icontains": query.text})
        if self.identifier_schemes:
            # Another institution's number of the record ("PPN 12/2026"), compared without separators.
            from kssp.core.models.identifiers import RecordIdentifier, identifier_key

            key = identifier_key(query.text)
            if key:
                numbers = RecordIdentifier.objects.filter(content_type=self.content_type, value_key=key)
                q |= Q(pk__in=numbers.values("object_id"))
        return q

    def search_present(self, obj: Any) -> SearchResult:
        from kssp.core.records.access import record_url
        from kssp.core.search.registry import Badge, SearchResult

        badges: list[Badge] = []
        if hasattr(obj, "classification"):
            badges.append(Badge("classification", obj.classification, str(obj.get_classification_display())))
        status = getattr(obj, "status", None)
        if status is not None and hasattr(obj, "get_status_display"):
            badges.append(Badge("status", status, str(obj.get_status_display())))
        # A search answers the reader who may open the list: it shows what the list shows.
        number = self.number(obj)
        title = str(getattr(obj, self.title_field, "") or "") if self.title_field else ""
        return SearchResult(
            title=title or number,
            number=number,
            url=record_url(obj) or "",
            public_id=getattr(obj, "public_id", None),
            badges=tuple(badges),
            detail=str(obj.owner_unit) if hasattr(obj, "owner_unit_id") else "",
        )

    def search_selector(self) -> Callable[..., Any] | None:
        """A type whose search is ranked (persons) returns its own selector; None: the default."""
        return None

    def __repr__(self) -> str:
        return f"<RecordType {self.label}>"
