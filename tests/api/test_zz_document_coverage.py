"""Runs last (files run in name order): every operation of the OpenAPI document has had a
real successful response validated against the document by the tests above."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.api.conftest import CHECKED


def test_every_operation_answered_successfully_and_matched_the_document(request, api_doc):
    here = Path(__file__).parent
    wanted = {p.name for p in here.glob("test_*.py")}
    ran = {
        Path(str(item.path)).name
        for item in request.session.items
        if Path(str(item.path)).parent == here
    }
    if ran != wanted:
        pytest.skip("needs the whole tests/api directory in one run")
    operations = {
        (method.upper(), path) for path, methods in api_doc["paths"].items() for method in methods
    }
    succeeded = {(method, path) for method, path, status in CHECKED if status.startswith("2")}
    missing = sorted(operations - succeeded)
    assert not missing, f"operations never exercised with a successful response: {missing}"
