"""Browser tests: Playwright's sync API driving Debian's chromium against pytest-django's live server.

* Skipped when KSSP_SKIP_BROWSER=1 (the PostgreSQL run of CI).
* Every page opened through ``open_page`` records the console; ``csp_messages`` must stay empty, so a
  test fails on any "Content Security Policy" or "Refused to" message (ARCHITECTURE rule 11).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the ORM here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("KSSP_SKIP_BROWSER") != "1":
        return
    skip = pytest.mark.skip(reason="KSSP_SKIP_BROWSER=1")
    for item in items:
        if item.get_closest_marker("browser") and HERE in Path(str(item.path)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Console:
    """Console messages and page errors of every page a test opened."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda msg: self.messages.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.messages.append(f"pageerror: {exc}"))

    @property
    def csp_messages(self) -> list[str]:
        return [m for m in self.messages if "Content Security Policy" in m or "Refused to" in m]


@pytest.fixture
def console() -> Iterator[Console]:
    record = Console()
    yield record
    assert record.csp_messages == [], "CSP violations in the console:\n" + "\n".join(record.csp_messages)


@pytest.fixture
def open_page(chromium, console):
    """``open_page(locale="sq")`` → a fresh browser context (own cookies) and page, console recorded."""
    contexts = []

    def factory(*, locale: str = "sq"):
        context = chromium.new_context(locale=locale, viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        console.attach(page)
        return page

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        # caret="initial": Playwright's caret hiding leaves style="" on every input, which htmx then
        # copies while settling a swap, and CSP (rightly) reports it; the app itself sets no style.
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


def sign_in(page: Any, base_url: str, username: str, password: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(f"{base_url}/")


def choose_language(page: Any, code: str) -> None:
    """Use the language chooser in the header (a POST to /i18n/setlang/)."""
    page.click("#kssp-language-toggle")
    with page.expect_navigation():
        page.click(f"button[name=language][value='{code}']")
