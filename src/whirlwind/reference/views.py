"""Administration of reference lists (参考数据): labels, order, active flag, new values."""

from __future__ import annotations

import colander
import deform
from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind.errors import NotFound
from whirlwind.forms import CSRFSchema, handle_form, make_form, strip, text
from whirlwind.reference import services
from whirlwind.reference.models import RefValue
from whirlwind.security import Permission

TEMPLATES = "whirlwind:reference/templates/"


class ValueSchema(colander.MappingSchema):
    label_zh = text("中文名称", max_length=120)
    label_en = text("英文名称", max_length=120, missing="")
    sort = colander.SchemaNode(
        colander.Integer(),
        title="排序",
        missing=0,
        validator=colander.Range(0, 99999, min_err="不能小于 0", max_err="过大"),
    )
    active = colander.SchemaNode(colander.Boolean(), title="启用（在表单中可选）", missing=False)


class ValueForm(CSRFSchema, ValueSchema):
    pass


class NewValueForm(CSRFSchema):
    code = colander.SchemaNode(
        colander.String(),
        title="代码",
        preparer=strip,
        missing_msg="必填",
        validator=colander.Length(max=40, max_err="不能超过 40 个字符"),
    )
    label_zh = text("中文名称", max_length=120)
    label_en = text("英文名称", max_length=120, missing="")
    parent_code = text("上级代码（可选）", max_length=40, missing="")


def _kind(request) -> str:
    kind = request.matchdict["kind"]
    if kind not in {k for k, _, _ in services.kinds(request.dbsession)}:
        raise NotFound("参考数据类别不存在。")
    return kind


@view_config(
    route_name="reference.index",
    permission=Permission.REFERENCE_MANAGE,
    renderer=TEMPLATES + "index.jinja2",
)
def index(request):
    return {"kinds": services.kinds(request.dbsession)}


@view_config(
    route_name="reference.kind",
    permission=Permission.REFERENCE_MANAGE,
    renderer=TEMPLATES + "kind.jinja2",
)
def kind(request):
    kind = _kind(request)
    return {"kind": kind, "values": services.values(request.dbsession, kind)}


@view_config(
    route_name="reference.edit",
    permission=Permission.REFERENCE_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def edit(request):
    value = request.dbsession.get(RefValue, int(request.matchdict["id"]))
    if value is None:
        raise NotFound("参考数据不存在。")
    form = make_form(request, ValueForm(), buttons=("保存",), formid="ref-edit")

    def on_success(data):
        services.update_value(request.dbsession, value, **data)
        request.session.flash(f"已保存：{value.label_zh}。", "success")
        return HTTPFound(request.route_url("reference.kind", kind=value.kind))

    current = {
        "label_zh": value.label_zh,
        "label_en": value.label_en,
        "sort": value.sort,
        "active": value.active,
    }
    result = handle_form(request, form, on_success, appstruct=current)
    if isinstance(result, dict):
        result.update(title=f"编辑：{value.kind} / {value.code}", kind=value.kind)
    return result


@view_config(
    route_name="reference.add",
    permission=Permission.REFERENCE_MANAGE,
    renderer=TEMPLATES + "form.jinja2",
)
def add(request):
    kind = _kind(request)
    form = make_form(request, NewValueForm(), buttons=("添加",), formid="ref-add")
    form["label_zh"].widget = deform.widget.TextInputWidget()

    def on_success(data):
        value = services.add_value(request.dbsession, kind, **data)
        request.session.flash(f"已添加：{value.label_zh}（{value.code}）。", "success")
        return HTTPFound(request.route_url("reference.kind", kind=kind))

    result = handle_form(request, form, on_success)
    if isinstance(result, dict):
        result.update(title=f"添加参考值：{kind}", kind=kind)
    return result
