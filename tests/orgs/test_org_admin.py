"""Org administration: tree, add, rename, move, deactivate, merge (撤村并居), delete."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token
from whirlwind import clock
from whirlwind.accounts.models import User
from whirlwind.ledger.services import create_item
from whirlwind.orgs.models import Org, OrgNameHistory
from whirlwind.orgs.services import subtree_ids


def test_tree_shows_jurisdiction_with_counts(as_user, tree):
    res = as_user("admin").get("/admin/orgs")
    assert res.status_int == 200
    tree_html = res.html.find(id="org-tree").text
    for key in ("C", "D1", "D2", "S1", "V1", "K1"):
        assert tree[key].name in tree_html
    counts = res.html.find(id="level-counts").text
    assert "村 3" in " ".join(counts.split()) or "村 \n3" in counts or "3" in counts
    # Collapsible: streets closed at the default depth, open when asked.
    assert "<details open" in res.text
    deeper = as_user("admin").get("/admin/orgs?depth=4")
    assert deeper.text.count("<details open") > res.text.count("<details open")


def test_search_by_name_and_code(as_user, tree):
    app = as_user("admin")
    res = app.get("/admin/orgs", {"q": "星光"})
    rows = res.html.find(id="org-list").text
    assert "星光村" in rows and "大潭村" not in rows
    res = app.get("/admin/orgs", {"q": tree["S1"].code})
    assert "祁家湾街道" in res.html.find(id="org-list").text


def test_org_pages_need_orgs_manage(as_user, tree):
    as_user("city").get("/admin/orgs", status=403)
    as_user("city").get(f"/admin/orgs/{tree['V1'].id}", status=403)


def test_add_unit_under_street(as_user, tree, dbsession):
    app = as_user("admin")
    form = app.get(f"/admin/orgs/new?parent={tree['S1'].id}").forms["org-add"]
    form["code"] = "T420116001009"
    form["name"] = "新建村"
    form["level"] = "village"
    form["party_org_name"] = "中共新建村支部委员会"
    form["party_org_type"] = "branch"
    res = form.submit("submit", status=302).follow()
    assert "新建村" in res.text and "党支部" in res.text
    org = dbsession.scalar(select(Org).where(Org.code == "T420116001009"))
    assert org.street_id == tree["S1"].id and org.district_id == tree["D1"].id
    assert org.id in set(dbsession.scalars(subtree_ids(tree["D1"].id)))


def test_add_unit_wrong_level_is_refused(as_user, tree, dbsession):
    form = as_user("admin").get("/admin/orgs/new").forms["org-add"]
    form["parent_id"] = str(tree["D1"].id)
    form["code"] = "X1"
    form["name"] = "错层村"
    form["level"] = "village"
    res = form.submit("submit", status=400)
    assert "村的上级必须是街道/乡镇" in res.text
    assert dbsession.scalar(select(Org).where(Org.code == "X1")) is None


def test_rename_keeps_history_and_records(as_user, tree, dbsession, users):
    app = as_user("admin")
    form = app.get(f"/admin/orgs/{tree['V1'].id}/rename").forms["org-rename"]
    form["name"] = "大潭新村"
    form["reason"] = "黄陂政〔2026〕1号"
    form["date"] = "2026-03-01"
    res = form.submit("submit", status=302).follow()
    assert "大潭新村" in res.text
    hist = res.html.find(id="name-history").text
    assert "大潭村" in hist and "黄陂政〔2026〕1号" in hist and "2026-03-01" in hist
    # The history panel speaks Chinese: field label, not the column name.
    panel = res.html.find(id="history").text
    assert "名称：大潭村 → 大潭新村" in panel and "更名" in panel
    assert "party_org_name" not in panel
    assert users["committee"].org_id == tree["V1"].id


def test_stale_rename_is_refused(as_user, tree, dbsession):
    app = as_user("admin")
    form = app.get(f"/admin/orgs/{tree['V1'].id}/rename").forms["org-rename"]
    tree["V1"].note = "changed meanwhile"
    dbsession.flush()
    form["name"] = "大潭新村"
    form["reason"] = "文件"
    form["date"] = "2026-03-01"
    res = form.submit("submit", status=409)
    assert "已被他人修改" in res.text


def test_move_street_with_subtree(as_user, tree, dbsession):
    app = as_user("admin")
    form = app.get(f"/admin/orgs/{tree['S2'].id}/move").forms["org-move"]
    form["parent_id"] = str(tree["D2"].id)
    form["reason"] = "区划调整"
    form["date"] = "2026-01-01"
    form.submit("submit", status=302)
    dbsession.flush()
    assert tree["V3"].district_id == tree["D2"].id
    h = dbsession.scalar(select(OrgNameHistory).where(OrgNameHistory.org_id == tree["S2"].id))
    assert h.parent_id == tree["D1"].id and h.reason == "区划调整"


def test_deactivate_refused_with_active_children_then_allowed(as_user, tree, dbsession):
    app = as_user("admin")
    form = app.get(f"/admin/orgs/{tree['S2'].id}/deactivate").forms["org-deactivate"]
    form["reason"] = "撤销"
    res = form.submit("submit", status=400)
    assert "启用的下级单位" in res.text
    form = app.get(f"/admin/orgs/{tree['V3'].id}/deactivate").forms["org-deactivate"]
    form["reason"] = "撤销"
    form.submit("submit", status=302)
    dbsession.expire_all()
    assert tree["V3"].active is False and tree["V3"].valid_to is not None


def test_merge_keeps_records_findable(as_user, tree, dbsession, users):
    import datetime as dt

    item = create_item(
        dbsession,
        users["street"],
        org=tree["V2"],
        source_type="finding",
        source_id=1,
        problem="合并前的问题",
        deadline=clock.today() + dt.timedelta(days=30),
    )
    app = as_user("admin")
    form = app.get(f"/admin/orgs/{tree['V2'].id}/merge").forms["org-merge"]
    form["target_id"] = str(tree["V1"].id)
    form["reason"] = "撤村并居"
    form["date"] = "2026-02-01"
    res = form.submit("submit", status=302).follow()
    assert "已并入" in res.html.find(id="merged-into").text and "大潭村" in res.text
    dbsession.expire_all()
    assert tree["V2"].merged_into_id == tree["V1"].id and not tree["V2"].active
    assert item.org_id == tree["V2"].id  # records stay attached to the merged unit
    target = app.get(f"/admin/orgs/{tree['V1'].id}")
    assert "星光村" in target.html.find(id="merged-units").text
    # A merged unit is not offered as a target again, and cannot be reactivated.
    res = app.post(
        f"/admin/orgs/{tree['V2'].id}/reactivate",
        {"csrf_token": csrf_token(app), "version": tree["V2"].version},
        status=400,
    )
    assert "不能重新启用" in res.text


def test_merge_across_levels_is_refused(as_user, tree):
    app = as_user("admin")
    form = app.get(f"/admin/orgs/{tree['V2'].id}/merge").forms["org-merge"]
    # Only same-level units are offered; a forged value is refused.
    options = [v for v, *_ in form["target_id"].options]
    assert str(tree["S1"].id) not in options and str(tree["V1"].id) in options
    form["target_id"].force_value(str(tree["S1"].id))
    res = form.submit("submit", status=400)
    assert "请选择" in res.text or "同一层级" in res.text


def test_used_unit_cannot_be_deleted_and_no_delete_button(as_user, tree, dbsession):
    app = as_user("admin")
    page = app.get(f"/admin/orgs/{tree['V1'].id}")  # has a user (committee member)
    assert "删除" not in page.html.find(id="actions").text
    res = app.post(
        f"/admin/orgs/{tree['V1'].id}/delete", {"csrf_token": csrf_token(app)}, status=400
    )
    assert "不能删除" in res.text
    assert dbsession.get(Org, tree["V1"].id) is not None


def test_unused_unit_can_be_deleted(as_user, tree, dbsession):
    from whirlwind.orgs.services import create_org

    org = create_org(dbsession, code="TMP1", name="误建村", level="village", parent=tree["S2"])
    app = as_user("admin")
    page = app.get(f"/admin/orgs/{org.id}")
    assert "删除" in page.html.find(id="actions").text
    app.post(f"/admin/orgs/{org.id}/delete", {"csrf_token": csrf_token(app)}, status=302)
    assert dbsession.scalar(select(Org).where(Org.code == "TMP1")) is None


def test_export_is_the_filtered_list(as_user, tree):
    import io

    from openpyxl import load_workbook

    res = as_user("admin").get("/admin/orgs", {"level": "village", "format": "xlsx"})
    ws = load_workbook(io.BytesIO(res.body)).active
    names = {row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert names == {"大潭村", "星光村", "刘家山村"}


def test_users_of_unit_count_as_records(dbsession, tree, users):
    from whirlwind.orgs.services import record_counts

    assert record_counts(dbsession, tree["V1"].id).get("user_account") == 1
    assert record_counts(dbsession, tree["S1"].id)["org"] == 2
    assert dbsession.scalar(select(User).where(User.org_id == tree["V1"].id))
