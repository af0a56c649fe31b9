"""星级争创: levels by year, trend arrows, distribution against the guided shares."""

from __future__ import annotations

import decimal

from whirlwind.reports import stars
from whirlwind.security import Identity
from whirlwind.targets.models import OrgAssessment


def add(session, org, year, star):
    session.add(
        OrgAssessment(
            org_id=org.id, year=year, score=decimal.Decimal(60 + 8 * star), star_level=star
        )
    )
    session.flush()


def test_trend_and_distribution(dbsession, tree, users):
    for year, v1, v2, v3, k1 in ((2023, 3, 4, 2, 5), (2024, 4, 4, 1, 5), (2025, 5, 3, 1, 1)):
        add(dbsession, tree["V1"], year, v1)
        add(dbsession, tree["V2"], year, v2)
        add(dbsession, tree["V3"], year, v3)
        add(dbsession, tree["K1"], year, k1)
    leader = Identity(users["district_leader"], users["district_leader"].permissions)
    assert stars.years(dbsession, leader) == [2023, 2024, 2025]
    levels = stars.levels_of(
        dbsession, [tree["V1"].id, tree["V2"].id, tree["V3"].id], [2023, 2024, 2025]
    )
    years = [2023, 2024, 2025]
    assert [stars.trend(levels[tree[k].id], years) for k in ("V1", "V2", "V3")] == [
        "up",
        "down",
        "same",
    ]
    dist = stars.distribution(dbsession, leader, None, 2025)
    assert dist == {5: 1, 3: 1, 1: 1}  # 三阳社区 (江岸区) not counted
    guided = stars.guided_rows(dist)
    assert [(g[0], g[1]) for g in guided] == [
        ("五星", 1),
        ("四星", 0),
        ("三星", 1),
        ("二星及以下", 1),
    ]
    assert guided[0][3] == 0.10 and abs(guided[3][2] - 1 / 3) < 1e-9
    assert stars.distribution(dbsession, leader, tree["S2"].id, 2025) == {1: 1}


def test_stars_page(dbsession, tree, users, as_user):
    add(dbsession, tree["V1"], 2024, 3)
    add(dbsession, tree["V1"], 2025, 4)
    add(dbsession, tree["K1"], 2025, 2)
    app = as_user("district_leader")
    res = app.get("/reports/stars")
    assert "大潭村" in res.text and "三阳社区" not in res.text and "↑ 上升" in res.text
    res = app.get(f"/reports/stars?street={tree['S2'].id}")
    assert "刘家山村" in res.text and "大潭村" not in res.text
    res = app.get(f"/reports/stars?org={tree['V1'].id}")
    assert "大潭村历年星级" in res.text and "<polyline" in res.text
    app.get(f"/reports/stars?org={tree['K1'].id}", status=404)
    app.get(f"/reports/stars?district={tree['D2'].id}", status=404)
