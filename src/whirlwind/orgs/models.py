"""Organizations (组织): the administrative tree city → district → street → community/village.

Jurisdiction is "this unit and everything below it". ``OrgClosure`` holds one row per
(ancestor, descendant) pair, so a subtree is one indexed lookup on any database, and
``district_id`` / ``street_id`` are kept on each unit so that reports can group by level
without walking the tree.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.db import Base, TimestampMixin


class OrgLevel(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    VILLAGE = "village"

    @property
    def label(self) -> str:
        return ORG_LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        return ORG_LEVEL_RANK[self]


ORG_LEVEL_LABELS = {
    OrgLevel.CITY: "市",
    OrgLevel.DISTRICT: "区",
    OrgLevel.STREET: "街道/乡镇",
    OrgLevel.COMMUNITY: "社区",
    OrgLevel.VILLAGE: "村",
}
# Depth in the tree; community and village are both grassroots units.
ORG_LEVEL_RANK = {
    OrgLevel.CITY: 1,
    OrgLevel.DISTRICT: 2,
    OrgLevel.STREET: 3,
    OrgLevel.COMMUNITY: 4,
    OrgLevel.VILLAGE: 4,
}
GRASSROOTS_LEVELS = (OrgLevel.COMMUNITY, OrgLevel.VILLAGE)

# Grassroots Party organization form (党委 / 党总支 / 党支部).
PARTY_ORG_TYPES = {"committee": "党委", "general_branch": "党总支", "branch": "党支部"}


class Org(TimestampMixin, Base):
    """组织: an administrative unit and its grassroots Party organization."""

    __tablename__ = "org"
    record_type = "org"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(16), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    # Denormalized ancestors at district and street level (self when the unit is one).
    district_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    street_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"), index=True)
    party_org_name: Mapped[str] = mapped_column(String(120), default="")
    party_org_type: Mapped[str] = mapped_column(String(32), default="")
    # §5.2 kind of Party organization (reference list "party_org_kind").
    party_org_kind: Mapped[str] = mapped_column(String(32), default="")
    division_code: Mapped[str] = mapped_column(String(32), default="")
    is_rural: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    # 撤村并居: a merged unit points at the unit that absorbed it.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    parent: Mapped[Org | None] = relationship(
        remote_side=[id], foreign_keys=[parent_id], back_populates="children"
    )
    children: Mapped[list[Org]] = relationship(
        foreign_keys=[parent_id], back_populates="parent", order_by="Org.code"
    )
    district: Mapped[Org | None] = relationship(remote_side=[id], foreign_keys=[district_id])
    street: Mapped[Org | None] = relationship(remote_side=[id], foreign_keys=[street_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def level_label(self) -> str:
        return ORG_LEVEL_LABELS.get(OrgLevel(self.level), self.level)

    @property
    def rank(self) -> int:
        return ORG_LEVEL_RANK[OrgLevel(self.level)]

    @property
    def is_grassroots(self) -> bool:
        return self.level in GRASSROOTS_LEVELS

    def __repr__(self) -> str:
        return f"<Org {self.code} {self.name}>"


class OrgClosure(Base):
    """Every (ancestor, descendant) pair of the tree, including (x, x) at depth 0."""

    __tablename__ = "org_closure"

    ancestor_id: Mapped[int] = mapped_column(ForeignKey("org.id"), primary_key=True)
    descendant_id: Mapped[int] = mapped_column(ForeignKey("org.id"), primary_key=True)
    depth: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_org_closure_descendant", "descendant_id", "ancestor_id"),)


class OrgNameHistory(Base):
    """Names and parents a unit had before a rename, move or merge (历史沿革)."""

    __tablename__ = "org_name_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    valid_to: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
