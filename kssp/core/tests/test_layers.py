"""Import boundaries that mean something (issue #6 point 7).

The import-linter contracts live in ``pyproject.toml`` (``make test`` runs ``lint-imports``). These tests
prove the contracts are complete and that they bite: each builds the real import graph (grimp, the
library under import-linter), checks the contract as configured, then adds the import or the package a
careless change would add and checks that the same contract breaks.

* every package under ``kssp/`` has its place in the module layers, in the issue's order, and modules to
  come are optional layers that are enforced as soon as their package appears;
* every sub-package of ``kssp/core`` has its place in the kernel layers; the two cycles the kernel had
  (``policy`` ↔ ``models.grants``, ``notifications.services`` ↔ ``notifications.tasks``) stay broken,
  and no new import cycle appears in the kernel;
* a module reaches a lower module only through its ``services`` and ``selectors`` (and its ``models``
  and ``choices``: see ``ALLOWED_SURFACE``), with the listed exceptions.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import grimp
import pytest
from django.db import models
from importlinter.application.use_cases import read_user_options
from importlinter.configuration import configure
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[3]
KSSP = ROOT / "kssp"

# The issue's order, top to bottom; names in one tuple are independent of each other.
ISSUE_LAYERS = [
    ("api", "demo"),
    ("results",),
    ("portal", "training"),
    ("border",),
    ("arms", "cyber"),
    ("evidence",),
    ("cases",),
    ("bulletins",),
    ("accounts",),
    ("core",),
]

# Sub-packages of kssp/core that are not part of the kernel's layering, and why.
CORE_NOT_LAYERED = {
    "management": "manage.py commands: entry points, like views (they call services)",
    "migrations": "schema and seed data",
    "testing": "test support (contract mixins, the test-only record type)",
    "tests": "the kernel's own tests",
}


# --- reading the configuration and the graph ------------------------------------------------------


@functools.cache
def _options() -> Any:
    configure()
    return read_user_options(str(ROOT / "pyproject.toml"))


def _contract_options(contract_id: str) -> dict[str, Any]:
    for options in _options().contracts_options:
        if options.get("id") == contract_id:
            return dict(options)
    raise AssertionError(f"pyproject.toml has no import-linter contract with id {contract_id!r}")


def _contract(contract_id: str) -> LayersContract:
    options = _contract_options(contract_id)
    assert options["type"] == "layers"
    return LayersContract(name=options["name"], session_options=_options().session_options, contract_options=options)


def _layer_names(contract_id: str) -> list[tuple[str, ...]]:
    """The layers as written, each a tuple of names, optional ones still in parentheses."""
    out = []
    for raw in _contract_options(contract_id)["layers"]:
        delimiter = "|" if "|" in raw else ":"
        out.append(tuple(part.strip() for part in raw.split(delimiter)))
    return out


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("kssp", cache_dir=None)


def _kept(contract_id: str, graph: grimp.ImportGraph) -> tuple[bool, dict[str, Any]]:
    check = _contract(contract_id).check(copy.deepcopy(graph), verbose=False)
    return check.kept, check.metadata


def _with(graph: grimp.ImportGraph, *imports: tuple[str, str]) -> grimp.ImportGraph:
    """The graph plus ``importer -> imported`` for each pair (modules added when missing)."""
    changed = copy.deepcopy(graph)
    for importer, imported in imports:
        for module in (importer, imported):
            parts = module.split(".")
            for depth in range(2, len(parts) + 1):  # the package too, or a layer would not see it
                if ".".join(parts[:depth]) not in changed.modules:
                    changed.add_module(".".join(parts[:depth]))
        changed.add_import(importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}")
    return changed


def _packages(directory: Path) -> set[str]:
    return {p.name for p in directory.iterdir() if p.is_dir() and (p / "__init__.py").exists()}


# --- clauses 1 and 2: every kssp package has its place, in the issue's order ------------------------


def test_every_kssp_package_has_its_place_in_the_module_layers():
    options = _contract_options("modules")
    assert options["containers"] == ["kssp"]
    assert str(options["exhaustive"]).lower() == "true"  # import-linter itself fails an unlisted package
    declared = {name.strip("()") for layer in _layer_names("modules") for name in layer}
    missing = _packages(KSSP) - declared
    assert not missing, f"give these packages their place in the 'modules' layers of pyproject.toml: {sorted(missing)}"


def test_the_module_layers_are_the_issue_s_order_and_modules_to_come_are_optional():
    layers = _layer_names("modules")
    assert [tuple(name.strip("()") for name in layer) for layer in layers] == ISSUE_LAYERS
    present = _packages(KSSP)
    for layer in layers:
        for name in layer:
            optional = name.startswith("(") and name.endswith(")")
            # A package that exists is required (a renamed package cannot silently leave the contract);
            # one that does not exist yet must be optional, or the contract could not run today.
            assert optional == (name.strip("()") not in present), name
    independent = [raw for raw in _contract_options("modules")["layers"] if "|" in raw]
    assert independent == ["api | demo", "portal | (training)", "(arms) | (cyber)"]


def test_the_module_layers_hold(graph):
    assert _kept("modules", graph) == (True, {"invalid_dependencies": [], "undeclared_modules": set()})


def test_a_new_package_the_contract_does_not_name_breaks_it(graph):
    # given kssp/firearms, imported from the kernel: not in any layer
    kept, found = _kept("modules", _with(graph, ("kssp.core.policy", "kssp.firearms"), ("kssp.firearms", "kssp.core.markings")))
    assert not kept and found["undeclared_modules"] == {"kssp.firearms"}


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("kssp.core.policy", "kssp.arms.services"),  # the kernel imports no module, present or to come
        ("kssp.cases.services", "kssp.evidence.selectors"),  # cases sits below evidence
        ("kssp.arms.services", "kssp.cyber.selectors"),  # arms and cyber are independent
        ("kssp.cyber.services", "kssp.arms.selectors"),
        ("kssp.border.services", "kssp.portal.selectors"),
        ("kssp.training.services", "kssp.portal.selectors"),  # portal and training are independent
        ("kssp.results.services", "kssp.api.urls"),
        ("kssp.bulletins.services", "kssp.cases.selectors"),
    ],
)
def test_a_module_to_come_is_held_to_its_layer_as_soon_as_it_exists(graph, importer, imported):
    kept, found = _kept("modules", _with(graph, (importer, imported)))
    assert not kept and found["invalid_dependencies"]


def test_a_module_to_come_may_use_the_layers_below_it(graph):
    changed = _with(
        graph,
        ("kssp.results.services", "kssp.training.selectors"),
        ("kssp.border.services", "kssp.arms.selectors"),
        ("kssp.arms.services", "kssp.evidence.selectors"),
        ("kssp.evidence.services", "kssp.cases.selectors"),
        ("kssp.cases.services", "kssp.bulletins.selectors"),
        ("kssp.cases.models", "kssp.core.models"),
    )
    assert _kept("modules", changed)[0]


def test_kernel_tests_need_no_domain_module():
    """Kernel tests use the test-only record type (kssp/core/testing/recordkind), not bulletins: the
    only exception the module layers grant kernel tests is acting as people of the seeded world."""
    assert sorted(_contract_options("modules")["ignore_imports"]) == [
        "kssp.core.**.tests.** -> kssp.accounts.**",
        "kssp.core.tests.** -> kssp.accounts.**",
    ]


# --- clause 4: layers inside the kernel, no cycles ------------------------------------------------


def test_every_kernel_sub_package_has_its_place_in_the_kernel_layers():
    access = {name.strip("()") for layer in _layer_names("kernel-access") for name in layer}
    apps = set(_contract_options("kernel-apps")["containers"])
    placed = {name.removeprefix("kssp.core.") for name in access | apps if name.startswith("kssp.core.")}
    unplaced = _packages(KSSP / "core") - placed - set(CORE_NOT_LAYERED)
    assert not unplaced, (
        f"give these kernel packages their place in pyproject.toml ('kernel-access' layers, or 'kernel-apps' "
        f"containers for an app with the usual files): {sorted(unplaced)}"
    )
    assert not (placed & set(CORE_NOT_LAYERED))


@pytest.mark.parametrize("contract_id", ["kernel-access", "kernel-notifications", "kernel-apps"])
def test_the_kernel_layers_hold(graph, contract_id):
    kept, found = _kept(contract_id, graph)
    assert kept, found


@pytest.mark.parametrize(
    ("contract_id", "importer", "imported"),
    [
        # the two cycles the kernel had, put back
        ("kernel-access", "kssp.core.models.grants", "kssp.core.policy"),
        ("kernel-notifications", "kssp.core.notifications.tasks", "kssp.core.notifications.services"),
        # and others a change could add
        ("kernel-access", "kssp.core.actor", "kssp.core.models.grants"),
        ("kernel-access", "kssp.core.policy", "kssp.core.records.registry"),
        ("kernel-access", "kssp.core.records.wiring", "kssp.core.services.grants"),
        ("kernel-notifications", "kssp.core.notifications.email", "kssp.core.notifications.services"),
        ("kernel-apps", "kssp.core.links.models", "kssp.core.links.services"),
        ("kernel-apps", "kssp.core.worklist.selectors", "kssp.core.worklist.views"),
        ("kernel-apps", "kssp.core.imports.tasks", "kssp.core.imports.services"),
    ],
)
def test_an_import_against_the_kernel_layers_breaks_them(graph, contract_id, importer, imported):
    kept, found = _kept(contract_id, _with(graph, (importer, imported)))
    assert not kept and found["invalid_dependencies"]


def _cycles(graph: grimp.ImportGraph, ignored: set[tuple[str, str]]) -> list[set[str]]:
    """Strongly connected components (more than one module) of kssp.core's production modules."""
    modules = {m for m in graph.modules if m.startswith("kssp.core") and ".tests" not in m and ".testing" not in m}
    edges = {m: [i for i in graph.find_modules_directly_imported_by(m) if i in modules and (m, i) not in ignored] for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(v: str) -> None:  # Tarjan's algorithm
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


# Cycles inside one package, which no layer between packages can see. Each is a to-do for that package's
# owner; the test fails when one disappears, so that the list only shrinks.
KNOWN_CYCLES_INSIDE_A_PACKAGE = {
    "kssp.core.audit": "anchor ↔ verify (the anchor command verifies before signing)",
    "kssp.core.records": "declaration ↔ access, policies, registry, wiring (the declaration derives its policy lazily)",
}


def _ignored_by_the_kernel_contract() -> set[tuple[str, str]]:
    pairs = set()
    for expression in _contract_options("kernel-access")["ignore_imports"]:
        importer, imported = (part.strip() for part in expression.split("->"))
        pairs.add((importer, imported))
    return pairs


def test_the_kernel_has_no_import_cycle_across_packages(graph):
    cycles = _cycles(graph, _ignored_by_the_kernel_contract())
    packages = set()
    for component in cycles:
        owners = {".".join(m.split(".")[:3]) for m in component}
        assert len(owners) == 1, f"an import cycle across kernel packages: {sorted(component)}"
        packages |= owners
    assert packages == set(KNOWN_CYCLES_INSIDE_A_PACKAGE), (
        "the cycles inside kernel packages changed: update KNOWN_CYCLES_INSIDE_A_PACKAGE (it only shrinks)"
    )


def test_the_cycle_check_sees_a_cycle(graph):
    changed = _with(graph, ("kssp.core.models.grants", "kssp.core.policy"))
    assert any({"kssp.core.policy", "kssp.core.models.grants"} <= c for c in _cycles(changed, _ignored_by_the_kernel_contract()))
    changed = _with(graph, ("kssp.core.notifications.tasks", "kssp.core.notifications.services"))
    assert any(
        {"kssp.core.notifications.services", "kssp.core.notifications.tasks"} <= c
        for c in _cycles(changed, _ignored_by_the_kernel_contract())
    )


# --- clause 3: a module meets a lower one through its services and selectors ------------------------

# What one module may import from another (never from itself or the kernel, which every module builds on):
# * ``services`` and ``selectors``: the calls, rules 1 and 2 of ARCHITECTURE.md;
# * ``models``: the nouns modules share, for foreign keys, type annotations, isinstance and form
#   querysets. Importing a model cannot widen what anyone sees: a protected model's manager is scoped
#   (``UnscopedQuery`` unless ``.visible_to(actor)``, and ``.unscoped(`` only in selectors, services,
#   tasks and jobs). Writes still go through the owner's services (rule 1; not checked here);
# * ``choices``: the values those services take and return (statuses, kinds).
# Everything else (views, forms, api, filters, policies, records, tasks, jobs, audit_events, ...) is the
# module's own business: others meet it through the kernel's links, notifications and registries.
ALLOWED_SURFACE = frozenset({"services", "selectors", "models", "choices"})

# The exceptions, each with its reason. The test fails for an exception no longer used (it only shrinks).
EXCEPTIONS = {
    ("kssp.api.urls", "kssp.accounts.api.urls"): "the API root mounts each module's router (composition root)",
    ("kssp.api.urls", "kssp.bulletins.api.urls"): "the API root mounts each module's router (composition root)",
    ("kssp.bulletins.api.views", "kssp.accounts.api.grants"): "share/revoke API actions; to the kernel web toolkit (#6 point 4)",
    ("kssp.demo.management.commands.seed_demo", "kssp.accounts.actor"): "seeding acts as the demo people: their Actor",
}


def _module_of(name: str) -> str | None:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "kssp" else None


def _is_test_code(name: str) -> bool:
    parts = name.split(".")
    return "tests" in parts or parts[-1] in {"conftest", "testing", "testing_security"} or parts[-1].startswith("test_")


def boundary_violations(graph: grimp.ImportGraph) -> set[tuple[str, str]]:
    """Imports from one kssp module into another's internals (test code arranges freely)."""
    found = set()
    for importer in graph.modules:
        source = _module_of(importer)
        if source is None or source == "core" or _is_test_code(importer):
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            target = _module_of(imported)
            if target is None or target in {source, "core"}:
                continue
            parts = imported.split(".")
            if len(parts) < 3 or parts[2] not in ALLOWED_SURFACE:
                found.add((importer, imported))
    return found


def test_a_module_meets_a_lower_one_only_through_its_services_and_selectors(graph):
    found = boundary_violations(graph)
    unexpected = sorted(found - set(EXCEPTIONS))
    assert not unexpected, f"call the lower module's services or selectors instead: {unexpected}"
    stale = sorted(set(EXCEPTIONS) - found)
    assert not stale, f"these exceptions are no longer needed; remove them from EXCEPTIONS: {stale}"


@pytest.mark.parametrize(
    "imported",
    ["kssp.bulletins.views", "kssp.bulletins.forms", "kssp.bulletins.records", "kssp.bulletins.policies", "kssp.bulletins"],
)
def test_the_boundary_check_sees_a_module_reaching_into_another(graph, imported):
    assert ("kssp.portal.views", imported) in boundary_violations(_with(graph, ("kssp.portal.views", imported)))


def test_the_boundary_check_lets_the_allowed_surface_and_test_code_through(graph):
    changed = _with(
        graph,
        ("kssp.portal.views", "kssp.bulletins.services"),
        ("kssp.portal.services", "kssp.bulletins.selectors"),
        ("kssp.portal.forms", "kssp.bulletins.models"),
        ("kssp.portal.forms", "kssp.bulletins.choices"),
        ("kssp.portal.tests.test_x", "kssp.bulletins.tests.factories"),
        ("kssp.portal.views", "kssp.core.records.access"),
    )
    assert boundary_violations(changed) == boundary_violations(graph)


# --- clause 5 and the issue's Evidence: the check for undeclared protected models ------------------


@pytest.fixture
def undeclared_model():
    """A concrete ProtectedRecord subclass with no RecordType declaration, put in the app registry of
    the test-only app for the duration of the test (then removed, so that no other test sees it)."""
    from django.apps import apps

    from kssp.core.models.grants import ProtectedRecord

    try:

        class UndeclaredRecord(ProtectedRecord):
            number = models.CharField(max_length=20)

            class Meta:
                app_label = "recordkind"

        yield UndeclaredRecord
    finally:
        apps.all_models["recordkind"].pop("undeclaredrecord", None)
        apps.clear_cache()


def _kssp_errors() -> list[Any]:
    from django.core import checks

    return [m for m in checks.run_checks(tags=[checks.Tags.models]) if m.id.startswith("kssp.")]


def test_the_system_check_fails_for_a_protected_model_without_a_declaration(undeclared_model):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    errors = _kssp_errors()
    # exactly this model is reported: the declared ones (the test record type among them) are clean
    assert [(e.id, e.obj) for e in errors] == [("kssp.E101", undeclared_model)]
    assert "recordkind.UndeclaredRecord is a protected record without a declaration" in errors[0].msg
    with pytest.raises(SystemCheckError, match="kssp.E101"):  # so `manage.py check` (and `make test`) fail
        call_command("check")


def test_the_kernel_test_record_type_is_declared_and_clean():
    from kssp.core.records import declaration_for
    from kssp.core.records.checks import check_declaration
    from kssp.core.testing.recordkind.models import SampleRecord

    declaration = declaration_for(SampleRecord)
    assert declaration is not None and declaration.label == "recordkind.samplerecord"
    assert check_declaration(declaration) == []
