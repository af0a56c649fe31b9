"""Small SQL pieces the reports share: grouping one level down, local dates of UTC
timestamps, month keys and day differences that compile on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, cast, extract, func, select

from whirlwind.clock import SHANGHAI
from whirlwind.orgs.models import Org

# The level one below each level: what a report groups a unit's subtree by.
CHILD_LEVEL = {
    "city": "district",
    "district": "street",
    "street": "unit",
    "community": "unit",
    "village": "unit",
}
CHILD_HEADINGS = {"district": "区", "street": "街道/乡镇", "unit": "社区/村"}


def child_column(level: str):
    """(column of ``Org``, key) grouping records one level below a unit at ``level``."""
    key = CHILD_LEVEL[level]
    column = {"district": Org.district_id, "street": Org.street_id, "unit": Org.id}[key]
    return column, key


def utc_bound(day: dt.date) -> dt.datetime:
    """Midnight of a Beijing-time date, in UTC (period bounds of timestamp columns)."""
    return dt.datetime.combine(day, dt.time(), SHANGHAI).astimezone(dt.UTC)


def dialect(session) -> str:
    return session.get_bind().dialect.name


def local_date(session, column):
    """The Beijing-time calendar date of a UTC timestamp column."""
    if dialect(session) == "sqlite":
        return func.date(column, "+8 hours")
    return cast(func.timezone("Asia/Shanghai", column), Date)


def year_month(column):
    """(year, month) integer expressions of a date column."""
    return extract("year", column), extract("month", column)


def days_between(session, start, end):
    """Whole days from ``start`` to ``end`` (date columns)."""
    if dialect(session) == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return end - start


def org_names(session, ids) -> dict[int, tuple[str, str]]:
    """{id: (code, name)} of some units, in one query."""
    ids = [i for i in set(ids) if i is not None]
    if not ids:
        return {}
    return {
        i: (c, n)
        for i, c, n in session.execute(select(Org.id, Org.code, Org.name).where(Org.id.in_(ids)))
    }
