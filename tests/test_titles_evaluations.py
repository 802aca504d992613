"""Evaluations: typed on the page or checked from a file, every problem with row and column."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from lib.core.errors import Invalid
from lib.titles import evaluations as ev
from tests.titles_helpers import YEAR, evaluate, school


@pytest.fixture
def ids(con):
    return school(con)


def test_an_evaluation_is_stored_and_replaced(con, ids):
    pid = ids["Lê Thị Bình"]
    evaluate(con, pid, "Hoàn thành tốt nhiệm vụ", "9,5", "3", counted_months="2")
    stored = ev.get_evaluation(con, YEAR, pid)
    assert (stored.rating, stored.months_worked, stored.months_counted, stored.days_off) == (
        "HTT", Decimal("9.5"), Decimal("11.5"), 3)  # fmt: skip
    evaluate(con, pid, "htxs", "12", "0", discipline="khiển trách", discipline_until="31/12/2023")
    stored = ev.get_evaluation(con, YEAR, pid)
    assert stored.rating == "HTXS" and stored.discipline == "Khiển trách"
    assert stored.discipline_until == date(2023, 12, 31)


def test_a_bad_evaluation_lists_every_field_and_writes_nothing(con, ids):
    with pytest.raises(Invalid) as refused:
        evaluate(con, ids["Lê Thị Bình"], "Giỏi", "13", "-2", discipline="Phạt",
                 discipline_until="32/13/2023")  # fmt: skip
    assert set(refused.value.errors) == {
        "rating", "months_worked", "days_off", "discipline", "discipline_until"}  # fmt: skip
    assert "Xếp loại “Giỏi” không hợp lệ" in refused.value.errors["rating"]
    assert ev.get_evaluation(con, YEAR, ids["Lê Thị Bình"]) is None


def test_discipline_dates_need_a_measure_and_an_order(con, ids):
    with pytest.raises(Invalid) as refused:
        evaluate(con, ids["Lê Thị Bình"], discipline_from="01/03/2024")
    assert "hình thức kỷ luật" in refused.value.errors["discipline"]
    with pytest.raises(Invalid) as refused:
        evaluate(con, ids["Lê Thị Bình"], discipline="Cảnh cáo", discipline_from="01/03/2024",
                 discipline_until="01/02/2024")  # fmt: skip
    assert refused.value.errors == {"discipline_until": "Ngày hết kỷ luật trước ngày bắt đầu."}


def _file(rows):
    return pd.DataFrame(rows, dtype=str).fillna("")


def test_file_check_collects_every_problem_with_row_and_column(con, ids):
    table = _file([
        {"Họ và tên": "Lê Thị Bình", "Xếp loại": "Hoàn thành tốt nhiệm vụ",
         "Số tháng công tác": "12", "Số ngày nghỉ": "2", "Kỷ luật": "", "Kỷ luật đến ngày": ""},
        {"Họ và tên": "Người Lạ", "Xếp loại": "Tốt", "Số tháng công tác": "mười",
         "Số ngày nghỉ": "1", "Kỷ luật": "", "Kỷ luật đến ngày": ""},
        {"Họ và tên": "lê thị  bình", "Xếp loại": "HT", "Số tháng công tác": "12",
         "Số ngày nghỉ": "0", "Kỷ luật": "Cảnh cáo", "Kỷ luật đến ngày": "31/02/2024"},
    ])  # fmt: skip
    planned, problems = ev.check_evaluations(con, table, YEAR)
    shown = [str(p) for p in problems]
    assert planned.evaluations == ()
    assert "Dòng 3, cột “Họ và tên”: Không có cán bộ tên “Người Lạ”." in shown
    assert any(s.startswith("Dòng 3, cột “Xếp loại”: Xếp loại “Tốt” không hợp lệ") for s in shown)
    assert any(s.startswith("Dòng 3, cột “Số tháng công tác”") for s in shown)
    assert "Dòng 4, cột “Họ và tên”: Người này đã có ở dòng 2." in shown
    assert any(s.startswith("Dòng 4, cột “Kỷ luật đến ngày”") for s in shown)
    assert len(problems) == 5


def test_file_by_username_is_planned_then_written(con, ids):
    table = _file([
        {"Tên đăng nhập": "AN", "Xếp loại": "Hoàn thành xuất sắc nhiệm vụ",
         "Số tháng công tác": "12", "Số ngày nghỉ": "", "Kỷ luật": "", "Kỷ luật đến ngày": ""},
        {"Họ và tên": "Vũ Thu Hà", "Xếp loại": "Không hoàn thành nhiệm vụ",
         "Số tháng công tác": "10", "Số ngày nghỉ": "41", "Kỷ luật": "", "Kỷ luật đến ngày": ""},
    ])  # fmt: skip
    planned, problems = ev.check_evaluations(con, table, YEAR)
    assert problems == []
    assert ev.get_evaluation(con, YEAR, ids["Trần Văn An"]) is None  # checking writes nothing
    assert ev.write_evaluations(con, planned, "chutich") == 2
    assert ev.get_evaluation(con, YEAR, ids["Trần Văn An"]).rating == "HTXS"
    assert ev.get_evaluation(con, YEAR, ids["Vũ Thu Hà"]).days_off == 41


def test_file_without_the_needed_columns_is_refused_as_a_whole(con, ids):
    planned, problems = ev.check_evaluations(con, _file([{"Tên": "x", "Xếp loại": "HT"}]), YEAR)
    shown = [str(p) for p in problems]
    assert "cột “Tên”: Cột không được hỗ trợ." in shown
    assert "Cần cột “Họ và tên” hoặc “Tên đăng nhập”." in shown
    assert "cột “Số tháng công tác”: Thiếu cột này." in shown
    assert planned.evaluations == ()
