"""Official document numbers (文号 / 编号): one gapless sequence per issuing unit, kind and year.

The official form is ``<unit prefix><kind word>〔<year>〕<n>号``, e.g. ``黄陂纪督〔2026〕7号``:
the unit prefix (黄陂纪) is set per unit by the administrator (``NumberPrefix``; a default is
derived from the unit's name), the kind word (督) is registered in code by the area that
issues the kind (``register_kind``), the year is the Shanghai calendar year.

Sequences are kept in ``number_counter``, one row per (unit, kind, year). ``next_number``
creates the row if missing (INSERT … ON CONFLICT DO NOTHING) and increments it with
UPDATE … RETURNING inside the caller's transaction. The UPDATE takes the row lock
(PostgreSQL) or the database write lock (SQLite), so two transactions never get the same
number, and a transaction that aborts gives its number back with the rest of its writes:
the numbers of committed documents have neither gaps nor duplicates.

    seq, text = next_number(dbsession, org, "supervision_letter", year)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind import changelog, changelog_labels
from whirlwind.db import Base, TimestampMixin
from whirlwind.errors import ValidationFailed
from whirlwind.orgs.models import Org


@dataclass(frozen=True)
class NumberKind:
    code: str
    label: str
    word: str


# kind code -> NumberKind. Areas add theirs with ``register_kind`` at import time.
KINDS: dict[str, NumberKind] = {}


def register_kind(code: str, label: str, word: str) -> NumberKind:
    """Declare a numbered document kind: ``word`` follows the unit prefix in the number
    (督 in 黄陂纪督〔2026〕7号)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", code):
        raise ValueError(f"bad number kind code {code!r}")
    kind = NumberKind(code, label, word)
    KINDS[code] = kind
    return kind


def kind_of(code: str) -> NumberKind:
    try:
        return KINDS[code]
    except KeyError:
        raise ValidationFailed(f"未知的编号类别：{code}。") from None


class NumberPrefix(TimestampMixin, Base):
    """发文机关代字: the prefix of a unit's document numbers (黄陂纪), set by the administrator."""

    __tablename__ = "number_prefix"
    record_type = "number_prefix"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), unique=True)
    prefix: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship()

    __mapper_args__ = {"version_id_col": version}


class NumberCounter(Base):
    """The last number issued per (unit, kind, year). Not change-logged: the documents that
    carry the numbers are."""

    __tablename__ = "number_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    kind: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("org_id", "kind", "year", name="uq_number_counter_key"),)


changelog_labels.register(
    "number_prefix",
    "发文机关代字",
    {"org_id": "单位", "prefix": "代字"},
    table="number_prefix",
)

# Trailing words of a unit name dropped when deriving the default prefix.
_NAME_SUFFIXES = ("街道办事处", "街道", "乡", "镇", "社区", "村", "区", "市", "县")
PREFIX_RE = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{1,16}$")


def default_prefix(org: Org) -> str:
    """黄陂区 → 黄陂纪, 武汉市 → 武汉纪, 前川街道 → 前川纪 (the discipline organ's short form)."""
    name = (org.name or "").strip()
    for suffix in _NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return f"{name[:8]}纪"


def unit_prefix(session, org: Org) -> str:
    prefix = session.scalar(select(NumberPrefix.prefix).where(NumberPrefix.org_id == org.id))
    return prefix or default_prefix(org)


def set_unit_prefix(session, org: Org, prefix: str) -> NumberPrefix:
    """Set (or change) a unit's prefix. Numbers already issued keep their text."""
    prefix = (prefix or "").strip()
    if not PREFIX_RE.match(prefix):
        raise ValidationFailed(
            "发文机关代字须为 1–16 个汉字、字母或数字（不含空格和标点），如“黄陂纪”。",
            fields={"prefix": "格式不正确"},
        )
    row = session.scalar(select(NumberPrefix).where(NumberPrefix.org_id == org.id))
    if row is None:
        row = NumberPrefix(org_id=org.id, prefix=prefix)
        session.add(row)
        changelog.set_action(row, "设置发文机关代字")
    elif row.prefix != prefix:
        row.prefix = prefix
        changelog.set_action(row, "修改发文机关代字")
    session.flush()
    return row


def format_number(prefix: str, word: str, year: int, seq: int) -> str:
    return f"{prefix}{word}〔{year}〕{seq}号"


def _insert_counter(session, org_id: int, kind: str, year: int) -> None:
    dialect = session.get_bind().dialect.name
    values = {"org_id": org_id, "kind": kind, "year": year, "last_seq": 0}
    if dialect == "postgresql":
        stmt = pg_insert(NumberCounter).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(NumberCounter).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - the two supported engines are above
        raise RuntimeError(f"numbering does not support {dialect}")
    session.execute(stmt)


def next_number(session, org: Org, kind: str, year: int) -> tuple[int, str]:
    """Take the next number of ``kind`` for ``org`` in ``year``: ``(seq, text)``.

    Runs in the caller's transaction: the number is used by exactly this transaction, and
    returned to the sequence if it aborts.
    """
    number_kind = kind_of(kind)
    year = int(year)
    key = (
        NumberCounter.org_id == org.id,
        NumberCounter.kind == kind,
        NumberCounter.year == year,
    )
    increment = (
        update(NumberCounter)
        .where(*key)
        .values(last_seq=NumberCounter.last_seq + 1)
        .returning(NumberCounter.last_seq)
        .execution_options(synchronize_session=False)
    )
    seq = session.execute(increment).scalar()
    if seq is None:
        # First number of the year: create the row (a concurrent creator wins harmlessly).
        _insert_counter(session, org.id, kind, year)
        seq = session.execute(increment).scalar_one()
    return seq, format_number(unit_prefix(session, org), number_kind.word, year, seq)


def last_number(session, org: Org, kind: str, year: int) -> int:
    """The last sequence number issued (0 when none)."""
    value = session.scalar(
        select(NumberCounter.last_seq).where(
            NumberCounter.org_id == org.id, NumberCounter.kind == kind, NumberCounter.year == year
        )
    )
    return value or 0


def issuing_units(session, identity):
    """Units whose prefix the administrator sets: city, district and street units."""
    return session.scalars(
        select(Org)
        .where(Org.level.in_(("city", "district", "street")), Org.active.is_(True))
        .order_by(Org.code)
    ).all()
