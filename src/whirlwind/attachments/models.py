"""Evidence files (附件/佐证材料), stored by content hash outside the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.accounts.models import User
from whirlwind.db import Base, UTCDateTime, utcnow


class Attachment(Base):
    __tablename__ = "attachment"
    record_type = "attachment"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # What it is attached to: any record, by type and id (e.g. "item", 42).
    owner_type: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[int] = mapped_column(Integer)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    uploaded_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_attachment_owner", "owner_type", "owner_id"),)
