"""Home, health check and error pages."""

from __future__ import annotations

import logging

from pyramid.exceptions import BadCSRFOrigin, BadCSRFToken
from pyramid.httpexceptions import HTTPForbidden, HTTPFound, HTTPNotFound
from pyramid.interfaces import IRoutesMapper
from pyramid.view import (
    exception_view_config,
    forbidden_view_config,
    notfound_view_config,
    view_config,
)
from sqlalchemy import text
from sqlalchemy.orm.exc import StaleDataError

from whirlwind.errors import DomainError, StaleVersion

log = logging.getLogger(__name__)


def wants_json(request) -> bool:
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept") or ""
    return "application/json" in accept and "text/html" not in accept


def error_response(request, status: int, code: str, message: str, fields=None):
    request.response.status = status
    if wants_json(request):
        request.override_renderer = "json"
        return {"error": code, "message": message, "fields": fields or {}}
    request.override_renderer = "whirlwind:templates/error.jinja2"
    return {"status": status, "message": message, "fields": fields or {}}


MAX_ID = 2**31 - 1


def reject_out_of_range_ids(event):
    """Record ids in URLs (``{id}``, ``{org_id}`` …) beyond what the id columns can hold
    answer 404 like any other unknown record, instead of a database range error."""
    for key, value in (event.request.matchdict or {}).items():
        if (key == "id" or key.endswith("_id")) and isinstance(value, str) and value.isdigit():
            if int(value) > MAX_ID:
                raise HTTPNotFound()


@view_config(route_name="home")
def home(request):
    if request.identity is None:
        return HTTPFound(request.route_url("accounts.login"))
    mapper = request.registry.getUtility(IRoutesMapper)
    for route in ("reports.dashboard", "ledger.index"):
        if mapper.get_route(route) is not None:
            return HTTPFound(request.route_url(route))
    return HTTPFound(request.route_url("accounts.password"))


@view_config(route_name="healthz", renderer="json", require_csrf=False)
def healthz(request):
    engine = request.registry["dbengine"]
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # the database is down or unreachable
        log.warning("health check failed: %s", e)
        request.response.status = 503
        return {"status": "unavailable", "database": "unreachable"}
    return {"status": "ok", "database": "ok"}


@notfound_view_config(renderer="whirlwind:templates/error.jinja2", append_slash=HTTPFound)
def notfound(exc, request):
    return error_response(request, 404, "not_found", "页面或记录不存在，或不在您的管辖范围内。")


@forbidden_view_config(renderer="whirlwind:templates/error.jinja2")
def forbidden(exc, request):
    if request.identity is None:
        if wants_json(request):
            return error_response(
                request, 401, "unauthenticated", "请先登录或提供有效的 API 令牌。"
            )
        return HTTPFound(request.route_url("accounts.login", _query={"next": request.path_qs}))
    return error_response(request, 403, "forbidden", "您没有执行此操作的权限。")


@exception_view_config(BadCSRFToken, renderer="whirlwind:templates/error.jinja2")
def bad_csrf(exc, request):
    return error_response(request, 400, "bad_csrf", "表单已过期或来源不明，请刷新页面后重新提交。")


@exception_view_config(BadCSRFOrigin, renderer="whirlwind:templates/error.jinja2")
def bad_origin(exc, request):
    return error_response(
        request, 403, "bad_origin", "请求来自其他网站（Origin/Referer 不符），已拒绝。"
    )


@exception_view_config(DomainError, renderer="whirlwind:templates/error.jinja2")
def domain_error(exc, request):
    return error_response(request, exc.status, exc.code, exc.message, exc.fields)


@exception_view_config(StaleDataError, renderer="whirlwind:templates/error.jinja2")
def stale(exc, request):
    # Raised at commit, the transaction is gone: the page cannot look the user up any more
    # (an identity not loaded yet is shown as signed out rather than failing with a 500).
    request.environ.setdefault("whirlwind.identity", None)
    e = StaleVersion()
    return error_response(request, e.status, e.code, e.message)


__all__ = ["HTTPForbidden", "HTTPNotFound"]
