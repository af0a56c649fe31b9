"""Person (人员), fields after domain.md §3."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.db import Base, TimestampMixin
from whirlwind.orgs.models import Org


class Person(TimestampMixin, Base):
    __tablename__ = "person"
    record_type = "person"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # The unit the person works in, as an org of the tree when known, and as written.
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    unit_name: Mapped[str] = mapped_column(String(120), default="")
    post: Mapped[str] = mapped_column(String(100), default="")  # 职务
    post_rank: Mapped[str] = mapped_column(String(40), default="")  # 职级
    gender: Mapped[str] = mapped_column(String(8), default="")
    ethnicity: Mapped[str] = mapped_column(String(20), default="")
    birth_month: Mapped[str] = mapped_column(String(7), default="")  # YYYY-MM
    education: Mapped[str] = mapped_column(String(20), default="")
    political_status: Mapped[str] = mapped_column(String(20), default="")  # 中共党员 / 非党员 …
    party_join_date: Mapped[str] = mapped_column(String(10), default="")
    # §5.13 subject identity (reference list "subject_identity"); decides allowed sanctions.
    identity: Mapped[str] = mapped_column(String(32), default="")
    cadre_authority: Mapped[str] = mapped_column(String(60), default="")  # 干部管理权限
    is_npc_deputy: Mapped[bool] = mapped_column(Boolean, default=False)
    is_cppcc_member: Mapped[bool] = mapped_column(Boolean, default=False)
    is_top_leader: Mapped[bool] = mapped_column(Boolean, default=False)  # 一把手
    id_number_masked: Mapped[str] = mapped_column(String(20), default="")
    # Merges keep the absorbed row, pointing at the survivor.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_person_name_org", "name", "org_id"),)

    @property
    def is_party_member(self) -> bool:
        return self.political_status in ("中共党员", "中共预备党员")
