"""The demo data of clues and cases loads and covers history and open work."""

from sqlalchemy import func, select

from whirlwind import clock, demo
from whirlwind.cases import demo as cases_demo
from whirlwind.cases.models import Case, Clue, PublicNotice
from whirlwind.ledger.models import RectificationItem


def test_demo_loads(dbsession):
    orgs = demo.load_orgs(dbsession)
    users = demo.load_users(dbsession, orgs)
    ctx = demo.DemoContext(orgs=orgs, users=users, today=clock.today())
    cases_demo.load(dbsession, ctx)
    stages = dict(dbsession.execute(select(Case.stage, func.count()).group_by(Case.stage)).all())
    assert stages["closed"] >= 10 and stages.get("investigation") and stages.get("decision")
    years = {
        c.opened_on.year
        for c in dbsession.scalars(select(Case).where(Case.is_historical.is_(True)))
    }
    assert len(years) == 10
    statuses = set(dbsession.scalars(select(Clue.status)))
    assert {"registered", "talk_inquiry", "verifying", "shelved", "closed"} <= statuses
    assert dbsession.scalar(select(func.count()).select_from(PublicNotice)) == 1
    assert (
        dbsession.scalar(
            select(func.count())
            .select_from(RectificationItem)
            .where(RectificationItem.source_type == "case")
        )
        == 2
    )
