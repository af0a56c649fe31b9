"""Periodic report pages (月研判, 季调度, 年考核) with their Excel workbooks and printable
views, and the star-rating page (星级争创)."""

from __future__ import annotations

import datetime as dt
import re

from pyramid.view import view_config
from sqlalchemy import select

from whirlwind import clock
from whirlwind.cases.limits import Limits
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.orgs.models import Org
from whirlwind.paginate import page_params, paginate
from whirlwind.reference.services import request_labels
from whirlwind.reports import periodic, stars
from whirlwind.reports.charts import Series, bar_chart, line_chart
from whirlwind.reports.periods import KINDS, parse
from whirlwind.scoping import get_visible, scope
from whirlwind.security import Permission

REPORTS = {
    "monthly": ("month", "月研判"),
    "quarterly": ("quarter", "季调度"),
    "annual": ("year", "年考核"),
}


def chosen_unit(request) -> Org:
    """The report's unit: the ``unit`` parameter (a unit inside the jurisdiction, else 404)
    or the user's own unit."""
    raw = request.params.get("unit") or request.identity.org_id
    return get_visible(request.dbsession, request.identity, Org, raw, org_attr="id")


def unit_choices(request) -> list[tuple[int, str]]:
    stmt = scope(
        select(Org.id, Org.name, Org.level).where(Org.level.in_(["city", "district", "street"])),
        Org.id,
        request.identity,
    ).order_by(Org.code)
    out = [(request.identity.org_id, request.identity.org.name)]
    out += [
        (i, ("　" if level == "street" else "") + name)
        for i, name, level in request.dbsession.execute(stmt)
        if i != request.identity.org_id
    ]
    return out


def build(request, name: str):
    kind, title = REPORTS[name]
    unit = chosen_unit(request)
    period = parse(kind, request.params.get("period"), clock.today())
    session, identity, settings = request.dbsession, request.identity, request.registry.settings
    if name == "monthly":
        labels = {k: request_labels(request, k) for k in ("clue_source", "problem_category")}
        sections = periodic.monthly(
            session,
            identity,
            unit,
            period,
            labels,
            settings,
            today=clock.today(),
            limits=Limits.from_settings(settings),
        )
    elif name == "quarterly":
        sections = periodic.quarterly(session, identity, unit, period)
    else:
        sections = periodic.annual(session, identity, unit, period, clock.today(), settings)
    return unit, period, title, sections


def period_choices(kind: str, day: dt.date, count: int = 13) -> list:
    from whirlwind.reports.periods import containing

    p = containing(kind, day)
    out = [p]
    for _ in range(count - 1 if kind != "year" else 5):
        p = p.previous()
        out.append(p)
    return out


@view_config(
    route_name="reports.monthly",
    permission=Permission.DASHBOARD,
    renderer="whirlwind:reports/templates/report.jinja2",
)
@view_config(
    route_name="reports.quarterly",
    permission=Permission.DASHBOARD,
    renderer="whirlwind:reports/templates/report.jinja2",
)
@view_config(
    route_name="reports.annual",
    permission=Permission.DASHBOARD,
    renderer="whirlwind:reports/templates/report.jinja2",
)
def report_page(request):
    name = request.matched_route.name.split(".")[1]
    unit, period, title, sections = build(request, name)
    query = {"unit": unit.id, "period": period.key}
    printing = request.params.get("print") == "1"
    if printing:
        request.override_renderer = "whirlwind:reports/templates/report_print.jinja2"
    return {
        "today": clock.today(),
        "name": name,
        "title": title,
        "unit": unit,
        "period": period,
        "sections": sections,
        "units": unit_choices(request),
        "periods": period_choices(REPORTS[name][0], clock.today()),
        "kind_label": KINDS[REPORTS[name][0]],
        "export_url": request.route_path(f"reports.{name}_export", _query=query),
        "print_url": request.route_path(f"reports.{name}", _query={**query, "print": "1"}),
        "weights": periodic.weights(request.registry.settings) if name == "annual" else None,
    }


@view_config(route_name="reports.monthly_export", permission=Permission.DASHBOARD)
@view_config(route_name="reports.quarterly_export", permission=Permission.DASHBOARD)
@view_config(route_name="reports.annual_export", permission=Permission.DASHBOARD)
def report_export(request):
    name = request.matched_route.name.split(".")[1].removesuffix("_export")
    unit, period, title, sections = build(request, name)
    wb = new_workbook()
    used = set()
    for f in sections:
        sheet = re.sub(r"[\\/*?:\[\]]", "、", f.title)[:28]
        while sheet in used:
            sheet += "_"
        used.add(sheet)
        ws = add_sheet(wb, sheet, f.headers, [r.cells for r in f.rows], totals=f.totals)
        if f.note:
            ws.append([])
            ws.append([f"说明：{f.note}"])
    info = wb.create_sheet("报告信息", 0)
    for row in (
        ("报告", title),
        ("单位", unit.name),
        ("报告期", period.label),
        ("导出日期", clock.today().isoformat()),
    ):
        info.append(row)
    info.column_dimensions["A"].width = 12
    info.column_dimensions["B"].width = 40
    return workbook_response(wb, f"{title}-{unit.name}-{period.key}.xlsx")


# --- 星级争创 --------------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        v = int(value)
    except (TypeError, ValueError):
        return None
    return v if v > 0 else None


@view_config(
    route_name="reports.stars",
    permission=Permission.DASHBOARD,
    renderer="whirlwind:reports/templates/stars.jinja2",
)
def stars_page(request):
    session, identity = request.dbsession, request.identity
    district, street = _int(request.params.get("district")), _int(request.params.get("street"))
    unit_id = street or district
    if unit_id:
        get_visible(session, identity, Org, unit_id, org_attr="id")
    year_list = stars.years(session, identity)
    page = paginate(session, stars.units_statement(identity, unit_id), *page_params(request))
    levels = stars.levels_of(session, [o.id for o in page.items], year_list)
    rows = [(o, levels[o.id], stars.trend(levels[o.id], year_list)) for o in page.items]
    year = year_list[-1] if year_list else clock.today().year
    dist = stars.distribution(session, identity, unit_id, year)
    guided = stars.guided_rows(dist)
    dist_chart = bar_chart(
        [g[0] for g in guided],
        [
            Series("实际占比", [round((g[2] or 0) * 100, 1) for g in guided]),
            Series("指导占比", [g[3] * 100 for g in guided], colour="#8c8c8c"),
        ],
        title=f"{year}年星级分布",
        unit="%",
    )
    org, history, org_chart = None, [], None
    if request.params.get("org"):
        org = get_visible(session, identity, Org, request.params["org"], org_attr="id")
        history = stars.org_history(session, org.id)
        if history:
            org_chart = line_chart(
                [str(y) for y, _, _ in history],
                [Series("星级", [s or 0 for _, s, _ in history])],
                title=f"{org.name}星级趋势",
                height=200,
            )
    districts = list(
        session.execute(
            scope(
                select(Org.id, Org.name).where(Org.level == "district"), Org.id, identity
            ).order_by(Org.code)
        )
    )
    streets = list(
        session.execute(
            scope(
                select(Org.id, Org.name).where(
                    Org.level == "street", *([Org.district_id == district] if district else [])
                ),
                Org.id,
                identity,
            ).order_by(Org.code)
        )
    )
    return {
        "years": year_list,
        "year": year,
        "page": page,
        "rows": rows,
        "dist": dist,
        "guided": guided,
        "dist_chart": dist_chart,
        "org": org,
        "history": history,
        "org_chart": org_chart,
        "districts": districts,
        "streets": streets,
        "district": district,
        "street": street,
    }
