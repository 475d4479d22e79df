"""Rate limiting without stored identifiers, and unguessable tracking codes (issue #3 point 10)."""

from __future__ import annotations

import math
import re

import pytest
from django.conf import settings
from django.test import Client, override_settings
from hypothesis import given
from hypothesis import strategies as st

from kssp.portal import tracking
from kssp.portal.ratelimit import RotatingKeyLimiter, limiter

ADDRESS = "203.0.113.77"


class Clock:
    def __init__(self, t: float = 1_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


# --- the limiter ------------------------------------------------------------------------------------


def test_keys_are_hmacs_that_change_every_hour_and_hold_no_address():
    clock = Clock(3600 * 100 + 10)
    lim = RotatingKeyLimiter(clock=clock)
    key = lim.client_key(ADDRESS)
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert key == lim.client_key(ADDRESS) != lim.client_key("203.0.113.78")
    assert lim.hit(key, "submit", 5)
    assert ADDRESS not in repr(lim.snapshot()) and ADDRESS not in repr(vars(lim))

    clock.t += 3600  # the next hour: a new random secret, the counters are gone
    assert lim.client_key(ADDRESS) != key
    assert lim.snapshot() == {}
    assert lim.client_key(None) is None and lim.client_key("") is None


def test_the_limit_counts_per_key_and_action_and_resets_with_the_hour():
    clock = Clock(3600 * 7)
    lim = RotatingKeyLimiter(clock=clock)
    key, other = lim.client_key("a"), lim.client_key("b")
    assert [lim.hit(key, "submit", 3) for _ in range(4)] == [True, True, True, False]
    assert lim.hit(other, "submit", 3), "another client is not affected"
    assert lim.hit(key, "lookup", 3), "another action is counted apart"
    assert lim.retry_after() == 3600
    clock.t += 1800
    assert lim.retry_after() == 1800
    clock.t += 1800
    assert lim.hit(lim.client_key("a"), "submit", 3)


def test_a_flood_of_distinct_keys_does_not_grow_memory_without_bound():
    lim = RotatingKeyLimiter(max_keys=10, clock=Clock())
    for n in range(25):
        lim.hit(lim.client_key(f"10.0.0.{n}"), "submit", 5)
    assert len(lim.snapshot()) <= 10


@pytest.mark.django_db
@pytest.mark.urls("kssp.portal.tests.urls")
def test_too_many_messages_from_one_address_get_429_with_a_translated_page(world):
    limiter.reset()
    try:
        with override_settings(KSSP={**settings.KSSP, "PORTAL": {"RATE_LIMITS": {"submit": 2, "lookup": 30}}}):
            client = Client(REMOTE_ADDR=ADDRESS, HTTP_ACCEPT_LANGUAGE="en")
            statuses = []
            for n in range(3):
                page = client.get("/public/message/")
                public_id = re.search(r'name="public_id" value="([0-9a-f-]{36})"', page.content.decode()).group(1)
                response = client.post("/public/message/", {
                    "topic": "general", "message": f"Message {n}", "language": "en", "public_id": public_id, "website": "",
                })
                statuses.append(response.status_code)
            assert statuses == [200, 200, 429]
            assert int(response["Retry-After"]) > 0
            assert "Too many requests came from your connection" in response.content.decode()
            # Another address is not limited.
            other = Client(REMOTE_ADDR="198.51.100.5")
            page = other.get("/public/message/")
            public_id = re.search(r'name="public_id" value="([0-9a-f-]{36})"', page.content.decode()).group(1)
            ok = other.post("/public/message/", {"topic": "general", "message": "x", "language": "sq", "public_id": public_id})
            assert ok.status_code == 200
            assert ADDRESS not in repr(limiter.snapshot())
    finally:
        limiter.reset()


# --- tracking codes ---------------------------------------------------------------------------------


def test_codes_have_at_least_sixty_bits_from_an_unambiguous_alphabet():
    assert tracking.BITS >= 60 and tracking.LENGTH * math.log2(len(tracking.ALPHABET)) >= 60
    assert not set("ILOU") & set(tracking.ALPHABET)
    codes = {tracking.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    for code in list(codes)[:50]:
        assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)


def test_codes_are_read_back_the_way_people_copy_them():
    code = "7KQ3-M9XD-2HFA-P8RT"
    same = ["7kq3m9xd2hfap8rt", " 7KQ3 M9XD 2HFA P8RT ", "7KQ3–M9XD–2HFA–P8RT"]
    assert all(tracking.code_hash(v) == tracking.code_hash(code) for v in same)
    assert tracking.normalise("OIL0-0000-0000-0000") == "0110000000000000"
    assert tracking.code_hash("7KQ3-M9XD-2HFA-P8RU") is None  # U is not a symbol
    assert tracking.code_hash("7KQ3-M9XD-2HFA") is None
    assert tracking.code_hash("") is None


@given(st.text(max_size=40))
def test_anything_typed_is_either_a_code_or_refused_never_an_error(typed):
    digest = tracking.code_hash(typed)
    assert digest is None or re.fullmatch(r"[0-9a-f]{64}", digest)


def test_the_stored_hash_does_not_contain_the_code():
    code = tracking.new_code()
    digest = tracking.code_hash(code)
    assert tracking.normalise(code) not in digest.upper()
