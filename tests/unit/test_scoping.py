"""Jurisdiction: a unit and everything below it, never above or beside."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from whirlwind.errors import NotFound
from whirlwind.orgs.models import Org
from whirlwind.orgs.services import move_org
from whirlwind.scoping import get_visible, in_jurisdiction, scope
from whirlwind.security import Identity


def ident(user):
    return Identity(user, user.permissions)


def visible_codes(session, user):
    stmt = scope(select(Org.code), Org.id, ident(user))
    return set(session.scalars(stmt))


def test_subtrees(dbsession, tree, users):
    t = {k: v.code for k, v in tree.items()}
    assert visible_codes(dbsession, users["city"]) == set(t.values())
    assert visible_codes(dbsession, users["district"]) == {
        t[k] for k in ("D1", "S1", "S2", "V1", "V2", "V3")
    }
    assert visible_codes(dbsession, users["street"]) == {t[k] for k in ("S1", "V1", "V2")}
    assert visible_codes(dbsession, users["committee"]) == {t["V1"]}


def test_get_visible_hides_records_outside(dbsession, tree, users):
    assert get_visible(dbsession, ident(users["street"]), Org, tree["V1"].id, org_attr="id")
    for outside in ("V3", "D1", "C", "K1"):
        with pytest.raises(NotFound):
            get_visible(dbsession, ident(users["street"]), Org, tree[outside].id, org_attr="id")


def test_move_rebuilds_jurisdiction(dbsession, tree, users):
    move_org(dbsession, tree["V3"], tree["S1"])
    assert in_jurisdiction(dbsession, ident(users["street"]), tree["V3"].id)
    assert not in_jurisdiction(dbsession, ident(users["street_b"]), tree["V3"].id)
    assert tree["V3"].street_id == tree["S1"].id and tree["V3"].district_id == tree["D1"].id
