"""Person merge and split stay inside the actor's jurisdiction, a person page shows only
what the viewer may see (issue 24 item 3), and one matter counts once (issue 19)."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token
from whirlwind.cases import casework
from whirlwind.cases.models import ClueReportedPerson
from whirlwind.errors import Forbidden
from whirlwind.persons import services as persons
from whirlwind.persons.models import Person
from whirlwind.security import Identity

from .helpers import days_ago, make_clue


def _person(dbsession, clue) -> Person:
    link = dbsession.query(ClueReportedPerson).filter_by(clue_id=clue.id).first()
    return dbsession.get(Person, link.person_id)


def _ident(user):
    return Identity(user, user.permissions)


@pytest.fixture
def two(dbsession, tree, users):
    """张伟 of 大潭村 (祁家湾街道) merged by the district into 张伟 of 刘家山村 (蔡店街道)."""
    a_clue = make_clue(dbsession, users["street"], tree["V1"], title="大潭村张伟一案")
    b_clue = make_clue(dbsession, users["street_b"], tree["V3"], title="刘家山村张伟一案")
    a, b = _person(dbsession, a_clue), _person(dbsession, b_clue)
    persons.merge(dbsession, _ident(users["district"]), a, b)
    return a, b, a_clue, b_clue


def test_person_page_shows_only_what_the_viewer_may_see(as_user, two):
    a, b, a_clue, b_clue = two
    page = as_user("street_b").get(f"/persons/{b.id}")
    assert f"#{a.id}" not in page.text and "大潭村" not in page.text
    assert b_clue.title in page.text and a_clue.title not in page.text
    page = as_user("street").get(f"/persons/{a.id}")
    assert "刘家山村" not in page.text and f"#{b.id} " not in page.text
    assert "不在您的管辖范围内" in page.text


def test_split_or_unmerge_across_jurisdictions_refused(as_user, dbsession, two):
    a, b, a_clue, _b_clue = two
    link = dbsession.query(ClueReportedPerson).filter_by(clue_id=a_clue.id).one()
    app = as_user("street_b")
    res = app.post(
        f"/persons/{b.id}/split",
        {"csrf_token": csrf_token(app), "clue_links": str(link.id), "note": "另一个张伟"},
        status=403,
    )
    assert "管辖范围" in res.text
    assert link.person_id == a.id
    app = as_user("street")
    app.post(f"/persons/{a.id}/unmerge", {"csrf_token": csrf_token(app)}, status=403)
    assert a.merged_into_id == b.id


def test_merge_across_jurisdictions_refused_in_the_service(dbsession, tree, users, two):
    a, b, _a_clue, _b_clue = two
    c_clue = make_clue(dbsession, users["street"], tree["V2"], title="星光村张伟一案")
    c = _person(dbsession, c_clue)
    # Through the merged row of his own village, the street would re-point 蔡店's person.
    with pytest.raises(Forbidden):
        persons.merge(dbsession, _ident(users["street"]), c, a)
    assert c.merged_into_id is None
    # The district holds both and may.
    persons.merge(dbsession, _ident(users["district"]), c, a)
    assert c.merged_into_id == b.id


def test_a_clue_and_the_case_opened_from_it_count_once(as_user, dbsession, tree, users):
    clue = make_clue(dbsession, users["street"], tree["V1"], title="张伟虚报冒领")
    casework.open_case(dbsession, users["street"], opened_on=days_ago(10), clues=[clue])
    person = _person(dbsession, clue)
    app = as_user("street")
    page = app.get(f"/persons/{person.id}")
    assert page.html.find(id="repeat-badge") is None
    listing = app.get("/persons", {"q": "张伟"})
    assert listing.html.select_one("#persons .ww-matters").text.strip() == "1"
    assert "张伟" not in app.get("/persons", {"repeat": "1"}).html.select_one("#persons").text


def test_merge_keeps_list_and_page_counts_consistent(as_user, dbsession, tree, users):
    first = make_clue(dbsession, users["street"], tree["V1"], title="张伟甲事")
    second = make_clue(
        dbsession, users["street"], tree["V2"], title="张伟乙事", received_date=days_ago(400)
    )
    third = make_clue(dbsession, users["street"], tree["V2"], title="张伟丙事")
    a, c = _person(dbsession, first), _person(dbsession, second)
    assert _person(dbsession, third).id == c.id
    persons.merge(dbsession, _ident(users["street"]), c, a)
    app = as_user("street")
    badge = app.get(f"/persons/{a.id}").html.find(id="repeat-badge").text
    assert "3 次" in badge
    listing = app.get("/persons", {"q": "张伟"})
    assert [td.text.strip() for td in listing.html.select("#persons .ww-matters")] == ["3"]
