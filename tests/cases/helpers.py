"""Builders shared by the cases tests."""

from __future__ import annotations

import datetime as dt
import decimal

from whirlwind import clock
from whirlwind.cases import services

TODAY = clock.today()


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def make_clue(session, actor, org, **kw):
    data = dict(
        org=org,
        source="petition",
        received_date=days_ago(100),
        title="反映大潭村村委会主任张伟虚报冒领惠农补贴",
        summary="群众反映张伟在2023年耕地地力保护补贴发放中虚报面积。",
        persons=[
            {
                "name": "张伟",
                "post": "村委会主任",
                "unit_name": org.name,
                "political_status": "中共党员",
                "identity": "village_cadre",
            }
        ],
        categories=["false_claims"],
        amount_involved=decimal.Decimal("12500.00"),
    )
    data.update(kw)
    return services.create_clue(session, actor, **data)


def approver_for(session, actor):
    """A user who may approve what ``actor`` proposed: another ``cases:approve`` user of the
    actor's unit, else one of the unit above (separation of duties)."""
    from sqlalchemy import select

    from whirlwind.accounts.models import User

    for org_id in (actor.org_id, actor.org.parent_id):
        for user in session.scalars(select(User).where(User.org_id == org_id).order_by(User.id)):
            if user.id != actor.id and "cases:approve" in user.permissions:
                return user
    raise LookupError("no approver")
