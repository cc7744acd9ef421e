"""Benchmarks: `python -m bench` (see bench/__main__.py). Not tests: timings are printed, not asserted."""
