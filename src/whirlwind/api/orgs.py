"""Organizations (组织机构), read-only: list with level/parent filters, detail."""

from __future__ import annotations

from sqlalchemy import or_, select

from whirlwind.api.framework import (
    BOOLEAN,
    COMPONENTS,
    DATE,
    INTEGER,
    STRING,
    ListQuery,
    choice_filter,
    endpoint,
    id_filter,
    iso,
    json_page,
    nullable,
    obj,
    page_schema,
    path_id,
    query_params,
    text_filter,
)
from whirlwind.orgs.models import Org, OrgLevel
from whirlwind.scoping import get_visible, scope
from whirlwind.security import Permission

ORG_BRIEF = COMPONENTS.add(
    "OrgBrief", obj(id=INTEGER, code=STRING, name=STRING, level=STRING, level_label=STRING)
)
ORG = COMPONENTS.add(
    "Org",
    obj(
        id=INTEGER,
        code=STRING,
        name=STRING,
        level={"type": "string", "enum": [str(x) for x in OrgLevel]},
        level_label=STRING,
        parent_id=nullable(INTEGER),
        district_id=nullable(INTEGER),
        street_id=nullable(INTEGER),
        party_org_name=STRING,
        party_org_type=STRING,
        party_org_kind=STRING,
        division_code=STRING,
        is_rural=BOOLEAN,
        active=BOOLEAN,
        valid_from=nullable(DATE),
        valid_to=nullable(DATE),
        merged_into_id=nullable(INTEGER),
        version=INTEGER,
    ),
)


def org_brief(org: Org | None) -> dict | None:
    if org is None:
        return None
    return {
        "id": org.id,
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "level_label": org.level_label,
    }


def org_json(org: Org) -> dict:
    return {
        "id": org.id,
        "code": org.code,
        "name": org.name,
        "level": org.level,
        "level_label": org.level_label,
        "parent_id": org.parent_id,
        "district_id": org.district_id,
        "street_id": org.street_id,
        "party_org_name": org.party_org_name,
        "party_org_type": org.party_org_type,
        "party_org_kind": org.party_org_kind,
        "division_code": org.division_code,
        "is_rural": bool(org.is_rural),
        "active": bool(org.active),
        "valid_from": iso(org.valid_from),
        "valid_to": iso(org.valid_to),
        "merged_into_id": org.merged_into_id,
        "version": org.version,
    }


class OrgQuery(ListQuery):
    level = choice_filter("层级", list(OrgLevel))
    parent_id = id_filter("上级单位 ID（只列其直接下级）")
    q = text_filter("名称或编码包含")


@endpoint(
    "orgs.list",
    "/orgs",
    summary="组织机构列表",
    tag="组织机构",
    permission=Permission.ORGS_VIEW,
    query=OrgQuery,
    response=page_schema(ORG),
)
def orgs_list(request):
    """Units inside the caller's jurisdiction, ordered by code."""
    p = query_params(request, OrgQuery)
    stmt = scope(select(Org), Org.id, request.identity).order_by(Org.code)
    if p["level"]:
        stmt = stmt.where(Org.level == p["level"])
    if p["parent_id"]:
        stmt = stmt.where(Org.parent_id == p["parent_id"])
    if p["q"]:
        stmt = stmt.where(
            or_(
                Org.name.contains(p["q"], autoescape=True),
                Org.code.contains(p["q"], autoescape=True),
            )
        )
    return json_page(request, stmt, p, org_json)


@endpoint(
    "orgs.detail",
    "/orgs/{id}",
    summary="组织机构详情",
    tag="组织机构",
    permission=Permission.ORGS_VIEW,
    response=ORG,
)
def orgs_detail(request):
    org = get_visible(request.dbsession, request.identity, Org, path_id(request), org_attr="id")
    return org_json(org)
