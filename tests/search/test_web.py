"""Search pages and the JSON API over real clues and cases: jurisdiction of hits and
facets, API shape, highlighting from the database text, related records."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest

from tests.search.helpers import index_outbox
from whirlwind import clock
from whirlwind.cases import services

TODAY = clock.today()


def clue(session, org, title, summary, person, **kw):
    data = dict(
        org=org,
        source="petition",
        received_date=TODAY - dt.timedelta(days=30),
        title=title,
        summary=summary,
        persons=[{"name": person, "post": "会计", "unit_name": org.name}],
        categories=["false_claims"],
        amount_involved=decimal.Decimal("5000"),
    )
    data.update(kw)
    return services.create_clue(session, None, **data)


@pytest.fixture
def index_dir(app, tmp_path):
    settings = app.registry.settings
    old = settings["whirlwind.index_dir"]
    settings["whirlwind.index_dir"] = str(tmp_path / "index")
    yield tmp_path / "index"
    settings["whirlwind.index_dir"] = old


@pytest.fixture
def records(dbsession, tree, users, index_dir):
    r = {
        "v1": clue(
            dbsession,
            tree["V1"],
            "大潭村会计张伟华截留扶贫资金",
            "张伟华截留扶贫资金三万元，用于个人开支。",
            "张伟华",
        ),
        "v2": clue(
            dbsession,
            tree["V2"],
            "星光村扶贫工作资金问题",
            "反映扶贫工作中专项资金发放迟缓。",
            "李强",
            source="audit",
        ),
        "k1": clue(
            dbsession, tree["K1"], "三阳社区张伟截留扶贫资金", "张伟截留扶贫资金两万元。", "张伟"
        ),
    }
    dbsession.flush()
    index_outbox(dbsession, index_dir)
    return r


def test_street_user_sees_only_its_jurisdiction(as_user, records):
    app = as_user("street")  # 祁家湾街道: V1, V2
    res = app.get("/search", params={"q": "扶贫资金"})
    assert "大潭村会计" in res.text
    assert "三阳社区" not in res.text  # another district's record is never shown
    assert "共找到 1 条记录" in res.text
    assert "<mark>扶贫资金</mark>" in res.text


def test_city_user_finds_names_inside_names(as_user, records):
    app = as_user("city")
    res = app.get("/api/v1/search", params={"q": "张伟"})
    assert res.json["total"] == 2
    assert {h["id"] for h in res.json["hits"]} == {records["v1"].id, records["k1"].id}


def test_api_shape_and_facets_within_jurisdiction(as_user, records, tree):
    app = as_user("district")  # 黄陂区: V1, V2
    res = app.get("/api/v1/search", params={"q": "资金", "size": "1"})
    body = res.json
    assert body["total"] == 2 and len(body["hits"]) == 1
    hit = body["hits"][0]
    assert set(hit) >= {"type", "id", "title", "snippet", "score", "url"}
    assert hit["type"] == "clue" and hit["url"].startswith("/cases/clues/")
    districts = {f["value"]: f["count"] for f in body["facets"]["district_id"]}
    assert districts == {str(tree["D1"].id): 2}
    sources = {f["value"]: f["count"] for f in body["facets"]["source"]}
    assert sources == {"petition": 1, "audit": 1}
    # Filters.
    res = app.get("/api/v1/search", params={"q": "资金", "source": "audit"})
    assert [h["id"] for h in res.json["hits"]] == [records["v2"].id]
    res = app.get("/api/v1/search", params={"q": "资金", "street": str(tree["S3"].id)})
    assert res.json["total"] == 0  # outside the jurisdiction: nothing, not even a count


def test_api_with_token(testapp, dbsession, users, records):
    from whirlwind.security import new_api_token

    _, raw = new_api_token(dbsession, users["street_c"])  # 大智街道: K1 only
    res = testapp.get(
        "/api/v1/search", params={"q": "扶贫资金"}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert [h["id"] for h in res.json["hits"]] == [records["k1"].id]


def test_bad_filter_is_a_clear_400(as_user, records):
    app = as_user("city")
    res = app.get("/api/v1/search", params={"q": "资金", "year_from": "abc"}, status=400)
    assert res.json["message"] == "起始年份须为整数。"
    res = app.get("/search", params={"amount_min": "100", "amount_max": "10"}, status=400)
    assert "最低金额不能大于最高金额" in res.text


def test_committee_member_may_not_search(as_user, records):
    app = as_user("committee")
    app.get("/search", status=403)


def test_anonymous_api_is_refused(testapp, records):
    res = testapp.get("/api/v1/search", params={"q": "资金"}, expect_errors=True)
    assert res.status_int in (401, 403)


def test_related_records(as_user, records):
    app = as_user("district")
    res = app.get(f"/search/related/clue/{records['v1'].id}", params={"format": "json"})
    ids = [h["id"] for h in res.json["hits"]]
    assert records["v2"].id in ids and records["v1"].id not in ids
    assert records["k1"].id not in ids  # outside the district
    html = app.get(f"/search/related/clue/{records['v1'].id}")
    assert "相关案件" in html.text and "星光村扶贫工作资金问题" in html.text
    # A record outside the jurisdiction has no related list at all.
    res = app.get(f"/search/related/clue/{records['k1'].id}", params={"format": "json"})
    assert res.json["hits"] == []


def test_change_reaches_the_index(as_user, dbsession, records, index_dir):
    app = as_user("city")
    records["v2"].title = "星光村村级小微工程问题"
    dbsession.flush()
    index_outbox(dbsession, index_dir)
    res = app.get("/api/v1/search", params={"q": "村级小微工程"})
    assert [h["id"] for h in res.json["hits"]] == [records["v2"].id]
    dbsession.delete(records["v2"])
    dbsession.flush()
    index_outbox(dbsession, index_dir)
    assert app.get("/api/v1/search", params={"q": "村级小微工程"}).json["total"] == 0
