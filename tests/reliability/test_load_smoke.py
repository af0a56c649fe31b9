"""A short run of ``benchmarks/load_test.py`` (5 clients, 80 requests in all, against waitress on loopback,
the test database's engine) so that the load test keeps working: every request of every
kind answers as expected (0 errors) and each kind of request was made."""

from __future__ import annotations

import pytest

from benchmarks import load_test

pytestmark = pytest.mark.slow  # a real server under load

CEILING = 300  # seconds (load_test caps a run there): a stuck server, not a slow one


def test_load_test_smoke(db_url, tmp_path):
    if db_url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        url = f"{db_url}_load"
        pgdb.create(url)
    else:
        url = f"sqlite:///{tmp_path}/load.sqlite"
    try:
        plan = load_test.prepare(url, str(tmp_path), clients=5)
        proc, port = load_test.start_server(plan["settings"], threads=4, workdir=str(tmp_path))
        try:
            # Both runs end at their request cap (a few seconds on an idle machine); the
            # duration is only a ceiling for a stuck server, so a busy machine, where argon2
            # logins take seconds, makes every request too.
            result = load_test.run_load(
                plan, port, clients=5, duration=CEILING, max_requests=80, relogin=10
            )
            capped = load_test.run_load(
                plan, port, clients=5, duration=CEILING, max_requests=15, relogin=10
            )
        finally:
            proc.terminate()
            proc.wait(30)
    finally:
        if url.startswith("postgresql"):
            pgdb.drop(url)
    assert result["errors"] == 0, result["error_samples"]
    kinds = {name.split(":")[0] for name in result["endpoints"]}
    assert {"login", "list", "search", "item"} <= kinds, result["endpoints"]
    assert result["requests"] == 80
    # The request cap holds: the second run stopped at exactly 15 requests.
    assert capped["requests"] == 15 and capped["errors"] == 0
