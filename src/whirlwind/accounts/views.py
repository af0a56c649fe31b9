"""Login, logout and password change (登录、退出、修改密码)."""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind import security
from whirlwind.accounts import totp
from whirlwind.accounts.services import authenticate, change_own_password
from whirlwind.forms import CSRFSchema, handle_form, make_form


class LoginSchema(CSRFSchema):
    username = colander.SchemaNode(
        colander.String(),
        title="用户名",
        missing_msg="请输入用户名",
        validator=colander.Length(max=64, max_err="用户名过长"),
    )
    password = colander.SchemaNode(
        colander.String(),
        title="密码",
        missing_msg="请输入密码",
        widget=deform.widget.PasswordWidget(),
        validator=colander.Length(max=256),
    )


class PasswordSchema(CSRFSchema):
    old_password = colander.SchemaNode(
        colander.String(),
        title="当前密码",
        missing_msg="请输入当前密码",
        widget=deform.widget.PasswordWidget(),
    )
    new_password = colander.SchemaNode(
        colander.String(),
        title="新密码",
        missing_msg="请输入新密码",
        description="至少 8 个字符，同时包含字母和数字（或符号）；不能含用户名或姓名，不能是常见密码",
        widget=deform.widget.CheckedPasswordWidget(),
        validator=colander.Length(max=256),
    )


def _safe_next(request) -> str:
    target = request.params.get("next") or ""
    # Only local paths: never redirect to another host.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return request.route_path("home")


@view_config(route_name="accounts.login", renderer="whirlwind:accounts/templates/login.jinja2")
def login(request):
    if request.identity is not None and request.method == "GET":
        return HTTPFound(_safe_next(request))
    form = make_form(request, LoginSchema(), buttons=("登录",), formid="login")

    def on_success(data):
        result = authenticate(
            request.dbsession,
            request.registry.settings,
            data["username"],
            data["password"],
            request.client_addr or "",
        )
        if result.user is None:
            request.response.status = 429 if result.throttled else 400
            form.error = colander.Invalid(form.schema, result.message)
            return {"form": form.render({"username": data["username"]}), "error": result.message}
        if result.second_factor:
            totp.pending_login(request, result.user, _safe_next(request))
            return HTTPFound(request.route_url("accounts.login_totp"))
        security.login(request, result.user)
        return HTTPFound(_safe_next(request))

    return handle_form(request, form, on_success)


@view_config(route_name="accounts.logout", request_method="POST")
def logout(request):
    security.logout(request)
    response = HTTPFound(request.route_url("accounts.login"))
    request.session.flash("您已安全退出。", "info")
    return response


@view_config(
    route_name="accounts.logout",
    request_method="GET",
    renderer="whirlwind:accounts/templates/logout.jinja2",
)
def logout_confirm(request):
    return {}


@view_config(
    route_name="accounts.password",
    renderer="whirlwind:accounts/templates/password.jinja2",
    permission=None,
)
def change_password(request):
    if request.identity is None:
        return HTTPFound(request.route_url("accounts.login", _query={"next": request.path}))
    form = make_form(request, PasswordSchema(), buttons=("修改密码",), formid="password")
    user = request.identity.user

    def on_success(data):
        ended = change_own_password(
            request.dbsession,
            user,
            data["old_password"],
            data["new_password"],
            security.current_session_hash(request),
        )
        message = "密码已修改。"
        if ended:
            message += f"您在其他 {ended} 处的登录已退出。"
        request.session.flash(message, "success")
        return HTTPFound(request.route_url("home"))

    return handle_form(request, form, on_success)
