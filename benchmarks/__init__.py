"""Benchmarks that print figures (run by hand; their results are in the README)."""
