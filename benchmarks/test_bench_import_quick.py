"""The import benchmark's --quick mode, run by the suite for correctness (no timings asserted): the
staged validation and the row-by-row baseline find the same bad rows, the baseline's rollback leaves
nothing, and a clean file promotes into exactly one bulletin per row."""

from __future__ import annotations

import pytest

from benchmarks import bench_import


@pytest.mark.django_db
def test_import_benchmark_quick_agrees_with_baseline():
    figures = bench_import.run(300, promote_n=50)
    assert figures["N"] == 300 and figures["bad_rows"] == 3 and figures["outcome"] == "invalid"
    assert figures["promote_N"] == 50
