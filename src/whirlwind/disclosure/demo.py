"""Demo disclosures: the default catalogue and a year of publications for every demo
village and community, with realistic gaps (most on time, some late, some missing, a few
units much worse than the rest), checks by committee members and street inspectors (a few
failed), and one failed check that opened an item in the rectification ledger."""

from __future__ import annotations

import datetime as dt

from whirlwind.disclosure import services
from whirlwind.disclosure.catalog import seed_catalog
from whirlwind.disclosure.models import CheckResult, DisclosureCheck, DisclosureRecord, FailureKind
from whirlwind.disclosure.periods import event_period, month_key, periods_due_between
from whirlwind.security import Identity

CHANNELS = (
    ["board"] * 6
    + ["wechat_group"] * 3
    + ["wechat_account", "website", "meeting", "mini_program", "leaflet"]
)
REASONS = ["late", "incomplete", "irregular", "objection", "untrue"]


def _actor(session, ctx, org):
    """Street inspectors record their streets' publications; the administrator the rest."""
    for user in ctx.users.values():
        if user.org_id == org.street_id and user.has_role("street_inspector"):
            return user
    return ctx.users["admin"]


def load(session, ctx) -> None:
    seed_catalog(session)
    items = services.catalog_items(session)
    today = ctx.today
    rng = ctx.rng
    # The whole of last year and this year so far: both calendar years look lived-in.
    first = dt.date(today.year - 1, 1, 1)
    units = sorted(ctx.grassroots(), key=lambda o: o.code)
    # A few units keep poor records (the "worst first" lists have something to show).
    weak = {u.code for u in rng.sample(units, k=max(1, len(units) // 8))}
    records: list[DisclosureRecord] = []
    for unit in units:
        actor = _actor(session, ctx, unit)
        session.info["actor"] = (actor.id, actor.username)
        p_missing, p_late = (0.30, 0.25) if unit.code in weak else (0.05, 0.10)
        for item in items:
            if not item.applies(unit.level):
                continue
            if item.is_periodic:
                obligations = [
                    (p, p.due(item.deadline_days))
                    for p in periods_due_between(item.frequency, item.deadline_days, first, today)
                ]
            else:
                obligations = []
                for _ in range(rng.randint(0, 2)):
                    day = first + dt.timedelta(
                        days=rng.randint(0, max(0, (today - first).days - 10))
                    )
                    obligations.append(
                        (event_period(day), day + dt.timedelta(days=item.deadline_days))
                    )
            seen = set()
            for period, due in obligations:
                if period.key in seen:
                    continue
                seen.add(period.key)
                roll = rng.random()
                if roll < p_missing and item.is_periodic:
                    continue  # a gap: nothing published
                if roll < p_missing + p_late:
                    published = due + dt.timedelta(days=rng.randint(1, 25))
                else:
                    earliest = (
                        period.end + dt.timedelta(days=1) if item.is_periodic else period.start
                    )
                    published = earliest + dt.timedelta(
                        days=rng.randint(0, max(0, (due - earliest).days))
                    )
                if published > today:
                    continue  # not published yet: pending or missing today
                reviewed = published - dt.timedelta(days=rng.randint(1, 4))
                record = DisclosureRecord(
                    org_id=unit.id,
                    catalog_item_id=item.id,
                    period=period.key,
                    period_start=period.start,
                    period_end=period.end,
                    event_date=None if item.is_periodic else period.start,
                    due_date=due,
                    due_month=month_key(due),
                    published_on=published,
                    channel=rng.choice(CHANNELS),
                    content=f"{unit.name}{period.label}{item.title}，经审核后张贴公开。",
                    evidence_link=""
                    if rng.random() < 0.7
                    else f"https://example.gov.cn/{unit.code}/{item.code}/{period.key}",
                    reviewer_body="finance_group" if item.domain == "finance" else "committee",
                    reviewer_name="民主理财小组"
                    if item.domain == "finance"
                    else "村(居)务监督委员会",
                    reviewed_on=reviewed,
                    recorded_by_id=actor.id,
                )
                session.add(record)
                records.append(record)
        session.flush()
    _checks(session, ctx, records)


def _checks(session, ctx, records) -> None:
    rng = ctx.rng
    by_org: dict[int, list[DisclosureRecord]] = {}
    for r in records:
        by_org.setdefault(r.org_id, []).append(r)
    # Committee members check their own village/community's recent publications.
    failed_check = None
    for username in ("datan_committee", "sanyang_committee"):
        user = ctx.users[username]
        session.info["actor"] = (user.id, user.username)
        mine = sorted(by_org.get(user.org_id, []), key=lambda r: r.published_on)[-8:]
        for i, r in enumerate(mine):
            fail = i in (2, 5)
            check = DisclosureCheck(
                org_id=r.org_id,
                catalog_item_id=r.catalog_item_id,
                period=r.period,
                record_id=r.id,
                checker_id=user.id,
                checked_on=min(ctx.today, r.published_on + dt.timedelta(days=3)),
                result=CheckResult.FAIL if fail else CheckResult.PASS,
                reasons=("incomplete objection" if i == 2 else "irregular") if fail else "",
                note="公开内容缺少明细，群众有疑问" if fail else "已核对公开栏照片，内容完整。",
            )
            session.add(check)
            if fail and failed_check is None and username == "datan_committee":
                failed_check = check
    # Street inspectors spot-check a handful elsewhere; a few fail.
    inspectors = [u for u in ctx.users.values() if u.has_role("street_inspector")]
    for user in inspectors:
        session.info["actor"] = (user.id, user.username)
        pool = [r for org_id, rs in by_org.items() for r in rs if r.org.street_id == user.org_id]
        for r in rng.sample(pool, k=min(6, len(pool))):
            late = r.published_on > r.due_date
            fail = late or rng.random() < 0.15
            session.add(
                DisclosureCheck(
                    org_id=r.org_id,
                    catalog_item_id=r.catalog_item_id,
                    period=r.period,
                    record_id=r.id,
                    checker_id=user.id,
                    checked_on=min(ctx.today, r.published_on + dt.timedelta(days=10)),
                    result=CheckResult.FAIL if fail else CheckResult.PASS,
                    reasons=("late" if late else rng.choice(REASONS)) if fail else "",
                    note="街道纪工委抽查",
                )
            )
    session.flush()
    if failed_check is not None:
        user = ctx.users["datan_committee"]
        session.info["actor"] = (user.id, user.username)
        services.open_failure(
            session,
            Identity(user, user.permissions),
            kind=FailureKind.CHECK,
            check=failed_check,
            data={
                "problem": f"{failed_check.org.name}“{failed_check.catalog_item.title}”"
                f"（{failed_check.period_label}）公开内容不完整，群众有异议。",
                "measure": "补充公开收支明细并召开村民代表会议说明。",
                "responsible_person": "村会计",
                "deadline": ctx.today + dt.timedelta(days=30),
                "street_leader": "黄磊",
                "district_leader": "陈志强",
            },
            today=ctx.today,
        )
