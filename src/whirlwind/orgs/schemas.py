"""Input schemas of the org administration (one description per input)."""

from __future__ import annotations

import colander
import deform

from whirlwind import forms
from whirlwind.forms import CSRFSchema, choice, date, text
from whirlwind.orgs.models import ORG_LEVEL_LABELS, PARTY_ORG_TYPES

LEVEL_CHOICES = [(str(k), v) for k, v in ORG_LEVEL_LABELS.items()]
PARTY_TYPE_CHOICES = list(PARTY_ORG_TYPES.items())


def version_node():
    """The administration forms act on an existing unit: its version is required."""
    return forms.version_node()


@colander.deferred
def _deferred_units(node, kw):
    return kw.get("units", [])


@colander.deferred
def _unit_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "— 请选择 —"), *kw.get("units", [])])


@colander.deferred
def _unit_validator(node, kw):
    return colander.OneOf([v for v, _ in kw.get("units", [])], msg_err="请选择您管辖范围内的单位")


def unit_node(title: str, **kw):
    return colander.SchemaNode(
        colander.String(),
        title=title,
        missing_msg="必填",
        widget=_unit_widget,
        validator=_unit_validator,
        **kw,
    )


@colander.deferred
def _kind_widget(node, kw):
    return deform.widget.SelectWidget(values=[("", "— 请选择 —"), *kw.get("kinds", [])])


class OrgFieldsSchema(colander.MappingSchema):
    """Fields of a unit other than its place in the tree."""

    party_org_name = text("党组织名称", max_length=120, missing="")
    party_org_type = choice("党组织类型", PARTY_TYPE_CHOICES, missing="")
    party_org_kind = colander.SchemaNode(
        colander.String(), title="党组织类别", missing="", widget=_kind_widget
    )
    division_code = text("行政区划代码", max_length=32, missing="")
    is_rural = colander.SchemaNode(colander.Boolean(), title="农村地区", missing=False)
    note = text("备注", max_length=2000, missing="")


class OrgCreateSchema(OrgFieldsSchema):
    parent_id = unit_node("上级单位")
    code = text("编码", max_length=32)
    name = text("名称", max_length=100)
    level = choice("层级", LEVEL_CHOICES)


class OrgCreateForm(CSRFSchema, OrgCreateSchema):
    pass


class OrgEditForm(CSRFSchema, OrgFieldsSchema):
    version = version_node()


class RenameSchema(colander.MappingSchema):
    name = text("新名称", max_length=100)
    reason = text("更名原因/文件依据", max_length=200)
    on_date = date("生效日期")


class RenameForm(CSRFSchema, RenameSchema):
    version = version_node()


class MoveSchema(colander.MappingSchema):
    parent_id = unit_node("新的上级单位")
    reason = text("调整原因/文件依据", max_length=200)
    on_date = date("生效日期")


class MoveForm(CSRFSchema, MoveSchema):
    version = version_node()


class MergeSchema(colander.MappingSchema):
    target_id = unit_node("并入单位")
    reason = text("合并原因/文件依据", max_length=200)
    on_date = date("生效日期")


class MergeForm(CSRFSchema, MergeSchema):
    version = version_node()


class DeactivateSchema(colander.MappingSchema):
    reason = text("停用原因", max_length=200)
    on_date = date("停用日期")


class DeactivateForm(CSRFSchema, DeactivateSchema):
    version = version_node()
