"""Formats of this language: the common ones (kssp.core.formats)."""

from kssp.core.formats.common import *  # noqa: F403
