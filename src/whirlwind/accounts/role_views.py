"""Roles (角色管理): roles are data; a city-level administrator edits labels and
permissions or adds a local role without code changes."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config
from sqlalchemy import func, select

from whirlwind.accounts import schemas, services
from whirlwind.accounts.models import Role, user_roles
from whirlwind.errors import Forbidden, NotFound
from whirlwind.forms import handle_form, make_form
from whirlwind.security import Permission

TEMPLATES = "whirlwind:accounts/templates/"

PERMISSION_LABELS = {
    "orgs:view": "查看组织机构",
    "orgs:manage": "管理组织机构",
    "users:manage": "管理用户和角色",
    "reference:manage": "管理参考数据",
    "log:view": "查看变更记录",
    "targets:view": "查看整顿对象",
    "targets:edit": "录入整顿对象",
    "targets:accept": "整顿验收",
    "ledger:view": "查看整改台账",
    "ledger:edit": "录入整改事项",
    "ledger:review": "审核销号",
    "audits:view": "查看四资一项目",
    "audits:edit": "录入检查",
    "audits:report": "反映四资问题",
    "disclosure:view": "查看三务公开",
    "disclosure:edit": "录入公开记录",
    "disclosure:check": "公开检查",
    "disclosure:catalog": "维护公开目录",
    "cases:view": "查看线索/案件",
    "cases:edit": "录入线索/案件",
    "cases:approve": "审批线索/案件",
    "cases:reporter": "查看举报人信息",
    "cases:import": "导入线索",
    "committee:report": "监督委员会反映问题",
    "search:use": "全文检索",
    "dashboard:view": "统计报表",
    "api:tokens": "API 令牌",
}


def _city_admin(request) -> None:
    if request.identity.org.parent_id is not None:
        raise Forbidden("角色为全市共用，只有市级管理员可以修改。")


def _permissions(request):
    return [
        (str(p), PERMISSION_LABELS.get(str(p), str(p)))
        for p in Permission
        if request.identity.can(p)
    ]


@view_config(
    route_name="accounts.roles",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "roles.jinja2",
)
def roles(request):
    _city_admin(request)
    session = request.dbsession
    counts = dict(
        session.execute(
            select(user_roles.c.role_id, func.count()).group_by(user_roles.c.role_id)
        ).all()
    )
    return {
        "roles": list(session.scalars(select(Role).order_by(Role.sort, Role.id))),
        "counts": counts,
        "labels": PERMISSION_LABELS,
    }


@view_config(
    route_name="accounts.role_edit",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def role_edit(request):
    _city_admin(request)
    role = request.dbsession.get(Role, int(request.matchdict["id"]))
    if role is None:
        raise NotFound("角色不存在。")
    form = make_form(
        request,
        schemas.RoleForm().bind(request=request, permissions=_permissions(request)),
        buttons=("保存",),
        formid="role-edit",
    )

    def on_success(data):
        services.update_role(request.dbsession, request.identity, role, **data)
        request.session.flash(f"已保存角色：{role.label_zh}。", "success")
        return HTTPFound(request.route_url("accounts.roles"))

    current = {
        "label_zh": role.label_zh,
        "label_en": role.label_en,
        "sort": role.sort,
        "active": role.active,
        "require_totp": role.require_totp,
        "permissions": set(role.permission_set),
    }
    result = handle_form(request, form, on_success, appstruct=current)
    if isinstance(result, dict):
        result.update(
            title=f"编辑角色：{role.label_zh}（{role.code}）",
            back=request.route_path("accounts.roles"),
        )
    return result


@view_config(
    route_name="accounts.role_new",
    permission=Permission.USERS_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def role_new(request):
    _city_admin(request)
    form = make_form(
        request,
        schemas.RoleCreateForm().bind(request=request, permissions=_permissions(request)),
        buttons=("新建角色",),
        formid="role-new",
    )

    def on_success(data):
        data.pop("active", None)
        role = services.create_role(request.dbsession, request.identity, **data)
        request.session.flash(f"已新建角色：{role.label_zh}。", "success")
        return HTTPFound(request.route_url("accounts.roles"))

    result = handle_form(request, form, on_success, appstruct={"active": True})
    if isinstance(result, dict):
        result.update(title="新建角色", back=request.route_path("accounts.roles"))
    return result
