"""The API's plumbing: one error shape for every failure, the bounded JSON parser, pagination, the
schema (valid, no warnings) and the documentation page (no external URL, nothing inline)."""

from __future__ import annotations

import io
import json
import os
import re

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client, override_settings
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework import exceptions

from kssp.core.api.errors import PayloadTooLarge, flatten_fields, to_api_error
from kssp.core.api.fields import PAPField, TLPField
from kssp.core.api.parsers import BoundedJSONParser
from kssp.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied
from kssp.core.testing.contract import assert_error

WRITE_URL = "/api/v1/api-tokens/"  # any collection that accepts POST
EXTERNAL_URL = re.compile(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


def raw_post(client, body: bytes, content_type: str = "application/json"):
    return client.generic("POST", WRITE_URL, body, content_type=content_type)


# --- the parser --------------------------------------------------------------------------------------


class _FakeRequest:
    def __init__(self, length):
        self.META = {"CONTENT_LENGTH": str(length)}


class _Exploding(io.BytesIO):
    def read(self, *args):
        raise AssertionError("the body must not be read when its declared length is too large")


@override_settings(API_MAX_JSON_BYTES=64)
def test_the_parser_refuses_a_declared_length_over_the_limit_before_reading():
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(_Exploding(b""), parser_context={"request": _FakeRequest(65)})


@override_settings(API_MAX_JSON_BYTES=64)
def test_the_parser_counts_the_bytes_it_reads():
    body = json.dumps({"x": "y" * 100}).encode()
    with pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(io.BytesIO(body), parser_context={"request": _FakeRequest(10)})


@override_settings(API_MAX_JSON_BYTES=64)
def test_the_parser_accepts_a_body_at_the_limit():
    body = json.dumps({"x": "y" * 55}).encode()
    assert len(body) == 64
    assert BoundedJSONParser().parse(io.BytesIO(body), parser_context={}) == {"x": "y" * 55}


@pytest.mark.parametrize("body", [b"{", b"{'a': 1}", b'{"a": NaN}', b'{"a": Infinity}', b"\xff\xfe{}", b"[" * 100000, b""])
def test_the_parser_refuses_what_is_not_json(body):
    with pytest.raises(exceptions.ParseError) as caught:
        BoundedJSONParser().parse(io.BytesIO(body), parser_context={})
    assert caught.value.get_codes() == "malformed_json"


# --- through the API ---------------------------------------------------------------------------------


def test_malformed_json_is_a_400_with_the_error_shape(world):
    response = raw_post(world.kp_investigator.client(), b'{"name": "cli",')
    error = assert_error(response, 400, "malformed_json")
    assert error["fields"] == {}


def test_an_oversized_body_is_a_413_with_a_translated_message(world, settings):
    body = json.dumps({"name": "x" * (settings.API_MAX_JSON_BYTES + 1)}).encode()
    client = world.kp_investigator.client()
    error = assert_error(raw_post(client, body), 413, "payload_too_large")
    assert "256" in error["message"]
    english = assert_error(client.generic("POST", WRITE_URL, body, content_type="application/json",
                                          HTTP_ACCEPT_LANGUAGE="en"), 413)
    assert english["message"] == "The request body is too large: at most 256 KiB are accepted."


def test_another_media_type_is_a_415_with_the_error_shape(world):
    response = raw_post(world.kp_investigator.client(), b"name=cli", content_type="application/x-www-form-urlencoded")
    assert_error(response, 415, "unsupported_media_type")


def test_an_unknown_api_path_is_a_404_with_the_error_shape(world):
    assert_error(world.kp_investigator.client().get("/api/v1/no-such-thing/"), 404)


def test_a_page_out_of_range_is_a_404_and_the_page_size_is_capped(world):
    client = world.kp_investigator.client()
    assert_error(client.get("/api/v1/roles/", {"page": 999}), 404, "not_found")
    body = client.get("/api/v1/roles/", {"page_size": 10000}).json()
    assert len(body["results"]) == body["count"] <= 200


def test_errors_carry_the_request_id(world):
    request_id = "0b5c6f7e-8d9a-4b1c-9e2f-3a4b5c6d7e8f"
    response = world.kp_investigator.client().get("/api/v1/roles/", {"page": 999}, HTTP_X_REQUEST_ID=request_id)
    assert_error(response, 404)
    assert response["X-Request-ID"] == request_id


# --- the exception handler ---------------------------------------------------------------------------


@pytest.mark.parametrize(("exc", "status", "code"), [
    (ApplicationError("no", fields={"title": ["Give a title."]}, code="invalid"), 400, "invalid"),
    (NotFound(), 404, "not_found"),
    (PermissionDenied(), 403, "permission_denied"),
    (Conflict(), 409, "conflict"),
    (DjangoValidationError({"title": ["bad"], "__all__": ["worse"]}), 400, "invalid"),
    (DjangoValidationError("bad"), 400, "invalid"),
    (IntegrityError("UNIQUE constraint failed"), 409, "conflict"),
    (exceptions.ValidationError({"a": {"b": ["x"]}, "c": [{"d": ["y"]}]}), 400, "invalid"),
    (exceptions.Throttled(wait=3), 429, "throttled"),
])
def test_every_known_failure_maps_to_the_error_shape(exc, status, code):
    error = to_api_error(exc)
    assert error is not None
    assert (error.status, error.code) == (status, code)
    assert error.message


def test_field_errors_are_flattened_with_dotted_paths():
    detail = {"a": {"b": ["x"]}, "c": [{"d": ["y"]}, {}], "__all__": ["z"], "e": "w"}
    assert flatten_fields(detail) == {"a.b": ["x"], "c.0.d": ["y"], "non_field_errors": ["z"], "e": ["w"]}


def test_django_non_field_errors_are_named_like_drfs():
    error = to_api_error(DjangoValidationError({"__all__": ["clash"]}))
    assert error is not None and error.fields == {"non_field_errors": ["clash"]}


def test_a_bug_is_left_to_the_500_handler():
    assert to_api_error(ZeroDivisionError()) is None


# --- schema and documentation ------------------------------------------------------------------------


def test_the_schema_validates_without_warnings():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", os.devnull)


def test_the_schema_endpoint_serves_a_valid_schema_to_signed_in_staff_only(world):
    assert Client().get("/api/schema/", {"format": "json"}).status_code == 401
    response = world.kp_investigator.client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert "/api/v1/bulletins/{public_id}/grants/" in schema["paths"]
    assert set(schema["components"]["securitySchemes"]) == {"bearerAuth", "cookieAuth"}
    assert schema["components"]["schemas"]["Error"]["properties"]["error"]


def test_every_operation_documents_its_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403"} <= set(operation["responses"]), (method, path)
            if method in ("post", "patch"):
                assert {"400", "413"} <= set(operation["responses"]), (method, path)


def test_the_docs_page_loads_nothing_from_elsewhere_and_nothing_inline(world):
    assert Client().get("/api/docs/").status_code == 401
    client = world.kp_investigator.client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "swagger-ui" in html
    assert not EXTERNAL_URL.search(html), EXTERNAL_URL.search(html)
    assert "<style" not in html and "style=" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attrs for attrs in scripts)
    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/"), src
    csp = page["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp

    script_url = re.findall(r'<script src="([^"]+)"', html)[-1]
    script = client.get(script_url.replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert not EXTERNAL_URL.search(script.content.decode())


# --- marking fields ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [("amber", "AMBER"), ("TLP:AMBER+STRICT", "AMBER+STRICT"), ("white", "CLEAR")])
def test_the_tlp_field_takes_tlp_2_markings(raw, value):
    assert TLPField().run_validation(raw) == value


@pytest.mark.parametrize("raw", ["purple", "TLP:", "AMBER STRICT", "PAP:RED"])
def test_an_unknown_tlp_is_a_field_error(raw):
    with pytest.raises(exceptions.ValidationError) as caught:
        TLPField().run_validation(raw)
    assert caught.value.get_codes() == ["invalid_tlp"]


def test_an_unknown_pap_is_a_field_error():
    assert PAPField().run_validation("pap:green") == "GREEN"
    with pytest.raises(exceptions.ValidationError):
        PAPField().run_validation("TLP:RED")
