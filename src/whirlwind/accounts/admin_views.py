"""User administration (用户管理): list, create, edit, deactivate, reactivate, reset
password. Users belong to units; an administrator sees and manages only the users of their
own jurisdiction, and a user outside it answers 404."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from whirlwind import changelog, clock
from whirlwind.accounts import schemas, services
from whirlwind.accounts.models import Role, User, user_roles
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.forms import handle_form, make_form
from whirlwind.orgs.models import Org
from whirlwind.orgs.services import contains_pattern, org_choices
from whirlwind.paginate import page_params, paginate
from whirlwind.scoping import get_visible, scope_to_unit
from whirlwind.security import Permission

TEMPLATES = "whirlwind:accounts/templates/"


def _user(request) -> User:
    return get_visible(request.dbsession, request.identity, User, request.matchdict["id"])


def _unit(request, value) -> Org:
    return get_visible(request.dbsession, request.identity, Org, value, org_attr="id")


def _filters(request):
    params = request.params
    try:
        unit_id = int(params.get("unit") or 0) or None
    except ValueError:
        unit_id = None
    stmt = scope_to_unit(select(User), User.org_id, request.identity, unit_id)
    role = params.get("role") or ""
    if role:
        stmt = stmt.where(
            User.id.in_(
                select(user_roles.c.user_id)
                .join(Role, Role.id == user_roles.c.role_id)
                .where(Role.code == role)
            )
        )
    active = params.get("active") or ""
    if active == "1":
        stmt = stmt.where(User.active.is_(True))
    elif active == "0":
        stmt = stmt.where(User.active.is_(False))
    q = (params.get("q") or "").strip()
    if q:
        like = contains_pattern(q)
        stmt = stmt.where(
            or_(
                User.username.like(like, escape="\\"),
                User.display_name.like(like, escape="\\"),
                User.phone.like(like, escape="\\"),
            )
        )
    return stmt.options(selectinload(User.roles)).order_by(User.org_id, User.username)


@view_config(
    route_name="accounts.users",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "users.jinja2",
)
def users(request):
    session = request.dbsession
    stmt = _filters(request)
    if request.params.get("format") == "xlsx":
        wb = new_workbook()
        rows = [
            (
                u.username,
                u.display_name,
                u.phone,
                u.org.name,
                u.org.code,
                u.role_labels,
                "启用" if u.active else "停用",
            )
            for u in session.scalars(stmt)
        ]
        add_sheet(
            wb, "用户", ["用户名", "姓名", "电话", "所属单位", "单位编码", "角色", "状态"], rows
        )
        return workbook_response(wb, f"用户-{clock.today():%Y%m%d}.xlsx")
    page, size = page_params(request)
    return {
        "page": paginate(session, stmt, page, size),
        "units": org_choices(session, request.identity, active_only=False),
        "roles": list(session.scalars(select(Role).order_by(Role.sort, Role.id))),
        "params": request.params,
    }


def _choices(request):
    session = request.dbsession
    return {
        "units": org_choices(session, request.identity),
        "roles": [
            (r.code, r.label_zh) for r in services.assignable_roles(session, request.identity)
        ],
    }


@view_config(
    route_name="accounts.user_new",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def user_new(request):
    form = make_form(
        request,
        schemas.UserCreateForm().bind(request=request, **_choices(request)),
        buttons=("创建用户",),
        formid="user-new",
    )

    def on_success(data):
        user = services.admin_create_user(
            request.dbsession,
            request.identity,
            username=data["username"],
            display_name=data["display_name"],
            org=_unit(request, data["org_id"]),
            role_codes=sorted(data["roles"]),
            password=data["password"],
            phone=data["phone"],
        )
        request.session.flash(
            f"已创建用户 {user.username}，请把临时密码告知本人并提醒其修改。", "success"
        )
        return HTTPFound(request.route_url("accounts.user_detail", id=user.id))

    result = handle_form(request, form, on_success)
    if isinstance(result, dict):
        result["title"] = "新建用户"
    return result


@view_config(
    route_name="accounts.user_detail",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "user.jinja2",
)
def user_detail(request):
    user = _user(request)
    return {
        "user": user,
        "entries": changelog.history(request.dbsession, "user", user.id),
        "is_self": user.id == request.identity.id,
    }


@view_config(
    route_name="accounts.user_edit",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def user_edit(request):
    user = _user(request)
    choices = _choices(request)
    if str(user.org_id) not in {v for v, _ in choices["units"]}:
        choices["units"].append((str(user.org_id), f"{user.org.name}（已停用）"))
    form = make_form(
        request,
        schemas.UserEditForm().bind(request=request, **choices),
        buttons=("保存",),
        formid="user-edit",
    )

    def on_success(data):
        services.update_user(
            request.dbsession,
            request.identity,
            user,
            display_name=data["display_name"],
            phone=data["phone"],
            org=_unit(request, data["org_id"]),
            role_codes=sorted(data["roles"]),
            version=data["version"],
        )
        request.session.flash("已保存。", "success")
        return HTTPFound(request.route_url("accounts.user_detail", id=user.id))

    current = {
        "display_name": user.display_name,
        "phone": user.phone,
        "org_id": str(user.org_id),
        "roles": {r.code for r in user.roles},
        "version": user.version,
    }
    result = handle_form(request, form, on_success, appstruct=current)
    if isinstance(result, dict):
        result.update(title=f"编辑用户：{user.username}", user=user)
    return result


@view_config(
    route_name="accounts.user_password",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def user_password(request):
    user = _user(request)
    form = make_form(request, schemas.PasswordForm(), buttons=("重置密码",), formid="user-password")

    def on_success(data):
        services.reset_password(request.dbsession, request.identity, user, data["password"])
        request.session.flash(
            f"已为 {user.username} 设置临时密码，其已登录的会话均已退出。", "success"
        )
        return HTTPFound(request.route_url("accounts.user_detail", id=user.id))

    result = handle_form(request, form, on_success)
    if isinstance(result, dict):
        result.update(title=f"重置密码：{user.username}", user=user)
    return result


@view_config(
    route_name="accounts.user_deactivate", permission=Permission.USERS_MANAGE, request_method="POST"
)
def user_deactivate(request):
    user = _user(request)
    services.deactivate_user(request.dbsession, request.identity, user)
    request.session.flash(f"已停用 {user.username}，其登录会话已全部结束。", "success")
    return HTTPFound(request.route_url("accounts.user_detail", id=user.id))


@view_config(
    route_name="accounts.user_reactivate", permission=Permission.USERS_MANAGE, request_method="POST"
)
def user_reactivate(request):
    user = _user(request)
    services.reactivate_user(request.dbsession, request.identity, user)
    request.session.flash(f"已重新启用 {user.username}。", "success")
    return HTTPFound(request.route_url("accounts.user_detail", id=user.id))
