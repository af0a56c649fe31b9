"""Transferring a finding as a clue (移送问题线索) to the case workflow.

The clue is registered by ``whirlwind.cases.services.create_clue`` with origin
("finding", id); the finding keeps ``clue_id``. Both pages link to each other.
"""

from __future__ import annotations

from whirlwind import changelog, clock
from whirlwind.audits import services
from whirlwind.audits.models import Finding
from whirlwind.audits.schemas import clue_schema
from whirlwind.errors import Conflict, InvalidTransition
from whirlwind.guards import check_version, require
from whirlwind.reference.services import choices, labels
from whirlwind.security import Permission

# Default problem categories (§5.17) suggested for an irregularity's asset type.
DEFAULT_CATEGORIES = {
    "F04": ["embezzlement"],
    "F06": ["misappropriation"],
    "F07": ["false_claims"],
    "P07": ["project_meddling"],
    "P03": ["project_meddling"],
}
DEFAULT_BY_TYPE = {"project": ["project_meddling"]}


def person_dicts(rows) -> list[dict]:
    """Reported persons for ``create_clue``: the first is the main one."""
    return [
        {"name": r["name"], "post": r.get("post", ""), "role": "main" if i == 0 else "other"}
        for i, r in enumerate(rows)
    ]


def suggested_categories(finding: Finding) -> list[str]:
    return DEFAULT_CATEGORIES.get(finding.irregularity) or DEFAULT_BY_TYPE.get(
        finding.asset_type, ["collective_assets"]
    )


def transfer_schema(request):
    import colander

    from whirlwind.forms import choice

    refs = {"clue_source": choices(request.dbsession, "clue_source")}
    schema = clue_schema(refs)
    schema.add(
        choice(
            "问题类别",
            choices(request.dbsession, "problem_category"),
            name="categories",
            multiple=True,
            missing=colander.required,
        )
    )
    return schema


def initial(request, finding: Finding) -> dict:
    irregularity = labels(request.dbsession, "irregularity").get(finding.irregularity, "")
    return {
        "title": f"{finding.org.name}{irregularity}问题（{finding.number}）"[:200],
        "received_date": clock.today(),
        "source": "four_assets",
        "summary": finding.description,
        "categories": set(suggested_categories(finding)),
        "version": finding.version,
    }


def transfer(session, identity, finding: Finding, data: dict):
    """Register a clue from ``finding`` and link both ways."""
    require(identity, Permission.AUDITS_EDIT, finding.org_id, message="您没有移送问题线索的权限。")
    require(identity, Permission.CASES_EDIT, message="您没有登记问题线索的权限。")
    check_version(finding, data.get("version"))
    if finding.clue_id:
        raise Conflict("该问题已移送问题线索，不能重复移送。")
    create_clue = services.clue_create_function()
    if create_clue is None:
        raise InvalidTransition("问题线索登记功能尚未启用，暂不能移送。")
    field = "project" if finding.asset_type == "project" else "three_assets"
    extra = {"field": field} if field in labels(session, "clue_field") else {}
    irregularity = labels(session, "irregularity").get(finding.irregularity, finding.irregularity)
    full_text = "\n".join(
        x
        for x in (
            finding.description,
            f"问题类别：{irregularity}",
            f"台账对象：{finding.object_name} {finding.object_number} {finding.object_counterparty}".strip(),
            f"涉及金额：{finding.amount_involved:,.2f} 元；已挽回/追缴：{finding.amount_recovered:,.2f} 元",
        )
        if x
    )
    clue = create_clue(
        session,
        identity,
        org=finding.org,
        source=data.get("source") or "four_assets",
        received_date=data["received_date"],
        title=data["title"],
        summary=data.get("summary", ""),
        full_text=full_text,
        persons=person_dicts([{"name": p.name, "post": p.post} for p in finding.persons]),
        categories=sorted(data.get("categories") or ()),
        amount_involved=finding.amount_involved,
        origin_type="finding",
        origin_id=finding.id,
        **extra,
    )
    finding.clue_id = clue.id
    changelog.set_action(finding, "移送问题线索")
    session.flush()
    return clue
