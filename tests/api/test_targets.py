"""Weak-organization rectification targets through the API."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from tests.ledger.helpers import ident
from whirlwind import clock
from whirlwind.targets import services as ts
from whirlwind.targets.models import RectificationTarget

TODAY = clock.today()


@pytest.fixture
def campaign(dbsession, tree, users, settings):
    return ts.create_campaign(
        dbsession,
        ident(users["city_org"]),
        org=tree["C"],
        year=TODAY.year,
        title="",
        ratio=decimal.Decimal("0.10"),
        per_district=True,
        settings=settings,
    )


@pytest.fixture
def target(dbsession, tree, users, campaign):
    return ts.add_target(
        dbsession,
        ident(users["district_org"]),
        campaign,
        tree["V1"],
        categories=["W02"],
        problem="书记长期不在村",
    )


def test_list_and_detail_are_scoped(api, tokens, campaign, target):
    officer = api.as_token(tokens["district_org"])
    res = officer.get("/api/v1/targets", {"campaign": campaign.id})
    assert [t["org"]["name"] for t in res.json["items"]] == ["大潭村"]
    assert res.json["items"][0]["status"] == "proposed" and res.json["items"][0]["categories"] == [
        "W02"
    ]
    assert officer.get("/api/v1/campaigns").json["total"] >= 1
    assert officer.get(f"/api/v1/targets/{target.id}").json["problem"] == "书记长期不在村"
    api.as_token(tokens["district_b"]).get(f"/api/v1/targets/{target.id}", status=404)
    assert api.as_token(tokens["district_b"]).get("/api/v1/targets").json["total"] == 0
    # Committee members have no targets:view.
    api.as_token(tokens["committee"]).get("/api/v1/targets", status=403)


def test_update_identify_then_start_needs_a_plan(api, tokens, target, dbsession):
    officer = api.as_token(tokens["district_org"])
    url = f"/api/v1/targets/{target.id}"
    body = {
        "categories": ["W02", "W04"],
        "problem": "书记长期不在村，组织生活不正常",
        "deadline": str(TODAY + dt.timedelta(days=180)),
        "version": target.version,
    }
    res = officer.put(url, body)
    assert sorted(res.json["categories"]) == ["W02", "W04"]
    stale = officer.put(url, dict(body, problem="旧版本"), status=409)
    assert stale.json["error"] == "stale_version"
    res = officer.post(f"{url}/transitions/start", {"version": res.json["version"]}, status=422)
    assert res.json["error"] == "invalid_transition"
    version = dbsession.get(RectificationTarget, target.id).version
    res = officer.post(
        f"{url}/identify", {"committee_approval_date": str(TODAY), "version": version}
    )
    assert res.json["status"] == "identified"
    # Starting needs a package and plan items first: the service's rule, with its message.
    res = officer.post(f"{url}/transitions/start", {"version": res.json["version"]}, status=422)
    assert "包保责任" in res.json["message"]


def test_remove_needs_a_reason_and_edit_permission(api, tokens, target):
    url = f"/api/v1/targets/{target.id}/transitions/remove"
    api.as_token(tokens["district_leader"]).post(
        url, {"version": target.version, "reason": "x"}, status=403
    )
    officer = api.as_token(tokens["district_org"])
    res = officer.post(url, {"version": target.version}, status=400)
    assert res.json["error"] == "validation_failed"
    res = officer.post(url, {"version": target.version, "reason": "经核实不属于软弱涣散"})
    assert res.json["status"] == "removed"


def test_waiver_of_a_plan_item_by_the_accepting_level(api, tokens, target, dbsession, users):
    officer = ident(users["district_org"])
    ts.identify_target(dbsession, officer, target, committee_approval_date=TODAY)
    item = ts.add_plan_row(
        dbsession,
        officer,
        target,
        problem="书记不在村",
        measure="选派第一书记",
        responsible_person="李四",
        deadline=TODAY + dt.timedelta(days=30),
    )
    url = f"/api/v1/targets/{target.id}/items/{item.id}/waiver"
    # The city is not the campaign's acceptance level (区级).
    res = api.as_token(tokens["city_org"]).post(url, {"reason": "统一部署"}, status=422)
    assert "验收层级" in res.json["message"]
    district = api.as_token(tokens["district_org"])
    assert district.post(url, {"reason": ""}, status=400).json["fields"]["reason"]
    res = district.post(url, {"reason": "已由区级统一选派，不再单列"})
    (row,) = [i for i in res.json["items"] if i["id"] == item.id]
    assert row["waiver_reason"] == "已由区级统一选派，不再单列"
