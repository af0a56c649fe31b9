"""Backup and restore round-trip a populated database with identical counts and a valid
change-log chain."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from tests.factories import make_tree, make_users
from whirlwind.backup import backup_database, restore_database
from whirlwind.changelog import ChangeLog, verify_chain
from whirlwind.commands import seed_base
from whirlwind.models import Base
from whirlwind.orgs.models import Org


@pytest.fixture
def scratch_db(tmp_path, db_url):
    if db_url.startswith("postgresql"):
        from whirlwind.testing import pgdb

        url = db_url + "_backup"
        pgdb.create(url)
        yield url
        pgdb.drop(url)
    else:
        yield f"sqlite:///{tmp_path}/backup-source.sqlite"


def counts(engine):
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar()
            for t in Base.metadata.sorted_tables
        }


def test_backup_restore_round_trip(scratch_db, tmp_path):
    engine = create_engine(scratch_db)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.info["actor"] = (None, "test")
        seed_base(session)
        tree = make_tree(session)
        make_users(session, tree)
        session.commit()
    before = counts(engine)
    assert before["org"] == 10 and before["change_log"] > 20

    target = str(
        tmp_path / ("backup.dump" if scratch_db.startswith("postgresql") else "backup.sqlite")
    )
    backup_database(scratch_db, target)

    # Damage the live database after the backup: delete units' users and log rows.
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM user_role"))
        conn.execute(text("DELETE FROM auth_session"))
        conn.execute(text("DELETE FROM user_account"))
        conn.execute(text("DELETE FROM change_log WHERE seq > 5"))
    assert counts(engine) != before
    engine.dispose()

    restore_database(scratch_db, target)
    engine = create_engine(scratch_db)
    assert counts(engine) == before
    with Session(engine) as session:
        assert verify_chain(session).ok
        assert session.scalar(select(func.count()).select_from(ChangeLog)) == before["change_log"]
        assert session.scalar(select(Org.name).where(Org.code == "T420116001001")) == "大潭村"
    engine.dispose()


def test_restore_of_missing_file_changes_nothing(scratch_db, tmp_path):
    engine = create_engine(scratch_db)
    Base.metadata.create_all(engine)
    before = counts(engine)
    with pytest.raises(FileNotFoundError):
        restore_database(scratch_db, str(tmp_path / "no-such-backup"))
    assert counts(engine) == before
    engine.dispose()
