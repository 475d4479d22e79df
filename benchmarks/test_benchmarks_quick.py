"""The benchmarks' --quick mode, run by the suite for correctness (no timings asserted)."""

from __future__ import annotations

import pytest

from benchmarks import bench_audit, bench_visibility


@pytest.mark.django_db
def test_visibility_benchmark_quick_agrees_with_baseline():
    figures = bench_visibility.run(300, repeat=1)
    assert figures["N"] == 300 and set(figures["actors"]) == {"kp_investigator", "customs", "kp_ffp", "prosecutor"}


@pytest.mark.django_db
def test_audit_benchmark_quick_verifies_chain():
    figures = bench_audit.run(20)
    assert figures["N"] == 20
