"""Scoped by default (issue #6 point 2): a protected model's ``objects`` refuses to read until the query
says for whom; ``.unscoped(reason=...)`` only where the kernel's bookkeeping lives."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Count

from kssp.core.models.scoping import UnscopedQuery, every_row
from kssp.core.parties.models import Person, PersonDocument
from kssp.core.testing.samples import sample

ROOT = Path(settings.BASE_DIR)

# Where reading every row is the job: the read and write layers of each app, background work, retention.
# (``services_security.py``, ``selectors_reference.py``: an app's services or selectors split by topic.)
ALLOWED_NAMES = re.compile(r"(selectors|services)(_\w+)?\.py|tasks\.py|jobs\.py")
ALLOWED_TREES = ("kssp/core/retention/",)
# Kernel files outside those names that resolve a generic (content type, id) reference the caller was
# already allowed to follow, each with the reason it may.
ALLOWED_FILES = {
    "kssp/core/models/scoping.py": "defines unscoped() and every_row()",
    "kssp/core/notifications/hooks.py": "names the record of a grant or hit notice to its owner or grantee",
    "kssp/core/offline.py": "finds the record an earlier offline submission of the same sender created",
    "kssp/core/form_tokens.py": "the record of the same page's earlier submission: a redirect to its page, which checks sight",
    "kssp/core/worklist/models.py": "the record of a task the reader was allowed to open",
}


def unscoped_calls(root: Path) -> list[str]:
    """Every call of ``.unscoped(...)`` or ``every_row(...)`` in the Python files under ``root/kssp``,
    tests and test helpers aside, as ``path:line`` (comments and strings do not count)."""
    found = []
    for path in sorted((root / "kssp").rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in relative or "/testing/" in relative:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in {"unscoped", "every_row"}:
                found.append(f"{relative}:{node.lineno}")
    return found


def is_allowed(location: str) -> bool:
    relative = location.rsplit(":", 1)[0]
    return (
        ALLOWED_NAMES.fullmatch(relative.rsplit("/", 1)[-1]) is not None
        or relative.startswith(ALLOWED_TREES)
        or relative in ALLOWED_FILES
    )


def test_unscoped_reads_appear_only_in_selectors_services_tasks_jobs_and_retention():
    calls = unscoped_calls(ROOT)
    assert calls, "the scan found no call at all: it is not looking at the source"
    assert [c for c in calls if not is_allowed(c)] == []


def test_the_source_rule_catches_an_unscoped_read_in_a_view(tmp_path):
    views = tmp_path / "kssp" / "cases" / "views.py"
    views.parent.mkdir(parents=True)
    views.write_text('def page(request):\n    # .unscoped( in a comment is fine\n    return Case.objects.unscoped(reason="x")\n')
    (tmp_path / "kssp" / "cases" / "services.py").write_text('rows = every_row(Case, reason="sweep")\n')
    calls = unscoped_calls(tmp_path)
    assert calls == ["kssp/cases/services.py:1", "kssp/cases/views.py:3"]
    assert [c for c in calls if not is_allowed(c)] == ["kssp/cases/views.py:3"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda qs: list(qs), id="iterate"),
        pytest.param(lambda qs: qs.count(), id="count"),
        pytest.param(lambda qs: qs.exists(), id="exists"),
        pytest.param(lambda qs: qs.first(), id="first"),
        pytest.param(lambda qs: qs.get(), id="get"),
        pytest.param(lambda qs: list(qs.values_list("pk", flat=True)), id="values_list"),
        pytest.param(lambda qs: qs.aggregate(n=Count("pk")), id="aggregate"),
        pytest.param(lambda qs: list(qs.iterator()), id="iterator"),
        pytest.param(lambda qs: qs.update(family_name="x"), id="update"),
        pytest.param(lambda qs: qs.delete(), id="delete"),
        pytest.param(lambda qs: list(Person.objects.unscoped(reason="t").filter(pk__in=qs.values("pk"))), id="subquery"),
    ],
)
def test_an_unscoped_read_of_a_protected_model_raises(world, read):
    sample("parties.person", world.kp_investigator)
    with pytest.raises(UnscopedQuery):
        read(Person.objects.filter(family_name__isnull=False))


@pytest.mark.django_db
def test_visible_to_reads_what_the_actor_may_see_and_unscoped_needs_a_reason(world):
    own = sample("parties.person", world.kp_investigator)
    sample("parties.person", world.customs)
    assert list(Person.objects.visible_to(world.kp_investigator.actor)) == [own]
    assert Person.objects.unscoped(reason="test").count() == 2
    with pytest.raises(ValueError, match="reason"):
        Person.objects.unscoped(reason=" ")
    assert list(Person.objects.none()) == []


@pytest.mark.django_db
def test_the_base_manager_foreign_keys_and_the_parents_related_manager_stay_usable(world):
    document = sample("parties.persondocument", world.kp_investigator)
    # A foreign key follows the base manager: no scope needed to reach the parent of a row one holds.
    fetched = PersonDocument._base_manager.get(pk=document.pk)
    assert fetched.person.pk == document.person_id
    # The declared dependent's related manager is scoped through the parent the caller holds.
    assert list(document.person.documents.all()) == [document]
    # every_row gives kernel code every row of any model, protected or not.
    assert every_row(Person, reason="test").count() == 1
