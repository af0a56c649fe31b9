"""Bounded readers of uploaded tables (.xlsx, .xls, .ods through python-calamine; .csv in
UTF-8 or GBK/GB18030), shared by every import (historical records, units, assessments).

A workbook is small on the wire and can be huge once read: a cell at column ``ZZZZ`` makes a
dense reader allocate 475,254 cells per row, a deflate bomb of 147 KB holds 49 MB of XML.
So the limits (``Limits``: rows, columns, cells of the used area, decompressed bytes, the
length of one cell, a deadline) are checked *while* the file is read, before a dense range
exists: a streaming scan of the archive (every member inflated through a byte counter, the
first sheet's cell references read with expat) or of the .xls record stream runs first,
and calamine reads only a file that passed it. A file over a limit is refused with a
Chinese message (``TableRefused``, a 400), in seconds and in bounded memory.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import posixpath
import re
import struct
import time
import zipfile
from xml.parsers import expat

from whirlwind.errors import ValidationFailed

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods")
EXTENSIONS = (*SPREADSHEETS, ".csv")


class TableRefused(ValidationFailed):
    """The file cannot be read, or is over a limit; nothing was imported."""


@dataclasses.dataclass(frozen=True)
class Limits:
    max_rows: int = 200_000
    # Rows allowed on top of ``max_rows`` for the title and header rows above the data.
    header_rows: int = 20
    max_columns: int = 100
    # Cells of the used area (rows × columns), what a dense reader allocates.
    max_cells: int = 4_000_000
    # Bytes of the archive's members once inflated (a deflate bomb), or of a CSV's text.
    max_bytes: int = 300 * 1024 * 1024
    # Characters of one cell (Excel's own limit).
    max_cell_chars: int = 32_767
    # Seconds the reading may take (None: no limit); see ``with_deadline``.
    seconds: float | None = None
    deadline: float | None = None

    def started(self) -> Limits:
        """These limits with the deadline counted from now."""
        if self.seconds is None:
            return self
        return dataclasses.replace(self, deadline=time.monotonic() + self.seconds)

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise TableRefused(
                f"文件处理超过了 {self.seconds:g} 秒的时间限制，已停止。请拆分文件后重试。"
            )


def column_letters(n: int) -> str:
    """1 -> A, 27 -> AA."""
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _too_many_columns(limits: Limits, column: int, row: int | None = None) -> TableRefused:
    where = f"第 {row} 行的 {column_letters(column)} 列" if row else f"{column_letters(column)} 列"
    return TableRefused(
        f"{where}有内容，超过了每行最多 {limits.max_columns} 列的限制；"
        "请删除多余的列（或另存为只含数据的新文件）后重试。"
    )


def _too_many_rows(limits: Limits) -> TableRefused:
    return TableRefused(f"文件超过 {limits.max_rows} 行的限制，请拆分后分批导入。")


def _too_large(limits: Limits) -> TableRefused:
    return TableRefused(
        f"文件解压后超过 {limits.max_bytes // (1024 * 1024)} MB，不是正常的表格文件，已拒绝。"
    )


def _check_area(limits: Limits, rows: int, columns: int) -> None:
    if columns > limits.max_columns:
        raise _too_many_columns(limits, columns)
    if rows > limits.max_rows + limits.header_rows:
        raise _too_many_rows(limits)
    if rows * columns > limits.max_cells:
        raise TableRefused(
            f"表格的数据区域过大（{rows} 行 × {columns} 列），请删除空白区域中的内容后重试。"
        )


# --- Archives (.xlsx, .ods) -------------------------------------------------------------------


class _Counted:
    """Inflate a zip member through a byte counter shared by the whole archive."""

    CHUNK = 1 << 20

    def __init__(self, limits: Limits, budget: list[int]):
        self.limits = limits
        self.budget = budget

    def chunks(self, archive: zipfile.ZipFile, name: str):
        with archive.open(name) as f:
            while True:
                chunk = f.read(self.CHUNK)
                if not chunk:
                    return
                self.budget[0] -= len(chunk)
                if self.budget[0] < 0:
                    raise _too_large(self.limits)
                self.limits.check_time()
                yield chunk


def _parser() -> expat.XMLParserType:
    """An expat parser that refuses DTDs and entity declarations (what defusedxml does)."""
    p = expat.ParserCreate(namespace_separator=" ")

    def refuse(*_args):
        raise TableRefused("文件中含有不允许的 XML 声明，已拒绝。")

    p.StartDoctypeDeclHandler = refuse
    p.EntityDeclHandler = refuse
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return p


class _Stop(Exception):
    pass


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_CELL_REF = re.compile(r"([A-Z]{1,7})([0-9]{1,9})$")


def _letters_to_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _parse_small(archive: zipfile.ZipFile, name: str, counted: _Counted, start) -> None:
    p = _parser()
    p.StartElementHandler = start
    for chunk in counted.chunks(archive, name):
        p.Parse(chunk, False)
    p.Parse(b"", True)


def _first_xlsx_sheet(archive: zipfile.ZipFile, counted: _Counted) -> str:
    """The part name of the workbook's first sheet, as calamine picks it."""
    first: list[str] = []
    targets: dict[str, str] = {}

    def workbook(name, attrs):
        if name == f"{_MAIN} sheet":
            first.append(attrs.get(f"{_REL} id", ""))

    def rels(name, attrs):
        if name == f"{_PKG_REL} Relationship":
            targets[attrs.get("Id", "")] = attrs.get("Target", "")

    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise TableRefused("无法读取该 Excel 文件（缺少工作簿），请确认是 .xlsx 格式。")
    _parse_small(archive, "xl/workbook.xml", counted, workbook)
    if "xl/_rels/workbook.xml.rels" in names:
        _parse_small(archive, "xl/_rels/workbook.xml.rels", counted, rels)
    path = ""
    for rel in first:  # the first worksheet (a chart sheet has no cells)
        target = targets.get(rel, "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath("xl/" + target)
        if path in names and "chartsheet" not in path:
            break
    else:
        path = ""
    if path not in names:
        sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        if not sheets:
            raise TableRefused("无法读取该 Excel 文件（没有工作表），请确认是 .xlsx 格式。")
        path = sheets[0]
    return path


def _scan_xlsx_sheet(archive, path, counted: _Counted, limits: Limits) -> tuple[int, int]:
    """(rows, columns) used by the sheet's cells, refusing as soon as a limit is passed."""
    state = {"row": 0, "col": 0, "max_row": 0, "max_col": 0}
    row_tag, cell_tag = f"{_MAIN} row", f"{_MAIN} c"

    def start(name, attrs):
        if name == cell_tag:
            ref = attrs.get("r")
            if ref:
                m = _CELL_REF.match(ref)
                if m is None:
                    raise TableRefused(f"单元格引用“{ref[:20]}”无效，不是正常的 Excel 文件。")
                col, row = _letters_to_number(m.group(1)), int(m.group(2))
            else:
                col, row = state["col"] + 1, state["row"]
            state["col"] = col
            if col > limits.max_columns:
                raise _too_many_columns(limits, col, row)
            if col > state["max_col"]:
                state["max_col"] = col
            if row > state["max_row"]:
                state["max_row"] = row
                if row > limits.max_rows + limits.header_rows:
                    raise _too_many_rows(limits)
        elif name == row_tag:
            r = attrs.get("r")
            state["row"] = int(r) if r and r.isdigit() else state["row"] + 1
            state["col"] = 0

    p = _parser()
    p.StartElementHandler = start
    for chunk in counted.chunks(archive, path):
        p.Parse(chunk, False)
    p.Parse(b"", True)
    return state["max_row"], state["max_col"]


_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _scan_ods(archive, counted: _Counted, limits: Limits) -> tuple[int, int]:
    """(rows, columns) used by the first table's non-empty cells; repeated rows and cells
    (``number-rows-repeated``, ``number-columns-repeated``) count as many times as they
    repeat when they hold a value, and not at all when empty (LibreOffice writes the rest of
    the sheet as one repeated empty cell)."""
    if "content.xml" not in archive.namelist():
        raise TableRefused("无法读取该 ODS 文件（缺少内容），请确认是 .ods 格式。")
    table, row, cell = f"{_ODS_TABLE} table", f"{_ODS_TABLE} table-row", f"{_ODS_TABLE} table-cell"
    covered = f"{_ODS_TABLE} covered-table-cell"
    rows_rep, cols_rep = (
        f"{_ODS_TABLE} number-rows-repeated",
        f"{_ODS_TABLE} number-columns-repeated",
    )
    value_type = f"{_ODS_OFFICE} value-type"
    text_p = "urn:oasis:names:tc:opendocument:xmlns:text:1.0 p"
    s = {"depth": 0, "row": 0, "row_rep": 1, "col": 0, "max_row": 0, "max_col": 0}
    s.update(cell_rep=1, cell_start=0, filled=False, in_cell=False, row_filled=False)

    def filled_cell():
        last = s["cell_start"] + s["cell_rep"] - 1
        if last > limits.max_columns:
            raise _too_many_columns(limits, last, s["row"])
        s["max_col"] = max(s["max_col"], last)
        s["row_filled"] = True

    def start(name, attrs):
        if name == table:
            s["depth"] += 1
            return
        if s["depth"] != 1:
            return
        if name == row:
            s["row_rep"] = int(attrs.get(rows_rep, "1") or 1)
            s["col"] = 0
            s["row_filled"] = False
        elif name in (cell, covered):
            s["cell_rep"] = int(attrs.get(cols_rep, "1") or 1)
            s["cell_start"] = s["col"] + 1
            s["col"] += s["cell_rep"]
            s["in_cell"] = True
            s["filled"] = value_type in attrs
            if s["filled"]:
                filled_cell()
        elif name == text_p and s["in_cell"] and not s["filled"]:
            s["filled"] = True
            filled_cell()

    def end(name):
        if name == table:
            s["depth"] -= 1
            if s["depth"] == 0:
                raise _Stop
            return
        if s["depth"] != 1:
            return
        if name in (cell, covered):
            s["in_cell"] = False
        elif name == row:
            s["row"] += s["row_rep"]
            if s["row_filled"]:
                s["max_row"] = s["row"]
                if s["max_row"] > limits.max_rows + limits.header_rows:
                    raise _too_many_rows(limits)

    p = _parser()
    p.StartElementHandler = start
    p.EndElementHandler = end
    try:
        for chunk in counted.chunks(archive, "content.xml"):
            p.Parse(chunk, False)
        p.Parse(b"", True)
    except _Stop:
        pass
    return s["max_row"], s["max_col"]


def _scan_archive(data: bytes, name: str, limits: Limits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        kind = "ODS" if name.endswith(".ods") else "Excel"
        raise TableRefused(f"无法读取该 {kind} 文件，请确认文件完好且格式正确。") from None
    budget = [limits.max_bytes]
    counted = _Counted(limits, budget)
    try:
        with archive:
            if name.endswith(".ods"):
                rows, columns = _scan_ods(archive, counted, limits)
            else:
                sheet = _first_xlsx_sheet(archive, counted)
                rows, columns = _scan_xlsx_sheet(archive, sheet, counted, limits)
            # Every other member is inflated through the same counter (shared strings,
            # styles …): a bomb anywhere in the archive is refused.
            for info in archive.infolist():
                if info.filename not in ("content.xml",) and not info.is_dir():
                    if info.file_size > budget[0]:
                        raise _too_large(limits)
                    for _chunk in counted.chunks(archive, info.filename):
                        pass
    except (zipfile.BadZipFile, EOFError, expat.ExpatError, OSError, NotImplementedError):
        raise TableRefused("无法读取该文件：文件已损坏或不是表格文件。") from None
    _check_area(limits, rows, columns)


# --- Excel 97–2003 (.xls) ---------------------------------------------------------------------

# BIFF8 cell records: (row, column) are the record's first two 16-bit fields.
_XLS_CELLS = {0x0203, 0x0204, 0x0205, 0x0006, 0x027E, 0x00FD, 0x00D6}
_XLS_MULTI = {0x00BD}  # MULRK: row, first column, …, last column (last 16 bits)
_XLS_BOF, _XLS_EOF = 0x0809, 0x000A


def _scan_xls(data: bytes, limits: Limits) -> None:
    """The used area of the first worksheet, from its cell records (an .xls file of a few
    KB can name a cell at row 65,536 and column 256, which a dense reader allocates)."""
    import olefile

    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:  # olefile raises several kinds for a file that is not a CFB file
        raise TableRefused("无法读取该 Excel 97–2003（.xls）文件，请确认文件完好。") from None
    try:
        stream = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
        if stream is None:
            raise TableRefused("该 .xls 文件中没有工作簿。")
        size = ole.get_size(stream)
        if size > limits.max_bytes:
            raise _too_large(limits)
        book = ole.openstream(stream).read()
    finally:
        ole.close()
    pos, depth, sheet, done = 0, 0, 0, False
    max_row = max_col = 0
    n = len(book)
    records = 0
    while pos + 4 <= n and not done:
        kind, length = struct.unpack_from("<HH", book, pos)
        body = pos + 4
        pos = body + length
        records += 1
        if records % 65536 == 0:
            limits.check_time()
        if kind == _XLS_BOF:
            depth += 1
            if depth == 1 and length >= 4:
                sub = struct.unpack_from("<H", book, body + 2)[0]
                if sub == 0x0010:  # a worksheet substream
                    sheet += 1
            continue
        if kind == _XLS_EOF:
            if depth == 1 and sheet == 1:
                done = True
            depth = max(0, depth - 1)
            continue
        if sheet != 1 or length < 4:
            continue
        if kind in _XLS_CELLS:
            row, col = struct.unpack_from("<HH", book, body)
            last = col
        elif kind in _XLS_MULTI and length >= 6:
            row, col = struct.unpack_from("<HH", book, body)
            last = struct.unpack_from("<H", book, body + length - 2)[0]
        else:
            continue
        if last + 1 > limits.max_columns:
            raise _too_many_columns(limits, last + 1, row + 1)
        max_col = max(max_col, last + 1)
        if row + 1 > max_row:
            max_row = row + 1
            if max_row > limits.max_rows + limits.header_rows:
                raise _too_many_rows(limits)
    _check_area(limits, max_row, max_col)


# --- Reading -----------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value).strip()


@dataclasses.dataclass
class Table:
    """The first sheet's rows (cells as stripped strings; dates as YYYY-MM-DD) and its merged
    ranges as ((first row, first column), (last row, last column)), zero-based."""

    rows: list[list[str]]
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = dataclasses.field(default_factory=list)


def _check_cell(limits: Limits, text: str, row: int, col: int) -> None:
    if len(text) > limits.max_cell_chars:
        raise TableRefused(
            f"第 {row} 行 {column_letters(col)} 列的内容超过 {limits.max_cell_chars} 个字符。"
        )


def read(data: bytes, filename: str, limits: Limits | None = None) -> Table:
    """The first sheet of a workbook (.xlsx, .xls, .ods) or a CSV file, within ``limits``."""
    limits = (limits or Limits()).started()
    name = (filename or "").lower()
    if name.endswith(".csv"):
        return Table(read_csv(data, limits))
    if not name.endswith(SPREADSHEETS):
        raise TableRefused("只支持 .xlsx、.xls、.ods 或 .csv 文件。")
    if len(data) > limits.max_bytes:
        raise _too_large(limits)
    if name.endswith(".xls"):
        _scan_xls(data, limits)
    else:
        _scan_archive(data, name, limits)
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        index = next(
            (
                i
                for i, meta in enumerate(workbook.sheets_metadata)
                if meta.typ == python_calamine.SheetTypeEnum.WorkSheet
            ),
            0,
        )
        sheet = workbook.get_sheet_by_index(index)
        raw_rows = sheet.iter_rows()
        merged = list(sheet.merged_cell_ranges or [])
    except python_calamine.PasswordError:
        raise TableRefused("文件设有密码保护，请去掉密码后重试。") from None
    except Exception:  # calamine raises several kinds for a broken file
        raise TableRefused("无法读取该文件：文件已损坏或格式不对。") from None
    if sheet.width > limits.max_columns:
        raise _too_many_columns(limits, sheet.width)
    _check_area(limits, sheet.height, sheet.width)
    # calamine starts at the first used cell: rows and columns before it are added back, so
    # that row numbers and column letters are the spreadsheet's.
    first_row, first_col = sheet.start or (0, 0)
    _check_area(limits, first_row + sheet.height, first_col + sheet.width)
    rows: list[list[str]] = [[] for _ in range(first_row)]
    pad = [""] * first_col
    try:
        for i, raw in enumerate(raw_rows, start=first_row + 1):
            if i % 2000 == 0:
                limits.check_time()
            row = pad + [_text(v) for v in raw]
            for j, v in enumerate(row, start=1):
                if len(v) > limits.max_cell_chars:
                    _check_cell(limits, v, i, j)
            rows.append(row)
    except TableRefused:
        raise
    except Exception:  # a value calamine cannot convert
        raise TableRefused("无法读取该文件：文件已损坏或格式不对。") from None
    finally:
        workbook.close()
    return Table(rows, merged)


def decode_csv(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableRefused("无法识别 CSV 文件的编码（请用 UTF-8 或 GBK/GB18030）。")


def read_csv(data: bytes, limits: Limits | None = None) -> list[list[str]]:
    """Rows of a CSV file (UTF-8, with or without BOM, or GBK/GB18030), within ``limits``."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise _too_large(limits)
    text = decode_csv(data)
    rows = []
    reader = csv.reader(io.StringIO(text))
    try:
        for i, raw in enumerate(reader, start=1):
            if len(raw) > limits.max_columns and any(c.strip() for c in raw[limits.max_columns :]):
                last = max(j for j, c in enumerate(raw, start=1) if c.strip())
                raise _too_many_columns(limits, last, i)
            row = [c.strip() for c in raw[: limits.max_columns]]
            for j, v in enumerate(row, start=1):
                if len(v) > limits.max_cell_chars:
                    _check_cell(limits, v, i, j)
            rows.append(row)
            if i > limits.max_rows + limits.header_rows:
                raise _too_many_rows(limits)
            if i % 2000 == 0:
                limits.check_time()
    except csv.Error:
        raise TableRefused("CSV 文件格式有误（引号未闭合或字段过长）。") from None
    return rows
