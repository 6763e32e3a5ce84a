"""Benchmarks: run them as scripts (see bench/reports.py); nothing here is imported by the
portal."""
