"""Every string translated (ARCHITECTURE rule 9): no empty, fuzzy or untranslated msgstr, catalogues in
step with the source, glossary terms used consistently, Cyrillic derived from Latin."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
LANGS = ("sq", "sr_Latn", "en")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif%]|\{[^}]*\}|<[^>]*>|&[a-z]+;")


def catalogue(lang: str) -> polib.POFile:
    path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing {path}"
    return polib.pofile(str(path))


# Words that are rightly the same in a language as in English (checked by a reviewer, not a gap).
SAME_AS_ENGLISH = {"sr_Latn": {"Kosovo"}, "sq": set()}


def language_neutral(msgid: str) -> bool:
    """Strings with no word to translate: placeholders, punctuation, acronyms, marking names."""
    words = re.findall(r"[^\W\d_]+", PLACEHOLDER.sub(" ", msgid))
    return all(w.isupper() or len(w) == 1 for w in words)


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


@pytest.mark.parametrize("lang", LANGS)
def test_no_empty_fuzzy_or_untranslated_entries(lang):
    problems = []
    for entry in catalogue(lang):
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.msgid!r}")
        for text in translations(entry):
            if not text.strip():
                problems.append(f"empty: {entry.msgid!r}")
            elif lang != "en" and text == entry.msgid and not language_neutral(entry.msgid) and text not in SAME_AS_ENGLISH[lang]:
                problems.append(f"untranslated: {entry.msgid!r}")
            source = entry.msgid_plural or entry.msgid
            if text.strip() and set(PLACEHOLDER.findall(text)) - set(PLACEHOLDER.findall(source + entry.msgid)):
                problems.append(f"unknown placeholder in translation: {entry.msgid!r}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools missing (make test installs them)")
def test_catalogues_hold_every_string_of_the_source(tmp_path):
    # makemessages writes next to the sources it scans, so scan a copy of them.
    for name in ("kssp", "templates", "config"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "tests"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    env = dict(os.environ, KSSP_TESTING="1", KSSP_LOCALE_DIR=str(tmp_path / "locale"), KSSP_VAR_DIR=str(tmp_path / "var"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "sq", "--no-location"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    fresh = {e.msgid for e in polib.pofile(str(tmp_path / "locale" / "sq" / "LC_MESSAGES" / "django.po")) if not e.obsolete}
    assert len(fresh) > 500, "the scan found too few strings"
    for lang in LANGS:
        have = {e.msgid for e in catalogue(lang) if not e.obsolete}
        missing = sorted(fresh - have)
        assert not missing, f"{lang}: run makemessages; missing {missing[:20]}"


def glossary() -> list[tuple[str, str, str]]:
    """The enforced table: the first table of docs/glossary.md (English | Albanian | Serbian | note)."""
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    first_table = text.split("\n## ")[0]
    rows = []
    for line in first_table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 3 and not set(cells[0]) <= {"-", " "} and cells[0] != "English":
            rows.append((cells[0], cells[1], cells[2]))
    return rows


def uses(translation: str, term: str) -> bool:
    """Whether every word of ``term`` appears in ``translation`` in some inflected form (its stem)."""
    text = translation.lower()
    words = [w for w in re.findall(r"[^\W\d_]+", term.lower()) if len(w) >= 3]
    return all(w[: max(3, len(w) - 2)] in text for w in words)


def test_glossary_terms_are_used_consistently():
    terms = glossary()
    assert len(terms) >= 10
    problems = []
    for lang, column in (("sq", 1), ("sr_Latn", 2)):
        for entry in catalogue(lang):
            if entry.obsolete or not entry.msgstr:
                continue
            for row in terms:
                english, target = row[0], row[column]
                source = PLACEHOLDER.sub(" ", entry.msgid)
                uses_term = re.search(rf"\b{re.escape(english)}\b", source, re.IGNORECASE)
                if uses_term and not any(uses(entry.msgstr, option) for option in target.split("/")):
                    problems.append(f"{lang}: {entry.msgid!r} should use “{target}” for “{english}”")
    assert not problems, "\n".join(problems[:40])


def test_cyrillic_catalogue_is_derived_from_latin():
    from kssp.core.management.commands.kssp_messages import derive_cyrillic
    from kssp.core.translit import latin_to_cyrillic

    target = LOCALE / "sr_Cyrl" / "LC_MESSAGES" / "django.po"
    derive_cyrillic(LOCALE / "sr_Latn" / "LC_MESSAGES" / "django.po", target)
    latin = {(e.msgctxt, e.msgid): e.msgstr for e in catalogue("sr_Latn")}
    for entry in polib.pofile(str(target)):
        if entry.msgstr and not entry.msgid_plural:
            assert entry.msgstr == latin_to_cyrillic(latin[(entry.msgctxt, entry.msgid)])
