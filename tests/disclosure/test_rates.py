"""Compliance rates computed in SQL, against numbers worked out by hand.

Catalogue: M monthly, due 10 days after the month (village and community); Q quarterly,
15 days (villages only); E event-driven, 7 days; X monthly but inactive. Year 2025, today
2025-12-05: M's November falls due on 10 December, so it is still pending.

    V1: M 2024-12 … 2025-11 all on time; Q 2024-Q4 late, Q1 on time, Q2 missing, Q3 on time;
        one event published late                      -> 14 on time, 2 late, 1 missing
    V2: nothing                                       -> 15 missing, 1 pending
    V3: M 2024-12 late, 2025-01 … 06 on time, 07 … 10 missing; no Q
                                                      -> 6 on time, 1 late, 8 missing, 1 pending
    K1 (community, other district): nothing, M only   -> 11 missing, 1 pending
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.disclosure.helpers import item, record
from whirlwind.disclosure import stats
from whirlwind.disclosure.periods import Status, parse_key
from whirlwind.security import Identity

D = dt.date
TODAY = D(2025, 12, 5)


@pytest.fixture
def data(dbsession, tree):
    m = item(dbsession, "M", "month", 10)
    q = item(dbsession, "Q", "quarter", 15, applies="village", domain="affairs")
    e = item(dbsession, "E", "event", 7, domain="party")
    x = item(dbsession, "X", "month", 10, active=False)
    v1, v3 = tree["V1"], tree["V3"]
    for key in ["2024-12"] + [f"2025-{i:02d}" for i in range(1, 12)]:
        record(dbsession, v1, m, key, parse_key("month", key).end + dt.timedelta(days=3))
    record(dbsession, v1, q, "2024-Q4", D(2025, 1, 20))  # late (due 15 Jan)
    record(dbsession, v1, q, "2025-Q1", D(2025, 4, 15))  # on the due day
    record(dbsession, v1, q, "2025-Q3", D(2025, 10, 1))
    record(dbsession, v1, e, "2025-03-01", D(2025, 3, 10))  # due 8 March: late
    record(dbsession, v1, x, "2025-02", D(2025, 5, 30))  # inactive item: ignored
    record(dbsession, v3, m, "2024-12", D(2025, 1, 11))  # one day late
    for i in range(1, 7):
        record(dbsession, v3, m, f"2025-{i:02d}", D(2025, i + 1, 5))
    return {"M": m, "Q": q, "E": e}


def ident(users, key):
    user = users[key]
    return Identity(user, user.permissions)


def test_district_rates_match_hand_computed_numbers(dbsession, tree, users, data):
    r = stats.unit_rates(dbsession, ident(users, "district"), tree["D1"], 2025, TODAY)
    t = r.total
    assert (t.on_time, t.late, t.missing, t.pending) == (20, 3, 24, 2)
    assert t.rate == pytest.approx(20 / 47)
    # January: M 2024-12 and Q 2024-Q4 fall due; V1 on time + late, V2 two missing, V3 late + missing.
    jan = r.by_month["2025-01"]
    assert (jan.on_time, jan.late, jan.missing) == (1, 2, 3)
    assert jan.rate == pytest.approx(1 / 6)
    march = r.by_month["2025-03"]
    # March: M 2025-02 (V1 and V3 on time, V2 missing) and V1's late event (due 8 March).
    assert (march.on_time, march.late, march.missing) == (2, 1, 1)
    dec = r.by_month["2025-12"]
    assert (dec.on_time, dec.pending) == (1, 2)  # V1 published November early; others pending
    # Worst villages first.
    assert [u[1] for u in r.units] == ["星光村", "刘家山村", "大潭村"]
    by_name = {u[1]: u[3] for u in r.units}
    assert by_name["大潭村"].rate == pytest.approx(14 / 17)
    assert by_name["刘家山村"].rate == pytest.approx(6 / 15)
    assert by_name["星光村"].rate == 0
    assert (by_name["星光村"].missing, by_name["星光村"].pending) == (15, 1)
    # Streets, worst first: 祁家湾 14/32, 蔡店 6/15.
    assert [(s[1], s[2].on_time, s[2].decided) for s in r.streets] == [
        ("蔡店街道", 6, 15),
        ("祁家湾街道", 14, 32),
    ]
    # Pagination in SQL: the second page of size 2 holds the best village.
    page2 = stats.unit_rates(
        dbsession, ident(users, "district"), tree["D1"], 2025, TODAY, limit=2, offset=2
    )
    assert [u[1] for u in page2.units] == ["大潭村"] and page2.unit_count == 3


def test_street_rates_and_jurisdiction(dbsession, tree, users, data):
    r = stats.unit_rates(dbsession, ident(users, "street"), tree["S1"], 2025, TODAY)
    assert (r.total.on_time, r.total.late, r.total.missing, r.total.pending) == (14, 2, 16, 1)
    assert [u[1] for u in r.units] == ["星光村", "大潭村"]
    # A street user asking for the whole district still only counts their own street.
    r = stats.unit_rates(dbsession, ident(users, "street"), tree["D1"], 2025, TODAY)
    assert r.total.decided == 32 and {u[1] for u in r.units} == {"星光村", "大潭村"}


def test_city_overview_per_district(dbsession, tree, users, data):
    r = stats.city_rates(dbsession, ident(users, "city"), 2025, TODAY)
    rows = {name: t for _id, name, t, _m in r.districts}
    assert (rows["黄陂区"].on_time, rows["黄陂区"].decided) == (20, 47)
    assert (rows["江岸区"].on_time, rows["江岸区"].missing, rows["江岸区"].pending) == (0, 11, 1)
    assert [d[1] for d in r.districts] == ["江岸区", "黄陂区"]  # worst first
    assert r.total.decided == 58
    # A district inspector sees only their district.
    r = stats.city_rates(dbsession, ident(users, "district_b"), 2025, TODAY)
    assert [d[1] for d in r.districts] == ["江岸区"]


def test_unit_calendar_classifies_each_cell(dbsession, tree, data):
    cal = stats.unit_calendar(dbsession, tree["V1"], 2025, TODAY)
    assert cal.counts == {Status.ON_TIME: 13, Status.LATE: 1, Status.MISSING: 1, Status.PENDING: 2}
    rows = {it.code: cells for it, cells in cal.rows}
    assert set(rows) == {"M", "Q"}  # event items are listed apart; inactive items not at all
    assert rows["Q"]["2025-06"].status == Status.MISSING
    assert rows["Q"]["2025-12"].status == Status.PENDING and rows["Q"]["2025-12"].due == D(
        2026, 1, 15
    )
    assert rows["M"]["2025-12"].status == Status.PENDING
    assert "2025-02" not in rows["Q"]
    assert [(c.item.code, c.status) for c in cal.events] == [("E", Status.LATE)]
    community = stats.unit_calendar(dbsession, tree["K1"], 2025, TODAY)
    assert [it.code for it, _ in community.rows] == ["M"]  # Q applies to villages only


def test_changing_the_deadline_rule_reclassifies_existing_records(dbsession, tree, users, data):
    from whirlwind.disclosure.models import DisclosureRecord
    from whirlwind.disclosure.services import save_catalog_item

    m = data["M"]
    values = {
        k: getattr(m, k)
        for k in ("code", "domain", "title", "frequency", "applies_to", "active", "sort", "note")
    }
    save_catalog_item(dbsession, None, {**values, "deadline_days": 2}, item=m)
    march = dbsession.scalar(
        select(DisclosureRecord).where(
            DisclosureRecord.org_id == tree["V1"].id, DisclosureRecord.period == "2025-03"
        )
    )
    assert march.due_date == D(2025, 4, 2) and march.due_month == "2025-04"
    r = stats.unit_rates(dbsession, ident(users, "district"), tree["D1"], 2025, TODAY)
    v1 = next(u[3] for u in r.units if u[1] == "大潭村")
    # M's 12 records (published 3 days after the month) are now late; Q and the event as before.
    assert (v1.on_time, v1.late, v1.missing) == (2, 14, 1)
    cal = stats.unit_calendar(dbsession, tree["V1"], 2025, TODAY)
    assert {it.code: cells for it, cells in cal.rows}["M"]["2025-03"].status == Status.LATE
