"""Rectification items through the API: list, detail, edit with optimistic locking, notes
and transitions, with the ledger's own rules."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, login
from whirlwind import clock
from whirlwind.attachments.models import Attachment
from whirlwind.ledger.models import ItemStatus, RectificationItem
from whirlwind.ledger.services import create_item


@pytest.fixture
def items(dbsession, tree, users):
    deadline = clock.today() + dt.timedelta(days=30)

    def make(org, problem, **kw):
        return create_item(
            dbsession,
            users["city"],
            org=tree[org],
            source_type="finding",
            source_id=1,
            problem=problem,
            deadline=kw.pop("deadline", deadline),
            **kw,
        )

    return {
        "v1": make("V1", "大潭村财务公开不及时", responsible_person="张三"),
        "v2": make("V2", "星光村合同未备案"),
        "v3": make("V3", "刘家山村资产台账缺失"),
        "k1": make("K1", "三阳社区低保公示不全"),
    }


def test_list_is_scoped_filtered_and_paginated(api, items, tokens):
    res = api.get("/api/v1/items")
    problems = {i["problem"] for i in res.json["items"]}
    assert problems == {"大潭村财务公开不及时", "星光村合同未备案"}
    assert res.json["total"] == 2 and res.json["page"] == 1
    assert res.json["items"][0]["org"]["name"] in ("大潭村", "星光村")
    # The district inspector of 黄陂区 sees the three villages, the city all four.
    assert api.as_token(tokens["district"]).get("/api/v1/items").json["total"] == 3
    assert api.as_token(tokens["city"]).get("/api/v1/items").json["total"] == 4
    # Filters and pages.
    res = api.get("/api/v1/items", {"q": "合同"})
    assert [i["problem"] for i in res.json["items"]] == ["星光村合同未备案"]
    res = api.get("/api/v1/items", {"size": 1, "page": 2})
    assert res.json["total"] == 2 and len(res.json["items"]) == 1 and res.json["page"] == 2
    assert api.get("/api/v1/items", {"status": "cleared"}).json["total"] == 0
    assert api.get("/api/v1/items", {"status": "nonsense"}, status=400).json["fields"]["status"]


def test_list_filter_by_unit_outside_jurisdiction_shows_nothing(api, items, tree):
    assert api.get("/api/v1/items", {"unit": tree["K1"].id}).json["total"] == 0


def test_detail_and_404_outside_jurisdiction(api, items, tokens):
    res = api.get(f"/api/v1/items/{items['v1'].id}")
    assert res.json["number"].startswith("ZG")
    assert res.json["status"] == "pending" and res.json["status_label"] == "待整改"
    assert res.json["actions"] == ["start"]
    assert res.json["review_stages"] == ["street", "district"]
    assert api.get(f"/api/v1/items/{items['k1'].id}", status=404).json["error"] == "not_found"
    assert api.get(f"/api/v1/items/{items['v3'].id}", status=404)
    # A read-only leader sees the item but may do nothing with it.
    assert (
        api.as_token(tokens["district_leader"])
        .get(f"/api/v1/items/{items['v1'].id}")
        .json["actions"]
        == []
    )


def _update(item, **kw):
    body = {
        "problem": item.problem,
        "measure": "整改措施",
        "responsible_person": "李四",
        "deadline": str(item.deadline),
        "version": item.version,
    }
    body.update(kw)
    return body


def test_update_with_version_then_stale_version_is_409_and_changes_nothing(api, items, dbsession):
    item = items["v1"]
    old_version = item.version
    res = api.put(f"/api/v1/items/{item.id}", _update(item, problem="新的问题描述"))
    assert res.json["problem"] == "新的问题描述" and res.json["measure"] == "整改措施"
    assert res.json["version"] == old_version + 1
    # A second client still holding the old version.
    res = api.put(
        f"/api/v1/items/{item.id}",
        _update(item, problem="过期的修改", version=old_version),
        status=409,
    )
    assert res.json["error"] == "stale_version" and "版本" in res.json["message"]
    dbsession.expire_all()
    assert dbsession.get(RectificationItem, item.id).problem == "新的问题描述"


def test_update_validation_errors_are_400_with_fields(api, items):
    item = items["v1"]
    res = api.put(f"/api/v1/items/{item.id}", {"problem": "", "deadline": "2026-02-30"}, status=400)
    assert res.json["error"] == "validation_failed"
    assert set(res.json["fields"]) >= {"problem", "deadline", "version"}
    res = api.app.put(
        f"/api/v1/items/{item.id}",
        "{not json",
        status=400,
        headers={"Authorization": f"Bearer {api.token}", "Content-Type": "application/json"},
    )
    assert res.json["error"] == "validation_failed" and "JSON" in res.json["message"]
    api.put(f"/api/v1/items/{item.id}", _update(item, problem="x" * 4001), status=400)


def test_update_needs_edit_permission(api, items, tokens):
    item = items["v1"]
    res = api.as_token(tokens["district_leader"]).put(
        f"/api/v1/items/{item.id}", _update(item), status=403
    )
    assert res.json["error"] == "forbidden"


def test_body_too_large_is_413(api, items):
    item = items["v1"]
    res = api.put(f"/api/v1/items/{item.id}", _update(item, measure="长" * 400_000), status=413)
    assert res.json["error"] == "too_large"


def test_transitions_follow_the_workflow(api, items, tokens, dbsession, users):
    item = items["v1"]
    url = f"/api/v1/items/{item.id}/transitions"
    res = api.post(f"{url}/start", {"version": item.version})
    assert res.json["status"] == "in_progress"
    # Starting twice is an invalid transition, with the reason.
    res = api.post(f"{url}/start", {"version": res.json["version"]}, status=422)
    assert res.json["error"] == "invalid_transition" and "不能开始整改" in res.json["message"]
    # Submitting needs evidence.
    res = api.post(f"{url}/submit", {"version": item.version}, status=422)
    assert "佐证材料" in res.json["message"]
    note = api.post(f"/api/v1/items/{item.id}/notes", {"note": "已完成公开栏更新"}, status=201).json
    dbsession.add(
        Attachment(
            owner_type="progress_note",
            owner_id=note["id"],
            org_id=item.org_id,
            sha256="0" * 64,
            filename="公开栏.jpg",
            content_type="image/jpeg",
            size=10,
        )
    )
    dbsession.flush()
    res = api.post(f"{url}/submit", {"version": item.version})
    assert res.json["status"] == "submitted" and res.json["awaiting_level"] == "street"
    # The district may not sign the street stage.
    res = api.as_token(tokens["district"]).post(
        f"{url}/approve", {"version": item.version}, status=422
    )
    assert "不能越级" in res.json["message"]
    # The applicant signs no stage (separation of duties); another street reviewer does.
    res = api.post(f"{url}/approve", {"version": item.version}, status=422)
    assert "职责分离" in res.json["message"]
    res = api.as_token(tokens["street2"]).post(f"{url}/approve", {"version": item.version})
    assert res.json["status"] == "street_approved"
    # Return needs a reason.
    district = api.as_token(tokens["district"])
    res = district.post(f"{url}/return", {"version": item.version}, status=400)
    assert res.json["fields"] == {"reason": "必填"}
    res = district.post(f"{url}/approve", {"version": item.version})
    assert res.json["status"] == "cleared" and res.json["cleared_at"]
    assert [r["decision"] for r in res.json["reviews"]] == ["start", "submit", "approve", "clear"]


def test_transition_with_stale_version_is_409_and_writes_nothing(api, items, dbsession):
    from whirlwind.ledger.models import ItemReview

    item = items["v1"]
    res = api.post(
        f"/api/v1/items/{item.id}/transitions/start", {"version": item.version + 5}, status=409
    )
    assert res.json["error"] == "stale_version"
    assert item.status == ItemStatus.PENDING
    assert dbsession.scalar(select(func.count()).select_from(ItemReview)) == 0


def test_unknown_transition_is_404_and_outside_jurisdiction_is_404(api, items):
    api.app.post_json(
        f"/api/v1/items/{items['v1'].id}/transitions/explode",
        {"version": 1},
        headers={"Authorization": f"Bearer {api.token}"},
        status=404,
    )
    api.post(f"/api/v1/items/{items['k1'].id}/transitions/start", {"version": 1}, status=404)


def test_browser_session_writes_need_the_csrf_header(apptest, checker, items, users):
    from tests.api.conftest import ApiClient

    item = items["v1"]
    login(apptest, "t_street")
    browser = ApiClient(apptest, checker)
    res = browser.post(
        f"/api/v1/items/{item.id}/transitions/start", {"version": item.version}, status=400
    )
    assert res.json["error"] == "bad_csrf"
    assert item.status == ItemStatus.PENDING
    res = browser.post(
        f"/api/v1/items/{item.id}/transitions/start",
        {"version": item.version},
        headers={"X-CSRF-Token": csrf_token(apptest)},
    )
    assert res.json["status"] == "in_progress"


def test_extension_request_and_decision_by_the_level_above(api, items, tokens):
    item = items["v1"]
    new = str(item.deadline + dt.timedelta(days=45))
    res = api.post(
        f"/api/v1/items/{item.id}/extensions", {"new_deadline": new, "reason": "汛期"}, status=201
    )
    ext = res.json
    assert ext["status"] == "pending" and ext["old_deadline"] == str(item.deadline)
    url = f"/api/v1/extensions/{ext['id']}/decision"
    # The applicant may not decide it.
    res = api.post(url, {"decision": "approve", "version": ext["version"]}, status=422)
    assert "职责分离" in res.json["message"]
    # Outside the jurisdiction it does not exist.
    api.as_token(tokens["district_b"]).post(
        url, {"decision": "approve", "version": ext["version"]}, status=404
    )
    res = api.as_token(tokens["district"]).post(
        url, {"decision": "approve", "version": ext["version"]}
    )
    assert res.json["status"] == "approved"
    detail = api.get(f"/api/v1/items/{item.id}").json
    assert detail["deadline"] == new and detail["extension_count"] == 1
    assert detail["original_deadline"] != new and len(detail["extensions"]) == 1
    # An edit through PUT cannot move the deadline.
    res = api.put(
        f"/api/v1/items/{item.id}",
        _update(item, deadline="2030-01-01", version=detail["version"]),
        status=400,
    )
    assert "延期申请" in res.json["message"]
