"""延期申请: the only way an item's deadline moves, decided by the level above."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from tests.ledger.helpers import TODAY, ident, make_item, package_for
from whirlwind.changelog import history
from whirlwind.errors import Conflict, InvalidTransition, ValidationFailed
from whirlwind.ledger import extensions
from whirlwind.ledger.models import ExtensionRequest, RectificationItem
from whirlwind.ledger.services import update_item


@pytest.fixture
def item(dbsession, tree, users):
    package = package_for(dbsession, tree["V1"])
    return make_item(dbsession, users["street"], tree["V1"], package=package)


def test_edit_cannot_move_the_deadline(dbsession, users, item):
    before = item.deadline
    with pytest.raises(ValidationFailed, match="延期申请"):
        update_item(
            dbsession,
            ident(users["street"]),
            item,
            version=item.version,
            problem="问题",
            measure="",
            responsible_person="",
            deadline=before + dt.timedelta(days=365),
        )
    assert item.deadline == before


def test_extension_approved_by_the_level_above(dbsession, users, item):
    first = item.deadline
    new = first + dt.timedelta(days=60)
    req = extensions.request_extension(
        dbsession, ident(users["street"]), item, new_deadline=new, reason="雨季施工受阻"
    )
    assert item.deadline == first  # nothing moves before the decision
    # The applicant and the applicant's own level may not decide.
    with pytest.raises(InvalidTransition, match="职责分离"):
        extensions.decide_extension(dbsession, ident(users["street"]), req, approve=True)
    assert extensions.decision_refusal(dbsession, ident(users["street_b"]), req) is not None
    extensions.decide_extension(
        dbsession, ident(users["district"]), req, approve=True, version=req.version
    )
    assert item.deadline == new and item.first_deadline == first
    assert item.extension_count == 1 and item.extension_label == "已延期 1 次"
    actions = [e.action for e in history(dbsession, "item", item.id)]
    assert any(a.startswith("延期申请批准") for a in actions)


def test_one_pending_request_and_rejection_needs_a_reason(dbsession, users, item):
    street = ident(users["street"])
    req = extensions.request_extension(
        dbsession, street, item, new_deadline=item.deadline + dt.timedelta(days=5), reason="理由"
    )
    with pytest.raises(Conflict):
        extensions.request_extension(
            dbsession, street, item, new_deadline=item.deadline + dt.timedelta(days=9), reason="再"
        )
    with pytest.raises(ValidationFailed, match="理由"):
        extensions.decide_extension(dbsession, ident(users["district"]), req, approve=False)
    extensions.decide_extension(
        dbsession, ident(users["district"]), req, approve=False, note="理由不充分"
    )
    assert req.status == "rejected" and item.extension_count == 0


def test_new_date_must_be_later(dbsession, users, item):
    with pytest.raises(ValidationFailed, match="须晚于现行期限"):
        extensions.request_extension(
            dbsession, ident(users["street"]), item, new_deadline=item.deadline, reason="x"
        )


def test_pending_list_of_the_level_above(dbsession, users, item):
    req = extensions.request_extension(
        dbsession,
        ident(users["street"]),
        item,
        new_deadline=item.deadline + dt.timedelta(days=5),
        reason="理由",
    )
    ids = lambda key: set(  # noqa: E731
        dbsession.scalars(extensions.pending_for_decision(ident(users[key])))
    )
    assert req in ids("district") and req in ids("city")
    assert req not in ids("street") and req not in ids("district_b")


def test_deadline_in_force_on_a_past_day(dbsession, users, item):
    """A period's overdue figure uses the deadline in force then, not today's."""
    first = item.deadline
    req = extensions.request_extension(
        dbsession,
        ident(users["street"]),
        item,
        new_deadline=first + dt.timedelta(days=90),
        reason="理由",
    )
    extensions.decide_extension(
        dbsession, ident(users["district"]), req, approve=True, today=first + dt.timedelta(days=3)
    )
    expr = extensions.deadline_as_of
    q = lambda day: dbsession.scalar(  # noqa: E731
        select(expr(day)).where(RectificationItem.id == item.id)
    )
    assert q(first + dt.timedelta(days=2)) == first  # before the approval: the first deadline
    assert q(first + dt.timedelta(days=10)) == first + dt.timedelta(days=90)
    rows = list(dbsession.scalars(select(ExtensionRequest)))
    assert extensions.deadline_on(item, rows, first + dt.timedelta(days=2)) == first
    assert TODAY <= first
