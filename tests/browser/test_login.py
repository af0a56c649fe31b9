"""Journey: signing in and out, on the desktop and on a phone."""

import pytest

pytestmark = pytest.mark.browser


def test_login_and_logout(journey):
    page = journey.new_page()
    response = page.goto("/")
    assert "/login" in page.url
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp, csp
    page.wait_for_selector("form#login")
    journey.shot(page, "login")

    # A wrong password is refused with a clear message, and the user stays on the login page.
    page.fill("input[name=username]", "qijiawan_inspector")
    page.fill("input[name=password]", "wrong-password")
    with journey.expect_console_error("status of 400"):
        page.click("form#login button[type=submit]")
        page.wait_for_selector("#form-error")
    assert "/login" in page.url
    journey.shot(page, "login-refused", phone=False)

    journey.login(page, "qijiawan_inspector")
    menu = page.locator("#user-menu")
    assert "黄磊" in menu.inner_text()
    assert "祁家湾街道" in menu.inner_text()
    journey.shot(page, "signed-in")
    journey.assert_csp_blocks_inline_script(page)

    page.click("#user-menu")
    with page.expect_navigation():
        page.get_by_role("button", name="退出登录").click()
    assert "/login" in page.url
    assert "您已安全退出" in page.content()
