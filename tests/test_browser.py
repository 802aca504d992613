"""End to end in Debian's Chromium: anonymous access, login and logout, each role's menu."""

import pytest
from playwright.sync_api import expect

from lib.access.navigation import PAGES
from lib.demo import DEMO_PASSWORD
from tests.browser import ROOT, WAIT, login, running_app, wait_ready

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("url_path", ["", *[spec.url_path for spec in PAGES]])
def test_every_page_url_shows_only_the_login_form_to_a_visitor(page, base, url_path):
    page.goto(f"{base}/{url_path}")
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    wait_ready(page)
    assert page.get_by_label("Mật khẩu").is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    assert page.locator('[data-testid="stPageLink"]').count() == 0
    for spec in PAGES:
        assert page.get_by_role("heading", name=spec.title).count() == 0
    assert page.locator('[data-testid="stDataFrame"]').count() == 0


def test_a_new_server_shows_the_login_form_at_the_address_of_a_page_file(page, tmp_path):
    # Until app.py first runs, Streamlit looks an address up among the files in pages/ (see
    # PAGES) and runs the file it finds by itself; first of all, a bookmark after a restart.
    stems = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
    with running_app(tmp_path / "app.duckdb") as fresh:
        for stem in ["phieu-cham", *stems]:
            page.goto(f"{fresh}/{stem}")
            page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
            wait_ready(page)
            assert page.get_by_label("Mật khẩu").is_visible(), stem
            body = page.inner_text("body")
            assert "Bạn không có quyền" not in body, stem
            assert "Page not found" not in body, stem  # Streamlit's English dialog
            assert page.url.endswith(f"/{stem}")  # kept: the login lands on the page asked for


def test_an_address_no_page_has_opens_the_first_page_with_a_word_in_vietnamese(page, base):
    # Streamlit's own answer is an English dialog over the page ("Page not found"). Not for the
    # very first request after a server start: until app.py has run once, Streamlit answers an
    # address from the files in pages/ before any app code runs (see the test above).
    page.goto(base)
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    page.goto(f"{base}/trang-khong-co")
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    expect(page.get_by_text("Không có trang «trang-khong-co». Đã mở trang đầu.")).to_be_visible()
    wait_ready(page)
    assert "Page not found" not in page.inner_text("body")
    login(page, base, "chutich", DEMO_PASSWORD)
    page.goto(f"{base}/**nham**")
    page.get_by_role("heading", name="Tổng quan").wait_for(timeout=WAIT)
    wait_ready(page)
    body = page.inner_text("body")
    assert "Page not found" not in body and "Đã mở trang đầu." in body
    assert "**nham**" in body  # what was typed is shown as typed, not as markdown


READER = {"Tổng quan", "Kế hoạch", "Tiến độ", "Trình chiếu", "Tài khoản của tôi",
          "Đăng ký thi đua", "Hồ sơ thi đua"}  # fmt: skip
SCORING = {"Phiếu chấm của tôi", "Kết quả chấm", "Bỏ phiếu thi đua"}
ADMIN = {"Người dùng", "Nhập dữ liệu", "Đợt chấm", "SKKN và phân công", "Bình xét thi đua",
         "Thông tin đơn vị"}  # fmt: skip
MENUS = {
    "chutich": READER | SCORING | ADMIN,
    "giamkhao1": READER | SCORING,
    "giamkhao2": READER | SCORING,
    "giaovien": READER | {"Kết quả chấm"},
}
# Where each lands after login: an examiner on their own sheets, everyone else on the overview.
LANDING = {"chutich": "Tổng quan", "giamkhao1": "Phiếu chấm của tôi",
           "giamkhao2": "Phiếu chấm của tôi", "giaovien": "Tổng quan"}  # fmt: skip


@pytest.mark.parametrize("username", list(MENUS))
def test_each_demo_account_logs_in_sees_its_menu_and_logs_out(page, base, username):
    login(page, base, username, DEMO_PASSWORD)
    page.get_by_role("heading", name=LANDING[username]).wait_for(timeout=WAIT)
    nav = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"] a')
    assert {t.strip().splitlines()[-1] for t in nav.all_inner_texts()} == MENUS[username]
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    # The form is drawn first in the logout's run; the page it replaces goes when the run ends.
    expect(page.get_by_role("heading", name=LANDING[username])).to_have_count(0, timeout=WAIT)


def test_the_app_asks_nothing_of_another_site_and_its_tab_has_its_own_icon(page, base):
    # A school network may have no internet, and visitors' addresses are nobody else's business.
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    login(page, base, "chutich", DEMO_PASSWORD)
    page.get_by_role("heading", name="Tổng quan").wait_for(timeout=WAIT)
    wait_ready(page)
    assert asked and [url for url in asked if not url.startswith(base + "/")] == []
    icon = page.evaluate("document.querySelector(\"link[rel='shortcut icon']\").href")
    answer = page.request.get(icon)
    assert answer.ok and answer.headers["content-type"] == "image/png"
    assert answer.body() == (ROOT / "lib" / "ui" / "icon.png").read_bytes()


def test_wrong_password_gets_a_message(page, base):
    login(page, base, "chutich", "khong-dung")
    assert page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.").is_visible()
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0


# From the moment it is installed: the most grey placeholders on screen at once (Streamlit's,
# for an element whose code is not ready), and whether the password field ever left the page.
WATCH = """() => {
  window.__placeholders = 0; window.__formGone = false;
  new MutationObserver(() => {
    const shown = [...document.querySelectorAll('[data-testid="stSkeleton"]')]
      .filter(e => e.checkVisibility({visibilityProperty: true}));
    window.__placeholders = Math.max(window.__placeholders, shown.length);
    if (!document.querySelector('input[aria-label="Mật khẩu"]')) window.__formGone = true;
  }).observe(document, {childList: true, subtree: true, attributes: true});
}"""


def test_the_form_stays_while_a_password_is_checked_and_the_first_page_has_no_placeholders(
    page, base
):
    page.goto(base + "/")
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    wait_ready(page)
    page.evaluate(WATCH)
    page.get_by_label("Tên đăng nhập").fill("chutich")
    page.get_by_label("Mật khẩu").fill("sai-mat-khau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_text("Sai tên đăng nhập hoặc mật khẩu.")).to_be_visible(timeout=WAIT)
    assert not page.evaluate("window.__formGone")  # no blank page while bcrypt ran
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("heading", name="Tổng quan").wait_for(timeout=WAIT)
    wait_ready(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    expect(chart.locator("canvas, svg").first).to_be_attached(timeout=WAIT)
    # Before, the menu, metrics, tables and chart each showed a grey bar first (24 of them),
    # all revealed ~150-300 ms later.
    assert page.evaluate("window.__placeholders") == 0
    # The login page's columns and the specimens take no room: the title is at the top.
    title = page.get_by_role("heading", name="Tổng quan").bounding_box()
    page.get_by_role("link", name="Kế hoạch").first.click()
    page.get_by_role("heading", name="Kế hoạch").first.wait_for(timeout=WAIT)
    wait_ready(page)
    assert page.get_by_role("heading", name="Kế hoạch").first.bounding_box()["y"] == title["y"]


def test_staff_typing_the_admin_url_gets_no_admin_page(page, base):
    login(page, base, "giaovien", DEMO_PASSWORD)
    page.get_by_role("heading", name="Tổng quan").wait_for(timeout=WAIT)
    page.goto(f"{base}/nguoi-dung")
    wait_ready(page)
    assert page.get_by_role("heading", name="Người dùng").count() == 0
    assert page.get_by_text("Thêm tài khoản").count() == 0


def test_login_survives_a_reload_and_logout_really_ends_it(page, base):
    login(page, base, "chutich", DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng xuất").wait_for(timeout=WAIT)
    # The cookie component stores the login in the runs after the first page (no sleep on the
    # login path): wait for it as a person would see the page settle, then reload.
    for _ in range(WAIT // 250):
        if login_cookie(page):
            break
        page.wait_for_timeout(250)
    page.reload()
    page.get_by_role("button", name="Đăng xuất").wait_for(timeout=WAIT)
    assert login_cookie(page)
    page.get_by_role("button", name="Đăng xuất").click()
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    for _ in range(WAIT // 250):  # the browser deletes the cookie when the logout run lands
        if not login_cookie(page):
            break
        page.wait_for_timeout(250)
    assert not login_cookie(page)
    page.reload()
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    wait_ready(page)
    assert page.locator('button:has-text("Đăng xuất")').count() == 0


def test_a_reload_right_after_login_stays_logged_in(page, base):
    page.goto(base + "/tien-do")
    page.get_by_label("Tên đăng nhập").wait_for(timeout=WAIT)
    wait_ready(page)
    page.get_by_label("Tên đăng nhập").fill("chutich")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    # The page asked for, drawn in the click's own run; then at once, as a person pressing F5
    # would, with no wait for anything to store the login.
    page.get_by_role("heading", name="Tiến độ").first.wait_for(timeout=WAIT)
    page.reload()
    page.get_by_role("heading", name="Tiến độ").first.wait_for(timeout=WAIT)
    wait_ready(page)
    assert page.get_by_label("Mật khẩu").count() == 0
    assert login_cookie(page)


def login_cookie(page) -> bool:
    """Whether the browser still holds the login cookie."""
    return any(c["name"] == "thidua_dang_nhap" for c in page.context.cookies())


def test_leaving_a_form_typed_into_asks_first_and_a_picked_option_does_not(page, base):
    dialogs: list[str] = []
    login(page, base, "chutich", DEMO_PASSWORD)
    page.goto(f"{base}/thong-tin-don-vi")
    address = page.get_by_label("Địa chỉ")
    address.wait_for(timeout=WAIT)
    wait_ready(page)
    # Typed into a form, then on to the next field: nothing is sent before "Lưu".
    address.fill("Phường Long Biên, Hà Nội")
    address.press("Shift+Tab")
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.close(run_before_unload=True)
    expect(page.get_by_role("button", name="Lưu")).to_be_visible(timeout=WAIT)
    page.wait_for_timeout(500)
    assert dialogs == ["beforeunload"] and not page.is_closed()  # "Stay": the form is kept
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_text("Đã lưu Thông tin đơn vị.")).to_be_visible(timeout=WAIT)

    # A select box's search typed into and an option picked: nothing is unsent, no question.
    page.goto(f"{base}/tien-do")
    search = page.locator(".st-key-td_years input")
    search.wait_for(timeout=WAIT)
    wait_ready(page)
    search.click()
    search.press_sequentially("20")
    page.get_by_role("option").first.click()
    wait_ready(page)
    page.close(run_before_unload=True)
    if not page.is_closed():
        page.wait_for_event("close", timeout=WAIT)
    assert dialogs == ["beforeunload"]
