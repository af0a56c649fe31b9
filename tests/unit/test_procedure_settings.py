"""The [L]/[U] procedure values are read from the settings (``whirlwind.procedure``)."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from tests.ledger.helpers import TODAY, ident, make_item, package_for
from whirlwind import procedure
from whirlwind.errors import ValidationFailed
from whirlwind.ledger.workflow import review_stages
from whirlwind.targets import services as ts


def test_city_stage_setting(dbsession, tree, users, monkeypatch):
    item = make_item(
        dbsession, users["street"], tree["V1"], package=package_for(dbsession, tree["V1"])
    )
    assert review_stages(item) == ["street", "district"]
    monkeypatch.setattr(procedure, "_settings", lambda: {"whirlwind.ledger.city_stage": "always"})
    assert review_stages(item) == ["street", "district", "city"]
    city_item = make_item(
        dbsession,
        users["street"],
        tree["V1"],
        package=package_for(dbsession, tree["V1"], city=True),
    )
    monkeypatch.setattr(procedure, "_settings", lambda: {"whirlwind.ledger.city_stage": "never"})
    assert review_stages(city_item) == ["street", "district"]
    with pytest.raises(ValueError):
        procedure.check({"whirlwind.ledger.city_stage": "sometimes"})


def test_package_levels_and_acceptance_settings(dbsession, tree, users, monkeypatch):
    settings = {
        "whirlwind.targets.min_satisfied_percent": "90",
        "whirlwind.targets.ratio_community": "0.05",
    }
    campaign = ts.create_campaign(
        dbsession,
        ident(users["city_org"]),
        org=tree["C"],
        year=TODAY.year,
        title="",
        ratio=decimal.Decimal("0.10"),
        settings=settings,
    )
    assert campaign.min_satisfied == 90 and campaign.ratio_community == decimal.Decimal("0.05")
    assert ts._quota(campaign, 40, "community") == 2 and ts._quota(campaign, 40, "village") == 4
    officer = ident(users["district_org"])
    target = ts.add_target(dbsession, officer, campaign, tree["V1"], categories=["W04"])
    ts.identify_target(dbsession, officer, target, committee_approval_date=TODAY)
    members = [
        {"level": "district", "role": "district_leader", "person_name": "区领导"},
        {"level": "street", "role": "street_leader", "person_name": "街道领导"},
        {"level": "village", "role": "first_secretary", "person_name": "第一书记"},
    ]
    monkeypatch.setattr(
        procedure, "_settings", lambda: {"whirlwind.targets.package_levels": "city district street"}
    )
    with pytest.raises(ValidationFailed, match="缺少市级"):
        ts.set_package(dbsession, officer, target, members)
    monkeypatch.setattr(procedure, "_settings", lambda: {})
    ts.set_package(dbsession, officer, target, members)
    ts.add_plan_row(
        dbsession,
        officer,
        target,
        problem="p",
        measure="m",
        responsible_person="r",
        deadline=TODAY + dt.timedelta(days=9),
    )
    for item in ts.target_items(dbsession, target.id):
        ts.waive_plan_item(dbsession, officer, target, item, reason="测试豁免")
    ts.update_target(
        dbsession,
        officer,
        target,
        categories=["W04"],
        evidence="e",
        problem="p",
        plan_summary="s",
        deadline=TODAY + dt.timedelta(days=60),
    )
    ts.start_rectification(dbsession, officer, target)
    ts.request_acceptance(dbsession, officer, target)
    # 86% satisfied, under the configured 90%: the acceptance fails.
    row = ts.record_acceptance(
        dbsession,
        officer,
        target,
        date=TODAY,
        inspectors="区委组织部",
        score=90,
        respondents=15,
        satisfied_pct=86,
        dissatisfied_pct=2,
        new_deadline=TODAY + dt.timedelta(days=30),
    )
    assert row.result == "fail"
