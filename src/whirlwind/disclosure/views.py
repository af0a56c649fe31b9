"""Compliance pages (合规视图): a unit's calendar, a street's or district's rates per month,
the city overview per district, and their Excel exports."""

from __future__ import annotations

from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config

from whirlwind import clock
from whirlwind.disclosure import stats
from whirlwind.disclosure.periods import STATUS_LABELS, Status, month_label
from whirlwind.disclosure.services import catalog_items, get_unit
from whirlwind.errors import NotFound
from whirlwind.excel import add_sheet, new_workbook, workbook_response
from whirlwind.orgs.models import GRASSROOTS_LEVELS, Org
from whirlwind.paginate import Page, page_params
from whirlwind.reference.services import request_labels
from whirlwind.scoping import get_visible
from whirlwind.security import Permission


def year_param(request) -> int:
    try:
        year = int(request.params.get("year") or clock.today().year)
    except ValueError:
        year = clock.today().year
    return min(max(year, 2000), 2100)


@view_config(route_name="disclosure.index", permission=Permission.DISCLOSURE_VIEW)
def index(request):
    identity = request.identity
    if identity.level in GRASSROOTS_LEVELS:
        return HTTPFound(request.route_url("disclosure.calendar", org_id=identity.org_id))
    if identity.level == "city":
        return HTTPFound(request.route_url("disclosure.city"))
    return HTTPFound(request.route_url("disclosure.rates"))


# --- A unit's calendar ---------------------------------------------------------------------


@view_config(
    route_name="disclosure.calendar",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/calendar.jinja2",
)
def calendar(request):
    org = get_unit(request.dbsession, request.identity, request.matchdict["org_id"])
    year = year_param(request)
    cal = stats.unit_calendar(request.dbsession, org, year, clock.today())
    return {
        "org": org,
        "cal": cal,
        "year": year,
        "statuses": STATUS_LABELS,
        "Status": Status,
        "month_label": month_label,
        "reasons": request_labels(request, "disclosure_failure"),
        "channels": request_labels(request, "disclosure_channel"),
        "event_items": [
            i for i in catalog_items(request.dbsession, level=org.level) if not i.is_periodic
        ],
    }


@view_config(route_name="disclosure.calendar_export", permission=Permission.DISCLOSURE_VIEW)
def calendar_export(request):
    org = get_unit(request.dbsession, request.identity, request.matchdict["org_id"])
    year = year_param(request)
    cal = stats.unit_calendar(request.dbsession, org, year, clock.today())
    channels = request_labels(request, "disclosure_channel")
    reasons = request_labels(request, "disclosure_failure")
    rows = []
    for item, cells in cal.rows:
        for month in cal.months:
            cell = cells.get(month)
            if cell is not None:
                rows.append(_cell_row(item, cell, channels, reasons))
    for cell in cal.events:
        rows.append(_cell_row(cell.item, cell, channels, reasons))
    wb = new_workbook()
    add_sheet(
        wb,
        f"{year}年公开日历",
        [
            "类别",
            "公开事项",
            "频次",
            "公开期间",
            "应公开日期",
            "状态",
            "公开日期",
            "公开渠道",
            "最近检查",
            "不合格情形",
            "已转整改",
        ],
        rows,
    )
    return workbook_response(wb, f"{org.name}{year}年三务公开日历.xlsx")


def _cell_row(item, cell, channels, reasons):
    check = cell.last_check
    return [
        item.domain_label,
        item.title,
        item.frequency_label,
        cell.period_label,
        cell.due,
        cell.status.label,
        cell.record.published_on if cell.record else None,
        channels.get(cell.record.channel, cell.record.channel) if cell.record else "",
        check.result_label if check else "",
        [reasons.get(r, r) for r in check.reason_codes] if check else "",
        cell.failure.number if cell.failure else "",
    ]


# --- Street / district rates ----------------------------------------------------------------


def _rates_unit(request) -> Org:
    identity = request.identity
    unit = get_visible(
        request.dbsession,
        identity,
        Org,
        request.params.get("unit") or identity.org_id,
        org_attr="id",
    )
    return unit


@view_config(
    route_name="disclosure.rates",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/rates.jinja2",
)
def rates(request):
    unit = _rates_unit(request)
    if unit.level in GRASSROOTS_LEVELS:
        return HTTPFound(request.route_url("disclosure.calendar", org_id=unit.id))
    if unit.level == "city":
        return HTTPFound(request.route_url("disclosure.city", _query={"year": year_param(request)}))
    year = year_param(request)
    page_no, size = page_params(request)
    result = stats.unit_rates(
        request.dbsession,
        request.identity,
        unit,
        year,
        clock.today(),
        limit=size,
        offset=(page_no - 1) * size,
    )
    page = Page(result.units, result.unit_count, page_no, size)
    return {"unit": unit, "r": result, "year": year, "page": page, "month_label": month_label}


def _tally_cells(t):
    return [t.on_time, t.late, t.missing, t.pending, _pct(t.rate)]


def _pct(rate):
    return None if rate is None else round(rate * 100, 1)


@view_config(route_name="disclosure.rates_export", permission=Permission.DISCLOSURE_VIEW)
def rates_export(request):
    unit = _rates_unit(request)
    if unit.level not in ("street", "district"):
        raise NotFound("请选择街道或区。")
    year = year_param(request)
    result = stats.unit_rates_all(request.dbsession, request.identity, unit, year, clock.today())
    wb = new_workbook()
    add_sheet(
        wb,
        "按月",
        ["月份", "按时公开", "逾期公开", "未公开", "待公开", "按时公开率(%)"],
        [[month_label(m), *_tally_cells(result.by_month[m])] for m in result.months],
        totals=["全年", *_tally_cells(result.total)],
    )
    if result.streets:
        add_sheet(
            wb,
            "按街道",
            ["街道", "按时公开", "逾期公开", "未公开", "待公开", "按时公开率(%)"],
            [[name, *_tally_cells(t)] for _sid, name, t in result.streets],
        )
    headers = [
        "村/社区",
        "街道",
        "按时公开",
        "逾期公开",
        "未公开",
        "待公开",
        "全年按时公开率(%)",
        *[f"{month_label(m)}(%)" for m in result.months],
    ]
    rows = [
        [
            name,
            street,
            *_tally_cells(t),
            *[_pct(monthly[m].rate) if m in monthly else None for m in result.months],
        ]
        for _oid, name, street, t, monthly in result.units
    ]
    add_sheet(wb, "村社区（由低到高）", headers, rows)
    return workbook_response(wb, f"{unit.name}{year}年三务公开按时公开率.xlsx")


# --- City overview --------------------------------------------------------------------------


@view_config(
    route_name="disclosure.city",
    permission=Permission.DISCLOSURE_VIEW,
    renderer="whirlwind:disclosure/templates/city.jinja2",
)
def city(request):
    year = year_param(request)
    result = stats.city_rates(request.dbsession, request.identity, year, clock.today())
    return {"r": result, "year": year, "month_label": month_label}


@view_config(route_name="disclosure.city_export", permission=Permission.DISCLOSURE_VIEW)
def city_export(request):
    year = year_param(request)
    result = stats.city_rates(request.dbsession, request.identity, year, clock.today())
    wb = new_workbook()
    headers = [
        "区",
        "按时公开",
        "逾期公开",
        "未公开",
        "待公开",
        "全年按时公开率(%)",
        *[f"{month_label(m)}(%)" for m in result.months],
    ]
    rows = [
        [
            name,
            *_tally_cells(t),
            *[_pct(monthly[m].rate) if m in monthly else None for m in result.months],
        ]
        for _did, name, t, monthly in result.districts
    ]
    add_sheet(
        wb,
        "各区",
        headers,
        rows,
        totals=[
            "合计",
            *_tally_cells(result.total),
            *[_pct(result.by_month[m].rate) for m in result.months],
        ],
    )
    return workbook_response(wb, f"{year}年各区三务公开按时公开率.xlsx")
