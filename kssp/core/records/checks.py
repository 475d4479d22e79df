"""``manage.py check`` for record types (issue #6 point 1): every concrete protected or dependent model
has a declaration, and every declaration names fields, URLs and permissions that exist (an import derived
from the declaration: fields its writes accept)."""

from __future__ import annotations

import uuid
from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import NoReverseMatch, reverse

from kssp.core.models.grants import DependentRecord, ProtectedRecord
from kssp.core.records.declaration import Imports, RecordType
from kssp.core.records.registry import declaration_for, declarations


def _field_error(declaration: RecordType, attribute: str, name: str, hint: str = "") -> checks.Error:
    return checks.Error(
        f"{type(declaration).__name__}.{attribute} names {name!r}, which is not a field of {declaration.model._meta.label}",
        hint=hint or None,
        obj=type(declaration),
        id="kssp.E102",
    )


def _has_field(model: type[models.Model], path: str) -> bool:
    current: Any = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        current = field.related_model or current
    return True


def check_declaration(declaration: RecordType) -> list[checks.CheckMessage]:
    from kssp.core.permissions import registered_permissions

    errors: list[checks.CheckMessage] = []
    model = declaration.model
    name = type(declaration).__name__
    is_protected = issubclass(model, ProtectedRecord)
    if not (is_protected or issubclass(model, DependentRecord)):
        errors.append(checks.Error(f"{name}: {model._meta.label} is neither a ProtectedRecord nor a DependentRecord",
                                   obj=type(declaration), id="kssp.E103"))
    if declaration.parent is not None:
        try:
            parent_field = model._meta.get_field(declaration.parent)
        except FieldDoesNotExist:
            errors.append(_field_error(declaration, "parent", declaration.parent))
        else:
            if not parent_field.many_to_one or declaration_for(parent_field.related_model) is None:
                errors.append(checks.Error(f"{name}.parent must be a foreign key to a declared record type",
                                           obj=type(declaration), id="kssp.E104"))
    elif not is_protected:
        errors.append(checks.Error(f"{name}: a dependent record names its parent", obj=type(declaration), id="kssp.E104"))

    for attribute in ("number_field", "title_field", "document_language_field"):
        value = getattr(declaration, attribute)
        if value and not _has_field(model, value):
            errors.append(_field_error(declaration, attribute, value))
    for attribute in ("search_fields", "notification_targets", "personal_fields"):
        for value in getattr(declaration, attribute):
            if not _has_field(model, value):
                errors.append(_field_error(declaration, attribute, value))
    if declaration.retention is not None:
        for value in (declaration.retention.trigger_field, declaration.retention.institution_field):
            if value and not _has_field(model, value):
                errors.append(_field_error(declaration, "retention", value))
    for column in declaration.export_columns:
        if getattr(column, "value", None) is None and not _has_field(model, column.key.replace(".", "__")):
            errors.append(_field_error(declaration, "export_columns", column.key, "give the column a value function"))

    if isinstance(declaration.import_type, Imports):  # its columns: fields of the model that the writes accept
        accepted = declaration.import_type.writes.editable
        for value in declaration.import_type.fields or accepted:
            if not _has_field(model, value):
                errors.append(_field_error(declaration, "import_type", value))
            elif value not in accepted:
                errors.append(checks.Error(f"{name}.import_type names {value!r}, which its writes do not accept (editable)",
                                           obj=type(declaration), id="kssp.E110"))

    errors.extend(_check_personal_fields(declaration))

    known = registered_permissions()
    for attribute in ("view_perm", "change_perm", "share_perm", "create_perm"):
        code = getattr(declaration, attribute)
        if code and code not in known:
            errors.append(checks.Error(f"{name}.{attribute} is {code!r}, which is not a registered permission",
                                       obj=type(declaration), id="kssp.E105"))
    if is_protected and not declaration.view_perm:
        errors.append(checks.Error(f"{name} declares no view_perm", obj=type(declaration), id="kssp.E105"))

    for attribute, args in (("detail_url", [uuid.UUID(int=0)]), ("list_url", [])):
        url_name = getattr(declaration, attribute)
        if url_name and declaration.pages:
            try:
                reverse(url_name, args=args)
            except NoReverseMatch:
                errors.append(checks.Error(f"{name}.{attribute} is {url_name!r}, which is not a URL taking "
                                           f"{'a public id' if args else 'no argument'}", obj=type(declaration), id="kssp.E106"))
    codes = [scheme.code for scheme in declaration.identifier_schemes]
    if len(codes) != len(set(codes)) or any(not code or len(code) > 40 for code in codes):
        errors.append(checks.Error(f"{name}.identifier_schemes: codes must be unique, 1 to 40 characters",
                                   obj=type(declaration), id="kssp.E108"))
    if declaration.searchable and declaration.search_fields and declaration.labels is None:
        errors.append(checks.Error(f"{name} is searchable but has no labels (sq, sr, en)", obj=type(declaration), id="kssp.E107"))
    return errors


def _check_personal_fields(declaration: RecordType) -> list[checks.CheckMessage]:
    """A type that may hold personal data says which fields hold it; the number that names the record in
    the audit chain is not one of them; and the events that snapshot the fields encrypt their payload."""
    from kssp.core.audit.registry import registered_types

    name = type(declaration).__name__
    errors: list[checks.CheckMessage] = []
    if declaration.personal_data is not False and not declaration.personal_fields:
        errors.append(checks.Error(
            f"{name} may hold personal data but declares no personal_fields",
            hint="Name the fields holding personal data (titles, free text, names, dates of birth, numbers of "
            "documents and plates), or set personal_data = False.",
            obj=type(declaration), id="kssp.E109",
        ))
    if declaration.number_field and declaration.number_field in declaration.personal_fields:
        errors.append(checks.Error(
            f"{name}.number_field {declaration.number_field!r} is a personal field: the audit chain names "
            "records by number and cannot be erased", obj=type(declaration), id="kssp.E109",
        ))
    if declaration.personal_fields:
        types = registered_types()
        for verb in ("created", "updated"):
            spec = types.get(f"{declaration.event_prefix}.{verb}")
            if spec is not None and not spec.personal_data:
                errors.append(checks.Error(
                    f"audit event {spec.code} of {name} stores the personal fields in a plain payload",
                    hint="Register it with personal_data=True (or leave it to the declaration).",
                    obj=type(declaration), id="kssp.E109",
                ))
    return errors


@checks.register(checks.Tags.models)
def check_record_types(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for model in apps.get_models():
        if not issubclass(model, ProtectedRecord | DependentRecord):
            continue
        if declaration_for(model) is None:
            errors.append(checks.Error(
                f"{model._meta.label} is a protected record without a declaration",
                hint="Declare it once in its module's records.py: @register class ...(RecordType): model = ...",
                obj=model,
                id="kssp.E101",
            ))
    for declaration in declarations().values():
        errors.extend(check_declaration(declaration))
    return errors
