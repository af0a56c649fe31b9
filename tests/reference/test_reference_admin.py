"""Reference lists administration: labels, order, active flag and new values."""

from __future__ import annotations

from sqlalchemy import select

from whirlwind.reference.models import RefValue
from whirlwind.reference.services import choices, labels


def test_index_lists_kinds_with_counts(as_user, users):
    res = as_user("admin").get("/admin/reference")
    assert "party_org_kind" in res.html.find(id="kind-list").text


def test_edit_label_and_deactivate(as_user, users, dbsession):
    value = dbsession.scalar(
        select(RefValue).where(RefValue.kind == "party_org_kind", RefValue.code == "soe")
    )
    app = as_user("admin")
    form = app.get(f"/admin/reference/value/{value.id}/edit").forms["ref-edit"]
    form["label_zh"] = "国有企业（含控股）"
    form["active"] = False
    form["sort"] = "50"
    form.submit("submit", status=302)
    assert labels(dbsession, "party_org_kind")["soe"] == "国有企业（含控股）"
    assert "soe" not in dict(choices(dbsession, "party_org_kind"))
    history = app.get("/admin/log", {"record_type": "ref_value"}).html.find(id="log-list").text
    assert "中文名称：国有企业 → 国有企业（含控股）" in history and "启用：是 → 否" in history


def test_add_value_and_duplicate_code(as_user, users, dbsession):
    app = as_user("admin")
    form = app.get("/admin/reference/party_org_kind/add").forms["ref-add"]
    form["code"] = "coop"
    form["label_zh"] = "合作社"
    form.submit("submit", status=302)
    assert ("coop", "合作社") in choices(dbsession, "party_org_kind")
    form = app.get("/admin/reference/party_org_kind/add").forms["ref-add"]
    form["code"] = "coop"
    form["label_zh"] = "重复"
    assert "已存在" in form.submit("submit", status=400).text
    form["code"] = "bad code!"
    assert "代码只能使用" in form.submit("submit", status=400).text


def test_unknown_kind_is_404_and_permission_needed(as_user, users):
    as_user("admin").get("/admin/reference/no_such_kind", status=404)
    as_user("city").get("/admin/reference", status=403)
