"""The jurisdiction matrix: every role × a record inside / beside / above its jurisdiction
× list, detail, edit.

A *record kind* says how to create a record in a given unit and how to list, open and edit
it (through the web app, or through the service layer for kinds without pages yet). Areas
add their kinds to ``KINDS``; every kind is then checked for every role and position.

Why removing any one check makes this fail — each assertion exercises a distinct path:
- list: the kind's list query goes through ``scope``; without it the beside/above records
  appear in the list (``present`` becomes True where False is expected).
- detail: the detail view loads through ``get_visible``; without it beside/above answer 200.
- edit: the edit view loads through ``get_visible`` on its own route; without it beside/above
  answer 302 and the record changes (both are asserted).
- permission: a role without the kind's permission must get 403 on every page even for a
  record inside its jurisdiction; dropping ``permission=`` from a view turns that into 200.
- inside: the same checks require inside records to be listed, shown and editable, so a
  filter that hides everything (or a wrong subtree) fails too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token, login
from whirlwind import clock
from whirlwind.accounts.services import create_user
from whirlwind.errors import NotFound
from whirlwind.ledger.models import RectificationItem
from whirlwind.scoping import get_visible, scope
from whirlwind.security import Identity, Permission

# role key -> (role codes, unit key in tests.factories.make_tree)
ROLES = {
    "admin": (["admin"], "C"),
    "district_admin": (["admin"], "D1"),
    "street_admin": (["admin"], "S1"),
    "city": (["city_inspector"], "C"),
    "district": (["district_inspector"], "D1"),
    "street": (["street_inspector"], "S1"),
    "committee": (["committee_member"], "V1"),
    "city_leader": (["leader"], "C"),
    "district_leader": (["leader"], "D1"),
    "district_org": (["org_officer"], "D2"),
}

# unit of the user -> unit of the record at each position (None: no such position).
POSITIONS = {
    "C": {"inside": "V1", "beside": None, "above": None},
    "D1": {"inside": "V1", "beside": "D2", "above": "C"},
    "D2": {"inside": "K1", "beside": "V3", "above": "C"},
    "S1": {"inside": "V2", "beside": "V3", "above": "D1"},
    "V1": {"inside": "V1", "beside": "V2", "above": "S1"},
}


@dataclass
class Ctx:
    session: object
    tree: dict
    app: object  # logged-in WebTest app
    identity: Identity


@dataclass
class RecordKind:
    name: str
    permission: str | None  # needed for every operation through the web (None: service level)
    make: Callable  # (ctx, org) -> record
    listed: Callable  # (ctx, record) -> bool, or an int status when refused
    detail: Callable  # (ctx, record) -> status code
    edit: Callable  # (ctx, record) -> (status code, changed?)


def _status(res) -> int:
    return res.status_int


# --- kind: org units (the record *is* the unit) ------------------------------------------


def org_listed(ctx, org):
    res = ctx.app.get("/admin/orgs", {"q": org.code}, status="*")
    if res.status_int != 200:
        return res.status_int
    return org.code in {td.text.strip() for td in res.html.find(id="org-list").find_all("td")}


def org_edit(ctx, org):
    old = org.name
    res = ctx.app.post(
        f"/admin/orgs/{org.id}/rename",
        {
            "csrf_token": csrf_token(ctx.app),
            "name": old + "（新）",
            "reason": "矩阵测试",
            "__start__": "on_date:mapping",
            "date": "2026-01-01",
            "__end__": "on_date:mapping",
            "version": str(org.version),
            "__formid__": "org-rename",
            "submit": "submit",
        },
        status="*",
    )
    return res.status_int, org.name != old


ORG_KIND = RecordKind(
    name="org",
    permission=Permission.ORGS_MANAGE,
    make=lambda ctx, org: org,
    listed=org_listed,
    detail=lambda ctx, org: _status(ctx.app.get(f"/admin/orgs/{org.id}", status="*")),
    edit=org_edit,
)


# --- kind: user accounts -----------------------------------------------------------------


def user_make(ctx, org):
    return create_user(
        ctx.session,
        username="matrix_target",
        display_name="矩阵目标",
        org=org,
        role_codes=["leader"],
        password="secret123",
    )


def user_listed(ctx, user):
    res = ctx.app.get("/admin/users", {"q": "matrix_target"}, status="*")
    if res.status_int != 200:
        return res.status_int
    return "matrix_target" in {
        td.text.strip() for td in res.html.find(id="user-list").find_all("td")
    }


def user_edit(ctx, user):
    res = ctx.app.post(
        f"/admin/users/{user.id}/deactivate", {"csrf_token": csrf_token(ctx.app)}, status="*"
    )
    return res.status_int, not user.active


USER_KIND = RecordKind(
    name="user",
    permission=Permission.USERS_MANAGE,
    make=user_make,
    listed=user_listed,
    detail=lambda ctx, user: _status(ctx.app.get(f"/admin/users/{user.id}", status="*")),
    edit=user_edit,
)


# --- kind: ledger items (service level until the ledger pages exist) ---------------------


def item_make(ctx, org):
    return RectificationItem(
        org_id=org.id,
        source_type="finding",
        source_id=1,
        problem="矩阵",
        deadline=clock.today() + dt.timedelta(days=30),
    )


def _item(ctx, org):
    item = item_make(ctx, org)
    ctx.session.add(item)
    ctx.session.flush()
    return item


def item_listed(ctx, item):
    stmt = scope(select(RectificationItem.id), RectificationItem.org_id, ctx.identity)
    return item.id in set(ctx.session.scalars(stmt))


def item_detail(ctx, item):
    try:
        get_visible(ctx.session, ctx.identity, RectificationItem, item.id)
    except NotFound:
        return 404
    return 200


def item_edit(ctx, item):
    try:
        loaded = get_visible(ctx.session, ctx.identity, RectificationItem, item.id)
    except NotFound:
        return 404, False
    loaded.measure = "矩阵修改"
    ctx.session.flush()
    return 200, item.measure == "矩阵修改"


ITEM_KIND = RecordKind(
    name="ledger_item",
    permission=None,
    make=_item,
    listed=item_listed,
    detail=item_detail,
    edit=item_edit,
)

# --- kind: 延期申请 (service level: the to-do lists of other areas read it) ---------------


def extension_make(ctx, org):
    from whirlwind.ledger.models import ExtensionRequest

    item = _item(ctx, org)
    row = ExtensionRequest(
        item_id=item.id,
        org_id=org.id,
        old_deadline=item.deadline,
        new_deadline=item.deadline + dt.timedelta(days=10),
        reason="矩阵",
        requester_org_id=org.id,
    )
    ctx.session.add(row)
    ctx.session.flush()
    return row


def extension_listed(ctx, row):
    from whirlwind.ledger.extensions import pending_for_decision
    from whirlwind.ledger.models import ExtensionRequest

    scoped = set(
        ctx.session.scalars(
            scope(select(ExtensionRequest.id), ExtensionRequest.org_id, ctx.identity)
        )
    )
    # The to-do query of the deciding level never reaches outside the jurisdiction.
    todo = {r.id for r in ctx.session.scalars(pending_for_decision(ctx.identity))}
    assert todo <= scoped
    return row.id in scoped


def extension_detail(ctx, row):
    from whirlwind.ledger.models import ExtensionRequest

    try:
        get_visible(ctx.session, ctx.identity, ExtensionRequest, row.id)
    except NotFound:
        return 404
    return 200


def extension_edit(ctx, row):
    from whirlwind.ledger.models import ExtensionRequest

    try:
        loaded = get_visible(ctx.session, ctx.identity, ExtensionRequest, row.id)
    except NotFound:
        return 404, False
    loaded.reason = "矩阵修改"
    ctx.session.flush()
    return 200, row.reason == "矩阵修改"


EXTENSION_KIND = RecordKind(
    name="extension_request",
    permission=None,
    make=extension_make,
    listed=extension_listed,
    detail=extension_detail,
    edit=extension_edit,
)

# --- kind: persons (人员; service level: the list's counts and merge are what leaked) -----


def _person_with_clue(ctx, org, name):
    from whirlwind.cases.models import ClueReportedPerson
    from whirlwind.cases.services import create_clue
    from whirlwind.persons.models import Person

    clue = create_clue(
        ctx.session,
        ctx.identity.user,
        org=org,
        source="petition",
        received_date=clock.today() - dt.timedelta(days=5),
        title=f"矩阵反映{name}",
        summary="矩阵",
        persons=[{"name": name, "post": "村委会主任", "unit_name": org.name}],
        categories=["false_claims"],
    )
    link = ctx.session.scalars(
        select(ClueReportedPerson).where(ClueReportedPerson.clue_id == clue.id)
    ).one()
    return ctx.session.get(Person, link.person_id)


def person_make(ctx, org):
    return _person_with_clue(ctx, org, f"矩阵{org.code[-6:]}")


def person_listed(ctx, person):
    from whirlwind.persons.models import Person
    from whirlwind.persons.services import matter_counts

    counts = matter_counts(ctx.identity)
    stmt = scope(
        select(Person.id).join(counts, counts.c.pid == Person.id), Person.org_id, ctx.identity
    )
    return person.id in set(ctx.session.scalars(stmt))


def person_detail(ctx, person):
    from whirlwind.persons.models import Person

    try:
        get_visible(ctx.session, ctx.identity, Person, person.id)
    except NotFound:
        return 404
    return 200


def person_edit(ctx, person):
    """合并: a second row of the same person in the same unit, merged into the record."""
    from whirlwind.errors import Forbidden
    from whirlwind.persons.models import Person
    from whirlwind.persons.services import merge

    try:
        loaded = get_visible(ctx.session, ctx.identity, Person, person.id)
    except NotFound:
        return 404, False
    twin = Person(name=person.name, org_id=person.org_id, unit_name=person.unit_name)
    ctx.session.add(twin)
    ctx.session.flush()
    try:
        merge(ctx.session, ctx.identity, twin, loaded)
    except Forbidden:
        return 403, False
    return 200, twin.merged_into_id == person.id


PERSON_KIND = RecordKind(
    name="person",
    permission=None,
    make=person_make,
    listed=person_listed,
    detail=person_detail,
    edit=person_edit,
)

KINDS = [ORG_KIND, USER_KIND, ITEM_KIND, EXTENSION_KIND, PERSON_KIND]

CASES = [
    (kind, role, position)
    for kind in KINDS
    for role, (_codes, unit) in ROLES.items()
    for position, record_unit in POSITIONS[unit].items()
    if record_unit is not None
]


@pytest.fixture
def ctx_for(testapp, dbsession, tree):
    def _make(role):
        codes, unit = ROLES[role]
        user = create_user(
            dbsession,
            username=f"m_{role}",
            display_name=role,
            org=tree[unit],
            role_codes=codes,
            password="secret123",
        )
        testapp.reset()
        login(testapp, user.username)
        return Ctx(dbsession, tree, testapp, Identity(user, user.permissions))

    return _make


@pytest.mark.parametrize(
    "kind,role,position", CASES, ids=[f"{k.name}-{r}-{p}" for k, r, p in CASES]
)
def test_matrix(ctx_for, kind, role, position):
    """List, detail and edit of one record: three distinct checks (edit last: it writes)."""
    ctx = ctx_for(role)
    record_unit = ctx.tree[POSITIONS[ROLES[role][1]][position]]
    record = kind.make(ctx, record_unit)
    allowed = kind.permission is None or ctx.identity.can(kind.permission)
    inside = position == "inside"
    where = f"{kind.name}: {role} and a record {position}"

    listed = kind.listed(ctx, record)
    if not allowed:
        assert listed == 403, f"{where}: list answered {listed}"
    else:
        assert listed is inside, f"{where}: listed={listed}"

    expected = 403 if not allowed else (200 if inside else 404)
    assert kind.detail(ctx, record) == expected, f"{where}: detail"

    status, changed = kind.edit(ctx, record)
    if not allowed:
        assert status == 403 and not changed, f"{where}: edit {status} changed={changed}"
    elif inside:
        assert status in (200, 302) and changed, f"{where}: edit {status} changed={changed}"
    else:
        assert status == 404 and not changed, f"{where}: edit {status} changed={changed}"


def test_matrix_covers_every_role_and_position():
    """Every role of the defaults appears, and each non-root role has all three positions."""
    from whirlwind.security import DEFAULT_ROLES

    assert {c for codes, _ in ROLES.values() for c in codes} == {code for code, *_ in DEFAULT_ROLES}
    for role, (_codes, unit) in ROLES.items():
        expected = 1 if unit == "C" else 3
        assert sum(1 for v in POSITIONS[unit].values() if v) == expected, role
