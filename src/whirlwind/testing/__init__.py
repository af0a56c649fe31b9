"""Helpers for the test suite and CI (scratch PostgreSQL databases)."""
