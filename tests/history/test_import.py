"""Historical import: validation by row and column, all-or-nothing, valid-only, no
duplicates on re-import, units resolved inside the importer's jurisdiction."""

from __future__ import annotations

import io

import openpyxl
from sqlalchemy import func, select

from tests.conftest import csrf_token
from whirlwind.cases.models import Case, Clue

HEAD = "编号,标题,简要案情,被反映人,职务,所在单位,问题类别,线索来源,涉及金额,受理日期,立案日期,结案日期,办理阶段,处理结果"


def csv_bytes(*rows) -> bytes:
    return ("\n".join([HEAD, *rows]) + "\n").encode("utf-8")


GOOD = [
    "H2019-001,大潭村会计张伟华截留扶贫资金,截留扶贫资金三万元,张伟华,会计,大潭村,截留挪用,信访举报,30000,2019-03-01,2019-05-01,2019-10-01,,给予党内警告处分",
    "H2019-002,星光村主任李强优亲厚友,低保评定优亲厚友,李强、王芳,村委会主任,星光村,优亲厚友,上级交办,,2019-04-02,,,,",
]


def upload(app, data: bytes, name="history.csv", valid_only=False, status=None):
    fields = [("csrf_token", csrf_token(app))]
    if valid_only:
        fields.append(("valid_only", "1"))
    return app.post("/search/import", fields, upload_files=[("file", name, data)], status=status)


def run_job(app, res):
    job_url = res.location
    page = app.get(job_url)
    assert "导入进度" in page.text and "import-progress" in page.text
    token = csrf_token(app)
    while True:
        out = app.post(job_url + "/run", headers={"X-CSRF-Token": token}).json
        if out["finished"]:
            return out


def count(dbsession, model, prefix="H2019"):
    return dbsession.scalar(select(func.count(model.id)).where(model.number.like(prefix + "%")))


def test_import_creates_clues_and_cases_once(as_user, dbsession, tree):
    app = as_user("street")
    res = upload(app, csv_bytes(*GOOD), status=302)
    out = run_job(app, res)
    assert out == {"done": 2, "total": 2, "created": 2, "skipped": 0, "finished": True}
    clues = list(
        dbsession.scalars(select(Clue).where(Clue.number.like("H2019%")).order_by(Clue.number))
    )
    assert [c.org_id for c in clues] == [tree["V1"].id, tree["V2"].id]
    assert all(c.is_historical for c in clues)
    assert dbsession.scalar(select(func.count(Case.id)).where(Case.is_historical.is_(True))) == 1
    # The same file again: nothing new.
    out = run_job(app, upload(app, csv_bytes(*GOOD), status=302))
    assert out["created"] == 0 and out["skipped"] == 2
    assert count(dbsession, Clue) == 2


def test_errors_are_listed_by_row_and_column_and_nothing_is_written(as_user, dbsession):
    app = as_user("street")
    bad = [
        GOOD[0],
        "H2019-003,,案情,张三,,大潭村,不存在的类别,信访举报,-5,2019-02-30,,,,",
        "H2019-004,标题,案情,张三,,三阳社区,,信访举报,,2019-01-01,,,,",  # another district's unit
    ]
    res = upload(app, csv_bytes(*bad), status=400)
    table = res.html.find(id="import-errors").text
    assert "标题" in table and "必填" in table
    assert "未知的问题类别“不存在的类别”" in table
    assert "涉及金额" in table and "日期无效" in table
    assert "在您的管辖范围内找不到单位“三阳社区”" in table
    assert "未导入任何数据" in res.text
    assert count(dbsession, Clue) == 0
    # With the explicit flag, only the valid row goes in.
    out = run_job(app, upload(app, csv_bytes(*bad), valid_only=True, status=302))
    assert out["created"] == 1
    assert count(dbsession, Clue) == 1


def test_unknown_or_missing_headers(as_user, dbsession):
    app = as_user("street")
    data = "编号,标题,备注\nH1,t,x\n".encode()
    res = upload(app, data, status=400)
    assert "未知的列名“备注”" in res.text
    assert "缺少必填列“所在单位”" in res.text


def test_xlsx_upload(as_user, dbsession):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD.split(","))
    ws.append(GOOD[1].split(","))
    buf = io.BytesIO()
    wb.save(buf)
    app = as_user("street")
    out = run_job(app, upload(app, buf.getvalue(), name="history.xlsx", status=302))
    assert out["created"] == 1


def test_import_needs_permission_and_own_job(as_user, users):
    app = as_user("committee")
    app.get("/search/import", status=403)
    app = as_user("street")
    res = upload(app, csv_bytes(GOOD[1]), status=302)
    other = as_user("street_b")
    other.get(res.location, status=404)


def test_a_name_written_twice_in_a_row_is_one_person(as_user, dbsession, tree):
    from whirlwind.cases.models import ClueReportedPerson

    app = as_user("street")
    row = "H2019-009,大潭村报账员赵敏虚报冒领,虚报冒领补贴,赵敏、赵敏,报账员,大潭村,,信访举报,,2019-03-01,,,,"
    out = run_job(app, upload(app, csv_bytes(row)))
    assert out["finished"] and out.get("error") in (None, "")
    clue = dbsession.scalar(select(Clue).where(Clue.number == "H2019-009"))
    names = dbsession.scalars(
        select(ClueReportedPerson.name).where(ClueReportedPerson.clue_id == clue.id)
    ).all()
    assert names == ["赵敏"]


def workbooks() -> dict[str, bytes]:
    """Workbooks of every kind of cell: inline strings and rich text, numbers, booleans,
    dates in built-in and custom formats, durations, formulas without a cached value, gaps
    between rows and cells, a chart sheet first, the 1904 date system, and a sheet written
    by hand as other programs write them (shared strings with rich runs and phonetic
    text, no cell references, error, ISO-date and formula-text cells, rows out of order)."""
    import datetime as dt
    import zipfile

    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont
    from openpyxl.chart import BarChart
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    def save(wb) -> bytes:
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    books = {}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEAD.split(","))
    ws.append(["H1", "标题", 'a "quoted"\n<tag> & x005F_x', 3, 2.5, 1.0, True, False, None, "末"])
    ws.append([dt.datetime(2019, 3, 1, 8, 30), dt.date(2019, 5, 1), dt.time(7, 5), 0.5])
    ws["B4"] = dt.date(2020, 1, 2)
    ws["B4"].number_format = 'yyyy"年"m"月"d"日"'
    ws["C4"] = dt.timedelta(hours=30)
    ws["C4"].number_format = "[h]:mm:ss"
    ws["D4"] = 0.25
    ws["D4"].number_format = "0%"
    ws["E4"] = "=1+1"
    ws["G6"] = "gap"  # rows 5 and 7 left out, cells A–F of row 6 too
    ws["A8"] = CellRichText(["富", TextBlock(InlineFont(b=True), "文本"), "串"])
    ws["A9"] = 12345678901234
    ws["B9"] = -1e-7
    books["cells of every kind"] = save(wb)

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    chart = wb.create_chartsheet("图表", 0)
    chart.add_chart(BarChart())
    wb.worksheets[0].append([dt.date(2019, 3, 1), "1904"])
    books["1904 and a chart sheet first"] = save(wb)

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("历史数据")
    ws.append(HEAD.split(","))
    ws.append(GOOD[0].split(","))
    ws.append([])
    ws.append([None, None, "C"])
    books["inline strings"] = save(wb)

    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>"
        '<row><c t="inlineStr"><is><t>无引用</t></is></c><c t="e"><v>#N/A</v></c>'
        '<c t="d"><v>2019-03-01T00:00:00</v></c><c t="str"><v>公式文本</v></c></row>'
        '<row r="4"><c r="C4" t="b"><v>1</v></c><c><v>7</v></c><c t="inlineStr"/></row>'
        '<row r="3"><c r="A3"><v>3</v></c></row>'
        '<row r="5"/>'
        '<row r="6"><c r="B6" t="s"><v>0</v></c><c r="C6" t="s"><v>1</v></c>'
        '<c r="D6" t="s"><v>2</v></c></row>'
        "</sheetData></worksheet>"
    )
    strings = (
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<si><t>共享</t></si>"
        '<si><r><t>富</t></r><r><rPr><b/></rPr><t>文本</t></r><rPh sb="0" eb="1"><t>ふ</t></rPh></si>'
        "<si><t>a_x005F_x000D_b</t></si></sst>"
    )
    shared_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    source = zipfile.ZipFile(io.BytesIO(books["cells of every kind"]))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif item.filename == "[Content_Types].xml":
                override = (
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{shared_type}"/>'
                )
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            target.writestr(item, data)
        target.writestr("xl/sharedStrings.xml", strings)
    books["written by hand"] = buf.getvalue()
    return books


def _openpyxl_rows(data: bytes) -> list[list[str]]:
    from whirlwind import tabular

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    ws = wb.worksheets[0]
    ws.reset_dimensions()
    rows = [[tabular._text(v) for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    width = max((len(r) for r in rows), default=0)
    return [r + [""] * (width - len(r)) for r in rows]


def test_xlsx_cells_are_read_as_openpyxl_reads_them():
    from whirlwind import tabular
    from whirlwind.history import importer

    books = workbooks()
    hand = tabular.read(books.pop("written by hand"), "h.xlsx").rows
    # Rows in any order, an error cell read as empty, shared rich text.
    assert hand[:4] == [
        ["无引用", "", "2019-03-01", "公式文本"],
        ["", "", "", ""],
        ["3", "", "", ""],
        ["", "", "是", "7"],
    ]
    assert hand[5][1:] == ["共享", "富文本", "a_x000D_b"]  # _x005F_ escapes the underscore
    for name, data in books.items():
        rows = tabular.read(data, "h.xlsx").rows
        expected = _openpyxl_rows(data)
        # calamine starts at the first used row and column; openpyxl at A1.
        while expected and not any(expected[0]) and len(expected) > len(rows):
            expected.pop(0)
        assert [r[: len(e)] for r, e in zip(rows, expected, strict=True)] == [
            e[: len(r)] for r, e in zip(rows, expected, strict=True)
        ], name
        assert any(any(r) for r in rows), name
    assert importer.read_table(workbooks()["cells of every kind"], "h.xlsx")[1][:5] == [
        "H1",
        "标题",
        'a "quoted"\n<tag> & x005F_x',
        "3",
        "2.5",
    ]


def test_a_file_that_is_not_a_workbook_is_refused(as_user, dbsession):
    app = as_user("street")
    res = upload(app, b"PK\x03\x04 not really a zip", name="history.xlsx", status=400)
    assert "无法读取该 Excel 文件" in res.text
