"""Reference lists (参考数据): every enumeration of the domain that local practice may
change (categories, sources, channels, sanction kinds …) is a row here, seeded with the
values of domain.md and editable by administrators. Records store the ``code``."""

from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from whirlwind.db import Base


class RefValue(Base):
    __tablename__ = "ref_value"
    record_type = "ref_value"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label_zh: Mapped[str] = mapped_column(String(120))
    label_en: Mapped[str] = mapped_column(String(120), default="")
    # Optional grouping (e.g. the asset type an irregularity belongs to, a sub-type's parent).
    parent_code: Mapped[str] = mapped_column(String(40), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    # Provenance marker from domain.md: C confirmed, L local practice, U unconfirmed.
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("kind", "code"),)
