"""三务公开 through the API: catalogue, records, checks and a failed check into the ledger."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.disclosure.helpers import item as catalog_item
from tests.disclosure.helpers import record as make_record
from whirlwind import clock
from whirlwind.disclosure.models import DisclosureRecord

TODAY = clock.today()
LAST_MONTH = TODAY.replace(day=1) - dt.timedelta(days=1)
PERIOD = f"{LAST_MONTH:%Y-%m}"


@pytest.fixture
def monthly(dbsession):
    return catalog_item(dbsession, "T01", "month", 10, title="财务收支月报")


def _record_body(org, item, **kw):
    body = {
        "org_id": org.id,
        "catalog_item_id": item.id,
        "period": PERIOD,
        "published_on": str(TODAY),
        "channel": "board",
        "content": "公开收支明细",
    }
    body.update(kw)
    return body


def test_catalogue_lists_items(api, monthly):
    res = api.get("/api/v1/disclosure/catalog", {"domain": "finance"})
    assert "财务收支月报" in [c["title"] for c in res.json["items"]]


def test_create_record_then_duplicate_is_409(api, tree, monthly, dbsession):
    res = api.post("/api/v1/disclosure/records", _record_body(tree["V1"], monthly), status=201)
    assert res.json["org"]["name"] == "大潭村" and res.json["period"] == PERIOD
    again = api.post("/api/v1/disclosure/records", _record_body(tree["V1"], monthly), status=409)
    assert again.json["error"] == "conflict" and "已有公开记录" in again.json["message"]
    assert dbsession.query(DisclosureRecord).count() == 1
    listed = api.get("/api/v1/disclosure/records", {"channel": "board"}).json
    assert [r["id"] for r in listed["items"]] == [res.json["id"]]
    assert api.get("/api/v1/disclosure/records", {"channel": "nonsense"}, status=400).json[
        "fields"
    ]["channel"]


def test_record_rules_and_jurisdiction(api, tree, monthly):
    # Another district's community is not found; a bad period is explained.
    api.post("/api/v1/disclosure/records", _record_body(tree["K1"], monthly), status=404)
    res = api.post(
        "/api/v1/disclosure/records",
        _record_body(tree["V1"], monthly, period="2026-Q9"),
        status=400,
    )
    assert "period" in res.json["fields"]
    res = api.post(
        "/api/v1/disclosure/records",
        _record_body(tree["V1"], monthly, channel="carrier-pigeon"),
        status=400,
    )
    assert "channel" in res.json["fields"]


def test_update_record_with_version(api, tree, monthly, dbsession):
    rec = make_record(dbsession, tree["V1"], monthly, PERIOD, TODAY)
    url = f"/api/v1/disclosure/records/{rec.id}"
    body = {
        "published_on": str(TODAY),
        "channel": "website",
        "content": "补充",
        "version": rec.version,
    }
    assert api.get(url).json["channel"] == "board"
    res = api.put(url, body)
    assert res.json["channel"] == "website"
    res = api.put(url, dict(body, channel="meeting"), status=409)
    assert res.json["error"] == "stale_version"
    dbsession.expire_all()
    assert dbsession.get(DisclosureRecord, rec.id).channel == "website"


def test_failed_check_becomes_a_ledger_item(api, tree, monthly, tokens):
    body = {
        "org_id": tree["V1"].id,
        "catalog_item_id": monthly.id,
        "period": PERIOD,
        "checked_on": str(TODAY),
        "result": "pass",
    }
    # Nothing published: cannot pass.
    res = api.post("/api/v1/disclosure/checks", body, status=400)
    assert res.json["fields"] == {"result": "尚未公开"}
    res = api.post(
        "/api/v1/disclosure/checks",
        dict(body, result="fail", reasons=["not_published"]),
        status=201,
    )
    check = res.json
    assert check["result"] == "fail" and check["failure"] is None
    assert api.get("/api/v1/disclosure/checks", {"result": "fail"}).json["total"] == 1
    failure = {
        "problem": "财务月报未公开",
        "deadline": str(TODAY + dt.timedelta(days=15)),
        "street_leader": "街道领导",
    }
    res = api.post(f"/api/v1/disclosure/checks/{check['id']}/failure", failure, status=201)
    items = res.json["failure"]["items"]
    assert len(items) == 1 and items[0]["source_type"] == "disclosure"
    assert (
        api.get(f"/api/v1/disclosure/checks/{check['id']}").json["failure"]["items"][0]["id"]
        == items[0]["id"]
    )
    again = api.post(f"/api/v1/disclosure/checks/{check['id']}/failure", failure, status=409)
    assert again.json["error"] == "conflict"
    # 江岸区 sees neither the check nor the item.
    other = api.as_token(tokens["district_b"])
    other.get(f"/api/v1/disclosure/checks/{check['id']}", status=404)
    other.get(f"/api/v1/items/{items[0]['id']}", status=404)


def test_leader_cannot_record_a_check(api, tree, monthly, tokens):
    body = {
        "org_id": tree["V1"].id,
        "catalog_item_id": monthly.id,
        "period": PERIOD,
        "checked_on": str(TODAY),
        "result": "fail",
        "reasons": ["late"],
    }
    api.as_token(tokens["district_leader"]).post("/api/v1/disclosure/checks", body, status=403)
