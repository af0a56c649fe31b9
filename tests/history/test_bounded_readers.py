"""Every table reader (``whirlwind.tabular``: history, units, assessments) refuses a hostile
file while reading it: a cell at column ZZZZ, a deflate bomb, an .xls naming its last cell,
an .ods repeating a filled cell, a CSV row of too many columns; and reads the formats people
have (.xlsx, .xls, .ods, CSV in UTF-8 and GBK)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from whirlwind import tabular

_HEAD = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
_TAIL = b"</sheetData></worksheet>"


def hand_xlsx(sheet_xml: bytes) -> bytes:
    """A minimal workbook written by hand (no spreadsheet program would write these)."""
    ns = "http://schemas.openxmlformats.org"
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" '
            f'xmlns:r="{ns}/officeDocument/2006/relationships"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{ns}/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return b.getvalue()


def test_a_cell_at_column_zzzz_is_refused_with_its_place():
    rows = b"".join(
        b'<row r="%d"><c r="ZZZZ%d" t="inlineStr"><is><t>x</t></is></c></row>' % (i, i)
        for i in range(1, 101)
    )
    data = hand_xlsx(_HEAD + rows + _TAIL)
    assert len(data) < 10_000
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(data, "h.xlsx")
    assert "第 1 行的 ZZZZ 列有内容" in e.value.message and "100 列" in e.value.message


def test_a_deflate_bomb_is_refused_before_it_is_read_whole():
    rows = b'<row><c t="inlineStr"><is><t>1</t></is></c></row>' * 1_000_000
    data = hand_xlsx(_HEAD + rows + _TAIL)
    assert len(data) < 300_000  # about 50 MB of XML inside
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(data, "h.xlsx", tabular.Limits(max_rows=200_000))
    assert "200000 行" in e.value.message
    # The decompressed-bytes limit holds on its own, whatever the rows.
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(data, "h.xlsx", tabular.Limits(max_rows=10**7, max_bytes=8 * 1024 * 1024))
    assert "解压后超过 8 MB" in e.value.message


def test_an_xls_naming_its_last_cell_is_refused():
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("s")
    sheet.write(0, 0, "编号")
    sheet.write(65535, 255, "x")
    buf = io.BytesIO()
    book.save(buf)
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(buf.getvalue(), "h.xls")
    assert "IV 列" in e.value.message


def ods(rows_xml: str) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            "</manifest:manifest>",
        )
        z.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
            'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
            '<office:body><office:spreadsheet><table:table table:name="S">'
            f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>",
        )
    return b.getvalue()


def _cell(text: str, repeat: int = 1) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{text}</text:p></table:table-cell>'


def test_ods_is_read_and_a_repeated_filled_cell_is_refused():
    # LibreOffice writes the rest of a row and of the sheet as repeated empty cells and rows.
    empty = '<table:table-cell table:number-columns-repeated="16378"/>'
    good = ods(
        f"<table:table-row>{_cell('编号')}{_cell('标题')}{empty}</table:table-row>"
        '<table:table-row><table:table-cell office:value-type="date" office:date-value="2019-03-01">'
        f"<text:p>2019-03-01</text:p></table:table-cell>{_cell('甲')}{empty}</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
        'table:number-columns-repeated="16384"/></table:table-row>'
    )
    assert tabular.read(good, "h.ods").rows == [["编号", "标题"], ["2019-03-01", "甲"]]
    bad = ods(f"<table:table-row>{_cell('x', 5000)}</table:table-row>")
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(bad, "h.ods")
    assert "GJH 列" in e.value.message  # the repeat ends at column 5,000


def test_xls_is_read_with_dates_and_numbers():
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook()
    sheet = book.add_sheet("历史")
    for j, v in enumerate(["编号", "受理日期", "涉及金额"]):
        sheet.write(0, j, v)
    sheet.write(1, 0, "H1")
    sheet.write(1, 1, dt.date(2019, 3, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(1, 2, 30000)
    buf = io.BytesIO()
    book.save(buf)
    assert tabular.read(buf.getvalue(), "h.xls").rows == [
        ["编号", "受理日期", "涉及金额"],
        ["H1", "2019-03-01", "30000"],
    ]


def test_csv_in_gbk_and_utf8_and_its_bounds():
    text = "编号,标题\nH1,星光村\n"
    assert tabular.read(text.encode("gbk"), "h.csv").rows == [["编号", "标题"], ["H1", "星光村"]]
    assert tabular.read(text.encode("utf-8-sig"), "h.csv").rows[1] == ["H1", "星光村"]
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(("a," * 500 + "b\n").encode(), "h.csv")
    assert "第 1 行的 SG 列" in e.value.message
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(("x\n" * 50).encode(), "h.csv", tabular.Limits(max_rows=10))
    assert "10 行" in e.value.message
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(("a," + "长" * 40 + "\n").encode(), "h.csv", tabular.Limits(max_cell_chars=20))
    assert "第 1 行 B 列的内容超过 20 个字符" in e.value.message


def test_the_deadline_stops_reading():
    data = ("编号\n" + "H1\n" * 5000).encode()
    with pytest.raises(tabular.TableRefused) as e:
        tabular.read(data, "h.csv", tabular.Limits(seconds=-1))
    assert "时间限制" in e.value.message


def test_units_and_assessment_imports_use_the_bounded_reader(dbsession, tree, users):
    from whirlwind.orgs.importer import read_table
    from whirlwind.security import Identity
    from whirlwind.targets import services as ts

    zzzz = hand_xlsx(_HEAD + b'<row r="1"><c r="ZZZZ1"><v>1</v></c></row>' + _TAIL)
    with pytest.raises(tabular.TableRefused):
        read_table("units.xlsx", zzzz)
    identity = Identity(users["district"], users["district"].permissions)
    with pytest.raises(tabular.TableRefused) as e:
        ts.import_assessments(dbsession, identity, io.BytesIO(zzzz), 2025, filename="a.xlsx")
    assert "ZZZZ" in e.value.message
