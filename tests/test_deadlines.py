"""The one warning policy: every setting the README lists changes a colour, the SQL bounds
of the list filters agree with the colour painted in Python, and records without a due
date are coloured by their age."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest
from sqlalchemy import select

from tests.cases.helpers import make_clue
from tests.ledger.helpers import make_item
from whirlwind.cases.queries import Filters, clue_colour, clue_statement
from whirlwind.deadlines import (
    DEFAULT,
    PREFIX,
    WarningPolicy,
    WarningSettingsError,
    includeme,
    policy,
)
from whirlwind.ledger.models import RectificationItem
from whirlwind.ledger.queries import LedgerFilters, item_query
from whirlwind.security import Identity

TODAY = dt.date(2026, 5, 20)
README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def readme_warning_settings() -> dict[str, int]:
    """The ``whirlwind.warning.* = N`` lines of the README's settings block."""
    found = re.findall(r"^(whirlwind\.warning\.\w+) = (\d+)$", README.read_text(), re.M)
    return {key: int(value) for key, value in found}


# For each setting: a record whose colour depends on it, (due, received), and the colour
# under the default and under the changed value.
PROBES = {
    "yellow_days_before_due": (5, (days(5), None), "blue", "yellow"),
    "blue_max_days": (10, (None, days(-20)), "blue", "yellow"),
    "yellow_max_days": (40, (None, days(-50)), "yellow", "red"),
}


def test_readme_lists_exactly_the_settings_that_exist_with_their_defaults():
    listed = readme_warning_settings()
    assert listed == {PREFIX + name: getattr(DEFAULT, name) for name in PROBES}


@pytest.mark.parametrize("key", sorted(readme_warning_settings()))
def test_each_listed_setting_changes_a_colour(key):
    name = key.removeprefix(PREFIX)
    value, (due, received), before, after = PROBES[name]
    changed = policy({key: str(value)})
    assert getattr(changed, name) == value
    assert DEFAULT.colour(due, TODAY, received=received) == before
    assert changed.colour(due, TODAY, received=received) == after


def test_the_application_reads_the_policy_once_and_refuses_bad_or_obsolete_settings(app):
    assert app.registry.warning_policy == WarningPolicy.from_settings(app.registry.settings)

    class Config:
        class registry:
            settings = {"whirlwind.cases.limit.yellow_days_before_due": "7"}

    with pytest.raises(WarningSettingsError, match="no longer read"):
        includeme(Config)
    with pytest.raises(WarningSettingsError, match="whole number"):
        WarningPolicy.from_settings({PREFIX + "blue_max_days": "abc"})
    with pytest.raises(WarningSettingsError, match="not be less"):
        WarningPolicy.from_settings({PREFIX + "blue_max_days": "90"})


def test_ledger_colour_filter_selects_what_the_row_is_painted(dbsession, tree, users):
    actor = users["street"]
    warn = WarningPolicy(yellow_days_before_due=2)
    for n in range(-3, 6):
        make_item(dbsession, actor, tree["V1"], deadline=days(n), problem=f"d{n}")
    ident = Identity(actor, actor.permissions)
    settings = {PREFIX + "yellow_days_before_due": "2"}
    for colour in ("red", "yellow", "blue"):
        stmt = item_query(ident, LedgerFilters(colour=colour), TODAY, settings)
        listed = {i.problem for i in dbsession.scalars(stmt).unique()}
        painted = {
            i.problem
            for i in dbsession.scalars(select(RectificationItem))
            if warn.colour_for_due(i.deadline, TODAY) == colour
        }
        assert listed == painted and listed


def test_clue_without_a_time_limit_is_coloured_by_age_in_list_and_filter(dbsession, tree, users):
    actor = users["street"]
    warn = WarningPolicy()
    ages = {"fresh": 10, "middle": 45, "old": 90}
    clues = {}
    for label, age in ages.items():
        clue = make_clue(dbsession, actor, tree["V1"], received_date=days(-age), title=label)
        clue.due_date = None  # a historical clue still open: no time limit
        clues[label] = clue
    dbsession.flush()
    assert {k: clue_colour(warn, c, TODAY) for k, c in clues.items()} == {
        "fresh": "blue",
        "middle": "yellow",
        "old": "red",
    }
    ident = Identity(actor, actor.permissions)
    for colour, label in (("blue", "fresh"), ("yellow", "middle"), ("red", "old")):
        stmt = clue_statement(ident, Filters(colour=colour), warn, TODAY)
        assert [c.title for c in dbsession.scalars(stmt).unique()] == [label]


def test_unhandled_committee_report_is_coloured_by_age_since_submission():
    from whirlwind.audits.models import CommitteeReport, ReportStatus
    from whirlwind.audits.reports import report_colour

    # Submitted 2026-03-31 23:30 UTC, i.e. 2026-04-01 in Beijing: 49 days before TODAY.
    submitted = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)
    report = CommitteeReport(status=ReportStatus.RECEIVED, created_at=submitted)
    assert report_colour(WarningPolicy(yellow_max_days=49), report, TODAY) == "yellow"
    assert report_colour(WarningPolicy(yellow_max_days=48), report, TODAY) == "red"
    report.status = ReportStatus.DISMISSED
    assert report_colour(DEFAULT, report, TODAY) is None
