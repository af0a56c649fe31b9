"""User administration: list and filters, create inside the jurisdiction only, edit,
deactivate (ends sessions), reactivate, reset password; roles are data."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import csrf_token, login
from whirlwind.accounts.models import AuthSession, Role, User
from whirlwind.accounts.services import create_user


def district_admin(dbsession, tree):
    return create_user(
        dbsession,
        username="t_dadmin",
        display_name="区管理员",
        org=tree["D1"],
        role_codes=["admin"],
        password="secret123",
    )


def test_list_filters_and_pagination(as_user, users, tree):
    app = as_user("admin")
    res = app.get("/admin/users", {"role": "street_inspector"})
    rows = res.html.find(id="user-list").text
    assert "t_street" in rows and "t_street_b" in rows and "t_city" not in rows
    res = app.get("/admin/users", {"unit": tree["S1"].id})
    rows = res.html.find(id="user-list").text
    assert "t_street" in rows and "t_committee" in rows and "t_district" not in rows
    res = app.get("/admin/users", {"size": 5})
    assert "共 14 条" in res.text and "第 1/3 页" in res.text
    res = app.get("/admin/users", {"active": "0"})
    assert "没有符合条件的用户" in res.text


def test_users_need_users_manage(as_user, users):
    as_user("city").get("/admin/users", status=403)
    as_user("city").get(f"/admin/users/{users['street'].id}", status=403)


def test_create_user_and_log_in(as_user, users, tree, testapp, dbsession):
    app = as_user("admin")
    form = app.get("/admin/users/new").forms["user-new"]
    form["username"] = "new_street"
    form["display_name"] = "新街道纪工委"
    form["phone"] = "027-1234567"
    form["org_id"] = str(tree["S2"].id)
    for field in form.fields["checkbox"]:
        field.checked = field._value == "street_inspector"
    form["password"] = "temp-pass-1"
    form["password-confirm"] = "temp-pass-1"
    res = form.submit("submit", status=302).follow()
    assert "新街道纪工委" in res.text
    user = dbsession.scalar(select(User).where(User.username == "new_street"))
    assert user.org_id == tree["S2"].id and user.has_role("street_inspector")
    testapp.reset()
    login(testapp, "new_street", "temp-pass-1")


def test_district_admin_cannot_create_outside_jurisdiction(testapp, tree, users, dbsession):
    district_admin(dbsession, tree)
    login(testapp, "t_dadmin")
    form = testapp.get("/admin/users/new").forms["user-new"]
    options = [v for v, *_ in form["org_id"].options]
    assert str(tree["S1"].id) in options and str(tree["S3"].id) not in options
    assert str(tree["C"].id) not in options
    # A forged unit outside the jurisdiction is refused and nothing is written.
    token = csrf_token(testapp)
    res = testapp.post(
        "/admin/users/new",
        [
            ("csrf_token", token),
            ("username", "sneaky"),
            ("display_name", "x"),
            ("phone", ""),
            ("org_id", str(tree["S3"].id)),
            ("__start__", "roles:sequence"),
            ("checkbox", "leader"),
            ("__end__", "roles:sequence"),
            ("__start__", "password:mapping"),
            ("password", "temp-pass-1"),
            ("password-confirm", "temp-pass-1"),
            ("__end__", "password:mapping"),
            ("submit", "submit"),
            ("__formid__", "user-new"),
        ],
        status=400,
    )
    assert "管辖范围" in res.text
    assert dbsession.scalar(select(User).where(User.username == "sneaky")) is None


def test_district_admin_sees_only_own_users(testapp, tree, users, dbsession):
    district_admin(dbsession, tree)
    login(testapp, "t_dadmin")
    rows = testapp.get("/admin/users", {"size": 100}).html.find(id="user-list").text
    assert "t_street" in rows and "t_committee" in rows
    assert "t_city" not in rows and "t_street_c" not in rows and "t_district_b" not in rows
    testapp.get(f"/admin/users/{users['city'].id}", status=404)
    testapp.get(f"/admin/users/{users['street_c'].id}/edit", status=404)


def test_role_escalation_is_refused(dbsession, tree, users):
    import pytest

    from whirlwind.accounts.services import admin_create_user
    from whirlwind.errors import ValidationFailed
    from whirlwind.security import Identity

    # A street inspector given users:manage by a local role still cannot hand out "admin".
    role = Role(code="street_admin", label_zh="街道用户管理员", permissions="users:manage")
    dbsession.add(role)
    dbsession.flush()
    actor_user = create_user(
        dbsession,
        username="t_sadmin",
        display_name="街道管理员",
        org=tree["S1"],
        role_codes=["street_admin"],
        password="secret123",
    )
    actor = Identity(actor_user, actor_user.permissions)
    with pytest.raises(ValidationFailed, match="不能授予角色"):
        admin_create_user(
            dbsession,
            actor,
            username="x1",
            display_name="x",
            org=tree["V1"],
            role_codes=["admin"],
            password="temp-pass-1",
        )


def test_deactivate_ends_sessions_and_blocks_login(as_user, users, testapp, dbsession):
    import webtest

    other = webtest.TestApp(testapp.app, extra_environ=testapp.extra_environ)
    login(other, "t_street")
    assert dbsession.scalar(select(AuthSession).where(AuthSession.user_id == users["street"].id))
    app = as_user("admin")
    app.post(
        f"/admin/users/{users['street'].id}/deactivate", {"csrf_token": csrf_token(app)}, status=302
    )
    assert users["street"].active is False
    assert (
        dbsession.scalar(select(AuthSession).where(AuthSession.user_id == users["street"].id))
        is None
    )
    # The open session is over: the next page asks for a login.
    assert other.get("/account/password", status=302).location.split("?")[0].endswith("/login")
    form = other.get("/login").forms["login"]
    form["username"], form["password"] = "t_street", "secret123"
    assert "账号已停用" in form.submit("submit", status=400).text
    # Reactivate: can log in again.
    app.post(
        f"/admin/users/{users['street'].id}/reactivate", {"csrf_token": csrf_token(app)}, status=302
    )
    other.reset()
    login(other, "t_street")


def test_admin_cannot_deactivate_self(as_user, users):
    app = as_user("admin")
    res = app.post(
        f"/admin/users/{users['admin'].id}/deactivate", {"csrf_token": csrf_token(app)}, status=400
    )
    assert "不能停用您自己" in res.text


def test_reset_password(as_user, users, testapp):
    app = as_user("admin")
    form = app.get(f"/admin/users/{users['street'].id}/password").forms["user-password"]
    form["password"] = "short"
    form["password-confirm"] = "short"
    assert "至少需要 8 个字符" in form.submit("submit", status=400).text
    form = app.get(f"/admin/users/{users['street'].id}/password").forms["user-password"]
    form["password"] = "temp-2026-x"
    form["password-confirm"] = "temp-2026-x"
    res = form.submit("submit", status=302).follow()
    assert "重置密码" in res.html.find(id="history").text
    testapp.reset()
    login(testapp, "t_street", "temp-2026-x")


def test_edit_user_changes_unit_and_roles_with_history(as_user, users, tree, dbsession):
    app = as_user("admin")
    form = app.get(f"/admin/users/{users['street'].id}/edit").forms["user-edit"]
    form["org_id"] = str(tree["S2"].id)
    form["display_name"] = "改名后"
    res = form.submit("submit", status=302).follow()
    assert users["street"].org_id == tree["S2"].id
    panel = res.html.find(id="history").text
    assert "姓名：测试street → 改名后" in panel and "所属单位" in panel


def test_role_permissions_are_editable_data(as_user, users, dbsession):
    app = as_user("admin")
    leader = dbsession.scalar(select(Role).where(Role.code == "leader"))
    res = app.get("/admin/roles")
    assert "领导（只读）" in res.html.find(id="role-list").text
    form = app.get(f"/admin/roles/{leader.id}/edit").forms["role-edit"]
    form["label_zh"] = "领导"
    for field in form.fields["checkbox"]:
        if field._value == "search:use":
            field.checked = False
    form.submit("submit", status=302)
    assert leader.label_zh == "领导" and "search:use" not in leader.permission_set
    assert "search:use" not in users["city_leader"].permissions


def test_roles_page_is_for_city_admins_only(testapp, tree, dbsession):
    district_admin(dbsession, tree)
    login(testapp, "t_dadmin")
    testapp.get("/admin/roles", status=403)


def test_admin_role_keeps_its_core_permissions(dbsession, users):
    import pytest

    from whirlwind.accounts.services import update_role
    from whirlwind.errors import ValidationFailed
    from whirlwind.security import Identity

    admin_role = dbsession.scalar(select(Role).where(Role.code == "admin"))
    with pytest.raises(ValidationFailed):
        update_role(
            dbsession,
            Identity(users["admin"], users["admin"].permissions),
            admin_role,
            label_zh="x",
            label_en="",
            active=True,
            permissions={"orgs:view"},
        )
