"""Every viewset under /api/v1/ has an API contract test class (ARCHITECTURE: "a meta-test fails for
any API viewset without a contract test class").

The viewsets are found by walking the URL resolver (no import of the API package, which the kernel
may not import); the contract classes by importing every ``kssp/<app>/tests/test_api*.py`` module and
collecting the subclasses of ``ApiContract``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from rest_framework.viewsets import ViewSetMixin

from kssp.core.testing.contract import ApiContract

V1 = "api/v1/"


def _walk(patterns: list, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for pattern in patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            found += _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            found.append((route, pattern.callback))
    return found


def v1_viewsets() -> set[type]:
    out = set()
    for route, callback in _walk(get_resolver().url_patterns):
        cls = getattr(callback, "cls", None)
        if route.startswith(V1) and cls is not None and issubclass(cls, ViewSetMixin):
            out.add(cls)
    return out


def contract_classes() -> list[type[ApiContract]]:
    for config in apps.get_app_configs():
        if not config.name.startswith("kssp."):
            continue
        tests = Path(config.path) / "tests"
        for module in sorted(tests.glob("test_api*.py")):
            importlib.import_module(f"{config.name}.tests.{module.stem}")
    found: list[type[ApiContract]] = []
    pending = list(ApiContract.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if "viewset" in vars(cls):
            found.append(cls)
    return found


def test_the_walk_finds_the_v1_viewsets():
    viewsets = {cls.__name__ for cls in v1_viewsets()}
    assert {"BulletinViewSet", "AuditEventViewSet", "UnitViewSet"} <= viewsets


def test_every_v1_viewset_has_a_contract_test_class():
    covered = {cls.viewset for cls in contract_classes()}
    missing = sorted(f"{v.__module__}.{v.__name__}" for v in v1_viewsets() - covered)
    assert not missing, f"API viewsets without a contract test class (subclass ApiContract): {missing}"


def test_every_contract_names_a_registered_viewset_at_its_list_url():
    registered = v1_viewsets()
    for contract in contract_classes():
        assert contract.viewset in registered, f"{contract.__name__}.viewset is not under /api/v1/"
        match = resolve(contract.list_url)
        assert getattr(match.func, "cls", None) is contract.viewset, f"{contract.__name__}.list_url serves another view"
