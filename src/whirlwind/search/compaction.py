"""Outbox compaction (发件箱清理): delete the search outbox rows the index has applied.

The outbox would otherwise grow by a row per change forever. ``compact`` deletes every
row up to the sequence the local index generation has applied and records that sequence
as the *horizon* (``app_meta``), in one transaction. Another node's replica, or a new
node, whose index has applied less than the horizon can no longer catch up from the
outbox: the indexer sees that (``behind``) and rebuilds its index from the database
instead, then continues from the outbox as usual. Nothing is lost, a replica that is
behind only pays for a rebuild.

Run it with ``whirlwind index <ini> --compact`` (e.g. nightly, on the node whose
indexer runs all the time).
"""

from __future__ import annotations

from sqlalchemy import delete

from whirlwind.meta import get_meta, set_meta
from whirlwind.outbox import SearchOutbox

HORIZON_KEY = "search.outbox_compacted_through"


def horizon(session) -> int:
    """The highest sequence compaction has deleted (0: never compacted)."""
    value = get_meta(session, HORIZON_KEY)
    return int(value) if value else 0


def behind(session, applied_seq: int) -> bool:
    """True when an index that has applied ``applied_seq`` misses deleted rows."""
    return applied_seq < horizon(session)


def compact(session, applied_seq: int) -> int:
    """Delete the rows up to ``applied_seq`` (what the index has applied) and move the
    horizon there. The caller commits. Returns the rows deleted."""
    if applied_seq <= horizon(session):
        return 0
    result = session.execute(delete(SearchOutbox).where(SearchOutbox.seq <= applied_seq))
    set_meta(session, HORIZON_KEY, str(applied_seq))
    session.flush()
    return result.rowcount or 0
