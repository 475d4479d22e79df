"""Messages of the import report, stored untranslated and translated when shown.

A staged row's errors are written once by the worker but read in Albanian, Serbian or English by
whoever opens the report. So the message is stored as its msgid (the English source string, which
the catalogue knows because the code marks it with ``gettext_lazy``) and its parameters, and
``render`` translates it in the reader's language. A message given as plain text (already
translated, or not marked) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext


@dataclass(frozen=True)
class Msg:
    """A message with parameters: ``Msg(_("“%(value)s” is not a date."), value=raw)``."""

    text: str | Promise
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, text: str | Promise, /, **params: Any) -> None:
        object.__setattr__(self, "text", text)
        object.__setattr__(self, "params", params)


def msgid(text: str | Promise) -> str:
    """The untranslated source text of a lazy message (a plain string is returned as it is)."""
    if isinstance(text, Promise):
        with translation.override(None):
            return str(text)
    return str(text)


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)[:300]


def stored(field_name: str, message: Msg | str | Promise) -> dict[str, Any]:
    """The JSON form of one message about ``field_name`` ("" for the row as a whole)."""
    if isinstance(message, Msg):
        text, params = message.text, message.params
    else:
        text, params = message, {}
    out: dict[str, Any] = {"f": field_name, "m": msgid(text)}
    if params:
        out["p"] = {str(k): _plain(v) for k, v in params.items()}
    return out


def from_validation_error(field_name: str, exc: ValidationError) -> list[dict[str, Any]]:
    """Django's ValidationError (as column validators raise it) as stored messages."""
    out = []
    for error in exc.error_list:
        out.append(stored(field_name, Msg(error.message, **(error.params or {}))))
    return out


def render(item: Mapping[str, Any]) -> str:
    """One stored message in the active language."""
    text = gettext(str(item.get("m", "")))
    params = item.get("p")
    if params:
        try:
            return text % params
        except (KeyError, ValueError, TypeError):
            return text
    return text


def render_all(items: list[Mapping[str, Any]] | None, labels: Mapping[str, str] | None = None) -> list[dict[str, str]]:
    """``[{"field", "label", "message"}]`` for display; ``labels`` maps column names to headings."""
    out = []
    for item in items or []:
        name = str(item.get("f", ""))
        out.append({"field": name, "label": (labels or {}).get(name, name), "message": render(item)})
    return out
