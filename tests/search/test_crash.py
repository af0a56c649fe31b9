"""The indexer killed at random points loses nothing, and a reindex swaps the index in
while searches keep working. These tests use a scratch database that really commits
(SQLite file, or a ``<test db>_search`` PostgreSQL database) and real processes."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker
from whoosh import index as windex

from tests.factories import make_tree, make_users
from tests.processes import kill_at
from whirlwind import clock
from whirlwind.cases import services
from whirlwind.cases.models import Clue
from whirlwind.commands import seed_base
from whirlwind.models import Base
from whirlwind.search import engine, indexer, query

pytestmark = pytest.mark.slow  # real indexer processes killed and restarted

WHIRLWIND = [sys.executable, "-m", "whirlwind.cli"]
CEILING = 300  # seconds: a stuck indexer, not a slow one
TODAY = clock.today()
WORDS = [
    "扶贫资金",
    "低保金",
    "危房改造补贴",
    "集体资产",
    "工程款",
    "惠农补贴",
    "张伟华",
    "李强",
    "截留",
    "挪用",
]


@pytest.fixture(scope="module")
def site(db_url, tmp_path_factory):
    directory = tmp_path_factory.mktemp("searchcrash")
    if db_url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        url = f"{db_url}_search"
        pgdb.create(url)
    else:
        url = f"sqlite:///{directory}/search.sqlite"
    eng = create_engine(url, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    Base.metadata.create_all(eng)
    factory = sessionmaker(bind=eng)
    with factory() as s:
        s.info["actor"] = (None, "test")
        seed_base(s)
        tree = make_tree(s)
        make_users(s, tree)
        s.commit()
        orgs = [tree[k].id for k in ("V1", "V2", "V3", "K1")]
    ini = directory / "search.ini"
    ini.write_text(
        "[app:main]\nuse = egg:whirlwind\n"
        f"sqlalchemy.url = {url}\n"
        "whirlwind.secret = crash-test-secret\nwhirlwind.cookie_secure = false\n"
        f"whirlwind.index_dir = {directory / 'index'}\n"
        f"whirlwind.attachments_dir = {directory / 'attachments'}\n",
        encoding="utf-8",
    )
    yield {
        "url": url,
        "factory": factory,
        "ini": str(ini),
        "base": str(directory / "index"),
        "orgs": orgs,
    }
    eng.dispose()
    if url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        pgdb.drop(url)


def write_round(site, rng, n=6):
    """Commit some new clues, edits and deletions."""
    from whirlwind.orgs.models import Org

    with site["factory"]() as s:
        s.info["actor"] = (None, "test")
        for _ in range(n):
            org = s.get(Org, rng.choice(site["orgs"]))
            words = rng.sample(WORDS, 3)
            services.create_clue(
                s,
                None,
                org=org,
                source="petition",
                received_date=TODAY - dt.timedelta(days=rng.randint(1, 900)),
                title="反映" + words[0] + "问题",
                summary="".join(words) + "。",
                persons=[{"name": rng.choice(["张伟", "张伟华", "王芳"]), "unit_name": org.name}],
            )
        ids = list(s.scalars(select(Clue.id)))
        for cid in rng.sample(ids, min(2, len(ids))):
            s.get(Clue, cid).title = "修改后的" + rng.choice(WORDS)
        if len(ids) > 10 and rng.random() < 0.5:
            s.delete(s.get(Clue, rng.choice(ids)))
        s.commit()


def run(args, timeout=120):
    return subprocess.run(
        [*WHIRLWIND, *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def index_matches_db(site) -> tuple[set, set]:
    with site["factory"]() as s:
        in_db = {("clue", i) for i in s.scalars(select(Clue.id))}
    pool = engine.ReaderPool(site["base"])
    try:
        in_ix = pool.run(lambda v: set() if v is None else v.records())
    finally:
        pool.close()
    return in_db, in_ix


def test_killed_indexer_loses_nothing(site, tmp_path):
    """Killed at each point of a batch (written, committed, sequence recorded) while
    changes keep coming: a restart brings the index back to the database."""
    rng = random.Random(8)
    write_round(site, rng, 20)
    cmd = [*WHIRLWIND, "index", site["ini"], "--interval", "0.02", "--batch", "3"]
    for point in ("index.written", "index.committed", "index.recorded", "index.written"):
        write_round(site, rng)
        kill_at(
            cmd, point, rng.randint(1, 2), tmp_path, while_paused=lambda: write_round(site, rng)
        )
    write_round(site, rng)  # changes made while no indexer runs
    # A stale writer lock left by a killed process does not block (Whoosh's file lock
    # dies with the process).
    done = run(["index", site["ini"], "--once"])
    assert done.returncode == 0, done.stderr
    check = run(["index", site["ini"], "--check"])
    assert check.returncode == 0, check.stdout + check.stderr
    assert "一致" in check.stdout
    in_db, in_ix = index_matches_db(site)
    assert in_db == in_ix and len(in_db) > 40


def test_check_reports_a_difference(site):
    write_round(site, random.Random(3), 2)  # not indexed yet
    check = run(["index", site["ini"], "--check"])
    assert check.returncode == 1
    assert "不一致" in check.stdout
    assert run(["index", site["ini"], "--once"]).returncode == 0


def wait_until_indexed(site, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        in_db, in_ix = index_matches_db(site)
        if in_db == in_ix:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError("the index did not catch up with the database")


def test_running_indexer_follows_changes_and_stops_on_sigterm(site):
    write_round(site, random.Random(4), 2)
    proc = subprocess.Popen(
        [*WHIRLWIND, "index", site["ini"], "--interval", "0.05"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_until_indexed(site, CEILING)  # started (slowly on a busy machine), caught up
        write_round(site, random.Random(5), 3)
        # A committed change becomes searchable without a restart (about a second on an
        # idle machine: benchmarks/README.md; the ceiling only catches a stuck indexer).
        wait_until_indexed(site, CEILING)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(30)
    assert code == 0


def test_reindex_swaps_while_searching(site):
    assert run(["index", site["ini"], "--once"]).returncode == 0
    expected = len(index_matches_db(site)[0])
    pool = engine.ReaderPool(site["base"])
    errors, totals = [], []
    stop = threading.Event()

    def searcher():
        params = query.SearchParams(q="", size=5, facets=True)
        while not stop.is_set():
            try:
                totals.append(pool.run(lambda v: query.run_search(v, None, params).total))
            except Exception as e:  # collected and asserted on
                errors.append(e)

    t = threading.Thread(target=searcher, daemon=True)
    t.start()
    try:
        old = indexer.current_dir(site["base"])
        for _ in range(2):
            result = run(["reindex", site["ini"]])
            assert result.returncode == 0, result.stderr
            # Searches on the swapped-in generation too, however fast the rebuild was.
            mark = len(totals) + len(errors)
            deadline = time.monotonic() + CEILING
            while len(totals) + len(errors) < mark + 3 and time.monotonic() < deadline:
                time.sleep(0.01)
    finally:
        stop.set()
        t.join(30)
    pool.close()
    assert not errors, errors[:3]
    assert len(totals) > 5 and set(totals) == {expected}
    assert indexer.current_dir(site["base"]) != old
    check = run(["index", site["ini"], "--check"])
    assert check.returncode == 0, check.stdout


def test_an_index_of_an_older_format_is_rebuilt_by_the_indexer(site):
    write_round(site, random.Random(11), 2)
    index_once = run(["index", site["ini"], "--once"])
    assert index_once.returncode == 0, index_once.stderr
    path = indexer.current_dir(site["base"])
    os.remove(os.path.join(path, indexer.FORMAT_FILE))  # as an index of an older version
    assert indexer.current_dir(site["base"]) is None
    result = run(["index", site["ini"], "--once"])
    assert result.returncode == 0, result.stderr
    assert indexer.current_dir(site["base"]) not in (None, path)
    in_db, in_ix = index_matches_db(site)
    assert in_db and in_ix == in_db


def test_big_batches_written_by_worker_processes_equal_the_database(site, monkeypatch):
    """A catch-up and a rebuild split among two forked workers (each its own segment,
    committed together): every record once, updates replacing older versions, deletions
    gone; searching finds what the database holds."""
    monkeypatch.setattr(indexer, "PARALLEL_MIN", 4)
    rng = random.Random(21)
    write_round(site, rng, 8)
    assert indexer.apply_pending(site["factory"], site["base"], batch=1000, workers=2) > 0
    path = indexer.current_dir(site["base"])
    ix = windex.open_dir(path)
    segments_before = len(ix._segments())
    ix.close()
    write_round(site, rng, 8)  # new clues, edits (updates) and maybe a deletion
    assert indexer.apply_pending(site["factory"], site["base"], batch=1000, workers=2) > 0
    in_db, in_ix = index_matches_db(site)
    assert in_db and in_ix == in_db
    ix = windex.open_dir(path)
    assert len(ix._segments()) >= segments_before  # the workers' segments were added
    with ix.searcher() as s:
        keys = [f["key"] for f in s.all_stored_fields()]
    ix.close()
    assert len(keys) == len(set(keys)) == len(in_db)  # no record twice
    _, total = indexer.rebuild(site["factory"], site["base"], workers=2)
    assert total == len(in_db)
    assert index_matches_db(site)[1] == in_db
    with site["factory"]() as s:
        titled = {c.id for c in s.scalars(select(Clue)) if c.title.startswith("修改后的")}
    pool = engine.ReaderPool(site["base"])
    try:
        found = pool.run(
            lambda v: {
                h.id
                for h in query.run_search(v, None, query.SearchParams(q="修改后的", size=100)).hits
            }
        )
    finally:
        pool.close()
    assert titled and found == titled
