"""The API shell: token and cookie authentication, CSRF for cookie writes, error shape,
jurisdiction, pagination limits, the OpenAPI document."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import login
from whirlwind.accounts.models import ApiToken
from whirlwind.api.openapi import to_json_schema
from whirlwind.security import hash_key


def test_token_acts_as_its_user(api, users):
    res = api.get("/api/v1/me")
    assert res.json["username"] == "t_street"
    assert res.json["org"]["name"] == "祁家湾街道"
    assert res.json["via_token"] is True
    assert "ledger:view" in res.json["permissions"]
    assert "users:manage" not in res.json["permissions"]


def test_no_token_is_401_json(api):
    res = api.as_token(None).get("/api/v1/orgs", status=401)
    assert res.json["error"] == "unauthenticated"
    assert "令牌" in res.json["message"]
    assert res.json["fields"] == {}
    assert api.as_token(None).get("/api/v1/me", status=401).json["error"] == "unauthenticated"


def test_unknown_and_malformed_tokens_are_401(api):
    assert api.as_token("ww_not-a-real-token").get("/api/v1/orgs", status=401)
    assert api.as_token("Basic abc").get("/api/v1/me", status=401)


def test_revoked_token_is_401_even_with_a_session_cookie(api, apptest, tokens, dbsession, users):
    token = dbsession.scalar(
        select(ApiToken).where(ApiToken.token_hash == hash_key(tokens["street"]))
    )
    api.get("/api/v1/me")
    from whirlwind.api.services import revoke_token

    revoke_token(dbsession, users["street"], token.id)
    assert api.get("/api/v1/me", status=401).json["error"] == "unauthenticated"
    login(apptest, "t_street")
    # The browser session works alone, but a revoked token never falls back to it.
    assert api.as_token(None).get("/api/v1/me").json["via_token"] is False
    api.get("/api/v1/me", status=401)
    # The search API too (it is authorized by the permission alone, not the API wrapper).
    assert api.as_token(None).get("/api/v1/search", {"q": "资金"}).status_code == 200
    api.get("/api/v1/search", {"q": "资金"}, status=401)


def test_token_is_stored_hashed_and_records_last_use(api, tokens, dbsession):
    raw = tokens["street"]
    row = dbsession.scalar(select(ApiToken).where(ApiToken.token_hash == hash_key(raw)))
    assert row.last_used_at is None
    assert raw not in (row.token_hash, row.prefix, row.name)
    api.get("/api/v1/me")
    dbsession.refresh(row)
    assert row.last_used_at is not None


def test_permission_denied_is_403(api, dbsession, users):
    # Roles are data: a local role without "orgs:view" may not read the organization list.
    from whirlwind.accounts.models import Role
    from whirlwind.security import new_api_token

    role = Role(code="t_viewer", label_zh="测试角色", permissions="ledger:view api:tokens")
    dbsession.add(role)
    users["street_b"].roles = [role]
    dbsession.flush()
    token = new_api_token(dbsession, users["street_b"], "t")[1]
    res = api.as_token(token).get("/api/v1/orgs", status=403)
    assert res.json == {"error": "forbidden", "message": "您没有执行此操作的权限。", "fields": {}}


def test_outside_jurisdiction_is_404(api, tree):
    res = api.get(f"/api/v1/orgs/{tree['D2'].id}", status=404)
    assert res.json["error"] == "not_found"
    assert "管辖范围" in res.json["message"]
    api.get("/api/v1/orgs/999999999", status=404)
    api.get(f"/api/v1/orgs/{tree['V1'].id}")


def test_non_numeric_and_huge_ids_are_404_json(apptest, tokens):
    for raw in ("abc", "-1", "0", str(2**40)):
        res = apptest.get(
            f"/api/v1/orgs/{raw}",
            headers={"Authorization": f"Bearer {tokens['street']}"},
            status=404,
        )
        assert res.json["error"] == "not_found"


def test_validation_errors_name_the_fields(api):
    res = api.get("/api/v1/orgs", {"size": "500", "level": "planet", "page": "x"}, status=400)
    assert res.json["error"] == "validation_failed"
    assert set(res.json["fields"]) == {"size", "level", "page"}
    assert "200" in res.json["fields"]["size"]
    res = api.get("/api/v1/orgs", {"q": "a\x00b"}, status=400)
    assert "q" in res.json["fields"]


def test_cookie_session_may_read_the_api(apptest, users):
    login(apptest, "t_street")
    res = apptest.get("/api/v1/me")
    assert res.json["username"] == "t_street" and res.json["via_token"] is False


def test_unknown_api_path_is_json_404(api):
    res = api.app.get("/api/v1/no-such-thing", status=404)
    assert res.json["error"] == "not_found"


def test_openapi_document_describes_every_registered_endpoint(api_doc):
    from whirlwind.api.framework import REGISTRY

    assert api_doc["openapi"].startswith("3.1")
    for (path, method), ep in REGISTRY.items():
        op = api_doc["paths"][path][method.lower()]
        assert op["operationId"] == ep.operation_id
        assert "200" in op["responses"] or str(ep.status) in op["responses"]
        assert {"400", "401", "403", "404"} <= set(op["responses"])
    orgs = api_doc["paths"]["/api/v1/orgs"]["get"]
    params = {p["name"]: p["schema"] for p in orgs["parameters"]}
    assert params["size"]["maximum"] == 200
    assert params["level"]["enum"] == ["city", "district", "street", "community", "village"]


def test_schema_converter_covers_the_node_types():
    import colander

    from whirlwind.forms import choice, date, money, text

    class Member(colander.MappingSchema):
        name = text("姓名", max_length=64)

    class Members(colander.SequenceSchema):
        member = Member()

    class Sample(colander.MappingSchema):
        title = text("标题", max_length=200)
        note = text("备注", max_length=2000, missing="")
        deadline = date("期限")
        amount = money("金额")
        count = colander.SchemaNode(colander.Integer(), validator=colander.Range(0, 10))
        flag = colander.SchemaNode(colander.Boolean(), missing=False)
        kind = choice("类别", [("a", "甲"), ("b", "乙")])
        tags = choice("标签", [("x", "X"), ("y", "Y")], multiple=True, missing=())
        members = Members(validator=colander.Length(min=1, max=5))

    s = to_json_schema(Sample())
    props = s["properties"]
    assert set(s["required"]) == {"title", "deadline", "count", "kind", "members"}
    assert props["title"]["maxLength"] == 200 and props["title"]["minLength"] == 1
    assert props["note"]["maxLength"] == 2000 and "minLength" not in props["note"]
    assert props["deadline"] == {"type": "string", "format": "date", "title": "期限"}
    assert props["amount"]["type"] == "string"
    assert props["amount"]["pattern"] == r"^\d{1,12}(\.\d{1,2})?$"
    assert (props["count"]["minimum"], props["count"]["maximum"]) == (0, 10)
    assert props["flag"]["type"] == "boolean"
    assert props["kind"]["enum"] == ["a", "b"]
    assert props["tags"]["items"]["enum"] == ["x", "y"] and props["tags"]["uniqueItems"]
    assert props["members"]["minItems"] == 1 and props["members"]["maxItems"] == 5
    assert props["members"]["items"]["required"] == ["name"]
