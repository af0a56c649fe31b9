"""The dashboard cache: a second look within the TTL runs no aggregate query, and the key
keeps jurisdictions apart."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from whirlwind.reports import cache
from whirlwind.reports.cache import TTLCache


def test_ttl_cache_expires_and_evicts():
    now = [0.0]
    c = TTLCache(max_entries=2, clock=lambda: now[0])
    calls = []

    def compute(v):
        calls.append(v)
        return v

    assert c.get_or_compute("a", 10, lambda: compute(1))[0] == 1
    assert c.get_or_compute("a", 10, lambda: compute(2))[0] == 1
    now[0] = 11
    assert c.get_or_compute("a", 10, lambda: compute(3))[0] == 3
    c.get_or_compute("b", 10, lambda: compute(4))
    c.get_or_compute("c", 10, lambda: compute(5))  # evicts the least recent ("a")
    assert c.get_or_compute("a", 10, lambda: compute(6))[0] == 6
    assert c.get_or_compute("x", 0, lambda: compute(7))[0] == 7  # ttl 0: never cached
    assert c.get_or_compute("x", 0, lambda: compute(8))[0] == 8
    assert calls == [1, 3, 4, 5, 6, 7, 8]


@pytest.fixture
def cached(app):
    settings = app.registry.settings
    old = settings["whirlwind.report.cache_seconds"]
    settings["whirlwind.report.cache_seconds"] = "300"
    cache.SECTIONS.clear()
    yield
    settings["whirlwind.report.cache_seconds"] = old
    cache.SECTIONS.clear()


def count_queries(app, fn):
    engine = app.registry["dbengine"]
    seen = []

    def before(conn, cursor, statement, params, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return len(seen)


def test_second_view_is_served_from_the_cache_per_jurisdiction(app, cached, as_user):
    leader = as_user("city_leader")
    first = count_queries(app, lambda: leader.get("/reports"))
    second = count_queries(app, lambda: leader.get("/reports"))
    assert second < first - 5
    assert "每 5 分钟更新" in leader.get("/reports").text
    # Another unit's leader has entries of its own: computed, not borrowed.
    district = as_user("district_leader")
    assert count_queries(app, lambda: district.get("/reports")) > second + 5
