"""Derive the kernel registries from one declaration (called by ``registry.autodiscover``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from kssp.core.policy import Actor
    from kssp.core.records.declaration import RecordType
    from kssp.core.search.query import SearchQuery


def wire(declaration: RecordType) -> None:
    from kssp.core.policy import register_policy

    register_policy(declaration.policy)
    _audit_events(declaration)
    if declaration.retention is not None:
        _retention(declaration)
    if declaration.is_dependent:
        return
    if declaration.searchable and declaration.labels is not None:
        _search(declaration)
    if declaration.exportable and declaration.export_columns:
        _export(declaration)
    if declaration.statistics:
        _statistics(declaration)
    if declaration.import_type is not None:
        from kssp.core.imports.registry import derive, register_import_type

        register_import_type(derive(declaration))
    if declaration.timeline:
        from kssp.core.worklist.selectors import timeline_formatter

        for code, formatter in declaration.timeline.items():
            timeline_formatter(code)(formatter)


def _audit_events(declaration: RecordType) -> None:
    """The event types the service bases write, unless the module registered its own wording.

    The created and updated events snapshot the record's fields: where the declaration names personal
    fields they hold personal data, so their payload is encrypted with the record's key (also when the
    module registered its own wording of them)."""
    from kssp.core.audit.registry import register, registered_types

    existing = registered_types()
    name = declaration.model._meta.verbose_name
    prefix = declaration.event_prefix
    personal = bool(declaration.personal_fields)
    for verb, label, category, snapshots in (
        ("created", _("created"), "write", True),
        ("updated", _("edited"), "write", True),
        ("transitioned", _("status changed"), "write", False),
        ("consulted", _("with personal data read"), "consultation", False),
        ("listed", _("list with personal data read"), "consultation", False),
    ):
        code = f"{prefix}.{verb}"
        spec = existing.get(code)
        if spec is None:
            register(code, format_lazy("{} – {}", name, label), category=category, personal_data=personal and snapshots)
        elif personal and snapshots and not spec.personal_data:
            register(code, spec.label, category=spec.category, personal_data=True,
                     reason_required=spec.reason_required, description=spec.description)


def _search(declaration: RecordType) -> None:
    from kssp.core.search.registry import register_search_type

    labels = declaration.labels
    if labels is None:
        raise ValueError(f"{declaration.label}: a searchable type needs its labels (sq, sr, en)")
    model = declaration.model
    custom = declaration.search_selector()

    def visible(actor: Actor, query: SearchQuery) -> QuerySet[Any]:
        qs = declaration.list_queryset(model._default_manager.visible_to(actor))  # type: ignore[attr-defined]
        if not actor.is_authenticated:
            return qs
        # The results shown are a reading: one consultation event names those holding personal data.
        purpose = " · ".join(p for p in (query.purpose, query.case_ref) if p) or "global search"
        return qs.logged_for(actor, purpose)  # type: ignore[attr-defined,no-any-return]

    def ranked(actor: Actor, query: SearchQuery) -> QuerySet[Any]:
        qs = visible(actor, query)
        if query.public_id is not None:
            return qs.filter(public_id=query.public_id)
        condition = declaration.search_match(query)
        if condition is None:
            return qs.none()
        qs = qs.filter(condition)
        if declaration.number_field:
            exact = Case(
                When(**{f"{declaration.number_field}__iexact": query.text}, then=Value(0)),
                default=Value(1), output_field=IntegerField(),
            )
            qs = qs.annotate(search_rank=exact).order_by("search_rank", "-pk")
        return qs

    register_search_type(
        declaration.code,
        label_sq=labels.sq, label_sr=labels.sr, label_en=labels.en,
        permission=declaration.view_perm or None,
        selector=custom or ranked,
        present=declaration.search_present,
        kinds=declaration.search_kinds,
        requires_purpose=declaration.search_requires_purpose,
        model=model if declaration.hit_check and custom is None else None,
        hidden_match=declaration.search_match if declaration.hit_check and custom is None else None,
        order=declaration.search_order,
    )


def _statistics(declaration: RecordType) -> None:
    from kssp.core.exports.registry import StatisticsExport, register

    url = f"{declaration.model._meta.app_label}:{declaration.code}_statistics"
    register(
        StatisticsExport(
            name=f"{declaration.code}-statistics",
            label=declaration.statistics_label or declaration.plural_label,
            record_type=declaration.label,
            model=declaration.model,
            back_url_name=url if declaration.pages else "",
            groupings=list(declaration.statistics),
        )
    )


def _export(declaration: RecordType) -> None:
    from kssp.core.exports.registry import RecordExport, register

    model = declaration.model

    def select(actor: Actor) -> QuerySet[Any]:
        qs = declaration.list_queryset(model._default_manager.visible_to(actor))  # type: ignore[attr-defined]
        return qs.order_by("-created_at", "-pk") if hasattr(model, "created_at") else qs.order_by("-pk")

    plural = model._meta.verbose_name_plural
    register(
        RecordExport(
            name=str(model._meta.model_name) + "s",
            label=plural or model._meta.verbose_name or "",
            record_type=declaration.label,
            permission=declaration.view_perm,
            select=select,
            filterset_class=declaration.export_filterset,
            back_url_name=declaration.list_url or "",
            columns=list(declaration.export_columns),
        )
    )


def _retention(declaration: RecordType) -> None:
    from kssp.core.retention.registry import declare

    spec = declaration.retention
    assert spec is not None
    declare(
        declaration.model._meta.label,
        spec.retention_class,
        trigger_field=spec.trigger_field,
        institution_field=spec.institution_field,
        label_field=spec.label_field or declaration.number_field,
        handlers=spec.handlers,
        sweep_filter=spec.sweep_filter,
    )
