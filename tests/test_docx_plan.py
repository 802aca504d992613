"""Tests of lib.docx_plan on Word files of plan 13/KH-MNAS built by tests.docx_factory."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest

from lib.plans.word import NO_SCHEDULE, PlanRow, parse_plan_docx
from tests.docx_factory import build_plan_docx

CHAIR = "Đ/c Quyên – Chủ tịch HĐ"
# (period, content, unit) of the seed's ten schedule rows, as the app should store them.
EXPECTED = [
    ("Tháng 03/2024", "Xây dựng kế hoạch công tác thi đua, khen thưởng năm 2024", "HĐTĐKT"),
    ("Tháng 03/2024", "Hướng dẫn qui trình chấm SKKN câp trường", "HĐTĐKT"),
    ("Tháng 03/2024", "Tổ chức chấm, xét duyệt SKKN cấp trường", "HĐTĐKT HĐSKKN"),
    (
        "Tháng 03/2024",
        "BC kết quả, gửi hồ sơ SKKN đạt loại A cấp trường gửi cấp Quận",
        "HĐTĐKT HĐSKNKN",
    ),
    (
        "Tháng 03/2024",
        "Gửi hồ sơ xét tặng kỷ niệm chương “Vì sự nghiệp giáo dục” năm 2024",
        "HĐTĐKT",
    ),
    ("Tháng 5/2024", "Tham gia Hội thi Nhà giáo Long Biên tâm huyết sáng tạo", "HĐTĐKT"),
    ("Tháng 5/2024", "Gửi hồ sơ thi đua năm học 2023- 2024", "HĐTĐKT"),
    (
        "Trước tháng 6/2024",
        "Tham gia tập huấn nghiệp vụ công tác thi đua khen thưởng năm 2024",
        "HĐTĐKT",
    ),
    (
        "Tháng 10/ 2024",
        "100% thực hiện chủ đề “Hành động vì nhà trường xanh - sạch - đẹp - văn minh - an toàn” "
        "năm 2024; văn hóa chào trong và ngoài nhà trường: “cúi đầu- mỉm cười- khoanh tay”",
        "HĐTĐKT",
    ),
    (
        "Tháng 11/ 2024",
        "Tổ chức Lễ kỷ niệm Ngày nhà giáo Việt Nam 20/11; Khen thưởng các tập thể, cá nhân "
        "điển hình tiên tiến năm 2024",
        "HĐTĐKT",
    ),
]
# Table rows: header is 1, the spacer row 9 is skipped.
SOURCE_ROWS = [2, 3, 4, 5, 6, 7, 8, 10, 11, 12]


def parse(**options):
    plan, problems = parse_plan_docx(build_plan_docx(**options))
    assert plan is not None
    return plan, problems


def test_factory_really_merges_time_cells() -> None:
    xml = docx.Document(io.BytesIO(build_plan_docx())).tables[-1]._tbl.xml
    assert xml.count('w:vMerge w:val="restart"') == 2
    assert xml.count("<w:vMerge/>") == 5  # 4 continuation cells under 03/2024, 1 under 5/2024


@pytest.mark.parametrize(
    "options",
    [{}, {"merged": False}, {"headers": "variant"}, {"header_table": False}],
    ids=["merged", "blank-cells", "header-variants", "header-as-paragraphs"],
)
def test_all_ten_schedule_rows(options: dict) -> None:
    plan, problems = parse(**options)
    assert problems == []
    assert [(r.period, r.content, r.unit) for r in plan.rows] == EXPECTED
    assert {r.leader for r in plan.rows} == {CHAIR}
    assert {r.note for r in plan.rows} == {""}
    assert [r.source_row for r in plan.rows] == SOURCE_ROWS


def test_period_counts() -> None:
    periods = [r.period for r in parse()[0].rows]
    assert periods.count("Tháng 03/2024") == 5
    assert periods.count("Tháng 5/2024") == 2


def test_blank_time_cells_give_same_rows_as_merged() -> None:
    assert parse(merged=False)[0].rows == parse()[0].rows


def test_header_fields() -> None:
    plan, _ = parse()
    assert plan.code == "13/KH-MNAS"
    assert plan.issued_on == dt.date(2024, 3, 27)
    assert plan.place == "Long Biên"
    assert plan.title == "Công tác thi đua, khen thưởng năm 2024"
    assert plan.unit == "TRƯỜNG MẦM NON ÁNH SAO"
    assert plan.parent_unit == "UBND QUẬN LONG BIÊN"
    assert plan.signer == "Nguyễn Thị Quyên"
    assert plan.signer_title == "HIỆU TRƯỞNG"


def test_body_is_between_title_and_signature() -> None:
    body = parse()[0].body.split("\n")
    assert body[0].startswith("Căn cứ Kế hoạch số 102/KH-UBND ngày 21/02/2024")
    assert "I. MỤC ĐÍCH - YÊU CẦU" in body
    assert body[-1] == (
        "Trên đây là Kế hoạch công tác thi đua khen thưởng năm 2024 của trường mầm non Ánh Sao./."
    )
    assert not any("Nơi nhận" in line or "Quyên" in line for line in body)


def test_no_schedule_table_keeps_header_and_reports() -> None:
    plan, problems = parse(with_schedule=False)
    assert plan.rows == []
    assert plan.code == "13/KH-MNAS" and plan.signer == "Nguyễn Thị Quyên"
    assert [p.message for p in problems] == [NO_SCHEDULE]


def _table_doc(rows: list[list[str]]) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_schedule_with_numbering_row_stt_column_and_several_leaders() -> None:
    data = _table_doc(
        [
            ["TT", "Thời gian", "Nội dung công việc", "Người thực hiện", "Chỉ đạo", "Ghi chú"],
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
            ["1", "Tháng 9/2024", "- Họp HĐ\n- Phân công", "Tổ CM\n", "- Đ/c A\nHT\n- Đ/c B", "x"],
            ["2", "", "Tổng kết", "", "", ""],
        ]
    )
    plan, problems = parse_plan_docx(data)
    assert problems == []
    assert plan.rows == [
        PlanRow("Tháng 9/2024", "Họp HĐ\nPhân công", "Tổ CM", "Đ/c A – HT; Đ/c B", "x", 3),
        PlanRow("Tháng 9/2024", "Tổng kết", "", "", "", 4),
    ]
    assert plan.code is None and plan.signer is None


@pytest.mark.parametrize(
    ("data", "word"),
    [
        (b"", "rỗng"),
        (b"PK\x03\x04 broken", "Tệp Word bị hỏng"),
        (b"just some text", "Tệp Word bị hỏng"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".doc"),
    ],
)
def test_bad_files(data: bytes, word: str) -> None:
    plan, problems = parse_plan_docx(data)
    assert plan is None
    assert len(problems) == 1 and word in problems[0].message


def test_xlsx_given_as_docx_is_reported_not_raised() -> None:
    import openpyxl

    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    plan, problems = parse_plan_docx(buffer.getvalue())
    assert plan is None and "Tệp Word bị hỏng" in problems[0].message


def test_plain_paragraph_plan_with_deputy_signer_and_two_line_title() -> None:
    document = docx.Document()
    for line in [
        "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN LONG BIÊN",
        "TRƯỜNG MẦM NON ÁNH SAO",
        "Số:  21/KH - MNAS",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Long Biên, ngày 5 tháng 9 năm 2024",
        "KẾ HOẠCH",
        "Tổ chức hội thi giáo viên dạy giỏi",
        "năm học 2024 - 2025",
        "Căn cứ kế hoạch năm học 2024 - 2025 của nhà trường;",
        "I. MỤC ĐÍCH",
        "Nơi nhận:",
        "- Như trên;",
        "KT. HIỆU TRƯỞNG",
        "PHÓ HIỆU TRƯỞNG",
        "(Ký, ghi rõ họ tên)",
        "Trần Thị Hà",
    ]:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    plan, problems = parse_plan_docx(buffer.getvalue())
    assert [p.message for p in problems] == [NO_SCHEDULE]
    assert plan.code == "21/KH-MNAS"
    assert plan.issued_on == dt.date(2024, 9, 5)
    assert plan.title == "Tổ chức hội thi giáo viên dạy giỏi năm học 2024 - 2025"
    assert plan.parent_unit == "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO QUẬN LONG BIÊN"
    assert plan.body == "Căn cứ kế hoạch năm học 2024 - 2025 của nhà trường;\nI. MỤC ĐÍCH"
    assert plan.signer_title == "KT. HIỆU TRƯỞNG – PHÓ HIỆU TRƯỞNG"
    assert plan.signer == "Trần Thị Hà"
