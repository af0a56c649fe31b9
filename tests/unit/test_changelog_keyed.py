"""The keyed change log (issue 24 item 2): truncation, a moved head and an emptied log are
detected; rows hashed without the key do not verify; checkpoints prove that nothing up to
them was removed or rewritten."""

from __future__ import annotations

from sqlalchemy import select, text

from whirlwind.changelog import (
    ChangeLog,
    ChangeLogHead,
    checkpoint,
    checkpoint_line,
    head_mac,
    row_hash,
    session_key,
    verify_chain,
    verify_checkpoints,
)


def _last(dbsession) -> int:
    return dbsession.scalar(select(ChangeLog.seq).order_by(ChangeLog.seq.desc()).limit(1))


def test_deleting_last_rows_with_the_head_is_detected(dbsession, tree):
    last = _last(dbsession)
    dbsession.execute(text("DELETE FROM change_log WHERE seq > :s"), {"s": last - 3})
    dbsession.execute(text("DELETE FROM change_log_head"))
    result = verify_chain(dbsession)
    assert not result.ok and "链头" in result.message


def test_emptying_both_tables_is_detected(dbsession, tree):
    dbsession.execute(text("DELETE FROM change_log"))
    dbsession.execute(text("DELETE FROM change_log_head"))
    assert not verify_chain(dbsession).ok


def test_head_moved_back_to_an_earlier_row_is_detected(dbsession, tree):
    last = _last(dbsession)
    earlier = dbsession.scalar(select(ChangeLog).where(ChangeLog.seq == last - 3))
    dbsession.execute(text("DELETE FROM change_log WHERE seq > :s"), {"s": last - 3})
    # Without the key the attacker can copy seq and hash, but not make the head's MAC.
    dbsession.execute(
        text("UPDATE change_log_head SET seq = :s, hash = :h"),
        {"s": earlier.seq, "h": earlier.hash},
    )
    result = verify_chain(dbsession)
    assert not result.ok and "校验码" in result.message


def test_head_and_row_count_must_agree(dbsession, tree):
    key = session_key(dbsession)
    head = dbsession.get(ChangeLogHead, 1)
    dbsession.execute(
        text("UPDATE change_log_head SET seq = :s, mac = :m"),
        {"s": head.seq + 1, "m": head_mac(key, head.seq + 1, head.hash)},
    )
    assert "链尾不符" in verify_chain(dbsession).message


def test_a_row_rewritten_and_rehashed_without_the_key_does_not_verify(dbsession, tree):
    row = dict(
        dbsession.execute(select(ChangeLog.__table__).where(ChangeLog.seq == _last(dbsession)))
        .mappings()
        .one()
    )
    assert row["hash"] == row_hash(row, session_key(dbsession))
    forged = dict(row, changes='{"name": [null, "伪造"]}')
    new_hash = row_hash(forged, b"guessed-key")
    dbsession.execute(
        text("UPDATE change_log SET changes = :c, hash = :h WHERE seq = :s"),
        {"c": forged["changes"], "h": new_hash, "s": row["seq"]},
    )
    dbsession.execute(text("UPDATE change_log_head SET hash = :h"), {"h": new_hash})
    assert not verify_chain(dbsession).ok


def test_checkpoint_proves_rows_up_to_it(dbsession, tree):
    point = checkpoint(dbsession)
    assert set(point) == {"seq", "hash", "time", "sig"} and point["seq"] == _last(dbsession)
    lines = [checkpoint_line(point)]
    assert verify_checkpoints(dbsession, lines).ok
    # More rows after the checkpoint are fine.
    tree["V1"].name = "改名村"
    dbsession.flush()
    assert verify_checkpoints(dbsession, lines).ok and verify_chain(dbsession).ok


def test_checkpoint_catches_truncation_with_a_consistent_head(dbsession, tree):
    """The database alone cannot tell: rows deleted from the end and the head rewritten
    with the key (as a restored old copy would have it). The checkpoint can."""
    lines = [checkpoint_line(checkpoint(dbsession))]
    last = _last(dbsession)
    earlier = dbsession.scalar(select(ChangeLog).where(ChangeLog.seq == last - 2))
    dbsession.execute(text("DELETE FROM change_log WHERE seq > :s"), {"s": last - 2})
    dbsession.execute(
        text("UPDATE change_log_head SET seq = :s, hash = :h, mac = :m"),
        {
            "s": earlier.seq,
            "h": earlier.hash,
            "m": head_mac(session_key(dbsession), earlier.seq, earlier.hash),
        },
    )
    assert verify_chain(dbsession).ok  # what the database alone shows
    result = verify_checkpoints(dbsession, lines)
    assert not result.ok and "删除" in result.message


def test_checkpoint_catches_everything_emptied(dbsession, tree):
    lines = [checkpoint_line(checkpoint(dbsession))]
    dbsession.execute(text("DELETE FROM change_log"))
    assert not verify_checkpoints(dbsession, lines).ok


def test_forged_or_empty_checkpoint_file_fails(dbsession, tree):
    point = checkpoint(dbsession)
    forged = dict(point, seq=point["seq"] - 1)
    result = verify_checkpoints(dbsession, [checkpoint_line(forged)])
    assert not result.ok and "签名" in result.message
    assert not verify_checkpoints(dbsession, []).ok
    assert "格式" in verify_checkpoints(dbsession, ["not json"]).message
