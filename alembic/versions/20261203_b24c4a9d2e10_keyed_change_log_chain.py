"""Keyed change-log chain: HMAC row hashes and a head MAC (re-keys the existing chain)

Revision ID: b24c4a9d2e10
Revises: c49e36c4c61f
Create Date: 2026-12-03 08:50:00

The existing chain (plain SHA-256) is verified first — a broken chain stops the migration,
naming the row, since re-keying it would launder the damage — and then every row's hash is
recomputed as HMAC-SHA256 with the installation's key (``whirlwind.changelog_key``, see
``whirlwind.changelog.key_from_settings``), the same fields and JSON as before. The head
gets its MAC; a database without a head gets the genesis head.
"""

import datetime as dt
import hashlib
import hmac
import json

import sqlalchemy as sa
from alembic import context, op

from whirlwind.db import UTCDateTime

revision = "b24c4a9d2e10"
down_revision = "c49e36c4c61f"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
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

log = sa.table(
    "change_log",
    sa.column("id", sa.BigInteger),
    sa.column("seq", sa.BigInteger),
    sa.column("created_at", UTCDateTime()),
    sa.column("user_id", sa.Integer),
    sa.column("username", sa.String),
    sa.column("record_type", sa.String),
    sa.column("record_id", sa.BigInteger),
    sa.column("org_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("changes", sa.Text),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
head = sa.table(
    "change_log_head",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.BigInteger),
    sa.column("hash", sa.String),
    sa.column("mac", sa.String),
)


def _key() -> bytes:
    from pyramid.paster import get_appsettings

    from whirlwind.changelog import key_from_settings
    from whirlwind.settings import load_settings

    cfg = context.config
    given = cfg.attributes.get("changelog_key")
    if given:
        return given
    settings = {}
    if cfg.config_file_name:
        settings = load_settings(get_appsettings(cfg.config_file_name, name="main"))
    return key_from_settings(settings)


def _payload(row) -> bytes:
    data = {k: row[k] for k in HASHED}
    created = data["created_at"]
    data["created_at"] = created.astimezone(dt.UTC).isoformat()
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(key: bytes | None, row: dict) -> str:
    """The scheme before this revision (``key`` None: SHA-256) or after it (HMAC-SHA256)."""
    if key is None:
        return hashlib.sha256(_payload(row)).hexdigest()
    return hmac.new(key, _payload(row), hashlib.sha256).hexdigest()


def _rehash(old_key: bytes | None, new_key: bytes | None, batch: int = 2000):
    """Walk the chain in order, checking each row under the old scheme and re-hashing it
    (and re-linking it to its re-hashed predecessor) under the new one. Returns the last
    sequence and its new hash."""
    conn = op.get_bind()
    old_prev = new_prev = GENESIS
    last = 0
    while True:
        rows = (
            conn.execute(sa.select(log).where(log.c.seq > last).order_by(log.c.seq).limit(batch))
            .mappings()
            .all()
        )
        if not rows:
            break
        updates = []
        for stored in rows:
            row = dict(stored)
            if row["seq"] != last + 1 or row["prev_hash"] != old_prev:
                raise RuntimeError(
                    f"change log broken at seq {last + 1}: restore a backup before upgrading"
                )
            if _digest(old_key, row) != row["hash"]:
                raise RuntimeError(
                    f"change log row {row['seq']} was altered: restore a backup before upgrading"
                )
            old_prev = row["hash"]
            row["prev_hash"] = new_prev
            new_prev = _digest(new_key, row)
            updates.append({"b_id": row["id"], "b_prev": row["prev_hash"], "b_hash": new_prev})
            last = row["seq"]
        conn.execute(
            log.update()
            .where(log.c.id == sa.bindparam("b_id"))
            .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash")),
            updates,
        )
    return last, new_prev


def upgrade():
    with op.batch_alter_table("change_log_head", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("mac", sa.String(length=64), nullable=False, server_default="")
        )
    with op.batch_alter_table("change_log_head", schema=None) as batch_op:
        batch_op.alter_column("mac", existing_type=sa.String(length=64), server_default=None)
    key = _key()
    conn = op.get_bind()
    seq, last_hash = _rehash(None, key)
    mac = hmac.new(key, f"head|{seq}|{last_hash}".encode(), hashlib.sha256).hexdigest()
    if conn.execute(sa.select(head.c.id).where(head.c.id == 1)).first() is None:
        conn.execute(head.insert().values(id=1, seq=seq, hash=last_hash, mac=mac))
    else:
        conn.execute(head.update().where(head.c.id == 1).values(seq=seq, hash=last_hash, mac=mac))


def downgrade():
    conn = op.get_bind()
    seq, last_hash = _rehash(_key(), None)
    conn.execute(head.update().where(head.c.id == 1).values(seq=seq, hash=last_hash))
    with op.batch_alter_table("change_log_head", schema=None) as batch_op:
        batch_op.drop_column("mac")
