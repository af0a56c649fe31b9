"""The demo shows a campaign in progress: every item state, overdue items, a return, a
cleared target."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from whirlwind.demo import DemoContext, load_orgs, load_users
from whirlwind.ledger.models import ItemStatus, RectificationItem
from whirlwind.targets import demo
from whirlwind.targets.models import RectificationTarget, TargetStatus


def test_demo_campaign_in_progress(dbsession):
    orgs = load_orgs(dbsession)
    users = load_users(dbsession, orgs)
    today = dt.date(2026, 6, 15)
    demo.load(dbsession, DemoContext(orgs=orgs, users=users, today=today))
    statuses = dict(
        dbsession.execute(
            select(RectificationItem.status, func.count()).group_by(RectificationItem.status)
        ).all()
    )
    assert set(statuses) == set(ItemStatus)
    overdue = dbsession.scalar(
        select(func.count()).where(
            RectificationItem.status != "cleared", RectificationItem.deadline < today
        )
    )
    assert overdue >= 3
    returned = dbsession.scalars(
        select(RectificationItem).where(RectificationItem.status == "returned")
    ).one()
    assert "佐证材料" in returned.last_return_reason
    targets = dict(
        dbsession.execute(
            select(RectificationTarget.status, func.count()).group_by(RectificationTarget.status)
        ).all()
    )
    assert (
        targets[TargetStatus.CLEARED] == 1
        and targets[TargetStatus.PROPOSED] == 1
        and targets[TargetStatus.IDENTIFIED] == 1
    )
    assert sum(targets.values()) == 13 + 3
    cleared = dbsession.scalars(
        select(RectificationTarget).where(RectificationTarget.status == "cleared")
    ).one()
    assert cleared.org.name == "大潭村"
    assert {m.user.username for m in cleared.package.members if m.user} == {
        "city_inspector",
        "huangpi_inspector",
        "qijiawan_inspector",
    }
