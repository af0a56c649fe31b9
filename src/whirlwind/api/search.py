"""The description of ``GET /api/v1/search`` in the OpenAPI document. The search area owns
and routes that view (``whirlwind.search.views.search_api``); this module only describes
its parameters and answer, so that clients see it and the tests validate it."""

from __future__ import annotations

import colander

from whirlwind.api.framework import (
    COMPONENTS,
    INTEGER,
    STRING,
    describe,
    id_filter,
    nullable,
    obj,
    text_filter,
)
from whirlwind.forms import FiniteDecimal, date_range
from whirlwind.security import Permission


def _many(title: str):
    return colander.SchemaNode(
        colander.Sequence(), colander.SchemaNode(colander.String()), title=title, missing=()
    )


def _int(title: str, low: int, high: int):
    return colander.SchemaNode(
        colander.Integer(), title=title, missing=None, validator=colander.Range(low, high)
    )


def _amount(title: str):
    from decimal import Decimal

    return colander.SchemaNode(
        FiniteDecimal(quant="0.01"),
        title=title,
        missing=None,
        validator=colander.Range(Decimal("0"), Decimal("999999999999.99")),
    )


def _date(title: str):
    return colander.SchemaNode(colander.Date(), title=title, missing=None, validator=date_range)


class SearchQuery(colander.MappingSchema):
    q = text_filter("关键词", max_length=500)
    type = _many("记录类型（可重复）")
    district = id_filter("区 ID")
    street = id_filter("街道 ID")
    unit = id_filter("单位 ID")
    category = _many("问题类别（可重复）")
    source = _many("来源（可重复）")
    stage = _many("阶段/状态（可重复）")
    year_from = _int("起始年份", 1990, 2100)
    year_to = _int("截止年份", 1990, 2100)
    amount_min = _amount("最低金额")
    amount_max = _amount("最高金额")
    date_from = _date("起始日期")
    date_to = _date("截止日期")
    person = text_filter("涉及人员姓名", max_length=50)
    sort = colander.SchemaNode(
        colander.String(),
        title="排序（relevance 相关度 / date 日期）",
        missing="relevance",
        validator=colander.OneOf(["relevance", "date"]),
    )
    page = _int("页码", 1, 100000)
    size = _int("每页条数", 1, 100)


HIT = obj(
    type=STRING,
    id=INTEGER,
    number=nullable(STRING),
    title=STRING,
    title_html=STRING,
    snippet=STRING,
    snippet_html=STRING,
    score={"type": "number"},
    url=nullable(STRING),
    date=nullable({"type": "string", "format": "date"}),
    org_id=nullable(INTEGER),
)
RESULT = COMPONENTS.add(
    "SearchResult",
    obj(
        total={"type": "integer", "minimum": 0},
        page={"type": "integer", "minimum": 1},
        size={"type": "integer", "minimum": 1},
        hits={"type": "array", "items": HIT},
        facets={
            "type": "object",
            "additionalProperties": {"type": "array", "items": obj(value=STRING, count=INTEGER)},
        },
    ),
)

describe(
    "search",
    "/search",
    summary="全文检索（只返回管辖范围内的记录）",
    tag="检索",
    permission=Permission.SEARCH,
    query=SearchQuery,
    response=RESULT,
    description="线索、案件、发现问题、整改事项等记录的全文检索，带分面统计；由检索模块提供。",
)
