"""Journey: a supervision committee member of 大潭村 records a 三务公开 check in their own
village, sees it on the village's calendar, and cannot open another village's pages."""

import pytest

from whirlwind import clock

pytestmark = pytest.mark.browser

NOT_FOUND = "不在您的管辖范围内"


def test_committee_member_checks_own_village_only(journey, live_server):
    page = journey.new_page()
    journey.login(page, "datan_committee")
    assert "大潭村" in page.locator("#user-menu").inner_text()

    # 三务公开 in the top navigation opens the member's own village calendar.
    with page.expect_navigation():
        page.locator("nav").get_by_role("link", name="三务公开").click()
    own_calendar = page.url
    assert page.locator("h1").inner_text().startswith("大潭村")
    journey.shot(page, "calendar")

    # Check one publication that is due (the first cell offering a check).
    cell = page.locator("#calendar td.dc-cell", has=page.get_by_role("link", name="检查")).first
    period = cell.get_attribute("data-period")
    item_code = cell.get_attribute("data-item")
    with page.expect_navigation():
        cell.get_by_role("link", name="检查", exact=True).click()
    page.wait_for_selector("form#check")
    page.get_by_label("检查日期").fill(clock.today().isoformat())
    page.get_by_label("检查结论").select_option(label="不合格")
    page.get_by_label("不及时").check()
    page.get_by_label("不完整").check()
    page.get_by_label("检查意见").fill("公开栏未张贴本期财务收支明细，群众反映看不到。")
    journey.shot(page, "check-form")
    with page.expect_navigation():
        page.get_by_role("button", name="保存检查结果").click()
    assert "不合格" in page.locator(".alert-warning").first.inner_text()
    journey.shot(page, "after-check")

    # The calendar shows the failed check in that cell, and the check page its details.
    page.goto(own_calendar)
    cell = page.locator(f'#calendar td[data-period="{period}"][data-item="{item_code}"]')
    with page.expect_navigation():
        cell.get_by_role("link", name="检查不合格").click()
    details = page.locator("#check").inner_text()
    assert "何德福" in details and "不及时" in details and "不完整" in details
    assert "公开栏未张贴本期财务收支明细" in details
    journey.shot(page, "check")
    journey.assert_csp_blocks_inline_script(page)

    # Another village of the same street, and a community in another district: 404.
    for code in ("420116001001", "420102001001"):
        other = live_server.org_id(code)
        with journey.expect_console_error("status of 404"):
            response = page.goto(f"/disclosure/units/{other}/calendar")
        assert response.status == 404
        assert NOT_FOUND in page.locator("main").inner_text()
        assert "祁家湾村" not in page.content() and "三阳社区" not in page.content()
    journey.shot(page, "other-village-404")
