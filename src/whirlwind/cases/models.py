"""Clues (问题线索) and cases (案件), after domain.md §3, §4.3–4.5.

A ``Clue`` is an allegation against one or more persons. It is disposed of (处置) in one of
the four official modes or the two local outcomes (``ClueDisposal``); a disposal that ends in
立案 opens a ``Case``. A case moves through its stages in order (``CaseStageEvent`` records
each move) and holds one ``CaseSubject`` per person with the outcome under the "four forms",
sanctions, organizational handling and amounts. ``PublicNotice`` records 通报曝光.

Child records name their parent in ``search_keys`` so that the search outbox re-indexes the
parent clue or case whenever a child changes.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum

from sqlalchemy import (
    Boolean,
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
from whirlwind.db import Base, TimestampMixin, UTCDateTime, utcnow
from whirlwind.orgs.models import Org
from whirlwind.persons.models import Person

Money = Numeric(14, 2)
ZERO = decimal.Decimal("0")


# --- Workflow enumerations (code enums with Chinese labels) -------------------------------


class ClueStatus(enum.StrEnum):
    """§4.3 status list (the deployed system's list, S36), plus 已移送 and 重复件."""

    REGISTERED = "registered"
    PROPOSED = "proposed"
    TALK_INQUIRY = "talk_inquiry"
    VERIFYING = "verifying"
    SHELVED = "shelved"
    CASE_OPENED = "case_opened"
    TRANSFERRED = "transferred"
    CLOSED = "closed"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return CLUE_STATUS_LABELS[self]


CLUE_STATUS_LABELS = {
    ClueStatus.REGISTERED: "已登记",
    ClueStatus.PROPOSED: "已填写拟办意见",
    ClueStatus.TALK_INQUIRY: "谈话函询中",
    ClueStatus.VERIFYING: "初步核实中",
    ClueStatus.SHELVED: "暂存待查",
    ClueStatus.CASE_OPENED: "已立案",
    ClueStatus.TRANSFERRED: "已移送",
    ClueStatus.CLOSED: "已办结",
    ClueStatus.DUPLICATE: "重复件",
}
CLUE_OPEN_STATUSES = (
    ClueStatus.REGISTERED,
    ClueStatus.PROPOSED,
    ClueStatus.TALK_INQUIRY,
    ClueStatus.VERIFYING,
    ClueStatus.SHELVED,
)


class DisposalMode(enum.StrEnum):
    """§5.18: the four official modes [C] and the two local outcomes [L]."""

    TALK_INQUIRY = "talk_inquiry"
    VERIFICATION = "verification"
    SHELVE = "shelve"
    CLOSE = "close"
    OPEN_CASE = "open_case"
    TRANSFER = "transfer"

    @property
    def label(self) -> str:
        return DISPOSAL_MODE_LABELS[self]

    @property
    def is_local(self) -> bool:
        return self in (DisposalMode.OPEN_CASE, DisposalMode.TRANSFER)


DISPOSAL_MODE_LABELS = {
    DisposalMode.TALK_INQUIRY: "谈话函询",
    DisposalMode.VERIFICATION: "初步核实",
    DisposalMode.SHELVE: "暂存待查",
    DisposalMode.CLOSE: "予以了结",
    DisposalMode.OPEN_CASE: "立案审查调查",
    DisposalMode.TRANSFER: "移送",
}


class DisposalState(enum.StrEnum):
    PROPOSED = "proposed"  # 拟办意见 written, waiting for approval
    IN_PROGRESS = "in_progress"  # approved; talk / verification / shelving under way
    DONE = "done"  # outcome recorded
    REJECTED = "rejected"  # approver did not agree; a new proposal is needed

    @property
    def label(self) -> str:
        return DISPOSAL_STATE_LABELS[self]


DISPOSAL_STATE_LABELS = {
    DisposalState.PROPOSED: "待审批",
    DisposalState.IN_PROGRESS: "办理中",
    DisposalState.DONE: "已办结",
    DisposalState.REJECTED: "未同意",
}


class Outcome(enum.StrEnum):
    """§5.18 outcomes of inquiry / verification / shelving, with their next step."""

    CLARIFIED = "clarified"
    REMINDER = "reminder"
    CRITICISM = "criticism"
    SELF_EXAM = "self_exam"
    ADMONISH = "admonish"
    TALK_AGAIN = "talk_again"
    TO_VERIFICATION = "to_verification"
    PROPOSE_CASE = "propose_case"
    CLOSE = "close"
    ORG_HANDLING = "org_handling"
    TRANSFER_PARTY = "transfer_party"
    SHELVE = "shelve"
    KEEP_SHELVED = "keep_shelved"

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self]


OUTCOME_LABELS = {
    Outcome.CLARIFIED: "了结澄清",
    Outcome.REMINDER: "谈话提醒",
    Outcome.CRITICISM: "批评教育",
    Outcome.SELF_EXAM: "责令检查",
    Outcome.ADMONISH: "诫勉",
    Outcome.TALK_AGAIN: "再次谈话函询",
    Outcome.TO_VERIFICATION: "转初步核实",
    Outcome.PROPOSE_CASE: "拟立案",
    Outcome.CLOSE: "予以了结",
    Outcome.ORG_HANDLING: "组织处理",
    Outcome.TRANSFER_PARTY: "移送有关党组织处理",
    Outcome.SHELVE: "暂存待查",
    Outcome.KEEP_SHELVED: "继续暂存",
}

# §4.4: which outcomes each mode may end in.
MODE_OUTCOMES: dict[DisposalMode, tuple[Outcome, ...]] = {
    DisposalMode.TALK_INQUIRY: (
        Outcome.CLARIFIED,
        Outcome.REMINDER,
        Outcome.CRITICISM,
        Outcome.SELF_EXAM,
        Outcome.ADMONISH,
        Outcome.TALK_AGAIN,
        Outcome.TO_VERIFICATION,
    ),
    DisposalMode.VERIFICATION: (
        Outcome.PROPOSE_CASE,
        Outcome.CLOSE,
        Outcome.REMINDER,
        Outcome.CRITICISM,
        Outcome.SELF_EXAM,
        Outcome.ADMONISH,
        Outcome.ORG_HANDLING,
        Outcome.TRANSFER_PARTY,
        Outcome.SHELVE,
    ),
    DisposalMode.SHELVE: (Outcome.TO_VERIFICATION, Outcome.CLOSE, Outcome.KEEP_SHELVED),
}
# Outcomes that continue with a new disposal proposal in another mode.
OUTCOME_NEXT_MODE: dict[Outcome, DisposalMode] = {
    Outcome.TALK_AGAIN: DisposalMode.TALK_INQUIRY,
    Outcome.TO_VERIFICATION: DisposalMode.VERIFICATION,
    Outcome.PROPOSE_CASE: DisposalMode.OPEN_CASE,
    Outcome.SHELVE: DisposalMode.SHELVE,
}

# 予以了结 reasons (§4.4).
CLOSE_REASONS = {
    "untrue": "反映不实",
    "unverifiable": "无法核实",
    "handled": "已作处理",
    "other": "其他",
}


class CaseStage(enum.StrEnum):
    """§4.5 stages in order. 撤销案件 is a branch, not a stage."""

    INVESTIGATION = "investigation"
    REVIEW = "review"
    DECISION = "decision"
    ANNOUNCED = "announced"
    EXECUTED = "executed"
    CLOSED = "closed"
    REVOKED = "revoked"

    @property
    def label(self) -> str:
        return CASE_STAGE_LABELS[self]

    @property
    def order(self) -> int:
        return STAGE_ORDER.index(self) if self in STAGE_ORDER else -1


CASE_STAGE_LABELS = {
    CaseStage.INVESTIGATION: "审查调查",
    CaseStage.REVIEW: "审理",
    CaseStage.DECISION: "处分决定",
    CaseStage.ANNOUNCED: "宣布送达",
    CaseStage.EXECUTED: "执行",
    CaseStage.CLOSED: "结案归档",
    CaseStage.REVOKED: "撤销案件",
}
STAGE_ORDER = (
    CaseStage.INVESTIGATION,
    CaseStage.REVIEW,
    CaseStage.DECISION,
    CaseStage.ANNOUNCED,
    CaseStage.EXECUTED,
    CaseStage.CLOSED,
)
# The Case column that holds each stage's date.
STAGE_DATE_FIELDS = {
    CaseStage.INVESTIGATION: "opened_on",
    CaseStage.REVIEW: "review_on",
    CaseStage.DECISION: "decision_on",
    CaseStage.ANNOUNCED: "announced_on",
    CaseStage.EXECUTED: "executed_on",
    CaseStage.CLOSED: "closed_on",
    CaseStage.REVOKED: "revoked_on",
}
EVENT_LABELS = {
    **{str(k): v for k, v in CASE_STAGE_LABELS.items()},
    "extension": "审查调查延期",
    "early_review": "提前介入审理",
    "rectification": "以案促改",
}
CASE_OPEN_STAGES = tuple(s for s in STAGE_ORDER if s != CaseStage.CLOSED)

CASE_TYPES = {"party": "党纪案件", "supervision": "监察案件", "both": "党纪政务案件"}

FOUR_FORMS = {
    1: "第一种形态（批评教育、谈话提醒、诫勉等）",
    2: "第二种形态（党纪轻处分、组织调整）",
    3: "第三种形态（党纪重处分、重大职务调整）",
    4: "第四种形态（严重违纪涉嫌犯罪）",
}


# --- Clues ---------------------------------------------------------------------------------


class Clue(TimestampMixin, Base):
    """问题线索."""

    __tablename__ = "clue"
    __search_type__ = "clue"
    record_type = "clue"
    __tracked__ = True
    # The reporter's identity is confidential: it never enters the change log, which other
    # roles (leaders, log viewers) can read.
    __tracked_exclude__ = frozenset({"reporter_name", "reporter_unit", "reporter_phone"})

    id: Mapped[int] = mapped_column(primary_key=True)
    # 问题属地: the unit the problem is about; jurisdiction follows it.
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))  # 线索编号, unique per unit
    title: Mapped[str] = mapped_column(String(200))
    received_date: Mapped[dt.date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(32), index=True)  # ref "clue_source" §5.16
    source_detail: Mapped[str] = mapped_column(String(100), default="")  # 来信/来访/12388 …
    # Reporter (反映人): confidential, shown only with cases:reporter.
    reporter_name: Mapped[str] = mapped_column(String(64), default="")
    reporter_unit: Mapped[str] = mapped_column(String(120), default="")
    reporter_phone: Mapped[str] = mapped_column(String(32), default="")
    is_anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    field: Mapped[str] = mapped_column(String(32), default="", index=True)  # ref "clue_field"
    campaign: Mapped[str] = mapped_column(String(100), default="")  # 专项行动
    summary: Mapped[str] = mapped_column(Text, default="")
    full_text: Mapped[str] = mapped_column(Text, default="")
    amount_involved: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO, index=True)
    is_important: Mapped[bool] = mapped_column(Boolean, default=False)
    handling_way: Mapped[str] = mapped_column(String(32), default="")  # ref "handling_way" §5.19
    handling_org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    handler_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The current (latest) disposal mode, denormalized for list filters.
    disposal_mode: Mapped[str] = mapped_column(String(24), default="", index=True)
    status: Mapped[str] = mapped_column(String(24), default=ClueStatus.REGISTERED, index=True)
    # The time limit of the current step (处置建议 / 函询 / 初核 / 暂存复查); null when done.
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("clue.id"))
    # Where the clue came from (e.g. "finding", 42; "committee_report", 7).
    origin_type: Mapped[str] = mapped_column(String(32), default="")
    origin_id: Mapped[int | None] = mapped_column(Integer)
    is_historical: Mapped[bool] = mapped_column(Boolean, default=False)
    result_text: Mapped[str] = mapped_column(Text, default="")  # 处理结果 (imported history)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(foreign_keys=[org_id], lazy="joined")
    handling_org: Mapped[Org | None] = relationship(foreign_keys=[handling_org_id])
    handler: Mapped[User | None] = relationship(foreign_keys=[handler_id])
    duplicate_of: Mapped[Clue | None] = relationship(remote_side=[id])
    persons: Mapped[list[ClueReportedPerson]] = relationship(
        back_populates="clue", cascade="all, delete-orphan", order_by="ClueReportedPerson.id"
    )
    categories: Mapped[list[ClueCategory]] = relationship(
        back_populates="clue", cascade="all, delete-orphan", order_by="ClueCategory.id"
    )
    disposals: Mapped[list[ClueDisposal]] = relationship(
        back_populates="clue", cascade="all, delete-orphan", order_by="ClueDisposal.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_clue_org_number"),
        Index("ix_clue_origin", "origin_type", "origin_id"),
        Index("ix_clue_status_due", "status", "due_date"),
        # The list under the jurisdiction filter (org_id IN subtree), by status and date.
        Index("ix_clue_org_status_received", "org_id", "status", "received_date"),
    )

    @property
    def status_label(self) -> str:
        return ClueStatus(self.status).label

    @property
    def is_open(self) -> bool:
        return self.status in CLUE_OPEN_STATUSES

    @property
    def category_codes(self) -> list[str]:
        return [c.code for c in self.categories]

    @property
    def current_disposal(self) -> ClueDisposal | None:
        return self.disposals[-1] if self.disposals else None


class ClueReportedPerson(Base):
    """被反映人: a person named in a clue, with what was written about them at the time."""

    __tablename__ = "clue_person"
    record_type = "clue_person"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clue.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="main")  # main | other
    name: Mapped[str] = mapped_column(String(64))
    post: Mapped[str] = mapped_column(String(100), default="")
    unit_name: Mapped[str] = mapped_column(String(120), default="")
    political_status: Mapped[str] = mapped_column(String(20), default="")
    identity: Mapped[str] = mapped_column(String(32), default="")

    clue: Mapped[Clue] = relationship(back_populates="persons")
    person: Mapped[Person] = relationship()

    def search_keys(self):
        return [("clue", self.clue_id)]


class ClueCategory(Base):
    """A problem category of a clue (ref "problem_category" §5.17)."""

    __tablename__ = "clue_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clue.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32), index=True)

    clue: Mapped[Clue] = relationship(back_populates="categories")

    __table_args__ = (UniqueConstraint("clue_id", "code", name="uq_clue_category_clue_code"),)

    def search_keys(self):
        return [("clue", self.clue_id)]


class ClueDisposal(Base):
    """处置: one disposal of a clue, from 拟办意见 through approval to its outcome."""

    __tablename__ = "clue_disposal"
    record_type = "clue_disposal"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clue.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(24))
    state: Mapped[str] = mapped_column(String(16), default=DisposalState.PROPOSED)
    opinion: Mapped[str] = mapped_column(Text, default="")  # 拟办意见
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    proposed_on: Mapped[dt.date] = mapped_column(Date)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    approval_way: Mapped[str] = mapped_column(String(16), default="")  # approval | meeting (上会)
    approval_note: Mapped[str] = mapped_column(Text, default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    # 谈话函询: talk or letter, the reply; 初步核实: the 初核报告.
    method: Mapped[str] = mapped_column(String(16), default="")  # talk | letter
    response_on: Mapped[dt.date | None] = mapped_column(Date)
    response_text: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(24), default="")
    outcome_on: Mapped[dt.date | None] = mapped_column(Date)
    outcome_text: Mapped[str] = mapped_column(Text, default="")
    close_reason: Mapped[str] = mapped_column(String(16), default="")
    transfer_to: Mapped[str] = mapped_column(String(120), default="")  # 移送 target body
    reviews: Mapped[int] = mapped_column(Integer, default=0)  # 暂存待查 periodic reviews done
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    clue: Mapped[Clue] = relationship(back_populates="disposals")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def org_id(self):
        return self.clue.org_id if self.clue else None

    @property
    def mode_label(self) -> str:
        return DisposalMode(self.mode).label

    @property
    def state_label(self) -> str:
        return DisposalState(self.state).label

    @property
    def outcome_label(self) -> str:
        return Outcome(self.outcome).label if self.outcome else ""

    def search_keys(self):
        return [("clue", self.clue_id)]


# --- Cases -----------------------------------------------------------------------------------


class Case(TimestampMixin, Base):
    """案件: opened (立案) from one or more clues, or recorded from history."""

    __tablename__ = "case_file"
    __search_type__ = "case"
    record_type = "case"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)
    number: Mapped[str] = mapped_column(String(40))  # 案件编号, unique per unit
    title: Mapped[str] = mapped_column(String(200))
    case_type: Mapped[str] = mapped_column(String(16), default="both")
    summary: Mapped[str] = mapped_column(Text, default="")
    stage: Mapped[str] = mapped_column(String(16), default=CaseStage.INVESTIGATION, index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date, index=True)  # 立案
    review_on: Mapped[dt.date | None] = mapped_column(Date)  # 移送审理
    decision_on: Mapped[dt.date | None] = mapped_column(Date)  # 处分决定
    announced_on: Mapped[dt.date | None] = mapped_column(Date)  # 宣布送达
    executed_on: Mapped[dt.date | None] = mapped_column(Date)  # 执行报告
    closed_on: Mapped[dt.date | None] = mapped_column(Date, index=True)  # 结案归档
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    early_review_on: Mapped[dt.date | None] = mapped_column(Date)  # 提前介入审理
    extension_days: Mapped[int] = mapped_column(Integer, default=0)  # 审查调查延期
    due_date: Mapped[dt.date | None] = mapped_column(Date, index=True)  # current stage limit
    investigators: Mapped[str] = mapped_column(String(200), default="")
    review_unit: Mapped[str] = mapped_column(String(120), default="")  # 审理 unit
    source: Mapped[str] = mapped_column(String(32), default="", index=True)  # of the first clue
    amount_involved: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO, index=True)
    result_text: Mapped[str] = mapped_column(Text, default="")
    is_historical: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    org: Mapped[Org] = relationship(lazy="joined")
    clue_links: Mapped[list[CaseClue]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseClue.id"
    )
    subjects: Mapped[list[CaseSubject]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseSubject.id"
    )
    events: Mapped[list[CaseStageEvent]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="CaseStageEvent.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("org_id", "number", name="uq_case_file_org_number"),
        Index("ix_case_stage_due", "stage", "due_date"),
        # The list under the jurisdiction filter (org_id IN subtree), newest first.
        Index("ix_case_org_opened", "org_id", "opened_on", "stage"),
    )

    @property
    def stage_label(self) -> str:
        return CaseStage(self.stage).label

    @property
    def case_type_label(self) -> str:
        return CASE_TYPES.get(self.case_type, self.case_type)

    @property
    def is_open(self) -> bool:
        return self.stage in CASE_OPEN_STAGES

    def stage_date(self, stage) -> dt.date | None:
        return getattr(self, STAGE_DATE_FIELDS[CaseStage(stage)])


class CaseClue(Base):
    """A clue a case was opened from (一案多线索 is allowed)."""

    __tablename__ = "case_clue"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    clue_id: Mapped[int] = mapped_column(ForeignKey("clue.id"), index=True)

    case: Mapped[Case] = relationship(back_populates="clue_links")
    clue: Mapped[Clue] = relationship()

    __table_args__ = (UniqueConstraint("case_id", "clue_id", name="uq_case_clue_case_clue"),)

    def search_keys(self):
        return [("case", self.case_id), ("clue", self.clue_id)]


class CaseStageEvent(Base):
    """One stage move of a case (the case's stage history)."""

    __tablename__ = "case_stage_event"
    record_type = "case_stage"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    on_date: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()

    @property
    def org_id(self):
        return self.case.org_id if self.case else None

    @property
    def stage_label(self) -> str:
        return EVENT_LABELS.get(self.stage, self.stage)

    def search_keys(self):
        return [("case", self.case_id)]


class CaseSubject(Base):
    """One person's handling in a case: four forms, sanctions, amounts, decision."""

    __tablename__ = "case_subject"
    record_type = "case_subject"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # Snapshot at the time of the case (posts change; the person page shows both).
    post: Mapped[str] = mapped_column(String(100), default="")
    political_status: Mapped[str] = mapped_column(String(20), default="")
    identity: Mapped[str] = mapped_column(String(32), default="")
    four_form: Mapped[int | None] = mapped_column(Integer, index=True)  # §5.20, 1–4
    first_form_measure: Mapped[str] = mapped_column(
        String(32), default=""
    )  # ref "handling_measure"
    party_sanction: Mapped[str] = mapped_column(String(32), default="", index=True)  # §5.21
    state_sanction: Mapped[str] = mapped_column(String(32), default="", index=True)  # §5.22
    org_handling: Mapped[str] = mapped_column(String(32), default="")  # §5.23
    to_prosecution: Mapped[bool] = mapped_column(Boolean, default=False)
    prosecution_on: Mapped[dt.date | None] = mapped_column(Date)
    amount_involved: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)  # 涉及金额
    illegal_gains: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)  # 违纪违法所得
    confiscated: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)  # 收缴
    ordered_returned: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)  # 责令退赔
    recovered: Mapped[decimal.Decimal] = mapped_column(Money, default=ZERO)  # 挽回损失
    decision_number: Mapped[str] = mapped_column(String(60), default="")
    decision_on: Mapped[dt.date | None] = mapped_column(Date)
    announced_on: Mapped[dt.date | None] = mapped_column(Date)
    execution_report_on: Mapped[dt.date | None] = mapped_column(Date)
    appeal_status: Mapped[str] = mapped_column(String(32), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    case: Mapped[Case] = relationship(back_populates="subjects")
    person: Mapped[Person] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def org_id(self):
        return self.case.org_id if self.case else None

    def search_keys(self):
        return [("case", self.case_id)]


class PublicNotice(TimestampMixin, Base):
    """通报曝光: a publication of typical cases."""

    __tablename__ = "public_notice"
    record_type = "public_notice"
    __tracked__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), index=True)  # issuing unit
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)
    level: Mapped[str] = mapped_column(String(16), default="")  # city / district / street
    channel: Mapped[str] = mapped_column(String(32), default="")  # ref "notice_channel"
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    org: Mapped[Org] = relationship()
    entries: Mapped[list[PublicNoticeEntry]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="PublicNoticeEntry.id"
    )


class PublicNoticeEntry(Base):
    """A case (and optionally one of its subjects) covered by a public notice."""

    __tablename__ = "public_notice_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        ForeignKey("public_notice.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("case_subject.id"))

    notice: Mapped[PublicNotice] = relationship(back_populates="entries")
    case: Mapped[Case] = relationship()
    subject: Mapped[CaseSubject | None] = relationship()

    def search_keys(self):
        return [("case", self.case_id)]
