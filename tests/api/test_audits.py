"""Audits and findings through the API, with the audits area's schemas and rules."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.audits.helpers import make_audit, make_finding
from whirlwind import clock
from whirlwind.audits.models import Audit, Finding

TODAY = clock.today()


@pytest.fixture
def audit(dbsession, users, tree):
    return make_audit(dbsession, users["street"], tree["V1"])


def _audit_body(org_id, **kw):
    body = {
        "org_id": str(org_id),
        "period_from": "2025-01-01",
        "period_to": "2025-12-31",
        "audit_date": str(TODAY - dt.timedelta(days=3)),
        "body": "jgz",
        "inspectors": "张明",
        "scope_assets": ["funds", "assets"],
        "summary": "年度检查",
    }
    body.update(kw)
    return body


def test_create_list_and_read_an_audit(api, tree, tokens):
    res = api.post("/api/v1/audits", _audit_body(tree["V2"].id), status=201)
    assert res.json["org"]["name"] == "星光村" and sorted(res.json["scope_assets"]) == [
        "assets",
        "funds",
    ]
    assert res.json["findings"] == []
    listed = api.get("/api/v1/audits").json
    assert [a["id"] for a in listed["items"]] == [res.json["id"]]
    assert api.get(f"/api/v1/audits/{res.json['id']}").json["number"] == res.json["number"]
    # 江岸区 does not see it.
    api.as_token(tokens["district_b"]).get(f"/api/v1/audits/{res.json['id']}", status=404)
    assert api.as_token(tokens["district_b"]).get("/api/v1/audits").json["total"] == 0


def test_create_audit_rules_come_from_the_schema_and_service(api, tree, dbsession):
    # Outside the jurisdiction: not one of the caller's units.
    res = api.post("/api/v1/audits", _audit_body(tree["K1"].id), status=400)
    assert "org_id" in res.json["fields"]
    # The period must not end before it starts (the schema's date_order rule).
    res = api.post("/api/v1/audits", _audit_body(tree["V1"].id, period_to="2024-01-01"), status=400)
    assert "period_to" in res.json["fields"]
    res = api.post(
        "/api/v1/audits", _audit_body(tree["V1"].id, body="nobody", amount="x"), status=400
    )
    assert "body" in res.json["fields"]
    assert dbsession.query(Audit).count() == 0


def test_update_audit_needs_the_current_version(api, audit, dbsession):
    body = _audit_body(audit.org_id, summary="补充概述", version=audit.version)
    res = api.put(f"/api/v1/audits/{audit.id}", body)
    assert res.json["summary"] == "补充概述"
    res = api.put(f"/api/v1/audits/{audit.id}", dict(body, summary="旧版本的修改"), status=409)
    assert res.json["error"] == "stale_version"
    dbsession.expire_all()
    assert dbsession.get(Audit, audit.id).summary == "补充概述"
    missing = {k: v for k, v in body.items() if k != "version"}
    assert "version" in api.put(f"/api/v1/audits/{audit.id}", missing, status=400).json["fields"]


def test_findings_recoveries_and_items(api, audit, dbsession, tokens):
    res = api.post(
        f"/api/v1/audits/{audit.id}/findings",
        {
            "asset_type": "funds",
            "irregularity": "F03",
            "description": "坐收坐支集体收入",
            "amount_involved": "12000.50",
        },
        status=201,
    )
    finding = res.json
    assert finding["amount_involved"] == "12000.50" and finding["state"] == "no_items"
    assert api.get("/api/v1/findings", {"state": "no_items"}).json["total"] == 1
    assert api.get(f"/api/v1/audits/{audit.id}").json["findings"][0]["id"] == finding["id"]
    # Recovery with the finding's version.
    res = api.post(
        f"/api/v1/findings/{finding['id']}/recoveries",
        {"entry_date": str(TODAY), "amount": "2000", "version": finding["version"]},
        status=201,
    )
    assert res.json["amount_recovered"] == "2000.00" and len(res.json["recoveries"]) == 1
    stale = api.post(
        f"/api/v1/findings/{finding['id']}/recoveries",
        {"entry_date": str(TODAY), "amount": "1", "version": finding["version"]},
        status=409,
    )
    assert stale.json["error"] == "stale_version"
    # The hand-off to the one ledger: the first items need a package leader.
    url = f"/api/v1/findings/{finding['id']}/items"
    item = {"problem": "规范收入入账", "deadline": str(TODAY + dt.timedelta(days=20))}
    res = api.post(url, item, status=400)
    assert "street_leader" in res.json["fields"]
    res = api.post(url, dict(item, street_leader="街道领导甲"), status=201)
    assert res.json["state"] == "in_progress" and res.json["items"][0]["source_type"] == "finding"
    ledger = api.get("/api/v1/items", {"source": "finding"}).json
    assert [i["problem"] for i in ledger["items"]] == ["规范收入入账"]


def test_update_finding_and_amount_rules(api, audit, dbsession, users):
    finding = make_finding(dbsession, users["street"], audit)
    url = f"/api/v1/findings/{finding.id}"
    body = {
        "asset_type": "funds",
        "irregularity": "F03",
        "description": "修改后的描述",
        "amount_involved": "-5",
        "version": finding.version,
    }
    res = api.put(url, body, status=400)
    assert res.json["fields"]["amount_involved"] == "金额不能为负数"
    res = api.put(url, dict(body, amount_involved="800.00"))
    assert res.json["description"] == "修改后的描述" and res.json["amount_involved"] == "800.00"
    assert dbsession.get(Finding, finding.id).version == res.json["version"]
    assert api.get(url).json["description"] == "修改后的描述"


def test_committee_member_reads_but_cannot_write(api, audit, tokens, tree):
    member = api.as_token(tokens["committee"])
    assert member.get(f"/api/v1/audits/{audit.id}").json["id"] == audit.id
    member.post("/api/v1/audits", _audit_body(tree["V1"].id), status=403)
    # Another village's member does not see it.
    api.as_token(tokens["committee_b"]).get(f"/api/v1/audits/{audit.id}", status=404)
