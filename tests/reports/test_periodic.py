"""月研判, 季调度, 年考核: figures against hand-counted data at month, quarter and year
boundaries, jurisdiction, Excel workbooks and printable views."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from tests.reports import builders as b
from whirlwind.reports import periodic
from whirlwind.reports.periods import Period
from whirlwind.security import Identity

JAN, FEB = Period("month", 2026, 1), Period("month", 2026, 2)
LABELS = {"clue_source": {"petition": "信访举报", "audit": "审计移送"}, "problem_category": {}}
SETTINGS = {"whirlwind.warning.yellow_days_before_due": "3"}


def ident(user):
    return Identity(user, user.permissions)


def rows_of(fig):
    return {r.cells[0]: r.cells[1:] for r in fig.rows}


def section(figures, key):
    return next(f for f in figures if f.key == key)


@pytest.fixture
def month_data(dbsession, tree):
    b.clue(dbsession, tree["V1"], dt.date(2026, 1, 31))  # last day of January
    b.clue(dbsession, tree["V1"], dt.date(2026, 2, 1), source="audit")
    b.clue(dbsession, tree["V2"], dt.date(2026, 2, 28))
    b.clue(dbsession, tree["K1"], dt.date(2026, 2, 10))  # 江岸区: never in 黄陂区's numbers
    b.case(dbsession, tree["V1"], dt.date(2025, 11, 3), closed=dt.date(2026, 1, 1))
    b.case(dbsession, tree["V2"], dt.date(2026, 2, 2))
    # Items: created in January (Beijing time, 23:30 on Jan 31 is still January).
    b.item(
        dbsession, tree["V1"], created=b.at(dt.date(2026, 1, 31), 23), deadline=dt.date(2026, 2, 15)
    )
    b.item(
        dbsession,
        tree["V2"],
        created=b.at(dt.date(2026, 1, 5)),
        deadline=dt.date(2026, 1, 20),
        cleared=b.at(dt.date(2026, 2, 3)),
    )
    b.item(
        dbsession, tree["S1"], created=b.at(dt.date(2026, 2, 1), 0), deadline=dt.date(2026, 3, 2)
    )
    b.item(dbsession, tree["K1"], created=b.at(dt.date(2026, 2, 1)), deadline=dt.date(2026, 2, 2))


def test_monthly_counts_and_changes(dbsession, tree, users, month_data):
    leader = ident(users["district_leader"])
    figs = periodic.monthly(dbsession, leader, tree["D1"], FEB, LABELS, SETTINGS)
    src = rows_of(section(figs, "clue-source"))
    assert src == {"信访举报": [1, 1, 0], "审计移送": [1, 0, 1]}
    assert section(figs, "clue-source").totals == ["合计", 2, 1, 1]
    cases = rows_of(section(figs, "cases"))
    assert cases == {"立案": [1, 0, 1], "结案": [0, 1, -1]}  # closed Jan 1 counts in Jan
    items = rows_of(section(figs, "items-level"))
    # 村: Feb new 0 / Jan new 2; Feb cleared 1 / Jan 0; overdue at end Feb 1 (deadline 2-15),
    # at end Jan 1 (deadline 1-20, cleared only on Feb 3).
    assert items["村"] == [0, 2, 1, 0, 1, 1, 0]
    assert items["街道/乡镇"] == [1, 0, 0, 0, 0, 0, 0]
    red = section(figs, "red-list")
    assert [r.cells[1] for r in red.rows] == ["大潭村"]
    yellow = section(figs, "yellow-list")
    assert [r.cells[1] for r in yellow.rows] == ["祁家湾街道"]  # due 3-2, within 3 days of 3-1
    jan = periodic.monthly(dbsession, leader, tree["D1"], JAN, LABELS, SETTINGS)
    assert rows_of(section(jan, "clue-source")) == {"信访举报": [1, 0, 1]}


def test_monthly_repeated_problem_units(dbsession, tree, users, month_data):
    b.clue(dbsession, tree["V2"], dt.date(2025, 6, 1))
    figs = periodic.monthly(
        dbsession, ident(users["district_leader"]), tree["D1"], FEB, LABELS, SETTINGS
    )
    assert rows_of(section(figs, "repeated")) == {"大潭村": [1, 2], "星光村": [1, 2]}


def test_quarterly_progress_and_lagging(dbsession, tree, users, month_data):
    q1 = Period("quarter", 2026, 1)
    figs = periodic.quarterly(dbsession, ident(users["district_leader"]), tree["D1"], q1)
    progress = rows_of(section(figs, "unit-progress"))
    # 祁家湾街道: items 3 (V1, V2, S1), 3 new in Q1, 1 cleared; V1 overdue at quarter end
    # (deadline 2-15), S1's deadline 3-2 too; clues 3, cases opened 1, closed 1.
    assert progress == {
        "祁家湾街道": [3, 3, 1, 1, 2, 2, "33.3%", 3, 1, 1],
        # A street without any record is listed too (with nothing to report).
        "蔡店街道": [0, 0, 0, 0, 0, 0, "—", 0, 0, 0],
    }
    assert "江岸区" not in str(figs[0].rows)
    city = periodic.quarterly(dbsession, ident(users["city_leader"]), tree["C"], q1)
    rows = rows_of(section(city, "unit-progress"))
    assert rows["江岸区"][:7] == [1, 1, 0, 0, 1, 1, "0.0%"]
    lag = rows_of(section(city, "lagging"))
    assert list(lag) == ["江岸区"]  # 0% cleared, below the 25% average


def test_quarter_and_year_boundaries_of_closed_case(dbsession, tree, users):
    b.case(dbsession, tree["V1"], dt.date(2025, 12, 1), closed=dt.date(2026, 1, 1))
    leader = ident(users["district_leader"])
    q4 = periodic.quarterly(dbsession, leader, tree["D1"], Period("quarter", 2025, 4))
    q1 = periodic.quarterly(dbsession, leader, tree["D1"], Period("quarter", 2026, 1))
    assert rows_of(section(q4, "unit-progress"))["祁家湾街道"][-2:] == [1, 0]
    assert rows_of(section(q1, "unit-progress"))["祁家湾街道"][-2:] == [0, 1]


def test_annual_scores_with_weights(dbsession, tree, users):
    y = Period("year", 2025, 1)
    # 祁家湾街道: 2 items due in 2025, one cleared on time, one cleared late.
    b.item(
        dbsession,
        tree["V1"],
        created=b.at(dt.date(2025, 1, 5)),
        deadline=dt.date(2025, 3, 1),
        cleared=b.at(dt.date(2025, 2, 1)),
    )
    b.item(
        dbsession,
        tree["V2"],
        created=b.at(dt.date(2025, 1, 5)),
        deadline=dt.date(2025, 3, 1),
        cleared=b.at(dt.date(2025, 3, 2)),
    )
    # Due on Dec 31 and cleared on Jan 1: not cleared in 2025, late.
    b.item(
        dbsession,
        tree["V3"],
        created=b.at(dt.date(2025, 6, 1)),
        deadline=dt.date(2025, 12, 31),
        cleared=b.at(dt.date(2026, 1, 1)),
    )
    b.item(dbsession, tree["V3"], created=b.at(dt.date(2025, 6, 1)), deadline=dt.date(2026, 1, 1))
    # Cases: one investigation finished in 90 days, one in 100 days without extension.
    b.case(dbsession, tree["V1"], dt.date(2025, 1, 1), review=dt.date(2025, 4, 1))
    b.case(dbsession, tree["V1"], dt.date(2025, 1, 1), review=dt.date(2025, 4, 11))
    b.case(
        dbsession, tree["V3"], dt.date(2025, 1, 1), review=dt.date(2025, 4, 11), extension_days=30
    )
    settings = {"whirlwind.report.weight.disclosure": "0"}
    figs = periodic.annual(
        dbsession, ident(users["district_leader"]), tree["D1"], y, dt.date(2026, 6, 1), settings
    )
    assert [f.key for f in figs] == ["score-district", "score-street"]
    streets = {r.cells[1]: r.cells for r in figs[1].rows}
    # 祁家湾: clearing 2/2=1, overdue 1/2 → 0.5, cases 1/2 → (30*1 + 30*0.5 + 20*0.5)/80 = 68.75
    assert streets["祁家湾街道"][2:] == [68.8, 2, 2, "100.0%", 1, "50.0%", "—", 2, 1, "50.0%"]
    # 蔡店: clearing 0/1, overdue 1/1, cases 1/1 → (0 + 0 + 20)/80 = 25
    assert streets["蔡店街道"][2] == 25.0
    assert [r.cells[0] for r in figs[1].rows] == [1, 2]
    district = figs[0].rows[0].cells
    assert district[1] == "黄陂区" and district[3] == 3  # 3 items due in 2025


def test_weights_default_and_override():
    assert periodic.weights({}) == {
        "clearing": 30,
        "overdue": 30,
        "disclosure": 20,
        "case_timeliness": 20,
    }
    assert (
        periodic.score(
            {"clearing": 1, "overdue": 0, "disclosure": None, "case_timeliness": None},
            periodic.weights({}),
        )
        == 100.0
    )
    assert periodic.score(dict.fromkeys(periodic.DEFAULT_WEIGHTS), periodic.weights({})) is None


def test_report_pages_excel_and_print(dbsession, tree, users, as_user, month_data):
    app = as_user("district_leader")
    res = app.get(f"/reports/monthly?unit={tree['D1'].id}&period=2026-02")
    assert res.status_int == 200 and "2026年2月" in res.text and "信访举报" in res.text
    assert '<td class="ww-num">+1</td>' in res.text
    res = app.get(f"/reports/monthly.xlsx?unit={tree['D1'].id}&period=2026-02")
    wb = openpyxl.load_workbook(io.BytesIO(res.body))
    assert wb.sheetnames[:3] == ["报告信息", "新增问题线索（按来源）", "新增问题线索（按问题类别）"]
    ws = wb["新增问题线索（按来源）"]
    last = [c.value for c in ws[ws.max_row]]
    assert last == ["合计", 2, 1, 1]
    res = app.get(f"/reports/quarterly.xlsx?unit={tree['S1'].id}&period=2026-Q1")
    wb = openpyxl.load_workbook(io.BytesIO(res.body))
    assert {"各社区、村推进情况", "各整顿批次推进情况", "落后单位"} <= set(wb.sheetnames)
    res = app.get("/reports/annual.xlsx?period=2025")
    wb = openpyxl.load_workbook(io.BytesIO(res.body))
    assert {"各区考核得分排名", "各街道（乡镇）考核得分排名"} <= set(wb.sheetnames)
    res = app.get(f"/reports/quarterly?unit={tree['D1'].id}&period=2026-Q1&print=1")
    assert "navbar" not in res.text and "2026年第1季度季调度" in res.text


def test_report_unit_outside_jurisdiction_and_bad_period(users, tree, as_user):
    app = as_user("district_leader")
    assert app.get(f"/reports/monthly?unit={tree['D2'].id}", status=404)
    assert app.get(f"/reports/monthly.xlsx?unit={tree['S3'].id}", status=404)
    res = app.get("/reports/quarterly?period=2026-Q7", status=400)
    assert "格式不正确" in res.text
