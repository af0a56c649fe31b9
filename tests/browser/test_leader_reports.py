"""Journey: a city leader opens the dashboard, reads the 月研判 (monthly analysis) report and
exports it to Excel; the workbook holds the same report, unit, period and rows."""

import re

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser


def test_leader_dashboard_and_excel_report(journey, tmp_path):
    page = journey.new_page()
    journey.login(page, "city_leader")

    # The leader lands on the dashboard of the whole city.
    assert page.url.endswith("/reports")
    assert page.locator("h1").inner_text().startswith("统计报表 · 武汉市")
    figures = page.locator(".ww-figure")
    assert figures.count() >= 3
    assert page.locator(".ww-figure svg").count() >= 1
    journey.shot(page, "dashboard")
    journey.assert_csp_blocks_inline_script(page)

    # A bar of a chart leads to the records behind it.
    bar = page.locator(".ww-figure svg a").first
    target = bar.get_attribute("href")
    with page.expect_navigation() as nav:
        bar.click()
    assert nav.value.status == 200 and page.url.endswith(target), page.url
    page.go_back()

    # The monthly analysis of the current month.
    with page.expect_navigation():
        page.locator(".nav-pills").get_by_role("link", name="月研判").click()
    heading = page.locator("h1").inner_text()
    assert heading.startswith("月研判 · 武汉市")
    period_label = page.locator("#f-period option:checked").inner_text().strip()
    assert period_label in heading
    sections = page.locator("section.ww-report-section")
    assert sections.count() >= 3
    journey.shot(page, "monthly")

    # Export: the workbook has the report's info sheet and one sheet per section.
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    wb = load_workbook(path)
    meta = {row[0]: row[1] for row in wb["报告信息"].iter_rows(values_only=True)}
    assert meta["单位"] == "武汉市"
    assert meta["报告期"] == period_label
    assert meta["报告"] in heading

    compared = counts = 0
    for i in range(sections.count()):
        section = sections.nth(i)
        title = section.locator("h2").inner_text().split(". ", 1)[1]
        ws = wb[title[:28]]
        header = [c.inner_text().strip() for c in section.locator("thead th").all()]
        assert [c for c in next(ws.iter_rows(values_only=True))] == header, title
        body_rows = section.locator("tbody tr").all()
        if body_rows and section.locator("tbody td.text-muted", has_text="暂无数据").count():
            continue
        page_rows = [[c.strip() for c in r.locator("td").all_inner_texts()] for r in body_rows]
        sheet_rows = list(ws.iter_rows(min_row=2, max_row=1 + len(body_rows), values_only=True))
        assert [str(r[0]) for r in sheet_rows] == [r[0] for r in page_rows], title
        # Counts shown on the page are the numbers in the workbook.
        for page_row, sheet_row in zip(page_rows, sheet_rows, strict=True):
            for text, value in zip(page_row[1:], sheet_row[1:], strict=False):
                if re.fullmatch(r"[+-]?\d+", text):
                    assert value == int(text), (title, page_row, sheet_row)
                    counts += 1
        compared += 1
    assert compared >= 2 and counts >= 10, (compared, counts)
