"""Three-affairs disclosure (三务公开): catalogue, records, checks and failures.

The catalogue (公开目录) says what must be published and how often; the calendar of
obligations per unit is derived from it (``periods``), never stored. A record says what was
published for one (org, item, period); a check is a supervision committee member's or an
inspector's verdict on it; a failure (a failed check or a missing disclosure) is the source
of rectification items in the one ledger.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.accounts.models import User
from whirlwind.db import Base, TimestampMixin
from whirlwind.disclosure.periods import Frequency, parse_key
from whirlwind.orgs.models import Org


class Domain(enum.StrEnum):
    """§5.8 公开类别."""

    PARTY = "party"
    AFFAIRS = "affairs"
    FINANCE = "finance"

    @property
    def label(self) -> str:
        return DOMAIN_LABELS[self]


DOMAIN_LABELS = {Domain.PARTY: "党务", Domain.AFFAIRS: "村务/居务", Domain.FINANCE: "财务"}


class AppliesTo(enum.StrEnum):
    VILLAGE = "village"
    COMMUNITY = "community"
    BOTH = "both"

    @property
    def label(self) -> str:
        return APPLIES_LABELS[self]


APPLIES_LABELS = {AppliesTo.VILLAGE: "村", AppliesTo.COMMUNITY: "社区", AppliesTo.BOTH: "村和社区"}


class CheckResult(enum.StrEnum):
    PASS = "pass"  # noqa: S105 (a check result, not a password)
    FAIL = "fail"

    @property
    def label(self) -> str:
        return "合格" if self == CheckResult.PASS else "不合格"


class FailureKind(enum.StrEnum):
    CHECK = "check"
    MISSING = "missing"

    @property
    def label(self) -> str:
        return "检查不合格" if self == FailureKind.CHECK else "应公开未公开"


# Who reviewed a record before publication (审核主体).
REVIEWER_BODIES = {"finance_group": "民主理财小组", "committee": "村(居)务监督委员会"}


class DisclosureCatalogItem(TimestampMixin, Base):
    """公开目录项: one thing to publish, its frequency and deadline rule."""

    __tablename__ = "disclosure_catalog_item"
    record_type = "disclosure_catalog_item"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    domain: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(200))
    frequency: Mapped[str] = mapped_column(String(16))
    # Due N days after the period end (periodic) or after the event (即时/专项).
    deadline_days: Mapped[int] = mapped_column(Integer)
    applies_to: Mapped[str] = mapped_column(String(16), default=AppliesTo.BOTH)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    # Provenance of the default (C/L/U, domain.md) or a local note.
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def domain_label(self) -> str:
        return Domain(self.domain).label

    @property
    def frequency_label(self) -> str:
        return Frequency(self.frequency).label

    @property
    def applies_label(self) -> str:
        return AppliesTo(self.applies_to).label

    @property
    def is_periodic(self) -> bool:
        return Frequency(self.frequency).periodic

    @property
    def deadline_text(self) -> str:
        if self.is_periodic:
            return f"期末后 {self.deadline_days} 日内"
        return f"事项发生后 {self.deadline_days} 日内"

    def applies(self, level: str) -> bool:
        return self.applies_to == AppliesTo.BOTH or self.applies_to == level

    def period(self, key: str):
        return parse_key(self.frequency, key)


class DisclosureRecord(TimestampMixin, Base):
    """公开记录: what a unit published for one catalogue item and period."""

    __tablename__ = "disclosure_record"
    record_type = "disclosure_record"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    catalog_item_id: Mapped[int] = mapped_column(
        ForeignKey("disclosure_catalog_item.id"), index=True
    )
    period: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    # For event (即时/专项) items: the date of the matter that must be published.
    event_date: Mapped[dt.date | None] = mapped_column(Date)
    # Due date under the catalogue rule (kept in step when the rule changes) and its month,
    # so that rates read records by due date without recomputing periods.
    due_date: Mapped[dt.date] = mapped_column(Date, index=True)
    due_month: Mapped[str] = mapped_column(String(7), index=True)
    published_on: Mapped[dt.date] = mapped_column(Date, index=True)
    # §5.10 reference list "disclosure_channel".
    channel: Mapped[str] = mapped_column(String(32), index=True)
    content: Mapped[str] = mapped_column(Text, default="")
    evidence_link: Mapped[str] = mapped_column(String(500), default="")
    reviewer_body: Mapped[str] = mapped_column(String(32), default="")
    reviewer_name: Mapped[str] = mapped_column(String(64), default="")
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship()
    catalog_item: Mapped[DisclosureCatalogItem] = relationship(lazy="joined")
    recorded_by: Mapped[User | None] = relationship()

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint(
            "org_id", "catalog_item_id", "period", name="uq_disclosure_record_obligation"
        ),
        Index("ix_disclosure_record_item_period", "catalog_item_id", "period"),
    )

    @property
    def period_label(self) -> str:
        return self.catalog_item.period(self.period).label

    @property
    def reviewer_body_label(self) -> str:
        return REVIEWER_BODIES.get(self.reviewer_body, self.reviewer_body)


class DisclosureCheck(TimestampMixin, Base):
    """公开检查: a verdict (合格/不合格 with §5.11 reasons) on one (org, item, period)."""

    __tablename__ = "disclosure_check"
    record_type = "disclosure_check"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    catalog_item_id: Mapped[int] = mapped_column(ForeignKey("disclosure_catalog_item.id"))
    period: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_record.id"), index=True)
    checker_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    checked_on: Mapped[dt.date] = mapped_column(Date, index=True)
    result: Mapped[str] = mapped_column(String(8), index=True)
    # Space-separated codes of reference list "disclosure_failure".
    reasons: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")

    org: Mapped[Org] = relationship()
    catalog_item: Mapped[DisclosureCatalogItem] = relationship(lazy="joined")
    record: Mapped[DisclosureRecord | None] = relationship()
    checker: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_disclosure_check_obligation", "org_id", "catalog_item_id", "period"),
    )

    @property
    def reason_codes(self) -> list[str]:
        return self.reasons.split()

    @property
    def result_label(self) -> str:
        return CheckResult(self.result).label

    @property
    def passed(self) -> bool:
        return self.result == CheckResult.PASS

    @property
    def period_label(self) -> str:
        return self.catalog_item.period(self.period).label


class DisclosureFailure(TimestampMixin, Base):
    """公开问题: a failed check or a missing disclosure, the source (source_type
    "disclosure") of rectification items in the ledger."""

    __tablename__ = "disclosure_failure"
    record_type = "disclosure_failure"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    catalog_item_id: Mapped[int] = mapped_column(ForeignKey("disclosure_catalog_item.id"))
    period: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    check_id: Mapped[int | None] = mapped_column(ForeignKey("disclosure_check.id"), unique=True)
    reasons: Mapped[str] = mapped_column(String(200), default="")
    problem: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    org: Mapped[Org] = relationship()
    catalog_item: Mapped[DisclosureCatalogItem] = relationship(lazy="joined")
    check: Mapped[DisclosureCheck | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_disclosure_failure_obligation", "org_id", "catalog_item_id", "period"),
    )

    @property
    def number(self) -> str:
        return f"GK{self.id:06d}"

    @property
    def kind_label(self) -> str:
        return FailureKind(self.kind).label

    @property
    def reason_codes(self) -> list[str]:
        return self.reasons.split()

    @property
    def period_label(self) -> str:
        return self.catalog_item.period(self.period).label
