"""Colander schemas of the audits area. Each input is described once: the Deform forms and
the JSON API build the same schema (``*_schema(choices, csrf=False)`` for the API).

Choices come from reference lists and the caller's jurisdiction, so the schemas are built
per request by these factories.
"""

from __future__ import annotations

import colander
import deform

from whirlwind.forms import CSRFSchema, choice, date, date_order, money, text, version_node


def _base(csrf: bool, validator=None):
    return (CSRFSchema if csrf else colander.MappingSchema)(validator=validator)


def _version(required: bool = True):
    """The version the form was read at: required on a form about an existing record, left
    out of the data of one that creates it."""
    if required:
        return version_node()
    return colander.SchemaNode(
        colander.Integer(), name="version", widget=deform.widget.HiddenWidget(), missing=None
    )


def audit_schema(choices: dict, *, csrf: bool = True, edit: bool = False):
    s = _base(csrf, date_order("period_from", "period_to", "检查期间的结束日期不能早于开始日期"))
    s.add(choice("被检查村(社区)", choices["units"], name="org_id"))
    s.add(date("所查期间（起）", name="period_from"))
    s.add(date("所查期间（止）", name="period_to"))
    s.add(date("检查日期", name="audit_date"))
    s.add(choice("检查单位", choices["audit_body"], name="body"))
    s.add(text("检查人员", name="inspectors", max_length=300, missing=""))
    s.add(
        choice("检查范围（四资一项目）", choices["asset_type"], name="scope_assets", multiple=True)
    )
    s.add(
        text(
            "所查项目",
            name="scope_projects",
            max_length=2000,
            missing="",
            description="项目名称或编号，每行一个",
        )
    )
    s.add(text("检查情况概述", name="summary", max_length=8000, missing=""))
    s.add(_version(edit))
    return s


def finding_schema(choices: dict, *, csrf: bool = True, edit: bool = False):
    s = _base(csrf)
    s.add(choice("资产类型", choices["asset_type"], name="asset_type"))
    s.add(choice("细类", choices["asset_subtype"], name="asset_subtype", missing=""))
    s.add(choice("问题类别", choices["irregularity"], name="irregularity"))
    s.add(text("问题描述", name="description", max_length=8000))
    s.add(choice("台账对象类型", choices["ledger_object_kind"], name="object_kind", missing=""))
    s.add(
        text(
            "台账对象名称",
            name="object_name",
            max_length=200,
            missing="",
            description="合同、资产、地块、项目或款项的名称",
        )
    )
    s.add(text("台账对象编号", name="object_number", max_length=100, missing=""))
    s.add(
        text(
            "相对方",
            name="object_counterparty",
            max_length=200,
            missing="",
            description="承包方、承租方、施工方或收款人",
        )
    )
    s.add(money("涉及金额（元）", name="amount_involved"))
    s.add(
        text("挽回金额超出涉及金额的说明", name="excess_explanation", max_length=2000, missing="")
    )
    s.add(_version(edit))
    return s


def recovery_schema(*, csrf: bool = True):
    s = _base(csrf)
    s.add(date("挽回/追缴日期", name="entry_date"))
    s.add(money("金额（元）", name="amount", missing=colander.required))
    s.add(text("说明", name="note", max_length=500, missing=""))
    s.add(text("超出涉及金额的说明", name="explanation", max_length=2000, missing=""))
    s.add(_version())
    return s


def person_schema(*, csrf: bool = True):
    s = _base(csrf)
    s.add(text("姓名", name="name", max_length=64))
    s.add(text("职务", name="post", max_length=100, missing=""))
    s.add(
        text(
            "责任类型",
            name="role",
            max_length=60,
            missing="",
            description="如：直接责任人、主要领导责任、重要领导责任",
        )
    )
    return s


def _package_fields(s, *, required_street: bool):
    s.add(
        text(
            "街道包保领导",
            name="street_leader",
            max_length=64,
            missing=colander.required if required_street else "",
        )
    )
    s.add(text("街道包保领导职务", name="street_leader_post", max_length=100, missing=""))
    s.add(text("区级包保领导", name="district_leader", max_length=64, missing=""))
    s.add(text("区级包保领导职务", name="district_leader_post", max_length=100, missing=""))
    s.add(
        text("市级包保领导（如有，需市级审核销号）", name="city_leader", max_length=64, missing="")
    )
    s.add(text("市级包保领导职务", name="city_leader_post", max_length=100, missing=""))


def item_schema(*, with_package: bool, csrf: bool = True):
    s = _base(csrf)
    s.add(text("整改问题", name="problem", max_length=4000))
    s.add(text("整改措施", name="measure", max_length=4000, missing=""))
    s.add(text("整改责任人", name="responsible_person", max_length=64, missing=""))
    s.add(date("整改期限", name="deadline"))
    if with_package:
        _package_fields(s, required_street=True)
    return s


def clue_schema(choices: dict, *, csrf: bool = True):
    s = _base(csrf)
    s.add(text("线索标题", name="title", max_length=200))
    s.add(date("受理日期", name="received_date"))
    if choices.get("clue_source"):
        s.add(choice("线索来源", choices["clue_source"], name="source"))
    s.add(text("线索摘要", name="summary", max_length=8000))
    s.add(_version())
    return s


def report_schema(choices: dict, *, csrf: bool = True):
    s = _base(csrf)
    if choices.get("units"):
        s.add(choice("村(社区)", choices["units"], name="org_id"))
    s.add(text("反映的问题", name="problem", max_length=8000))
    s.add(
        text(
            "涉及人员",
            name="persons",
            max_length=300,
            missing="",
            description="多人用顿号或逗号分隔",
        )
    )
    s.add(money("涉及金额（元）", name="amount"))
    s.add(date("发现日期", name="found_date"))
    return s


def reason_schema(field: str, title: str, *, csrf: bool = True):
    s = _base(csrf)
    s.add(text(title, name=field, max_length=4000))
    s.add(_version())
    return s


def report_item_schema(*, csrf: bool = True):
    s = item_schema(with_package=True, csrf=csrf)
    s.add(_version())
    return s
