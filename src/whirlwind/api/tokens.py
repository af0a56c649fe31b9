"""The API token pages (API 令牌): list, create (the value is shown once), revoke."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind.api.framework import MAX_ID
from whirlwind.api.services import TokenSchema, create_token, revoke_token, tokens_for
from whirlwind.db import utcnow
from whirlwind.errors import NotFound
from whirlwind.forms import CSRFSchema, handle_form, make_form
from whirlwind.security import Permission

TEMPLATE = "whirlwind:api/templates/tokens.jinja2"


class TokenForm(CSRFSchema, TokenSchema):
    pass


def _page(request, result: dict) -> dict:
    result.setdefault("new_token", None)
    result["tokens"] = tokens_for(request.dbsession, request.identity.user)
    result["api_url"] = request.route_url("api.openapi")
    result["now"] = utcnow()
    return result


@view_config(route_name="accounts.tokens", renderer=TEMPLATE, permission=Permission.API_TOKENS)
def tokens(request):
    form = make_form(request, TokenForm(), buttons=("创建令牌",), formid="token")

    def on_success(data):
        _token, raw = create_token(
            request.dbsession,
            request.identity.user,
            data["name"],
            scope=data["scope"],
            days=data["days"],
        )
        # Shown in this response only: never flashed (the session is a signed, not
        # encrypted, cookie) and never stored.
        request.response.headers["Cache-Control"] = "no-store"
        return {
            "form": make_form(request, TokenForm(), buttons=("创建令牌",), formid="token").render(),
            "new_token": raw,
        }

    return _page(request, handle_form(request, form, on_success))


@view_config(
    route_name="accounts.tokens.revoke", request_method="POST", permission=Permission.API_TOKENS
)
def revoke(request):
    raw = request.matchdict["id"]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise NotFound("令牌不存在。")
    token = revoke_token(request.dbsession, request.identity.user, int(raw))
    request.session.flash(f"令牌“{token.name}”已撤销，使用它的请求将被拒绝。", "success")
    return HTTPFound(request.route_url("accounts.tokens"))
