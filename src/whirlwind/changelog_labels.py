"""Chinese labels for the change log (变更记录): record types, fields and coded values.

Each area adds its record types with ``register(record_type, label, fields, values=...)``
(or by extending the dictionaries below); the history panel (``macros.jinja2``) shows a
field's label instead of its column name and a code's label instead of the code.
"""

from __future__ import annotations

from whirlwind.orgs.models import ORG_LEVEL_LABELS, PARTY_ORG_TYPES

RECORD_TYPES: dict[str, str] = {}
FIELDS: dict[str, dict[str, str]] = {}
VALUES: dict[str, dict[str, dict[str, str]]] = {}
# record type -> field -> reference list kind (codes looked up in the reference lists).
REFS: dict[str, dict[str, str]] = {}
# Table name -> label, for "records referring to this unit" counts.
TABLES: dict[str, str] = {}

# Fields many record types share.
COMMON_FIELDS = {
    "id": "编号",
    "org_id": "所属单位",
    "name": "名称",
    "title": "标题",
    "note": "备注",
    "active": "启用",
    "status": "状态",
    "deadline": "整改期限",
    "reason": "原因",
    "sort": "排序",
}


def register(
    record_type: str,
    label: str,
    fields: dict[str, str],
    *,
    values=None,
    refs: dict[str, str] | None = None,
    table: str = "",
):
    """Label a record type, its fields, and its coded values.

    ``values`` maps a field to ``{code: label}``; ``refs`` maps a field to a reference list
    kind whose labels are looked up when the history is shown (space-separated codes, as in
    multi-valued fields, are labelled one by one).
    """
    RECORD_TYPES[record_type] = label
    FIELDS.setdefault(record_type, {}).update(fields)
    if values:
        VALUES.setdefault(record_type, {}).update(
            {f: {str(k): v for k, v in m.items()} for f, m in values.items()}
        )
    if refs:
        REFS.setdefault(record_type, {}).update(refs)
    if table:
        TABLES[table] = label


register(
    "org",
    "组织机构",
    {
        "code": "编码",
        "name": "名称",
        "level": "层级",
        "parent_id": "上级单位",
        "district_id": "所属区",
        "street_id": "所属街道",
        "party_org_name": "党组织名称",
        "party_org_type": "党组织类型",
        "party_org_kind": "党组织类别",
        "division_code": "行政区划代码",
        "is_rural": "农村地区",
        "active": "启用",
        "valid_from": "生效日期",
        "valid_to": "截止日期",
        "merged_into_id": "并入单位",
        "note": "备注",
    },
    values={
        "level": {str(k): v for k, v in ORG_LEVEL_LABELS.items()},
        "party_org_type": dict(PARTY_ORG_TYPES),
    },
)
register(
    "user",
    "用户",
    {
        "username": "用户名",
        "display_name": "姓名",
        "phone": "电话",
        "org_id": "所属单位",
        "active": "启用",
        "password_changed_at": "密码修改时间",
    },
    table="user_account",
)
register(
    "role",
    "角色",
    {
        "code": "代码",
        "label_zh": "名称",
        "label_en": "英文名称",
        "permissions": "权限",
        "active": "启用",
        "sort": "排序",
        "require_totp": "要求两步验证",
    },
)
register(
    "ref_value",
    "参考数据",
    {
        "kind": "类别",
        "code": "代码",
        "label_zh": "中文名称",
        "label_en": "英文名称",
        "parent_code": "上级代码",
        "active": "启用",
        "sort": "排序",
        "note": "说明",
    },
)
register(
    "item",
    "整改事项",
    {
        "source_type": "来源",
        "source_id": "来源记录",
        "problem": "问题描述",
        "measure": "整改措施",
        "responsible_person": "责任人",
        "responsible_user_id": "责任人账号",
        "deadline": "整改期限",
        "package_id": "包保责任",
        "status": "状态",
        "submitted_at": "申请销号时间",
        "cleared_at": "销号时间",
        "reopened_count": "重新整改次数",
        "last_return_reason": "最近退回原因",
        "created_by_id": "录入人",
        "original_deadline": "原整改期限",
        "extension_count": "延期次数",
        "waiver_reason": "豁免理由",
        "waived_by_id": "豁免人（用户编号）",
        "waived_on": "豁免日期",
    },
    table="rectification_item",
)
register(
    "package",
    "包保责任",
    {"title": "名称", "source_type": "来源", "source_id": "来源记录"},
    table="responsibility_package",
)
register(
    "package_member",
    "包保责任人",
    {
        "level": "层级",
        "role": "包保角色",
        "person_name": "姓名",
        "post": "职务",
        "unit_name": "单位",
        "phone": "电话",
    },
)
register("item_review", "审核记录", {"level": "层级", "decision": "审核结果", "reason": "理由"})
register("progress_note", "整改进展", {"note": "进展情况"})
TABLES.setdefault("attachment", "附件")
TABLES.setdefault("person", "人员")


# Who did something: user ids stay numeric on the history panel, labelled as such.
def _user(label: str) -> str:
    return f"{label}（用户编号）"


def _register_areas() -> None:
    from whirlwind.audits.models import REPORT_STATUS_LABELS
    from whirlwind.cases.models import (
        CASE_STAGE_LABELS,
        CASE_TYPES,
        CLOSE_REASONS,
        CLUE_STATUS_LABELS,
        DISPOSAL_MODE_LABELS,
        DISPOSAL_STATE_LABELS,
        EVENT_LABELS,
        FOUR_FORMS,
        OUTCOME_LABELS,
    )
    from whirlwind.disclosure.models import APPLIES_LABELS, DOMAIN_LABELS, REVIEWER_BODIES
    from whirlwind.disclosure.periods import FREQUENCY_LABELS
    from whirlwind.ledger.models import (
        DECISION_LABELS,
        ITEM_SOURCE_LABELS,
        ITEM_STATUS_LABELS,
        PACKAGE_LEVELS,
        REVIEW_LEVEL_LABELS,
    )
    from whirlwind.targets.models import (
        ACCEPTANCE_RESULTS,
        LEVEL_LABELS,
        RECHECK_RESULTS,
        TARGET_STATUS_LABELS,
    )

    # Ledger (registered above): coded values.
    register(
        "item",
        "整改事项",
        {},
        values={"status": ITEM_STATUS_LABELS, "source_type": ITEM_SOURCE_LABELS},
    )
    register("package", "包保责任", {}, values={"source_type": ITEM_SOURCE_LABELS})
    register(
        "package_member",
        "包保责任人",
        {
            "package_id": "包保责任",
            "user_id": _user("账号"),
            "valid_from": "开始日期",
            "valid_to": "结束日期",
        },
        values={"level": PACKAGE_LEVELS},
        refs={"role": "package_role"},
    )
    register(
        "item_review",
        "审核记录",
        {"item_id": "整改事项", "reviewer_id": _user("审核人")},
        values={"level": {**PACKAGE_LEVELS, **REVIEW_LEVEL_LABELS}, "decision": DECISION_LABELS},
    )
    register("progress_note", "整改进展", {"item_id": "整改事项", "author_id": _user("填报人")})
    from whirlwind.ledger.models import EXTENSION_STATUS_LABELS

    register(
        "extension_request",
        "延期申请",
        {
            "item_id": "整改事项",
            "org_id": "单位",
            "old_deadline": "原期限",
            "new_deadline": "申请延至",
            "reason": "延期理由",
            "status": "审批状态",
            "requested_by_id": _user("申请人"),
            "requester_org_id": "申请人单位",
            "requested_at": "申请时间",
            "decided_by_id": _user("审批人"),
            "decided_at": "审批时间",
            "decided_on": "生效日期",
            "decision_note": "审批意见",
        },
        values={"status": EXTENSION_STATUS_LABELS},
    )
    register("org", "组织机构", {}, refs={"party_org_kind": "party_org_kind"})

    # Persons.
    register(
        "person",
        "人员",
        {
            "name": "姓名",
            "org_id": "所属单位",
            "unit_name": "工作单位",
            "post": "职务",
            "post_rank": "职级",
            "gender": "性别",
            "ethnicity": "民族",
            "birth_month": "出生年月",
            "education": "学历",
            "political_status": "政治面貌",
            "party_join_date": "入党时间",
            "identity": "人员身份",
            "cadre_authority": "干部管理权限",
            "is_npc_deputy": "人大代表",
            "is_cppcc_member": "政协委员",
            "is_top_leader": "一把手",
            "id_number_masked": "身份证号（脱敏）",
            "merged_into_id": "合并至人员",
        },
        refs={"identity": "subject_identity"},
        table="person",
    )

    # Attachments.
    register(
        "attachment",
        "附件",
        {
            "owner_type": "所属记录类型",
            "owner_id": "所属记录编号",
            "sha256": "文件校验值",
            "filename": "文件名",
            "content_type": "文件类型",
            "size": "大小（字节）",
            "uploaded_by_id": _user("上传人"),
        },
        table="attachment",
    )
    # Owner types are record types: label them with the record type labels.
    VALUES.setdefault("attachment", {})["owner_type"] = RECORD_TYPES

    # Clues and cases (问题线索、案件).
    register(
        "clue",
        "问题线索",
        {
            "org_id": "问题属地",
            "number": "线索编号",
            "title": "标题",
            "received_date": "受理日期",
            "source": "线索来源",
            "source_detail": "来源说明",
            "is_anonymous": "匿名反映",
            "field": "所属领域",
            "campaign": "专项行动",
            "summary": "问题摘要",
            "full_text": "反映内容",
            "amount_involved": "涉及金额（元）",
            "is_important": "重要线索",
            "handling_way": "办理方式",
            "handling_org_id": "承办单位",
            "handler_id": _user("承办人"),
            "disposal_mode": "处置方式",
            "status": "状态",
            "due_date": "办理期限",
            "closed_on": "办结日期",
            "duplicate_of_id": "重复件（原线索编号）",
            "origin_type": "转来记录类型",
            "origin_id": "转来记录编号",
            "is_historical": "历史数据",
            "result_text": "处理结果",
            "created_by_id": _user("登记人"),
        },
        values={
            "status": CLUE_STATUS_LABELS,
            "disposal_mode": DISPOSAL_MODE_LABELS,
            "origin_type": {"finding": "发现问题", "committee_report": "问题反映"},
        },
        refs={"source": "clue_source", "field": "clue_field", "handling_way": "handling_way"},
        table="clue",
    )
    register(
        "clue_person",
        "被反映人",
        {
            "clue_id": "问题线索",
            "person_id": "人员",
            "role": "类别",
            "name": "姓名",
            "post": "职务",
            "unit_name": "工作单位",
            "political_status": "政治面貌",
            "identity": "人员身份",
        },
        values={"role": {"main": "主要被反映人", "other": "其他被反映人"}},
        refs={"identity": "subject_identity"},
    )
    register(
        "clue_disposal",
        "线索处置",
        {
            "clue_id": "问题线索",
            "mode": "处置方式",
            "state": "处置状态",
            "opinion": "拟办意见",
            "proposed_by_id": _user("拟办人"),
            "proposed_on": "拟办日期",
            "approved_by_id": _user("审批人"),
            "approved_on": "审批日期",
            "approval_way": "审批方式",
            "approval_note": "审批意见",
            "due_date": "办理期限",
            "method": "方式",
            "response_on": "回复/报告日期",
            "response_text": "回复/初核报告内容",
            "outcome": "处置结果",
            "outcome_on": "结果日期",
            "outcome_text": "结果说明",
            "close_reason": "了结理由",
            "transfer_to": "移送单位",
            "reviews": "暂存复查次数",
        },
        values={
            "mode": DISPOSAL_MODE_LABELS,
            "state": DISPOSAL_STATE_LABELS,
            "outcome": OUTCOME_LABELS,
            "close_reason": CLOSE_REASONS,
            "approval_way": {"approval": "领导审批", "meeting": "专题会议（上会）"},
            "method": {"talk": "谈话", "letter": "函询"},
        },
        table="clue_disposal",
    )
    register(
        "case",
        "案件",
        {
            "org_id": "所属单位",
            "number": "案件编号",
            "title": "案件名称",
            "case_type": "案件类型",
            "summary": "简要案情",
            "stage": "办理阶段",
            "opened_on": "立案日期",
            "review_on": "移送审理日期",
            "decision_on": "处分决定日期",
            "announced_on": "宣布送达日期",
            "executed_on": "执行日期",
            "closed_on": "结案归档日期",
            "revoked_on": "撤销日期",
            "early_review_on": "提前介入审理日期",
            "extension_days": "延期天数",
            "due_date": "办理期限",
            "investigators": "审查调查人员",
            "review_unit": "审理部门",
            "source": "线索来源",
            "amount_involved": "涉及金额（元）",
            "result_text": "处理结果",
            "is_historical": "历史数据",
            "created_by_id": _user("登记人"),
        },
        values={"stage": CASE_STAGE_LABELS, "case_type": CASE_TYPES},
        refs={"source": "clue_source"},
        table="case_file",
    )
    register(
        "case_stage",
        "案件阶段记录",
        {
            "case_id": "案件",
            "stage": "阶段",
            "on_date": "日期",
            "note": "说明",
            "actor_id": _user("操作人"),
        },
        values={"stage": EVENT_LABELS},
    )
    register(
        "case_subject",
        "被审查调查人",
        {
            "case_id": "案件",
            "person_id": "人员",
            "post": "职务",
            "political_status": "政治面貌",
            "identity": "人员身份",
            "four_form": "四种形态",
            "first_form_measure": "第一种形态处理方式",
            "party_sanction": "党纪处分",
            "state_sanction": "政务处分",
            "org_handling": "组织处理",
            "to_prosecution": "移送司法机关",
            "prosecution_on": "移送司法机关日期",
            "amount_involved": "涉及金额（元）",
            "illegal_gains": "违纪违法所得（元）",
            "confiscated": "收缴（元）",
            "ordered_returned": "责令退赔/退还群众（元）",
            "recovered": "挽回损失（元）",
            "decision_number": "处分决定文号",
            "decision_on": "处分决定日期",
            "announced_on": "宣布送达日期",
            "execution_report_on": "执行情况报告日期",
            "appeal_status": "申诉情况",
        },
        values={"four_form": FOUR_FORMS},
        refs={
            "identity": "subject_identity",
            "first_form_measure": "handling_measure",
            "party_sanction": "party_sanction",
            "state_sanction": "state_sanction",
            "org_handling": "org_handling",
        },
    )
    register(
        "public_notice",
        "通报曝光",
        {
            "org_id": "通报单位",
            "issued_on": "通报日期",
            "level": "通报层级",
            "channel": "通报渠道",
            "title": "标题",
            "text": "通报内容",
            "created_by_id": _user("登记人"),
        },
        values={"level": LEVEL_LABELS},
        refs={"channel": "notice_channel"},
        table="public_notice",
    )

    # Audits (四资一项目检查), findings, recoveries, committee reports.
    register(
        "audit",
        "四资一项目检查",
        {
            "org_id": "被检查村(社区)",
            "period_from": "检查期间（起）",
            "period_to": "检查期间（止）",
            "audit_date": "检查日期",
            "body": "检查主体",
            "inspectors": "检查人员",
            "scope_projects": "检查项目",
            "summary": "检查情况",
            "created_by_id": _user("登记人"),
        },
        refs={"body": "audit_body"},
        table="audit",
    )
    register(
        "finding",
        "发现问题",
        {
            "audit_id": "所属检查",
            "seq": "序号",
            "org_id": "所属村(社区)",
            "asset_type": "资产类别",
            "asset_subtype": "具体类别",
            "irregularity": "问题类型",
            "description": "问题描述",
            "object_kind": "台账对象类型",
            "object_name": "台账对象名称",
            "object_number": "台账对象编号",
            "object_counterparty": "相对方",
            "amount_involved": "涉及金额（元）",
            "amount_recovered": "挽回/追缴金额（元）",
            "excess_explanation": "超出涉及金额的说明",
            "clue_id": "移送问题线索",
            "report_id": "来源问题反映",
            "created_by_id": _user("登记人"),
        },
        refs={
            "asset_type": "asset_type",
            "asset_subtype": "asset_subtype",
            "irregularity": "irregularity",
            "object_kind": "ledger_object_kind",
        },
        table="finding",
    )
    register(
        "finding_person",
        "问题责任人",
        {
            "finding_id": "发现问题",
            "person_id": "人员",
            "org_id": "所属单位",
            "name": "姓名",
            "role": "责任类型",
            "post": "职务",
        },
    )
    register(
        "recovery",
        "挽回/追缴记录",
        {
            "finding_id": "发现问题",
            "org_id": "所属单位",
            "entry_date": "日期",
            "amount": "金额（元）",
            "note": "说明",
            "created_by_id": _user("登记人"),
        },
        table="recovery_entry",
    )
    register(
        "committee_report",
        "村监委问题反映",
        {
            "org_id": "所属村(社区)",
            "reporter_id": _user("反映人"),
            "problem": "反映问题",
            "persons": "涉及人员",
            "amount": "涉及金额（元）",
            "found_date": "发现日期",
            "status": "状态",
            "outcome": "处理结果",
            "received_by_id": _user("接收人"),
            "received_at": "接收时间",
            "verification": "核实情况",
            "verified_by_id": _user("核实人"),
            "verified_at": "核实时间",
            "dismiss_reason": "不予采纳理由",
            "handled_by_id": _user("处理人"),
            "handled_at": "处理时间",
            "feedback": "反馈意见",
            "fed_back_at": "反馈时间",
            "clue_id": "转问题线索",
        },
        values={"status": REPORT_STATUS_LABELS, "outcome": REPORT_STATUS_LABELS},
        table="committee_report",
    )

    # Weak-organization rectification (软弱涣散基层党组织整顿).
    register(
        "campaign",
        "年度整顿",
        {
            "org_id": "整顿范围",
            "year": "年度",
            "title": "名称",
            "selection_mode": "确定方式",
            "ratio": "倒排比例",
            "per_district": "按区分别倒排",
            "star_below": "星级低于",
            "assessment_year": "依据考核年度",
            "screening_deadline": "排查截止日期",
            "identification_deadline": "认定截止日期",
            "plan_deadline": "整顿方案截止日期",
            "acceptance_deadline": "验收截止日期",
            "pass_score": "验收合格分",
            "max_dissatisfied": "不满意率上限（%）",
            "ratio_community": "社区倒排比例",
            "min_satisfied": "满意率下限（%）",
            "acceptance_level": "验收层级",
            "created_by_id": _user("创建人"),
        },
        values={"acceptance_level": LEVEL_LABELS},
        refs={"selection_mode": "selection_mode"},
        table="campaign",
    )
    register(
        "org_assessment",
        "年度考核/星级",
        {
            "org_id": "党组织",
            "year": "年度",
            "score": "考核得分",
            "star_level": "星级",
            "rank": "排名",
            "source": "数据来源",
            "note": "备注",
        },
        values={"source": {"entered": "录入", "imported": "导入"}},
        table="org_assessment",
    )
    register(
        "target",
        "整顿对象",
        {
            "campaign_id": "年度整顿",
            "org_id": "党组织",
            "status": "状态",
            "categories": "软弱涣散情形",
            "evidence": "情形依据",
            "selected_how": "确定方式",
            "score_at_selection": "确定时考核得分",
            "problem": "主要问题",
            "plan_summary": "整顿方案",
            "deadline": "整顿期限",
            "package_id": "包保责任",
            "self_check_date": "支部自查日期",
            "upper_review_date": "上级党委审核日期",
            "org_dept_analysis_date": "组织部研判日期",
            "committee_approval_date": "区委常委会审定日期",
            "removed_reason": "移出理由",
            "cleared_date": "销号日期",
            "created_by_id": _user("录入人"),
        },
        values={"status": TARGET_STATUS_LABELS},
        refs={"categories": "weakness_category", "selected_how": "selection_how"},
        table="rectification_target",
    )
    inspection = {
        "target_id": "整顿对象",
        "org_id": "党组织",
        "date": "日期",
        "level": "层级",
        "inspectors": "检查人员",
        "result": "结果",
        "new_deadline": "新整顿期限",
        "recorded_by_id": _user("录入人"),
    }
    register(
        "acceptance",
        "验收",
        {
            **inspection,
            "date": "验收日期",
            "level": "验收层级",
            "inspectors": "验收人员",
            "score": "验收得分",
            "respondents": "测评人数",
            "satisfied_pct": "满意率（%）",
            "dissatisfied_pct": "不满意率（%）",
            "result": "验收结果",
            "note": "备注",
        },
        values={"level": LEVEL_LABELS, "result": ACCEPTANCE_RESULTS},
        table="acceptance_inspection",
    )
    register(
        "target_recheck",
        "回头看",
        {**inspection, "date": "回头看日期", "findings": "回头看情况", "result": "回头看结果"},
        values={"level": LEVEL_LABELS, "result": RECHECK_RESULTS},
        table="target_recheck",
    )

    # Three-affairs disclosure (三务公开).
    register(
        "disclosure_catalog_item",
        "公开目录项",
        {
            "code": "编码",
            "domain": "公开类别",
            "title": "公开事项",
            "frequency": "公开频次",
            "deadline_days": "公开时限（天）",
            "applies_to": "适用于",
            "active": "启用",
            "sort": "排序",
            "note": "说明",
        },
        values={
            "domain": DOMAIN_LABELS,
            "frequency": FREQUENCY_LABELS,
            "applies_to": APPLIES_LABELS,
        },
        table="disclosure_catalog_item",
    )
    obligation = {"org_id": "村/社区", "catalog_item_id": "公开事项", "period": "公开期间"}
    register(
        "disclosure_record",
        "公开记录",
        {
            **obligation,
            "period_start": "期间开始日期",
            "period_end": "期间结束日期",
            "event_date": "事项发生日期",
            "due_date": "应公开日期",
            "due_month": "应公开月份",
            "published_on": "公开日期",
            "channel": "公开渠道",
            "content": "公开内容摘要",
            "evidence_link": "佐证链接",
            "reviewer_body": "审核主体",
            "reviewer_name": "审核人",
            "reviewed_on": "审核日期",
            "recorded_by_id": _user("登记人"),
        },
        values={"reviewer_body": REVIEWER_BODIES},
        refs={"channel": "disclosure_channel"},
        table="disclosure_record",
    )
    register(
        "disclosure_check",
        "公开检查",
        {
            **obligation,
            "record_id": "公开记录",
            "checker_id": _user("检查人"),
            "checked_on": "检查日期",
            "result": "检查结果",
            "reasons": "不合格情形",
            "note": "检查意见",
        },
        values={"result": {"pass": "合格", "fail": "不合格"}},
        refs={"reasons": "disclosure_failure"},
        table="disclosure_check",
    )
    register(
        "disclosure_failure",
        "公开问题",
        {
            **obligation,
            "kind": "问题类型",
            "check_id": "公开检查",
            "reasons": "不合格情形",
            "problem": "问题描述",
            "created_by_id": _user("登记人"),
        },
        values={"kind": {"check": "检查不合格", "missing": "未公开"}},
        refs={"reasons": "disclosure_failure"},
        table="disclosure_failure",
    )


_register_areas()


def record_label(record_type: str) -> str:
    return RECORD_TYPES.get(record_type, record_type)


def field_label(record_type: str, field: str) -> str:
    return FIELDS.get(record_type, {}).get(field) or COMMON_FIELDS.get(field) or field


def value_label(record_type: str, field: str, value, request=None) -> str:
    """How an old or new value reads on a history panel.

    A coded field shows its label: from the record type's value map, or, for a field that
    names a reference list, from that list (read once per request). Codes the lists do not
    know (retired values) are shown as they are.
    """
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    text = str(value)
    mapped = VALUES.get(record_type, {}).get(field)
    if mapped is not None:
        return mapped.get(text, text)
    kind = REFS.get(record_type, {}).get(field)
    if kind is None:
        return text
    labels = _reference_labels(kind, request)
    if not labels:
        return text
    return "、".join(labels.get(code, code) for code in text.split())


def _reference_labels(kind: str, request=None) -> dict[str, str]:
    if request is None:
        from pyramid.threadlocal import get_current_request

        request = get_current_request()
    if request is None or getattr(request, "dbsession", None) is None:
        return {}
    from whirlwind.reference.services import request_labels

    return request_labels(request, kind)


def table_label(table: str) -> str:
    return TABLES.get(table, table)


def add_jinja_globals(config) -> None:
    """Make the label functions available in every template (and imported macros)."""

    def register_globals():
        env = config.get_jinja2_environment(".jinja2")
        env.globals.update(
            changelog_record_label=record_label,
            changelog_field_label=field_label,
            changelog_value_label=value_label,
        )

    # After pyramid_jinja2 has created the environment.
    config.action(("whirlwind.changelog_labels",), register_globals, order=999)
