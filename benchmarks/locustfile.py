"""A working day at the platform, for locust (``benchmarks/bench_load.py`` runs it; not the product).

Each simulated user is one of the seeded staff accounts (``bench-user-NNNN``). It signs in through the
sign-in page, then, with 5–15 s of thinking between actions: opens the home page and its lists, reads
records, searches, creates bulletins through the form, shares one of its own with another institution,
exports a list and, now and then, uploads an import that the task workers stage in the background.

Every request is recorded with its kind (``interactive``, ``export``, ``import``) in the file named by
``KSSP_LOAD_SAMPLES`` (one JSON line per request: time, name, kind, milliseconds, ok), from which
bench_load.py computes the figures. A request fails on a status of 400 or more, on a connection error,
or when a form comes back instead of the redirect that a successful write answers.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.bench_load import form_of, kind_of  # noqa: E402 - shared with the figures and their tests

PASSWORD = os.environ.get("KSSP_LOAD_PASSWORD", "")
USERS = [u for u in os.environ.get("KSSP_LOAD_USERS", "").split(",") if u]
SAMPLES = os.environ.get("KSSP_LOAD_SAMPLES", "")
_user_counter = itertools.count()
_lock = threading.Lock()
_samples_file = open(SAMPLES, "a", encoding="utf-8") if SAMPLES else None  # noqa: SIM115 - open for the run

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
BULLETIN_LINK = re.compile(rf'href="/bulletins/({UUID})/"')
SEARCH_WORDS = ["pistol", "Zastava", "CZ 99", "municion", "Merdare", "Prizren", "armë", "9 mm", "BUL-", "kufitare"]
KINDS = ["lookout", "alert", "notice"]


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, response_length: int, exception: Any,
            **kwargs: Any) -> None:
    if _samples_file is None:
        return
    line = json.dumps({"t": time.time(), "name": name, "kind": kind_of(name), "ms": response_time,
                       "ok": exception is None, "error": str(exception)[:200] if exception else ""})
    with _lock:
        _samples_file.write(line + "\n")


@events.quitting.add_listener
def _close(**kwargs: Any) -> None:
    if _samples_file is not None:
        _samples_file.flush()


class Staff(HttpUser):
    wait_time = between(float(os.environ.get("KSSP_LOAD_THINK_MIN", "5")), float(os.environ.get("KSSP_LOAD_THINK_MAX", "15")))

    def on_start(self) -> None:
        self.username = USERS[next(_user_counter) % len(USERS)]
        self.client.cookies.set("kssp_language", random.choice(["sq", "sq", "sr-latn", "en"]))
        self.seen: list[str] = []
        self.own: list[str] = []
        self.sign_in()

    # --- helpers ------------------------------------------------------------------------------------

    def sign_in(self) -> None:
        page = self.client.get("/accounts/login/", name="sign-in page")
        data = form_of(page.text, "/accounts/login/").fields
        data.update({"username": self.username, "password": PASSWORD})
        with self.client.post("/accounts/login/", data=data, name="sign-in", catch_response=True) as response:
            if "/accounts/login/" in response.url:
                response.failure(f"sign-in refused for {self.username}")

    def post_form(self, page_url: str, page_name: str, name: str, values: dict[str, str],
                  files: dict[str, Any] | None = None, action: str = "") -> Any:
        """GET the form page, fill what the user would type, POST it; a write answers with a redirect."""
        page = self.client.get(page_url, name=page_name)
        if not page.ok:
            return None
        data = form_of(page.text, action or page_url.split("?")[0]).fields
        data.update(values)
        target = page_url
        with self.client.post(target, data=data, files=files, name=name, catch_response=True) as response:
            # A file (an export) is an answer too; an HTML page without a redirect is the form again.
            is_page = response.headers.get("Content-Type", "").startswith("text/html")
            if response.ok and not response.history and is_page:
                response.failure("the form came back (no redirect): " + re.sub(r"\s+", " ", response.text)[:200])
            return response

    def remember(self, html: str) -> None:
        found = BULLETIN_LINK.findall(html)
        if found:
            self.seen = (found + self.seen)[:200]

    # --- a working day ------------------------------------------------------------------------------

    @task(10)
    def home(self) -> None:
        self.client.get("/", name="home")

    @task(20)
    def bulletin_list(self) -> None:
        page = random.choice(["", "", "?page=2", "?page=3"])
        response = self.client.get(f"/bulletins/{page}", name="list bulletins")
        self.remember(response.text)

    @task(20)
    def bulletin_detail(self) -> None:
        if not self.seen:
            return self.bulletin_list()
        self.client.get(f"/bulletins/{random.choice(self.seen)}/", name="read bulletin")
        return None

    @task(8)
    def bulletin_search(self) -> None:
        response = self.client.get("/bulletins/", params={"q": random.choice(SEARCH_WORDS)}, name="search bulletins")
        self.remember(response.text)

    @task(6)
    def global_search(self) -> None:
        self.client.get("/search/", params={"q": random.choice(SEARCH_WORDS)}, name="search everything")

    @task(6)
    def worklist(self) -> None:
        self.client.get("/worklist/", name="my tasks")

    @task(4)
    def notifications(self) -> None:
        self.client.get("/notifications/", name="notifications")

    @task(3)
    def persons(self) -> None:
        self.client.get("/parties/", params={"q": random.choice(["Berisha", "Krasniqi", "Gashi"])}, name="search persons")

    @task(4)
    def create(self) -> None:
        n = random.randint(1, 10**6)
        response = self.post_form("/bulletins/new/", "bulletin form", "create bulletin", {
            "title": f"Pistoletë CZ 99 e vjedhur, seria LT{n:06d}",
            "kind": random.choice(KINDS),
            "classification": "1",
            "body": "Raportuar e vjedhur në Prizren; njoftoni njësinë pronare.",
        })
        if response is not None and response.ok:
            found = re.search(rf"/bulletins/({UUID})/", response.url)
            if found:
                self.own.append(found.group(1))

    @task(2)
    def share(self) -> None:
        if not self.own:
            return self.create()
        record = random.choice(self.own)
        url = f"/records/bulletins.bulletin/{record}/grants/"
        page = self.client.get(url, name="sharing page")
        if not page.ok:
            return None
        form = form_of(page.text, url)
        institutions = [v for v in form.options.get("institution", []) if v]
        if not institutions:
            return None
        data = dict(form.fields)
        chosen = random.choice(institutions)
        data.update({"grantee_type": "institution", "institution": chosen, "kind": "share",
                     "reason": "Operacion i përbashkët", "legal_basis": "", "expires_at": ""})
        # The Intelligence Agency receives records only by dissemination with a legal basis (the form says
        # so beside the field; the service refuses a plain share, as a user would learn once).
        if re.search(rf'<option value="{re.escape(chosen)}"[^>]*>[^<]*\(AKI\)<', page.text):
            data.update({"kind": "dissemination", "legal_basis": "Ligji Nr. 03/L-063, neni 4"})
        with self.client.post(url, data=data, name="share bulletin", catch_response=True) as response:
            if response.ok and not response.history:
                response.failure("the sharing form came back: " + re.sub(r"\s+", " ", response.text)[:200])
        return None

    @task(2)
    def export(self) -> None:
        self.post_form("/exports/bulletins/", "export form", "export bulletins (CSV)", {
            "format": "csv", "purpose": "Raport javor", "recipient": "Drejtori i Përgjithshëm, KP",
        })

    @task(1)
    def import_upload(self) -> None:
        template = self.client.get("/imports/types/bulletins/template.csv", name="import template")
        if not template.ok:
            return
        header = template.text.splitlines()[0]
        columns = [c.strip() for c in header.split(",")]
        rows = [header]
        for i in range(200):
            values = {"title": f"Import {random.randint(1, 10**9)} rreshti {i}", "kind": random.choice(KINDS),
                      "classification": "1", "body": "Importuar nga sistemi i vjetër.",
                      "contains_personal_data": "no"}
            rows.append(",".join(values.get(c, "") for c in columns))
        body = ("\n".join(rows) + "\n").encode("utf-8")
        self.post_form("/imports/new/", "import form", "import upload (200 rows, staged in background)",
                       {"import_type": "bulletins"}, files={"file": ("bulletins.csv", body, "text/csv")})
