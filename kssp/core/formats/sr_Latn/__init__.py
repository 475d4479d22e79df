"""Formats of this language: the common ones (kssp.core.formats)."""
