"""Search documents of findings (发现问题) for the search index.

``DOCUMENTS`` maps the outbox record type to a builder ``(session, ids) -> {id: doc}``;
ids that no longer exist are absent from the result (the indexer deletes them). All data
is loaded in a fixed number of bulk queries, whatever the number of ids.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from whirlwind.audits.models import Finding
from whirlwind.audits.queries import finding_states
from whirlwind.orgs.models import Org
from whirlwind.reference.services import labels

# Source code of findings confirmed from a committee report (no audit, so no body).
COMMITTEE_SOURCE = "committee"


def _clue_statuses(session, clue_ids) -> dict[int, str]:
    ids = [i for i in clue_ids if i]
    if not ids:
        return {}
    try:
        from whirlwind.cases.models import Clue
    except ImportError:
        return {}
    return dict(session.execute(select(Clue.id, Clue.status).where(Clue.id.in_(ids))).all())


def build_finding_documents(session, ids: list[int]) -> dict[int, dict]:
    ids = list(ids)
    if not ids:
        return {}
    findings = list(
        session.scalars(
            select(Finding)
            .where(Finding.id.in_(ids))
            .options(selectinload(Finding.audit), selectinload(Finding.persons))
        )
    )
    org_ids = {f.org_id for f in findings}
    orgs = (
        {o.id: o for o in session.scalars(select(Org).where(Org.id.in_(org_ids)))}
        if org_ids
        else {}
    )
    parent_ids = {i for o in orgs.values() for i in (o.district_id, o.street_id) if i} - set(orgs)
    if parent_ids:
        orgs.update({o.id: o for o in session.scalars(select(Org).where(Org.id.in_(parent_ids)))})
    states = finding_states(session, [f.id for f in findings])
    clues = _clue_statuses(session, {f.clue_id for f in findings})
    irregularities = labels(session, "irregularity")
    asset_types = labels(session, "asset_type")
    subtypes = labels(session, "asset_subtype")
    bodies = labels(session, "audit_body")
    kinds = labels(session, "ledger_object_kind")
    docs = {}
    for f in findings:
        org = orgs.get(f.org_id)
        units = (
            [
                u.name
                for u in (orgs.get(org.district_id), orgs.get(org.street_id), org)
                if u is not None
            ]
            if org
            else []
        )
        irregularity = irregularities.get(f.irregularity, f.irregularity)
        ledger_object = " ".join(
            x
            for x in (
                kinds.get(f.object_kind, ""),
                f.object_name,
                f.object_number,
                f.object_counterparty,
            )
            if x
        )
        audit = f.audit
        body = bodies.get(audit.body, audit.body) if audit is not None else "村(居)务监督委员会反映"
        text = "\n".join(
            x
            for x in (
                f.description,
                ledger_object,
                irregularity,
                body,
                asset_types.get(f.asset_type, ""),
                subtypes.get(f.asset_subtype, ""),
                f.excess_explanation,
            )
            if x
        )
        if f.clue_id and f.clue_id in clues:
            stage = clues[f.clue_id]
        else:
            stage = "cleared" if states[f.id] == "cleared" else "open"
        date = audit.audit_date if audit is not None else f.created_at.date()
        docs[f.id] = {
            "type": "finding",
            "id": f.id,
            "number": f.number,
            "title": f"{org.name if org else ''} {irregularity}".strip(),
            "text": text,
            "persons": [p.name for p in f.persons],
            "units": units,
            "org_id": f.org_id,
            "district_id": org.district_id if org else None,
            "street_id": org.street_id if org else None,
            "category": [f.irregularity],
            "source": audit.body if audit is not None else COMMITTEE_SOURCE,
            "stage": stage,
            "date": date,
            "year": date.year,
            "amount": f.amount_involved,
        }
    return docs


DOCUMENTS = {"finding": build_finding_documents}
