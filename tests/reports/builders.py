"""Fixed report data: records inserted directly with chosen dates, so that each figure can
be checked against numbers counted by hand."""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
from zoneinfo import ZoneInfo

from whirlwind.cases.models import Case, CaseClue, CaseSubject, Clue, ClueCategory
from whirlwind.ledger.models import RectificationItem
from whirlwind.persons.models import Person

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A Beijing-time moment as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour), SHANGHAI).astimezone(dt.UTC)


def clue(session, org, received: dt.date, *, source="petition", categories=("embezzlement",)):
    n = next(_seq)
    c = Clue(
        org_id=org.id, number=f"XS{n:05d}", title=f"线索{n}", received_date=received, source=source
    )
    session.add(c)
    session.flush()
    for code in categories:
        session.add(ClueCategory(clue_id=c.id, code=code))
    session.flush()
    return c


def case(
    session,
    org,
    opened: dt.date,
    *,
    closed=None,
    review=None,
    extension_days=0,
    clue_obj=None,
    subjects=(),
):
    n = next(_seq)
    c = Case(
        org_id=org.id,
        number=f"AJ{n:05d}",
        title=f"案件{n}",
        opened_on=opened,
        closed_on=closed,
        review_on=review,
        extension_days=extension_days,
        stage="closed" if closed else "investigation",
    )
    session.add(c)
    session.flush()
    if clue_obj is not None:
        session.add(CaseClue(case_id=c.id, clue_id=clue_obj.id))
    for party, involved, recovered in subjects:
        p = Person(name=f"被审查人{n}", org_id=org.id)
        session.add(p)
        session.flush()
        session.add(
            CaseSubject(
                case_id=c.id,
                person_id=p.id,
                party_sanction=party,
                amount_involved=decimal.Decimal(involved),
                recovered=decimal.Decimal(recovered),
            )
        )
    session.flush()
    return c


def item(
    session,
    org,
    *,
    created: dt.datetime,
    deadline: dt.date,
    cleared: dt.datetime | None = None,
    status=None,
):
    i = RectificationItem(
        org_id=org.id,
        source_type="finding",
        source_id=0,
        problem="问题",
        deadline=deadline,
        status=status or ("cleared" if cleared else "in_progress"),
        cleared_at=cleared,
    )
    session.add(i)
    session.flush()
    i.created_at = created
    session.flush()
    return i
