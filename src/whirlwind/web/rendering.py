"""Template helpers available in every template as ``h`` (formatting, links, badges)."""

from __future__ import annotations

import datetime as dt
import decimal

from markupsafe import Markup, escape
from pyramid.events import BeforeRender, subscriber  # noqa: F401
from pyramid.interfaces import IRoutesMapper

from whirlwind.clock import SHANGHAI
from whirlwind.deadlines import COLOUR_LABELS
from whirlwind.web import nav

COLOUR_CLASSES = {
    "red": "text-bg-danger",
    "yellow": "text-bg-warning",
    "blue": "text-bg-primary",
    "green": "text-bg-success",
    "grey": "text-bg-secondary",
}


def localtime(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """UTC in the database, Asia/Shanghai on screen."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(SHANGHAI).strftime(fmt)


def date(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def money(value) -> str:
    """¥ with thousands separators and two decimals (Decimal, never float)."""
    if value is None or value == "":
        return ""
    value = decimal.Decimal(value).quantize(decimal.Decimal("0.01"))
    return f"¥{value:,.2f}"


def wan(value) -> str:
    """Amounts in 万元 for dashboards."""
    if value is None:
        return "0"
    return f"{decimal.Decimal(value) / 10000:,.2f}"


def badge(text: str, colour: str = "grey") -> Markup:
    cls = COLOUR_CLASSES.get(colour, "text-bg-secondary")
    return Markup('<span class="badge {}">{}</span>').format(cls, text)


def warning_badge(colour: str | None) -> Markup:
    if not colour:
        return Markup("")
    return badge(COLOUR_LABELS.get(colour, colour), colour)


def nl2br(value: str | None) -> Markup:
    if not value:
        return Markup("")
    return Markup("<br>").join(escape(line) for line in str(value).splitlines())


def percent(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{float(value) * 100:.{digits}f}%"


class Helpers:
    localtime = staticmethod(localtime)
    date = staticmethod(date)
    money = staticmethod(money)
    wan = staticmethod(wan)
    badge = staticmethod(badge)
    warning_badge = staticmethod(warning_badge)
    nl2br = staticmethod(nl2br)
    percent = staticmethod(percent)

    def __init__(self, request):
        self.request = request

    def has_route(self, name: str) -> bool:
        return self.request.registry.getUtility(IRoutesMapper).get_route(name) is not None

    def nav(self):
        return nav.visible_entries(self.request, nav.NAV)

    def admin_nav(self):
        return nav.visible_entries(self.request, nav.ADMIN_NAV)

    def can(self, permission: str) -> bool:
        identity = self.request.identity
        return bool(identity and identity.can(permission))

    # -- action forms re-rendered in place (whirlwind.web.actions) ------------------------

    def form_error(self, form: str) -> str:
        """The message of the failed submission of ``form`` on this page, or ""."""
        from whirlwind.web.actions import state

        current = state(self.request, form)
        return current.message if current else ""

    def field_error(self, form: str, name: str) -> str:
        from whirlwind.web.actions import state

        current = state(self.request, form)
        return current.fields.get(name, "") if current else ""

    def posted(self, form: str, name: str, default="") -> str:
        """What the user typed into ``name`` of ``form`` when it failed (else ``default``)."""
        from whirlwind.web.actions import state

        current = state(self.request, form)
        if current is None or name not in current.values:
            return default
        return current.values[name][0]

    def query_with(self, **changes) -> str:
        """The current URL's query string with some parameters replaced (pagination, sort)."""
        params = [(k, v) for k, v in self.request.GET.items() if k not in changes]
        params += [(k, str(v)) for k, v in changes.items() if v not in (None, "")]
        from urllib.parse import urlencode

        return "?" + urlencode(params)


def add_globals(event):
    request = event.get("request")
    if request is not None and "h" not in event:
        event["h"] = Helpers(request)


def includeme(config):
    config.add_subscriber(add_globals, BeforeRender)
