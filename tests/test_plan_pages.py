"""Kế hoạch, Tiến độ and Trình chiếu through the real app.py (AppTest), as each role."""

import json
from datetime import date

import pytest

from lib.access import users
from lib.core import db
from lib.plans import editing, plans
from tests.apptest import app, login, open_page, open_tab, texts

ROLES = ["chutich", "giamkhao1", "giaovien"]
PAGES = ["pages/ke-hoach.py", "pages/tien-do.py", "pages/trinh-chieu.py"]


@pytest.fixture
def at(tmp_path, monkeypatch):
    return app(tmp_path / "app.duckdb", monkeypatch)


def button(at, label):
    return next(b for b in at.button if b.label == label)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def side_connection(tmp_path):
    """Another session's view of the app's database (the app's own process-wide connection)."""
    from lib.ui import context

    return context._database(str(db.db_path(tmp_path / "app.duckdb"))).cursor()


@pytest.mark.parametrize("username", ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_pages_render_for_every_role(at, username, path):
    login(at, username)
    open_page(at, path)
    assert not at.exception
    shown = texts(at)
    assert "13/KH-MNAS" in shown or "13/KH-MNAS" in str([s.value for s in at.selectbox])
    assert "Bạn không có quyền" not in shown


@pytest.mark.parametrize("username", ["giamkhao1", "giaovien"])
def test_others_read_the_plan_but_get_no_editing_widget(at, username):
    login(at, username)
    open_page(at, "pages/ke-hoach.py")
    shown = texts(at)
    assert "Biểu tiến độ thực hiện (10 việc)" in shown
    assert "Bạn có quyền xem" in shown
    assert not [b for b in at.button if b.label in ("Lưu thay đổi", "Xóa việc này", "Sao chép")]
    assert not at.text_input and not at.date_input


def test_plan_page_shows_every_schedule_row_with_its_month(at):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    table = at.dataframe[1].value
    assert list(table["period_label"])[:1] == ["Tháng 03/2024"] and len(table) == 10
    due = [d.strftime("%m/%Y") for d in table["due_date"]]
    assert due == ["03/2024"] * 5 + ["05/2024"] * 3 + ["10/2024", "11/2024"]
    assert "Trường mầm non Ánh Sao" in texts(at) and "Nguyễn Thị Quyên" in texts(at)
    assert "Dữ liệu mẫu" in texts(at)


def test_plan_page_opens_without_a_task_form_until_a_task_is_chosen(at, tmp_path):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    assert at.selectbox(key="plans_task").value is None
    assert not at.date_input and not [b for b in at.button if b.label == "Xóa việc này"]
    assert "Chọn một việc ở trên (gõ vài chữ để tìm) để sửa, đổi thứ tự hoặc xóa." in texts(at)
    at.selectbox(key="plans_task").set_value(3).run()
    third = plans.tasks(side_connection(tmp_path), 1).iloc[2]
    assert at.text_area(key="t3_0_content").value == third["content"]
    assert [b for b in at.button if b.label == "Xóa việc này"]


def test_admin_marks_a_task_done_and_progress_follows(at):
    login(at, "chutich")
    open_page(at, "pages/tien-do.py")
    assert metric(at, "Hoàn thành") == "8/10"
    open_page(at, "pages/ke-hoach.py")
    at.selectbox(key="plans_task").set_value(10).run()
    at.selectbox(key="t10_0_status").set_value("done")
    at.text_input(key="t10_0_evidence").input("Biên bản lễ 20/11")
    button(at, "Lưu thay đổi").click().run()
    assert not at.exception
    assert "Đã lưu việc số 10." in texts(at)
    row = at.dataframe[1].value.iloc[-1]
    assert row["status_label"] == "Hoàn thành" and row["evidence"] == "Biên bản lễ 20/11"
    assert row["done_on"] == date.today() and row["updated"].startswith("chutich · ")
    open_page(at, "pages/tien-do.py")
    assert metric(at, "Hoàn thành") == "9/10"
    assert metric(at, "Quá hạn") == "1"  # the demo's last month is long past


def test_bad_task_input_gets_a_message_and_keeps_what_was_typed(at):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    assert not [t for t in at.text_input if t.key == "new_0_period"]  # another tab is open
    open_tab(at, "plans_tab", "Thêm công việc")
    at.text_input(key="new_0_period").input("Tháng 12/2024")
    at.text_area(key="new_0_content").input("Tổ chức chấm, xét duyệt SKKN cấp trường")
    at.date_input(key="new_0_start").set_value(date(2024, 12, 20))
    at.date_input(key="new_0_due").set_value(date(2024, 12, 1))
    button(at, "Thêm công việc").click().run()
    shown = texts(at)
    assert "Kế hoạch đã có việc này (dòng 3)" in shown
    assert "Hạn hoàn thành (01/12/2024) trước ngày bắt đầu (20/12/2024)." in shown
    assert at.text_area(key="new_0_content").value == "Tổ chức chấm, xét duyệt SKKN cấp trường"
    assert len(at.dataframe[1].value) == 10
    at.text_area(key="new_0_content").input("   ")
    button(at, "Thêm công việc").click().run()
    assert "Nội dung công việc đang trống." in texts(at)


def test_admin_adds_a_task_with_an_unreadable_period_and_sees_it_listed(at):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    open_tab(at, "plans_tab", "Thêm công việc")
    at.text_input(key="new_0_period").input("Khi có công văn của Quận")
    at.text_area(key="new_0_content").input("Gửi báo cáo sơ kết")
    button(at, "Thêm công việc").click().run()
    assert not at.exception
    assert len(at.dataframe[1].value) == 11
    assert "Chưa hiểu được thời gian của 1 việc" in texts(at)
    assert "Dòng 11: “Khi có công văn của Quận”" in texts(at)
    assert at.text_area(key="new_1_content").value == ""  # a fresh form for the next task


def test_edit_of_a_task_another_session_changed_is_refused_and_kept(at, tmp_path):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    at.selectbox(key="plans_task").set_value(1).run()
    at.text_input(key="t1_0_note").input("Ghi chú của tôi")
    other = side_connection(tmp_path)
    row = plans.tasks(other, 1).iloc[0]
    edit = plans.TaskIn(period_label=row["period_label"], content=row["content"],
                        unit=row["unit"], leader=row["leader"], note="Bản của thư ký",
                        status="done", done_on=row["done_on"])  # fmt: skip
    editing.update_task(other, 1, edit, 1, users.get_user(other, "chutich"))
    button(at, "Lưu thay đổi").click().run()
    shown = texts(at)
    assert "Không lưu được" in shown and "sau khi bạn mở" in shown
    assert at.text_input(key="t1_0_note").value == "Ghi chú của tôi"
    assert editing.get_task(other, 1)["note"] == "Bản của thư ký"
    button(at, "Tải bản mới (bỏ những gì tôi vừa nhập)").click().run()
    assert at.text_input(key="t1_1_note").value == "Bản của thư ký"


def test_delete_asks_first_and_reorder_moves(at):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    at.selectbox(key="plans_task").set_value(1).run()
    button(at, "Đưa xuống dưới").click().run()
    assert list(at.dataframe[1].value["content"])[1].startswith("Xây dựng kế hoạch")
    button(at, "Xóa việc này").click().run()
    assert "Không thể hoàn tác" in texts(at)
    button(at, "Không xóa").click().run()
    assert len(at.dataframe[1].value) == 10
    button(at, "Xóa việc này").click().run()
    button(at, "Xóa hẳn").click().run()
    assert not at.exception
    assert len(at.dataframe[1].value) == 9
    assert "Đã xóa việc" in texts(at)


def test_copy_plan_to_next_year_opens_the_copy(at):
    login(at, "chutich")
    open_page(at, "pages/ke-hoach.py")
    open_tab(at, "plans_tab", "Sao chép sang năm mới")
    forms = [t for t in at.text_input if t.label == "Số kế hoạch mới"]
    forms[0].input("13/KH-MNAS")
    button(at, "Sao chép").click().run()
    assert "Đã có kế hoạch số 13/KH-MNAS." in texts(at)
    forms = [t for t in at.text_input if t.label == "Số kế hoạch mới"]
    forms[0].input("08/KH-MNAS")
    button(at, "Sao chép").click().run()
    assert not at.exception
    assert "08/KH-MNAS – Kế hoạch công tác thi đua, khen thưởng năm 2025" in texts(at)
    table = at.dataframe[1].value
    assert set(table["status_label"]) <= {"Chưa bắt đầu", "Quá hạn"}
    assert table.iloc[0]["period_label"] == "Tháng 03/2025"


def test_progress_filters_drive_numbers_and_lists(at):
    login(at, "giaovien")
    open_page(at, "pages/tien-do.py")
    assert metric(at, "Tổng số việc") == "10"
    at.multiselect(key="td_status").set_value(["Quá hạn"]).run()
    assert metric(at, "Tổng số việc") == "2"
    assert "Việc quá hạn (2)" in texts(at)
    at.multiselect(key="td_units").set_value(["HĐSKKN"]).run()
    assert "Không có việc nào khớp bộ lọc." in texts(at)


def test_meeting_view_has_big_numbers_and_no_editing_widget(at):
    login(at, "chutich")
    open_page(at, "pages/trinh-chieu.py")
    assert metric(at, "Hoàn thành") == "8/10"
    assert metric(at, "Quá hạn") == "2"
    assert not at.text_input and not at.text_area and not at.date_input
    assert [b.key for b in at.button] == ["nut_dang_xuat"]  # the sidebar's logout, hidden here
    assert "Việc quá hạn (2)" in texts(at)


def test_progress_shows_the_first_rows_of_a_long_list_and_offers_the_whole(at, monkeypatch):
    monkeypatch.setattr(plans, "LIST_MAX", 1)
    login(at, "giaovien")
    open_page(at, "pages/tien-do.py")
    assert not at.exception
    assert "Việc quá hạn (2)" in texts(at)
    late = at.dataframe[0].value
    assert len(late) == 1 and list(late.columns)[:2] == ["Kế hoạch", "Thời gian"]
    assert "Đang hiện 1 trong 2 việc quá hạn (hạn sớm nhất trước)" in texts(at)
    assert [b.label for b in at.download_button] == ["Tải đủ 2 việc quá hạn (CSV)"]
    monkeypatch.setattr(plans, "LIST_MAX", 200)
    at.run()
    assert len(at.dataframe[0].value) == 2 and not at.download_button
    assert "Đang hiện" not in texts(at)


def test_a_plan_without_tasks_opens_on_every_plan_page(at, tmp_path):
    login(at, "chutich")
    other = side_connection(tmp_path)
    empty = plans.PlanIn("09/KH-MNAS", "Kế hoạch chưa có việc")
    new_id = editing.new_plan(other, empty, users.get_user(other, "chutich"))
    for path, key in [("pages/tong-quan.py", "home_plan"), ("pages/trinh-chieu.py", "tc_plan"),
                      ("pages/ke-hoach.py", "plans_plan")]:  # fmt: skip
        open_page(at, path)
        at.selectbox(key=key).set_value(new_id).run()
        assert not at.exception, path
    assert "Kế hoạch chưa có việc nào." in texts(at)


def test_progress_writes_large_counts_with_a_thousands_dot(at, tmp_path):
    login(at, "giaovien")  # the first run creates the demo database
    con = side_connection(tmp_path)
    plan = plans.PlanIn(code="99/KH-LON", title="Kế hoạch nhiều việc", year=2023)
    late = [plans.TaskIn("Tháng 3/2023", f"Việc cũ số {i}") for i in range(1200)]
    with db.transaction(con):
        plans.insert_plan(con, plan, late, "chutich")
    open_page(at, "pages/tien-do.py")
    assert metric(at, "Tổng số việc") == "1.210"
    assert "Việc quá hạn (1.202)" in texts(at)
    assert [b.label for b in at.download_button] == ["Tải đủ 1.202 việc quá hạn (CSV)"]


def test_progress_draws_the_timeline_and_groups_only_once_opened(at):
    def titles():
        return [json.loads(c.proto.spec)["title"]["text"] for c in at.get("vega_lite_chart")]

    login(at, "giaovien")
    open_page(at, "pages/tien-do.py")
    assert titles() == ["Số việc theo tháng (hạn)", "Theo kế hoạch"]
    assert [e.label for e in at.expander] == [
        "Lịch thực hiện", "Theo bộ phận thực hiện và lãnh đạo phụ trách"
    ]  # fmt: skip
    at.session_state["td_lich"] = True  # the user opens the timeline
    at.run()
    assert titles() == ["Số việc theo tháng (hạn)", "Theo kế hoạch", "Lịch thực hiện"]
    at.session_state["td_nhom"] = True
    at.run()
    assert titles()[3:] == ["Theo bộ phận thực hiện", "Theo lãnh đạo phụ trách"]
