"""The dashboard (统计报表首页) of a user's jurisdiction: one GROUP BY query per figure,
every query through ``whirlwind.scoping.scope``."""

from __future__ import annotations

import datetime as dt
import decimal

from sqlalchemy import and_, case, func, literal, select, union_all

from whirlwind.audits.models import Finding
from whirlwind.cases.models import Case, CaseClue, CaseSubject, Clue, ClueCategory
from whirlwind.disclosure.stats import Tally, _rate_expr, _sums, obligations
from whirlwind.ledger.models import ItemStatus, RectificationItem
from whirlwind.orgs.models import Org
from whirlwind.reports.periods import Period
from whirlwind.reports.sql import child_column, org_names, year_month
from whirlwind.scoping import scope
from whirlwind.targets.models import Campaign, RectificationTarget

ZERO = decimal.Decimal("0")


def _units(session, rows, key):
    """Attach names to grouped rows ``(unit_id, ...)``; rows without a unit are 本级."""
    names = org_names(session, [r[0] for r in rows])
    out = []
    for r in rows:
        code, name = names.get(r[0], ("", "本级")) if r[0] is not None else ("", "本级")
        out.append((r[0], name, code, r[1:]))
    out.sort(key=lambda u: (u[0] is not None, u[2]))
    return out


# --- Rectification items ---------------------------------------------------------------------


def items_by_unit(session, identity, today: dt.date) -> tuple[str, list[dict]]:
    """Open (not overdue) / overdue / cleared items per unit one level down."""
    column, key = child_column(identity.level)
    is_open = RectificationItem.status != ItemStatus.CLEARED
    stmt = (
        select(
            column,
            func.sum(case((and_(is_open, RectificationItem.deadline >= today), 1), else_=0)),
            func.sum(case((and_(is_open, RectificationItem.deadline < today), 1), else_=0)),
            func.sum(case((~is_open, 1), else_=0)),
        )
        .select_from(RectificationItem)
        .join(Org, Org.id == RectificationItem.org_id)
        .group_by(column)
    )
    rows = session.execute(scope(stmt, RectificationItem.org_id, identity)).all()
    return key, [
        {
            "unit_id": uid,
            "name": name,
            "open": int(v[0] or 0),
            "overdue": int(v[1] or 0),
            "cleared": int(v[2] or 0),
        }
        for uid, name, _code, v in _units(session, rows, key)
    ]


# The stages of an item on its way up the sign-off levels, with the ledger filter of each.
STAGES = [
    ("pending", "待整改", {"status": "pending"}),
    ("in_progress", "整改中", {"status": "in_progress"}),
    ("returned", "已退回", {"status": "returned"}),
    ("street", "待街道审核", {"awaiting": "street"}),
    ("district", "待区级审核", {"awaiting": "district"}),
    ("city", "待市级审核", {"awaiting": "city"}),
    ("cleared", "已销号", {"state": "cleared"}),
]


def _stage(status: str, level: str) -> str:
    """The sign-off level an item waits for (the rule of ``ledger.queries.awaiting_clause``)."""
    if status == ItemStatus.SUBMITTED:
        return "street" if level not in ("district", "city") else level
    if status == ItemStatus.STREET_APPROVED:
        return "district"
    if status == ItemStatus.DISTRICT_APPROVED:
        return "city"
    return status


def items_by_stage(session, identity, today: dt.date) -> list[dict]:
    """Items per sign-off stage (待街道/区级/市级审核 …), overdue or not."""
    overdue = and_(
        RectificationItem.status != ItemStatus.CLEARED, RectificationItem.deadline < today
    )
    od = case((overdue, 1), else_=0)
    stmt = (
        select(RectificationItem.status, Org.level, od, func.count())
        .select_from(RectificationItem)
        .join(Org, Org.id == RectificationItem.org_id)
        .group_by(RectificationItem.status, Org.level, od)
    )
    counts = {code: [0, 0] for code, _, _ in STAGES}
    for status, level, is_overdue, n in session.execute(
        scope(stmt, RectificationItem.org_id, identity)
    ):
        counts[_stage(status, level)][int(is_overdue or 0)] += n
    return [
        {
            "code": code,
            "label": label,
            "query": query,
            "ok": counts[code][0],
            "overdue": counts[code][1],
        }
        for code, label, query in STAGES
    ]


# --- Clues and cases ---------------------------------------------------------------------------


def clues_cases_per_month(session, identity, months: list[Period]) -> list[dict]:
    """New clues (by received date) and cases (by 立案 date) per month, one UNION query."""
    first, end = months[0].start, months[-1].end
    cy, cm = year_month(Clue.received_date)
    ky, km = year_month(Case.opened_on)
    clues = scope(
        select(literal("clue").label("kind"), cy.label("y"), cm.label("m")).where(
            Clue.received_date >= first, Clue.received_date < end
        ),
        Clue.org_id,
        identity,
    )
    cases = scope(
        select(literal("case").label("kind"), ky.label("y"), km.label("m")).where(
            Case.opened_on >= first, Case.opened_on < end
        ),
        Case.org_id,
        identity,
    )
    u = union_all(clues, cases).subquery()
    counts = {}
    for kind, y, m, n in session.execute(
        select(u.c.kind, u.c.y, u.c.m, func.count()).group_by(u.c.kind, u.c.y, u.c.m)
    ):
        counts[(kind, int(y), int(m))] = n
    return [
        {
            "period": p,
            "clues": counts.get(("clue", p.year, p.number), 0),
            "cases": counts.get(("case", p.year, p.number), 0),
        }
        for p in months
    ]


def cases_by_category(session, identity, first: dt.date, end: dt.date) -> list[tuple[str, int]]:
    """Cases opened in [first, end) per problem category of their clues (a case with two
    categories counts under each)."""
    stmt = (
        select(ClueCategory.code, func.count(func.distinct(Case.id)))
        .select_from(Case)
        .join(CaseClue, CaseClue.case_id == Case.id)
        .join(ClueCategory, ClueCategory.clue_id == CaseClue.clue_id)
        .where(Case.opened_on >= first, Case.opened_on < end)
        .group_by(ClueCategory.code)
    )
    rows = session.execute(scope(stmt, Case.org_id, identity)).all()
    return sorted(((c, n) for c, n in rows), key=lambda r: (-r[1], r[0]))


def subjects_by_sanction(session, identity, first: dt.date, end: dt.date) -> dict[str, list]:
    """Persons sanctioned in cases opened in [first, end): party and state sanctions
    (党纪处分 / 政务处分), one query."""
    party = select(literal("party").label("kind"), CaseSubject.party_sanction.label("code")).where(
        CaseSubject.party_sanction != ""
    )
    state = select(literal("state").label("kind"), CaseSubject.state_sanction.label("code")).where(
        CaseSubject.state_sanction != ""
    )
    parts = []
    for part in (party, state):
        part = part.join(Case, Case.id == CaseSubject.case_id).where(
            Case.opened_on >= first, Case.opened_on < end
        )
        parts.append(scope(part, Case.org_id, identity))
    u = union_all(*parts).subquery()
    out: dict[str, list] = {"party": [], "state": []}
    for kind, code, n in session.execute(
        select(u.c.kind, u.c.code, func.count()).group_by(u.c.kind, u.c.code)
    ):
        out[kind].append((code, n))
    for v in out.values():
        v.sort(key=lambda r: (-r[1], r[0]))
    return out


def finding_amounts(session, identity) -> tuple[str, list[dict]]:
    """Amounts involved and recovered of audit findings per unit one level down (累计)."""
    column, key = child_column(identity.level)
    stmt = (
        select(
            column,
            func.count(Finding.id),
            func.coalesce(func.sum(Finding.amount_involved), 0),
            func.coalesce(func.sum(Finding.amount_recovered), 0),
        )
        .select_from(Finding)
        .join(Org, Org.id == Finding.org_id)
        .group_by(column)
    )
    rows = session.execute(scope(stmt, Finding.org_id, identity)).all()
    return key, [
        {
            "unit_id": uid,
            "name": name,
            "count": v[0],
            "involved": decimal.Decimal(v[1]),
            "recovered": decimal.Decimal(v[2]),
        }
        for uid, name, _code, v in _units(session, rows, key)
    ]


def case_amounts(session, identity) -> tuple[str, list[dict]]:
    """Amounts involved and losses recovered (挽回损失) of case subjects per unit (累计)."""
    column, key = child_column(identity.level)
    stmt = (
        select(
            column,
            func.count(func.distinct(Case.id)),
            func.coalesce(func.sum(CaseSubject.amount_involved), 0),
            func.coalesce(func.sum(CaseSubject.recovered), 0),
        )
        .select_from(CaseSubject)
        .join(Case, Case.id == CaseSubject.case_id)
        .join(Org, Org.id == Case.org_id)
        .group_by(column)
    )
    rows = session.execute(scope(stmt, Case.org_id, identity)).all()
    return key, [
        {
            "unit_id": uid,
            "name": name,
            "count": v[0],
            "involved": decimal.Decimal(v[1]),
            "recovered": decimal.Decimal(v[2]),
        }
        for uid, name, _code, v in _units(session, rows, key)
    ]


# --- Disclosure ------------------------------------------------------------------------------


def disclosure_per_month(session, identity, months: list[Period], today: dt.date):
    """按时公开率 per due month over ``months`` (``disclosure.stats.obligations``)."""
    ob = obligations(session, identity, None, months[0].start, months[-1].last_day, today)
    tallies = {p.key: Tally() for p in months}
    for row in session.execute(select(ob.c.due_month, *_sums(ob)).group_by(ob.c.due_month)):
        if row.due_month in tallies:
            tallies[row.due_month] = Tally.of(row)
    return [(p, tallies[p.key]) for p in months]


def disclosure_worst(session, identity, first: dt.date, last: dt.date, today: dt.date, limit=10):
    """Grassroots units with the lowest on-time rate over [first, last], worst first."""
    ob = obligations(session, identity, None, first, last, today)
    rate = _rate_expr(ob)
    stmt = (
        select(ob.c.org_id, *_sums(ob))
        .group_by(ob.c.org_id)
        .having(rate.is_not(None))
        .order_by(rate.asc(), func.sum(ob.c.missing).desc(), ob.c.org_id)
        .limit(limit)
    )
    rows = session.execute(stmt).all()
    names = org_names(session, [r.org_id for r in rows])
    return [(r.org_id, names.get(r.org_id, ("", ""))[1], Tally.of(r)) for r in rows]


# --- Targets of the current campaign -------------------------------------------------------


def current_campaign(session, identity) -> Campaign | None:
    from whirlwind.targets.services import campaigns_stmt

    return session.scalar(
        campaigns_stmt(identity).order_by(Campaign.year.desc(), Campaign.id.desc()).limit(1)
    )


def targets_by_status(session, identity, campaign: Campaign) -> list[tuple[str, int]]:
    stmt = (
        select(RectificationTarget.status, func.count())
        .where(RectificationTarget.campaign_id == campaign.id)
        .group_by(RectificationTarget.status)
    )
    return list(session.execute(scope(stmt, RectificationTarget.org_id, identity)).all())
