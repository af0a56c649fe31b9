"""Builders shared by the ledger and targets tests."""

from __future__ import annotations

import datetime as dt
import io

from whirlwind import clock
from whirlwind.attachments.services import store
from whirlwind.ledger.services import add_note, create_item, create_package
from whirlwind.security import Identity

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
TODAY = clock.today()


def ident(user) -> Identity:
    return Identity(user, user.permissions)


def package_for(session, org, *, city=False, users=None):
    users = users or {}
    members = [
        {
            "level": "district",
            "role": "district_leader",
            "person_name": "区领导",
            "user_id": getattr(users.get("district"), "id", None),
        },
        {
            "level": "street",
            "role": "street_leader",
            "person_name": "街道领导",
            "user_id": getattr(users.get("street"), "id", None),
        },
        {"level": "village", "role": "first_secretary", "person_name": "第一书记"},
    ]
    if city:
        members.insert(
            0,
            {
                "level": "city",
                "role": "city_leader",
                "person_name": "市领导",
                "user_id": getattr(users.get("city"), "id", None),
            },
        )
    return create_package(session, org=org, title="包保", members=members)


def make_item(
    session,
    actor,
    org,
    *,
    package=None,
    deadline=None,
    problem="问题",
    source_type="target",
    source_id=1,
):
    return create_item(
        session,
        actor,
        org=org,
        source_type=source_type,
        source_id=source_id,
        problem=problem,
        deadline=deadline or TODAY + dt.timedelta(days=30),
        measure="措施",
        responsible_person="张三",
        package=package,
        today=(deadline and min(deadline, TODAY)) or TODAY,
    )


def add_evidence(session, settings, identity, item, text="已完成整改"):
    note = add_note(session, identity, item, text)
    store(
        session,
        settings,
        fileobj=io.BytesIO(PNG),
        filename="photo.png",
        owner_type="progress_note",
        owner_id=note.id,
        org_id=item.org_id,
        uploader_id=identity.user.id,
    )
    return note
