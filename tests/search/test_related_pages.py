"""Related cases (相关案件) on the case and clue pages, and the search page's advanced panel."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.search.helpers import index_outbox
from tests.search.test_web import TODAY, clue, index_dir  # noqa: F401  (fixture)
from whirlwind.cases import casework


def case(session, org, title, summary, person):
    c = clue(session, org, title, summary, person)
    return casework.record_historical_case(
        session,
        None,
        org=org,
        title=title,
        opened_on=TODAY - dt.timedelta(days=20),
        stage="investigation",
        clues=[c],
        summary=summary,
        subjects=[{"name": person, "post": "会计", "unit_name": org.name}],
    )


@pytest.fixture
def cases(dbsession, tree, users, index_dir):  # noqa: F811
    r = {
        "a": case(
            dbsession,
            tree["V1"],
            "大潭村虚列退耕还林补助案",
            "村会计王建国虚列退耕还林补助面积，套取补助资金。",
            "王建国",
        ),
        "b": case(
            dbsession,
            tree["V2"],
            "星光村冒领退耕还林补助案",
            "村主任刘德明冒领退耕还林补助，虚列面积。",
            "刘德明",
        ),
        "c": case(
            dbsession,
            tree["V2"],
            "星光村违规发放节日福利案",
            "村委会违规发放节日福利购物卡。",
            "陈立",
        ),
    }
    dbsession.flush()
    return r


def test_case_page_shows_related_case_after_indexing(as_user, dbsession, cases, index_dir):  # noqa: F811
    app = as_user("district")
    page = app.get(f"/cases/{cases['a'].id}")
    # No index yet: the page renders, without related records.
    assert "大潭村虚列退耕还林补助案" in page.text and "暂无相关记录" in page.text
    index_outbox(dbsession, index_dir)
    page = app.get(f"/cases/{cases['a'].id}")
    related = page.text.split("相关案件", 1)[1]
    assert "星光村冒领退耕还林补助案" in related
    assert "星光村违规发放节日福利案" not in related
    assert "大潭村虚列退耕还林补助案" not in related.split("</section>")[0]


def test_clue_page_shows_related_records(as_user, dbsession, cases, index_dir):  # noqa: F811
    index_outbox(dbsession, index_dir)
    app = as_user("district")
    link = cases["a"].clue_links[0]
    page = app.get(f"/cases/clues/{link.clue_id}")
    related = page.text.split("相关案件", 1)[1]
    assert "星光村冒领退耕还林补助案" in related


def test_advanced_panel_opens_only_with_a_value(as_user, dbsession, cases, index_dir):  # noqa: F811
    index_outbox(dbsession, index_dir)
    app = as_user("city")
    empty = {"q": "退耕还林", "year_from": "", "year_to": "", "amount_min": "", "person": ""}
    assert '<details class="mt-2" open>' not in app.get("/search", params=empty).text
    filled = dict(empty, person="王建国")
    assert '<details class="mt-2" open>' in app.get("/search", params=filled).text
