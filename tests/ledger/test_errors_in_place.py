"""Action forms of the item page answer a bad submission on the item page itself: the
message at the field, the typed text kept, a 4xx status and nothing written."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.ledger.helpers import PNG
from tests.ledger.test_views import items, post  # noqa: F401  (fixture)
from whirlwind.attachments.models import Attachment
from whirlwind.ledger.models import ItemStatus, ProgressNote


def test_whitespace_return_reason_stays_on_the_item_page(as_user, items):  # noqa: F811
    a = items["a"]
    app = as_user("street")
    res = post(app, f"/ledger/items/{a.id}/return", version=a.version, reason="   ")
    assert res.status_int == 400
    form = res.html.find(id="action-return")
    assert form is not None, "the item page with its return form is shown again"
    assert "请填写退回原因" in form.find(id="action-return-alert").text
    assert form.find(id="action-return-reason-error").text == "必填"
    assert res.html.find("h1").text.startswith("整改事项")
    assert "返回首页" not in res.text and "reason：" not in res.text
    assert a.status == ItemStatus.SUBMITTED


def test_bad_evidence_file_keeps_the_note_and_writes_nothing(as_user, items, dbsession):  # noqa: F811
    b = items["b"]
    app = as_user("street")
    notes_before = dbsession.scalar(select(func.count(ProgressNote.id)))
    files_before = dbsession.scalar(select(func.count(Attachment.id)))
    page = app.get(f"/ledger/items/{b.id}")
    form = page.forms["note-form"]
    form["note"] = "已张贴公开栏，见照片"
    form["file"] = ("公开栏.exe", b"MZ\x90\x00" + PNG)
    res = form.submit(status=400)
    note_form = res.html.find(id="note-form")
    assert note_form.find("textarea", id="note").text == "已张贴公开栏，见照片"
    assert "类型不支持" in note_form.find(id="note-form-file-error").text
    assert "不支持的文件类型" in note_form.find(id="note-form-alert").text
    assert dbsession.scalar(select(func.count(ProgressNote.id))) == notes_before
    assert dbsession.scalar(select(func.count(Attachment.id))) == files_before
    # The JSON API still answers with the JSON error (no page re-rendered).


def test_stale_version_shows_the_current_page(as_user, items):  # noqa: F811
    a = items["a"]
    app = as_user("street")
    res = post(app, f"/ledger/items/{a.id}/approve", version=a.version - 1)
    assert res.status_int == 409
    assert res.html.find(id="action-approve-alert") is not None
    assert "版本已变化" in res.html.find(id="action-approve-alert").text


def test_another_units_item_is_still_404(as_user, items):  # noqa: F811
    a = items["a"]
    res = post(as_user("district_b"), f"/ledger/items/{a.id}/return", version=1, reason="  ")
    assert res.status_int == 404
