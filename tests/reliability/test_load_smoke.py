"""A short run of ``benchmarks/load_test.py`` (5 clients, 80 requests in all, against waitress on loopback,
the test database's engine) so that the load test keeps working: every request of every
kind answers as expected (0 errors) and each kind of request was made."""

from __future__ import annotations

from benchmarks import load_test


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
            # Ends at 80 requests (a few seconds on an idle machine); the long deadline only
            # keeps a busy machine, where argon2 logins take seconds, from ending it early.
            result = load_test.run_load(
                plan, port, clients=5, duration=60, max_requests=80, relogin=10
            )
            capped = load_test.run_load(
                plan, port, clients=5, duration=3, max_requests=15, relogin=10
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
    assert result["requests"] > 15
    # The request cap holds: the second run stopped at 15 requests, well before 3 s.
    assert capped["requests"] == 15 and capped["errors"] == 0
