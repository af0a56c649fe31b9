"""Deform / Colander set-up: one renderer with our template overrides, the CSRF base
schema, Chinese messages, and one way to handle a form submission.

A Colander schema is the single description of an input: the Deform form renders it, the
JSON API deserializes with it (``whirlwind.api``), so a rule is written once.
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
from collections.abc import Callable

import colander
import deform
from pyramid.i18n import get_localizer
from pyramid.threadlocal import get_current_request

from whirlwind.errors import DomainError, ValidationFailed

SEARCH_PATH = (
    # Our overrides first: no inline scripts (CSP), HTML5 date inputs.
    os.path.join(os.path.dirname(__file__), "deform_templates"),
    deform.template.default_dir,
)


def _translator(term):
    request = get_current_request()
    if request is None or not hasattr(term, "interpolate"):
        return term.interpolate() if hasattr(term, "interpolate") else term
    return get_localizer(request).translate(term)


renderer = deform.ZPTRendererFactory(SEARCH_PATH, translator=_translator)
deform.Form.set_default_renderer(renderer)


@colander.deferred
def _deferred_csrf_default(node, kw):
    request = kw.get("request")
    return request.session.get_csrf_token() if request is not None else ""


class CSRFSchema(colander.MappingSchema):
    """Base of every form schema: the hidden CSRF token Pyramid checks on POST."""

    csrf_token = colander.SchemaNode(
        colander.String(),
        widget=deform.widget.HiddenWidget(),
        default=_deferred_csrf_default,
        missing="",
    )


# --- Field helpers with Chinese messages -------------------------------------------------

REQUIRED = "必填"


def text(title: str, *, max_length: int = 200, missing=colander.required, **kw):
    widget = kw.pop("widget", None) or (
        deform.widget.TextAreaWidget(rows=5)
        if max_length > 400
        else deform.widget.TextInputWidget()
    )
    return colander.SchemaNode(
        colander.String(),
        title=title,
        missing=missing,
        missing_msg=REQUIRED,
        validator=colander.All(
            colander.Length(max=max_length, max_err=f"不能超过 {max_length} 个字符"),
            no_control_chars,
        ),
        preparer=strip,
        widget=widget,
        **kw,
    )


def strip(value):
    if isinstance(value, str):
        return value.strip()
    return value


def no_control_chars(node, value):
    if isinstance(value, str) and any(ord(c) < 32 and c not in "\r\n\t" for c in value):
        raise colander.Invalid(node, "含有不可见的控制字符")


def date(title: str, *, missing=colander.required, **kw):
    return colander.SchemaNode(
        colander.Date(),
        title=title,
        missing=missing,
        missing_msg=REQUIRED,
        validator=kw.pop("validator", None) or date_range,
        widget=deform.widget.DateInputWidget(),
        **kw,
    )


def date_range(node, value):
    if value and not (dt.date(1990, 1, 1) <= value <= dt.date(2100, 12, 31)):
        raise colander.Invalid(node, "日期超出合理范围（1990—2100 年）")


class FiniteDecimal(colander.Decimal):
    """colander.Decimal without "NaN" and "Infinity": a NaN cannot be compared, so a range
    validator would crash on it (500) instead of answering with a message."""

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            raise colander.Invalid(node, "请输入有效的数字")
        return value


def money(title: str, *, missing=decimal.Decimal("0"), **kw):
    """Amounts in yuan: Decimal with two places, non-negative, below 10^12."""
    return colander.SchemaNode(
        FiniteDecimal(quant="0.01", rounding=decimal.ROUND_HALF_UP),
        title=title,
        missing=missing,
        missing_msg=REQUIRED,
        validator=colander.Range(
            min=decimal.Decimal("0"),
            max=decimal.Decimal("999999999999.99"),
            min_err="金额不能为负数",
            max_err="金额过大",
        ),
        **kw,
    )


def choice(title: str, choices, *, missing=colander.required, multiple=False, **kw):
    """A select of (value, label) pairs; the value must be one of them."""
    choices = list(choices)
    values = [str(v) for v, _ in choices]
    if multiple:
        contains_only = colander.ContainsOnly(values)
        contains_only.err_template = "含有无效的选项"  # no such keyword in colander 2.0
        return colander.SchemaNode(
            colander.Set(),
            title=title,
            missing=missing,
            missing_msg=REQUIRED,
            validator=contains_only,
            widget=deform.widget.CheckboxChoiceWidget(values=choices),
            **kw,
        )
    return colander.SchemaNode(
        colander.String(),
        title=title,
        missing=missing,
        missing_msg=REQUIRED,
        validator=colander.OneOf(values, msg_err="无效的选项"),
        widget=deform.widget.SelectWidget(values=[("", "— 请选择 —"), *choices]),
        **kw,
    )


def version_node(name: str = "version"):
    """The hidden version a form was read at (optimistic locking: a stale save is a 409)."""
    return colander.SchemaNode(
        colander.Integer(),
        name=name,
        title="版本号",
        widget=deform.widget.HiddenWidget(),
        missing_msg="缺少版本号，请刷新页面后重试",
        validator=colander.Range(min=1, min_err="版本号无效"),
    )


def date_order(first: str, second: str, message: str):
    """A schema validator: ``second`` may not be before ``first``."""

    def validator(node, value):
        a, b = value.get(first), value.get(second)
        if a and b and b < a:
            exc = colander.Invalid(node, message)
            exc[second] = message
            raise exc

    return validator


# --- Rendering and submission ------------------------------------------------------------


def parse(schema, request) -> dict:
    """Deserialize a hand-written POST form (or a JSON body) with ``schema``.

    Every bad field is reported at once: ``ValidationFailed`` carries one message naming
    each field by its title ("退回原因：必填；整改期限：日期格式有误") and ``fields`` keyed by
    the field's name, which an action form shows next to the field
    (``whirlwind.web.actions``).
    """
    schema = schema.bind(request=request)
    if request.content_type == "application/json":
        cstruct = request.json_body
    else:
        cstruct = {}
        for node in schema.children:
            if isinstance(node.typ, colander.Set | colander.Sequence):
                cstruct[node.name] = request.POST.getall(node.name)
            elif node.name in request.POST:
                cstruct[node.name] = request.POST[node.name]
    try:
        data = schema.deserialize(cstruct)
    except colander.Invalid as e:
        raise invalid_to_error(schema, e) from None
    data.pop("csrf_token", None)
    return data


def invalid_to_error(schema, exc: colander.Invalid) -> ValidationFailed:
    """A colander error as one ``ValidationFailed`` with every field's message titled."""
    fields, parts = {}, []
    for key, message in exc.asdict().items():
        name = key.split(".")[-1]
        top = key.split(".")[0]
        title = schema[top].title if top in schema else ""
        fields[name] = message
        parts.append(f"{title}：{message}" if title else message)
    return ValidationFailed("；".join(parts) or "提交的内容有误。", fields=fields)


def make_form(request, schema, *, buttons=("保存",), action="", formid="deform", **kw):
    schema = schema.bind(request=request)
    button_objs = [
        deform.Button(name="submit", title=b, css_class="btn btn-primary")
        if isinstance(b, str)
        else b
        for b in buttons
    ]
    return deform.Form(schema, buttons=button_objs, action=action, formid=formid, **kw)


def handle_form(
    request,
    form: deform.Form,
    on_success: Callable[[dict], object],
    *,
    appstruct: dict | None = None,
):
    """Validate a POST with ``form``; call ``on_success(appstruct)``.

    Returns ``{"form": html}`` to re-render (GET, invalid input or a domain error, with the
    message shown and status 400/409/422 set) or whatever ``on_success`` returned.
    """
    if request.method == "POST":
        try:
            data = form.validate(request.POST.items())
        except deform.ValidationFailure as e:
            request.response.status = 400
            return {"form": e.render(), "error": "提交的内容有误，请按提示修改。"}
        data.pop("csrf_token", None)
        try:
            return on_success(data)
        except DomainError as e:
            request.response.status = e.status
            # Nothing of this attempt may be written, even what a service flushed already.
            request.tm.doom()
            form.error = colander.Invalid(form.schema, e.message)
            for name, msg in e.fields.items():
                if name in form:
                    form[name].error = colander.Invalid(form[name].schema, msg)
            return {"form": form.render(data), "error": e.message}
    return {"form": form.render(appstruct or {})}


__all__ = [
    "CSRFSchema",
    "FiniteDecimal",
    "ValidationFailed",
    "choice",
    "date",
    "date_order",
    "handle_form",
    "make_form",
    "money",
    "parse",
    "text",
]
