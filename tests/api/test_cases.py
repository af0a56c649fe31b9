"""Clues and cases through the API, with the cases area's schemas and rules."""

from __future__ import annotations

from tests.cases.helpers import days_ago, make_clue
from whirlwind.cases import services
from whirlwind.cases.models import Case, Clue


def _clue_body(org, **kw):
    body = {
        "title": "反映星光村会计挪用集体资金",
        "received_date": str(days_ago(2)),
        "source": "petition",
        "org_id": str(org.id),
        "categories": ["false_claims"],
        "summary": "群众来信反映。",
        "amount_involved": "5000",
        "reporter_name": "王五",
        "reporter_phone": "13800000000",
        "persons": [{"name": "李会计", "post": "村会计"}],
    }
    body.update(kw)
    return body


def test_register_a_clue_and_list_it(api, tree, tokens, dbsession):
    res = api.post("/api/v1/clues", _clue_body(tree["V2"]), status=201)
    clue = res.json
    assert clue["status"] == "registered" and clue["persons"] == ["李会计"]
    assert clue["reporter_name"] == "王五"  # street inspectors hold cases:reporter
    assert api.get("/api/v1/clues", {"q": "李会计"}).json["total"] == 1
    assert api.get("/api/v1/clues", {"status": "open"}).json["items"][0]["id"] == clue["id"]
    # A read-only leader sees the clue but not who reported it.
    seen = api.as_token(tokens["district_leader"]).get(f"/api/v1/clues/{clue['id']}").json
    assert (
        seen["title"] == clue["title"]
        and "reporter_name" not in seen
        and "reporter_phone" not in seen
    )
    # Another district: not found.
    api.as_token(tokens["district_b"]).get(f"/api/v1/clues/{clue['id']}", status=404)


def test_clue_rules(api, tree, dbsession):
    res = api.post("/api/v1/clues", _clue_body(tree["V1"], persons=[]), status=400)
    assert "persons" in res.json["fields"]
    res = api.post("/api/v1/clues", _clue_body(tree["K1"]), status=400)  # not in the jurisdiction
    assert "org_id" in res.json["fields"]
    res = api.post("/api/v1/clues", _clue_body(tree["V1"], received_date="2099-01-01"), status=400)
    assert "received_date" in res.json["fields"]
    assert dbsession.query(Clue).count() == 0


def test_disposal_steps_open_a_case_then_advance_it(api, tree, users, dbsession, tokens):
    clue = make_clue(dbsession, users["street"], tree["V1"], received_date=days_ago(30))
    res = api.post(
        f"/api/v1/clues/{clue.id}/disposals",
        {"mode": "open_case", "opinion": "直接立案", "proposed_on": str(days_ago(20))},
        status=201,
    )
    disposal = res.json["disposals"][-1]
    assert res.json["status"] == "proposed" and disposal["state"] == "proposed"
    # A leader may not approve.
    api.as_token(tokens["district_leader"]).post(
        f"/api/v1/disposals/{disposal['id']}/approve",
        {"approved_on": str(days_ago(19))},
        status=403,
    )
    # Nor may its proposer (separation of duties).
    res = api.post(
        f"/api/v1/disposals/{disposal['id']}/approve",
        {"approved_on": str(days_ago(19))},
        status=422,
    )
    assert "职责分离" in res.json["message"]
    res = api.as_token(tokens["street2"]).post(
        f"/api/v1/disposals/{disposal['id']}/approve", {"approved_on": str(days_ago(19))}
    )
    assert res.json["status"] == "case_opened" and len(res.json["case_ids"]) == 1
    case_id = res.json["case_ids"][0]
    case = api.get(f"/api/v1/cases/{case_id}").json
    assert case["stage"] == "investigation" and case["clue_ids"] == [clue.id]
    assert api.get("/api/v1/cases", {"status": "investigation"}).json["total"] == 1
    # Skipping a stage is refused; advancing with the current version works; stale is 409.
    url = f"/api/v1/cases/{case_id}/advance"
    res = api.post(
        url,
        {"stage": "announced", "on_date": str(days_ago(5)), "version": case["version"]},
        status=422,
    )
    assert res.json["error"] == "invalid_transition"
    res = api.post(
        url, {"stage": "review", "on_date": str(days_ago(5)), "version": case["version"]}
    )
    assert res.json["stage"] == "review"
    res = api.post(
        url,
        {"stage": "decision", "on_date": str(days_ago(1)), "version": case["version"]},
        status=409,
    )
    assert res.json["error"] == "stale_version"
    dbsession.expire_all()
    assert dbsession.get(Case, case_id).stage == "review"


def test_reject_and_wrong_disposal_ids(api, tree, users, dbsession, tokens):
    clue = make_clue(dbsession, users["street"], tree["V1"], received_date=days_ago(30))
    d = services.propose_disposal(
        dbsession,
        users["street"],
        clue,
        mode="close",
        opinion="了结",
        proposed_on=days_ago(20),
        close_reason="untrue",
    )
    res = api.post(
        f"/api/v1/disposals/{d.id}/reject",
        {"on_date": str(days_ago(19)), "note": "证据不足，需初核"},
    )
    assert res.json["disposals"][-1]["state"] == "rejected"
    api.as_token(tokens["district_b"]).post(
        f"/api/v1/disposals/{d.id}/reject", {"on_date": str(days_ago(19)), "note": "x"}, status=404
    )
    res = api.post(
        "/api/v1/disposals/2147483647/reject",
        {"on_date": str(days_ago(1)), "note": "x"},
        status=404,
    )
    assert res.json["error"] == "not_found"


def test_talk_inquiry_response_and_conclusion(api, tree, users, dbsession):
    clue = make_clue(dbsession, users["street"], tree["V1"], received_date=days_ago(30))
    d = services.propose_disposal(
        dbsession,
        users["street"],
        clue,
        mode="talk_inquiry",
        opinion="谈话函询",
        proposed_on=days_ago(20),
    )
    services.approve_disposal(dbsession, users["street2"], d, approved_on=days_ago(19))
    url = f"/api/v1/disposals/{d.id}"
    res = api.post(
        f"{url}/response",
        {"response_on": str(days_ago(10)), "method": "talk", "text": "本人作出说明"},
    )
    assert res.json["disposals"][-1]["response_on"] == str(days_ago(10))
    res = api.post(f"{url}/conclude", {"outcome": "clarified", "outcome_on": str(days_ago(5))})
    assert res.json["status"] == "closed" and res.json["disposals"][-1]["outcome"] == "clarified"
    # Concluding twice is refused.
    res = api.post(
        f"{url}/conclude", {"outcome": "clarified", "outcome_on": str(days_ago(4))}, status=422
    )
    assert res.json["error"] == "invalid_transition"
