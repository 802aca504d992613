"""Thi đua pages through the real app (AppTest), as each role."""

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from lib import ui
from lib.access.users import get_user
from lib.core import db
from lib.core.errors import Invalid
from lib.titles import meeting as M
from lib.titles import registrations as reg
from tests.apptest import ROOT, app, downloads, login, open_page, open_tab, shown, texts

YEAR = "2023-2024"
REGISTRATION = "pages/dang-ky-thi-dua.py"
REVIEW = "pages/binh-xet-thi-dua.py"


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def _db(at):
    # The app's own cached connection: the file is locked by this process.
    from lib.ui import context

    return context._database(str(db.db_path()))


@pytest.mark.parametrize("username", ["chutich", "giamkhao1", "giaovien"])
def test_registration_page_renders_for_every_role(at, username):
    login(at, username)
    open_page(at, REGISTRATION)
    assert not at.exception
    assert at.title[0].value == "Đăng ký thi đua"
    shown = texts(at)
    assert "Đăng ký của tôi" in shown
    # Only admins see everyone and who has not registered.
    assert ("Toàn trường" in shown) is (username == "chutich")
    assert ("Chưa đăng ký (" in shown) is (username == "chutich")


def test_registration_page_names_the_first_unregistered_and_counts_the_rest(at, monkeypatch):
    monkeypatch.setattr(reg, "MISSING_SHOWN", 2)
    login(at, "chutich")
    con = _db(at)
    from lib.core import clock
    from lib.titles.rules import default_year

    year = default_year(con, clock.today())  # the year the page opens on
    registered = reg.registrations_table(con, year)
    for person_id in registered[registered["registered"]]["person_id"][:3]:
        reg.withdraw_registration(con, get_user(con, "chutich"), year, int(person_id))
    open_page(at, REGISTRATION)
    table = at.dataframe[0].value
    missing = list(table[table["title"] == "Chưa đăng ký"]["full_name"])
    assert len(missing) > 2
    line = next(t for t in texts(at).splitlines() if t.startswith("Chưa đăng ký ("))
    assert line == (
        f"Chưa đăng ký ({len(missing)}): {missing[0]}, {missing[1]} và "
        f"{len(missing) - 2} người nữa (Danh hiệu “Chưa đăng ký” trong bảng dưới)."
    )


def _downloads(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_staff_registers_themselves_while_open(at):
    login(at, "giaovien")
    open_page(at, REGISTRATION)
    assert "Bạn chưa đăng ký danh hiệu thi đua năm học này." in texts(at)
    assert _downloads(at) == []  # nothing to print before registering, no school-wide table
    at.radio(key=f"dktd_dh_{YEAR}").set_value("CSTDCS")
    at.text_input(key=f"dktd_skkn_{YEAR}").input("Dạy trẻ *kể chuyện* qua tranh")
    at.text_input(key=f"dktd_lv_{YEAR}").input("Mẫu giáo")
    _button(at, "Lưu đăng ký").click().run()
    assert not at.exception
    assert "Đã lưu đăng ký thi đua của bạn." in texts(at)
    assert _downloads(at) == ["Tải bản đăng ký thi đua (Word)"]
    con = _db(at)
    lan = con.execute("SELECT id FROM people WHERE full_name = 'Đỗ Thị Lan'").fetchone()[0]
    saved = reg.get_registration(con, YEAR, lan)
    assert (saved.title, saved.skkn_title) == ("CSTDCS", "Dạy trẻ *kể chuyện* qua tranh")


def test_staff_cannot_edit_once_registration_is_closed(at):
    login(at, "chutich")
    open_page(at, REGISTRATION)
    _button(at, "Đóng đăng ký").click().run()
    assert "Đã đóng đăng ký." in texts(at)
    login(at, "giaovien")
    open_page(at, REGISTRATION)
    assert "Đã hết hạn đăng ký thi đua của năm học này." in texts(at)
    assert _button(at, "Lưu đăng ký").disabled
    assert at.text_input(key=f"dktd_skkn_{YEAR}").disabled


def test_admin_registers_on_behalf_and_sends_registered_skkn_to_the_round(at):
    login(at, "chutich")
    open_page(at, REGISTRATION)
    assert "Đỗ Thị Lan" in next(w for w in at.warning if "Chưa đăng ký" in w.value).value
    assert {"Tải bảng tổng hợp đăng ký (Excel)", "Tải bảng tổng hợp đăng ký (Word)",
            "Tải bản đăng ký thi đua (Word)"} <= set(_downloads(at))  # fmt: skip
    con = _db(at)
    lan = con.execute("SELECT id FROM people WHERE full_name = 'Đỗ Thị Lan'").fetchone()[0]
    at.selectbox(key="dktd_nguoi").set_value(lan).run()
    assert "Tên SKKN (nếu có)" in [t.label for t in at.text_input]
    _button(at, "Lưu đăng ký thay").click().run()
    assert "Đã lưu đăng ký của Đỗ Thị Lan." in texts(at)
    _button(at, "Đưa các SKKN này vào đợt chấm").click().run()
    assert not at.exception
    assert "Đã đưa 1 SKKN vào đợt chấm." in texts(at)
    titles = [r[0] for r in con.execute("SELECT title FROM entries").fetchall()]
    assert "Một số biện pháp bồi dưỡng giáo viên trẻ của tổ Mẫu giáo lớn" in titles


def test_review_page_for_admin_shows_eligibility_reasons_and_the_quy_che_warning(at):
    login(at, "chutich")
    open_page(at, REVIEW)
    assert not at.exception
    shown = texts(at)
    assert "Hội đồng thi đua – khen thưởng phải đối chiếu với quy chế của trường" in shown
    assert "Đã có đánh giá" in shown
    open_tab(at, "bxtd_tab", "Đủ điều kiện")
    shown = texts(at)
    assert "Nghỉ 45 ngày làm việc (≥ 40)" in shown
    assert "Chưa có sáng kiến được công nhận trong năm học" in shown
    assert "Chỉ tiêu CSTĐCS" in shown
    for tab in ("Danh sách đề nghị", "Kỷ niệm chương", "Quy chế"):
        open_tab(at, "bxtd_tab", tab)
        assert not at.exception, tab
    assert "Nghị định 98/2023/NĐ-CP" in texts(at)


def test_eligibility_tab_shows_the_first_rows_and_finds_anyone_by_name(at, monkeypatch):
    from lib.core.text import fold
    from lib.titles import eligibility as el

    monkeypatch.setattr(ui, "ROWS_SHOWN", 2)
    login(at, "chutich")
    open_page(at, REVIEW)
    open_tab(at, "bxtd_tab", "Đủ điều kiện")
    table = at.dataframe[0].value
    assert len(table) == 2
    whole = el.eligibility(_db(at), at.selectbox(key="bxtd_nam").value)
    assert f"Đang hiện 2 trong {len(whole)} dòng." in texts(at)
    last = whole[whole["person_id"].notna()].iloc[-1]
    # Typed without accents, as people do: the row past the cap is found.
    at.text_input(key="bxtd_tim").input(fold(last["ho_ten"]).upper()).run()
    found = at.dataframe[0].value
    assert last["ho_ten"] in list(found["ho_ten"]) and len(found) <= 2
    assert "Đang hiện" not in texts(at)
    at.text_input(key="bxtd_tim").input("không có ai tên này").run()
    assert "Không có dòng nào khớp." in texts(at)


def test_evaluations_tab_shows_the_first_rows_finds_anyone_and_offers_all(at, monkeypatch):
    monkeypatch.setattr(ui, "ROWS_SHOWN", 2)
    login(at, "chutich")
    open_page(at, REVIEW)
    everyone = at.selectbox(key="bxtd_nguoi").options
    assert len(at.dataframe[0].value) == 2 and len(everyone) > 2
    assert f"Đang hiện 2 trong {len(everyone)} người." in texts(at)
    assert f"Tải đủ {len(everyone)} người (CSV)" in _downloads(at)
    at.text_input(key="bxtd_tim_dg").input("ngo thi phuong").run()
    assert list(at.dataframe[0].value["full_name"]) == ["Ngô Thị Phương"]
    assert "Đang hiện" not in texts(at)


def test_review_page_refuses_a_bad_evaluation_field_by_field(at):
    login(at, "chutich")
    open_page(at, REVIEW)
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["Số tháng công tác"].input("mười hai")
    form_inputs["Số ngày làm việc nghỉ"].input("-3")
    _button(at, "Lưu đánh giá").click().run()
    shown = texts(at)
    assert "“mười hai” không phải là số tháng (vd. 10 hoặc 9,5)." in shown
    assert "Số ngày nghỉ “-3” phải là số nguyên từ 0." in shown


def test_review_page_refuses_an_invalid_quy_che_and_lists_every_error(at):
    login(at, "chutich")
    open_page(at, REVIEW)
    open_tab(at, "bxtd_tab", "Quy chế")
    assert "Năm học này đã có biểu quyết: quy chế đã khóa." in texts(at)  # the demo year
    year = at.selectbox(key="bxtd_nam")
    year.set_value(year.options[0]).run()  # the current school year: nothing voted yet
    area = at.text_area[0]
    area.input(area.value.replace("value: 10\n", "value: mười\n", 1).replace(
        'value: "xuống"', 'value: "ngang"'))  # fmt: skip
    _button(at, "Lưu quy chế").click().run()
    errors = [shown(e.value) for e in at.error]
    assert any("LDTT.min_months" in s for s in errors)
    assert any("CSTDCS.quota_rounding" in s for s in errors)


@pytest.mark.parametrize("username", ["giamkhao1", "giaovien"])
def test_review_page_is_for_admins_only(at, tmp_path, monkeypatch, username):
    login(at, username)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(REVIEW)
    page = AppTest.from_file(str(ROOT / REVIEW))
    login(page, username)
    assert "Bạn không có quyền mở trang này." in texts(page)
    assert "Đủ điều kiện" not in texts(page)


VOTE = "pages/bo-phieu-thi-dua.py"


def test_vote_page_roles(at):
    login(at, "giamkhao2")  # voted in the demo meeting
    open_page(at, VOTE)
    assert not at.exception
    assert "Bạn đã bỏ phiếu: phiếu của bạn đã được tính." in texts(at)
    assert not at.radio
    login(at, "giamkhao1")
    open_page(at, VOTE)
    assert "Lê Thu Hà – LĐTT" in [r.label for r in at.radio]
    login(at, "giaovien")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(VOTE)


def test_members_vote_on_the_demo_ballot_and_tallies_show_after_closing(at):
    login(at, "chutich")
    open_page(at, REVIEW)
    open_tab(at, "bxtd_tab", "Biểu quyết")
    assert "1/3" in texts(at)  # the demo meeting: giamkhao2 has voted
    assert not [f for f in at.dataframe if "dong_y" in f.value.columns]  # no tallies yet
    for member in ("giamkhao1", "chutich"):
        login(at, member)
        open_page(at, VOTE)
        assert not at.exception
        for radio in at.radio:
            radio.set_value("Đồng ý")
        _button(at, "Gửi phiếu").click().run()
        assert "Đã gửi phiếu." in texts(at)
        assert "Bạn đã bỏ phiếu: phiếu của bạn đã được tính." in texts(at)
    login(at, "chutich")
    open_page(at, REVIEW)
    open_tab(at, "bxtd_tab", "Biểu quyết")
    assert "3/3" in texts(at)
    _button(at, "Đóng bỏ phiếu").click().run()
    shown = texts(at)
    assert "Đã đóng bỏ phiếu." in shown
    tally = next(f.value for f in at.dataframe if "dong_y" in f.value.columns).set_index("name")
    assert tally.loc["Hoàng Mai Anh", "dong_y"] == 2 and tally.loc["Lê Thu Hà", "dong_y"] == 3
    assert set(tally["co_mat"]) == {3}
    assert "2/3 đồng ý (66,7%)" in shown and "3/3 đồng ý (100%)" in shown
    # A new ballot can be opened once this one is closed.
    assert OPEN_3 in [b.label for b in at.button]


OPEN_3 = "Mở bỏ phiếu trên điện thoại (3 thành viên có mặt)"


def test_chair_records_the_meeting_and_opens_a_ballot_with_the_members_present(at):
    login(at, "chutich")
    open_page(at, REVIEW)
    open_tab(at, "bxtd_tab", "Biểu quyết")
    assert "Ngày 24/05/2024, 14:00–16:30, Phòng họp Trường mầm non Ánh Sao. Có mặt 3/3" in (
        texts(at)
    )
    # While the ballot is open the number present cannot change: it is what shares are of.
    con = _db(at)
    record = M.get_meeting(con, YEAR)
    members = [replace(a, present=False, reason="Ốm") if a.username == "giamkhao1" else a
               for a in record.attendance]  # fmt: skip
    fields = dict(held_on=record.held_on, starts_at="14:00", ends_at="17:00", place=record.place,
                  chaired_by=record.chaired_by, secretary=record.secretary)  # fmt: skip
    admin = get_user(con, "chutich")
    with pytest.raises(Invalid, match="Cuộc bỏ phiếu đang mở với 3 thành viên có mặt"):
        M.save_meeting(con, admin, YEAR, attendance=members, **fields)
    # The form saves the record as shown (place changed here).
    place = next(t for t in at.text_input if t.label == "Địa điểm")
    place.input("Phòng họp tầng 2")
    _button(at, "Lưu thông tin cuộc họp").click().run()
    assert "Đã lưu thông tin cuộc họp bình xét." in texts(at)
    assert M.get_meeting(con, YEAR).place == "Phòng họp tầng 2"
    _button(at, "Đóng bỏ phiếu").click().run()
    M.save_meeting(con, admin, YEAR, attendance=members, **fields)  # closed: may change now
    at.run()
    _button(at, "Mở bỏ phiếu trên điện thoại (2 thành viên có mặt)").click().run()
    assert "Đã mở bỏ phiếu" in texts(at) and "0/2" in texts(at)
    # The member recorded absent cannot vote from a phone.
    login(at, "giamkhao1")
    open_page(at, VOTE)
    assert "Biên bản cuộc họp không ghi bạn có mặt" in texts(at)
    assert not [b for b in at.button if b.label == "Gửi phiếu"]


def test_documents_tab_explains_a_ballot_refused_while_the_list_is_over_the_quota(at):
    from lib.scoring import rounds, states
    from lib.scoring.results import results, set_override

    login(at, "chutich")
    con = _db(at)
    rid = int(rounds.list_rounds(con)["id"].iloc[0])
    for row in results(con, rid).itertuples():  # every demo SKKN graded A: 3 CSTĐCS for quota 1
        set_override(con, int(row.entry_id), "A", "Thử", "chutich")
    for step in (states.open_round, states.close_round, states.finalize_round):
        step(con, rid, "chutich")
    open_page(at, REVIEW)
    open_tab(at, "bxtd_tab", "Văn bản")
    assert not at.exception
    offered = downloads(at)
    assert [offered[k] for k in offered if k.startswith("Phiếu bầu")] == [True]
    assert "3 người đủ điều kiện CSTĐCS nhưng chỉ tiêu là 1" in texts(at)
