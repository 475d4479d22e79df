"""The registry of link types. A link reads from its source ("A derived from B"); seen from its target it
reads with the inverse label ("B source of A"). Labels are given in Albanian, Serbian (Latin) and
English; Serbian Cyrillic is derived by transliteration, never typed twice.

Modules add their own types from their AppConfig.ready()::

    register_link_type("seized_in", sq=("sekuestruar në", "vend sekuestrimi i"), sr=(...), en=(...))
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from kssp.core.translit import latin_to_cyrillic


@dataclass(frozen=True)
class LinkType:
    code: str
    sq: tuple[str, str]
    sr: tuple[str, str]
    en: tuple[str, str]
    #: Whether new links of this type are evidential unless said otherwise.
    evidential_default: bool = False

    @property
    def symmetric(self) -> bool:
        return self.en[0] == self.en[1]

    def _pair(self, language: str | None = None) -> tuple[str, str]:
        lang = (language or get_language() or "sq").lower()
        if lang.startswith("sr"):
            if lang.endswith("cyrl"):
                return (latin_to_cyrillic(self.sr[0]), latin_to_cyrillic(self.sr[1]))
            return self.sr
        if lang.startswith("en"):
            return self.en
        return self.sq

    def label(self, language: str | None = None) -> str:
        """Read from the source: "derived from"."""
        return self._pair(language)[0]

    def inverse_label(self, language: str | None = None) -> str:
        """Read from the target: "source of"."""
        return self._pair(language)[1]

    def label_from(self, outgoing: bool, language: str | None = None) -> str:
        return self.label(language) if outgoing else self.inverse_label(language)


_types: dict[str, LinkType] = {}


def register_link_type(
    code: str, *, sq: tuple[str, str], sr: tuple[str, str], en: tuple[str, str], evidential_default: bool = False
) -> LinkType:
    if not code or len(code) > 40 or not code.replace("_", "").isalnum():
        raise ValueError(f"bad link type code {code!r}")
    link_type = LinkType(code, sq, sr, en, evidential_default)
    if code in _types and _types[code] != link_type:
        raise ValueError(f"link type {code!r} registered twice")
    _types[code] = link_type
    return link_type


def link_types() -> dict[str, LinkType]:
    return dict(_types)


def link_type(code: str) -> LinkType | None:
    return _types.get(code)


# The kernel's own types; modules add theirs.
register_link_type("relates_to", sq=("lidhet me", "lidhet me"), sr=("povezano sa", "povezano sa"),
                   en=("relates to", "relates to"))
register_link_type("duplicate_of", sq=("dublikatë e", "ka dublikatë"), sr=("duplikat od", "ima duplikat"),
                   en=("duplicate of", "has duplicate"))
register_link_type("derived_from", sq=("rrjedh nga", "burim për"), sr=("proizilazi iz", "izvor za"),
                   en=("derived from", "source of"))
register_link_type("part_of", sq=("pjesë e", "përfshin"), sr=("deo", "obuhvata"), en=("part of", "includes"))
register_link_type("follow_up_of", sq=("vazhdim i", "vazhduar nga"), sr=("nastavak", "nastavljeno u"),
                   en=("follow-up to", "followed up by"))
register_link_type("evidence_for", sq=("provë për", "mbështetet nga prova"), sr=("dokaz za", "potkrepljeno dokazom"),
                   en=("evidence for", "supported by evidence"), evidential_default=True)
