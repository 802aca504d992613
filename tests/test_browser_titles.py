"""In Chromium: three council members vote on phones at once, the chair closes the ballot,
the tallies are right, and nothing stored afterwards links a ballot to its voter."""

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from lib.titles import ballots
from lib.titles.demo import DEMO_ADMIN
from tests.browser import login, running_app, wait_ready

pytestmark = pytest.mark.browser
MEMBERS = ("chutich", "giamkhao1", "giamkhao2")


def sign_in(page: Page, base: str, username: str) -> None:
    try:
        login(page, base, username, DEMO_PASSWORD)
    except PlaywrightTimeout:
        login(page, base, username, DEMO_PASSWORD)


def goto(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập").wait_for(state="detached", timeout=30_000)
    wait_ready(page)
    page.wait_for_timeout(1000)  # the login cookie's rerun on a new page load
    wait_ready(page)


def test_three_phones_vote_at_once_and_the_chair_closes(tmp_path, browser):
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    old = ballots.open_now(con)
    ballots.close_ballot(con, DEMO_ADMIN, old.id)  # the demo meeting's ballot, closed
    ballot_id = ballots.open_ballot(con, DEMO_ADMIN, "2023-2024", 3)
    n_candidates = len(ballots.ballot_candidates(con, ballot_id))
    con.close()
    with running_app(path) as base:
        phones = []
        for username in MEMBERS:
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
            page = context.new_page()
            sign_in(page, base, username)
            goto(page, f"{base}/bo-phieu-thi-dua")
            expect(page.get_by_role("button", name="Gửi phiếu")).to_be_visible(timeout=30_000)
            phones.append(page)
        for i, page in enumerate(phones):
            agree = page.get_by_text("Đồng ý", exact=True)
            against = page.get_by_text("Không đồng ý", exact=True)
            assert agree.count() == n_candidates
            for k in range(n_candidates):
                # giamkhao2 disagrees on the first candidate of the list; the rest agree.
                (against if (i == 2 and k == 0) else agree).nth(k).click()
        for page in phones:  # three submits in quick succession
            page.get_by_role("button", name="Gửi phiếu").click()
        for page in phones:
            expect(page.get_by_text("Bạn đã bỏ phiếu: phiếu của bạn đã được tính.")).to_be_visible(
                timeout=30_000
            )
        chair = phones[0]
        goto(chair, f"{base}/binh-xet-thi-dua")
        chair.get_by_role("tab", name="Biểu quyết").click()
        wait_ready(chair)
        expect(chair.get_by_text("3/3", exact=True)).to_be_visible(timeout=30_000)
        chair.get_by_role("button", name="Đóng bỏ phiếu").click()
        expect(chair.get_by_text("Đã đóng bỏ phiếu.")).to_be_visible(timeout=30_000)
    con = db.connect(path)
    tally = ballots.tallies(con, ballot_id)
    first = tally.iloc[0]
    assert (first["dong_y"], first["khong_dong_y"]) == (2, 1)
    assert set(tally.iloc[1:]["dong_y"]) == {3} and set(tally["co_mat"]) == {3}
    # Every table and the audit log, read after the vote: the votes carry no voter, and no
    # row anywhere pairs a member's name with this ballot except the list of who voted.
    assert {c for (c,) in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'ballot_votes'"
    ).fetchall()} == {"ballot_id", "subject", "title", "agree"}  # fmt: skip
    logged = con.execute(
        "SELECT count(*) FROM audit_log WHERE entity = 'ballot' AND actor IN (?, ?) "
        "AND action NOT IN ('open', 'close')",
        ["giamkhao1", "giamkhao2"],
    ).fetchone()[0]
    assert logged == 0
    assert sorted(u for (u,) in con.execute(
        "SELECT username FROM ballot_voters WHERE ballot_id = ?", [ballot_id]).fetchall()
    ) == sorted(MEMBERS)  # fmt: skip
    con.close()


def test_the_chair_downloads_the_titles_tables_and_a_document_built_on_click(tmp_path, browser):
    from io import BytesIO

    from docx import Document
    from openpyxl import load_workbook

    path = tmp_path / "downloads.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    con.close()
    files: dict[str, bytes] = {}
    with running_app(path) as base:
        context = browser.new_context(viewport={"width": 1440, "height": 900},
                                      accept_downloads=True)  # fmt: skip
        page = context.new_page()
        sign_in(page, base, "chutich")
        goto(page, f"{base}/binh-xet-thi-dua")
        clicks = [("Đủ điều kiện", "Tải Excel"),
                  ("Danh sách đề nghị", "Tải danh sách đề nghị (Excel)"),
                  ("Văn bản", "Phiếu bầu (để trống, in cho cuộc họp) (Word)")]  # fmt: skip
        for tab, button in clicks:
            page.get_by_role("tab", name=tab).click()
            wait_ready(page)
            with page.expect_download(timeout=60_000) as info:
                page.get_by_role("button", name=button).click()
            download = info.value
            files[download.suggested_filename] = open(download.path(), "rb").read()  # noqa: SIM115
        context.close()
    assert sorted(files) == ["danh-sach-de-nghi-2023-2024.xlsx", "du-dieu-kien-2023-2024.xlsx",
                             "phieu-bau-thi-dua-2023-2024.docx"], files  # fmt: skip
    sheet = load_workbook(BytesIO(files["du-dieu-kien-2023-2024.xlsx"])).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row}
    assert "Ngô Thị Phương" in cells and "Nghỉ 45 ngày làm việc (≥ 40)" in cells
    ballot = "\n".join(p.text for p in Document(BytesIO(files["phieu-bau-thi-dua-2023-2024.docx"])
                                                 ).paragraphs)  # fmt: skip
    assert "PHIẾU BẦU" in ballot
