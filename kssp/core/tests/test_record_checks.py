"""``manage.py check`` refuses a declaration that names what does not exist (issue #6 point 1): a field,
a URL, a permission, a parent, a scheme code twice. Each case is the real kernel test declaration with
one attribute broken, checked by the same function the system check runs."""

from __future__ import annotations

import pytest

from kssp.core.records import IdentifierScheme, Imports
from kssp.core.records.checks import check_declaration, check_record_types
from kssp.core.records.registry import declaration_for
from kssp.core.testing.recordkind.models import SampleRecord
from kssp.core.testing.recordkind.services import writes


def broken(**attributes):
    base = type(declaration_for(SampleRecord))
    return type("Broken", (base,), attributes)()


def test_the_real_declarations_pass():
    assert check_record_types() == []


@pytest.mark.parametrize(
    ("attributes", "code"),
    [
        ({"number_field": "nummer"}, "kssp.E102"),
        ({"title_field": "headline"}, "kssp.E102"),
        ({"search_fields": ("title", "owner_unit__nickname")}, "kssp.E102"),
        ({"notification_targets": ("owner_unit", "watcher")}, "kssp.E102"),
        ({"document_language_field": "language"}, "kssp.E102"),
        ({"parent": "owner_unit"}, "kssp.E104"),
        ({"view_perm": "samples.peek"}, "kssp.E105"),
        ({"share_perm": "samples.share"}, "kssp.E105"),
        ({"view_perm": ""}, "kssp.E105"),
        ({"detail_url": "recordkind:nowhere"}, "kssp.E106"),
        ({"list_url": "recordkind:samplerecord_detail"}, "kssp.E106"),  # takes a public id, not none
        ({"searchable": True, "search_fields": ("title",), "labels": None}, "kssp.E107"),
        ({"identifier_schemes": (IdentifierScheme("court", "a"), IdentifierScheme("court", "b"))}, "kssp.E108"),
        ({"import_type": Imports(writes, fields=("title", "headline"))}, "kssp.E102"),
        ({"import_type": Imports(writes, fields=("title", "number"))}, "kssp.E110"),  # set by the kernel, not the file
    ],
    ids=lambda v: v if isinstance(v, str) else ",".join(v),
)
def test_a_declaration_naming_what_does_not_exist_fails_the_check(attributes, code):
    found = [message.id for message in check_declaration(broken(**attributes))]
    assert code in found, found
