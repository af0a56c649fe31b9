"""The hash-chained change log: every tracked write is logged, tampering is detected."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from whirlwind.changelog import ChangeLog, history, verify_chain
from whirlwind.orgs.services import create_org


def test_create_and_update_are_logged_with_old_and_new_values(dbsession, tree):
    village = tree["V1"]
    village.name = "大潭新村"
    dbsession.flush()
    rows = history(dbsession, "org", village.id)
    assert [r.action for r in rows] == ["create", "update"]
    assert json.loads(rows[-1].changes)["name"] == ["大潭村", "大潭新村"]
    assert rows[-1].username == "test"
    assert verify_chain(dbsession).ok


def test_tampering_is_detected_and_named(dbsession, tree):
    assert verify_chain(dbsession).ok
    target = dbsession.scalars(
        select(ChangeLog).order_by(ChangeLog.seq.desc()).limit(1).offset(3)
    ).one()
    dbsession.execute(
        text("UPDATE change_log SET changes = :c WHERE seq = :s"),
        {"c": '{"name": [null, "伪造"]}', "s": target.seq},
    )
    result = verify_chain(dbsession)
    assert not result.ok and result.bad_seq == target.seq
    assert "篡改" in result.message


def test_deleted_row_is_detected(dbsession, tree):
    last = dbsession.scalar(select(ChangeLog.seq).order_by(ChangeLog.seq.desc()).limit(1))
    dbsession.execute(text("DELETE FROM change_log WHERE seq = :s"), {"s": last - 2})
    result = verify_chain(dbsession)
    assert not result.ok and result.bad_seq == last - 2


def test_deleting_the_last_row_is_detected(dbsession, tree):
    last = dbsession.scalar(select(ChangeLog.seq).order_by(ChangeLog.seq.desc()).limit(1))
    dbsession.execute(text("DELETE FROM change_log WHERE seq = :s"), {"s": last})
    assert not verify_chain(dbsession).ok


def test_reordered_rows_are_detected(dbsession, tree):
    rows = dbsession.scalars(select(ChangeLog).order_by(ChangeLog.seq.desc()).limit(2)).all()
    a, b = rows[1], rows[0]
    dbsession.execute(text("UPDATE change_log SET seq = -1 WHERE id = :i"), {"i": a.id})
    dbsession.execute(text("UPDATE change_log SET seq = :s WHERE id = :i"), {"s": a.seq, "i": b.id})
    dbsession.execute(text("UPDATE change_log SET seq = :s WHERE id = :i"), {"s": b.seq, "i": a.id})
    dbsession.expire_all()
    assert not verify_chain(dbsession).ok


def test_log_row_in_same_transaction(dbsession, tree):
    org = create_org(dbsession, code="X1", name="新村", level="village", parent=tree["S1"])
    dbsession.flush()
    assert history(dbsession, "org", org.id)[0].action == "create"
