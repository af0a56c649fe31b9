"""Input of weak-organization rectification: one Colander schema per form (shared with
the JSON API); the form variants add the CSRF token and the record version."""

from __future__ import annotations

import colander
import deform

from whirlwind import forms

LEVELS = [("street", "街道"), ("district", "区级"), ("city", "市级")]


def _version():
    """Every targets form is about an existing record: the version it was read at is required."""
    return forms.version_node()


def percent(title):
    return colander.SchemaNode(
        forms.FiniteDecimal(quant="0.01"),
        title=title,
        missing_msg=forms.REQUIRED,
        validator=colander.Range(0, 100, min_err="不能小于 0", max_err="不能大于 100"),
    )


class CampaignSchema(colander.MappingSchema):
    year = colander.SchemaNode(
        colander.Int(),
        title="年度",
        validator=colander.Range(2000, 2100, min_err="年度无效", max_err="年度无效"),
    )
    title = forms.text("名称", missing="", description="留空则为“XXXX年软弱涣散基层党组织整顿”")
    selection_mode = forms.choice(
        "确定方式", [("ranked", "倒排"), ("criteria", "标准认定"), ("star", "星级")]
    )
    ratio = colander.SchemaNode(
        forms.FiniteDecimal(quant="0.0001"),
        title="倒排比例",
        missing=None,
        description="如 0.10 表示末位 10%；留空取系统默认值",
        validator=colander.Range(0, 1, min_err="比例须大于 0", max_err="比例不能大于 1"),
    )
    per_district = colander.SchemaNode(
        colander.Boolean(),
        title="按区分别倒排（名额不在街道间平均分配）",
        missing=True,
        widget=deform.widget.CheckboxWidget(),
    )
    star_below = colander.SchemaNode(
        colander.Int(),
        title="星级线（低于此星级列为对象）",
        missing=None,
        validator=colander.Range(1, 5),
    )
    assessment_year = colander.SchemaNode(
        colander.Int(), title="依据的考核年度", missing=None, description="留空则为上一年度"
    )
    screening_deadline = forms.date("排查期限", missing=None)
    identification_deadline = forms.date("认定期限", missing=None)
    plan_deadline = forms.date("方案报备期限", missing=None)
    acceptance_deadline = forms.date("验收期限", missing=None)
    acceptance_level = forms.choice("验收层级", LEVELS, missing="district")


class CampaignForm(forms.CSRFSchema, CampaignSchema):
    pass


class AssessmentSchema(colander.MappingSchema):
    org_code = forms.text("组织编码", max_length=32)
    score = colander.SchemaNode(
        forms.FiniteDecimal(quant="0.01"),
        title="得分",
        validator=colander.Range(0, 100, min_err="得分不能小于 0", max_err="得分不能大于 100"),
    )
    star_level = colander.SchemaNode(
        colander.Int(),
        title="星级",
        missing=None,
        validator=colander.Range(1, 5, min_err="星级须为 1—5", max_err="星级须为 1—5"),
    )


class AssessmentForm(forms.CSRFSchema, AssessmentSchema):
    pass


@colander.deferred
def _deferred_categories(node, kw):
    from whirlwind.reference.services import choices

    request = kw.get("request")
    values = choices(request.dbsession, "weakness_category") if request is not None else []
    return deform.widget.CheckboxChoiceWidget(values=values)


class AddTargetSchema(colander.MappingSchema):
    org_code = forms.text("组织编码", max_length=32, description="社区或村的组织编码")
    categories = colander.SchemaNode(
        colander.Set(),
        title="软弱涣散情形",
        widget=_deferred_categories,
        missing_msg=forms.REQUIRED,
    )
    evidence = forms.text("认定依据", max_length=2000, missing="")
    problem = forms.text("主要问题", max_length=4000, missing="")


class AddTargetForm(forms.CSRFSchema, AddTargetSchema):
    pass


class TargetSchema(colander.MappingSchema):
    categories = colander.SchemaNode(
        colander.Set(),
        title="软弱涣散情形",
        widget=_deferred_categories,
        missing_msg=forms.REQUIRED,
    )
    evidence = forms.text("认定依据", max_length=2000, missing="")
    problem = forms.text("主要问题", max_length=4000, missing="")
    plan_summary = forms.text("整顿方案概述（一村一策）", max_length=4000, missing="")
    deadline = forms.date("整顿期限", missing=None)


class TargetForm(forms.CSRFSchema, TargetSchema):
    version = _version()


class IdentifySchema(colander.MappingSchema):
    self_check_date = forms.date("支部自查日期", missing=None)
    upper_review_date = forms.date("上级党委审核日期", missing=None)
    org_dept_analysis_date = forms.date("组织部门分析研判日期", missing=None)
    committee_approval_date = forms.date("区（县）委常委会审定日期")


class IdentifyForm(forms.CSRFSchema, IdentifySchema):
    version = _version()


class MemberSchema(colander.MappingSchema):
    person_name = forms.text("姓名", max_length=64, missing="")
    post = forms.text("职务", max_length=100, missing="")
    unit_name = forms.text("单位", max_length=120, missing="")
    phone = forms.text("电话", max_length=32, missing="")
    username = forms.text("关联用户名（可选）", max_length=64, missing="")


class PackageSchema(colander.MappingSchema):
    city = MemberSchema(title="市级包保领导（可选；填写后事项须经市级审核销号）")
    district = MemberSchema(title="区级包保领导")
    street = MemberSchema(title="街道包保领导/第一责任人")
    village = MemberSchema(title="第一书记/驻村工作队（一线责任人）")


class PackageForm(forms.CSRFSchema, PackageSchema):
    version = _version()


class PlanRowSchema(colander.MappingSchema):
    problem = forms.text("问题（问题清单）", max_length=4000)
    measure = forms.text("措施（措施清单）", max_length=4000)
    responsible_person = forms.text("责任人（责任清单）", max_length=64)
    deadline = forms.date("完成时限")


class PlanRowForm(forms.CSRFSchema, PlanRowSchema):
    pass


class AcceptanceSchema(colander.MappingSchema):
    date = forms.date("验收日期")
    inspectors = forms.text("验收人员", max_length=300)
    score = colander.SchemaNode(
        forms.FiniteDecimal(quant="0.01"),
        title="验收得分",
        validator=colander.Range(0, 100, min_err="不能小于 0", max_err="不能大于 100"),
    )
    respondents = colander.SchemaNode(
        colander.Int(), title="民主测评人数", missing=0, validator=colander.Range(0, 100000)
    )
    satisfied_pct = percent("满意率（%）")
    dissatisfied_pct = percent("不满意率（%）")
    deferred = colander.SchemaNode(
        colander.Boolean(), title="暂缓验收", missing=False, widget=deform.widget.CheckboxWidget()
    )
    new_deadline = forms.date("重新整顿期限（不通过时必填）", missing=None)
    note = forms.text("验收意见", max_length=4000, missing="")


class AcceptanceForm(forms.CSRFSchema, AcceptanceSchema):
    version = _version()


class RecheckSchema(colander.MappingSchema):
    date = forms.date("回头看日期")
    inspectors = forms.text("检查人员", max_length=300)
    findings = forms.text("回头看情况", max_length=4000)
    result = forms.choice("结论", [("ok", "巩固良好"), ("rebound", "出现反弹（重新整顿）")])
    new_deadline = forms.date("重新整顿期限（出现反弹时必填）", missing=None)


class RecheckForm(forms.CSRFSchema, RecheckSchema):
    version = _version()


class WaiverSchema(forms.CSRFSchema):
    """豁免 of a plan item by the accepting level (form and API)."""

    reason = forms.text("豁免理由", max_length=2000)


class ActionSchema(forms.CSRFSchema):
    version = colander.SchemaNode(colander.Int(), missing_msg="缺少版本号，请刷新页面后重试。")
    reason = forms.text("原因", max_length=2000, missing="")
