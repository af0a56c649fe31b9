"""Builders for the audits tests: identities, audits, findings, and driving ledger items
to 已销号 through the ledger's own workflow."""

from __future__ import annotations

import datetime as dt
import decimal

from whirlwind import clock
from whirlwind.attachments.models import Attachment
from whirlwind.audits import services
from whirlwind.ledger import workflow
from whirlwind.ledger.models import ProgressNote
from whirlwind.security import Identity

D = decimal.Decimal
TODAY = clock.today()


def ident(user) -> Identity:
    return Identity(user, user.permissions)


def make_audit(session, user, org, *, audit_date=None, body="jgz", scope=("funds",), **extra):
    audit_date = audit_date or TODAY - dt.timedelta(days=30)
    data = {
        "org_id": org.id,
        "period_from": dt.date(audit_date.year - 1, 1, 1),
        "period_to": dt.date(audit_date.year - 1, 12, 31),
        "audit_date": audit_date,
        "body": body,
        "inspectors": "张明",
        "scope_assets": list(scope),
        "scope_projects": "",
        "summary": "检查概述",
    }
    data.update(extra)
    return services.create_audit(session, ident(user), data)


def make_finding(
    session,
    user,
    audit,
    *,
    involved="10000",
    asset_type="funds",
    irregularity="F03",
    description="坐收坐支集体收入",
    **extra,
):
    data = {
        "asset_type": asset_type,
        "asset_subtype": "",
        "irregularity": irregularity,
        "description": description,
        "object_kind": "payment",
        "object_name": "鱼塘承包费",
        "object_number": "PZ-001",
        "object_counterparty": "刘某",
        "amount_involved": D(involved),
    }
    data.update(extra)
    return services.add_finding(session, ident(user), audit, data)


def make_items(session, user, finding, n=1, **package):
    package = package or {"street_leader": "街道领导甲"}
    return services.create_items(
        session,
        ident(user),
        finding,
        [{"problem": f"整改{i}", "deadline": TODAY + dt.timedelta(days=30)} for i in range(n)],
        package_data=package,
    )


def clear_item(session, item, *, worker, street, district):
    """Drive one item through the ledger workflow: start, evidence, submit, street and
    district sign-off (the real state machine, not a status write)."""
    workflow.transition(session, ident(worker), item, "start")
    note = ProgressNote(item=item, author_id=worker.id, note="已整改")
    session.add(note)
    session.flush()
    session.add(
        Attachment(
            owner_type="progress_note",
            owner_id=note.id,
            org_id=item.org_id,
            sha256="0" * 64,
            filename="evidence.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by_id=worker.id,
        )
    )
    session.flush()
    workflow.transition(session, ident(worker), item, "submit")
    workflow.transition(session, ident(street), item, "approve")
    workflow.transition(session, ident(district), item, "approve")
    assert item.is_cleared
