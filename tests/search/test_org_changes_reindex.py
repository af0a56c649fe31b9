"""Search stays in step with the org tree (issue 24 item 4): moving a village to another
street moves its records' hits, totals and facets with it; renames, merges and
deactivations queue the unit's records; facet labels never name an invisible unit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from tests.search.helpers import index_outbox
from tests.search.test_web import clue, index_dir  # noqa: F401  (fixture)
from whirlwind.orgs import services as orgs
from whirlwind.outbox import SearchOutbox
from whirlwind.search import service


def _search(app, q):
    return app.get("/api/v1/search", params={"q": q}).json


def test_moving_a_village_moves_its_hits_totals_and_facets(
    as_user,
    dbsession,
    tree,
    index_dir,  # noqa: F811
):
    moved = clue(dbsession, tree["V2"], "星光村会计截留补助款", "截留补助款一万元。", "王会计")
    stay = clue(dbsession, tree["V1"], "大潭村出纳截留补助款", "截留补助款两万元。", "李出纳")
    other = clue(dbsession, tree["V3"], "刘家山村截留补助款", "截留补助款三千元。", "赵主任")
    dbsession.flush()
    index_outbox(dbsession, index_dir)
    assert _search(as_user("street_b"), "截留补助款")["total"] == 1  # 蔡店: V3 only

    # 星光村 leaves 祁家湾街道 for 蔡店街道.
    orgs.move_org_with_history(
        dbsession, tree["V2"], tree["S2"], reason="区划调整", on_date=dt.date(2026, 11, 1)
    )
    dbsession.flush()
    index_outbox(dbsession, index_dir)

    old = _search(as_user("street"), "截留补助款")  # 祁家湾街道
    assert old["total"] == 1 and [h["id"] for h in old["hits"]] == [stay.id]
    assert {f["value"] for f in old["facets"]["street_id"]} == {str(tree["S1"].id)}
    assert {f["value"] for f in old["facets"]["org_id"]} == {str(tree["V1"].id)}
    assert "王会计" not in str(_search(as_user("street"), "王会计"))

    new = _search(as_user("street_b"), "截留补助款")  # 蔡店街道
    assert new["total"] == 2 and {h["id"] for h in new["hits"]} == {moved.id, other.id}
    assert {f["value"]: f["count"] for f in new["facets"]["street_id"]} == {str(tree["S2"].id): 2}
    assert {f["value"] for f in new["facets"]["org_id"]} == {
        str(tree["V2"].id),
        str(tree["V3"].id),
    }
    assert _search(as_user("street_b"), "王会计")["total"] == 1

    # The page's facet labels name only what the viewer may see.
    page = as_user("street").get("/search", params={"q": "截留补助款"})
    assert "星光村" not in page.html.select_one("main").text.replace("星光村会计", "")


def test_rename_merge_and_deactivate_queue_the_units_records(dbsession, tree):
    record = clue(dbsession, tree["V2"], "星光村问题", "问题。", "钱某")
    dbsession.flush()

    def queued():
        return set(
            dbsession.scalars(
                select(SearchOutbox.record_id).where(
                    SearchOutbox.record_type == "clue", SearchOutbox.record_id == record.id
                )
            )
        )

    day = dt.date(2026, 11, 2)
    for change in (
        lambda: orgs.rename_org(dbsession, tree["V2"], name="星光新村", reason="更名", on_date=day),
        lambda: orgs.merge_org(dbsession, tree["V2"], tree["V1"], reason="撤村并居", on_date=day),
    ):
        dbsession.execute(SearchOutbox.__table__.delete())
        change()
        assert queued() == {record.id}
    dbsession.execute(SearchOutbox.__table__.delete())
    tree["V3"].active = True
    other = clue(dbsession, tree["V3"], "刘家山村问题", "问题。", "孙某")
    dbsession.flush()
    dbsession.execute(SearchOutbox.__table__.delete())
    orgs.deactivate_org(dbsession, tree["V3"], reason="撤销", on_date=day)
    assert set(dbsession.scalars(select(SearchOutbox.record_id))) == {other.id}


def test_facet_labels_are_scoped(dbsession, tree, users):
    from whirlwind.security import Identity

    ident = Identity(users["street"], users["street"].permissions)
    facets = {"org_id": [(str(tree["V1"].id), 1), (str(tree["V3"].id), 4)]}
    assert service.scoped_facets(dbsession, ident, facets)["org_id"] == [(str(tree["V1"].id), 1)]
    labels = service.facet_labels(dbsession, facets, ident)["org_id"]
    assert labels == {str(tree["V1"].id): "大潭村"}
