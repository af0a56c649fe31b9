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
# Table name -> label, for "records referring to this unit" counts.
TABLES: dict[str, str] = {}

# Fields many record types share.
COMMON_FIELDS = {
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


def register(record_type: str, label: str, fields: dict[str, str], *, values=None, table: str = ""):
    RECORD_TYPES[record_type] = label
    FIELDS.setdefault(record_type, {}).update(fields)
    if values:
        VALUES.setdefault(record_type, {}).update(values)
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


def record_label(record_type: str) -> str:
    return RECORD_TYPES.get(record_type, record_type)


def field_label(record_type: str, field: str) -> str:
    return FIELDS.get(record_type, {}).get(field) or COMMON_FIELDS.get(field) or field


def value_label(record_type: str, field: str, value) -> str:
    """How an old or new value reads on a history panel."""
    if value is None or value == "":
        return "（空）"
    if value is True:
        return "是"
    if value is False:
        return "否"
    return VALUES.get(record_type, {}).get(field, {}).get(str(value), str(value))


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
