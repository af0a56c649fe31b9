"""Concurrent clearing (销号): two reviewers act on the same rectification item at the same
moment, each in its own committed transaction. Exactly one transition wins, the review
history (ItemReview) shows one, and no item is cleared twice.

On PostgreSQL the two transactions really overlap (the loser blocks on the winner's row
lock, then finds the version changed); on SQLite a file database with two threads, where
the writes are serialized and the later one still loses."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from tests.factories import make_tree, make_users
from tests.reliability.conftest import race
from tests.reliability.world import ident, submitted_item
from whirlwind.accounts.models import User
from whirlwind.accounts.services import create_user
from whirlwind.changelog import ChangeLog, verify_chain
from whirlwind.errors import InvalidTransition, StaleVersion
from whirlwind.ledger import workflow
from whirlwind.ledger.models import ItemReview, ItemStatus, RectificationItem

ROUNDS = 4  # items per scenario; half the rounds without a form version (database guard only)
LOST = (StaleDataError, StaleVersion, InvalidTransition)


@pytest.fixture(scope="module")
def ledger_db(scratch_db_factory):
    db = scratch_db_factory("clearing")
    with db.session() as s:
        tree = make_tree(s)
        users = make_users(s, tree)
        # Reviewers who did not apply to clear the items (t_street submits them: 职责分离):
        # t_street2 (from make_users) and a third street reviewer, a second district one.
        users["street3"] = create_user(
            s,
            username="t_street3",
            display_name="街道审核三",
            org=tree["S1"],
            role_codes=["street_inspector"],
            password="secret123",
        )
        users["district2"] = create_user(
            s,
            username="t_district2",
            display_name="区级审核二",
            org=tree["D1"],
            role_codes=["district_inspector"],
            password="secret123",
        )
        items = {"street": [], "district": [], "mixed": []}
        for scenario in items:
            for n in range(ROUNDS):
                item = submitted_item(s, tree, users, problem=f"{scenario}-{n}")
                if scenario == "district":
                    workflow.transition(s, ident(users["street2"]), item, "approve")
                items[scenario].append(item)
        s.flush()
        db.ids = {
            "users": {k: u.id for k, u in users.items()},
            "items": {k: [i.id for i in v] for k, v in items.items()},
        }
        s.commit()
    return db


def act(db, user_key: str, item_id: int, action: str, *, with_version: bool, reason=""):
    """The body of one reviewer's request, with its own session and transaction."""

    def run(i, barrier):
        session = db.session(actor=user_key)
        try:
            identity = ident(session.get(User, db.ids["users"][user_key]))
            item = session.get(RectificationItem, item_id)
            seen = item.version
            workflow.check(session, identity, item, action)  # page rendered: button shown
            barrier.wait()
            workflow.transition(
                session,
                identity,
                item,
                action,
                version=seen if with_version else None,
                reason=reason,
            )
            session.commit()
            return action
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    return run


def reviews(session, item_id):
    return session.scalars(
        select(ItemReview).where(ItemReview.item_id == item_id).order_by(ItemReview.id)
    ).all()


def run_race(db, item_id, contenders):
    """``contenders``: [(user, action, kwargs)] racing on one item; returns the winner."""
    bodies = [
        act(db, user, item_id, action, with_version=wv, reason=reason)
        for user, action, wv, reason in contenders
    ]
    outcomes = race(len(bodies), lambda i, barrier: bodies[i](i, barrier))
    won = [o.value for o in outcomes if o.error is None]
    lost = [o.error for o in outcomes if o.error is not None]
    assert len(won) == 1, outcomes
    assert all(isinstance(e, LOST) for e in lost), lost
    return won[0]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_street_reviewers_sign_at_once(ledger_db, round_):
    item_id = ledger_db.ids["items"]["street"][round_]
    with ledger_db.session() as s:
        before = len(reviews(s, item_id))
    with_version = round_ % 2 == 0
    run_race(
        ledger_db,
        item_id,
        [("street3", "approve", with_version, ""), ("street2", "approve", with_version, "")],
    )
    with ledger_db.session() as s:
        item = s.get(RectificationItem, item_id)
        assert item.status == ItemStatus.STREET_APPROVED
        new = reviews(s, item_id)[before:]
        assert [(r.level, r.decision) for r in new] == [("street", "approve")]


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_district_reviewers_clear_at_once(ledger_db, round_):
    """The last stage: both press 审核通过并销号; the item is cleared once."""
    item_id = ledger_db.ids["items"]["district"][round_]
    with_version = round_ % 2 == 0
    run_race(
        ledger_db,
        item_id,
        [("district", "approve", with_version, ""), ("district2", "approve", with_version, "")],
    )
    with ledger_db.session() as s:
        item = s.get(RectificationItem, item_id)
        assert item.status == ItemStatus.CLEARED and item.cleared_at is not None
        clears = [r for r in reviews(s, item_id) if r.decision == "clear"]
        assert len(clears) == 1
        logged = s.scalar(
            select(func.count())
            .select_from(ChangeLog)
            .where(
                ChangeLog.record_type == "item",
                ChangeLog.record_id == item_id,
                ChangeLog.action.like("%审核通过并销号"),
            )
        )
        assert logged == 1
        # A reviewer who saw the button before the other cleared it cannot clear it again.
        identity = ident(s.get(User, ledger_db.ids["users"]["district2"]))
        with pytest.raises(InvalidTransition):
            workflow.transition(s, identity, item, "approve")
        s.rollback()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_approve_and_return_at_once(ledger_db, round_):
    """One street reviewer signs while the other returns (退回): one of the two happens."""
    item_id = ledger_db.ids["items"]["mixed"][round_]
    with ledger_db.session() as s:
        before = len(reviews(s, item_id))
    with_version = round_ % 2 == 0
    winner = run_race(
        ledger_db,
        item_id,
        [
            ("street3", "approve", with_version, ""),
            ("street2", "return", with_version, "佐证材料不全"),
        ],
    )
    with ledger_db.session() as s:
        item = s.get(RectificationItem, item_id)
        new = reviews(s, item_id)[before:]
        assert len(new) == 1
        if winner == "approve":
            assert item.status == ItemStatus.STREET_APPROVED and new[0].decision == "approve"
            assert item.last_return_reason == ""
        else:
            assert item.status == ItemStatus.RETURNED and new[0].decision == "return"
            assert item.last_return_reason == "佐证材料不全"


def test_change_log_chain_intact_after_the_races(ledger_db):
    """The hash chain has one order even though writers raced (head row locked)."""
    with ledger_db.session() as s:
        result = verify_chain(s)
        assert result.ok, result
