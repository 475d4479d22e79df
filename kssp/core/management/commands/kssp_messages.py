"""Build the translation catalogues: derive sr_Cyrl from sr_Latn, then compile every catalogue.

Serbian Cyrillic is never translated by hand (ARCHITECTURE rule 9): each sr_Latn ``msgstr`` is
transliterated with ``kssp.core.translit`` (placeholders, markup and the reviewed exception list are
kept), so the two scripts cannot drift apart.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from kssp.core.translit import latin_to_cyrillic


def derive_cyrillic(source: Path, target: Path) -> int:
    catalogue = polib.pofile(str(source))
    catalogue.metadata["Language"] = "sr_Cyrl"
    for entry in catalogue:
        if entry.msgstr:
            entry.msgstr = latin_to_cyrillic(entry.msgstr)
        if entry.msgstr_plural:
            entry.msgstr_plural = {k: latin_to_cyrillic(v) for k, v in entry.msgstr_plural.items()}
    target.parent.mkdir(parents=True, exist_ok=True)
    catalogue.header = "Generated from sr_Latn by `manage.py kssp_messages`. Do not edit."
    catalogue.save(str(target))
    return len(catalogue)


class Command(BaseCommand):
    help = "Derive the sr_Cyrl catalogue from sr_Latn and compile all message catalogues."
    requires_system_checks: list[str] = []

    def handle(self, *args: object, **options: object) -> None:
        root = Path(settings.LOCALE_PATHS[0])
        for domain in ("django", "djangojs"):
            source = root / "sr_Latn" / "LC_MESSAGES" / f"{domain}.po"
            if source.exists():
                count = derive_cyrillic(source, root / "sr_Cyrl" / "LC_MESSAGES" / f"{domain}.po")
                self.stdout.write(f"sr_Cyrl/{domain}.po: {count} entries derived")
        call_command("compilemessages", locale=["sq", "sr_Latn", "sr_Cyrl", "en"], ignore_patterns=[".venv/*"], verbosity=0)
        self.stdout.write(self.style.SUCCESS("Catalogues compiled."))
