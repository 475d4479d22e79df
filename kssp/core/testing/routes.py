"""Every route the URL resolver knows, as data, for the route contracts (issue #6 point 5).

``all_routes()`` walks ``get_resolver()`` (the test URL configuration under KSSP_TESTING, which
includes the product's): each route's name (``"namespace:name"``), its full pattern, and its path
parameters with their kind (``uuid``, ``int``, ``str``). DRF's ``.json``-style format suffix variants
are left out (the same view as the route without it).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

_UUID_GROUP = "[0-9a-fA-F]{8}"


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[tuple[str, str], ...]  # (name, kind)
    callback: Any

    @property
    def namespace(self) -> str:
        return self.name.split(":", 1)[0] if ":" in self.name else ""

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.params)

    def url(self, **values: Any) -> str:
        return reverse(self.name, kwargs={name: values[name] for name in self.param_names} or None)

    def placeholder_values(self) -> dict[str, Any]:
        """A value of the right shape for every parameter (a fresh uuid: nothing has it)."""
        return {name: {"uuid": uuid.uuid4(), "int": 987654321}.get(kind, "nosuchthing") for name, kind in self.params}

    @property
    def view_class(self) -> Any:
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    def __str__(self) -> str:
        return self.name


def _kind_of_converter(converter: Any) -> str:
    name = type(converter).__name__
    return {"UUIDConverter": "uuid", "IntConverter": "int"}.get(name, "str")


def _kind_of_group(regex: str, group: str) -> str:
    match = re.search(rf"\(\?P<{group}>([^)]*)\)", regex)
    body = match.group(1) if match else ""
    if _UUID_GROUP in body:
        return "uuid"
    if body.startswith("[0-9]"):
        return "int"
    return "str"


def _params(pattern: Any) -> list[tuple[str, str]]:
    converters = getattr(pattern, "converters", None)
    if converters is not None and converters:
        return [(name, _kind_of_converter(c)) for name, c in converters.items()]
    regex = getattr(pattern, "_regex", None) or getattr(getattr(pattern, "regex", None), "pattern", "")
    groups = re.findall(r"\(\?P<(\w+)>", str(regex))
    return [(g, _kind_of_group(str(regex), g)) for g in groups]


def _walk(patterns: list[Any], prefix: str, namespace: str, params: list[tuple[str, str]]) -> list[Route]:
    out: list[Route] = []
    for entry in patterns:
        here = params + _params(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            out.extend(_walk(entry.url_patterns, prefix + str(entry.pattern), ns, here))
        elif isinstance(entry, URLPattern):
            if any(name == "format" for name, _ in here):
                continue  # DRF's format suffix: the same view as the route without it
            name = entry.name or f"<unnamed {prefix}{entry.pattern}>"
            name = f"{namespace}:{name}" if namespace else name
            out.append(Route(name=name, pattern=prefix + str(entry.pattern), params=tuple(here), callback=entry.callback))
    return out


def all_routes() -> list[Route]:
    return _walk(get_resolver().url_patterns, "", "", [])
