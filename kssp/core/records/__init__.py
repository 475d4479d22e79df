"""Record types: one declaration per protected record type (issue #6). See ``declaration.py``."""

from kssp.core.records.declaration import AutoGrant, IdentifierScheme, Imports, Labels, RecordType, Retention
from kssp.core.records.registry import declaration_by_label, declaration_for, declarations, register

__all__ = [
    "AutoGrant",
    "IdentifierScheme",
    "Imports",
    "Labels",
    "RecordType",
    "Retention",
    "declaration_by_label",
    "declaration_for",
    "declarations",
    "register",
]
