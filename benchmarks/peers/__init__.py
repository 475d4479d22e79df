"""Benchmark-only Django app (enabled by config.settings_bench, never by the product settings)."""
