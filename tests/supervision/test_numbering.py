"""Official document numbers: per unit, kind and year; gapless and duplicate-free, also
when transactions run at the same time or abort."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import delete, insert, select

from whirlwind import numbering
from whirlwind.errors import ValidationFailed
from whirlwind.orgs.models import Org
from whirlwind.supervision.kinds import number_kind

from ..conftest import csrf_token

SUP = number_kind("supervision")
REM = number_kind("reminder")


def test_numbers_follow_each_other_per_unit_kind_and_year(dbsession, tree):
    d1, d2 = tree["D1"], tree["D2"]
    numbering.set_unit_prefix(dbsession, d1, "黄陂纪")
    assert numbering.next_number(dbsession, d1, SUP, 2026) == (1, "黄陂纪督〔2026〕1号")
    assert numbering.next_number(dbsession, d1, SUP, 2026) == (2, "黄陂纪督〔2026〕2号")
    # Another kind, another year, another unit: sequences of their own.
    assert numbering.next_number(dbsession, d1, REM, 2026) == (1, "黄陂纪提〔2026〕1号")
    assert numbering.next_number(dbsession, d1, SUP, 2027) == (1, "黄陂纪督〔2027〕1号")
    assert numbering.next_number(dbsession, d2, SUP, 2026) == (1, "江岸纪督〔2026〕1号")
    assert numbering.next_number(dbsession, d1, SUP, 2026)[0] == 3
    assert numbering.last_number(dbsession, d1, SUP, 2026) == 3


def test_prefix_change_applies_to_later_numbers_and_bad_prefix_is_refused(dbsession, tree):
    s1 = tree["S1"]
    assert numbering.next_number(dbsession, s1, SUP, 2026)[1] == "祁家湾纪督〔2026〕1号"
    numbering.set_unit_prefix(dbsession, s1, "祁纪")
    assert numbering.next_number(dbsession, s1, SUP, 2026)[1] == "祁纪督〔2026〕2号"
    for bad in ("", "祁 纪", "祁纪〔", "x" * 17):
        with pytest.raises(ValidationFailed):
            numbering.set_unit_prefix(dbsession, s1, bad)
    assert numbering.unit_prefix(dbsession, s1) == "祁纪"
    with pytest.raises(ValidationFailed):
        numbering.next_number(dbsession, s1, "no_such_kind", 2026)


@pytest.fixture
def committed_org(app):
    """A unit committed outside the test's doomed transaction (threads need to see it)."""
    engine = app.registry["dbengine"]
    with engine.begin() as conn:
        org_id = conn.execute(
            insert(Org).values(code="TNUM001", name="黄陂区", level="district").returning(Org.id)
        ).scalar_one()
    yield org_id
    with engine.begin() as conn:
        conn.execute(
            delete(numbering.NumberCounter).where(numbering.NumberCounter.org_id == org_id)
        )
        conn.execute(delete(Org).where(Org.id == org_id))


def _concurrent_round(factory, org_id: int, workers: int) -> list[int]:
    """``workers`` transactions take a number at once; every third aborts. Returns the
    numbers of the committed ones."""
    barrier = threading.Barrier(workers)
    committed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(index: int) -> None:
        session = factory()
        try:
            org = session.get(Org, org_id)
            barrier.wait()
            seq, text = numbering.next_number(session, org, SUP, 2026)
            assert text == f"黄陂纪督〔2026〕{seq}号"
            if index % 3 == 0:
                session.rollback()
            else:
                session.commit()
                with lock:
                    committed.append(seq)
        except BaseException as e:  # reported below, in the test's thread
            errors.append(e)
            session.rollback()
        finally:
            session.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return committed


def test_concurrent_transactions_get_distinct_numbers_and_aborted_ones_leave_no_gap(
    app, committed_org
):
    """Two rounds of twelve concurrent transactions (the first creates the year's counter,
    the second increments it), every third aborting: the committed ones hold exactly
    1..16, no number twice, none skipped."""
    factory = app.registry["dbsession_factory"]
    first = _concurrent_round(factory, committed_org, 12)
    assert sorted(first) == list(range(1, 9))
    second = _concurrent_round(factory, committed_org, 12)
    assert sorted(first + second) == list(range(1, 17))
    session = factory()
    try:
        last = session.scalar(
            select(numbering.NumberCounter.last_seq).where(
                numbering.NumberCounter.org_id == committed_org
            )
        )
    finally:
        session.close()
    assert last == 16


def test_admin_sets_a_unit_prefix_on_the_page(testapp, as_user, tree, dbsession):
    app = as_user("admin")
    page = app.get("/admin/numbering")
    assert "黄陂纪" in page.text and "（默认）" in page.text
    token = csrf_token(app)
    res = app.post(
        "/admin/numbering", {"csrf_token": token, "org_id": tree["D1"].id, "prefix": "陂纪"}
    )
    assert res.status_int == 302
    assert numbering.unit_prefix(dbsession, tree["D1"]) == "陂纪"
    bad = app.post(
        "/admin/numbering",
        {"csrf_token": token, "org_id": tree["D1"].id, "prefix": "陂 纪!"},
        status=400,
    )
    assert "发文机关代字" in bad.text
    assert numbering.unit_prefix(dbsession, tree["D1"]) == "陂纪"
    as_user("district").get("/admin/numbering", status=403)
