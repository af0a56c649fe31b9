"""Input schemas of the disclosure area (shared by forms and the JSON API).

Choices that come from reference lists are bound at request time (``bind(request=…)``).
"""

from __future__ import annotations

import colander
import deform

from whirlwind.disclosure.models import APPLIES_LABELS, DOMAIN_LABELS, REVIEWER_BODIES
from whirlwind.disclosure.periods import FREQUENCY_LABELS
from whirlwind.forms import CSRFSchema, choice, date, text
from whirlwind.reference.services import choices


@colander.deferred
def _channel_widget(node, kw):
    return deform.widget.SelectWidget(
        values=[("", "— 请选择 —"), *choices(kw["request"].dbsession, "disclosure_channel")]
    )


@colander.deferred
def _channel_validator(node, kw):
    return colander.OneOf(
        [c for c, _ in choices(kw["request"].dbsession, "disclosure_channel")], msg_err="无效的选项"
    )


@colander.deferred
def _reasons_widget(node, kw):
    return deform.widget.CheckboxChoiceWidget(
        values=choices(kw["request"].dbsession, "disclosure_failure")
    )


@colander.deferred
def _reasons_validator(node, kw):
    validator = colander.ContainsOnly(
        [c for c, _ in choices(kw["request"].dbsession, "disclosure_failure")]
    )
    validator.err_template = "含有无效的选项"
    return validator


def _int(title, **kw):
    return colander.SchemaNode(colander.Integer(), title=title, missing_msg="必填", **kw)


class CatalogSchema(colander.MappingSchema):
    code = text("编码", max_length=20, description="如 F01；唯一")
    domain = choice("公开类别", DOMAIN_LABELS.items())
    title = text("公开事项", max_length=200)
    frequency = choice("公开频次", FREQUENCY_LABELS.items())
    deadline_days = _int(
        "公开期限（天）",
        description="定期事项：期末后 N 天内；即时/专项：事项发生后 N 天内",
        validator=colander.Range(0, 366, min_err="不能为负数", max_err="不能超过 366 天"),
    )
    applies_to = choice("适用于", APPLIES_LABELS.items())
    active = colander.SchemaNode(
        colander.Boolean(), title="启用", missing=False, widget=deform.widget.CheckboxWidget()
    )
    sort = _int("排序", missing=0)
    note = text("说明（依据、[U] 待确认等）", max_length=1000, missing="")


class CatalogForm(CSRFSchema, CatalogSchema):
    version = colander.SchemaNode(
        colander.Integer(), widget=deform.widget.HiddenWidget(), missing=None
    )


class RecordFields(colander.MappingSchema):
    published_on = date("公开日期")
    channel = colander.SchemaNode(
        colander.String(),
        title="公开渠道",
        missing_msg="必填",
        widget=_channel_widget,
        validator=_channel_validator,
    )
    content = text("公开内容摘要", max_length=2000, missing="")
    evidence_link = text(
        "佐证链接（网站、公众号文章等）",
        max_length=500,
        missing="",
        description="照片等文件可在保存后上传",
    )
    reviewer_body = choice("审核主体", REVIEWER_BODIES.items(), missing="")
    reviewer_name = text("审核人", max_length=64, missing="")
    reviewed_on = date("审核日期", missing=None)


class RecordSchema(RecordFields):
    org_id = _int("村/社区", widget=deform.widget.HiddenWidget())
    catalog_item_id = _int("公开事项", widget=deform.widget.HiddenWidget())
    period = text("公开期间", max_length=16, missing="", widget=deform.widget.HiddenWidget())


class EventRecordSchema(RecordSchema):
    event_date = date("事项发生日期（即时/专项公开）")


class RecordForm(CSRFSchema, RecordSchema):
    pass


class EventRecordForm(CSRFSchema, EventRecordSchema):
    pass


class RecordEditForm(CSRFSchema, RecordFields):
    version = colander.SchemaNode(
        colander.Integer(), widget=deform.widget.HiddenWidget(), missing=None
    )


class CheckSchema(colander.MappingSchema):
    org_id = _int("村/社区", widget=deform.widget.HiddenWidget())
    catalog_item_id = _int("公开事项", widget=deform.widget.HiddenWidget())
    period = text("公开期间", max_length=16, widget=deform.widget.HiddenWidget())
    checked_on = date("检查日期")
    result = colander.SchemaNode(
        colander.String(),
        title="检查结论",
        missing_msg="必填",
        validator=colander.OneOf(["pass", "fail"], msg_err="无效的选项"),
        widget=deform.widget.SelectWidget(
            values=[("", "— 请选择 —"), ("pass", "合格"), ("fail", "不合格")]
        ),
    )
    reasons = colander.SchemaNode(
        colander.Set(),
        title="不合格情形（可多选）",
        missing=(),
        widget=_reasons_widget,
        validator=_reasons_validator,
    )
    note = text("检查意见", max_length=2000, missing="")


class CheckForm(CSRFSchema, CheckSchema):
    pass


class FailureSchema(colander.MappingSchema):
    problem = text("问题描述", max_length=2000)
    measure = text("整改措施", max_length=2000, missing="")
    responsible_person = text("整改责任人", max_length=64, missing="")
    deadline = date("整改期限")
    street_leader = text(
        "街道包保领导",
        max_length=64,
        description="包保责任至少需要一名街道级或区级责任人",
        missing="",
    )
    district_leader = text("区级包保领导", max_length=64, missing="")
    city_leader = text("市级包保领导（如有，需市级审核销号）", max_length=64, missing="")


class FailureForm(CSRFSchema, FailureSchema):
    pass
