"""Text limits (issue #7 point 2): "Text over the 1 MiB request limit answers a bare '400 Bad request'
and the typed text is lost". Every free-text field has a limit below the request limit, shown beside the
field; going over it is a field error on the form drawn again with the text kept."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse

from kssp.bulletins.models import Bulletin
from kssp.core.forms import TEXT_MAX
from tests.forms.test_form_tokens import create_routes

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

BYTES_PER_CHARACTER = 6  # ë, č or Cyrillic once form-encoded: two UTF-8 bytes, each "%XX"


def test_every_create_forms_text_fits_the_request_limit_with_room_to_spare(world):
    checked = []
    for name in [*create_routes(), "portal:contact"]:
        for person in (world.kp_investigator, world.kp_admin):
            response = person.client().get(reverse(name))
            if response.status_code == 200:
                break
        form = (response.context or {}).get("form") if response.status_code == 200 else None
        if form is None:
            continue
        total = 0
        for field_name, field in form.fields.items():
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput):
                assert field.max_length is not None, f"{name}.{field_name} has no limit"
                total += field.max_length
        assert total * BYTES_PER_CHARACTER + 64 * 1024 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE, name
        checked.append(name)
    assert {"bulletins:bulletin_create", "portal:contact"} <= set(checked)


def test_a_text_over_its_limit_is_a_field_error_that_keeps_the_text(world):
    client = world.kp_investigator.client()
    client.cookies["kssp_language"] = "en"
    url = reverse("bulletins:bulletin_create")
    page = client.get(url).content.decode()
    # The limit is shown beside the field and given to the browser.
    assert re.search(rf'<textarea[^>]*name="body"[^>]*maxlength="{TEXT_MAX}"', page)
    assert f"Up to {TEXT_MAX} characters." in page
    text = "Kuršumlija " * (TEXT_MAX // 11 + 1)
    response = client.post(url, {"title": "Golf", "kind": "notice", "classification": "1", "body": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(r'id="id_body_error"[^>]*>\s*<span[^>]*>Ensure this value has at most', html)
    assert text.strip() in html  # what was typed is still in the field
    assert Bulletin.objects.unscoped(reason="test").count() == 0


def test_a_request_over_the_limit_explains_itself(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = world.kp_investigator.client()
    client.cookies["kssp_language"] = "en"
    response = client.post(reverse("bulletins:bulletin_create"), {"title": "Golf", "body": "x" * 20_000})
    assert response.status_code == 400
    assert "your text is still in the form" in response.content.decode()


@pytest.fixture(autouse=True)
def fresh_limiter():
    """The public site's hourly allowance is per process: each test starts with a fresh one."""
    from kssp.portal.ratelimit import limiter

    limiter.reset()
    yield
    limiter.reset()
