"""Organizations through the API (read-only): jurisdiction, filters, detail."""

from __future__ import annotations


def test_list_shows_the_jurisdiction_only(api, tree):
    res = api.get("/api/v1/orgs")
    assert [o["name"] for o in res.json["items"]] == ["祁家湾街道", "大潭村", "星光村"]
    assert res.json["total"] == 3


def test_filters(api, tree, tokens):
    city = api.as_token(tokens["city"])
    assert [o["name"] for o in city.get("/api/v1/orgs", {"level": "district"}).json["items"]] == [
        "江岸区",
        "黄陂区",
    ]
    children = city.get("/api/v1/orgs", {"parent_id": tree["D1"].id}).json["items"]
    assert [o["name"] for o in children] == ["祁家湾街道", "蔡店街道"]
    assert [o["name"] for o in city.get("/api/v1/orgs", {"q": "三阳"}).json["items"]] == [
        "三阳社区"
    ]
    # A filter naming a unit outside the jurisdiction finds nothing.
    assert api.get("/api/v1/orgs", {"parent_id": tree["S3"].id}).json["total"] == 0
    page = city.get("/api/v1/orgs", {"size": 3, "page": 2}).json
    assert page["total"] == 10 and len(page["items"]) == 3 and page["page"] == 2


def test_detail(api, tree):
    res = api.get(f"/api/v1/orgs/{tree['V1'].id}")
    assert (
        res.json["name"] == "大潭村"
        and res.json["level"] == "village"
        and res.json["level_label"] == "村"
    )
    assert res.json["parent_id"] == tree["S1"].id and res.json["is_rural"] is True
    api.get(f"/api/v1/orgs/{tree['C'].id}", status=404)  # above the caller: not visible
