"""Fault scripts (issue 12 point 8): the production topology under a PostgreSQL restart, a
task worker killed mid-task and the mail server down. See docs/performance.md."""
