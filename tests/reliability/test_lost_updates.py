"""Lost updates: two users edit the same record from the same version. The second save is
refused (409, "已被他人修改") and the first edit survives — through the real forms, through
the JSON API, and with two really concurrent transactions on a committed database (on
PostgreSQL both transactions run at once and one blocks on the other's row lock; on SQLite
the writes are serialized, and the stale one still loses)."""

from __future__ import annotations

import pytest
import webtest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from tests.audits.helpers import make_audit, make_finding
from tests.cases.helpers import make_clue
from tests.conftest import login
from tests.ledger.helpers import make_item
from tests.reliability.conftest import race
from tests.reliability.world import TODAY, ident, make_target, make_world
from whirlwind.accounts.models import User
from whirlwind.audits import services as audit_services
from whirlwind.audits.models import Finding
from whirlwind.cases import services as case_services
from whirlwind.cases.models import Clue, ClueDisposal
from whirlwind.changelog import ChangeLog
from whirlwind.errors import StaleVersion
from whirlwind.ledger.models import RectificationItem
from whirlwind.ledger.services import update_item
from whirlwind.security import new_api_token
from whirlwind.targets import services as ts
from whirlwind.targets.models import RectificationTarget

STALE = "已被他人修改"


@pytest.fixture
def second_browser(app, tm, dbsession):
    """Another user's browser on the same (test) database."""
    return webtest.TestApp(
        app,
        extra_environ={
            "HTTP_HOST": "example.com",
            "REMOTE_ADDR": "10.0.0.2",
            "tm.active": True,
            "tm.manager": tm,
            "app.dbsession": dbsession,
        },
    )


def two_browsers(as_user, second_browser, users, first: str, second: str):
    a = as_user(first)
    login(second_browser, users[second].username)
    return a, second_browser


def log_count(session, record_type, record_id) -> int:
    return session.scalar(
        select(func.count())
        .select_from(ChangeLog)
        .where(ChangeLog.record_type == record_type, ChangeLog.record_id == record_id)
    )


# --- through the forms -------------------------------------------------------------------


def test_target_form_second_save_is_refused(
    as_user, second_browser, dbsession, tree, users, settings
):
    target = make_target(dbsession, tree, users, settings)
    a, b = two_browsers(as_user, second_browser, users, "district_org", "city_org")
    form_a = a.get(f"/targets/{target.id}/edit").forms["target"]
    form_b = b.get(f"/targets/{target.id}/edit").forms["target"]
    assert form_a["version"].value == form_b["version"].value == str(target.version)
    version = target.version

    form_a["problem"] = "甲：班子配备不齐"
    form_a.submit("submit", status=302)
    form_b["problem"] = "乙：覆盖了甲的修改"
    res = form_b.submit("submit", status=409)
    assert STALE in res.text and "刷新" in res.text

    dbsession.expire_all()
    target = dbsession.get(RectificationTarget, target.id)
    assert target.problem == "甲：班子配备不齐"
    assert target.version == version + 1


def test_finding_form_second_save_is_refused(as_user, second_browser, dbsession, tree, users):
    finding = make_finding(
        dbsession, users["street"], make_audit(dbsession, users["street"], tree["V1"])
    )
    a, b = two_browsers(as_user, second_browser, users, "street", "district")
    form_a = a.get(f"/audits/findings/{finding.id}/edit").forms["finding"]
    form_b = b.get(f"/audits/findings/{finding.id}/edit").forms["finding"]
    logged = log_count(dbsession, "finding", finding.id)

    form_a["description"] = "甲：坐收坐支鱼塘承包费"
    form_a.submit("submit", status=302)
    form_b["description"] = "乙：改成别的"
    form_b["amount_involved"] = "99999"
    res = form_b.submit("submit", status=409)
    assert STALE in res.text

    dbsession.expire_all()
    finding = dbsession.get(Finding, finding.id)
    assert finding.description == "甲：坐收坐支鱼塘承包费"
    assert str(finding.amount_involved) == "10000.00"
    # One change-log row: the refused save left no trace.
    assert log_count(dbsession, "finding", finding.id) == logged + 1


def test_item_form_second_save_is_refused(as_user, second_browser, dbsession, tree, users):
    item = make_item(dbsession, ident(users["street"]), tree["V1"], problem="原问题")
    a, b = two_browsers(as_user, second_browser, users, "street", "district")
    form_a = a.get(f"/ledger/items/{item.id}/edit").forms["item"]
    form_b = b.get(f"/ledger/items/{item.id}/edit").forms["item"]
    form_a["measure"] = "甲：清退款项"
    form_a.submit("submit", status=302)
    form_b["measure"] = "乙：另一措施"
    res = form_b.submit("submit", status=409)
    assert STALE in res.text
    dbsession.expire_all()
    assert dbsession.get(RectificationItem, item.id).measure == "甲：清退款项"


def test_clue_form_second_save_is_refused(as_user, second_browser, dbsession, tree, users):
    clue = make_clue(dbsession, ident(users["street"]), tree["V1"])
    a, b = two_browsers(as_user, second_browser, users, "street", "district")
    form_a = a.get(f"/cases/clues/{clue.id}/edit").forms["clue-edit"]
    form_b = b.get(f"/cases/clues/{clue.id}/edit").forms["clue-edit"]
    form_a["title"] = "甲：反映虚报冒领惠农补贴"
    form_a.submit("submit", status=302)
    form_b["title"] = "乙：覆盖甲的修改"
    res = form_b.submit("submit", status=409)
    assert STALE in res.text
    dbsession.expire_all()
    assert dbsession.get(Clue, clue.id).title == "甲：反映虚报冒领惠农补贴"


def test_clue_second_disposal_proposal_is_refused(as_user, second_browser, dbsession, tree, users):
    """Clues have no edit form; the action two people take on one clue at once is the
    disposal proposal (拟办): the second is refused and the first stays the only one."""
    clue = make_clue(dbsession, ident(users["street"]), tree["V1"])
    a, b = two_browsers(as_user, second_browser, users, "street", "district")
    page_a = a.get(f"/cases/clues/{clue.id}")
    page_b = b.get(f"/cases/clues/{clue.id}")

    def propose(page, opinion):
        token = page.html.select_one('meta[name="csrf-token"]')["content"]
        return {
            "csrf_token": token,
            "mode": "verification",
            "opinion": opinion,
            "proposed_on": TODAY.isoformat(),
        }

    a.post(f"/cases/clues/{clue.id}/propose", propose(page_a, "甲：初步核实"), status=302)
    res = b.post(f"/cases/clues/{clue.id}/propose", propose(page_b, "乙：予以了结"), status=422)
    assert "已有待审批" in res.text or "不能再提出处置意见" in res.text
    disposals = dbsession.scalars(select(ClueDisposal).where(ClueDisposal.clue_id == clue.id)).all()
    assert [d.opinion for d in disposals] == ["甲：初步核实"]


def test_clue_stale_update_is_refused(dbsession, tree, users):
    clue = make_clue(dbsession, ident(users["street"]), tree["V1"])
    seen = clue.version
    case_services.update_clue(
        dbsession, ident(users["street"]), clue, version=seen, title="甲的标题"
    )
    with pytest.raises(StaleVersion):
        case_services.update_clue(
            dbsession, ident(users["district"]), clue, version=seen, title="乙的标题"
        )
    assert clue.title == "甲的标题"


# --- through the API ---------------------------------------------------------------------


@pytest.fixture
def tokens(dbsession, users):
    return {
        k: new_api_token(dbsession, users[k], "t")[1]
        for k in ("street", "district", "city_org", "district_org")
    }


def put(testapp, url, token, body, status):
    return testapp.put_json(url, body, headers={"Authorization": f"Bearer {token}"}, status=status)


def test_api_item_update_second_put_is_409(testapp, dbsession, tree, users, tokens):
    item = make_item(dbsession, ident(users["street"]), tree["V1"], problem="原问题")
    body = {
        "problem": "原问题",
        "measure": "",
        "responsible_person": "张三",
        "deadline": item.deadline.isoformat(),  # a deadline moves only by an extension
        "version": item.version,
    }
    put(testapp, f"/api/v1/items/{item.id}", tokens["street"], {**body, "measure": "甲"}, 200)
    res = put(
        testapp, f"/api/v1/items/{item.id}", tokens["district"], {**body, "measure": "乙"}, 409
    )
    assert res.json["error"] == "stale_version" and STALE in res.json["message"]
    dbsession.expire_all()
    assert dbsession.get(RectificationItem, item.id).measure == "甲"


def test_api_finding_update_second_put_is_409(testapp, dbsession, tree, users, tokens):
    finding = make_finding(
        dbsession, users["street"], make_audit(dbsession, users["street"], tree["V1"])
    )
    detail = testapp.get(
        f"/api/v1/findings/{finding.id}", headers={"Authorization": f"Bearer {tokens['street']}"}
    ).json
    body = {
        "asset_type": "funds",
        "irregularity": "F03",
        "description": "甲的描述",
        "amount_involved": "10000.00",
        "version": detail["version"],
    }
    put(testapp, f"/api/v1/findings/{finding.id}", tokens["street"], body, 200)
    res = put(
        testapp,
        f"/api/v1/findings/{finding.id}",
        tokens["district"],
        {**body, "description": "乙的描述"},
        409,
    )
    assert STALE in res.json["message"]
    dbsession.expire_all()
    assert dbsession.get(Finding, finding.id).description == "甲的描述"


def test_api_target_update_second_put_is_409(testapp, dbsession, tree, users, tokens, settings):
    target = make_target(dbsession, tree, users, settings)
    body = {"categories": ["W01"], "problem": "甲的问题", "version": target.version}
    put(testapp, f"/api/v1/targets/{target.id}", tokens["district_org"], body, 200)
    res = put(
        testapp,
        f"/api/v1/targets/{target.id}",
        tokens["city_org"],
        {**body, "problem": "乙的问题"},
        409,
    )
    assert STALE in res.json["message"]
    dbsession.expire_all()
    assert dbsession.get(RectificationTarget, target.id).problem == "甲的问题"


# --- two real concurrent transactions ----------------------------------------------------


@pytest.fixture(scope="module")
def world(scratch_db_factory, app):
    settings = app.registry.settings
    db = scratch_db_factory("lost")
    with db.session() as s:
        db.ids = make_world(s, settings)
        s.commit()
    return db


def _identity(session, user_id):
    user = session.get(User, user_id)
    return ident(user)


EDITS = {
    # kind: (model, loader of the service call, field, users)
    "target": (
        RectificationTarget,
        lambda s, who, rec, v, value: ts.update_target(
            s,
            who,
            rec,
            version=v,
            categories=["W01"],
            evidence=rec.evidence,
            problem=value,
            plan_summary="",
            deadline=None,
        ),
        "problem",
        ("district_org", "city_org"),
    ),
    "finding": (
        Finding,
        lambda s, who, rec, v, value: audit_services.update_finding(
            s,
            who,
            rec,
            {
                "asset_type": rec.asset_type,
                "asset_subtype": "",
                "irregularity": rec.irregularity,
                "description": value,
                "object_kind": rec.object_kind,
                "object_name": rec.object_name,
                "object_number": rec.object_number,
                "object_counterparty": rec.object_counterparty,
                "amount_involved": rec.amount_involved,
                "excess_explanation": "",
                "version": v,
            },
        ),
        "description",
        ("street", "district"),
    ),
    "clue": (
        Clue,
        lambda s, who, rec, v, value: case_services.update_clue(
            s, who, rec, version=v, title=value
        ),
        "title",
        ("street", "district"),
    ),
    "item": (
        RectificationItem,
        lambda s, who, rec, v, value: update_item(
            s,
            who,
            rec,
            version=v,
            problem=value,
            measure=rec.measure,
            responsible_person=rec.responsible_person,
            deadline=rec.deadline,
        ),
        "problem",
        ("street", "district"),
    ),
}


@pytest.mark.parametrize("kind", list(EDITS))
def test_concurrent_transactions_exactly_one_edit_wins(world, kind):
    """Both transactions read version N before either writes; both pass the service's
    version check; the database's version check (UPDATE … WHERE version = N) lets exactly
    one through. On PostgreSQL the loser blocks on the winner's row lock and then finds the
    row changed; on SQLite it waits for the write lock and then finds the row changed."""
    model, edit, field, who = EDITS[kind]
    record_id = world.ids[kind]
    with world.session() as s:
        start_version = s.get(model, record_id).version
        logged = log_count(s, model.record_type, record_id)

    def attempt(i, barrier):
        session = world.session(actor=who[i])
        try:
            identity = _identity(session, world.ids["users"][who[i]])
            record = session.get(model, record_id)
            seen = record.version
            barrier.wait()  # both have read version N
            edit(session, identity, record, seen, f"第{i}人的修改")
            session.commit()
            return seen
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    outcomes = race(2, attempt)
    winners = [i for i, o in enumerate(outcomes) if o.error is None]
    losers = [o.error for o in outcomes if o.error is not None]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1 and isinstance(losers[0], (StaleDataError, StaleVersion)), losers
    assert all(o.value == start_version for o in outcomes if o.error is None)

    with world.session() as s:
        record = s.get(model, record_id)
        assert getattr(record, field) == f"第{winners[0]}人的修改"
        assert record.version == start_version + 1
        # Exactly one change-log row for the one edit that committed.
        assert log_count(s, model.record_type, record_id) == logged + 1


def test_stale_edit_after_commit_loses_on_either_database(world):
    """The sequential case of the same race: the second user's transaction starts after the
    first committed but carries the version it read before."""
    item_id = world.ids["item"]
    with world.session() as s:
        seen = s.get(RectificationItem, item_id).version
    for i, user in enumerate(("street", "district")):
        with world.session() as s:
            item = s.get(RectificationItem, item_id)
            identity = _identity(s, world.ids["users"][user])
            if i == 0:
                update_item(
                    s,
                    identity,
                    item,
                    version=seen,
                    problem="先保存",
                    measure="",
                    responsible_person="",
                    deadline=item.deadline,
                )
                s.commit()
            else:
                with pytest.raises(StaleVersion):
                    update_item(
                        s,
                        identity,
                        item,
                        version=seen,
                        problem="后保存",
                        measure="",
                        responsible_person="",
                        deadline=item.deadline,
                    )
                s.rollback()
    with world.session() as s:
        assert s.get(RectificationItem, item_id).problem == "先保存"
