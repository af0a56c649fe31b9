"""The search outbox (检索发件箱): one row per searchable record changed, written in the
same transaction as the change (see ``changelog._after_flush``). The single indexer reads
rows with a sequence above the last one its index applied, so each node can keep its own
index replica from one database and a new node rebuilds by replaying from zero."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from whirlwind.db import Base, UTCDateTime, utcnow

BigId = BigInteger().with_variant(Integer(), "sqlite")


class SearchOutbox(Base):
    __tablename__ = "search_outbox"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(BigId)
    op: Mapped[str] = mapped_column(String(10), default="upsert")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = ({"sqlite_autoincrement": True},)


def enqueue_rows(conn, keys) -> None:
    """Insert one outbox row per distinct (type, id, op), keeping first-seen order."""
    seen = set()
    rows = []
    now = utcnow()
    for record_type, record_id, op in keys:
        if record_id is None or (record_type, record_id, op) in seen:
            continue
        seen.add((record_type, record_id, op))
        rows.append(
            {"record_type": record_type, "record_id": record_id, "op": op, "created_at": now}
        )
    if rows:
        from whirlwind.changelog import insert_rows

        insert_rows(conn, SearchOutbox.__table__, rows)
