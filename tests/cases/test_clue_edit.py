"""Correcting a registered clue: the intake fields change, a stale form is refused, bad input
changes nothing, and another jurisdiction's clue cannot be edited."""

import pytest

from whirlwind.changelog import history

from .helpers import make_clue


@pytest.fixture
def clue(dbsession, tree, users):
    return make_clue(dbsession, users["street"], tree["V1"])


def edit_form(app, clue):
    return app.get(f"/cases/clues/{clue.id}/edit").forms["clue-edit"]


def test_edit_changes_fields_and_categories_and_is_logged(as_user, clue, dbsession):
    app = as_user("street")
    page = app.get(f"/cases/clues/{clue.id}")
    assert "修改线索" in page.text
    form = edit_form(app, clue)
    form["title"] = "反映大潭村会计虚报冒领补贴（更正）"
    form["amount_involved"] = "12345.60"
    for field in form.fields.get("checkbox", []):
        field.checked = field._value == "favouritism"
    res = form.submit("submit", status=302).follow()
    assert "反映大潭村会计虚报冒领补贴（更正）" in res.text
    dbsession.refresh(clue)
    assert str(clue.amount_involved) == "12345.60"
    assert clue.category_codes == ["favouritism"]
    actions = [e.action for e in history(dbsession, "clue", clue.id)]
    assert actions[-1].startswith("修改线索") or actions[-1] == "update"


def test_stale_edit_is_refused_and_first_edit_survives(as_user, clue, dbsession):
    app = as_user("street")
    first = edit_form(app, clue)
    second = edit_form(app, clue)
    first["title"] = "第一次修改"
    first.submit("submit", status=302)
    second["title"] = "第二次修改"
    res = second.submit("submit", status=409)
    assert "已被他人修改" in res.text
    dbsession.refresh(clue)
    assert clue.title == "第一次修改"


def test_bad_input_changes_nothing(as_user, clue, dbsession):
    app = as_user("street")
    before = clue.title
    form = edit_form(app, clue)
    form["title"] = ""
    form["amount_involved"] = "-5"
    res = form.submit("submit", status=400)
    assert "必填" in res.text or "不能为负数" in res.text
    dbsession.refresh(clue)
    assert clue.title == before


def test_other_jurisdiction_and_read_only_roles(as_user, clue):
    as_user("street_b").get(f"/cases/clues/{clue.id}/edit", status=404)
    as_user("district_leader").get(f"/cases/clues/{clue.id}/edit", status=403)
