"""The operational parts of issue #3 point 11 that the platform kernel provides: ``/healthz`` and
structured (JSON) logs carrying the request id."""

from __future__ import annotations

import io
import json
import logging
import uuid

from django.test import Client

from kssp.core.logging import JsonFormatter, RequestIdFilter


def test_healthz_answers_without_a_session(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "_auth_user_id" not in Client().session


def test_log_lines_are_json_and_carry_the_request_id(db):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        supplied = str(uuid.uuid4())
        response = Client(headers={"X-Request-ID": supplied}).get("/no-such-page/")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 404
    assert response["X-Request-ID"] == supplied
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert line["request_id"] == supplied
    assert line["level"] == "WARNING" and "Not Found" in line["message"]
