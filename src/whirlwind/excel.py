"""Excel workbooks (openpyxl) for ledgers and reports: formatted headers, one sheet per
section, frozen header row, sensible column widths."""

from __future__ import annotations

import datetime as dt
import decimal
import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from pyramid.response import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="B3261E")
HEADER_FONT = Font(bold=True, color="FFFFFF")
MONEY_FORMAT = "#,##0.00"


def _cell_value(value):
    if isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, (set, frozenset, list, tuple)):
        return "、".join(str(v) for v in value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        # Never let user text become a formula (CSV/Excel injection).
        return "'" + value
    return value


def add_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    totals: Sequence | None = None,
):
    ws = wb.create_sheet(title=title[:31])
    ws.append(list(headers))
    for cell in ws[1]:
        cell.fill = HEADER_FILL
        cell.font = HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    widths = [max(6, len(str(h)) * 2 + 2) for h in headers]
    for row in rows:
        values = [_cell_value(v) for v in row]
        ws.append(values)
        for i, v in enumerate(values):
            if isinstance(v, decimal.Decimal):
                ws.cell(row=ws.max_row, column=i + 1).number_format = MONEY_FORMAT
            if v is not None and i < len(widths):
                widths[i] = min(60, max(widths[i], len(str(v)) * 2 if isinstance(v, str) else 12))
    if totals is not None:
        ws.append([_cell_value(v) for v in totals])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            if isinstance(cell.value, decimal.Decimal):
                cell.number_format = MONEY_FORMAT
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    return ws


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def workbook_response(wb: Workbook, filename: str) -> Response:
    buf = io.BytesIO()
    wb.save(buf)
    response = Response(body=buf.getvalue(), content_type=XLSX)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
