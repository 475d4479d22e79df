"""The load benchmark's arithmetic (benchmarks/bench_load.py), on samples made by hand: the steady phase
only for p99 and the rate; exports and imports apart; ``max_rps`` the busiest 10-second window that kept
the interactive p99 at or under 300 ms with no error. (The run itself takes minutes: ``--quick``.)"""

from __future__ import annotations

from benchmarks.bench_load import figures, kind_of


def sample(t: float, ms: float, name: str = "list bulletins", ok: bool = True) -> dict:
    return {"t": t, "name": name, "kind": kind_of(name), "ms": ms, "ok": ok, "error": "" if ok else "500"}


def test_kinds_are_told_apart_by_request_name():
    assert kind_of("export bulletins (CSV)") == "export"
    assert kind_of("export form") == "export"
    assert kind_of("import upload (200 rows, staged in background)") == "import"
    assert kind_of("sign-in") == "interactive"


def test_figures_use_the_steady_phase_and_find_the_busiest_window_that_held_the_goal():
    start = 1000.0
    samples = []
    # Ramp-up (first 20 s): slow requests that must not count in the steady p99.
    samples += [sample(start + 1 + i * 0.5, 5000.0) for i in range(10)]           # window 0: 10 req, p99 5 s
    # Window 2 (20–30 s): 30 requests at 100 ms -> 3.0 rps, held.
    samples += [sample(start + 20 + i * 0.3, 100.0) for i in range(30)]
    # Window 3 (30–40 s): 50 requests, one at 2 s -> p99 over 300 ms, not held although busier.
    samples += [sample(start + 30 + i * 0.2, 100.0) for i in range(49)] + [sample(start + 39.9, 2000.0)]
    # Window 4 (40–50 s): 40 requests at 50 ms but one error -> not held.
    samples += [sample(start + 40 + i * 0.2, 50.0) for i in range(39)] + [sample(start + 49.9, 50.0, ok=False)]
    # An export and an import in the steady phase, slow, reported apart.
    samples += [sample(start + 25, 4000.0, "export bulletins (CSV)"), sample(start + 26, 900.0, "import upload")]
    result = figures(samples, start, ramp=20, end=start + 50)

    steady_interactive = [100.0] * 30 + [100.0] * 49 + [2000.0] + [50.0] * 40
    assert result["interactive"]["n"] == len(steady_interactive) == 120
    assert result["export"]["n"] == 1 and result["export"]["p95_ms"] == 4000.0
    assert result["import"]["n"] == 1 and result["import"]["p95_ms"] == 900.0
    assert result["errors"] == 1
    assert result["requests_steady"] == 122
    assert result["rps"] == round(122 / 30, 2)
    # p99 of 120 values (linear interpolation): rank 117.81 of 40×50, 79×100, 1×2000 falls between two 100s;
    # had the ramp-up's ten 5 s requests counted, it would be 5,000.
    assert result["interactive"]["p99_ms"] == 100.0
    assert result["max_rps"] == 3.2  # window 2 (30 + the export + the import = 32 in 10 s); 3 and 4 failed


def test_the_form_reader_sends_what_a_browser_would_on_the_real_pages(world):
    """The locustfile fills forms with ``form_of``: on real pages it must pick the page's own form (not the
    header's sign-out) with its hidden fields and defaults, so that the simulated writes succeed."""
    from benchmarks.bench_load import form_of
    from kssp.bulletins.models import Bulletin

    client = world.kp_investigator.client()
    page = client.get("/exports/bulletins/")
    data = form_of(page.content.decode(), "/exports/bulletins/").fields
    assert {"csrfmiddlewaretoken", "profile", "language"} <= set(data)
    data.update({"format": "csv", "purpose": "Raport javor", "recipient": "Drejtori i Përgjithshëm, KP"})
    response = client.post("/exports/bulletins/", data)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")

    page = client.get("/bulletins/new/")
    data = form_of(page.content.decode(), "/bulletins/new/").fields
    data.update({"title": "Pistoletë CZ 99 e vjedhur", "kind": "lookout", "classification": "1",
                 "body": "Raportuar e vjedhur në Prizren."})
    before = Bulletin.objects.unscoped(reason="test oracle").count()
    response = client.post("/bulletins/new/", data)
    assert response.status_code == 302
    assert Bulletin.objects.unscoped(reason="test oracle").count() == before + 1
