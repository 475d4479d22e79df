"""The anonymity test of issue #3 (point 10): a citizen writes from a distinctive address, through
every public route and outcome, and the address is then found in no table of the database (every
column of every row of every table, on SQLite and on PostgreSQL alike) and in no log output (every
logger at DEBUG, SQL with its parameters, captured by caplog and by a file handler that writes each
record's every attribute, including the request's META).

The same holds for the other hops of X-Forwarded-For, the browser's User-Agent and the request id a
proxy may have logged next to the address.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from kssp.portal.models import PublicSubmission
from kssp.portal.ratelimit import limiter

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

ADDRESS = "203.0.113.77"
PROXY_HOP = "198.51.100.23"
USER_AGENT = "Mozilla/5.0 (X11; Linux) AnonymityProbe/77.203"
REQUEST_ID = "5e1f0c3a-77aa-4d3b-9c2e-203011377777"
NEEDLES = [ADDRESS, PROXY_HOP, USER_AGENT, "AnonymityProbe", REQUEST_ID]
PACKED = [socket.inet_aton(ADDRESS), socket.inet_aton(PROXY_HOP)]
MESSAGE = "Distinctive message text 7QX: a stray bullet hit our roof in Prizren."

HEADERS = {
    "REMOTE_ADDR": ADDRESS,
    "REMOTE_PORT": "61077",
    "HTTP_X_FORWARDED_FOR": f"{ADDRESS}, {PROXY_HOP}",
    "HTTP_X_REAL_IP": ADDRESS,
    "HTTP_FORWARDED": f"for={ADDRESS};proto=https, for={PROXY_HOP}",
    "HTTP_CLIENT_IP": ADDRESS,
    "HTTP_USER_AGENT": USER_AGENT,
    "HTTP_X_REQUEST_ID": REQUEST_ID,
    "HTTP_ACCEPT_LANGUAGE": "en",
}


class EverythingFormatter(logging.Formatter):
    """Every attribute of the record (the request and its META too), not only the message."""

    def format(self, record: logging.LogRecord) -> str:
        attributes = {key: repr(value) for key, value in vars(record).items()}
        request = getattr(record, "request", None)
        if request is not None:
            attributes["request.META"] = repr(getattr(request, "META", None))
            attributes["request.client_ip"] = repr(getattr(request, "client_ip", None))
        if record.exc_info:
            attributes["exception"] = self.formatException(record.exc_info)
        return json.dumps(attributes, ensure_ascii=False)


@pytest.fixture
def all_logs(tmp_path, caplog):
    """Every logger at DEBUG into caplog and a file; SQL statements logged with their parameters."""
    path = Path(tmp_path) / "everything.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(EverythingFormatter())
    loggers = [logging.getLogger()] + [
        logging.getLogger(name) for name, obj in logging.Logger.manager.loggerDict.items() if isinstance(obj, logging.Logger)
    ]
    levels = {lg: lg.level for lg in loggers}
    for lg in loggers:
        lg.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.DEBUG)
    debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        yield path, caplog
    finally:
        connection.force_debug_cursor = debug_cursor
        logging.getLogger().removeHandler(handler)
        handler.close()
        for lg, level in levels.items():
            lg.setLevel(level)


def public_id_of(response) -> str:
    return re.search(r'name="public_id" value="([0-9a-f-]{36})"', response.content.decode()).group(1)


def scan_database(needles: list[str], packed: list[bytes]) -> list[str]:
    """Where any needle occurs: every column of every row of every table (text, JSON, binary)."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        blob = bytes(value)
                        hit = any(n.encode() in blob for n in needles) or any(p in blob for p in packed)
                    else:
                        text = str(value)
                        hit = any(n in text for n in needles)
                    if hit:
                        found.append(f"{table}.{column}")
    return sorted(set(found))


def walk_every_public_route(client: Client) -> dict[str, int]:
    """Every public page and outcome, from the distinctive address. Returns the status of each."""
    statuses: dict[str, int] = {}
    for url in ["/public/", "/public/privacy/", "/public/status/", "/public/nothing-here/"]:
        statuses[url] = client.get(url).status_code
    statuses["language"] = client.get("/public/language/sr-cyrl/", {"next": "/public/"}).status_code
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    page = client.get("/public/message/")
    form = {"topic": "safety", "message": MESSAGE, "contact": "", "language": "en", "public_id": public_id_of(page), "website": ""}
    sent = client.post("/public/message/", form)
    statuses["sent"] = sent.status_code
    code = re.search(r'id="tracking-code">([0-9A-Z-]{19})<', sent.content.decode()).group(1)
    statuses["sent again"] = client.post("/public/message/", form).status_code
    statuses["conflict"] = client.post("/public/message/", {**form, "message": "Another text"}).status_code
    statuses["invalid"] = client.post("/public/message/", {**form, "message": "", "public_id": public_id_of(page)}).status_code
    statuses["honeypot"] = client.post(
        "/public/message/", {**form, "public_id": public_id_of(client.get("/public/message/")), "website": "x"}
    ).status_code
    statuses["status found"] = client.post("/public/status/", {"code": code}).status_code
    statuses["status unknown"] = client.post("/public/status/", {"code": "7KQ3-M9XD-2HFA-P8RT"}).status_code
    statuses["status invalid"] = client.post("/public/status/", {"code": "nonsense"}).status_code
    with override_settings(KSSP={**settings.KSSP, "PORTAL": {"RATE_LIMITS": {"submit": 1, "lookup": 1}}}):
        statuses["limited"] = client.post("/public/status/", {"code": code}).status_code
    strict = Client(enforce_csrf_checks=True, **HEADERS)
    statuses["csrf"] = strict.post("/public/message/", form).status_code
    return statuses


def test_a_submission_from_a_distinctive_address_leaves_it_in_no_table_and_no_log(world, all_logs):
    log_path, caplog = all_logs
    limiter.reset()
    try:
        statuses = walk_every_public_route(Client(**HEADERS))
    finally:
        limiter.reset()

    # Every outcome was exercised (so that the assertions below are not vacuous).
    assert statuses == {
        "/public/": 200, "/public/privacy/": 200, "/public/status/": 200, "/public/nothing-here/": 404, "language": 302,
        "sent": 200, "sent again": 200, "conflict": 409, "invalid": 400, "honeypot": 200,
        "status found": 200, "status unknown": 404, "status invalid": 400, "limited": 429, "csrf": 403,
    }
    assert PublicSubmission.objects.unscoped(reason="test").filter(message=MESSAGE).count() == 1

    # --- the database: no table holds the address (but the scan does find what was stored) ---
    assert scan_database(NEEDLES, PACKED) == []
    assert "portal_publicsubmission.message" in scan_database([MESSAGE], [])

    # --- the logs: caplog and the file with every attribute of every record ---
    logged = log_path.read_text(encoding="utf-8")
    captured = "\n".join(EverythingFormatter().format(record) for record in caplog.records)
    for needle in NEEDLES:
        assert needle not in logged, f"{needle} in the log file"
        assert needle not in captured, f"{needle} in caplog"
        assert needle not in caplog.text
    # …and they did record the requests, the refusals and the SQL (not an empty log).
    for expected in ["Not Found: /public/nothing-here/", "Bad Request: /public/message/", "Conflict: /public/message/",
                     "Forbidden (CSRF", "INSERT INTO", "portal_publicsubmission", "Too Many Requests: /public/status/"]:
        assert expected in logged, expected
