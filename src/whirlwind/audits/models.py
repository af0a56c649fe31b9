"""四资一项目 audits (检查), their findings (发现问题) and committee problem reports
(村(居)务监督委员会问题反映), after domain.md §3 and §4.7.

A finding feeds the one rectification ledger (items with source_type "finding") and may be
transferred as a clue; the clue stores origin_type/origin_id, the finding keeps clue_id.
The clue table belongs to the cases area, so ``clue_id`` is a plain indexed integer.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from whirlwind.accounts.models import User
from whirlwind.db import Base, TimestampMixin, UTCDateTime
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person

Money = Numeric(14, 2)
ZERO = decimal.Decimal("0.00")


class Audit(TimestampMixin, Base):
    """四资一项目检查: one inspection of a village's or community's funds, assets, resources
    and projects."""

    __tablename__ = "audit"
    record_type = "audit"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    period_from: Mapped[dt.date] = mapped_column(Date)
    period_to: Mapped[dt.date] = mapped_column(Date)
    audit_date: Mapped[dt.date] = mapped_column(Date, index=True)
    # Reference list "audit_body" (经管站/审计/纪委/巡察…).
    body: Mapped[str] = mapped_column(String(40), index=True)
    inspectors: Mapped[str] = mapped_column(String(300), default="")
    # Projects covered, as written (names/numbers); asset types are in AuditScope.
    scope_projects: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(lazy="joined")
    scopes: Mapped[list[AuditScope]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="AuditScope.asset_type"
    )
    findings: Mapped[list[Finding]] = relationship(back_populates="audit", order_by="Finding.seq")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("period_from <= period_to", name="period_order"),)

    @property
    def number(self) -> str:
        """检查编号, derived from the date and id."""
        return f"SZ{self.audit_date.year}-{self.id:05d}"

    @property
    def asset_types(self) -> list[str]:
        return [s.asset_type for s in self.scopes]


class AuditScope(Base):
    """One asset type an audit covered (indexed, for the asset-type filter)."""

    __tablename__ = "audit_scope"

    audit_id: Mapped[int] = mapped_column(
        ForeignKey("audit.id", ondelete="CASCADE"), primary_key=True
    )
    asset_type: Mapped[str] = mapped_column(String(40), primary_key=True)

    __table_args__ = (Index("ix_audit_scope_type", "asset_type", "audit_id"),)


class Finding(TimestampMixin, Base):
    """发现问题: one irregularity found by an audit (or confirmed from a committee report)."""

    __tablename__ = "finding"
    record_type = "finding"
    __search_type__ = "finding"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    # Null when the finding was confirmed from a committee report rather than an audit.
    audit_id: Mapped[int | None] = mapped_column(ForeignKey("audit.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=1)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    asset_type: Mapped[str] = mapped_column(String(40), index=True)
    asset_subtype: Mapped[str] = mapped_column(String(40), default="")
    irregularity: Mapped[str] = mapped_column(String(40), index=True)
    description: Mapped[str] = mapped_column(Text)
    # The ledger object concerned (台账对象).
    object_kind: Mapped[str] = mapped_column(String(40), default="")
    object_name: Mapped[str] = mapped_column(String(200), default="")
    object_number: Mapped[str] = mapped_column(String(100), default="")
    object_counterparty: Mapped[str] = mapped_column(String(200), default="")
    amount_involved: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)
    # Sum of the RecoveryEntry rows, kept in step by the services.
    amount_recovered: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)
    # Why more was recovered than the amount involved (e.g. interest, fines).
    excess_explanation: Mapped[str] = mapped_column(Text, default="")
    clue_id: Mapped[int | None] = mapped_column(Integer, index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("committee_report.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    audit: Mapped[Audit | None] = relationship(back_populates="findings")
    org: Mapped[Org] = relationship(lazy="joined")
    persons: Mapped[list[FindingPerson]] = relationship(
        back_populates="finding",
        cascade="all, delete-orphan",
        order_by="FindingPerson.id",
        lazy="selectin",
    )
    recoveries: Mapped[list[RecoveryEntry]] = relationship(
        back_populates="finding",
        cascade="all, delete-orphan",
        order_by="(RecoveryEntry.entry_date, RecoveryEntry.id)",
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("audit_id", "seq"),
        CheckConstraint("amount_involved >= 0", name="involved_non_negative"),
        CheckConstraint("amount_recovered >= 0", name="recovered_non_negative"),
    )

    @property
    def number(self) -> str:
        """问题编号: the audit number and the finding's place in it."""
        if self.audit is not None:
            return f"{self.audit.number}-{self.seq:02d}"
        return f"WT{self.id:06d}"

    @property
    def person_names(self) -> list[str]:
        return [p.name for p in self.persons]


class FindingPerson(Base):
    """A person responsible for a finding (责任人), with their role in it."""

    __tablename__ = "finding_person"
    record_type = "finding_person"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(60), default="")  # 直接责任人 / 主要领导责任 …
    post: Mapped[str] = mapped_column(String(100), default="")

    finding: Mapped[Finding] = relationship(back_populates="persons")
    person: Mapped[Person] = relationship()

    def search_keys(self):
        return [("finding", self.finding_id)]


class RecoveryEntry(Base):
    """挽回/追缴: one recovered amount on a date; the finding's total is their sum."""

    __tablename__ = "recovery_entry"
    record_type = "recovery"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("finding.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[decimal.Decimal] = mapped_column(Money)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by: Mapped[User | None] = relationship()

    finding: Mapped[Finding] = relationship(back_populates="recoveries")

    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)


class ReportStatus(enum.StrEnum):
    """§4.7: 提交 → 街道纪工委接收 → 核实 → {转线索 | 转整改事项 | 转为发现问题 | 不予采纳}
    → 反馈提交人."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    VERIFIED = "verified"
    TO_CLUE = "to_clue"
    TO_ITEM = "to_item"
    TO_FINDING = "to_finding"
    DISMISSED = "dismissed"
    FED_BACK = "fed_back"

    @property
    def label(self) -> str:
        return REPORT_STATUS_LABELS[self]


REPORT_STATUS_LABELS = {
    ReportStatus.SUBMITTED: "已提交（待接收）",
    ReportStatus.RECEIVED: "街道纪工委已接收（待核实）",
    ReportStatus.VERIFIED: "已核实（待处理）",
    ReportStatus.TO_CLUE: "已转问题线索",
    ReportStatus.TO_ITEM: "已转整改事项",
    ReportStatus.TO_FINDING: "已转为发现问题",
    ReportStatus.DISMISSED: "不予采纳",
    ReportStatus.FED_BACK: "已反馈提交人",
}
# The outcome states, from which the reporter is given feedback.
OUTCOMES = (
    ReportStatus.TO_CLUE,
    ReportStatus.TO_ITEM,
    ReportStatus.TO_FINDING,
    ReportStatus.DISMISSED,
)


class CommitteeReport(TimestampMixin, Base):
    """问题反映: a problem a supervision committee member found in their own village."""

    __tablename__ = "committee_report"
    record_type = "committee_report"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    persons: Mapped[str] = mapped_column(String(300), default="")
    amount: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)
    found_date: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default=ReportStatus.SUBMITTED, index=True)
    # Outcome kept after feedback (status then is fed_back).
    outcome: Mapped[str] = mapped_column(String(20), default="")
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    verification: Mapped[str] = mapped_column(Text, default="")  # 核实情况
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    dismiss_reason: Mapped[str] = mapped_column(Text, default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    feedback: Mapped[str] = mapped_column(Text, default="")
    fed_back_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    clue_id: Mapped[int | None] = mapped_column(Integer, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(lazy="joined")
    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_non_negative"),)

    @property
    def number(self) -> str:
        return f"FY{self.found_date.year}-{self.id:05d}"

    @property
    def status_label(self) -> str:
        return ReportStatus(self.status).label

    @property
    def outcome_label(self) -> str:
        return ReportStatus(self.outcome).label if self.outcome else ""
