"""Report figures (统计报表): the dashboard's figures and the periodic reports (月研判,
季调度, 年考核) as tables, computed by the reports area for the caller's jurisdiction (the
same figures as the pages and Excel workbooks, without the charts)."""

from __future__ import annotations

import datetime as dt
import decimal

from whirlwind import clock
from whirlwind.api.framework import (
    COMPONENTS,
    STRING,
    endpoint,
    id_filter,
    nullable,
    obj,
    query_params,
    text_filter,
)
from whirlwind.errors import NotFound
from whirlwind.reports.dashboard_views import SECTIONS
from whirlwind.reports.figures import Figure, Links
from whirlwind.reports.views import REPORTS, build
from whirlwind.security import Permission

TAG = "统计报表"

CELL = {
    "type": ["string", "number", "null"],
    "description": '单元格：计数为整数，金额为字符串（如 "1234.50"），日期为 YYYY-MM-DD',
}
FIGURE = COMPONENTS.add(
    "Figure",
    obj(
        key=STRING,
        title=STRING,
        headers={"type": "array", "items": STRING},
        rows={
            "type": "array",
            "items": obj(
                cells={"type": "array", "items": CELL},
                link=nullable({"type": "string", "description": "网页中对应的筛选列表"}),
            ),
        },
        totals=nullable({"type": "array", "items": CELL}),
        note=STRING,
    ),
)
DASHBOARD = COMPONENTS.add(
    "Dashboard",
    obj(
        date={"type": "string", "format": "date"},
        sections={
            "type": "array",
            "items": obj(title=STRING, figures={"type": "array", "items": FIGURE}),
        },
    ),
)
PERIODIC = COMPONENTS.add(
    "PeriodicReport",
    obj(
        report=STRING,
        title=STRING,
        unit=obj(id={"type": "integer"}, name=STRING),
        period=obj(key=STRING, label=STRING),
        figures={"type": "array", "items": FIGURE},
    ),
)


def cell(value):
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return int(value) if isinstance(value, int) else value
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def figure_json(f: Figure) -> dict:
    return {
        "key": f.key,
        "title": f.title,
        "headers": [str(h) for h in f.headers],
        "rows": [{"cells": [cell(c) for c in r.cells], "link": r.link} for r in f.rows],
        "totals": [cell(c) for c in f.totals] if f.totals is not None else None,
        "note": f.note or "",
    }


@endpoint(
    "reports.dashboard",
    "/reports/dashboard",
    summary="综合看板的统计数据（按权限分区）",
    tag=TAG,
    permission=Permission.DASHBOARD,
    response=DASHBOARD,
)
def reports_dashboard(request):
    """Only the sections the caller's roles may see; every figure is counted inside the
    caller's jurisdiction."""
    links = Links(request)
    day = clock.today()
    sections = []
    for title, permission, build_figures in SECTIONS:
        if request.identity.can(permission):
            figures = build_figures(request, links, day)
            if figures:
                sections.append({"title": title, "figures": [figure_json(f) for f in figures]})
    return {"date": day.isoformat(), "sections": sections}


def periodic_query(request):
    import colander

    q = colander.MappingSchema()
    unit = id_filter("单位 ID（默认本单位；须在管辖范围内）")
    unit.name = "unit"
    period = text_filter(
        "报告期：2026-03（月）、2026-Q1（季）、2026（年）；默认当期", max_length=10
    )
    period.name = "period"
    q.add(unit)
    q.add(period)
    return q


@endpoint(
    "reports.periodic",
    "/reports/periodic/{name}",
    summary="定期报告：monthly 月研判、quarterly 季调度、annual 年考核",
    tag=TAG,
    permission=Permission.DASHBOARD,
    query=periodic_query,
    response=PERIODIC,
    path_schemas={"name": {"type": "string", "enum": list(REPORTS)}},
)
def reports_periodic(request):
    name = request.matchdict["name"]
    if name not in REPORTS:
        raise NotFound("没有这种报告。")
    query_params(request, periodic_query)
    unit, period, title, figures = build(request, name)
    return {
        "report": name,
        "title": title,
        "unit": {"id": unit.id, "name": unit.name},
        "period": {"key": period.key, "label": period.label},
        "figures": [figure_json(f) for f in figures],
    }
