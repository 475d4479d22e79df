"""The bulletin import as a competent django-import-export user would write it: a ``ModelResource``
with ``use_bulk=False`` (each row saved, so signals such as django-auditlog's fire), the same rules as
the platform's bulletin import (required title and text, known kind and handling code, a
classification no higher than the uploader's clearance, no date in the past), the owner taken from the
uploader and the number from the platform's own counter (``kssp.core.numbering.next_number``).

``skip_diff=True`` and ``force_init_instance=True`` are import-export's own switches for a create-only
import of many rows (no per-row diff, no look-up of an existing row): the faster configuration.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets

from kssp.bulletins.models import Bulletin
from kssp.core.numbering import next_number


class BulletinResource(resources.ModelResource):
    classification = fields.Field(attribute="classification", column_name="classification", widget=widgets.IntegerWidget())
    valid_until = fields.Field(attribute="valid_until", column_name="valid_until", widget=widgets.DateWidget(format="%Y-%m-%d"))
    contains_personal_data = fields.Field(
        attribute="contains_personal_data", column_name="contains_personal_data", widget=widgets.BooleanWidget()
    )

    class Meta:
        model = Bulletin
        fields = ("kind", "title", "body", "classification", "handling_code", "valid_until", "contains_personal_data")
        use_bulk = False
        use_transactions = True
        clean_model_instances = True
        skip_diff = True
        force_init_instance = True

    def __init__(self, *, actor: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from kssp.accounts.models import Unit

        self.actor = actor
        self.unit = Unit.objects.select_related("institution").get(pk=actor.unit_id)

    def get_queryset(self) -> Any:
        return Bulletin._base_manager.all()

    def import_instance(self, instance: Bulletin, row: Any, **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        instance.owner_institution = self.unit.institution
        instance.owner_unit = self.unit
        instance.created_by = self.actor.user
        instance.title = (instance.title or "").strip()
        instance.body = (instance.body or "").strip()
        instance.handling_code = instance.handling_code or ""
        if instance.classification is not None and instance.classification > self.actor.clearance:
            errors.setdefault("classification", []).append("You cannot mark a record above your own security clearance.")
        if instance.valid_until is not None and instance.valid_until < timezone.localdate():
            errors.setdefault("valid_until", []).append("The date is in the past.")
        if errors:
            raise ValidationError(errors)
        instance.number = next_number(prefix="BUL", institution_code=self.unit.institution.code)
