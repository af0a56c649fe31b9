"""The one rectification ledger (整改台账) and responsibility packages (包保责任).

Every "rectify until cleared" obligation, whatever produced it (a weak-organization target,
an audit finding, a disclosure failure, a case, a committee report), is a
``RectificationItem`` here, pointing back at its source by (source_type, source_id).
Overdue lists, dashboards and clearing counts read this one table.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.accounts.models import User
from whirlwind.db import Base, TimestampMixin, UTCDateTime, utcnow
from whirlwind.orgs.models import Org


class ItemSource(enum.StrEnum):
    TARGET = "target"
    FINDING = "finding"
    DISCLOSURE = "disclosure"
    CASE = "case"
    COMMITTEE_REPORT = "committee_report"

    @property
    def label(self) -> str:
        return ITEM_SOURCE_LABELS[self]


ITEM_SOURCE_LABELS = {
    ItemSource.TARGET: "软弱涣散整顿",
    ItemSource.FINDING: "四资一项目检查",
    ItemSource.DISCLOSURE: "三务公开",
    ItemSource.CASE: "以案促改",
    ItemSource.COMMITTEE_REPORT: "村(居)务监督委员会反映",
}


class ItemStatus(enum.StrEnum):
    """§4.2: 待整改 → 整改中 → 申请销号 → 街道审核 → 区级审核 → [市级审核] → 已销号."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    RETURNED = "returned"
    SUBMITTED = "submitted"
    STREET_APPROVED = "street_approved"
    DISTRICT_APPROVED = "district_approved"
    CLEARED = "cleared"

    @property
    def label(self) -> str:
        return ITEM_STATUS_LABELS[self]


ITEM_STATUS_LABELS = {
    ItemStatus.PENDING: "待整改",
    ItemStatus.IN_PROGRESS: "整改中",
    ItemStatus.RETURNED: "已退回",
    ItemStatus.SUBMITTED: "申请销号（待街道审核）",
    ItemStatus.STREET_APPROVED: "街道审核通过（待区级审核）",
    ItemStatus.DISTRICT_APPROVED: "区级审核通过（待市级审核）",
    ItemStatus.CLEARED: "已销号",
}
OPEN_STATUSES = tuple(s for s in ItemStatus if s != ItemStatus.CLEARED)
# Waiting for a sign-off: which level's review each status waits for (responsible level).
AWAITING_LEVEL = {
    ItemStatus.SUBMITTED: "street",
    ItemStatus.STREET_APPROVED: "district",
    ItemStatus.DISTRICT_APPROVED: "city",
}
REVIEW_STATUSES = tuple(AWAITING_LEVEL)
REVIEW_LEVEL_LABELS = {"street": "街道", "district": "区级", "city": "市级"}
# Decisions recorded on ItemReview (each transition writes one row).
DECISION_LABELS = {
    "start": "开始整改",
    "submit": "申请销号",
    "approve": "审核通过",
    "clear": "审核通过并销号",
    "return": "退回",
    "reopen": "回头看重新打开",
    "extend": "延期申请批准",
}

# Package member levels (包保层级).
PACKAGE_LEVELS = {"city": "市级", "district": "区级", "street": "街道", "village": "村(社区)"}


class ResponsibilityPackage(TimestampMixin, Base):
    """包保责任: the leaders and units answerable for a target or an item source."""

    __tablename__ = "responsibility_package"
    record_type = "package"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    source_type: Mapped[str] = mapped_column(String(32), default="")
    source_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship()
    members: Mapped[list[PackageMember]] = relationship(
        back_populates="package",
        cascade="all, delete-orphan",
        order_by="PackageMember.id",
        lazy="selectin",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (Index("ix_package_source", "source_type", "source_id"),)

    @property
    def levels(self) -> set[str]:
        return {m.level for m in self.members}

    @property
    def top_level(self) -> str:
        """The highest level that must sign off: city when a city member is named."""
        return "city" if "city" in self.levels else "district"


class PackageMember(Base):
    __tablename__ = "package_member"
    record_type = "package_member"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    package_id: Mapped[int] = mapped_column(
        ForeignKey("responsibility_package.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(16))
    # §5.4 package role, reference list "package_role".
    role: Mapped[str] = mapped_column(String(40))
    person_name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(String(100), default="")
    unit_name: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(32), default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)

    package: Mapped[ResponsibilityPackage] = relationship(back_populates="members")
    user: Mapped[User | None] = relationship()

    @property
    def org_id(self):
        return self.package.org_id if self.package else None

    @property
    def level_label(self) -> str:
        return PACKAGE_LEVELS.get(self.level, self.level)


class RectificationItem(TimestampMixin, Base):
    """整改事项: one obligation in the one ledger."""

    __tablename__ = "rectification_item"
    record_type = "item"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(32), index=True)
    source_id: Mapped[int] = mapped_column(Integer)
    problem: Mapped[str] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(Text, default="")
    responsible_person: Mapped[str] = mapped_column(String(64), default="")
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The deadline in force. It changes only through an approved 延期申请 (ExtensionRequest);
    # ``original_deadline`` keeps the first one.
    deadline: Mapped[dt.date] = mapped_column(Date, index=True)
    original_deadline: Mapped[dt.date | None] = mapped_column(Date)
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    # 豁免: the accepting level of a target explained why this open item does not block
    # the target's acceptance (targets.services.waive_plan_item).
    waiver_reason: Mapped[str] = mapped_column(Text, default="")
    waived_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    waived_on: Mapped[dt.date | None] = mapped_column(Date)
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsibility_package.id"), index=True
    )
    status: Mapped[str] = mapped_column(String(24), default=ItemStatus.PENDING, index=True)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    last_return_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(lazy="joined")
    package: Mapped[ResponsibilityPackage | None] = relationship()
    reviews: Mapped[list[ItemReview]] = relationship(
        back_populates="item", order_by="ItemReview.id", cascade="all, delete-orphan"
    )
    notes: Mapped[list[ProgressNote]] = relationship(
        back_populates="item", order_by="ProgressNote.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_item_source", "source_type", "source_id"),
        Index("ix_item_status_deadline", "status", "deadline"),
        # Board counts and lists under the jurisdiction filter read this index, not the rows.
        Index("ix_item_org_status_deadline", "org_id", "status", "deadline"),
    )

    @property
    def number(self) -> str:
        """整改编号, derived from the id."""
        return f"ZG{self.id:07d}"

    @property
    def status_label(self) -> str:
        return ItemStatus(self.status).label

    @property
    def source_label(self) -> str:
        return ItemSource(self.source_type).label

    @property
    def is_cleared(self) -> bool:
        return self.status == ItemStatus.CLEARED

    @property
    def awaiting_level(self) -> str | None:
        """The level whose sign-off the item waits for (None outside review)."""
        return AWAITING_LEVEL.get(self.status)

    def is_overdue(self, today: dt.date) -> bool:
        return not self.is_cleared and self.deadline < today

    @property
    def first_deadline(self) -> dt.date:
        """The deadline set when the item was created (before any 延期)."""
        return self.original_deadline or self.deadline

    @property
    def extension_label(self) -> str:
        """已延期 N 次 (empty when never extended)."""
        return f"已延期 {self.extension_count} 次" if self.extension_count else ""


class ItemReview(Base):
    """审核记录: a sign-off, a return (退回) or a re-opening (回头看) at one level."""

    __tablename__ = "item_review"
    record_type = "item_review"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_item.id", ondelete="CASCADE"), index=True
    )
    level: Mapped[str] = mapped_column(String(16))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str] = mapped_column(String(16))  # approve | return | reopen | submit
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[RectificationItem] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship()

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)

    @property
    def level_label(self) -> str:
        return REVIEW_LEVEL_LABELS.get(self.level, PACKAGE_LEVELS.get(self.level, self.level))

    @property
    def org_id(self):
        return self.item.org_id if self.item else None


class ProgressNote(Base):
    """整改进展: a dated note with evidence attachments (owner_type "progress_note")."""

    __tablename__ = "progress_note"
    record_type = "progress_note"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_item.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[RectificationItem] = relationship(back_populates="notes")
    author: Mapped[User | None] = relationship()

    @property
    def org_id(self):
        return self.item.org_id if self.item else None


class ExtensionStatus(enum.StrEnum):
    """延期申请 states."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self) -> str:
        return EXTENSION_STATUS_LABELS[self]


EXTENSION_STATUS_LABELS = {
    ExtensionStatus.PENDING: "待审批",
    ExtensionStatus.APPROVED: "已批准",
    ExtensionStatus.REJECTED: "不予批准",
}


class ExtensionRequest(Base):
    """延期申请: the only way an item's deadline moves. Applied for with a reason and a new
    date, decided (approved / rejected) by a user of the level above the applicant; the
    approved ones form the item's deadline history (the deadline in force on any day)."""

    __tablename__ = "extension_request"
    record_type = "extension_request"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("rectification_item.id", ondelete="CASCADE"), index=True
    )
    # The item's unit, kept on the row so that to-do lists and counts scope it directly.
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    old_deadline: Mapped[dt.date] = mapped_column(Date)
    new_deadline: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ExtensionStatus.PENDING, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The applicant's unit: the decision belongs to a unit above it.
    requester_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The day (Asia/Shanghai) from which an approved new deadline is in force.
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    item: Mapped[RectificationItem] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return ExtensionStatus(self.status).label

    @property
    def is_pending(self) -> bool:
        return self.status == ExtensionStatus.PENDING
