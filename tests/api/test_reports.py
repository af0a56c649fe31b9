"""Report figures through the API: the dashboard and the periodic reports."""

from __future__ import annotations

import datetime as dt

from whirlwind import clock
from whirlwind.ledger.services import create_item


def _items(dbsession, tree, users):
    deadline = clock.today() + dt.timedelta(days=10)
    for org in ("V1", "V2", "V3", "K1"):
        create_item(
            dbsession,
            users["city"],
            org=tree[org],
            source_type="finding",
            source_id=1,
            problem=f"{org} 的问题",
            deadline=deadline,
        )


def _figure(sections, key):
    for s in sections:
        for f in s["figures"]:
            if f["key"] == key:
                return f
    raise AssertionError(f"no figure {key}")


def test_dashboard_counts_only_the_jurisdiction(api, tree, users, dbsession, tokens):
    _items(dbsession, tree, users)
    district = api.as_token(tokens["district"]).get("/api/v1/reports/dashboard").json
    by_unit = _figure(district["sections"], "items-unit")
    assert by_unit["totals"][0] == "合计" and by_unit["totals"][-1] == 3  # 黄陂区's three villages
    city = api.as_token(tokens["city"]).get("/api/v1/reports/dashboard").json
    assert _figure(city["sections"], "items-unit")["totals"][-1] == 4
    # A committee member's roles show only the sections they may see.
    member = api.as_token(tokens["committee"]).get("/api/v1/reports/dashboard").json
    assert "问题线索与案件" not in [s["title"] for s in member["sections"]]


def test_periodic_reports(api, tree, tokens):
    city = api.as_token(tokens["city"])
    today = clock.today()
    res = city.get("/api/v1/reports/periodic/monthly", {"period": f"{today:%Y-%m}"}).json
    assert res["report"] == "monthly" and res["unit"]["name"] == "武汉市" and res["figures"]
    res = city.get("/api/v1/reports/periodic/quarterly", {"unit": tree["D1"].id}).json
    assert res["unit"]["name"] == "黄陂区"
    assert city.get("/api/v1/reports/periodic/annual").json["period"]["key"] == str(today.year)
    res = city.get("/api/v1/reports/periodic/monthly", {"period": "2026-13"}, status=400)
    assert res.json["fields"] == {"period": "格式不正确"}
    # Another district's unit is not found.
    api.as_token(tokens["district"]).get(
        "/api/v1/reports/periodic/monthly", {"unit": tree["D2"].id}, status=404
    )


def test_unknown_report_is_404(api, tokens):
    res = api.app.get(
        "/api/v1/reports/periodic/weekly",
        headers={"Authorization": f"Bearer {tokens['city']}"},
        status=404,
    )
    assert res.json["error"] == "not_found"
