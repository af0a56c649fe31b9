"""The one clock: with the process clock at 23:30 UTC it is already tomorrow in Beijing."""

from __future__ import annotations

import datetime as dt

import pytest

from whirlwind import clock
from whirlwind.errors import ValidationFailed
from whirlwind.ledger.services import create_item, source_progress

UTC_EVENING = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.UTC)  # 2026-04-01 07:30 in Beijing
BEIJING_DAY = dt.date(2026, 4, 1)


@pytest.fixture
def late_utc(monkeypatch):
    monkeypatch.setattr(clock, "source", lambda: UTC_EVENING)


def test_today_is_beijing_date_and_now_is_utc(late_utc):
    assert clock.today() == BEIJING_DAY
    assert clock.now() == UTC_EVENING and clock.now().tzinfo == dt.UTC
    assert clock.local_now().hour == 7


def test_deadline_of_the_utc_date_is_already_past_in_beijing(late_utc, dbsession, tree, users):
    kwargs = dict(org=tree["V1"], source_type="target", source_id=1, problem="问题")
    with pytest.raises(ValidationFailed, match="整改期限不能早于今天"):
        create_item(dbsession, users["street"], deadline=UTC_EVENING.date(), **kwargs)

    item = create_item(dbsession, users["street"], deadline=BEIJING_DAY, **kwargs)
    assert source_progress([item])["overdue"] == 0
    item.deadline = UTC_EVENING.date()
    assert source_progress([item])["overdue"] == 1
