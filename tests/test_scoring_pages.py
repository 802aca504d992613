"""The scoring pages through the real app.py (AppTest), as admin, examiner and staff."""

from dataclasses import replace
from decimal import Decimal

import pytest
from streamlit.testing.v1 import AppTest

from lib import demo, ui
from lib.access import users
from lib.core import db
from lib.core.errors import Invalid
from lib.scoring import assignment, entries, results, rounds, sheets, states, worklist
from lib.scoring.rubric import format_number
from tests.apptest import ROOT, app, downloads, login, open_page, open_tab, shown, texts
from tests.scoring_helpers import full_marks, rubric20

PAGES = ["pages/phieu-cham.py", "pages/ket-qua-cham.py", "pages/dot-cham.py", "pages/skkn.py"]
ALLOWED = {
    "chutich": set(PAGES),
    "giamkhao1": {"pages/phieu-cham.py", "pages/ket-qua-cham.py"},
    "giaovien": {"pages/ket-qua-cham.py"},
}


def prepare(path, *, state="open", blind=False):
    """The demo database with its round assigned automatically (and opened)."""
    con = db.connect(path)
    demo.load_demo(con)
    if blind:
        con.execute("UPDATE rounds SET blind = true")
    assignment.auto_assign(con, 1, "chutich")
    if state != "draft":
        states.open_round(con, 1, "chutich")
    return con


def mine(con, username):
    return worklist.my_assignments(con, username)


def progress(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def button(at: AppTest, label: str):
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r} in {[b.label for b in at.button]}"
    return found[0]


def point(at: AppTest, code: str):
    return next(n for n in at.text_input if n.label.startswith(f"{code}. "))


def stored(path, entry_id: int, examiner: str = "giamkhao1") -> dict:
    con = db.connect(path)
    try:
        return {k: v for k, v in sheets.get_sheet(con, entry_id, examiner).values.items()
                if v is not None}  # fmt: skip
    finally:
        con.close()


def shared_entry(con) -> int:
    """An entry giamkhao1 and giamkhao2 both score."""
    table = assignment.assignments(con, 1)
    by_entry = table.groupby("entry_id")["examiner"].apply(set)
    both = [e for e, who in by_entry.items() if {"giamkhao1", "giamkhao2"} <= who]
    return int(both[0])


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


@pytest.mark.parametrize("username", list(ALLOWED))
def test_each_page_renders_or_is_not_listed(tmp_path, monkeypatch, username):
    prepare(tmp_path / "app.duckdb").close()
    page = app(tmp_path / "app.duckdb", monkeypatch)
    login(page, username)
    for path in PAGES:
        if path in ALLOWED[username]:
            open_page(page, path)
            assert not page.exception, (path, page.exception)
            assert page.title[0].value
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                page.switch_page(path)


@pytest.mark.parametrize("path", PAGES[2:])
def test_admin_pages_check_the_role_themselves(tmp_path, monkeypatch, path):
    prepare(tmp_path / "app.duckdb").close()
    app(tmp_path / "app.duckdb", monkeypatch).run()
    page = AppTest.from_file(str(ROOT / path))
    login(page, "giamkhao1")
    assert "Bạn không có quyền mở trang này." in texts(page)


def test_examiner_page_checks_the_role_itself(tmp_path, monkeypatch):
    prepare(tmp_path / "app.duckdb").close()
    app(tmp_path / "app.duckdb", monkeypatch).run()
    page = AppTest.from_file(str(ROOT / "pages/phieu-cham.py"))
    login(page, "giaovien")
    assert "Bạn không có quyền mở trang này." in texts(page)


def test_examiner_sees_assignments_with_status(tmp_path, monkeypatch):
    prepare(tmp_path / "app.duckdb").close()
    at = app(tmp_path / "app.duckdb", monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    shown = texts(at)
    assert "Chấm SKKN năm học 2023-2024 (dữ liệu mẫu)" in shown
    assert progress(at) == ["Đã nộp 0/4 phiếu"] and "Chưa chấm" in shown
    assert "Không đặt hạn chấm" in shown


def test_examiner_before_the_round_opens_has_nothing_to_score(tmp_path, monkeypatch):
    prepare(tmp_path / "app.duckdb", state="draft").close()
    at = app(tmp_path / "app.duckdb", monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    assert "phiếu sẽ hiện ở đây khi đợt chấm mở" in texts(at)


def test_examiner_scores_with_commas_autosaved_then_submits(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    assert "Còn 4 phiếu cần chấm" in texts(at)
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    assert "Tổng điểm: 0 / 20" in texts(at)
    assert not at.number_input  # Chromium drops a decimal comma from a number field
    point(at, "I.1").input(",5").run()
    point(at, "II.3").input("7,25").run()
    shown = texts(at)
    assert "Tổng điểm: 7,75 / 20" in shown and "Cộng phần II: **7,25**" in shown
    assert "Đã lưu tự động lúc" in shown
    # Stored at once, without a button, and shown the Vietnamese way.
    assert stored(path, entry_id) == {"I.1": Decimal("0.5"), "II.3": Decimal("7.25")}
    assert point(at, "I.1").value == "0,5"
    assert [b.label for b in at.button if b.label == "Lưu nháp"] == []
    at.text_input(key=f"phieu_{entry_id}_I.1_nx").input("Đặt vấn đề rõ").run()
    # Back to the list and again: every field as saved, the totals agreeing with them.
    button(at, "Danh sách phiếu").click().run()
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    assert point(at, "II.3").value == "7,25" and "Tổng điểm: 7,75 / 20" in texts(at)
    assert at.text_input(key=f"phieu_{entry_id}_I.1_nx").value == "Đặt vấn đề rõ"
    # submitting with criteria missing names them and writes nothing
    button(at, "Nộp phiếu").click().run()
    shown = texts(at)
    assert "Chưa nộp được phiếu" in shown and "I.2: chưa nhập điểm" in shown
    for code, value in full_marks(rubric20()).items():
        point(at, code).input(str(value).replace(".", ",")).run()
    assert "Tổng điểm: 20 / 20" in texts(at) and "Xếp loại tạm tính: **A**" in texts(at)
    button(at, "Nộp phiếu").click().run()
    assert "Sau khi nộp, phiếu chỉ sửa được khi Chủ tịch HĐ mở lại." in texts(at)
    button(at, "Xác nhận nộp phiếu").click().run()
    assert not at.exception
    assert "Đã nộp phiếu" in texts(at) and progress(at) == ["Đã nộp 1/4 phiếu"]
    assert "Còn 3 phiếu cần chấm" in texts(at)
    # A card for each sheet left to score; the submitted one is read from the table below.
    cards = [b.key for b in at.button if (b.key or "").startswith("mo_phieu_")]
    assert len(cards) == 3 and f"mo_phieu_{entry_id}" not in cards
    assert "Đã nộp (1)" in texts(at)
    assert list(at.dataframe[0].value["Trạng thái"]) == ["Đã nộp"]
    at.selectbox(key="ms_xem_1").set_value(entry_id).run()
    at.button(key="ms_xem_nut_1").click().run()
    assert "Phiếu chỉ sửa được khi Chủ tịch HĐ mở lại" in texts(at)
    assert all(n.disabled for n in at.text_input)
    assert [b.label for b in at.button if b.label == "Nộp phiếu"] == []


def test_an_invalid_value_stays_as_typed_with_its_message_and_is_not_stored(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    point(at, "II.3").input("7").run()
    point(at, "II.3").input("15").run()  # above the maximum 8
    point(at, "I.2").input("0,3").run()  # within max, off the 0.25 step
    shown = texts(at)
    assert "II.3: 15 vượt quá điểm tối đa 8" in shown
    assert "I.2: 0,3 không phải là bội số của 0,25 (bước điểm)" in shown
    assert point(at, "II.3").value == "15" and point(at, "I.2").value == "0,3"
    assert stored(path, entry_id) == {"II.3": Decimal("7")}  # the 7 before, nothing new
    assert "Tổng điểm: 0 / 20" in shown  # the totals count only what is valid
    # Another field's save leaves the typed text alone.
    point(at, "I.1").input("0,5").run()
    assert point(at, "II.3").value == "15" and "II.3: 15 vượt quá" in texts(at)


def test_blind_round_hides_authors_from_the_examiner(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path, blind=True)
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    authors = entries.require_entry(con, entry_id).authors_text
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    shown = texts(at)
    assert "Chấm ẩn danh" in shown and authors not in shown


def test_other_examiners_scores_stay_hidden_until_the_round_closes(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = shared_entry(con)
    sheets.submit_sheet(con, users.get_user(con, "giamkhao2"), entry_id,
                         full_marks(rubric20()), overall="NHẬN XÉT CỦA GK KHÁC")  # fmt: skip
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    assert "Phiếu của các giám khảo khác" not in texts(at)
    assert "20 / 20" not in texts(at)


def test_admin_creates_a_round_from_the_template(at):
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    form_name = next(t for t in at.text_input if t.label == "Tên đợt chấm")
    form_name.input("Chấm SKKN năm học 2024-2025")
    next(t for t in at.text_input if t.label == "Năm học").input("2024-2025")
    button(at, "Tạo đợt chấm").click().run()
    assert not at.exception
    assert "Đã tạo đợt chấm 'Chấm SKKN năm học 2024-2025'." in texts(at)
    open_tab(at, "dc_the", "Mẫu phiếu chấm")
    assert "Phiếu chấm SKKN – thang 20 điểm" in texts(at)


def test_admin_round_settings_are_refused_with_messages(at):
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    next(t for t in at.text_input if t.label == "Tên đợt chấm").input("")
    button(at, "Tạo đợt chấm").click().run()
    assert "Hãy nhập tên đợt chấm." in texts(at)


def test_rubric_editor_validates_and_saves(at):
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    open_tab(at, "dc_the", "Mẫu phiếu chấm")
    next(t for t in at.text_input if t.label == "Thang điểm").input("21")
    button(at, "Kiểm tra và lưu mẫu phiếu").click().run()
    assert "Tổng điểm tối đa các tiêu chí (20) khác thang điểm (21)" in texts(at)
    next(t for t in at.text_input if t.label == "Thang điểm").input("20")
    next(t for t in at.text_input if t.label == "Tên mẫu phiếu").input("Phiếu chấm của trường")
    button(at, "Kiểm tra và lưu mẫu phiếu").click().run()
    assert "Đã lưu mẫu phiếu chấm." in texts(at)
    assert "Phiếu chấm của trường" in texts(at)


def test_the_council_confirms_the_thresholds_before_the_round_opens(tmp_path, monkeypatch):
    # Issue 13, point 9: the templates' thresholds are placeholders until the council says so.
    path = tmp_path / "app.duckdb"
    con = prepare(path, state="draft")
    assert states.thresholds_confirmed(con, 1)  # the demo's council confirmed the template's
    rubric = rounds.require_round(con, 1).rubric
    first = rubric.grades[0]
    changed = replace(first, min_total=first.min_total + 1)
    rounds.set_rubric(con, 1, replace(rubric, grades=(changed, *rubric.grades[1:])), "chutich")
    assert not states.thresholds_confirmed(con, 1)  # a changed threshold is confirmed again
    with pytest.raises(Invalid, match="chưa xác nhận ngưỡng xếp loại"):
        states.open_round(con, 1, "chutich")
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    button(at, "Mở đợt chấm").click().run()
    assert "Hội đồng chưa xác nhận ngưỡng xếp loại" in texts(at)
    open_tab(at, "dc_the", "Mẫu phiếu chấm")
    assert "Ngưỡng xếp loại chưa được hội đồng xác nhận" in texts(at)
    at.checkbox(key="dc_nguong_1").check().run()
    at.button(key="dc_ghi_nguong_1").click().run()
    assert "Đã ghi: hội đồng đã xác nhận ngưỡng xếp loại." in texts(at)
    assert f"{first.grade}: từ {format_number(changed.min_total)} điểm" in texts(at)
    con = db.connect(path)
    assert con.execute(
        "SELECT actor FROM audit_log WHERE action = 'thresholds' ORDER BY id DESC LIMIT 1"
    ).fetchone() == ("chutich",)
    assert states.open_round(con, 1, "chutich").state == "open"
    con.close()


def test_rubric_is_shown_frozen_once_a_sheet_is_in(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = int(mine(con, "giamkhao1").iloc[0]["entry_id"])
    sheets.submit_sheet(con, users.get_user(con, "giamkhao1"), entry_id, full_marks(rubric20()))
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    open_tab(at, "dc_the", "Mẫu phiếu chấm")
    assert "Mẫu phiếu đã khóa" in texts(at)
    assert button(at, "Kiểm tra và lưu mẫu phiếu").disabled


def test_admin_opens_the_round_and_sees_the_audit(tmp_path, monkeypatch):
    prepare(tmp_path / "app.duckdb", state="draft").close()
    at = app(tmp_path / "app.duckdb", monkeypatch)
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    button(at, "Mở đợt chấm").click().run()
    assert "Đã mở đợt chấm" in texts(at)
    open_tab(at, "dc_the", "Nhật ký")
    log = at.dataframe[0].value
    assert list(log.columns) == ["Thời gian", "Nội dung"]
    said = list(log["Nội dung"])
    assert said[0] == "Nguyễn Thị Quyên mở đợt chấm"
    assert "Nguyễn Thị Quyên phân công Lê Thu Hà chấm SKKN-001 (GK1)" in said
    assert not any("1:SKKN" in line or "{" in line for line in said)
    at.toggle(key="dc_nk_chi_tiet").set_value(True).run()
    details = at.dataframe[0].value["Chi tiết"]
    assert details.iloc[0] == "Trạng thái: chuẩn bị → đang chấm"


def test_council_flags_an_account_without_a_password(tmp_path, monkeypatch):
    con = prepare(tmp_path / "app.duckdb", state="draft")
    con.execute("UPDATE users SET password_hash = NULL WHERE username = 'giamkhao2'")
    con.close()
    at = app(tmp_path / "app.duckdb", monkeypatch)
    open_page(login(at, "chutich"), "pages/dot-cham.py")
    open_tab(at, "dc_the", "Hội đồng")
    table = at.dataframe[0].value.set_index("Tên đăng nhập")
    assert table.loc["giamkhao2", "Tài khoản"] == "chưa có mật khẩu"
    assert table.loc["giamkhao1", "Tài khoản"] == ""
    assert "chưa đăng nhập được" in texts(at)


def test_admin_registers_an_entry_and_shares_are_checked(at):
    open_page(login(at, "chutich"), "pages/skkn.py")
    assert "Đăng ký SKKN" not in [b.label for b in at.button]  # that tab has not run yet
    open_tab(at, "sk_the", "Đăng ký SKKN")
    next(t for t in at.text_input if t.label == "Tên SKKN").input("Đề tài mới")
    at.text_area[0].input("Bùi Thanh Tâm (60%)\nNgô Thị Phương (30%)")
    button(at, "Đăng ký SKKN").click().run()
    assert "Tổng tỉ lệ đóng góp của các tác giả là 90%, phải bằng 100%." in texts(at)
    at.text_area[0].input("Bùi Thanh Tâm (60%)\nNgô Thị Phương (40%)")
    button(at, "Đăng ký SKKN").click().run()
    assert not at.exception
    assert "Đã đăng ký SKKN-007." in texts(at)
    # An empty form again: a second click registers nothing twice.
    assert next(t for t in at.text_input if t.label == "Tên SKKN").value == ""
    assert at.text_area[0].value == ""
    button(at, "Đăng ký SKKN").click().run()
    assert "Đã đăng ký SKKN-008." not in texts(at)
    open_tab(at, "sk_the", "Danh sách SKKN")
    assert "Bùi Thanh Tâm (60%); Ngô Thị Phương (40%)" in texts(at)


def test_admin_auto_assignment_is_shown_before_it_is_written(at):
    open_page(login(at, "chutich"), "pages/skkn.py")
    open_tab(at, "sk_the", "Phân công")
    button(at, "Đề xuất phân công").click().run()
    assert "Xác nhận phân công" in [b.label for b in at.button]
    assert "Chưa có phân công nào." in texts(at)
    button(at, "Xác nhận phân công").click().run()
    assert not at.exception
    assert "Đã phân công 12 phiếu chấm." in texts(at)
    button(at, "Đề xuất phân công").click().run()
    assert "mọi SKKN đã đủ giám khảo" in texts(at)


def test_admin_records_a_conflict_and_hand_assignment_refuses_it(at):
    open_page(login(at, "chutich"), "pages/skkn.py")
    open_tab(at, "sk_the", "Xung đột")
    next(s for s in at.selectbox if s.label == "Giám khảo").set_value("giamkhao2")
    next(s for s in at.selectbox if s.label == "Loại xung đột").set_value("relative")
    button(at, "Ghi xung đột").click().run()
    assert "Đã ghi xung đột." in texts(at) and "Người thân" in texts(at)
    open_tab(at, "sk_the", "Phân công")
    next(s for s in at.selectbox if s.label == "Giám khảo").set_value("giamkhao2")
    button(at, "Phân công").click().run()
    assert "Không phân công giamkhao2 chấm SKKN-001" in texts(at)
    assert "người thân" in texts(at)


def _disagreement(con) -> int:
    entry_id = shared_entry(con)
    r = rubric20()
    low = full_marks(r)
    low["II.3"] = Decimal(4)  # 16 → B? section II 10 < 11: B; totals 20 vs 16: gap 4 > 2
    sheets.submit_sheet(con, users.get_user(con, "giamkhao1"), entry_id, full_marks(r))
    sheets.submit_sheet(con, users.get_user(con, "giamkhao2"), entry_id, low)
    return entry_id


def test_results_flag_a_disagreement_and_the_chair_assigns_a_third(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = _disagreement(con)
    code = entries.require_entry(con, entry_id).code
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    shown = texts(at)
    assert "Cần giám khảo thứ 3" in shown and code in shown
    assert "chênh lệch tổng điểm 4 > 2" in shown
    # While scoring goes on, the count of grade A is said to be provisional.
    assert [m.label for m in at.metric][-1] == "Loại A (tạm tính)"
    assert "Phân công GK3" not in [b.label for b in at.button]  # that tab has not run yet
    open_tab(at, "kq_the", "Xử lý chênh lệch")
    button(at, "Phân công GK3").click().run()
    assert not at.exception
    assert f"chấm {code}" in texts(at) and "Chờ phiếu giám khảo thứ 3" in texts(at)
    # Its third examiner is assigned: no fourth is offered, and no "nobody left" either.
    assert "Phân công GK3" not in [b.label for b in at.button]
    assert "Không còn giám khảo nào" not in texts(at)


def test_assignment_table_leaves_an_entry_without_gk3_blank(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    code = entries.require_entry(con, _disagreement(con)).code
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    open_tab(at, "kq_the", "Xử lý chênh lệch")
    button(at, "Phân công GK3").click().run()
    open_page(at, "pages/skkn.py")
    open_tab(at, "sk_the", "Phân công")
    table = at.dataframe[0].value.set_index("Mã")
    assert list(table.columns) == ["Tên SKKN", "GK1", "GK2", "GK3"]
    assert table.loc[code, "GK3"].endswith("(chưa chấm)")
    others = table.drop(index=code)["GK3"]
    assert len(others) and (others == "").all()  # not "None"


def test_a_long_assignment_tab_shows_counts_a_page_and_pickers_per_skkn(tmp_path, monkeypatch):
    # What a city round (5,000 SKKN) gets, on the demo's 6: a page of 4 rows at a time.
    monkeypatch.setattr(assignment, "GRID_INLINE", 2)
    monkeypatch.setattr(assignment, "GRID_PAGE", 4)
    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/skkn.py")
    open_tab(at, "sk_the", "Phân công")
    button(at, "Đề xuất phân công").click().run()
    assert "12 phiếu đề xuất cho 6 SKKN" in texts(at)
    assert len(at.dataframe[0].value) == 4
    assert "Tải đề xuất phân công (CSV)" in [b.label for b in at.get("download_button")]
    button(at, "Xác nhận phân công").click().run()
    assert "Đã phân công 12 phiếu chấm." in texts(at)
    con = db.connect(path)
    try:
        codes = [c for (c,) in con.execute(
            "SELECT code FROM entries WHERE round_id = 1 ORDER BY code").fetchall()]  # fmt: skip
        last = entries.require_entry(con, entries.entry_codes(con, 1)[codes[-1]])
    finally:
        con.close()
    shown_text = texts(at)
    assert "6 SKKN có giám khảo, 12 phiếu: 12 chưa chấm, 0 đang chấm, 0 đã nộp." in shown_text
    assert list(at.dataframe[0].value["Mã"]) == codes[:4]
    pages = next(n for n in at.selectbox if n.label.startswith("Trang"))
    assert pages.label.startswith("Trang (trên 2,")
    pages.set_value(2).run()
    assert list(at.dataframe[0].value["Mã"]) == codes[4:]
    assert "Tải bảng phân công (CSV)" in [b.label for b in at.get("download_button")]
    # No picker of every pair: one SKKN, then its own examiners.
    next(s for s in at.selectbox if s.label == "SKKN").set_value(last.id).run()
    assert "Giám khảo: " in texts(at) and "(chưa chấm)" in texts(at)
    remove = next(s for s in at.selectbox if s.label == "Bỏ phân công")
    assert len(remove.options) == 2 and all(o.startswith(last.code) for o in remove.options)
    con = db.connect(path)
    try:
        before = con.execute(
            "SELECT examiner FROM assignments WHERE entry_id = ? ORDER BY ord", [last.id]
        ).fetchall()
    finally:
        con.close()
    button(at, "Bỏ phân công").click().run()
    assert not at.exception and f"Đã bỏ phân công {last.code}" in texts(at)
    con = db.connect(path)
    try:
        left = con.execute("SELECT examiner FROM assignments WHERE entry_id = ?", [last.id])
        assert left.fetchall() == before[1:]  # the first of its two, as picked by default
    finally:
        con.close()
    # The hand assignment goes to the SKKN picked above.
    next(s for s in at.selectbox if s.label == "SKKN").set_value(last.id).run()
    next(s for s in at.selectbox if s.label == "Giám khảo").set_value(before[0][0])
    button(at, "Phân công").click().run()
    assert not at.exception and f"của {last.code}." in texts(at)
    con = db.connect(path)
    try:
        again = con.execute("SELECT examiner FROM assignments WHERE entry_id = ?", [last.id])
        assert sorted(again.fetchall()) == sorted(before)
    finally:
        con.close()


def test_chair_override_is_shown_as_such(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = _disagreement(con)
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    open_tab(at, "kq_the", "Xử lý chênh lệch")
    form = next(s for s in at.selectbox if s.label == "SKKN")
    form.set_value(entry_id)
    next(s for s in at.selectbox if s.label == "Xếp loại").set_value("A")
    next(t for t in at.text_area if t.label.startswith("Lý do")).input("Hội đồng thống nhất")
    button(at, "Lưu quyết định").click().run()
    assert "Đã lưu quyết định" in texts(at) and "Chủ tịch HĐ đã quyết định" in texts(at)
    shown = texts(open_tab(at, "kq_the", "Kết quả"))
    assert "A (điều chỉnh)" in shown and "Hội đồng thống nhất" in shown
    assert "Chủ tịch HĐ đã quyết định" in shown


def test_staff_see_results_only_once_finalized(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    for row in assignment.assignments(con, 1).itertuples():
        sheets.submit_sheet(con, users.get_user(con, row.examiner), int(row.entry_id),
                             full_marks(rubric20()))  # fmt: skip
    states.close_round(con, 1, "chutich")
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giaovien"), "pages/ket-qua-cham.py")
    assert "Chưa có kết quả chấm SKKN nào được công bố." in texts(at)
    chair = app(path, monkeypatch)
    open_page(login(chair, "chutich"), "pages/ket-qua-cham.py")
    chair.checkbox(key="kq_chac").check().run()
    button(chair, "Công bố kết quả").click().run()
    assert not chair.exception
    assert "Đã công bố kết quả" in texts(chair)
    con = db.connect(path)  # the recognitions are stored at publication itself (issue 13)
    assert "Bùi Thanh Tâm" in {
        name
        for (name,) in con.execute("SELECT name FROM recognitions WHERE round_id = 1").fetchall()
    }
    con.close()
    staff = app(path, monkeypatch)
    open_page(login(staff, "giaovien"), "pages/ket-qua-cham.py")
    shown = texts(staff)
    assert "Đã công bố" in shown and "SKKN-001" in shown and "GK1" not in shown
    assert "Bùi Thanh Tâm" in shown


def test_examiner_sees_fellow_sheets_after_closing(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = _disagreement(con)
    states.close_round(con, 1, "chutich")
    assert results.unsettled(con, 1)
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    assert not [b for b in at.button if (b.key or "").startswith("mo_phieu_")]  # nothing to score
    at.selectbox(key="ms_xem_1").set_value(entry_id).run()
    at.button(key="ms_xem_nut_1").click().run()
    assert "Phiếu của các giám khảo khác" in texts(at)


def test_chair_downloads_the_council_documents_staff_do_not(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    for row in assignment.assignments(con, 1).itertuples():
        sheets.submit_sheet(con, users.get_user(con, row.examiner), int(row.entry_id),
                             full_marks(rubric20()))  # fmt: skip
    states.close_round(con, 1, "chutich")
    states.finalize_round(con, 1, "chutich")
    con.close()
    chair = app(path, monkeypatch)
    open_page(login(chair, "chutich"), "pages/ket-qua-cham.py")
    open_tab(chair, "kq_the", "Văn bản")
    labels = downloads(chair)
    assert "Bảng tổng hợp kết quả chấm SKKN (Excel)" in labels
    assert "Biên bản họp hội đồng chấm SKKN (Word)" in labels
    assert "Danh sách SKKN đạt loại A đề nghị cấp trên (Excel)" in labels
    staff = app(path, monkeypatch)
    open_page(login(staff, "giaovien"), "pages/ket-qua-cham.py")
    assert downloads(staff) == {}
    assert "SKKN-001" in texts(staff)  # staff read the published results, not the documents


def test_examiner_with_many_sheets_sees_them_a_page_at_a_time(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    for i in range(25):
        eid = entries.add_entry(con, 1, "chutich", title=f"Đề tài thêm {i}",
                               authors=[{"name": "Vũ Thị Hồng Nhung", "share": 100}])  # fmt: skip
        assignment.assign(con, eid, "giamkhao1", "chutich")
    total = len(mine(con, "giamkhao1"))
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    assert progress(at) == [f"Đã nộp 0/{total} phiếu"]  # the count covers every sheet
    assert f"Đang hiện 20/{total} phiếu cần chấm của đợt này." in texts(at)
    assert len([b for b in at.button if b.key.startswith("mo_phieu_")]) == 20
    at.button(key="ms_them_1").click().run()
    assert len([b for b in at.button if b.key.startswith("mo_phieu_")]) == total
    assert "Đang hiện" not in texts(at)


def test_cards_are_the_sheets_left_to_score_and_the_rest_is_one_table(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    ids = [int(i) for i in mine(con, "giamkhao1")["entry_id"]]
    sheets.submit_sheet(con, users.get_user(con, "giamkhao1"), ids[0], full_marks(rubric20()))
    entries.withdraw_entry(con, ids[1], "chutich", "Tác giả rút")
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    cards = {b.key for b in at.button if (b.key or "").startswith("mo_phieu_")}
    assert cards == {f"mo_phieu_{i}" for i in ids[2:]}
    assert "Còn 2 phiếu cần chấm" in texts(at) and "Đã nộp (1) · SKKN đã rút (1)" in texts(at)
    assert list(at.dataframe[0].value["Trạng thái"]) == ["Đã nộp", "Đã rút"]


def test_a_published_round_is_one_table_with_a_picker(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = _disagreement(con)
    code = entries.require_entry(con, entry_id).code
    results.set_override(con, entry_id, "A", "Hội đồng thống nhất", "chutich")
    for other in entries.entry_list(con, 1):  # unscored entries would stop the publication
        if other.id != entry_id:
            entries.withdraw_entry(con, other.id, "chutich", "Không dự thi")
    states.close_round(con, 1, "chutich")
    states.finalize_round(con, 1, "chutich")
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    assert not [b for b in at.button if (b.key or "").startswith("mo_phieu_")]
    table = at.dataframe[0].value
    assert code in list(table["Mã"]) and "Đã nộp" in list(table["Trạng thái"])
    assert "20" in list(table["Tổng điểm"])
    at.selectbox(key="ms_xem_1").set_value(entry_id).run()
    at.button(key="ms_xem_nut_1").click().run()
    assert f"{code} –" in texts(at) and "Phiếu của các giám khảo khác" in texts(at)


def test_chair_reads_one_sheet_and_reopens_another_from_their_tabs(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = _disagreement(con)
    code = entries.require_entry(con, entry_id).code
    sheet_ids = [int(i) for i in results.sheet_list(con, 1)["sheet_id"]]
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    open_tab(at, "kq_the", "Phiếu chấm")
    picker = at.selectbox(key="kq_xem_phieu")
    assert picker.options == [
        f"{code} – GK1 Lê Thu Hà (đã nộp)", f"{code} – GK2 Phạm Minh Châu (đã nộp)"
    ]  # fmt: skip
    picker.set_value(sheet_ids[1]).run()
    shown = texts(at)
    assert "Giám khảo: Phạm Minh Châu (GK2)" in shown and "TỔNG ĐIỂM" in shown
    assert "Xếp loại theo phiếu: **B**" in shown
    open_tab(at, "kq_the", "Xử lý chênh lệch")
    next(s for s in at.selectbox if s.label == "Phiếu").set_value(sheet_ids[1])
    next(t for t in at.text_input if t.label == "Lý do mở lại").input("Nhập nhầm điểm II.3")
    button(at, "Mở lại phiếu").click().run()
    assert not at.exception
    assert f"Đã mở lại phiếu {code} – GK2 Phạm Minh Châu." in texts(at)
    open_tab(at, "kq_the", "Phiếu chấm")
    assert at.selectbox(key="kq_xem_phieu").options[1].endswith("(nháp)")  # shown at once


def test_over_the_picker_limit_a_sheet_is_picked_by_its_skkn_first(tmp_path, monkeypatch):
    # What a city round (12,500 sheets) gets, on the demo's 6 SKKN: SKKN, then its sheets.
    monkeypatch.setattr(results, "PICKER_INLINE", 2)
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = _disagreement(con)
    code = entries.require_entry(con, entry_id).code
    sheet_ids = [int(i) for i in results.sheet_list(con, 1)["sheet_id"]]
    codes = entries.entry_codes(con, 1)
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    open_tab(at, "kq_the", "Phiếu chấm")
    skkn = at.selectbox(key="kq_xem_skkn")
    assert len(skkn.options) == 6  # every SKKN with examiners
    skkn.set_value(entry_id).run()
    picker = at.selectbox(key="kq_xem_phieu")
    assert picker.options == [
        f"{code} – GK1 Lê Thu Hà (đã nộp)", f"{code} – GK2 Phạm Minh Châu (đã nộp)"
    ]  # fmt: skip
    picker.set_value(sheet_ids[1]).run()
    assert "Giám khảo: Phạm Minh Châu (GK2)" in texts(at)
    other = next(i for c, i in codes.items() if c != code)  # assigned, no sheet yet
    at.selectbox(key="kq_xem_skkn").set_value(other).run()
    assert not at.exception and "SKKN này chưa có phiếu chấm nào." in texts(at)
    open_tab(at, "kq_the", "Xử lý chênh lệch")
    reopen = at.selectbox(key="kq_mo_lai_skkn")
    assert reopen.options == [f"{code} – {entries_title(path, entry_id)}"]  # the only one scored
    next(s for s in at.selectbox if s.label == "Phiếu").set_value(sheet_ids[1])
    next(t for t in at.text_input if t.label == "Lý do mở lại").input("Nhập nhầm điểm II.3")
    button(at, "Mở lại phiếu").click().run()
    assert not at.exception
    assert f"Đã mở lại phiếu {code} – GK2 Phạm Minh Châu." in texts(at)


def entries_title(path, entry_id: int) -> str:
    con = db.connect(path)
    try:
        return entries.require_entry(con, entry_id).title
    finally:
        con.close()


def test_a_long_progress_tab_shows_the_skkn_still_waiting_a_page_at_a_time(tmp_path, monkeypatch):
    # A city round's 5,000 rows, on the demo's 6: pages of 4 rows, the waiting ones first.
    monkeypatch.setattr(results, "PICKER_INLINE", 2)
    monkeypatch.setattr(ui, "PAGE_ROWS", 4)
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    code = entries.require_entry(con, _disagreement(con)).code
    table = results.progress_table(con, 1)
    con.close()
    assert list(table.columns) == ["Mã SKKN", "Tên SKKN", "Phiếu đã nộp", "Phiếu cần",
                                   "Giám khảo được phân công"]  # fmt: skip
    assert len(table) == 6 and table.set_index("Mã SKKN").loc[code, "Phiếu đã nộp"] == 2
    at = app(path, monkeypatch)
    open_page(login(at, "chutich"), "pages/ket-qua-cham.py")
    open_tab(at, "kq_the", "Tiến độ")
    assert not at.exception
    assert "1/6 SKKN đủ phiếu đã nộp." in texts(at)
    waiting = at.dataframe[-1].value
    assert len(waiting) == 4 and code not in list(waiting["Mã"])
    next(n for n in at.selectbox if n.label.startswith("Trang (trên 2,")).set_value(2).run()
    assert len(at.dataframe[-1].value) == 1
    at.toggle(key="kq_td_thieu").set_value(False).run()  # every SKKN: page 2 of 2 stays
    assert not at.exception and len(at.dataframe[-1].value) == 2
    assert "Tải tiến độ từng SKKN (CSV)" in [b.label for b in at.get("download_button")]


def test_examiner_downloads_the_entry_document_from_the_sheet(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    entry_id = int(mine(con, "giamkhao1")["entry_id"].iloc[0])
    pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
    entries.set_document(con, entry_id, "chutich", pdf, "bien-phap.pdf")
    con.close()
    at = app(path, monkeypatch)
    open_page(login(at, "giamkhao1"), "pages/phieu-cham.py")
    at.button(key=f"mo_phieu_{entry_id}").click().run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Tải tài liệu SKKN (bien-phap.pdf)"]


def test_publishing_with_unscored_entries_is_refused_naming_them(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    con = prepare(path)
    first = assignment.assignments(con, 1).iloc[0]
    for row in assignment.assignments(con, 1).itertuples():
        if row.entry_id == first.entry_id:
            sheets.submit_sheet(con, users.get_user(con, row.examiner), int(row.entry_id),
                                full_marks(rubric20()))  # fmt: skip
    states.close_round(con, 1, "chutich")
    con.close()
    chair = app(path, monkeypatch)
    open_page(login(chair, "chutich"), "pages/ket-qua-cham.py")
    chair.checkbox(key="kq_chac").check().run()
    button(chair, "Công bố kết quả").click().run()
    errors = shown(" ".join(e.value for e in chair.error))
    assert "Chưa công bố được" in errors and "SKKN-002" in errors and "SKKN-001" not in errors
    con = db.connect(path)
    assert con.execute("SELECT state FROM rounds WHERE id = 1").fetchone() == ("closed",)
    con.close()


def test_chair_scoring_an_entry_sees_only_their_own_sheet_and_no_author(tmp_path, monkeypatch):
    # Issue 15, point 6: the chair who is also an examiner follows the examiners' rules.
    path = tmp_path / "app.duckdb"
    con = prepare(path, blind=True)
    entry_id = shared_entry(con)
    if "chutich" not in set(
        assignment.assignments(con, 1).query("entry_id == @entry_id")["examiner"]
    ):
        assignment.assign(con, entry_id, "chutich", "chutich")
    sheets.save_draft(con, users.get_user(con, "giamkhao1"), entry_id, {"II.3": "7,75"},
                      overall="NHÁP CỦA GK1")  # fmt: skip
    authors = entries.require_entry(con, entry_id).authors_text
    con.close()
    at = app(path, monkeypatch)
    login(at, "chutich")
    at.query_params["skkn"] = str(entry_id)
    open_page(at, "pages/phieu-cham.py")
    shown = texts(at)
    assert not at.exception and "Chấm ẩn danh" in shown
    assert authors not in shown and "Phiếu của các giám khảo khác" not in shown
    assert "7,75" not in shown and "NHÁP CỦA GK1" not in shown
