"""Scoped list queries of clues and cases: filters, colours, bulk loading for pages and
exports. Lists, counts and exports are built from the same statement, so an export holds
exactly what the list shows (and nothing outside the caller's jurisdiction)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import exists, or_, select

from whirlwind.cases.models import (
    CLUE_OPEN_STATUSES,
    Case,
    CaseClue,
    CaseStage,
    CaseSubject,
    Clue,
    ClueCategory,
    ClueReportedPerson,
    ClueStatus,
)
from whirlwind.deadlines import COLOUR_LABELS, WarningPolicy
from whirlwind.persons.models import Person
from whirlwind.scoping import scope_to_unit


def _int(value) -> int | None:
    try:
        v = int(value)
    except (TypeError, ValueError):
        return None
    return v if v > 0 else None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _money(value) -> decimal.Decimal | None:
    try:
        return decimal.Decimal(str(value)) if value not in (None, "") else None
    except decimal.InvalidOperation:
        return None


@dataclass
class Filters:
    q: str = ""
    source: str = ""
    category: str = ""
    status: str = ""
    unit: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    amount_min: decimal.Decimal | None = None
    amount_max: decimal.Decimal | None = None
    colour: str = ""
    params: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls, request) -> Filters:
        p = request.GET
        colour = p.get("colour", "")
        return cls(
            q=(p.get("q") or "").strip()[:100],
            source=p.get("source", ""),
            category=p.get("category", ""),
            status=p.get("status", ""),
            unit=_int(p.get("unit")),
            date_from=_date(p.get("date_from")),
            date_to=_date(p.get("date_to")),
            amount_min=_money(p.get("amount_min")),
            amount_max=_money(p.get("amount_max")),
            colour=colour if colour in COLOUR_LABELS else "",
            params={k: v for k, v in p.items() if k not in ("page", "size")},
        )


def clue_colour(warn: WarningPolicy, clue: Clue, today: dt.date) -> str | None:
    """An open clue's colour: by its time limit, else (a historical clue has none) by its
    age since receipt; a closed clue has none."""
    if not clue.is_open:
        return None
    return warn.colour(clue.due_date, today, received=clue.received_date)


def case_colour(warn: WarningPolicy, case: Case, today: dt.date) -> str | None:
    """A case's colour by the time limit of its stage (none once closed)."""
    return warn.colour_for_due(case.due_date, today)


def clue_statement(identity, f: Filters, warn: WarningPolicy, today: dt.date):
    stmt = scope_to_unit(select(Clue), Clue.org_id, identity, f.unit)
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(
            or_(
                Clue.number.like(like),
                Clue.title.like(like),
                exists().where(
                    ClueReportedPerson.clue_id == Clue.id, ClueReportedPerson.name == f.q
                ),
            )
        )
    if f.source:
        stmt = stmt.where(Clue.source == f.source)
    if f.category:
        stmt = stmt.where(
            exists().where(ClueCategory.clue_id == Clue.id, ClueCategory.code == f.category)
        )
    if f.status == "open":
        stmt = stmt.where(
            Clue.status.in_(
                [
                    s.value
                    for s in (
                        ClueStatus.REGISTERED,
                        ClueStatus.PROPOSED,
                        ClueStatus.TALK_INQUIRY,
                        ClueStatus.VERIFYING,
                        ClueStatus.SHELVED,
                    )
                ]
            )
        )
    elif f.status:
        stmt = stmt.where(Clue.status == f.status)
    if f.date_from:
        stmt = stmt.where(Clue.received_date >= f.date_from)
    if f.date_to:
        stmt = stmt.where(Clue.received_date <= f.date_to)
    if f.amount_min is not None:
        stmt = stmt.where(Clue.amount_involved >= f.amount_min)
    if f.amount_max is not None:
        stmt = stmt.where(Clue.amount_involved <= f.amount_max)
    if f.colour:
        stmt = stmt.where(
            Clue.status.in_([s.value for s in CLUE_OPEN_STATUSES]),
            warn.where(f.colour, today, Clue.due_date, Clue.received_date),
        )
    return stmt.order_by(Clue.received_date.desc(), Clue.id.desc())


def case_statement(identity, f: Filters, warn: WarningPolicy, today: dt.date):
    stmt = scope_to_unit(select(Case), Case.org_id, identity, f.unit)
    if f.q:
        like = f"%{f.q}%"
        stmt = stmt.where(
            or_(
                Case.number.like(like),
                Case.title.like(like),
                exists().where(
                    CaseSubject.case_id == Case.id,
                    CaseSubject.person_id == Person.id,
                    Person.name == f.q,
                ),
            )
        )
    if f.source:
        stmt = stmt.where(Case.source == f.source)
    if f.category:
        stmt = stmt.where(
            exists().where(
                CaseClue.case_id == Case.id,
                ClueCategory.clue_id == CaseClue.clue_id,
                ClueCategory.code == f.category,
            )
        )
    if f.status == "open":
        stmt = stmt.where(Case.stage.notin_([CaseStage.CLOSED.value, CaseStage.REVOKED.value]))
    elif f.status:
        stmt = stmt.where(Case.stage == f.status)
    if f.date_from:
        stmt = stmt.where(Case.opened_on >= f.date_from)
    if f.date_to:
        stmt = stmt.where(Case.opened_on <= f.date_to)
    if f.amount_min is not None:
        stmt = stmt.where(Case.amount_involved >= f.amount_min)
    if f.amount_max is not None:
        stmt = stmt.where(Case.amount_involved <= f.amount_max)
    if f.colour:
        stmt = stmt.where(warn.where(f.colour, today, Case.due_date))
    return stmt.order_by(Case.opened_on.desc(), Case.id.desc())


def clue_extras(session, clue_ids) -> tuple[dict, dict]:
    """(persons by clue id, category codes by clue id) in two queries."""
    persons, categories = defaultdict(list), defaultdict(list)
    ids = list(clue_ids)
    if not ids:
        return persons, categories
    for cid, pid, name in session.execute(
        select(ClueReportedPerson.clue_id, ClueReportedPerson.person_id, ClueReportedPerson.name)
        .where(ClueReportedPerson.clue_id.in_(ids))
        .order_by(ClueReportedPerson.id)
    ):
        persons[cid].append((pid, name))
    for cid, code in session.execute(
        select(ClueCategory.clue_id, ClueCategory.code).where(ClueCategory.clue_id.in_(ids))
    ):
        categories[cid].append(code)
    return persons, categories


def case_extras(session, case_ids) -> dict:
    """Subjects (with persons) by case id, in one query."""
    subjects = defaultdict(list)
    ids = list(case_ids)
    if not ids:
        return subjects
    for subject, person in session.execute(
        select(CaseSubject, Person)
        .join(Person, Person.id == CaseSubject.person_id)
        .where(CaseSubject.case_id.in_(ids))
        .order_by(CaseSubject.id)
    ):
        subjects[subject.case_id].append((subject, person))
    return subjects
