"""Ledger pages as users see them: buttons, transitions, 409, filters, export, board."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from tests.conftest import csrf_token
from tests.ledger.helpers import PNG, TODAY, add_evidence, ident, make_item, package_for
from whirlwind.ledger.models import ItemStatus
from whirlwind.ledger.workflow import transition


@pytest.fixture
def items(dbsession, tree, users, settings):
    package = package_for(dbsession, tree["V1"], users=users)
    street = ident(users["street"])
    a = make_item(
        dbsession, users["street"], tree["V1"], package=package, problem="甲：三会一课不落实"
    )
    b = make_item(
        dbsession,
        users["street"],
        tree["V2"],
        problem="乙：村务未公开",
        deadline=TODAY - dt.timedelta(days=10),
    )
    c = make_item(
        dbsession,
        users["street"],
        tree["V3"],
        problem="丙：集体资产未登记",
        deadline=TODAY + dt.timedelta(days=2),
    )
    d = make_item(dbsession, users["district_b"], tree["K1"], problem="丁：江岸区的事项")
    add_evidence(dbsession, settings, street, a)
    transition(dbsession, street, a, "submit", version=a.version)
    return {"a": a, "b": b, "c": c, "d": d}


def post(app, url, **data):
    data.setdefault("csrf_token", csrf_token(app))
    return app.post(url, data, status="*")


def test_item_page_shows_only_the_buttons_the_user_may_press(as_user, items):
    a = items["a"]
    app = as_user("street")
    page = app.get(f"/ledger/items/{a.id}")
    assert (
        "申请销号（待街道审核）" in page.text
        and "包保责任" in page.text
        and "街道领导" in page.text
    )
    # The applicant may return the item but signs none of its stages (separation of duties).
    assert page.html.find(id="action-return") and not page.html.find(id="action-approve")
    assert not page.html.find(id="action-submit")
    page = as_user("street2").get(f"/ledger/items/{a.id}")
    assert page.html.find(id="action-approve") and page.html.find(id="action-return")
    app = as_user("district")
    page = app.get(f"/ledger/items/{a.id}")
    # A higher reviewer may return the item but not sign the street's stage.
    assert page.html.find(id="action-return") and not page.html.find(id="action-approve")
    page = as_user("city_leader").get(f"/ledger/items/{a.id}")
    assert page.html.find(id="no-actions") is not None
    # Another district: the item does not exist for it.
    as_user("district_b").get(f"/ledger/items/{a.id}", status=404)


def test_sign_off_through_the_web_and_stale_version_is_409(as_user, items, dbsession):
    a = items["a"]
    res = post(as_user("street"), f"/ledger/items/{a.id}/approve", version=a.version)
    assert res.status_int == 422 and "职责分离" in res.text
    app = as_user("street2")
    seen = a.version
    res = post(app, f"/ledger/items/{a.id}/approve", version=seen)
    assert res.status_int == 302
    assert a.status == ItemStatus.STREET_APPROVED
    app = as_user("district")
    res = post(app, f"/ledger/items/{a.id}/approve", version=seen)
    assert res.status_int == 409 and "版本已变化" in res.text
    assert a.status == ItemStatus.STREET_APPROVED
    # The street cannot sign the district stage: 422 with the reason.
    res = post(as_user("street2"), f"/ledger/items/{a.id}/approve", version=a.version)
    assert res.status_int == 422 and "待区级审核" in res.text
    res = post(as_user("district"), f"/ledger/items/{a.id}/approve", version=a.version)
    assert res.status_int == 302 and a.status == ItemStatus.CLEARED


def test_return_needs_reason_and_shows_it(as_user, items):
    a = items["a"]
    app = as_user("street")
    res = post(app, f"/ledger/items/{a.id}/return", version=a.version, reason="")
    assert res.status_int == 400 and "退回原因" in res.text
    res = post(app, f"/ledger/items/{a.id}/return", version=a.version, reason="佐证照片模糊")
    assert res.status_int == 302
    page = app.get(f"/ledger/items/{a.id}")
    assert "退回原因：佐证照片模糊" in page.text
    # Resubmission waits for a progress note written after the return.
    assert page.html.find(id="action-submit") is None
    res = post(app, f"/ledger/items/{a.id}/notes", note="已重新拍摄")
    assert res.status_int == 302
    page = app.get(f"/ledger/items/{a.id}")
    assert page.html.find(id="action-submit") is not None


def test_progress_note_with_evidence_upload(as_user, items, dbsession):
    b = items["b"]
    app = as_user("street")
    page = app.get(f"/ledger/items/{b.id}")
    form = page.forms["note-form"]
    form["note"] = "已张贴公开栏"
    form["file"] = ("公开栏.png", PNG)
    form.submit(status=302)
    assert b.status == ItemStatus.IN_PROGRESS
    page = app.get(f"/ledger/items/{b.id}")
    assert "公开栏.png" in page.text and page.html.find(id="action-submit") is not None
    # A committee member may look but not report progress.
    res = post(as_user("committee"), f"/ledger/items/{b.id}/notes", note="x")
    assert res.status_int == 403


def test_list_filters_and_jurisdiction(as_user, items, tree):
    app = as_user("district")
    page = app.get("/ledger")
    assert "甲：" in page.text and "乙：" in page.text and "丁：" not in page.text
    assert "乙：" in app.get("/ledger", {"overdue": "1"}).text
    assert "甲：" not in app.get("/ledger", {"overdue": "1"}).text
    assert "丙：" in app.get("/ledger", {"colour": "yellow"}).text
    page = app.get("/ledger", {"awaiting": "street"})
    assert "甲：" in page.text and "乙：" not in page.text
    page = app.get("/ledger", {"street": tree["S2"].id})
    assert "丙：" in page.text and "甲：" not in page.text
    assert (
        "乙：" in app.get("/ledger", {"q": "村务"}).text
        and "甲：" not in app.get("/ledger", {"q": "村务"}).text
    )
    city = as_user("city").get("/ledger", {"district": tree["D2"].id})
    assert "丁：" in city.text and "甲：" not in city.text


def test_export_contains_exactly_the_filtered_rows(as_user, items, tree):
    app = as_user("city")
    page = app.get("/ledger", {"district": tree["D1"].id, "overdue": "0", "sort": "-deadline"})
    link = page.html.find(id="export")["href"]
    res = app.get(link)
    assert res.content_type.startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(res.body)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "整改编号"
    problems = [r[5] for r in rows[1:]]
    assert problems == ["甲：三会一课不落实", "丙：集体资产未登记"]
    # Street S1 only: its own units, never another street's.
    res = as_user("street").get("/ledger/export.xlsx")
    problems = sorted(
        r[5]
        for r in list(load_workbook(io.BytesIO(res.body)).active.iter_rows(values_only=True))[1:]
    )
    assert problems == ["乙：村务未公开", "甲：三会一课不落实"]


def test_board_counts_per_level_link_to_the_list(as_user, items, tree):
    page = as_user("city").get("/ledger/board")
    rows = {
        r["data-unit"]: [td.get_text(strip=True) for td in r.find_all("td")]
        for r in page.html.select("#board tbody tr")
    }
    assert rows[str(tree["D1"].id)] == ["黄陂区", "3", "3", "1", "0", "1"]
    assert rows[str(tree["D2"].id)] == ["江岸区", "1", "1", "0", "0", "0"]
    link = page.html.select(f'#board tr[data-unit="{tree["D1"].id}"] td')[5].a["href"]
    listed = as_user("city").get(link)
    assert "乙：" in listed.text and "甲：" not in listed.text
    page = as_user("district").get("/ledger/board")
    units = {r["data-unit"] for r in page.html.select("#board tbody tr")}
    assert units == {str(tree["S1"].id), str(tree["S2"].id)}
    page = as_user("street").get("/ledger/board")
    units = {r["data-unit"] for r in page.html.select("#board tbody tr")}
    assert units == {str(tree["V1"].id), str(tree["V2"].id)}


def test_overdue_page_and_my_packages(as_user, items, users):
    page = as_user("district").get("/ledger/overdue")
    assert "乙：" in page.text and "甲：" not in page.text and "祁家湾街道" in page.text
    page = as_user("district").get("/ledger/my-packages")
    assert "甲：" in page.text and "乙：" not in page.text
    page = as_user("district_b").get("/ledger/my-packages")
    assert "没有被列为任何包保责任人" in page.text


def test_edit_item_with_version(as_user, items):
    b = items["b"]
    app = as_user("street")
    form = app.get(f"/ledger/items/{b.id}/edit").forms["item"]
    form["measure"] = "按季公开并拍照存档"
    # The deadline is not on the edit form: it moves only through a 延期申请.
    assert "date" not in form.fields and "deadline" not in form.fields
    form.submit("submit", status=302)
    assert b.measure == "按季公开并拍照存档"
    form["measure"] = "旧版本"
    res = form.submit("submit", status=409)
    assert "版本已变化" in res.text


def test_list_query_count_does_not_grow_with_rows(as_user, items, dbsession, tree, users, app):
    """No N+1: the list page issues the same number of queries for 4 rows as for 24."""
    from sqlalchemy import event

    engine = app.registry["dbengine"]
    app_ = as_user("city")

    def count(path):
        n = [0]

        def before(*a, **k):
            n[0] += 1

        event.listen(engine, "before_cursor_execute", before)
        try:
            app_.get(path)
        finally:
            event.remove(engine, "before_cursor_execute", before)
        return n[0]

    paths = ("/ledger", "/ledger/overdue", "/ledger/my-packages", "/ledger/board")
    package = package_for(dbsession, tree["V2"], users=users)

    def add(i):
        unit = tree["V2"] if i % 2 else tree["K1"]
        make_item(
            dbsession,
            users["street"],
            unit,
            package=package,
            problem=f"批量{i}",
            deadline=TODAY - dt.timedelta(days=i + 1),
        )

    add(0)
    add(1)
    before = [count(p) for p in paths]
    for i in range(2, 22):
        add(i)
    assert [count(p) for p in paths] == before


def test_extension_forms_on_the_item_page(as_user, items, testapp):
    b = items["b"]
    new = (b.deadline + dt.timedelta(days=30)).isoformat()
    app = as_user("street")
    form = app.get(f"/ledger/items/{b.id}").forms["extension-form"]
    form["new_deadline"] = new
    form["reason"] = "村两委换届"
    form.submit(status=302)
    page = app.get(f"/ledger/items/{b.id}")
    assert "待审批" in page.text and "extension-form" not in page.forms
    assert not any(str(k).startswith("extension-decide") for k in page.forms)  # the applicant
    testapp.reset()
    app = as_user("district")
    page = app.get(f"/ledger/items/{b.id}")
    decide = next(f for k, f in page.forms.items() if str(k).startswith("extension-decide"))
    decide.submit("decision", value="approve", status=302)
    page = app.get(f"/ledger/items/{b.id}")
    assert page.html.find(id="extension-count").text.strip() == "已延期 1 次"
    assert b.deadline.isoformat() == new
