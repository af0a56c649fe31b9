"""Periodic reports for a period and a unit (a subtree inside the caller's jurisdiction):
月研判 (monthly analysis), 季调度 (quarterly dispatch) and 年考核 (annual assessment).

Each report is a list of sections (``Figure``: headers, rows, totals); the page, the Excel
workbook (one sheet per section) and the printable view render the same sections. Every
number is a GROUP BY query through ``scope_to_unit``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, case, func, literal, or_, select, union_all

from whirlwind.cases.limits import Limits
from whirlwind.cases.models import Case, Clue, ClueCategory, ClueDisposal, DisposalState
from whirlwind.deadlines import policy
from whirlwind.disclosure.stats import Tally, _sums, obligations
from whirlwind.ledger.models import RectificationItem
from whirlwind.orgs.models import ORG_LEVEL_LABELS, Org, OrgLevel
from whirlwind.reports.figures import Figure, Row
from whirlwind.reports.periods import Period
from whirlwind.reports.sql import (
    CHILD_HEADINGS,
    child_column,
    days_between,
    local_date,
    org_names,
    utc_bound,
)
from whirlwind.scoping import scope_to_unit
from whirlwind.settings import as_int
from whirlwind.targets.models import TARGET_STATUS_LABELS, Campaign, RectificationTarget


def _pct(rate) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


class Change(int):
    """A difference against the previous period: a number in Excel, signed on screen."""

    signed = True

    def __str__(self) -> str:
        return f"{int(self):+d}" if self else "0"

    __repr__ = __str__


def _change(now: int, before: int) -> Change:
    return Change(now - before)


def _flag(column, period: Period):
    """1 when ``column`` (a date) lies in ``period``, else 0 (the previous period)."""
    return case((column >= period.start, 1), else_=0)


def _compare_rows(rows, labels, order=None) -> list[Row]:
    """Rows (label, this period, previous period, change) from (code, flag, count) rows."""
    counts: dict[str, list[int]] = {}
    for code, current, n in rows:
        counts.setdefault(code, [0, 0])[0 if current else 1] += n
    codes = order or sorted(counts, key=lambda c: (-counts[c][0], -counts[c][1], c))
    out = []
    for code in codes:
        now, before = counts.get(code, [0, 0])
        if order and not (now or before):
            continue
        out.append(Row([labels.get(code, code) or "（未填写）", now, before, _change(now, before)]))
    return out


def _totals(rows: list[Row]) -> list:
    now = sum(r.cells[1] for r in rows)
    before = sum(r.cells[2] for r in rows)
    return ["合计", now, before, _change(now, before)]


# --- 月研判 ---------------------------------------------------------------------------------


def measure_day(period: Period, today: dt.date | None) -> dt.date:
    """The day whose ledger a period's overdue figures show: the morning after the period
    once it is over, today while it runs (an item is overdue on that day when its deadline
    lies before it, as in the ledger's own colours)."""
    if today is None or today >= period.end:
        return period.end
    return today


def _cutoff(day: dt.date, period: Period) -> dt.datetime:
    """The moment records are counted up to for ``measure_day``: the period's end, or the
    end of today while the period runs."""
    return utc_bound(period.end if day >= period.end else day + dt.timedelta(days=1))


def monthly(
    session,
    identity,
    unit: Org,
    period: Period,
    labels: dict,
    settings,
    today: dt.date | None = None,
    limits: Limits | None = None,
) -> list[Figure]:
    """月研判 of ``period``. Overdue figures and lists are measured on ``measure_day``
    (today for the current month)."""
    prev = period.previous()
    day = measure_day(period, today)
    running = day < period.end
    first, end = prev.start, period.end
    uid = unit.id
    heads = ["项目", "本月", "上月", "增减"]

    flag = _flag(Clue.received_date, period)
    stmt = (
        select(Clue.source, flag, func.count())
        .where(Clue.received_date >= first, Clue.received_date < end)
        .group_by(Clue.source, flag)
    )
    rows = _compare_rows(
        session.execute(scope_to_unit(stmt, Clue.org_id, identity, uid)).all(),
        labels["clue_source"],
    )
    by_source = Figure(
        "clue-source", "新增问题线索（按来源）", None, ["线索来源", *heads[1:]], rows, _totals(rows)
    )

    stmt = (
        select(ClueCategory.code, flag, func.count())
        .join(Clue, Clue.id == ClueCategory.clue_id)
        .where(Clue.received_date >= first, Clue.received_date < end)
        .group_by(ClueCategory.code, flag)
    )
    rows = _compare_rows(
        session.execute(scope_to_unit(stmt, Clue.org_id, identity, uid)).all(),
        labels["problem_category"],
    )
    by_category = Figure(
        "clue-category",
        "新增问题线索（按问题类别）",
        None,
        ["问题类别", *heads[1:]],
        rows,
        note="一条线索涉及多个问题类别时分别计入。",
    )

    from whirlwind.cases.models import DISPOSAL_MODE_LABELS

    dflag = _flag(ClueDisposal.proposed_on, period)
    stmt = (
        select(ClueDisposal.mode, dflag, func.count())
        .join(Clue, Clue.id == ClueDisposal.clue_id)
        .where(
            ClueDisposal.proposed_on >= first,
            ClueDisposal.proposed_on < end,
            ClueDisposal.state != DisposalState.REJECTED,
        )
        .group_by(ClueDisposal.mode, dflag)
    )
    rows = _compare_rows(
        session.execute(scope_to_unit(stmt, Clue.org_id, identity, uid)).all(),
        {str(k): v for k, v in DISPOSAL_MODE_LABELS.items()},
        order=[str(k) for k in DISPOSAL_MODE_LABELS],
    )
    disposals = Figure(
        "disposal-mode",
        "线索处置（按处置方式）",
        None,
        ["处置方式", *heads[1:]],
        rows,
        _totals(rows),
        note="按拟办日期计，不含未获同意的拟办意见。",
    )

    opened = scope_to_unit(
        select(literal("opened").label("k"), _flag(Case.opened_on, period).label("f")).where(
            Case.opened_on >= first, Case.opened_on < end
        ),
        Case.org_id,
        identity,
        uid,
    )
    closed = scope_to_unit(
        select(literal("closed").label("k"), _flag(Case.closed_on, period).label("f")).where(
            Case.closed_on >= first, Case.closed_on < end
        ),
        Case.org_id,
        identity,
        uid,
    )
    u = union_all(opened, closed).subquery()
    rows = _compare_rows(
        session.execute(select(u.c.k, u.c.f, func.count()).group_by(u.c.k, u.c.f)).all(),
        {"opened": "立案", "closed": "结案"},
        order=["opened", "closed"],
    )
    cases = Figure("cases", "案件立案与结案", None, heads, rows)

    items = Figure(
        "items-level",
        "整改事项（按单位层级）",
        None,
        [
            "层级",
            "本月新增",
            "上月新增",
            "本月销号",
            "上月销号",
            f"截至{day:%m月%d日}逾期" if running else "本月末逾期",
            "上月末逾期",
            "逾期增减",
        ],
        item_rows_by_level(session, identity, uid, period, day),
        note=f"本月尚未结束，逾期按今天（{day:%Y-%m-%d}）计。" if running else None,
    )
    items.totals = ["合计", *(sum(r.cells[i] for r in items.rows) for i in range(1, 7))]
    items.totals.append(_change(items.totals[5], items.totals[6]))

    red, yellow = warning_lists(session, identity, uid, period, settings, day)
    late_clues, late_cases = overdue_casework(session, identity, uid, day, limits or Limits())
    repeated = repeated_problem_units(session, identity, uid, period)
    return [
        by_source,
        by_category,
        disposals,
        cases,
        items,
        red,
        yellow,
        late_clues,
        late_cases,
        repeated,
    ]


def _item_window_sums(period: Period, day: dt.date | None = None):
    """Sums (new, cleared, overdue on ``day``) of items for one period (``day`` defaults to
    the morning after it)."""
    day = day or period.end
    start, end = utc_bound(period.start), _cutoff(day, period)
    item = RectificationItem
    not_cleared_at_end = or_(item.cleared_at.is_(None), item.cleared_at >= end)
    return (
        func.sum(case((and_(item.created_at >= start, item.created_at < end), 1), else_=0)),
        func.sum(case((and_(item.cleared_at >= start, item.cleared_at < end), 1), else_=0)),
        func.sum(
            case(
                (and_(item.created_at < end, not_cleared_at_end, item.deadline < day), 1),
                else_=0,
            )
        ),
    )


def item_rows_by_level(
    session, identity, unit_id, period: Period, day: dt.date | None = None
) -> list[Row]:
    prev = period.previous()
    now, before = _item_window_sums(period, day), _item_window_sums(prev)
    stmt = (
        select(Org.level, now[0], before[0], now[1], before[1], now[2], before[2])
        .select_from(RectificationItem)
        .join(Org, Org.id == RectificationItem.org_id)
        .where(RectificationItem.created_at < utc_bound(period.end))
        .group_by(Org.level)
    )
    found = {
        r[0]: [int(v or 0) for v in r[1:]]
        for r in session.execute(scope_to_unit(stmt, RectificationItem.org_id, identity, unit_id))
    }
    rows = []
    for level in OrgLevel:
        if level in found:
            v = found[level]
            rows.append(Row([ORG_LEVEL_LABELS[level], *v, _change(v[4], v[5])]))
    return rows


def warning_lists(
    session, identity, unit_id, period: Period, settings, day: dt.date | None = None
) -> tuple[Figure, Figure]:
    """红色 (overdue) and 黄色 (due within the warning days) items open on ``day`` (the
    period's end, or today while it runs), coloured as the ledger colours them that day."""
    end = day or period.end
    running = end < period.end
    when = f"截至{end:%m月%d日}" if running else "期末"
    yellow_days = policy(settings).yellow_days_before_due
    item = RectificationItem
    cutoff = _cutoff(end, period)
    open_at_end = and_(
        item.created_at < cutoff,
        or_(item.cleared_at.is_(None), item.cleared_at >= cutoff),
    )
    figures = []
    for key, title, cond in (
        ("red", f"红色预警（{when}已逾期未销号）", item.deadline < end),
        (
            "yellow",
            f"黄色预警（{when}{yellow_days}天内到期）",
            and_(item.deadline >= end, item.deadline <= end + dt.timedelta(days=yellow_days)),
        ),
    ):
        stmt = (
            select(item.id, Org.name, item.problem, item.deadline, item.responsible_person)
            .join(Org, Org.id == item.org_id)
            .where(open_at_end, cond)
            .order_by(item.deadline, item.id)
            .limit(200)
        )
        rows = [
            Row(
                [
                    f"ZG{i:07d}",
                    name,
                    problem[:60],
                    deadline.isoformat(),
                    person,
                    (end - deadline).days if key == "red" else (deadline - end).days,
                ]
            )
            for i, name, problem, deadline, person in session.execute(
                scope_to_unit(stmt, item.org_id, identity, unit_id)
            )
        ]
        figures.append(
            Figure(
                f"{key}-list",
                title,
                None,
                [
                    "整改编号",
                    "单位",
                    "问题",
                    "整改期限",
                    "责任人",
                    "逾期天数" if key == "red" else "剩余天数",
                ],
                rows,
                note="最多列出200项。",
            )
        )
    return figures[0], figures[1]


def overdue_casework(
    session, identity, unit_id, day: dt.date, limits: Limits
) -> tuple[Figure, Figure]:
    """Clues and cases past the time limit of the step they are in on ``day``."""
    from whirlwind.cases.models import CLUE_STATUS_LABELS, CaseStage

    figures = []
    for key, title, model, state, labels in (
        ("overdue-clues", "超期未办结的问题线索", Clue, Clue.status, CLUE_STATUS_LABELS),
        (
            "overdue-cases",
            "超期案件",
            Case,
            Case.stage,
            {str(s.value): s.label for s in CaseStage},
        ),
    ):
        stmt = (
            select(model.number, Org.name, model.title, state, model.due_date)
            .join(Org, Org.id == model.org_id)
            .where(model.due_date.is_not(None), model.due_date < day)
            .order_by(model.due_date, model.id)
            .limit(200)
        )
        rows = [
            Row(
                [
                    number,
                    name,
                    title[:60],
                    labels.get(str(st), st),
                    due.isoformat(),
                    (day - due).days,
                ]
            )
            for number, name, title, st, due in session.execute(
                scope_to_unit(stmt, model.org_id, identity, unit_id)
            )
        ]
        figures.append(
            Figure(
                key,
                title,
                None,
                ["编号", "单位", "标题", "所处环节", "期限", "超期天数"],
                rows,
                note=f"按{day:%Y-%m-%d}时所处环节的办理期限计；最多列出200项。",
            )
        )
    return figures[0], figures[1]


def repeated_problem_units(session, identity, unit_id, period: Period) -> Figure:
    """Grassroots units with new problems (clues or items) in the period that also had some
    in the twelve months before it (问题反复发生)."""
    year_before = period.start.replace(year=period.start.year - 1)
    clue = select(
        Clue.org_id.label("org_id"),
        case((Clue.received_date >= period.start, 1), else_=0).label("now"),
        case((Clue.received_date < period.start, 1), else_=0).label("before"),
    ).where(Clue.received_date >= year_before, Clue.received_date < period.end)
    item = RectificationItem
    start = utc_bound(period.start)
    items = select(
        item.org_id.label("org_id"),
        case((item.created_at >= start, 1), else_=0).label("now"),
        case((item.created_at < start, 1), else_=0).label("before"),
    ).where(item.created_at >= utc_bound(year_before), item.created_at < utc_bound(period.end))
    u = union_all(
        scope_to_unit(clue, Clue.org_id, identity, unit_id),
        scope_to_unit(items, item.org_id, identity, unit_id),
    ).subquery()
    stmt = (
        select(u.c.org_id, func.sum(u.c.now), func.sum(u.c.before))
        .join(Org, Org.id == u.c.org_id)
        .where(Org.level.in_(["community", "village"]))
        .group_by(u.c.org_id)
        .having(and_(func.sum(u.c.now) > 0, func.sum(u.c.before) > 0))
        .order_by(func.sum(u.c.now).desc(), func.sum(u.c.before).desc(), u.c.org_id)
    )
    rows = session.execute(stmt).all()
    names = org_names(session, [r[0] for r in rows])
    return Figure(
        "repeated",
        "问题反复发生的村（社区）",
        None,
        ["单位", "本月新增问题", "此前12个月问题"],
        [Row([names.get(oid, ("", ""))[1], int(now), int(before)]) for oid, now, before in rows],
        note="问题包括问题线索和整改事项。",
    )


# --- 季调度 ---------------------------------------------------------------------------------


def unit_progress(session, identity, unit: Org, period: Period) -> tuple[str, list[dict]]:
    """Items, clues and cases per unit one level below ``unit`` for the period."""
    column, key = child_column(unit.level)
    item = RectificationItem
    start, end = utc_bound(period.start), utc_bound(period.end)
    cleared_by_end = and_(item.cleared_at.is_not(None), item.cleared_at < end)
    stmt = (
        select(
            column,
            func.count(),
            func.sum(case((item.created_at >= start, 1), else_=0)),
            func.sum(case((and_(item.cleared_at >= start, item.cleared_at < end), 1), else_=0)),
            func.sum(case((cleared_by_end, 1), else_=0)),
            func.sum(case((and_(~cleared_by_end, item.deadline < period.end), 1), else_=0)),
        )
        .select_from(item)
        .join(Org, Org.id == item.org_id)
        .where(item.created_at < end)
        .group_by(column)
    )
    units: dict = {}
    for r in session.execute(scope_to_unit(stmt, item.org_id, identity, unit.id)):
        units[r[0]] = {
            "total": r[1],
            "new": int(r[2] or 0),
            "cleared_now": int(r[3] or 0),
            "cleared": int(r[4] or 0),
            "overdue": int(r[5] or 0),
        }
    clues = (
        select(column.label("u"), literal("clue").label("k"))
        .select_from(Clue)
        .join(Org, Org.id == Clue.org_id)
        .where(Clue.received_date >= period.start, Clue.received_date < period.end)
    )
    opened = (
        select(column.label("u"), literal("opened").label("k"))
        .select_from(Case)
        .join(Org, Org.id == Case.org_id)
        .where(Case.opened_on >= period.start, Case.opened_on < period.end)
    )
    closed = (
        select(column.label("u"), literal("closed").label("k"))
        .select_from(Case)
        .join(Org, Org.id == Case.org_id)
        .where(Case.closed_on >= period.start, Case.closed_on < period.end)
    )
    u = union_all(
        scope_to_unit(clues, Clue.org_id, identity, unit.id),
        scope_to_unit(opened, Case.org_id, identity, unit.id),
        scope_to_unit(closed, Case.org_id, identity, unit.id),
    ).subquery()
    for uid, k, n in session.execute(select(u.c.u, u.c.k, func.count()).group_by(u.c.u, u.c.k)):
        units.setdefault(uid, {}).update({k: n})
    # Every active unit one level down is listed, also one without any record this period.
    child = Org.level.in_(["community", "village"]) if key == "unit" else Org.level == key
    for (uid,) in session.execute(
        scope_to_unit(select(Org.id).where(child, Org.active.is_(True)), Org.id, identity, unit.id)
    ):
        units.setdefault(uid, {})
    names = org_names(session, units)
    out = []
    for uid, v in units.items():
        code, name = names.get(uid, ("", "本级")) if uid is not None else ("", "本级")
        d = {
            "unit_id": uid,
            "name": name,
            "code": code,
            "total": 0,
            "new": 0,
            "cleared_now": 0,
            "cleared": 0,
            "overdue": 0,
            "clue": 0,
            "opened": 0,
            "closed": 0,
            **v,
        }
        d["open"] = d["total"] - d["cleared"]
        d["rate"] = d["cleared"] / d["total"] if d["total"] else None
        d["overdue_rate"] = d["overdue"] / d["total"] if d["total"] else None
        out.append(d)
    out.sort(key=lambda d: (d["unit_id"] is not None, d["code"]))
    return key, out


def quarterly(session, identity, unit: Org, period: Period) -> list[Figure]:
    key, units = unit_progress(session, identity, unit, period)
    heading = CHILD_HEADINGS[key]
    rows = [
        Row(
            [
                u["name"],
                u["total"],
                u["new"],
                u["cleared_now"],
                u["cleared"],
                u["open"],
                u["overdue"],
                _pct(u["rate"]),
                u["clue"],
                u["opened"],
                u["closed"],
            ]
        )
        for u in units
    ]
    total = {
        k: sum(u[k] for u in units)
        for k in (
            "total",
            "new",
            "cleared_now",
            "cleared",
            "open",
            "overdue",
            "clue",
            "opened",
            "closed",
        )
    }
    rate = total["cleared"] / total["total"] if total["total"] else None
    overdue_rate = total["overdue"] / total["total"] if total["total"] else None
    progress = Figure(
        "unit-progress",
        f"各{heading}推进情况",
        None,
        [
            heading,
            "整改事项（期末累计）",
            "本季新增",
            "本季销号",
            "累计销号",
            "期末在办",
            "期末逾期",
            "销号率",
            "本季新增线索",
            "本季立案",
            "本季结案",
        ],
        rows,
        [
            "合计",
            total["total"],
            total["new"],
            total["cleared_now"],
            total["cleared"],
            total["open"],
            total["overdue"],
            _pct(rate),
            total["clue"],
            total["opened"],
            total["closed"],
        ],
    )
    lagging = [
        u
        for u in units
        if u["total"]
        and (
            (rate is not None and u["rate"] < rate)
            or (overdue_rate is not None and u["overdue_rate"] > overdue_rate)
        )
    ]
    lagging.sort(key=lambda u: (-u["overdue"], u["rate"] or 0, u["code"]))
    lag = Figure(
        "lagging",
        "落后单位",
        None,
        [
            heading,
            "销号率",
            f"平均 {_pct(rate)}",
            "期末逾期",
            "逾期率",
            f"平均 {_pct(overdue_rate)}",
        ],
        [
            Row(
                [
                    u["name"],
                    _pct(u["rate"]),
                    "低于平均" if rate is not None and u["rate"] < rate else "",
                    u["overdue"],
                    _pct(u["overdue_rate"]),
                    "高于平均"
                    if overdue_rate is not None and u["overdue_rate"] > overdue_rate
                    else "",
                ]
            )
            for u in lagging
        ],
        note="销号率低于平均或逾期率高于平均的单位，按期末逾期数排列。",
    )
    return [progress, campaign_progress(session, identity, unit, period), lag]


def campaign_progress(session, identity, unit: Org, period: Period) -> Figure:
    """Targets of each campaign by status, and their items cleared, at the period's end."""
    from whirlwind.targets.services import campaigns_stmt

    campaigns = list(
        session.scalars(
            campaigns_stmt(identity)
            .where(Campaign.year <= period.end.year, Campaign.year >= period.start.year - 1)
            .order_by(Campaign.year.desc(), Campaign.id)
        )
    )
    ids = [c.id for c in campaigns]
    stmt = (
        select(RectificationTarget.campaign_id, RectificationTarget.status, func.count())
        .where(RectificationTarget.campaign_id.in_(ids))
        .group_by(RectificationTarget.campaign_id, RectificationTarget.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for cid, status, n in session.execute(
        scope_to_unit(stmt, RectificationTarget.org_id, identity, unit.id)
    ):
        counts.setdefault(cid, {})[status] = n
    item = RectificationItem
    end = utc_bound(period.end)
    stmt = (
        select(
            RectificationTarget.campaign_id,
            func.count(item.id),
            func.sum(case((and_(item.cleared_at.is_not(None), item.cleared_at < end), 1), else_=0)),
        )
        .join(
            RectificationTarget,
            and_(item.source_type == "target", item.source_id == RectificationTarget.id),
        )
        .where(RectificationTarget.campaign_id.in_(ids), item.created_at < end)
        .group_by(RectificationTarget.campaign_id)
    )
    items = {
        cid: (n, int(c or 0))
        for cid, n, c in session.execute(scope_to_unit(stmt, item.org_id, identity, unit.id))
    }
    shown = ["identified", "rectifying", "acceptance_requested", "accepted", "rerectify", "cleared"]
    rows = []
    for c in campaigns:
        per = counts.get(c.id, {})
        total = sum(n for s, n in per.items() if s != "removed")
        n_items, n_cleared = items.get(c.id, (0, 0))
        rows.append(
            Row(
                [
                    c.title,
                    total,
                    *(per.get(s, 0) for s in shown),
                    n_items,
                    n_cleared,
                    _pct(n_cleared / n_items if n_items else None),
                ]
            )
        )
    return Figure(
        "campaigns",
        "各整顿批次推进情况",
        None,
        [
            "整顿批次",
            "整顿对象",
            *(TARGET_STATUS_LABELS[s] for s in shown),
            "整改事项",
            "已销号事项",
            "事项销号率",
        ],
        rows,
        note="整顿对象状态为当前状态；事项销号按期末计。",
    )


# --- 年考核 ---------------------------------------------------------------------------------

WEIGHT_PREFIX = "whirlwind.report.weight."
NO_DATA = "无数据"
DEFAULT_WEIGHTS = {"clearing": 30, "overdue": 30, "disclosure": 20, "case_timeliness": 20}
METRIC_LABELS = {
    "clearing": "销号率",
    "overdue": "逾期率",
    "disclosure": "三务按时公开率",
    "case_timeliness": "案件按期办结率",
}


def weights(settings) -> dict[str, int]:
    return {k: as_int(settings, WEIGHT_PREFIX + k, v) for k, v in DEFAULT_WEIGHTS.items()}


def score(metrics: dict, w: dict) -> float | None:
    """Weighted score out of 100; the overdue rate counts inverted (1 − rate). Metrics
    without data (None) are left out and the remaining weights rescaled."""
    parts = {
        "clearing": metrics["clearing"],
        "overdue": None if metrics["overdue"] is None else 1 - metrics["overdue"],
        "disclosure": metrics["disclosure"],
        "case_timeliness": metrics["case_timeliness"],
    }
    used = {k: v for k, v in parts.items() if v is not None and w.get(k, 0) > 0}
    total_w = sum(w[k] for k in used)
    if not total_w:
        return None
    return round(sum(w[k] * v for k, v in used.items()) * 100 / total_w, 1)


def annual_metrics(
    session, identity, unit: Org, period: Period, level: str, today: dt.date, limits: Limits
) -> dict:
    """The four metrics per district or street (``level``) inside ``unit`` for the year."""
    column = {"district": Org.district_id, "street": Org.street_id}[level]
    until = min(period.end, today + dt.timedelta(days=1))  # exclusive; the year so far
    item = RectificationItem
    due = and_(item.deadline >= period.start, item.deadline < until)
    cleared = and_(item.cleared_at.is_not(None), item.cleared_at < utc_bound(until))
    late = or_(item.cleared_at.is_(None), local_date(session, item.cleared_at) > item.deadline)
    stmt = (
        select(
            column,
            func.count(),
            func.sum(case((cleared, 1), else_=0)),
            func.sum(case((late, 1), else_=0)),
        )
        .select_from(item)
        .join(Org, Org.id == item.org_id)
        .where(due, column.is_not(None))
        .group_by(column)
    )
    out: dict[int, dict] = {}

    def entry(uid):
        return out.setdefault(
            uid,
            {
                "due": 0,
                "cleared": 0,
                "late": 0,
                "disclosure": None,
                "tally": Tally(),
                "reviewed": 0,
                "timely": 0,
            },
        )

    for uid, n, c, lt in session.execute(scope_to_unit(stmt, item.org_id, identity, unit.id)):
        e = entry(uid)
        e.update(due=n, cleared=int(c or 0), late=int(lt or 0))
    ob = obligations(session, identity, unit.id, period.start, until - dt.timedelta(days=1), today)
    ob_col = ob.c.district_id if level == "district" else ob.c.street_id
    for row in session.execute(
        select(ob_col.label("u"), *_sums(ob)).where(ob_col.is_not(None)).group_by(ob_col)
    ):
        entry(row.u)["tally"] = Tally.of(row)
    limit = limits.investigation_days + Case.extension_days
    timely = days_between(session, Case.opened_on, Case.review_on) <= limit
    stmt = (
        select(column, func.count(), func.sum(case((timely, 1), else_=0)))
        .select_from(Case)
        .join(Org, Org.id == Case.org_id)
        .where(Case.review_on >= period.start, Case.review_on < until, column.is_not(None))
        .group_by(column)
    )
    for uid, n, t in session.execute(scope_to_unit(stmt, Case.org_id, identity, unit.id)):
        entry(uid).update(reviewed=n, timely=int(t or 0))
    for e in out.values():
        e["metrics"] = {
            "clearing": e["cleared"] / e["due"] if e["due"] else None,
            "overdue": e["late"] / e["due"] if e["due"] else None,
            "disclosure": e["tally"].rate,
            "case_timeliness": e["timely"] / e["reviewed"] if e["reviewed"] else None,
        }
    return out


def annual(session, identity, unit: Org, period: Period, today: dt.date, settings) -> list[Figure]:
    w = weights(settings)
    limits = Limits.from_settings(settings)
    figures = []
    levels = [
        lv
        for lv in ("district", "street")
        if OrgLevel(unit.level).rank < OrgLevel(lv).rank or unit.level == lv
    ]
    for level in levels:
        units = list(
            session.execute(
                scope_to_unit(
                    select(Org.id, Org.name, Org.code).where(
                        Org.level == level, Org.active.is_(True)
                    ),
                    Org.id,
                    identity,
                    unit.id,
                ).order_by(Org.code)
            )
        )
        metrics = annual_metrics(session, identity, unit, period, level, today, limits)
        scored = []
        for oid, name, code in units:
            e = metrics.get(oid) or {
                "due": 0,
                "cleared": 0,
                "late": 0,
                "tally": Tally(),
                "reviewed": 0,
                "timely": 0,
                "metrics": dict.fromkeys(DEFAULT_WEIGHTS),
            }
            # A unit without rectification items due in the year has nothing to be
            # assessed on: it is "无数据", never ranked above units that have work.
            sc = score(e["metrics"], w) if e["due"] else None
            scored.append((sc, code, name, e))
        scored.sort(key=lambda s: (s[0] is None, -(s[0] or 0), s[1]))
        rows = []
        rank = 0
        for sc, _code, name, e in scored:
            m = e["metrics"]
            rank += sc is not None
            rows.append(
                Row(
                    [
                        rank if sc is not None else NO_DATA,
                        name,
                        NO_DATA if sc is None else sc,
                        e["due"],
                        e["cleared"],
                        _pct(m["clearing"]),
                        e["late"],
                        _pct(m["overdue"]),
                        _pct(m["disclosure"]),
                        e["reviewed"],
                        e["timely"],
                        _pct(m["case_timeliness"]),
                    ]
                )
            )
        figures.append(
            Figure(
                f"score-{level}",
                f"{'各区' if level == 'district' else '各街道（乡镇）'}考核得分排名",
                None,
                [
                    "名次",
                    "单位",
                    "得分",
                    "应完成事项",
                    "已销号",
                    "销号率",
                    "逾期事项",
                    "逾期率",
                    "三务按时公开率",
                    "审查调查办结案件",
                    "按期办结",
                    "按期办结率",
                ],
                rows,
                note="得分 = "
                + " + ".join(
                    f"{METRIC_LABELS[k]}{'（取 1−逾期率）' if k == 'overdue' else ''}×{v}"
                    for k, v in w.items()
                )
                + "，按权重折算为百分制；无数据的指标不计入，其余权重按比例放大。"
                + "当年没有应完成整改事项的单位不参与排名，显示“无数据”。",
            )
        )
    return figures
