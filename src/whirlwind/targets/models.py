"""Weak-organization rectification (软弱涣散基层党组织整顿): campaigns, yearly assessments,
targets, acceptance inspections (验收) and re-checks (回头看). The obligations of a target
are rectification items in the one ledger (``source_type="target"``)."""

from __future__ import annotations

import datetime as dt
import decimal
import enum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.accounts.models import User
from whirlwind.db import Base, TimestampMixin, UTCDateTime, utcnow
from whirlwind.ledger.models import ResponsibilityPackage
from whirlwind.orgs.models import Org

LEVEL_LABELS = {"city": "市级", "district": "区级", "street": "街道"}


class Campaign(TimestampMixin, Base):
    """年度整顿: one year's rectification drive over a scope (the city or a district)."""

    __tablename__ = "campaign"
    record_type = "campaign"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # scope
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    selection_mode: Mapped[str] = mapped_column(String(16), default="ranked")
    ratio: Mapped[decimal.Decimal | None] = mapped_column(Numeric(5, 4))
    per_district: Mapped[bool] = mapped_column(Boolean, default=True)
    star_below: Mapped[int | None] = mapped_column(Integer)
    assessment_year: Mapped[int] = mapped_column(Integer)
    screening_deadline: Mapped[dt.date | None] = mapped_column(Date)
    identification_deadline: Mapped[dt.date | None] = mapped_column(Date)
    plan_deadline: Mapped[dt.date | None] = mapped_column(Date)
    acceptance_deadline: Mapped[dt.date | None] = mapped_column(Date)
    # Rules version: what acceptance needs in this campaign.
    pass_score: Mapped[decimal.Decimal] = mapped_column(
        Numeric(5, 2), default=decimal.Decimal("70")
    )
    max_dissatisfied: Mapped[decimal.Decimal] = mapped_column(
        Numeric(5, 2), default=decimal.Decimal("50")
    )
    acceptance_level: Mapped[str] = mapped_column(String(16), default="district")
    # 倒排 share for communities (None: the same as ``ratio``, which is the villages').
    ratio_community: Mapped[decimal.Decimal | None] = mapped_column(Numeric(5, 4))
    # An acceptance below this satisfaction rate fails (0: no such rule).
    min_satisfied: Mapped[decimal.Decimal] = mapped_column(
        Numeric(5, 2), default=decimal.Decimal("0")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}

    @property
    def acceptance_level_label(self) -> str:
        return LEVEL_LABELS.get(self.acceptance_level, self.acceptance_level)


class OrgAssessment(Base):
    """年度考核/星级: a grassroots organization's score and star level for a year."""

    __tablename__ = "org_assessment"
    record_type = "org_assessment"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    score: Mapped[decimal.Decimal] = mapped_column(Numeric(6, 2))
    star_level: Mapped[int | None] = mapped_column(Integer)
    rank: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="entered")  # entered | imported
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    org: Mapped[Org] = relationship()

    __table_args__ = (UniqueConstraint("org_id", "year", name="uq_org_assessment_org_year"),)


class TargetStatus(enum.StrEnum):
    """§4.1: 拟定 → 认定 → 整顿中 → 申请验收 → 验收通过 → 整顿销号 (→ 回头看);
    验收不通过 or 回头看反弹 → 重新整顿; 移出 with a reason."""

    PROPOSED = "proposed"
    IDENTIFIED = "identified"
    RECTIFYING = "rectifying"
    ACCEPTANCE_REQUESTED = "acceptance_requested"
    ACCEPTED = "accepted"
    RERECTIFY = "rerectify"
    CLEARED = "cleared"
    REMOVED = "removed"

    @property
    def label(self) -> str:
        return TARGET_STATUS_LABELS[self]


TARGET_STATUS_LABELS = {
    TargetStatus.PROPOSED: "拟定",
    TargetStatus.IDENTIFIED: "认定",
    TargetStatus.RECTIFYING: "整顿中",
    TargetStatus.ACCEPTANCE_REQUESTED: "申请验收",
    TargetStatus.ACCEPTED: "验收通过",
    TargetStatus.RERECTIFY: "重新整顿",
    TargetStatus.CLEARED: "整顿销号",
    TargetStatus.REMOVED: "已移出",
}
TARGET_STATUS_COLOURS = {
    TargetStatus.PROPOSED: "grey",
    TargetStatus.IDENTIFIED: "blue",
    TargetStatus.RECTIFYING: "yellow",
    TargetStatus.ACCEPTANCE_REQUESTED: "blue",
    TargetStatus.ACCEPTED: "green",
    TargetStatus.RERECTIFY: "red",
    TargetStatus.CLEARED: "green",
    TargetStatus.REMOVED: "grey",
}


class RectificationTarget(TimestampMixin, Base):
    """整顿对象: a grassroots Party organization under rectification in a campaign."""

    __tablename__ = "rectification_target"
    record_type = "target"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    status: Mapped[str] = mapped_column(String(24), default=TargetStatus.PROPOSED, index=True)
    # §5.1 weakness categories, reference list "weakness_category", space-separated codes.
    categories: Mapped[str] = mapped_column(String(200), default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    selected_how: Mapped[str] = mapped_column(String(16), default="ranked")
    score_at_selection: Mapped[decimal.Decimal | None] = mapped_column(Numeric(6, 2))
    problem: Mapped[str] = mapped_column(Text, default="")
    plan_summary: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    package_id: Mapped[int | None] = mapped_column(
        ForeignKey("responsibility_package.id"), index=True
    )
    # Identification chain (认定程序).
    self_check_date: Mapped[dt.date | None] = mapped_column(Date)
    upper_review_date: Mapped[dt.date | None] = mapped_column(Date)
    org_dept_analysis_date: Mapped[dt.date | None] = mapped_column(Date)
    committee_approval_date: Mapped[dt.date | None] = mapped_column(Date)
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    cleared_date: Mapped[dt.date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship()
    org: Mapped[Org] = relationship(lazy="joined")
    package: Mapped[ResponsibilityPackage | None] = relationship()
    acceptances: Mapped[list[AcceptanceInspection]] = relationship(
        back_populates="target", order_by="AcceptanceInspection.id"
    )
    rechecks: Mapped[list[TargetRecheck]] = relationship(
        back_populates="target", order_by="TargetRecheck.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("campaign_id", "org_id", name="uq_rectification_target_campaign_org"),
    )

    @property
    def category_codes(self) -> list[str]:
        return [c for c in (self.categories or "").split() if c]

    @property
    def status_label(self) -> str:
        return TargetStatus(self.status).label

    @property
    def status_colour(self) -> str:
        return TARGET_STATUS_COLOURS[TargetStatus(self.status)]


ACCEPTANCE_RESULTS = {"pass": "通过", "fail": "不通过（重新整顿）", "deferred": "暂缓"}
RECHECK_RESULTS = {"ok": "巩固良好", "rebound": "出现反弹（重新整顿）"}


class AcceptanceInspection(Base):
    """验收: a scored inspection at the end of rectification."""

    __tablename__ = "acceptance_inspection"
    record_type = "acceptance"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("rectification_target.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(16))
    inspectors: Mapped[str] = mapped_column(String(300))
    score: Mapped[decimal.Decimal] = mapped_column(Numeric(5, 2))
    respondents: Mapped[int] = mapped_column(Integer, default=0)
    satisfied_pct: Mapped[decimal.Decimal] = mapped_column(Numeric(5, 2))
    dissatisfied_pct: Mapped[decimal.Decimal] = mapped_column(Numeric(5, 2))
    result: Mapped[str] = mapped_column(String(16))
    new_deadline: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    target: Mapped[RectificationTarget] = relationship(back_populates="acceptances")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def result_label(self) -> str:
        return ACCEPTANCE_RESULTS.get(self.result, self.result)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)


class TargetRecheck(Base):
    """回头看: a re-check after clearing; a rebound reopens the target."""

    __tablename__ = "target_recheck"
    record_type = "target_recheck"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("rectification_target.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    level: Mapped[str] = mapped_column(String(16))
    inspectors: Mapped[str] = mapped_column(String(300))
    findings: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(16))
    new_deadline: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    target: Mapped[RectificationTarget] = relationship(back_populates="rechecks")
    recorded_by: Mapped[User | None] = relationship()

    @property
    def result_label(self) -> str:
        return RECHECK_RESULTS.get(self.result, self.result)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level)
