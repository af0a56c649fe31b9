"""The append-only, hash-chained change log (变更记录).

Every insert, update or delete of a model marked ``__tracked__ = True`` appends one row per
record in the same flush (so in the same transaction), with who, when and the field-level
old → new values. Rows are chained: each stores the hash of its own content and of the row
before it, and ``change_log_head`` holds the last sequence and hash. Writers take the head
row ``FOR UPDATE`` (PostgreSQL) or the write lock (SQLite), so the chain has one order and
the search outbox sequence (written in the same flush, after the lock) follows commit order.

Writers that insert rows with Core statements instead of a flush (the historical import's
bulk path) append their entries with ``append``: the same rows, hashes and head lock, one
call per batch; ``creation_changes`` gives the changes a flush would log for a new record,
and ``lock`` takes the writers' lock early for a writer that numbers rows itself.

The chain is **keyed**: a row's hash is an HMAC-SHA256 with a key that is not in the
database (``whirlwind.changelog_key``, from the environment in production; see
``key_from_settings``), and the head row carries an HMAC of its sequence and hash. Without
the key, nobody can rewrite a row, append a forged one or move the head back to an earlier
row and keep the chain valid. What the database alone cannot show — the last rows deleted
together with a head restored from an older copy, or everything emptied — is caught by
**checkpoints**: signed (sequence, hash, time) lines written outside the database
(``checkpoint``, ``verify_checkpoints``).

``verify_chain`` walks the chain and names the first row that was altered, removed or
inserted out of order; a missing head, a head whose HMAC does not match, and a head that
does not name the last row (or a row count that differs from it) are errors too.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import functools
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from json.encoder import encode_basestring  # what json.dumps(..., ensure_ascii=False) uses

from sqlalchemy import (
    BigInteger,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, Session, mapped_column

from whirlwind.db import Base, UTCDateTime, utcnow

log = logging.getLogger("whirlwind.changelog")

GENESIS = "0" * 64
# The key of sessions made without the application's settings (tests, ad-hoc scripts) and
# of development.ini. Production sets WHIRLWIND_CHANGELOG_KEY (required by production.ini).
DEV_KEY = b"whirlwind-development-changelog-key"
SESSION_KEY_INFO = "changelog_key"
BigId = BigInteger().with_variant(Integer(), "sqlite")

ACTION_LABELS = {"create": "创建", "update": "修改", "delete": "删除"}
SKIPPED_FIELDS = frozenset({"version", "updated_at", "created_at"})


class ChangeLog(Base):
    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    seq: Mapped[int] = mapped_column(BigId, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str] = mapped_column(String(64), default="")
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(BigId)
    org_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(60))
    changes: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        # A record's history in chain order.
        Index("ix_change_log_record", "record_type", "record_id", "seq"),
        {"sqlite_autoincrement": True},
    )

    @property
    def change_dict(self) -> dict:
        return json.loads(self.changes or "{}")

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)


class ChangeLogHead(Base):
    __tablename__ = "change_log_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigId, default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    # HMAC of (seq, hash) with the chain's key: the head cannot be moved without the key.
    mac: Mapped[str] = mapped_column(String(64), default="")


def key_from_settings(settings) -> bytes:
    """The chain's key: ``whirlwind.changelog_key`` (``WHIRLWIND_CHANGELOG_KEY``; required
    by production.ini), never stored in the database. Without it, the development key (as
    development.ini and sessions made without the settings have it), with a warning."""
    raw = (settings.get("whirlwind.changelog_key") or "").strip()
    if raw:
        return raw.encode("utf-8")
    log.warning("whirlwind.changelog_key is not set: the change log uses the development key")
    return DEV_KEY


def session_key(session) -> bytes:
    return session.info.get(SESSION_KEY_INFO) or DEV_KEY


def head_mac(key: bytes, seq: int, hash_: str) -> str:
    return hmac.new(key, f"head|{seq}|{hash_}".encode(), hashlib.sha256).hexdigest()


@event.listens_for(ChangeLogHead.__table__, "after_create")
def _genesis_head(table, connection, **kw) -> None:
    """A new database starts with the genesis head (the migration writes it there): a
    missing head is then always a sign of deletion. Its HMAC uses the development key; the
    first append under the real key rewrites it."""
    connection.execute(
        insert(table).values(id=1, seq=0, hash=GENESIS, mac=head_mac(DEV_KEY, 0, GENESIS))
    )


def jsonable(value):
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


# The hashed fields of a row, in the order of their names (the JSON's key order).
HASHED = (
    "action",
    "changes",
    "created_at",
    "org_id",
    "prev_hash",
    "record_id",
    "record_type",
    "seq",
    "user_id",
    "username",
)


def row_hash(row: dict, key: bytes = DEV_KEY) -> str:
    """HMAC-SHA256 (with ``key``) of the row's hashed fields as JSON (keys sorted, no spaces,
    UTF-8): the definition is ``json_row_hash``; this writes that JSON directly when every
    value is a str, int or None (always, for the rows written here), which is faster."""
    global _last_time
    created, last = row["created_at"], _last_time  # one read: other threads replace it
    if created is not last[0]:  # the rows of one flush share their time
        last = _last_time = (created, _json_scalar(jsonable(created)))
    parts = []
    for name in HASHED:
        encoded = last[1] if name == "created_at" else _json_scalar(row[name])
        if encoded is None:
            return json_row_hash(row, key)
        parts.append(f'"{name}":{encoded}')
    data = "{" + ",".join(parts) + "}"
    return hmac.new(key, data.encode("utf-8"), hashlib.sha256).hexdigest()


_last_time = (object(), None)


def json_row_hash(row: dict, key: bytes = DEV_KEY) -> str:
    payload = {k: row[k] for k in HASHED}
    payload["created_at"] = jsonable(payload["created_at"])
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, data.encode("utf-8"), hashlib.sha256).hexdigest()


def _json_scalar(value) -> str | None:
    """``value`` as ``json.dumps(value, ensure_ascii=False)`` writes it, for None, bool,
    str and int (and their subclasses, such as the status enums, as json writes them);
    None for any other value."""
    if isinstance(value, str):
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    return None


def changes_json(changes: dict) -> str:
    """``json.dumps(changes, ensure_ascii=False, sort_keys=True)`` for the logged changes
    ({field: [old, new]}), written directly when every key is a str and every old and new
    value a str, int, bool or None (see ``_json_scalar``), which is faster."""
    parts = []
    for key in sorted(changes):
        pair = changes[key]
        if type(key) is not str or type(pair) is not list or len(pair) != 2:
            break
        old, new = _json_scalar(pair[0]), _json_scalar(pair[1])
        if old is None or new is None:
            break
        parts.append(f"{encode_basestring(key)}: [{old}, {new}]")
    else:
        return "{" + ", ".join(parts) + "}"
    return json.dumps(changes, ensure_ascii=False, sort_keys=True)


def set_action(obj, action: str) -> None:
    """Name the next logged change of ``obj`` (e.g. ``"提交销号"``) instead of "update"."""
    obj.__dict__["_changelog_action"] = action


def _tracked(obj) -> bool:
    return getattr(type(obj), "__tracked__", False)


@functools.cache
def logged_keys(model) -> tuple[str, ...]:
    """The columns of ``model`` whose changes are logged."""
    exclude = SKIPPED_FIELDS | getattr(model, "__tracked_exclude__", frozenset())
    return tuple(attr.key for attr in inspect(model).column_attrs if attr.key not in exclude)


def creation_changes(model, values: dict) -> dict:
    """The changes logged when a ``model`` record with column ``values`` is created: every
    logged column that is neither None nor empty, as [None, new]."""
    changes = {}
    for key in logged_keys(model):
        value = values.get(key)
        if value not in (None, ""):
            changes[key] = [None, jsonable(value)]
    return changes


@functools.cache
def _creation_keys(model) -> tuple[tuple[str, str], ...]:
    """The logged columns of ``model`` in the JSON's key order, each with the text that
    starts its entry in ``creation_json``."""
    return tuple((key, f"{encode_basestring(key)}: [null, ") for key in sorted(logged_keys(model)))


def creation_json(model, values: dict) -> str:
    """``changes_json(creation_changes(model, values))``, without the dict in between (a
    bulk writer logs thousands of new records a second)."""
    parts = []
    for key, start in _creation_keys(model):
        value = values.get(key)
        if value is None:
            continue
        # _json_scalar(jsonable(value)), its common cases first.
        if isinstance(value, str):
            if not value:
                continue
            encoded = encode_basestring(value)
        elif value is True or value is False:
            encoded = "true" if value else "false"
        elif isinstance(value, int):
            encoded = int.__repr__(value)
        else:
            encoded = _json_scalar(jsonable(value))
            if encoded is None:
                return changes_json(creation_changes(model, values))
        parts.append(start + encoded + "]")
    return "{" + ", ".join(parts) + "}"


def _column_changes(obj, creating: bool) -> dict:
    if creating:
        return creation_changes(
            type(obj), {key: getattr(obj, key) for key in logged_keys(type(obj))}
        )
    state = inspect(obj)
    changes = {}
    for key in logged_keys(type(obj)):
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if jsonable(old) != jsonable(new):
            changes[key] = [jsonable(old), jsonable(new)]
    return changes


def _search_keys(obj) -> list[tuple[str, int]]:
    keys = getattr(obj, "search_keys", None)
    if callable(keys):
        return list(keys())
    search_type = getattr(type(obj), "__search_type__", None)
    if search_type:
        return [(search_type, obj.id)]
    return []


def _actor(session: Session) -> tuple[int | None, str]:
    actor = session.info.get("actor")
    if actor is None:
        return None, "system"
    return actor


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    entries = []
    search = []
    for kind, objs in (
        ("create", session.new),
        ("update", session.dirty),
        ("delete", session.deleted),
    ):
        for obj in objs:
            search_keys = _search_keys(obj)
            if kind == "update" and not session.is_modified(obj, include_collections=False):
                continue
            search.extend(
                (
                    t,
                    i,
                    "delete"
                    if kind == "delete"
                    and (t, i)
                    == (getattr(type(obj), "__search_type__", None), getattr(obj, "id", None))
                    else "upsert",
                )
                for t, i in search_keys
            )
            if not _tracked(obj):
                continue
            changes = {} if kind == "delete" else _column_changes(obj, kind == "create")
            action = obj.__dict__.pop("_changelog_action", None) or kind
            if kind == "update" and not changes and action == "update":
                continue
            entries.append(
                {
                    "record_type": type(obj).record_type,
                    "record_id": inspect(obj).identity[0] if inspect(obj).identity else obj.id,
                    "org_id": getattr(obj, "org_id", None)
                    if type(obj).record_type != "org"
                    else obj.id,
                    "action": action,
                    "changes": changes,
                }
            )
    append(session, entries, search)


def lock(session: Session) -> None:
    """Take the writers' lock now and keep it to the end of the transaction, for a bulk
    writer that numbers its rows before inserting them with Core statements: an UPDATE of
    the head row that changes nothing (a row lock on PostgreSQL, the write lock on SQLite).
    It goes through the session as an ORM statement, so that the session (and the
    transaction manager it is joined to) knows that the transaction writes and commits it.
    ``append`` takes the lock again at no cost."""
    session.execute(
        update(ChangeLogHead)
        .where(ChangeLogHead.id == 1)
        .values(seq=ChangeLogHead.seq)
        .execution_options(synchronize_session=False)
    )


def append(session: Session, entries, search=()) -> None:
    """Append one change-log row per entry (dicts of record_type, record_id, org_id, action
    and changes: a dict, or its ``changes_json`` text) to the chain, and the search outbox rows for ``search``
    ((record_type, record_id, op) triples), in the session's transaction: the head row is
    locked first, so the chain and the outbox keep commit order. The flush hook writes
    through here; bulk writers call it once per batch."""
    if not entries and not search:
        return
    conn = session.connection()
    head_table = ChangeLogHead.__table__
    head = conn.execute(
        select(head_table.c.seq, head_table.c.hash).where(head_table.c.id == 1).with_for_update()
    ).first()
    if head is None:
        # Every database is created with its genesis head (migration, create_all): a
        # missing head means the log was tampered with; writing on would restart the chain.
        raise RuntimeError(
            "change_log_head is missing: the change log was tampered with "
            "(run whirlwind verify-log)"
        )
    seq, prev = head
    key = session_key(session)
    if entries:
        user_id, username = _actor(session)
        now = utcnow()
        rows = []
        for entry in entries:
            seq += 1
            row = dict(
                entry,
                changes=entry["changes"]
                if isinstance(entry["changes"], str)
                else changes_json(entry["changes"]),
                seq=seq,
                created_at=now,
                user_id=user_id,
                username=username,
                prev_hash=prev,
            )
            row["hash"] = prev = row_hash(row, key)
            rows.append(row)
        insert_rows(conn, ChangeLog.__table__, rows)
        conn.execute(
            update(head_table)
            .where(head_table.c.id == 1)
            .values(seq=seq, hash=prev, mac=head_mac(key, seq, prev))
        )
    if search:
        from whirlwind.outbox import enqueue_rows

        enqueue_rows(conn, search)


_NOTHING = object()
_BULK_ROWS = 20  # fewer rows go through SQLAlchemy's own INSERT


@functools.cache
def _insert_plan(table, keys: tuple[str, ...], dialect):
    """How ``insert_rows`` writes ``keys`` of ``table``: (kind, statement, processors), the
    kind "copy" (PostgreSQL's COPY through psycopg) or "executemany" (the driver's INSERT
    with positional parameters), the processors each key's bind processor (what SQLAlchemy
    applies to the value); None for another driver."""
    quote = dialect.identifier_preparer.quote
    # Table and column names from the metadata, quoted; the values are parameters.
    target = (
        f"{dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(table.c[k].name) for k in keys)})"
    )
    if dialect.driver == "psycopg":
        kind, sql = "copy", f"COPY {target} FROM STDIN"
    elif dialect.paramstyle == "qmark":
        kind = "executemany"
        sql = f"INSERT INTO {target} VALUES ({', '.join('?' * len(keys))})"  # noqa: S608
    else:
        return None
    processors = [
        (i, table.c[k].type.dialect_impl(dialect).bind_processor(dialect))
        for i, k in enumerate(keys)
    ]
    return kind, sql, [(i, p) for i, p in processors if p is not None]


def insert_rows(conn, table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` in one go of the driver
    (COPY on PostgreSQL, executemany on SQLite), each value converted by its column's type
    as SQLAlchemy's INSERT converts it. For writers of many rows: SQLAlchemy's handling of
    each row's parameters, and psycopg's of each statement, cost more than the database's
    insert of the row. Database errors are raised as SQLAlchemy's."""
    if not rows:
        return
    keys = tuple(rows[0])
    plan = _insert_plan(table, keys, conn.dialect) if len(rows) >= _BULK_ROWS else None
    if plan is None:
        conn.execute(insert(table), rows)
        return
    kind, sql, processors = plan
    # Rows of a batch often share a value (the time of the batch): converted once.
    last = [(_NOTHING, None)] * len(processors)
    params = []
    for row in rows:
        values = [row[k] for k in keys]
        for n, (i, process) in enumerate(processors):
            value = values[i]
            seen, converted = last[n]
            if value is not seen:
                converted = process(value)
                last[n] = (value, converted)
            values[i] = converted
        params.append(values)
    if kind == "executemany":
        conn.exec_driver_sql(sql, [tuple(values) for values in params])
        return
    dbapi = conn.dialect.loaded_dbapi
    try:
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
            for values in params:
                copy.write_row(values)
    except dbapi.Error as e:
        raise DBAPIError.instance(sql, None, e, dbapi.Error) from e


def history(session, record_type: str, record_id: int, limit: int = 200) -> list[ChangeLog]:
    """A record's history, oldest first (for the 变更记录 panel on its page)."""
    stmt = (
        select(ChangeLog)
        .where(ChangeLog.record_type == record_type, ChangeLog.record_id == record_id)
        .order_by(ChangeLog.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    bad_seq: int | None = None
    message: str = ""


def verify_chain(session, batch: int = 5000) -> VerifyResult:
    """Walk the whole chain with the session's key; the first inconsistency is reported,
    nothing is changed. The head must exist, carry a valid HMAC and name the last row, and
    the table must hold exactly the rows the head counts."""
    key = session_key(session)
    prev = GENESIS
    expected = 1
    checked = 0
    table = ChangeLog.__table__
    last_seq = 0
    head = session.execute(
        select(ChangeLogHead.seq, ChangeLogHead.hash, ChangeLogHead.mac).where(
            ChangeLogHead.id == 1
        )
    ).first()
    if head is None:
        return VerifyResult(False, 0, None, "链头（change_log_head）缺失：变更记录被删除或截断")
    if not hmac.compare_digest(head.mac or "", head_mac(key, head.seq, head.hash)):
        return VerifyResult(False, 0, None, "链头校验码不符：链头被改写（或密钥与写入时不同）")
    while True:
        rows = (
            session.execute(
                select(table).where(table.c.seq >= expected).order_by(table.c.seq).limit(batch)
            )
            .mappings()
            .all()
        )
        if not rows:
            break
        for row in rows:
            if row["seq"] != expected:
                return VerifyResult(
                    False, checked, expected, f"第 {expected} 条记录缺失（链条断开）"
                )
            if row["prev_hash"] != prev:
                return VerifyResult(
                    False,
                    checked,
                    row["seq"],
                    f"第 {row['seq']} 条记录的前序哈希不符（顺序被改动）",
                )
            if not hmac.compare_digest(row_hash(dict(row), key), row["hash"]):
                return VerifyResult(False, checked, row["seq"], f"第 {row['seq']} 条记录内容被篡改")
            prev = row["hash"]
            last_seq = row["seq"]
            expected += 1
            checked += 1
    if head.seq != last_seq or head.hash != prev:
        return VerifyResult(
            False,
            checked,
            min(head.seq, last_seq) + 1,
            f"链尾不符：链头记载 {head.seq} 条，实有 {last_seq} 条（记录被删除或链头被改动）",
        )
    count = session.scalar(select(func.count()).select_from(table))
    if count != head.seq:
        return VerifyResult(
            False, checked, None, f"记录条数不符：链头记载 {head.seq} 条，表中有 {count} 条"
        )
    return VerifyResult(True, checked)


# --- Checkpoints (检查点): the chain's state, signed, kept outside the database -------------


def _checkpoint_sig(key: bytes, seq: int, hash_: str, time: str) -> str:
    return hmac.new(key, f"checkpoint|{seq}|{hash_}|{time}".encode(), hashlib.sha256).hexdigest()


def checkpoint(session) -> dict:
    """The chain's current state as a signed checkpoint: ``{"seq", "hash", "time", "sig"}``
    (time in UTC, ISO 8601). Refused (``ValueError``) when the chain does not verify: a
    checkpoint vouches only for a sound chain."""
    result = verify_chain(session)
    if not result.ok:
        raise ValueError(result.message)
    head = session.execute(
        select(ChangeLogHead.seq, ChangeLogHead.hash).where(ChangeLogHead.id == 1)
    ).one()
    time = utcnow().replace(microsecond=0).isoformat()
    return {
        "seq": head.seq,
        "hash": head.hash,
        "time": time,
        "sig": _checkpoint_sig(session_key(session), head.seq, head.hash, time),
    }


def checkpoint_line(point: dict) -> str:
    return json.dumps(point, ensure_ascii=False, sort_keys=True)


@dataclass
class CheckpointResult:
    ok: bool
    checked: int  # checkpoints that held
    message: str = ""


def verify_checkpoints(session, lines) -> CheckpointResult:
    """Check checkpoint lines (JSON, one a line, as ``checkpoint_line`` writes them) against
    the database: each must carry a valid signature, and the row at its sequence must still
    have its hash. With the chain verified (``verify_chain``) this proves that no row up to
    the newest checkpoint was removed or rewritten. An empty file proves nothing and fails."""
    key = session_key(session)
    table = ChangeLog.__table__
    head_seq = session.scalar(select(ChangeLogHead.seq).where(ChangeLogHead.id == 1))
    checked = 0
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        try:
            point = json.loads(line)
            seq, hash_, time, sig = point["seq"], point["hash"], point["time"], point["sig"]
            if not (isinstance(seq, int) and all(isinstance(v, str) for v in (hash_, time, sig))):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return CheckpointResult(False, checked, f"检查点文件第 {number} 行格式错误")
        if not hmac.compare_digest(sig, _checkpoint_sig(key, seq, hash_, time)):
            return CheckpointResult(
                False, checked, f"检查点文件第 {number} 行签名不符（被改动，或密钥不同）"
            )
        if head_seq is None or head_seq < seq:
            return CheckpointResult(
                False,
                checked,
                f"检查点（{time}）记载已有 {seq} 条记录，数据库只有 {head_seq or 0} 条："
                "末尾的记录被删除",
            )
        stored = (
            GENESIS if seq == 0 else session.scalar(select(table.c.hash).where(table.c.seq == seq))
        )
        if stored != hash_:
            return CheckpointResult(
                False,
                checked,
                f"检查点（{time}）第 {seq} 条记录的哈希不符：该记录或其之前的记录被删除或改写",
            )
        checked += 1
    if not checked:
        return CheckpointResult(False, 0, "检查点文件中没有检查点")
    return CheckpointResult(True, checked)
