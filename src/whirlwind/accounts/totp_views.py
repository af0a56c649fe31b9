"""Two-factor login pages (两步验证): the code step of the login, and setting it up or
turning it off in the user menu."""

from __future__ import annotations

import colander
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind import changelog, security
from whirlwind.accounts import totp
from whirlwind.accounts.services import account_throttled
from whirlwind.forms import CSRFSchema, handle_form, make_form

TEMPLATE = "whirlwind:accounts/templates/totp.jinja2"


class CodeSchema(CSRFSchema):
    code = colander.SchemaNode(
        colander.String(),
        title="验证码",
        description="验证器应用（如 Microsoft Authenticator、FreeOTP）中显示的 6 位数字",
        missing_msg="请输入验证码",
        validator=colander.Length(max=10, max_err="验证码是 6 位数字"),
    )


def _setup(user, secret):
    return {"secret": secret, "uri": totp.provisioning_uri(user, secret)} if secret else None


@view_config(route_name="accounts.login_totp", renderer=TEMPLATE)
def login_code(request):
    user, pending = totp.pending_user(request)
    if user is None:
        request.session.flash("登录已超时，请重新输入用户名和密码。", "warning")
        return HTTPFound(request.route_url("accounts.login"))
    form = make_form(request, CodeSchema(), buttons=("验证",), formid="totp")
    secret = pending.get("secret")
    client_ip = request.client_addr or ""

    def on_success(data):
        settings = request.registry.settings
        message = account_throttled(request.dbsession, settings, user.username)
        if message is None:
            if secret:
                ok = totp.check_code(request.dbsession, user, data["code"], client_ip, secret)
                if ok:
                    user.totp_secret = secret
                    changelog.set_action(user, "开启两步验证")
            else:
                ok = totp.check_code(request.dbsession, user, data["code"], client_ip)
            if ok:
                security.login(request, user)
                return HTTPFound(pending.get("next") or request.route_url("home"))
            message = "验证码不正确或已使用，请查看验证器中的最新验证码。"
            request.response.status = 400
        else:
            request.response.status = 429
        form.error = colander.Invalid(form.schema, message)
        return {"form": form.render(), "error": message, "setup": _setup(user, secret)}

    result = handle_form(request, form, on_success)
    if isinstance(result, dict):
        result.setdefault("setup", _setup(user, secret))
        result.update(mode="login", required=totp.required(user))
    return result


@view_config(route_name="accounts.totp", renderer=TEMPLATE, permission=None)
def account_totp(request):
    """Set up (a new secret, confirmed with a code) or turn off (a current code)."""
    if request.identity is None or request.identity.via_token:
        return HTTPFound(request.route_url("accounts.login", _query={"next": request.path}))
    user = request.identity.user
    client_ip = request.client_addr or ""
    if totp.enabled(user):
        secret = None
    else:
        secret = request.session.get("totp.setup") or totp.new_secret()
        request.session["totp.setup"] = secret
    form = make_form(
        request,
        CodeSchema(),
        buttons=("关闭两步验证" if totp.enabled(user) else "开启两步验证",),
        formid="totp",
    )

    def on_success(data):
        if totp.enabled(user):
            totp.disable(request.dbsession, user, data["code"], client_ip)
            changelog.set_action(user, "关闭两步验证")
            request.session.flash("两步验证已关闭。", "success")
        else:
            totp.enable(request.dbsession, user, secret, data["code"], client_ip)
            changelog.set_action(user, "开启两步验证")
            request.session.pop("totp.setup", None)
            request.session.flash("两步验证已开启，下次登录时需要输入验证码。", "success")
        return HTTPFound(request.route_url("accounts.totp"))

    result = handle_form(request, form, on_success)
    if isinstance(result, dict):
        result.update(
            mode="account",
            enabled=totp.enabled(user),
            required=totp.required(user),
            setup=_setup(user, secret),
        )
    return result
