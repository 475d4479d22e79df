"""FilterSets of the import pages and API: the list of one's batches and the rows of a report."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kssp.core.imports.models import ImportBatch, ImportStatus, StagedRow
from kssp.core.imports.registry import registered_import_types


def _type_choices() -> list[tuple[str, str]]:
    return [(code, str(spec.label)) for code, spec in registered_import_types().items()]


class ImportBatchFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ImportStatus.choices, label=_("Status"))
    import_type = django_filters.ChoiceFilter(choices=_type_choices, label=_("Kind of import"))

    class Meta:
        model = ImportBatch
        fields = ["status", "import_type"]


OUTCOME_CHOICES = [
    ("errors", _("Rows with errors")),
    ("warnings", _("Rows with warnings")),
    ("valid", _("Rows without errors")),
]


class StagedRowFilterSet(django_filters.FilterSet):
    outcome = django_filters.ChoiceFilter(choices=OUTCOME_CHOICES, method="by_outcome", label=_("Show"))

    class Meta:
        model = StagedRow
        fields = ["outcome"]

    def by_outcome(self, queryset: QuerySet[StagedRow], name: str, value: str) -> QuerySet[StagedRow]:
        if value == "errors":
            return queryset.filter(has_errors=True)
        if value == "warnings":
            return queryset.filter(has_warnings=True)
        if value == "valid":
            return queryset.filter(has_errors=False)
        return queryset
