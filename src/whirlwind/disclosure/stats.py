"""Compliance views: one unit's calendar grid and compliance rates computed in SQL.

An obligation belongs to the month its due date falls in. The expected obligations are
(grassroots unit × active periodic catalogue item × period due in the months asked) —
the periods come from the catalogue as a small derived table (one row per item and
period, UNION ALL of literals, the same on SQLite and PostgreSQL), joined to the units in
the caller's jurisdiction, left-joined to the records, and counted with GROUP BY.
Event-driven (即时/专项) obligations exist only through their records and are added from
the record table. Nothing loops over units in Python.

Rates: 按时公开率 = on time / (on time + late + missing); obligations not yet due
(待公开) are not counted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Date, Integer, String, and_, case, func, literal, or_, select, union_all

from whirlwind.disclosure.models import (
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
)
from whirlwind.disclosure.periods import (
    PERIODIC,
    Status,
    classify,
    month_key,
    months_of_year,
    periods_due_between,
    periods_in_year,
)
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org
from whirlwind.scoping import scope_to_unit

# --- One unit's calendar (small: Python over one unit's rows) -----------------------------


@dataclass
class Cell:
    item: DisclosureCatalogItem
    period_key: str
    period_label: str
    due: dt.date
    status: Status
    record: DisclosureRecord | None = None
    checks: list = field(default_factory=list)
    failure: DisclosureFailure | None = None

    @property
    def css(self) -> str:
        cls = f"dc-{self.status.value.replace('_', '-')}"
        if self.checks and not self.checks[-1].passed:
            cls += " dc-check-failed"
        return cls

    @property
    def last_check(self):
        return self.checks[-1] if self.checks else None


@dataclass
class Calendar:
    year: int
    months: list[str]
    # item -> {month key -> Cell} (a cell sits in the month its period ends)
    rows: list[tuple[DisclosureCatalogItem, dict[str, Cell]]]
    events: list[Cell]
    counts: dict[Status, int]

    @property
    def rate(self) -> float | None:
        decided = (
            self.counts[Status.ON_TIME] + self.counts[Status.LATE] + self.counts[Status.MISSING]
        )
        return self.counts[Status.ON_TIME] / decided if decided else None


def unit_calendar(session, org: Org, year: int, today: dt.date) -> Calendar:
    items = [
        i
        for i in session.scalars(
            select(DisclosureCatalogItem)
            .where(DisclosureCatalogItem.active.is_(True))
            .order_by(DisclosureCatalogItem.sort, DisclosureCatalogItem.id)
        )
        if i.applies(org.level)
    ]
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    records = list(
        session.scalars(
            select(DisclosureRecord).where(
                DisclosureRecord.org_id == org.id,
                DisclosureRecord.period_end >= first,
                DisclosureRecord.period_start <= last,
            )
        )
    )
    by_key = {(r.catalog_item_id, r.period): r for r in records}
    checks: dict[tuple[int, str], list] = {}
    for c in session.scalars(
        select(DisclosureCheck)
        .where(DisclosureCheck.org_id == org.id)
        .order_by(DisclosureCheck.checked_on, DisclosureCheck.id)
    ):
        checks.setdefault((c.catalog_item_id, c.period), []).append(c)
    failures = {
        (f.catalog_item_id, f.period): f
        for f in session.scalars(
            select(DisclosureFailure)
            .where(DisclosureFailure.org_id == org.id)
            .order_by(DisclosureFailure.id)
        )
    }
    counts = {s: 0 for s in Status}
    rows = []
    for item in items:
        if not item.is_periodic:
            continue
        cells = {}
        for period in periods_in_year(item.frequency, year):
            record = by_key.get((item.id, period.key))
            due = period.due(item.deadline_days)
            status = classify(due, record.published_on if record else None, today)
            counts[status] += 1
            cells[month_key(period.end)] = Cell(
                item,
                period.key,
                period.label,
                due,
                status,
                record,
                checks.get((item.id, period.key), []),
                failures.get((item.id, period.key)),
            )
        rows.append((item, cells))
    events = []
    for r in sorted(records, key=lambda r: (r.period_start, r.id)):
        if r.catalog_item.is_periodic:
            continue
        status = classify(r.due_date, r.published_on, today)
        counts[status] += 1
        events.append(
            Cell(
                r.catalog_item,
                r.period,
                r.period_label,
                r.due_date,
                status,
                r,
                checks.get((r.catalog_item_id, r.period), []),
                failures.get((r.catalog_item_id, r.period)),
            )
        )
    return Calendar(year, months_of_year(year), rows, events, counts)


# --- Rates in SQL -------------------------------------------------------------------------


def expected_periods(session, first: dt.date, last: dt.date):
    """The derived table of (item, period, due date, due month) for active periodic items
    whose due date lies in [first, last]; ``None`` when there is none."""
    items = session.execute(
        select(
            DisclosureCatalogItem.id,
            DisclosureCatalogItem.frequency,
            DisclosureCatalogItem.deadline_days,
            DisclosureCatalogItem.applies_to,
        ).where(
            DisclosureCatalogItem.active.is_(True),
            DisclosureCatalogItem.frequency.in_([str(f) for f in PERIODIC]),
        )
    ).all()
    selects = []
    for item_id, freq, days, applies in items:
        for period in periods_due_between(freq, days, first, last):
            due = period.due(days)
            selects.append(
                select(
                    literal(item_id, Integer).label("item_id"),
                    literal(applies, String).label("applies_to"),
                    literal(period.key, String).label("period"),
                    literal(due, Date).label("due_date"),
                    literal(month_key(due), String).label("due_month"),
                )
            )
    if not selects:
        return None
    return union_all(*selects).subquery("expected")


def obligations(
    session, identity, unit_id: int | None, first: dt.date, last: dt.date, today: dt.date
):
    """A subquery of partial counts whose sums per (org, due month) are the obligations due
    in [first, last] inside the identity's jurisdiction (and ``unit_id``'s subtree):
    columns org_id, street_id, district_id, due_month, on_time, late, missing, pending.

    Two parts, summed by the callers' GROUP BY:

    1. per unit and month, what is owed: the expected periods counted per (applies to, due
       month), split into due-date-passed (provisionally "missing") and not yet due
       ("pending"), joined to the units by level — no per-record lookups;
    2. per record due in the range: +1 on time or late; for a periodic item also -1 from
       missing or pending, whichever its period was counted in (event-driven obligations
       exist only as records).
    """
    today_lit = literal(today, Date)
    rec = DisclosureRecord
    grassroots = Org.level.in_([str(x) for x in GRASSROOTS_LEVELS])
    parts = []
    exp = expected_periods(session, first, last)
    if exp is not None:
        passed = exp.c.due_date < today_lit
        owed = (
            select(
                exp.c.applies_to,
                exp.c.due_month,
                func.sum(case((passed, 1), else_=0)).label("n_passed"),
                func.sum(case((passed, 0), else_=1)).label("n_pending"),
            )
            .group_by(exp.c.applies_to, exp.c.due_month)
            .subquery("owed")
        )
        expected = (
            select(
                Org.id.label("org_id"),
                Org.street_id.label("street_id"),
                Org.district_id.label("district_id"),
                owed.c.due_month,
                literal(0, Integer).label("on_time"),
                literal(0, Integer).label("late"),
                owed.c.n_passed.label("missing"),
                owed.c.n_pending.label("pending"),
            )
            .select_from(Org)
            .join(owed, or_(owed.c.applies_to == "both", owed.c.applies_to == Org.level))
            .where(grassroots, Org.active.is_(True))
        )
        parts.append(scope_to_unit(expected, Org.id, identity, unit_id))
    # Every record due in the range (its stored due date follows the catalogue rule, see
    # services.sync_due_dates): +1 on time or late; a periodic one also takes back the
    # "missing" or "pending" its period was provisionally counted as.
    item = DisclosureCatalogItem
    periodic = item.frequency.in_([str(f) for f in PERIODIC])
    passed = rec.due_date < today_lit
    answered = (
        select(
            Org.id.label("org_id"),
            Org.street_id.label("street_id"),
            Org.district_id.label("district_id"),
            rec.due_month.label("due_month"),
            case((rec.published_on <= rec.due_date, 1), else_=0).label("on_time"),
            case((rec.published_on > rec.due_date, 1), else_=0).label("late"),
            case((and_(periodic, passed), -1), else_=0).label("missing"),
            case((and_(periodic, ~passed), -1), else_=0).label("pending"),
        )
        .select_from(rec)
        .join(Org, Org.id == rec.org_id)
        .join(item, item.id == rec.catalog_item_id)
        .where(
            item.active.is_(True),
            rec.due_date >= literal(first, Date),
            rec.due_date <= literal(last, Date),
            grassroots,
            Org.active.is_(True),
            or_(item.applies_to == "both", item.applies_to == Org.level),
        )
    )
    parts.append(scope_to_unit(answered, rec.org_id, identity, unit_id))
    return union_all(*parts).subquery("obligation")


def _sums(ob):
    return (
        func.sum(ob.c.on_time).label("on_time"),
        func.sum(ob.c.late).label("late"),
        func.sum(ob.c.missing).label("missing"),
        func.sum(ob.c.pending).label("pending"),
    )


@dataclass
class Tally:
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.on_time + self.late + self.missing

    @property
    def total(self) -> int:
        return self.decided + self.pending

    @property
    def rate(self) -> float | None:
        """按时公开率."""
        return self.on_time / self.decided if self.decided else None

    @property
    def published_rate(self) -> float | None:
        """公开率 (on time or late)."""
        return (self.on_time + self.late) / self.decided if self.decided else None

    def add(self, other: Tally) -> None:
        self.on_time += other.on_time
        self.late += other.late
        self.missing += other.missing
        self.pending += other.pending

    @classmethod
    def of(cls, row) -> Tally:
        return cls(
            int(row.on_time or 0), int(row.late or 0), int(row.missing or 0), int(row.pending or 0)
        )


@dataclass
class UnitRates:
    """A street's or district's rates per month, and its units (worst first)."""

    year: int
    months: list[str]
    total: Tally
    by_month: dict[str, Tally]
    # (org id, name, street name, Tally for the year, {month: Tally})
    units: list[tuple]
    unit_count: int
    # (street id, name, Tally) for a district
    streets: list[tuple]


def _rate_expr(ob):
    decided = func.sum(ob.c.on_time) + func.sum(ob.c.late) + func.sum(ob.c.missing)
    return (func.sum(ob.c.on_time) * 1.0) / func.nullif(decided, 0)


def unit_rates(
    session,
    identity,
    unit: Org,
    year: int,
    today: dt.date,
    *,
    limit: int | None = 20,
    offset: int = 0,
) -> UnitRates:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ob = obligations(session, identity, unit.id, first, last, today)
    months = months_of_year(year)
    # One grouped query gives the months and (for a district) the streets: a few hundred
    # (street, month) rows, added up below.
    by_month = {m: Tally() for m in months}
    per_street: dict[int, Tally] = {}
    street_names: dict[int, str] = {}
    street = Org.__table__.alias("street")
    for row in session.execute(
        select(ob.c.street_id, street.c.name, ob.c.due_month, *_sums(ob))
        .outerjoin(street, street.c.id == ob.c.street_id)
        .group_by(ob.c.street_id, street.c.name, ob.c.due_month)
    ):
        tally = Tally.of(row)
        by_month[row.due_month].add(tally)
        per_street.setdefault(row.street_id, Tally()).add(tally)
        street_names[row.street_id] = row.name or ""
    total = Tally()
    for t in by_month.values():
        total.add(t)
    # Units, worst first (units with nothing due yet last), one page at a time.
    rate = _rate_expr(ob)
    worst = (
        # The window count gives the number of units with the page, in the same query.
        select(ob.c.org_id, *_sums(ob), func.count().over().label("n_units"))
        .group_by(ob.c.org_id)
        .order_by(
            case((rate.is_(None), 1), else_=0),
            rate.asc(),
            func.sum(ob.c.missing).desc(),
            ob.c.org_id,
        )
    )
    if limit is not None:
        worst = worst.limit(limit).offset(offset)
    rows = session.execute(worst).all()
    page = [(row.org_id, Tally.of(row)) for row in rows]
    if rows:
        unit_count = rows[0].n_units
    else:  # a page past the end
        unit_count = session.scalar(select(func.count(func.distinct(ob.c.org_id))))
    ids = [i for i, _ in page]
    monthly: dict[int, dict[str, Tally]] = {i: {} for i in ids}
    names = {}
    if ids:
        monthly_stmt = select(ob.c.org_id, ob.c.due_month, *_sums(ob)).group_by(
            ob.c.org_id, ob.c.due_month
        )
        if limit is not None:  # one page: only its units (all of them for an export)
            monthly_stmt = monthly_stmt.where(ob.c.org_id.in_(ids))
        for row in session.execute(monthly_stmt):
            monthly.setdefault(row.org_id, {})[row.due_month] = Tally.of(row)
        street = Org.__table__.alias("street")
        names_stmt = select(Org.id, Org.name, street.c.name).outerjoin(
            street, street.c.id == Org.street_id
        )
        if limit is not None:
            names_stmt = names_stmt.where(Org.id.in_(ids))
        else:
            names_stmt = scope_to_unit(names_stmt, Org.id, identity, unit.id)
        for oid, name, sname in session.execute(names_stmt):
            names[oid] = (name, sname or "")
    units = [(oid, *names.get(oid, ("", "")), tally, monthly[oid]) for oid, tally in page]
    streets = []
    if unit.level == "district":
        streets = sorted(
            ((sid, street_names[sid], t) for sid, t in per_street.items()),
            key=lambda s: (s[2].rate is None, s[2].rate or 0, s[1]),
        )
    return UnitRates(year, months, total, by_month, units, unit_count, streets)


def unit_rates_all(session, identity, unit: Org, year: int, today: dt.date):
    """Every unit with its months (for the Excel export): two grouped queries."""
    return unit_rates(session, identity, unit, year, today, limit=None)


@dataclass
class CityRates:
    year: int
    months: list[str]
    total: Tally
    by_month: dict[str, Tally]
    # (district id, name, Tally for the year, {month: Tally})
    districts: list[tuple]


def city_rates(
    session, identity, year: int, today: dt.date, unit_id: int | None = None
) -> CityRates:
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ob = obligations(session, identity, unit_id, first, last, today)
    months = months_of_year(year)
    district = Org.__table__.alias("district")
    per: dict[int, dict[str, Tally]] = {}
    names: dict[int, str] = {}
    by_month = {m: Tally() for m in months}
    for row in session.execute(
        select(ob.c.district_id, district.c.name, ob.c.due_month, *_sums(ob))
        .join(district, district.c.id == ob.c.district_id)
        .group_by(ob.c.district_id, district.c.name, ob.c.due_month)
    ):
        tally = Tally.of(row)
        per.setdefault(row.district_id, {})[row.due_month] = tally
        names[row.district_id] = row.name
        by_month[row.due_month].add(tally)
    districts = []
    for did, months_map in per.items():
        year_tally = Tally()
        for t in months_map.values():
            year_tally.add(t)
        districts.append((did, names[did], year_tally, months_map))
    districts.sort(
        key=lambda d: (d[2].rate is None, d[2].rate if d[2].rate is not None else 0, d[1])
    )
    total = Tally()
    for t in by_month.values():
        total.add(t)
    return CityRates(year, months, total, by_month, districts)
