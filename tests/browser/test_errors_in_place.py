"""Journey (issue 23, point 1): a street inspector's bad submissions on an item page stay on
that page: a whitespace-only 退回原因 and an evidence file of the wrong type are answered at
the field, with the typed text kept, and the next correct submission goes through."""

import pytest

pytestmark = pytest.mark.browser


def open_first_item(page, query: str) -> None:
    page.goto(f"/ledger?{query}")
    page.locator("table a[href^='/ledger/items/']").first.click()
    page.wait_for_selector("h1")


def test_action_errors_stay_on_the_item_page(journey, tmp_path):
    street = journey.new_page()
    journey.login(street, "qijiawan_inspector")

    # 退回 with a reason of blanks only.
    open_first_item(street, "awaiting=street")
    item_url = street.url
    street.fill("#reason-return", "   ")
    with journey.expect_console_error("400"), street.expect_navigation():
        street.locator("#action-return button[type=submit]").click()
    assert street.locator("h1").inner_text().startswith("整改事项")
    assert "请填写退回原因" in street.locator("#action-return-alert").inner_text()
    assert street.locator("#action-return-reason-error").inner_text() == "必填"
    assert street.locator("#reason-return").get_attribute("aria-invalid") == "true"
    assert street.get_by_role("link", name="返回首页").count() == 0
    journey.shot(street, "return-reason-blank")

    # A progress note with an .exe as evidence: the note text is kept.
    open_first_item(street, "state=open&sort=-deadline")
    bad = tmp_path / "现场照片.exe"
    bad.write_bytes(b"MZ\x90\x00not a photo")
    street.fill("#note", "已召开专题会议，整改方案已上墙公示。")
    street.set_input_files("#file", str(bad))
    with journey.expect_console_error("400"), street.expect_navigation():
        street.locator("#note-form button[type=submit]").click()
    assert street.locator("#note").input_value() == "已召开专题会议，整改方案已上墙公示。"
    assert "类型不支持" in street.locator("#note-form-file-error").inner_text()
    assert "不支持的文件类型" in street.locator("#note-form-alert").inner_text()
    journey.shot(street, "note-bad-file")

    # The reason given properly: the item is returned.
    street.goto(item_url)
    street.fill("#reason-return", "佐证照片看不清，请补充会议记录。")
    with street.expect_navigation():
        street.locator("#action-return button[type=submit]").click()
    assert "退回原因：佐证照片看不清" in street.locator("#return-reason").inner_text()
