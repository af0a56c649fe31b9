"""Where indexed documents come from: each area's ``whirlwind.<area>.search`` module.

An area declares ``DOCUMENTS = {record_type: builder}``; a builder is
``(session, ids: list[int]) -> dict[int, dict]`` returning, for every id that exists (a
missing id means the record is gone), a dict with the keys type, id, number, title, text,
persons, units, org_id, district_id, street_id, category, source, stage, date, year,
amount. The builder is the only place that knows how a record reads as a document, so
the indexer, the reindex, snippets and "related cases" all use it.

Optionally ``URLS = {record_type: route_name}`` names the page a hit links to (the route
takes ``id``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy import select

# Modules that may declare DOCUMENTS; one that does not exist yet is skipped.
SOURCES = ("whirlwind.cases.search", "whirlwind.audits.search")

TYPE_LABELS = {"clue": "问题线索", "case": "案件", "finding": "检查发现问题"}

Builder = Callable[[object, list[int]], dict[int, dict]]

# Builders registered in code (tests, benchmarks) on top of the areas' modules.
_extra: dict[str, Builder] = {}
_extra_urls: dict[str, str] = {}


def register(record_type: str, builder: Builder, route: str | None = None) -> None:
    _extra[record_type] = builder
    if route:
        _extra_urls[record_type] = route


def unregister(record_type: str) -> None:
    _extra.pop(record_type, None)
    _extra_urls.pop(record_type, None)


def _modules():
    for name in SOURCES:
        try:
            yield importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise


def builders() -> dict[str, Builder]:
    result: dict[str, Builder] = {}
    for module in _modules():
        result.update(getattr(module, "DOCUMENTS", {}))
    result.update(_extra)
    return result


def urls() -> dict[str, str]:
    result: dict[str, str] = {}
    for module in _modules():
        result.update(getattr(module, "URLS", {}))
    result.update(_extra_urls)
    return result


def model_for(record_type: str):
    """The mapped class whose rows are documents of ``record_type`` (``__search_type__``)."""
    from whirlwind.db import Base

    for mapper in Base.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__search_type__", None) == record_type and "__search_type__" in vars(cls):
            return cls
    return None


def all_ids(session, record_type: str) -> list[int]:
    """Every id of ``record_type`` in the database (reindex and ``--check``)."""
    module_ids = None
    for module in _modules():
        module_ids = getattr(module, "ALL_IDS", {}).get(record_type, module_ids)
    if module_ids is not None:
        return sorted(module_ids(session))
    model = model_for(record_type)
    if model is None:
        return []
    return list(session.scalars(select(model.id).order_by(model.id)))


def build(session, record_type: str, ids: list[int]) -> dict[int, dict]:
    builder = builders().get(record_type)
    if builder is None or not ids:
        return {}
    return builder(session, list(ids))
