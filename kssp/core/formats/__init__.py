"""Date and time formats (issue #7 point 2): one format in every language, dd.mm.yyyy and 24-hour time,
in Europe/Belgrade, wherever a person reads or types a date ("12/07/2026" in English, "2026-12-07" in
Albanian and "7.12.2026" in Serbian are gone). ``settings.FORMAT_MODULE_PATH`` points here; each
language's module re-exports ``common``. Machine formats (CSV, JSON, the API) stay ISO 8601."""
