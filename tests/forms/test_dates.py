"""One date format (issue #7 point 2): "the public status page shows 12/07/2026 in English, 2026-12-07 in
Albanian and 7.12.2026 in Serbian while staff pages show 07.12.2026; native date pickers show
mm/dd/yyyy". dd.mm.yyyy and 24-hour time in Europe/Belgrade wherever a person reads or types a date."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from kssp.core.forms import BootstrapMixin, DateInput, DateTimeInput

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kssp.portal.tests.urls")]

LANGUAGES = ["sq", "sr-latn", "sr-cyrl", "en"]
BELGRADE = zoneinfo.ZoneInfo("Europe/Belgrade")


class Sample(BootstrapMixin, forms.Form):
    day = forms.DateField(widget=DateInput())
    moment = forms.DateTimeField(widget=DateTimeInput())


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_public_status_page_shows_dd_mm_yyyy_in_every_language(world, language):
    from kssp.portal.models import PublicSubmission

    client = Client()
    url = reverse("portal:contact")
    page = client.get(url).content.decode()
    public_id = re.search(r'name="public_id" value="([0-9a-f-]{36})"', page).group(1)
    sent = client.post(url, {"topic": "weapons", "message": "A rifle at weddings.", "language": "en", "public_id": public_id})
    code = re.search(r'id="tracking-code">([0-9A-Z-]{19})<', sent.content.decode()).group(1)
    # 23:30 UTC on 6 December is 00:30 on 7 December in Belgrade: the local day is shown.
    PublicSubmission.objects.unscoped(reason="test").update(created_at=dt.datetime(2026, 12, 6, 23, 30, tzinfo=dt.UTC))
    client.cookies["kssp_language"] = language
    html = client.post(reverse("portal:status"), {"code": code}).content.decode()
    assert "07.12.2026" in html, language
    assert not re.search(r"12/0?7/2026|2026-12-0?7|\b7\.12\.2026", html)


# The bulletins refuse a validity end in the past: the tests that type 07.12.2026 are run before it.
BEFORE_THE_DATE = time_machine.travel(dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC), tick=True)


@pytest.mark.parametrize("language", LANGUAGES)
@BEFORE_THE_DATE
def test_a_staff_page_shows_dd_mm_yyyy_in_every_language(world, language):
    from kssp.bulletins.models import Bulletin

    client = world.kp_investigator.client()
    client.cookies["kssp_language"] = language
    url = reverse("bulletins:bulletin_create")
    client.post(url, {"title": "Grey Golf", "kind": "notice", "classification": "1", "body": "x", "valid_until": "07.12.2026"})
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    assert bulletin.valid_until == dt.date(2026, 12, 7)
    html = client.get(reverse("bulletins:bulletin_detail", args=[bulletin.public_id])).content.decode()
    html = re.sub(r'datetime="[^"]*"', "", html)  # <time datetime="…"> is for machines, in ISO 8601
    assert "07.12.2026" in html
    assert not re.search(r"12/0?7/2026|2026-12-0?7|Dec\. 7, 2026", html)
    # The edit page shows the date as typed: a text input in dd.mm.yyyy, never the native picker.
    edit = client.get(reverse("bulletins:bulletin_update", args=[bulletin.public_id])).content.decode()
    field = re.search(r'<input[^>]*name="valid_until"[^>]*>', edit).group(0)
    assert 'type="text"' in field and 'value="07.12.2026"' in field and "data-kssp-date" in field


@pytest.mark.parametrize("language", LANGUAGES)
def test_dates_are_typed_as_dd_mm_yyyy_with_a_translated_error(language):
    with translation.override(language):
        form = Sample({"day": "07.12.2026", "moment": "07.12.2026 14:30"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["day"] == dt.date(2026, 12, 7)
        moment = form.cleaned_data["moment"]
        assert moment.astimezone(BELGRADE).replace(tzinfo=None) == dt.datetime(2026, 12, 7, 14, 30)
        bad = Sample({"day": "12/07/2026", "moment": "31.02.2026 25:00"})
        assert not bad.is_valid()
        message = str(bad.errors["day"][0])
        assert "07.12.2026" in message
        if language != "en":
            assert "Enter the date" not in message  # translated
        moment = timezone.make_aware(dt.datetime(2026, 12, 7, 9, 5))
        rendered = str(Sample(initial={"day": dt.date(2026, 12, 7), "moment": moment})["moment"])
        assert 'value="07.12.2026 09:05"' in rendered and 'type="text"' in rendered


@BEFORE_THE_DATE
def test_iso_8601_stays_in_json(world):
    from kssp.bulletins.models import Bulletin

    client = world.kp_investigator.client()
    client.post(reverse("bulletins:bulletin_create"),
                {"title": "Grey Golf", "kind": "notice", "classification": "1", "body": "x", "valid_until": "07.12.2026"})
    bulletin = Bulletin.objects.unscoped(reason="test").get()
    data = client.get(f"/api/v1/bulletins/{bulletin.public_id}/").json()
    assert data["valid_until"] == "2026-12-07"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)", data["created_at"])




@pytest.fixture(autouse=True)
def fresh_limiter():
    """The public site's hourly allowance is per process: each test starts with a fresh one."""
    from kssp.portal.ratelimit import limiter

    limiter.reset()
    yield
    limiter.reset()
