"""Colander schemas of clue and case input: one description per input, used by the Deform
forms, the hand-written action forms on the clue and case pages (through ``parse``) and the
JSON API.

Choices come from reference lists, so the schemas are built per request by functions that
take the lists (``refs``: kind -> [(code, label)]).
"""

from __future__ import annotations

import colander
import deform

from whirlwind.cases.models import (
    CASE_TYPES,
    CLOSE_REASONS,
    DISPOSAL_MODE_LABELS,
    FOUR_FORMS,
    OUTCOME_LABELS,
    STAGE_ORDER,
)
from whirlwind.cases.reference import POLITICAL_STATUSES
from whirlwind.forms import CSRFSchema, choice, date, date_order, money, text

POLITICAL_CHOICES = [(s, s) for s in POLITICAL_STATUSES]


def _bool(title: str, **kw):
    return colander.SchemaNode(
        colander.Boolean(), title=title, missing=False, widget=deform.widget.CheckboxWidget(), **kw
    )


def person_schema(refs) -> colander.MappingSchema:
    schema = colander.MappingSchema(name="person", title="被反映人")
    schema.add(text("姓名", max_length=64, name="name"))
    schema.add(text("职务", max_length=100, name="post", missing=""))
    schema.add(text("工作单位", max_length=120, name="unit_name", missing=""))
    schema.add(choice("政治面貌", POLITICAL_CHOICES, name="political_status", missing=""))
    schema.add(choice("人员身份", refs["subject_identity"], name="identity", missing=""))
    return schema


def clue_schema(
    refs, *, with_reporter: bool, org_choices, with_persons: bool = True
) -> colander.MappingSchema:
    """问题线索登记. ``org_choices``: units inside the user's jurisdiction."""
    s = colander.MappingSchema()
    s.add(text("线索标题", max_length=200, name="title"))
    s.add(text("线索编号", max_length=40, name="number", missing="", description="不填则自动生成"))
    s.add(date("受理日期", name="received_date"))
    s.add(choice("线索来源", refs["clue_source"], name="source"))
    s.add(
        text(
            "来源说明",
            max_length=100,
            name="source_detail",
            missing="",
            description="如：来信、来访、12388 电话、网络举报",
        )
    )
    s.add(choice("问题属地", org_choices, name="org_id"))
    s.add(choice("所属领域", refs["clue_field"], name="field", missing=""))
    s.add(text("专项行动", max_length=100, name="campaign", missing=""))
    s.add(choice("问题类别", refs["problem_category"], name="categories", multiple=True))
    s.add(text("内容摘要", max_length=2000, name="summary"))
    s.add(text("反映内容全文", max_length=20000, name="full_text", missing=""))
    s.add(money("涉及金额（元）", name="amount_involved"))
    s.add(_bool("重要线索", name="is_important"))
    s.add(choice("办理方式", refs["handling_way"], name="handling_way", missing=""))
    if with_reporter:
        s.add(_bool("匿名反映", name="is_anonymous"))
        s.add(text("反映人姓名", max_length=64, name="reporter_name", missing=""))
        s.add(text("反映人单位", max_length=120, name="reporter_unit", missing=""))
        s.add(text("反映人电话", max_length=32, name="reporter_phone", missing=""))
    if with_persons:
        s.add(
            colander.SequenceSchema(
                person_schema(refs),
                name="persons",
                title="被反映人",
                validator=colander.Length(min=1, min_err="至少填写一名被反映人"),
                widget=deform.widget.SequenceWidget(
                    min_len=1, add_subitem_text_template="增加被反映人"
                ),
            )
        )
    return s


def clue_form_schema(refs, **kw):
    schema = CSRFSchema()
    for node in clue_schema(refs, **kw).children:
        schema.add(node)
    return schema


class ProposeSchema(colander.MappingSchema):
    """拟办意见."""

    mode = choice("处置方式", list(DISPOSAL_MODE_LABELS.items()))
    opinion = text("拟办意见", max_length=2000)
    proposed_on = date("拟办日期")
    close_reason = choice("了结理由", list(CLOSE_REASONS.items()), missing="")
    transfer_to = text("移送单位", max_length=120, missing="")


class ApproveSchema(colander.MappingSchema):
    """审批 / 上会; the case fields are used when the mode is 立案审查调查."""

    approved_on = date("审批日期")
    approval_way = choice(
        "审批方式", [("approval", "领导审批"), ("meeting", "专题会议（上会）")], missing="approval"
    )
    note = text("审批意见", max_length=2000, missing="")
    case_number = text("案件编号", max_length=40, missing="")
    case_type = choice("案件类型", list(CASE_TYPES.items()), missing="both")
    investigators = text("审查调查人员", max_length=200, missing="")
    review_unit = text("审理部门", max_length=120, missing="")


class RejectSchema(colander.MappingSchema):
    on_date = date("审批日期")
    note = text("不同意的理由", max_length=2000)


class ResponseSchema(colander.MappingSchema):
    """谈话记录 / 函询回复 / 初核报告."""

    response_on = date("日期")
    method = choice("方式", [("talk", "谈话"), ("letter", "函询")], missing="")
    text = text("内容", max_length=20000)


class ConcludeSchema(colander.MappingSchema):
    outcome = choice("处置结果", list(OUTCOME_LABELS.items()))
    outcome_on = date("结果日期")
    text = text("结果说明", max_length=5000, missing="")
    close_reason = choice("了结理由", list(CLOSE_REASONS.items()), missing="")


class DuplicateSchema(colander.MappingSchema):
    original_number = text("原线索编号", max_length=40)
    on_date = date("日期")


class AdvanceSchema(colander.MappingSchema):
    stage = choice("进入阶段", [(s.value, s.label) for s in STAGE_ORDER[1:]])
    on_date = date("日期")
    note = text("说明", max_length=2000, missing="")
    version = colander.SchemaNode(colander.Integer(), missing=None)


class ExtendSchema(colander.MappingSchema):
    reason = text("延期理由", max_length=2000)


class RevokeSchema(colander.MappingSchema):
    on_date = date("撤销日期")
    reason = text("撤销理由", max_length=2000)


class EarlyReviewSchema(colander.MappingSchema):
    on_date = date("提前介入审理日期")


def subject_schema(refs) -> colander.MappingSchema:
    """One person's handling in a case (§5.20–5.23)."""
    s = colander.MappingSchema(
        validator=colander.All(
            date_order("decision_on", "announced_on", "宣布日期不能早于处分决定日期"),
            date_order("announced_on", "execution_report_on", "执行报告日期不能早于宣布日期"),
        )
    )
    s.add(text("时任职务", max_length=100, name="post", missing=""))
    s.add(choice("政治面貌", POLITICAL_CHOICES, name="political_status", missing=""))
    s.add(choice("人员身份", refs["subject_identity"], name="identity", missing=""))
    s.add(
        choice(
            "四种形态", [(str(k), v) for k, v in FOUR_FORMS.items()], name="four_form", missing=""
        )
    )
    s.add(
        choice(
            "第一种形态处理方式", refs["handling_measure"], name="first_form_measure", missing=""
        )
    )
    s.add(choice("党纪处分", refs["party_sanction"], name="party_sanction", missing=""))
    s.add(choice("政务处分", refs["state_sanction"], name="state_sanction", missing=""))
    s.add(choice("组织处理", refs["org_handling"], name="org_handling", missing=""))
    s.add(_bool("移送司法机关", name="to_prosecution"))
    s.add(date("移送司法机关日期", name="prosecution_on", missing=None))
    s.add(money("涉及金额（元）", name="amount_involved"))
    s.add(money("违纪违法所得（元）", name="illegal_gains"))
    s.add(money("收缴金额（元）", name="confiscated"))
    s.add(money("责令退赔/退还群众（元）", name="ordered_returned"))
    s.add(money("挽回损失（元）", name="recovered"))
    s.add(text("处分决定文号", max_length=60, name="decision_number", missing=""))
    s.add(date("处分决定日期", name="decision_on", missing=None))
    s.add(date("宣布送达日期", name="announced_on", missing=None))
    s.add(date("执行情况报告日期", name="execution_report_on", missing=None))
    s.add(text("申诉情况", max_length=32, name="appeal_status", missing=""))
    s.add(text("备注", max_length=2000, name="note", missing=""))
    s.add(
        colander.SchemaNode(
            colander.Integer(), name="version", missing=None, widget=deform.widget.HiddenWidget()
        )
    )
    return s


def subject_form_schema(refs):
    schema = CSRFSchema(validator=subject_schema(refs).validator)
    for node in subject_schema(refs).children:
        schema.add(node)
    return schema


class SubjectAddSchema(colander.MappingSchema):
    name = text("姓名", max_length=64)
    post = text("职务", max_length=100, missing="")
    unit_name = text("工作单位", max_length=120, missing="")
    political_status = choice("政治面貌", POLITICAL_CHOICES, missing="")
    identity = text("人员身份", max_length=32, missing="")


def notice_schema(refs, case_choices) -> colander.MappingSchema:
    s = colander.MappingSchema()
    s.add(text("通报标题", max_length=200, name="title"))
    s.add(date("通报日期", name="issued_on"))
    s.add(choice("通报渠道", refs["notice_channel"], name="channel"))
    s.add(choice("通报案件", case_choices, name="cases", multiple=True))
    s.add(text("通报内容", max_length=20000, name="text", missing=""))
    return s


def rectify_schema() -> colander.MappingSchema:
    item = colander.MappingSchema(name="item", title="整改事项")
    item.add(text("问题", max_length=2000, name="problem"))
    item.add(text("整改措施", max_length=2000, name="measure", missing=""))
    item.add(text("责任人", max_length=64, name="responsible_person", missing=""))
    item.add(date("整改期限", name="deadline"))
    s = colander.MappingSchema()
    s.add(text("包保责任名称", max_length=200, name="package_title", missing=""))
    s.add(text("区级包保领导", max_length=64, name="district_leader", missing=""))
    s.add(text("街道包保领导", max_length=64, name="street_leader"))
    s.add(
        text(
            "市级包保领导",
            max_length=64,
            name="city_leader",
            missing="",
            description="填写后整改事项须经市级审核销号",
        )
    )
    s.add(
        colander.SequenceSchema(
            item,
            name="items",
            title="整改事项",
            validator=colander.Length(min=1, min_err="至少填写一项整改事项"),
            widget=deform.widget.SequenceWidget(
                min_len=1, add_subitem_text_template="增加整改事项"
            ),
        )
    )
    return s


def with_csrf(schema: colander.MappingSchema) -> colander.MappingSchema:
    form = CSRFSchema(validator=schema.validator)
    for node in schema.children:
        form.add(node)
    return form
