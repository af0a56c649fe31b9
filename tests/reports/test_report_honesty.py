"""Reports measured honestly (issue 23, point 3), each against figures counted by hand for
a chosen "today": the running month's overdue figures as of today with the overdue clues
and cases listed, 年考核 without data is 无数据 (not first), 季调度 lists every district."""

from __future__ import annotations

import datetime as dt

from tests.reports import builders as b
from tests.reports.test_periodic import LABELS, SETTINGS, ident, rows_of, section
from whirlwind.cases.limits import Limits
from whirlwind.reports import periodic
from whirlwind.reports.periods import Period

TODAY = dt.date(2026, 12, 3)
DEC = Period("month", 2026, 12)


def test_running_month_measures_overdue_today(dbsession, tree, users):
    d = dt.date
    # 40 days overdue on Dec 3 (month-end measuring said 69).
    late = b.item(dbsession, tree["V1"], created=b.at(d(2026, 10, 1)), deadline=d(2026, 10, 24))
    # Due Dec 13: neither red nor yellow on Dec 3 (month-end measuring called it red).
    b.item(dbsession, tree["V2"], created=b.at(d(2026, 11, 20)), deadline=d(2026, 12, 13))
    # Due Dec 5: yellow (2 days left, the warning starts 3 days before).
    soon = b.item(dbsession, tree["V1"], created=b.at(d(2026, 11, 1)), deadline=d(2026, 12, 5))
    # Due Nov 30, cleared Dec 2: overdue at the end of November only.
    b.item(
        dbsession,
        tree["V2"],
        created=b.at(d(2026, 11, 1)),
        deadline=d(2026, 11, 30),
        cleared=b.at(d(2026, 12, 2)),
    )
    # A clue 3 days past its disposal limit, one still in time; a case 30 days past its stage.
    clue = b.clue(dbsession, tree["V1"], d(2026, 10, 31))
    clue.due_date = d(2026, 11, 30)
    b.clue(dbsession, tree["V2"], d(2026, 11, 10)).due_date = d(2026, 12, 10)
    case = b.case(dbsession, tree["V2"], d(2026, 8, 5))
    case.due_date = d(2026, 11, 3)
    dbsession.flush()

    figs = periodic.monthly(
        dbsession,
        ident(users["district_leader"]),
        tree["D1"],
        DEC,
        LABELS,
        SETTINGS,
        today=TODAY,
        limits=Limits(),
    )
    levels = section(figs, "items-level")
    assert levels.headers[5] == "截至12月03日逾期"
    # 村: new in Dec 0 / Nov 3; cleared Dec 1 / Nov 0; overdue today 1 (the Oct 24 item),
    # at the end of November 2 (Oct 24 and Nov 30); change −1.
    assert rows_of(levels)["村"] == [0, 3, 1, 0, 1, 2, -1]
    red = section(figs, "red-list")
    assert [(r.cells[0], r.cells[-1]) for r in red.rows] == [(late.number, 40)]
    assert "截至12月03日" in red.title
    yellow = section(figs, "yellow-list")
    assert [(r.cells[0], r.cells[-1]) for r in yellow.rows] == [(soon.number, 2)]
    clues = section(figs, "overdue-clues")
    assert [(r.cells[0], r.cells[1], r.cells[-1]) for r in clues.rows] == [
        (clue.number, "大潭村", 3)
    ]
    cases = section(figs, "overdue-cases")
    assert [(r.cells[0], r.cells[-1]) for r in cases.rows] == [(case.number, 30)]

    # November, over: measured on the morning of Dec 1 (Oct 24 → 38 days, Nov 30 → 1 day).
    nov = periodic.monthly(
        dbsession,
        ident(users["district_leader"]),
        tree["D1"],
        DEC.previous(),
        LABELS,
        SETTINGS,
        today=TODAY,
    )
    assert [r.cells[-1] for r in section(nov, "red-list").rows] == [38, 1]
    assert section(nov, "items-level").headers[5] == "本月末逾期"


def test_annual_unit_without_items_is_no_data_not_first(dbsession, tree, users):
    d = dt.date
    # 黄陂区: one item due Mar 1, cleared late on Mar 5: clearing 1/1, overdue 1/1 →
    # (30×1 + 30×0) / 60 = 50.0 (disclosure weighted 0, no cases reviewed).
    b.item(
        dbsession,
        tree["V1"],
        created=b.at(d(2026, 1, 5)),
        deadline=d(2026, 3, 1),
        cleared=b.at(d(2026, 3, 5)),
    )
    # 江岸区: no item at all, but a case finished in time (100% on that metric alone).
    b.case(dbsession, tree["K1"], d(2026, 1, 1), review=d(2026, 3, 1))
    figs = periodic.annual(
        dbsession,
        ident(users["city_leader"]),
        tree["C"],
        Period("year", 2026, 1),
        TODAY,
        {"whirlwind.report.weight.disclosure": "0"},
    )
    districts = [r.cells[:4] for r in section(figs, "score-district").rows]
    assert districts == [[1, "黄陂区", 50.0, 1], ["无数据", "江岸区", "无数据", 0]]
    streets = {r.cells[1]: r.cells[0] for r in section(figs, "score-street").rows}
    assert streets == {"祁家湾街道": 1, "蔡店街道": "无数据", "大智街道": "无数据"}


def test_quarterly_lists_every_district(dbsession, tree, users):
    b.item(
        dbsession,
        tree["V1"],
        created=b.at(dt.date(2026, 10, 9)),
        deadline=dt.date(2026, 11, 1),
    )
    figs = periodic.quarterly(
        dbsession, ident(users["city_leader"]), tree["C"], Period("quarter", 2026, 4)
    )
    rows = rows_of(section(figs, "unit-progress"))
    # 黄陂区: 1 item, new this quarter, open, overdue at the quarter's end; 江岸区: nothing,
    # but listed.
    assert rows == {
        "黄陂区": [1, 1, 0, 0, 1, 1, "0.0%", 0, 0, 0],
        "江岸区": [0, 0, 0, 0, 0, 0, "—", 0, 0, 0],
    }
