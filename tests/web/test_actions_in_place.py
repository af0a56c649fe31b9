"""Action forms whose templates do not show errors themselves: the page is amended in place
(message in the form, each failed control marked and described, typed values kept)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.audits.helpers import TODAY, ident, make_audit, make_finding  # noqa: F401
from tests.conftest import csrf_token
from whirlwind.audits.models import RecoveryEntry
from whirlwind.web.actions import FormState, amend


def test_recovery_errors_are_shown_in_the_finding_page(as_user, tree, dbsession, users):
    audit = make_audit(dbsession, users["street"], tree["V1"])
    finding = make_finding(dbsession, users["street"], audit, involved="1000")
    app = as_user("street")
    day = (TODAY - dt.timedelta(days=1)).isoformat()
    res = app.post(
        f"/audits/findings/{finding.id}/recoveries",
        {"csrf_token": csrf_token(app), "entry_date": day, "amount": "-1", "note": "退赔款"},
        status=400,
    )
    form = res.html.find("form", id="recovery-form")
    assert form is not None, "the finding page is shown again with the recovery form"
    assert "不能为负数" in form.find(id="recovery-form-alert").text
    amount = form.find("input", attrs={"name": "amount"})
    assert amount["aria-invalid"] == "true" and "is-invalid" in amount["class"]
    assert form.find(id=amount["aria-describedby"]).text == "金额不能为负数"
    assert amount["value"] == "-1", str(form)
    assert form.find("input", attrs={"name": "note"})["value"] == "退赔款"
    assert "返回首页" not in res.text
    assert dbsession.scalar(select(func.count(RecoveryEntry.id))) == 0


def test_amend_marks_only_the_form_posted_to():
    html = (
        '<main><form action="/a/1/approve"><input name="note"></form>'
        '<form action="/a/1/reject"><textarea name="note"></textarea>'
        '<select name="way"><option value="x" selected>x</option><option value="y">y</option>'
        "</select></form></main>"
    )
    state = FormState(
        "reject-1", "请填写不同意的理由。", {"note": "必填"}, {"note": ["  "], "way": ["y"]}
    )
    out = amend(html, "/a/1/reject", state)
    assert out.count("is-invalid") == 1 and 'id="reject-1-alert"' in out
    assert '<option selected="" value="y">' in out or '<option value="y" selected="">' in out
    assert '<input name="note"/>' in out  # the approve form is untouched
