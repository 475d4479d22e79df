"""Every model declares a retention class (issue #3 point 8), and the declarations are sound."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.db import models

from kssp.core.retention.classes import ACQUITTED_SUSPECT, FIREARM_IDENTIFICATION
from kssp.core.retention.registry import Action, Period, Trigger, declaration_for, declarations, registered_checks, registered_classes


def kssp_models():
    return [
        model for model in apps.get_models()
        if model.__module__.startswith("kssp.") and not model._meta.abstract and not model._meta.proxy
    ]


def test_every_concrete_model_of_a_kssp_app_declares_a_retention_class():
    missing = sorted(model._meta.label for model in kssp_models() if declaration_for(model) is None)
    assert not missing, (
        "models without a retention class: declare them from the app's ready() with "
        f"kssp.core.retention.registry.declare (see its docstring): {missing}"
    )


def test_every_declaration_is_sound():
    problems = []
    institution = apps.get_model("accounts", "Institution")
    for declaration in declarations():
        model = declaration.model()
        if model is None:
            problems.append(f"{declaration.model_label}: no such model")
            continue
        if declaration.trigger_field:
            field = model._meta.get_field(declaration.trigger_field)
            if not isinstance(field, models.DateField):  # DateTimeField is a DateField
                problems.append(f"{declaration.model_label}.{declaration.trigger_field}: not a date")
            if not isinstance(model._meta.pk, models.AutoField | models.BigAutoField | models.IntegerField):
                problems.append(f"{declaration.model_label}: swept models need an integer key")
        if declaration.swept != bool(declaration.trigger_field):
            problems.append(f"{declaration.model_label}: a trigger field under a class kept while in use")
        if declaration.institution_field:
            target = model
            for part in declaration.institution_field.split("__"):
                target = target._meta.get_field(part).related_model
            if target is not institution:
                problems.append(f"{declaration.model_label}.{declaration.institution_field}: not an institution")
        if declaration.label_field:
            model._meta.get_field(declaration.label_field)
        action = declaration.retention_class.action
        if action in (Action.DELETE, Action.ANONYMISE) and declaration.swept and action not in declaration.handlers:
            problems.append(f"{declaration.model_label}: swept for {declaration.retention_class.action} without a handler")
    assert not problems, problems


def test_every_class_holding_personal_data_fills_in_the_record_of_processing():
    for code, rc in registered_classes().items():
        assert rc.label and rc.legal_basis and rc.purpose, code
        if rc.personal_data:
            assert rc.data_subjects and rc.data_categories, code


def test_firearm_identification_data_is_kept_thirty_years_after_destruction():
    assert FIREARM_IDENTIFICATION.period == Period(years=30)
    assert FIREARM_IDENTIFICATION.trigger == Trigger.DESTROYED
    assert "2021/555 Art. 4" in FIREARM_IDENTIFICATION.legal_basis
    assert FIREARM_IDENTIFICATION.retention_text == "30 years after destruction, then delete"
    assert registered_classes()["firearm-identification"] is FIREARM_IDENTIFICATION


def test_the_acquitted_suspect_rule_is_registered_for_review():
    check = next(c for c in registered_checks() if c.code == "acquitted-suspect")
    assert check.retention_class is ACQUITTED_SUSPECT and ACQUITTED_SUSPECT.action == Action.REVIEW
    assert ACQUITTED_SUSPECT.trigger == Trigger.ACQUITTAL


@pytest.mark.parametrize(
    ("period", "day", "after"),
    [
        (Period(years=1), dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
        (Period(years=30), dt.date(2026, 5, 1), dt.date(2056, 5, 1)),
        (Period(days=30), dt.date(2026, 1, 15), dt.date(2026, 2, 14)),
        (Period(years=5, days=1), dt.date(2020, 12, 31), dt.date(2026, 1, 1)),
        (Period(), dt.date(2026, 3, 1), dt.date(2026, 3, 1)),
    ],
)
def test_periods_count_calendar_years(period, day, after):
    assert period.after(day) == after
    assert period.before(after) <= day  # a record is never proposed before its period ran out


def test_a_negative_period_is_refused():
    with pytest.raises(ValueError):
        Period(years=-1)
