"""Exports and statistics (issue #3 point 6): CSV, XLSX and PDF files recorded as disclosures.

* ``services.export(...)`` / ``export_file(...)`` — the framework call (purpose, recipient, format,
  designation profile, classification marking, formula neutralisation);
* ``registry`` — what modules may export (``kssp/<module>/exports.py``: a list selector + FilterSet +
  columns, or statistics through the aggregate exception with small cells suppressed);
* ``profiles`` — the institutional and the status-neutral designation;
* ``writers`` (CSV, XLSX) and ``pdf`` (reportlab with the vendored DejaVu Sans).
"""
