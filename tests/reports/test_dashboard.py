"""The dashboard: figures against hand-counted data, jurisdiction, links and roles."""

from __future__ import annotations

import datetime as dt

from tests.factories import USERS
from tests.reports import builders as b
from whirlwind import clock
from whirlwind.reports import dashboard as d
from whirlwind.reports.periods import recent_months
from whirlwind.security import Identity

TODAY = clock.today()


def ident(user):
    return Identity(user, user.permissions)


def test_items_by_unit_counts_and_jurisdiction(dbsession, tree, users):
    old = b.at(TODAY - dt.timedelta(days=40))
    b.item(dbsession, tree["V1"], created=old, deadline=TODAY - dt.timedelta(days=1))  # overdue
    b.item(dbsession, tree["V2"], created=old, deadline=TODAY)  # due today: not overdue
    b.item(
        dbsession,
        tree["V3"],
        created=old,
        deadline=TODAY - dt.timedelta(days=5),
        cleared=b.at(TODAY - dt.timedelta(days=6)),
    )  # cleared, never overdue
    b.item(dbsession, tree["K1"], created=old, deadline=TODAY - dt.timedelta(days=9))
    key, rows = d.items_by_unit(dbsession, ident(users["district_leader"]), TODAY)
    assert key == "street"
    got = {r["name"]: (r["open"], r["overdue"], r["cleared"]) for r in rows}
    assert got == {"祁家湾街道": (1, 1, 0), "蔡店街道": (0, 0, 1)}  # nothing of 江岸区
    key, rows = d.items_by_unit(dbsession, ident(users["city_leader"]), TODAY)
    assert key == "district"
    got = {r["name"]: (r["open"], r["overdue"], r["cleared"]) for r in rows}
    assert got == {"黄陂区": (1, 1, 1), "江岸区": (0, 1, 0)}


def test_items_by_stage_follow_awaiting_levels(dbsession, tree, users):
    created = b.at(TODAY - dt.timedelta(days=3))
    future = TODAY + dt.timedelta(days=10)
    b.item(dbsession, tree["V1"], created=created, deadline=future, status="submitted")
    b.item(dbsession, tree["D1"], created=created, deadline=future, status="submitted")
    b.item(
        dbsession,
        tree["V2"],
        created=created,
        deadline=TODAY - dt.timedelta(days=1),
        status="street_approved",
    )
    stages = {
        s["code"]: (s["ok"], s["overdue"])
        for s in d.items_by_stage(dbsession, ident(users["city_leader"]), TODAY)
    }
    assert stages["street"] == (1, 0)
    assert stages["district"] == (1, 1)  # district-level item submitted + street-approved one
    assert stages["city"] == (0, 0)


def test_clues_and_cases_per_month_boundaries(dbsession, tree, users):
    months = recent_months(TODAY, 12)
    this, last = months[-1], months[-2]
    b.clue(dbsession, tree["V1"], last.last_day)  # last day of last month: last month
    b.clue(dbsession, tree["V1"], this.start)  # first day of this month
    b.clue(dbsession, tree["K1"], this.start)  # other district
    b.case(dbsession, tree["V2"], this.start)
    b.clue(dbsession, tree["V1"], months[0].start - dt.timedelta(days=1))  # before the window
    rows = d.clues_cases_per_month(dbsession, ident(users["district_leader"]), months)
    assert [(r["clues"], r["cases"]) for r in rows[-2:]] == [(1, 0), (1, 1)]
    assert sum(r["clues"] for r in rows) == 2
    city = d.clues_cases_per_month(dbsession, ident(users["city_leader"]), months)
    assert city[-1]["clues"] == 2


def test_cases_by_category_sanction_and_amounts(dbsession, tree, users):
    year = dt.date(TODAY.year, 1, 1)
    c1 = b.clue(dbsession, tree["V1"], year, categories=("embezzlement", "favouritism"))
    c2 = b.clue(dbsession, tree["K1"], year, categories=("embezzlement",))
    b.case(
        dbsession,
        tree["V1"],
        year,
        clue_obj=c1,
        subjects=[("warning", "10000.00", "4000.00"), ("", "5000.00", "0")],
    )
    b.case(dbsession, tree["K1"], year, clue_obj=c2, subjects=[("warning", "100", "100")])
    first, end = year, dt.date(TODAY.year + 1, 1, 1)
    leader = ident(users["district_leader"])
    assert dict(d.cases_by_category(dbsession, leader, first, end)) == {
        "embezzlement": 1,
        "favouritism": 1,
    }
    city = ident(users["city_leader"])
    assert dict(d.cases_by_category(dbsession, city, first, end))["embezzlement"] == 2
    assert d.subjects_by_sanction(dbsession, leader, first, end) == {
        "party": [("warning", 1)],
        "state": [],
    }
    _key, rows = d.case_amounts(dbsession, leader)
    assert [(r["name"], r["count"], str(r["involved"]), str(r["recovered"])) for r in rows] == [
        ("祁家湾街道", 1, "15000.00", "4000.00")
    ]


def test_dashboard_renders_for_every_role_with_links(testapp, dbsession, tree, users, as_user):
    b.item(dbsession, tree["V1"], created=b.at(TODAY), deadline=TODAY - dt.timedelta(days=1))
    b.item(dbsession, tree["K1"], created=b.at(TODAY), deadline=TODAY + dt.timedelta(days=3))
    for key in USERS:
        if not users[key].permissions & {"dashboard:view"}:
            continue
        res = as_user(key).get("/reports")
        assert res.status_int == 200
        assert "统计报表" in res.text
    res = as_user("district_leader").get("/reports")
    assert "祁家湾街道" in res.text and "大智街道" not in res.text and "三阳社区" not in res.text
    assert f'href="/ledger?overdue=1&amp;street={tree["S1"].id}"' in res.text
    assert "数据表" in res.text and "<svg" in res.text
    # No inline styles or scripts (CSP).
    assert " style=" not in res.text and "<script>" not in res.text
    res = as_user("committee").get("/reports")
    assert "问题线索与案件" not in res.text  # no cases:view, no case figures


def test_home_redirects_to_dashboard(testapp, users, as_user):
    res = as_user("city_leader").get("/")
    assert res.location.endswith("/reports")
