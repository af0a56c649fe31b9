"""A small world of records two people may edit at once: the test tree and users, a
rectification target, an audit finding, a clue and a ledger item ready for sign-off."""

from __future__ import annotations

import decimal

from tests.audits.helpers import make_audit, make_finding
from tests.cases.helpers import make_clue
from tests.factories import make_tree, make_users
from tests.ledger.helpers import make_item, package_for
from whirlwind import clock
from whirlwind.attachments.models import Attachment
from whirlwind.ledger import workflow
from whirlwind.ledger.models import ProgressNote
from whirlwind.security import Identity
from whirlwind.targets import services as ts

TODAY = clock.today()


def ident(user) -> Identity:
    return Identity(user, user.permissions)


def make_target(session, tree, users, settings=None):
    campaign = ts.create_campaign(
        session,
        ident(users["city_org"]),
        org=tree["C"],
        year=TODAY.year,
        title="",
        ratio=decimal.Decimal("0.10"),
        per_district=True,
        settings=settings,
    )
    return ts.add_target(
        session,
        ident(users["district_org"]),
        campaign,
        tree["V1"],
        categories=["W01"],
        evidence="书记缺职4个月",
        problem="班子不团结",
    )


def submitted_item(session, tree, users, *, problem="村集体收入坐收坐支", city=False):
    """An item of 大潭村 with evidence, submitted for sign-off (awaiting the street)."""
    package = package_for(session, tree["V1"], city=city, users=users)
    item = make_item(session, ident(users["street"]), tree["V1"], package=package, problem=problem)
    workflow.transition(session, ident(users["street"]), item, "start")
    note = ProgressNote(item=item, author_id=users["street"].id, note="已整改完毕")
    session.add(note)
    session.flush()
    session.add(
        Attachment(
            owner_type="progress_note",
            owner_id=note.id,
            org_id=item.org_id,
            sha256="0" * 64,
            filename="evidence.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by_id=users["street"].id,
        )
    )
    session.flush()
    workflow.transition(session, ident(users["street"]), item, "submit")
    return item


def make_world(session, settings=None) -> dict:
    """Everything committed by the caller; returns ids (objects die with the session)."""
    tree = make_tree(session)
    users = make_users(session, tree)
    target = make_target(session, tree, users, settings)
    audit = make_audit(session, users["street"], tree["V1"])
    finding = make_finding(session, users["street"], audit)
    clue = make_clue(session, ident(users["street"]), tree["V1"])
    item = make_item(
        session,
        ident(users["street"]),
        tree["V1"],
        package=package_for(session, tree["V1"], users=users),
    )
    review_item = submitted_item(session, tree, users)
    session.flush()
    return {
        "users": {k: u.id for k, u in users.items()},
        "orgs": {k: o.id for k, o in tree.items()},
        "target": target.id,
        "finding": finding.id,
        "clue": clue.id,
        "item": item.id,
        "review_item": review_item.id,
    }
