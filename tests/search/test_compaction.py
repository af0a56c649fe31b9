"""Outbox compaction: ``whirlwind index --compact`` deletes the rows this node's index has
applied; a replica that had not applied them rebuilds instead of missing them. A scratch
database that really commits (SQLite file, or ``<test db>_compact`` on PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import sessionmaker

from tests.factories import make_tree, make_users
from whirlwind import cli, clock
from whirlwind.cases import services
from whirlwind.cases.models import Clue
from whirlwind.commands import seed_base
from whirlwind.models import Base
from whirlwind.outbox import SearchOutbox
from whirlwind.search import compaction, indexer


@pytest.fixture
def site(db_url, tmp_path):
    if db_url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        url = f"{db_url}_compact"
        pgdb.create(url)
    else:
        url = f"sqlite:///{tmp_path}/compact.sqlite"
    eng = create_engine(url)
    Base.metadata.create_all(eng)
    factory = sessionmaker(bind=eng)
    with factory() as s:
        s.info["actor"] = (None, "test")
        seed_base(s)
        tree = make_tree(s)
        make_users(s, tree)
        s.commit()
        org_id = tree["V1"].id
    ini = tmp_path / "compact.ini"
    ini.write_text(
        "[app:main]\nuse = egg:whirlwind\n"
        f"sqlalchemy.url = {url}\n"
        "whirlwind.secret = compact-test-secret\nwhirlwind.cookie_secure = false\n"
        f"whirlwind.index_dir = {tmp_path / 'node-a'}\n"
        f"whirlwind.attachments_dir = {tmp_path / 'attachments'}\n",
        encoding="utf-8",
    )
    yield {
        "factory": factory,
        "ini": str(ini),
        "a": str(tmp_path / "node-a"),
        "b": str(tmp_path / "node-b"),
        "org_id": org_id,
    }
    eng.dispose()
    if url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        pgdb.drop(url)


def add_clues(site, titles):
    from whirlwind.orgs.models import Org

    with site["factory"]() as s:
        s.info["actor"] = (None, "test")
        for title in titles:
            services.create_clue(
                s,
                None,
                org=s.get(Org, site["org_id"]),
                source="petition",
                received_date=clock.today() - dt.timedelta(days=3),
                title=title,
                summary="群众反映。",
                persons=[{"name": "张伟", "unit_name": "大潭村"}],
            )
        s.commit()


def outbox_rows(site) -> int:
    with site["factory"]() as s:
        return s.scalar(select(func.count()).select_from(SearchOutbox))


def consistent(site, base) -> bool:
    with site["factory"]() as s:
        return indexer.check(s, base).ok


def test_compaction_deletes_applied_rows_and_a_replica_behind_rebuilds(site, capsys):
    add_clues(site, ["反映扶贫资金问题", "反映低保金问题"])
    indexer.apply_pending(site["factory"], site["a"])  # node A: up to date
    indexer.apply_pending(site["factory"], site["b"])  # node B: up to date, for now
    add_clues(site, ["反映危房改造补贴问题"])
    indexer.apply_pending(site["factory"], site["a"])  # B has not applied the third clue
    applied_by_a = indexer.read_seq(indexer.current_dir(site["a"]))
    assert outbox_rows(site) > 0

    assert cli.main(["index", site["ini"], "--compact"]) == 0
    assert "已删除" in capsys.readouterr().out
    assert outbox_rows(site) == 0
    with site["factory"]() as s:
        assert compaction.horizon(s) == applied_by_a
    assert consistent(site, site["a"])

    # B missed a row that is gone: it rebuilds from the database rather than skip it.
    assert not consistent(site, site["b"])
    old_generation = indexer.current_dir(site["b"])
    indexer.apply_pending(site["factory"], site["b"])
    assert indexer.current_dir(site["b"]) != old_generation
    assert consistent(site, site["b"])
    assert indexer.read_seq(indexer.current_dir(site["b"])) >= applied_by_a

    # A new node starts from the horizon by rebuilding, and everyone carries on from the
    # outbox afterwards.
    fresh = site["b"] + "-new"
    indexer.apply_pending(site["factory"], fresh)
    add_clues(site, ["反映集体资产问题"])
    for base in (site["a"], site["b"], fresh):
        indexer.apply_pending(site["factory"], base)
        assert consistent(site, base)
    with site["factory"]() as s:
        assert len(s.scalars(select(Clue.id)).all()) == 4

    # Compacting again deletes only what was added since, and never goes backwards.
    assert cli.main(["index", site["ini"], "--compact"]) == 0
    with site["factory"]() as s:
        assert compaction.compact(s, applied_by_a) == 0
        assert compaction.horizon(s) > applied_by_a
