"""Journey: a street inspector records a 四资一项目 finding in 大潭村, turns it into
rectification items with a responsibility package (including a city leader), reports
progress with an evidence photo and applies for clearing; the street, the district and the
city sign it off one after another until the item is cleared (已销号)."""

import datetime as dt
import re

import pytest

from tests.browser.conftest import make_png
from whirlwind import clock

pytestmark = pytest.mark.browser

MARKER = "<script>window.__pwned=1</script>"


def select_option_containing(page, name: str, text: str) -> None:
    """Choose the option of ``select[name=…]`` whose label contains ``text``."""
    option = page.locator(f"select[name={name}] option", has_text=text).first
    page.select_option(f"select[name={name}]", value=option.get_attribute("value"))


def submit(page, button_name: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name=button_name).click()


def flash(page) -> str:
    return page.locator(".alert-success").first.inner_text()


def test_audit_finding_cleared_through_three_levels(journey, tmp_path):
    today = clock.today()
    street = journey.new_page()
    journey.login(street, "qijiawan_inspector")

    # The audit list, then a new audit of 大潭村.
    street.goto("/audits")
    journey.shot(street, "audits")
    street.get_by_role("link", name="登记检查").click()
    street.wait_for_selector("form#audit")
    select_option_containing(street, "org_id", "大潭村")
    street.get_by_label("所查期间（起）").fill(f"{today.year - 1}-01-01")
    street.get_by_label("所查期间（止）").fill(f"{today.year - 1}-12-31")
    street.get_by_label("检查日期").fill(today.isoformat())
    select_option_containing(street, "body", "经管站")
    street.get_by_label("检查人员").fill("黄磊、刘芳")
    street.get_by_label("资金", exact=True).check()
    street.get_by_label("项目", exact=True).check()
    street.get_by_label("检查情况概述").fill("抽查2025年度村级财务凭证和小微工程项目。")
    journey.shot(street, "audit-form")
    submit(street, "保存")
    assert "已登记检查" in flash(street)
    assert "大潭村" in street.locator("h1").inner_text()
    journey.shot(street, "audit")

    # A finding: income from a fish pond lease not booked.
    street.get_by_role("link", name="登记发现问题").click()
    street.wait_for_selector("form#finding")
    select_option_containing(street, "asset_type", "资金")
    select_option_containing(street, "irregularity", "收入不入账")
    street.get_by_label("问题描述").fill(
        f"大潭村鱼塘承包费3.6万元未入村集体账，由村会计个人保管。{MARKER}"
    )
    street.get_by_label("台账对象名称").fill("大潭村鱼塘承包合同")
    street.get_by_label("台账对象编号").fill("DT-2024-007")
    street.get_by_label("涉及金额（元）").fill("36000.00")
    submit(street, "保存")
    assert "已登记发现问题" in flash(street)
    # The stored <script> in the description is shown as text and does not run.
    journey.assert_script_shown_as_text(street, MARKER)
    assert street.locator("#amount-involved").inner_text() == "¥36,000.00"
    journey.shot(street, "finding")
    finding_url = street.url

    # First item, creating the responsibility package with a city leader.
    street.get_by_role("link", name="生成整改事项").first.click()
    street.wait_for_selector("form#items")
    street.get_by_label("整改问题").fill("追缴鱼塘承包费3.6万元并入村集体账")
    street.get_by_label("整改措施").fill("责令村会计限期上交，村监委会监督入账并公示。")
    street.get_by_label("整改责任人").fill("大潭村党支部书记 张德明")
    street.get_by_label("整改期限").fill((today + dt.timedelta(days=30)).isoformat())
    street.get_by_label("街道包保领导", exact=True).fill("黄磊")
    street.get_by_label("区级包保领导", exact=True).fill("陈志强")
    street.get_by_label("市级包保领导（如有，需市级审核销号）").fill("王建国")
    journey.shot(street, "items-form")
    submit(street, "生成整改事项")
    assert "已生成整改事项" in flash(street)

    # Second item: the package exists, so the form no longer asks for it.
    street.get_by_role("link", name="生成整改事项").first.click()
    street.wait_for_selector("form#items")
    assert street.get_by_label("街道包保领导", exact=True).count() == 0
    street.get_by_label("整改问题").fill("建立鱼塘等资源发包收入台账，按季公开")
    street.get_by_label("整改期限").fill((today + dt.timedelta(days=60)).isoformat())
    submit(street, "生成整改事项")
    items = street.locator("#items tbody tr")
    assert items.count() == 2
    package = street.locator("#items").inner_text()
    assert "市级 王建国" in package and "区级 陈志强" in package
    journey.shot(street, "finding-with-items")

    # Work on the first item: start, report progress with a photo, apply for clearing.
    street.locator("#items tbody tr", has_text="追缴鱼塘承包费").get_by_role("link").click()
    street.wait_for_selector("#status")
    item_url = street.url
    assert "市级审核" in street.locator("dl").inner_text()
    submit(street, "开始整改")
    assert "整改中" in street.locator("#status").inner_text()
    street.locator("#note").fill("村会计已上交承包费36000元，已入账，见收款凭证照片。")
    street.locator("#file").set_input_files(str(make_png(tmp_path / "收款凭证.png")))
    submit(street, "保存进展")
    assert street.locator("#notes").get_by_role("link", name="收款凭证.png").is_visible()
    submit(street, "申请销号")
    assert "申请销号" in street.locator("#status").inner_text()
    journey.shot(street, "item-submitted")

    # The evidence file downloads from the item page, as it was uploaded.
    href = street.locator("#notes").get_by_role("link", name="收款凭证.png").get_attribute("href")
    response = street.request.get(href)
    assert response.ok and response.headers["content-type"] == "image/png"
    assert response.body() == (tmp_path / "收款凭证.png").read_bytes()

    # The applicant signs no stage (separation of duties): the street's other reviewer, its
    # organization office, signs the street stage.
    assert street.get_by_role("button", name="审核通过").count() == 0
    office = journey.new_page()
    journey.login(office, "qijiawan_org")
    office.goto(item_url)
    submit(office, "审核通过")
    assert "待区级审核" in office.locator("#status").inner_text()

    # District sign-off.
    district = journey.new_page()
    journey.login(district, "huangpi_inspector")
    district.goto(item_url)
    journey.shot(district, "item-district-review")
    submit(district, "审核通过")
    assert "待市级审核" in district.locator("#status").inner_text()

    # City sign-off clears the item.
    city = journey.new_page()
    journey.login(city, "city_inspector")
    city.goto(item_url)
    submit(city, "审核通过")
    assert city.locator("#status").inner_text() == "已销号"
    reviews = city.locator("#reviews").inner_text()
    for level in ("街道", "区级", "市级"):
        assert re.search(level + r".{0,3}审核通过", reviews.replace(" ", "")), reviews
    journey.shot(city, "item-cleared")

    # Back on the finding, the street sees one of two items cleared.
    street.goto(finding_url)
    header = street.locator("#items .card-header").inner_text()
    assert "共 2 项，已销号 1" in header, header
    journey.assert_csp_blocks_inline_script(street)
