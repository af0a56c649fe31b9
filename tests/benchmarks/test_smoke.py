"""Smoke runs of the benchmark scripts on tiny data: they keep working, nothing is timed.

The generator writes into its own scratch database (it drops every table first), never into
the test database: a temporary SQLite file, plus a scratch PostgreSQL database next to the
test database when ``WHIRLWIND_TEST_DB_URL`` points at PostgreSQL.
"""

from __future__ import annotations

import os

import pytest
from benchmarks.generate import generate
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from benchmarks import concurrency_bench, import_bench, pages_bench
from whirlwind.cases.models import Case, Clue, ClueReportedPerson
from whirlwind.changelog import verify_chain
from whirlwind.ledger.models import ItemStatus, RectificationItem
from whirlwind.orgs.models import Org, OrgClosure
from whirlwind.outbox import SearchOutbox

pytestmark = pytest.mark.slow  # the benchmark scripts on generated data

TINY = {"cases": 200, "items": 300, "seed": 5, "streets": 13, "grassroots": 40, "quiet": True}


@pytest.fixture(scope="module")
def bench_url(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('bench')}/bench.sqlite"
    counts = generate(url, **TINY)
    return url, counts


def _check(url, counts):
    assert counts["clue"] == 200
    assert counts["rectification_item"] == 300
    assert counts["org"] == 1 + 13 + 13 + 40
    engine = create_engine(url)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Clue)) == 200
        cases = s.scalar(select(func.count()).select_from(Case))
        assert 30 <= cases <= 120  # about a third of the clues became cases
        # Every clue names at least one person; every unit has its closure rows.
        assert s.scalar(select(func.count(func.distinct(ClueReportedPerson.clue_id)))) == 200
        assert (
            s.scalar(select(func.count()).select_from(OrgClosure)) == 1 + 2 * 13 + 3 * 13 + 4 * 40
        )
        villages = s.scalars(select(Org).where(Org.level.in_(("community", "village")))).all()
        assert all(v.district_id and v.street_id for v in villages)
        # The ledger has items in every state.
        states = set(s.scalars(select(RectificationItem.status).distinct()))
        assert states == {str(x) for x in ItemStatus}
        # One outbox row per clue, case and finding, so the indexer indexes them.
        outbox = dict(
            s.execute(
                select(SearchOutbox.record_type, func.count()).group_by(SearchOutbox.record_type)
            ).all()
        )
        assert outbox["clue"] == 200 and outbox["case"] == cases
        assert outbox["finding"] == counts["finding"]
        # Seeded through the services (chained rows); bulk rows bypass the log: the chain verifies.
        result = verify_chain(s)
        assert result.ok and result.checked > 0
    engine.dispose()
    return cases


def test_generator_row_counts(bench_url):
    url, counts = bench_url
    cases = _check(url, counts)
    # About a third of the 200 clues became cases.
    assert 30 <= cases <= 120


def test_generator_is_reproducible(bench_url, tmp_path):
    url, _counts = bench_url
    other = f"sqlite:///{tmp_path}/again.sqlite"
    generate(other, **TINY)

    def texts(u):
        engine = create_engine(u)
        with engine.connect() as conn:
            rows = conn.execute(
                select(Clue.number, Clue.full_text).order_by(Clue.id).limit(20)
            ).all()
        engine.dispose()
        return rows

    assert texts(url) == texts(other)


def test_pages_bench_prints_its_table(bench_url, capsys):
    url, _counts = bench_url
    results = pages_bench.run(url, runs=1, warmup=0, user="city_insp")
    out = capsys.readouterr().out
    assert "| page" in out and "| bare view (floor)" in out
    for page in ("case list (filtered)", "case page", "ledger board", "district disclosure view"):
        assert f"| {page}" in out
    assert all(r["n"] == 1 for r in results)


def test_concurrency_bench_prints_its_table(bench_url, capsys):
    url, _counts = bench_url
    result = concurrency_bench.run(
        url, clients=2, duration=1.0, floor_duration=0.5, max_requests=200, threads=2
    )
    out = capsys.readouterr().out
    assert "| all pages (mix)" in out and "| bare view + identity (floor)" in out
    assert result["requests"] > 0 and result["errors"] == 0


def test_import_bench_prints_its_table(tmp_path, capsys):
    url = f"sqlite:///{tmp_path}/import.sqlite"
    result = import_bench.run(
        url, records=20, runs=1, fmt="csv", seed=3, work=str(tmp_path / "work")
    )
    out = capsys.readouterr().out
    assert "| import + index" in out and "| peer: SQLite FTS5 trigram build" in out
    assert result["size"] > 0


@pytest.mark.skipif(
    not (os.environ.get("WHIRLWIND_TEST_DB_URL") or "").startswith("postgresql"),
    reason="PostgreSQL run of the generator only when the tests run on PostgreSQL",
)
def test_generator_on_postgresql():
    from whirlwind.testing import pgdb

    url = make_url(os.environ["WHIRLWIND_TEST_DB_URL"])
    scratch = url.set(database=f"{url.database}_bench").render_as_string(hide_password=False)
    pgdb.create(scratch)
    try:
        counts = generate(scratch, **TINY)
        assert 30 <= _check(scratch, counts) <= 120
        # Sequences were moved past the generated ids: the services can insert after it.
        engine = create_engine(scratch)
        with Session(engine) as s:
            org = s.scalar(select(Org).where(Org.level == "village").limit(1))
            s.add(
                Org(
                    code="NEW001",
                    name="新村",
                    level="village",
                    parent_id=org.parent_id,
                    district_id=org.district_id,
                    street_id=org.street_id,
                )
            )
            s.flush()
            new_id = s.scalar(select(Org.id).where(Org.code == "NEW001"))
            assert new_id > s.scalar(select(func.max(Org.id)).where(Org.code != "NEW001"))
            s.rollback()
        engine.dispose()
    finally:
        pgdb.drop(scratch)
