"""Journey: a district inspector imports historical clues and cases from an Excel file (with
the Chinese headers of the import), watches the progress, and finds a case by a phrase of
its text, highlighted; a stored <script> in a case title stays text everywhere."""

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHRASE = "截留鱼塘清淤补助款"
SCRIPT = "<script>window.__pwned=1</script>"
HEADERS = [
    "编号",
    "标题",
    "简要案情",
    "被反映人",
    "职务",
    "所在单位",
    "问题类别",
    "线索来源",
    "涉及金额",
    "受理日期",
    "立案日期",
    "结案日期",
    "办理阶段",
    "处理结果",
]
ROWS = [
    [
        "LS-2019-031",
        f"大潭村原会计截留补助款案{SCRIPT}",
        f"经查，2018年至2019年，大潭村原会计徐某某利用职务便利，{PHRASE}共计4.2万元，用于个人消费。",
        "徐某某",
        "村会计",
        "大潭村",
        "廉洁纪律",
        "信访举报",
        "42000",
        "2019-03-12",
        "2019-05-20",
        "2019-11-08",
        "结案归档",
        "党内严重警告，收缴违纪款4.2万元",
    ],
    [
        "LS-2020-007",
        "蔡店村书记优亲厚友问题",
        "反映蔡店村党支部书记在危房改造中优亲厚友，将鱼塘清理工程交由亲属承接，补助款发放不公开。",
        "陈某",
        "村党支部书记",
        "蔡店村",
        "群众纪律",
        "村(居)务监督委员会反映",
        "15000",
        "2020-06-02",
        "",
        "2020-09-30",
        "",
        "谈话提醒",
    ],
    [
        "LS-2021-112",
        "祁家湾村小微工程未招标",
        "祁家湾村村委会将村级道路硬化工程拆分发包，规避招标。",
        "刘某、王某",
        "村委会主任",
        "祁家湾村",
        "工作纪律",
        "监督检查发现",
        "80000",
        "2021-04-15",
        "",
        "",
        "",
        "",
    ],
]


def make_file(path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in ROWS:
        ws.append(row)
    wb.save(path)
    return path


def upload_and_run(journey, page, path) -> str:
    """Upload the file on the import page, wait for the progress to finish, return status."""
    page.goto("/search/import")
    page.set_input_files("#import-form input[type=file]", str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="校验并导入").click()
    expect(page.locator("#import-status")).to_contain_text("导入完成")
    return page.locator("#import-status").inner_text()


def test_import_history_and_find_by_phrase(journey, live_server, tmp_path):
    path = make_file(tmp_path / "黄陂区历史案件.xlsx")
    page = journey.new_page()
    journey.login(page, "huangpi_inspector")

    page.goto("/search/import")
    for header in HEADERS:
        assert header in page.locator("main").inner_text()
    journey.shot(page, "import")
    status = upload_and_run(journey, page, path)
    assert "已处理 3 / 3 行" in status and "新建 3 条" in status, status
    journey.shot(page, "import-done")

    # The same file again creates nothing new.
    status = upload_and_run(journey, page, path)
    assert "新建 0 条" in status and "跳过 3 条" in status, status

    # The indexer applies the import's outbox rows.
    live_server.index()

    page.goto("/search")
    page.get_by_label("检索词").fill(f'"{PHRASE}"')
    with page.expect_navigation():
        page.get_by_role("button", name="检索", exact=True).click()
    # The imported row is a clue and its case: both are found, the phrase highlighted.
    hits = page.locator(".search-hit")
    assert hits.count() == 2, page.locator("main").inner_text()
    assert sorted(hits.locator(".badge").all_inner_texts()) == ["案件", "问题线索"]
    for hit in hits.all():
        marks = hit.locator(".search-snippet mark").all_inner_texts()
        assert marks, hit.inner_html()
        assert PHRASE in "".join(marks), marks
        assert all(m in PHRASE for m in marks), marks
        # The title with a <script> is shown as text in the result.
        assert SCRIPT in hit.inner_text()
    journey.assert_script_shown_as_text(page, SCRIPT)
    # Precision: the second row has the phrase's words apart and is not found.
    assert "蔡店村书记" not in page.locator("main").inner_text()
    journey.shot(page, "search-phrase")

    # Narrowed to cases in the advanced search: one hit.
    if not page.locator("#search-form details").evaluate("d => d.open"):
        page.locator("#search-form summary").click()
    page.locator("#search-form select[name=type]").select_option(label="案件")
    with page.expect_navigation():
        page.get_by_role("button", name="检索", exact=True).click()
    assert page.locator(".search-hit").count() == 1
    hit = page.locator(".search-hit").first
    assert hit.locator(".badge").inner_text() == "案件"
    assert PHRASE in "".join(hit.locator(".search-snippet mark").all_inner_texts())

    # The case page shows the imported case, its title as text.
    with page.expect_navigation():
        hit.get_by_role("link").first.click()
    assert "大潭村原会计截留补助款案" in page.locator("h1").inner_text()
    journey.assert_script_shown_as_text(page, SCRIPT)
    journey.shot(page, "case")
    journey.assert_csp_blocks_inline_script(page)
