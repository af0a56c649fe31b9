"""Builders for disclosure tests."""

from __future__ import annotations

import datetime as dt

from whirlwind.disclosure.models import DisclosureCatalogItem, DisclosureRecord
from whirlwind.disclosure.periods import month_key, parse_key


def item(
    session, code, frequency, days, *, applies="both", domain="finance", active=True, title=None
):
    obj = DisclosureCatalogItem(
        code=code,
        domain=domain,
        title=title or f"事项{code}",
        frequency=frequency,
        deadline_days=days,
        applies_to=applies,
        active=active,
        sort=len(code),
    )
    session.add(obj)
    session.flush()
    return obj


def record(session, org, catalog_item, period_key, published_on: dt.date, channel="board"):
    period = parse_key(catalog_item.frequency, period_key)
    due = period.due(catalog_item.deadline_days)
    rec = DisclosureRecord(
        org_id=org.id,
        catalog_item_id=catalog_item.id,
        period=period.key,
        period_start=period.start,
        period_end=period.end,
        event_date=None if catalog_item.is_periodic else period.start,
        due_date=due,
        due_month=month_key(due),
        published_on=published_on,
        channel=channel,
    )
    session.add(rec)
    session.flush()
    return rec


def set_date(form, name: str, value: str) -> None:
    """Fill a Deform date field (rendered as a mapping ``name`` holding an input ``date``)."""
    current = None
    for field_name, field in form.field_order:
        if field_name == "__start__":
            current = field.value.split(":")[0]
        elif field_name == "date" and current == name:
            field.value = value
            return
    raise AssertionError(f"no date field {name}")
