"""The indexer (``whirlwind index``) SIGKILLed ten times while clues are created, edited and
deleted, each time at a point of its own progress (``whirlwind.faults``): documents written
but the Whoosh commit not done, committed but the applied sequence not recorded, and
recorded. More changes are committed while it is held there. After every kill the index
still opens and its applied sequence never goes back; after a restart (``whirlwind index --once``) the index equals the database
(``--check`` exit 0, and the same record ids on both sides). The search area's own test
kills it a few times; this one does it at the count the reliability requirements name."""

from __future__ import annotations

import random

import pytest

from tests.factories import make_tree, make_users
from tests.processes import kill_at
from tests.search.test_crash import WHIRLWIND, index_matches_db, run, write_round
from whirlwind.search import indexer

pytestmark = pytest.mark.slow  # real processes killed ten times

POINTS = ("index.written", "index.committed", "index.recorded")
KILLS = 10


def test_indexer_killed_ten_times_loses_nothing(scratch_db_factory, tmp_path_factory):
    db = scratch_db_factory("indexcrash")
    with db.session() as s:
        tree = make_tree(s)
        make_users(s, tree)
        orgs = [tree[k].id for k in ("V1", "V2", "V3", "K1")]
        s.commit()
    directory = tmp_path_factory.mktemp("indexcrash")
    ini = directory / "index.ini"
    ini.write_text(
        "[app:main]\nuse = egg:whirlwind\n"
        f"sqlalchemy.url = {db.url}\n"
        "whirlwind.secret = crash-test-secret\nwhirlwind.cookie_secure = false\n"
        f"whirlwind.index_dir = {directory / 'index'}\n"
        f"whirlwind.attachments_dir = {directory / 'attachments'}\n",
        encoding="utf-8",
    )
    site = {"factory": db.factory, "ini": str(ini), "base": str(directory / "index"), "orgs": orgs}
    rng = random.Random(13)
    write_round(site, rng, 20)
    cmd = [*WHIRLWIND, "index", site["ini"], "--interval", "0.02", "--batch", "3"]
    killed, applied = [], 0
    for kill in range(KILLS):
        point = POINTS[kill % len(POINTS)]
        # Six new clues (and edits) make at least two batches of three for this run.
        write_round(site, rng, 6)
        visit = rng.randint(1, 2)
        killed.append(
            kill_at(cmd, point, visit, directory, while_paused=lambda: write_round(site, rng, 2))
        )
        index_matches_db(site)  # the index still opens after every kill
        path = indexer.current_dir(site["base"])
        seq = indexer.read_seq(path) if path else 0
        assert seq >= applied, f"the applied sequence went back after {point}:{visit}"
        applied = seq
    assert len(killed) == KILLS and {k.split()[0] for k in killed} == set(POINTS), killed
    write_round(site, rng)  # and some while no indexer runs
    done = run(["index", site["ini"], "--once"])
    assert done.returncode == 0, done.stderr
    check = run(["index", site["ini"], "--check"])
    assert check.returncode == 0, check.stdout + check.stderr
    in_db, in_ix = index_matches_db(site)
    assert in_db == in_ix and len(in_db) > 60
    print(f"indexer killed at {killed}; {len(in_db)} clues")
