"""The scoring sheet in Chromium, at a computer and on a phone (390×844): Vietnamese numbers
stored exactly, invalid values kept as typed with our message at the field, every valid change
saved without a button, the saved state in view, and the submit confirmation on screen."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from lib.scoring import assignment, rounds, sheets, states, worklist
from tests.browser import WAIT, chromium, login, running_app, wait_ready

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}


@pytest.fixture
def round_db(tmp_path):
    """The demo round assigned and opened; the first SKKN giamkhao1 scores."""
    path = tmp_path / "sheet.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    assignment.auto_assign(con, 1, "chutich")
    states.open_round(con, 1, "chutich")
    mine = worklist.my_assignments(con, "giamkhao1")
    entry_id, code = int(mine.iloc[0]["entry_id"]), mine.iloc[0]["code"]
    con.close()
    return path, entry_id, code


def field(page: Page, code: str):
    """A score field, found by the criterion code its label starts with."""
    return page.get_by_label(re.compile(rf"^{re.escape(code)}\. "))


def type_points(page: Page, code: str, text: str, *, commit: bool = True) -> None:
    """Type as a person does, key by key, then leave the field (which commits it)."""
    box = field(page, code)
    box.click()
    box.press("ControlOrMeta+a")
    box.press_sequentially(text)
    if commit:
        box.press("Tab")
        wait_ready(page)


def saved_state(page: Page):
    return page.locator(".st-key-phieu_thanh_tong")


def stored(path, entry_id: int) -> dict[str, Decimal]:
    """What the database holds for giamkhao1's sheet (read once the app has stopped)."""
    con = db.connect(path)
    try:
        values = sheets.get_sheet(con, entry_id, "giamkhao1").values
        return {k: v for k, v in values.items() if v is not None}
    finally:
        con.close()


def sign_in(page: Page, base: str) -> None:
    try:
        login(page, base, "giamkhao1", DEMO_PASSWORD)
    except PlaywrightTimeout:
        login(page, base, "giamkhao1", DEMO_PASSWORD)


@pytest.mark.parametrize("size", list(SIZES))
def test_sheet_stores_vietnamese_numbers_and_never_an_invalid_one(round_db, size):
    path, entry_id, code = round_db
    width, height = SIZES[size]
    with running_app(path) as base, chromium() as browser:
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        sign_in(page, base)
        # Login lands on the examiner's list; one tap opens the sheet.
        expect(page.get_by_text(re.compile(r"Còn \d+ phiếu cần chấm"))).to_be_visible(timeout=WAIT)
        page.get_by_role("button", name="Chấm").first.click()
        wait_ready(page)
        expect(page.get_by_text(f"{code} – ")).to_be_visible(timeout=WAIT)
        assert page.locator('input[type="number"]').count() == 0

        for criterion, typed, shown in (("II.3", "0,5", "0,5"), ("II.2", "1,25", "1,25"),
                                        ("I.1", ",75", "0,75")):  # fmt: skip
            type_points(page, criterion, typed)
            expect(field(page, criterion)).to_have_value(shown, timeout=WAIT)
            # The saved state is on screen wherever the field is (the sticky bar).
            expect(
                saved_state(page).get_by_text(re.compile("Đã lưu tự động lúc"))
            ).to_be_in_viewport()
        expect(saved_state(page).get_by_text(re.compile(r"Tổng điểm: 2,5 / 20"))).to_be_visible()

        # Above the maximum, off the step: our message at the field, the text as typed.
        type_points(page, "II.4", "15")
        type_points(page, "I.2", "0,3")
        for criterion, message, typed in (("II.4", "II.4: 15 vượt quá điểm tối đa 2", "15"),
                                          ("I.2", "I.2: 0,3 không phải là bội số của 0,25",
                                           "0,3")):  # fmt: skip
            expect(field(page, criterion)).to_have_value(typed)
            alert = page.locator('[data-testid="stAlertContainer"]').filter(has_text=message)
            expect(alert).to_be_visible()
            box, note = field(page, criterion).bounding_box(), alert.bounding_box()
            assert 0 <= note["y"] - (box["y"] + box["height"]) < 80  # right under the field
        expect(saved_state(page).get_by_text(re.compile("Chưa lưu"))).to_be_in_viewport()

        # Away and back, no button pressed: every valid value is there, the totals agree.
        page.get_by_role("button", name="Danh sách phiếu").click()
        wait_ready(page)
        page.goto(f"{base}/phieu-cham?skkn={entry_id}")
        expect(field(page, "II.3")).to_have_value("0,5", timeout=WAIT)
        wait_ready(page)
        expect(field(page, "I.1")).to_have_value("0,75")
        expect(field(page, "II.4")).to_have_value("")
        expect(saved_state(page).get_by_text(re.compile(r"Tổng điểm: 2,5 / 20"))).to_be_visible()

        # A tab closed right after a field was left: the field is kept (a field still being
        # typed in is the next test's).
        type_points(page, "III.1", "1")
        page.context.close()
    assert stored(path, entry_id) == {
        "II.3": Decimal("0.5"), "II.2": Decimal("1.25"), "I.1": Decimal("0.75"),
        "III.1": Decimal("1"),
    }  # fmt: skip


def test_submitting_from_a_phone_confirms_on_screen(round_db):
    path, entry_id, code = round_db
    con = db.connect(path)
    rubric = rounds.require_round(con, 1).rubric
    con.close()
    with running_app(path) as base, chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        sign_in(page, base)
        page.goto(f"{base}/phieu-cham?skkn={entry_id}")
        page.get_by_label("Tên đăng nhập").wait_for(state="detached", timeout=WAIT)
        wait_ready(page)
        for c in rubric.criteria:
            type_points(page, c.code, format(c.max.normalize(), "f").replace(".", ","))
        expect(saved_state(page).get_by_text(re.compile(r"Tổng điểm: 20 / 20"))).to_be_visible(
            timeout=WAIT
        )
        page.get_by_role("button", name="Nộp phiếu").click()
        dialog = page.get_by_role("dialog")
        expect(dialog).to_be_in_viewport(timeout=WAIT)
        expect(dialog.get_by_text(re.compile(f"Nộp phiếu {code} với tổng điểm 20"))).to_be_visible()
        confirm = dialog.get_by_role("button", name="Xác nhận nộp phiếu")
        expect(confirm).to_be_in_viewport()
        confirm.click()
        toast = page.locator('[data-testid="stToast"]').filter(has_text=f"Đã nộp phiếu {code}")
        expect(toast).to_be_in_viewport(timeout=WAIT)
    con = db.connect(path)
    assert sheets.get_sheet(con, entry_id, "giamkhao1").status == "submitted"
    con.close()


HIDE_TAB = """() => {
  Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
  document.dispatchEvent(new Event("visibilitychange"));
  delete document.visibilityState;  // visible again, as after coming back to the tab
}"""


def test_a_score_left_in_its_field_is_saved_when_the_tab_hides_or_closes(round_db):
    path, entry_id, _ = round_db
    dialogs: list[str] = []
    with running_app(path) as base, chromium() as browser:
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        sign_in(page, base)
        page.goto(f"{base}/phieu-cham?skkn={entry_id}")
        expect(field(page, "II.3")).to_be_visible(timeout=WAIT)
        wait_ready(page)

        # Typed, neither Enter nor Tab, and the phone locks (the page is hidden): it is sent.
        type_points(page, "II.3", "0,5", commit=False)
        page.evaluate(HIDE_TAB)
        expect(saved_state(page).get_by_text(re.compile(r"Tổng điểm: 0,5 / 20"))).to_be_visible(
            timeout=WAIT
        )
        wait_ready(page)

        # Typed, then the tab is closed: the browser asks first, and the value is sent.
        type_points(page, "II.2", "1,25", commit=False)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
        page.close(run_before_unload=True)
        expect(saved_state(page).get_by_text(re.compile(r"Tổng điểm: 1,75 / 20"))).to_be_visible(
            timeout=WAIT
        )
        assert dialogs == ["beforeunload"] and not page.is_closed()  # "Stay" kept the sheet
        wait_ready(page)

        # Typed, then a button clicked at once: leaving the field sends it, and it is saved.
        type_points(page, "I.2", "0,25", commit=False)
        page.get_by_role("button", name="Danh sách phiếu").click()
        expect(saved_state(page).get_by_text(re.compile(r"Tổng điểm: 2 / 20"))).to_be_visible(
            timeout=WAIT
        )
        wait_ready(page)

        # Nothing left unsent: the tab closes without a question.
        page.close(run_before_unload=True)
        if not page.is_closed():
            page.wait_for_event("close", timeout=WAIT)
        assert dialogs == ["beforeunload"]
    assert stored(path, entry_id) == {
        "II.3": Decimal("0.5"), "II.2": Decimal("1.25"), "I.2": Decimal("0.25")
    }  # fmt: skip
