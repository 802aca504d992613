"""End to end in Chromium: two examiners score the same SKKN in two browsers, the chair sees
the disagreement, settles it and publishes, and staff then see the result."""

import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from lib.scoring import assignment, entries, states
from tests.browser import login, running_app, wait_ready
from tests.scoring_helpers import rubric20

pytestmark = pytest.mark.browser

RUBRIC = rubric20()


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    """The demo database, its round assigned automatically and opened, served by the app."""
    path = tmp_path_factory.mktemp("e2e-scoring") / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    assignment.auto_assign(con, 1, "chutich")
    states.open_round(con, 1, "chutich")
    table = assignment.assignments(con, 1)
    by_entry = table.groupby("entry_id")["examiner"].apply(set)
    entry_id = next(int(e) for e, who in by_entry.items() if {"giamkhao1", "giamkhao2"} <= who)
    code = entries.require_entry(con, entry_id).code
    # Only this entry is scored here: the others are withdrawn, since a round cannot be
    # published while a kept entry has no submitted sheet.
    for other in entries.entry_list(con, 1):
        if other.id != entry_id:
            entries.withdraw_entry(con, other.id, "chutich", "Không dự thi")
    con.close()
    with running_app(path) as base:
        yield base, entry_id, code


def new_page(browser, width=1366, height=900) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    return context.new_page()


def sign_in(page: Page, base: str, username: str) -> None:
    """Log in; a click lost in the login cookie's own rerun is simply tried once more."""
    try:
        login(page, base, username, DEMO_PASSWORD)
    except PlaywrightTimeout:
        login(page, base, username, DEMO_PASSWORD)


def goto(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập").wait_for(state="detached", timeout=60_000)
    wait_ready(page)
    page.wait_for_timeout(1000)  # the login cookie's rerun on a new page load
    wait_ready(page)


def choose(page: Page, box, option) -> None:
    """Pick an option of a Streamlit selectbox (reopening it if a rerun closed it)."""
    for attempt in range(3):
        box.click()
        try:
            page.get_by_role("option", **option).click(timeout=5_000)
            wait_ready(page)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wait_ready(page)


def text(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def score(page: Page, values: dict[str, str]) -> None:
    """Type each criterion's points the way a person does: type, then Enter."""
    for c in RUBRIC.criteria:
        label = (
            f"{c.code}. {c.label} (tối đa {str(c.max).rstrip('0').rstrip('.').replace('.', ',')})"
        )
        box = page.get_by_label(label, exact=True)
        box.fill(values[c.code])
        box.press("Enter")
        wait_ready(page)


def full(overrides: dict[str, str] | None = None) -> dict[str, str]:
    values = {c.code: format(c.max.normalize(), "f") for c in RUBRIC.criteria}
    values.update(overrides or {})
    return values


def test_two_examiners_chair_and_staff(prepared, browser):
    base, entry_id, code = prepared
    gk1 = new_page(browser, 390, 844)  # one examiner on a phone
    gk2 = new_page(browser)  # the other at a computer
    sign_in(gk1, base, "giamkhao1")
    sign_in(gk2, base, "giamkhao2")
    for page in (gk1, gk2):
        goto(page, f"{base}/phieu-cham?skkn={entry_id}")
        expect(page.get_by_text(f"{code} – ")).to_be_visible(timeout=60_000)

    # GK1 types the points, sees the live total; each is saved as typed (no button).
    gk1_values = full()
    score(gk1, gk1_values)
    expect(gk1.get_by_text("Tổng điểm: 20 / 20").first).to_be_visible()
    expect(gk1.get_by_text(re.compile("Đã lưu tự động lúc"))).to_be_visible(timeout=60_000)

    # GK2 scores lower (a 4-point gap: more than the 2 allowed) and never sees GK1's points.
    gk2_values = full({"II.3": "4"})
    score(gk2, gk2_values)
    assert "Phiếu của các giám khảo khác" not in text(gk2)
    for page in (gk1, gk2):
        wait_ready(page)
        page.get_by_role("button", name="Nộp phiếu").click()
        page.get_by_role("button", name="Xác nhận nộp phiếu").click()
        expect(page.get_by_text(re.compile(f"Đã nộp phiếu {code}")).first).to_be_visible(
            timeout=60_000
        )

    # The chair sees the disagreement, settles it with a recorded decision, closes, publishes.
    chair = new_page(browser)
    sign_in(chair, base, "chutich")
    goto(chair, f"{base}/ket-qua-cham")
    expect(chair.get_by_text("Cần giám khảo thứ 3").first).to_be_visible(timeout=60_000)
    chair.get_by_role("tab", name="Xử lý chênh lệch").click()
    form = chair.locator('[data-testid="stForm"]').filter(has_text="Lưu quyết định")
    wait_ready(chair)
    choose(chair, form.get_by_role("combobox").first, {"name": re.compile(f"^{code} – ")})
    choose(chair, form.get_by_role("combobox").nth(1), {"name": "A", "exact": True})
    form.get_by_label("Lý do (bắt buộc, được ghi lại và hiện trong kết quả)").fill(
        "Hội đồng đọc lại và thống nhất loại A"
    )
    form.get_by_role("button", name="Lưu quyết định").click()
    expect(chair.get_by_text(re.compile(f"Đã lưu quyết định cho {code}"))).to_be_visible(
        timeout=60_000
    )
    goto(chair, f"{base}/dot-cham")
    chair.get_by_role("button", name="Đóng đợt chấm").click()
    expect(chair.get_by_text("Đã đóng đợt chấm.")).to_be_visible(timeout=60_000)
    goto(chair, f"{base}/ket-qua-cham")
    chair.get_by_text("Tôi đã kiểm tra kết quả").click()
    wait_ready(chair)
    chair.get_by_role("button", name="Công bố kết quả").click()
    expect(chair.get_by_text(re.compile("Đã công bố kết quả"))).to_be_visible(timeout=60_000)

    # Staff now see the published result, with the chair's decision shown as such.
    staff = new_page(browser)
    sign_in(staff, base, "giaovien")
    goto(staff, f"{base}/ket-qua-cham")
    expect(staff.get_by_text(re.compile("Trạng thái: Đã công bố"))).to_be_visible(timeout=60_000)
    expect(staff.locator('[data-testid="stDataFrame"]')).to_be_visible()
    expect(staff.get_by_text(re.compile(r"1 SKKN · loại A: 1 · loại B: 0"))).to_be_visible()
    # After closing, an examiner may open the fellow examiner's sheet of the shared entry.
    goto(gk2, f"{base}/phieu-cham?skkn={entry_id}")
    expect(gk2.get_by_text("Phiếu của các giám khảo khác")).to_be_visible(timeout=60_000)
    for page in (gk1, gk2, chair, staff):
        page.context.close()
