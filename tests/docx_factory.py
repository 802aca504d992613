"""Build realistic Word files of plan 13/KH-MNAS (the seed) with python-docx, for tests."""

from __future__ import annotations

import io
from typing import Literal

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.shared import Cm, Pt

CHAIR = ("", "- Đ/c Quyên", "Chủ tịch HĐ")
# The schedule as typed in the seed: (period, content, unit lines, leader lines); "" continues
# the period above. The seed's typos ("câp", "HĐSKNKN") are kept on purpose.
SCHEDULE: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    (
        "Tháng 03/2024",
        "Xây dựng kế hoạch công tác thi đua, khen thưởng năm 2024",
        ("HĐTĐKT",),
        CHAIR[1:],
    ),
    ("", "Hướng dẫn qui trình chấm SKKN câp trường", ("HĐTĐKT",), CHAIR[1:]),
    ("", "-Tổ chức chấm, xét duyệt SKKN cấp trường ", ("HĐTĐKT", "HĐSKKN"), CHAIR[1:]),
    (
        "",
        "BC kết quả, gửi hồ sơ SKKN đạt loại A cấp trường gửi cấp Quận",
        ("HĐTĐKT", "HĐSKNKN"),
        CHAIR[1:],
    ),
    (
        "",
        "Gửi hồ sơ xét tặng kỷ niệm chương “Vì sự nghiệp giáo dục” năm 2024",
        ("HĐTĐKT",),
        CHAIR[1:],
    ),
    (
        "Tháng 5/2024",
        "Tham gia Hội thi Nhà giáo Long Biên tâm huyết sáng tạo",
        ("HĐTĐKT",),
        CHAIR[1:],
    ),
    ("", "Gửi hồ sơ thi đua năm học 2023- 2024", ("HĐTĐKT",), CHAIR[1:]),
    (
        "Trước tháng 6/2024",
        "Tham gia tập huấn nghiệp vụ công tác thi đua khen thưởng năm 2024",
        ("HĐTĐKT",),
        CHAIR[1:],
    ),
    (
        "Tháng 10/ 2024",
        "100% thực hiện chủ đề “Hành động vì nhà trường xanh - sạch - đẹp - văn minh - an toàn”"
        " năm 2024; văn hóa chào trong và ngoài nhà trường: “cúi đầu- mỉm cười- khoanh tay”",
        ("HĐTĐKT",),
        CHAIR,
    ),
    (
        "Tháng 11/ 2024",
        "Tổ chức Lễ kỷ niệm Ngày nhà giáo Việt Nam 20/11; Khen thưởng các tập thể, cá nhân "
        "điển hình tiên tiến năm 2024",
        ("HĐTĐKT",),
        CHAIR,
    ),
]
# The spacer row sits after this many schedule rows (after the "Tháng 5/2024" block).
SPACER_AFTER = 7

HEADERS = {
    "caps": (
        "THỜI GIAN",
        "NỘI DUNG",
        "BỘ PHẬN THỰC HIỆN",
        "LÃNH ĐẠO PHỤ TRÁCH",
        "LƯU Ý\n(ND sửa đổi)",
    ),
    "variant": (
        "Thời gian thực hiện",
        "Nội dung công việc",
        "Bộ phận/Người thực hiện",
        "Người phụ trách",
        "Ghi chú",
    ),
}

BODY = [
    "Căn cứ Kế hoạch số 102/KH-UBND ngày 21/02/2024 của UBND quận Long Biên về công tác thi "
    "đua khen thưởng năm 2024; Tiếp tục thực hiện đề án “Đổi mới, nâng cao chất lượng công "
    "tác thi đua khen thưởng” giai đoạn 2021 - 2026; ",
    "Phát huy kết quả đạt được trong công tác thi đua, khen thưởng năm 2023; nhằm thực hiện "
    "thắng lợi các mục tiêu nhiệm vụ đề ra; Hội đồng thi đua - khen thưởng trường mầm non Ánh "
    "Sao ban hành Kế hoạch công tác, thi đua khen thưởng năm 2024, cụ thể như sau:",
    "I. MỤC ĐÍCH - YÊU CẦU",
    "1. Mục đích",
    "- Phát động và triển khai phong trào thi đua yêu nước trong toàn ngành giáo dục và đào "
    "tạo Quận nhằm thực hiện các nhiệm vụ chính trị.",
    "III. TỔ CHỨC THỰC HIỆN",
    "- Xây dựng và triển khai kế hoạch thi đua, khen thưởng năm 2024 đến CBGVNV nhà trường "
    "đảm bảo thiết thực, hiệu quả.",
    "Trên đây là Kế hoạch công tác thi đua khen thưởng năm 2024 của trường mầm non Ánh Sao./.",
]


def _paragraphs(cell, lines: tuple[str, ...] | list[str], *, bold_first: bool = False) -> None:
    """Write lines into a cell as separate paragraphs (the first reuses the cell's own)."""
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = paragraph.add_run(line)
        run.bold = bold_first and i == 0


def _write_cell(cell, text: str) -> None:
    _paragraphs(cell, text.split("\n"))


def _header(document, *, in_table: bool) -> None:
    left = ["UBND QUẬN LONG BIÊN", "TRƯỜNG MẦM NON ÁNH SAO", "", "Số: 13 /KH-MNAS  "]
    right = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh Phúc",
        "",
        "Long Biên, ngày 27 tháng  03 năm 2024",
    ]
    if not in_table:
        for line in [*left, *right]:
            document.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
        return
    table = document.add_table(rows=1, cols=2)
    left_cell, right_cell = table.rows[0].cells
    _paragraphs(left_cell, left)
    left_cell.paragraphs[1].runs[0].bold = True
    _paragraphs(right_cell, right, bold_first=True)
    right_cell.paragraphs[-1].runs[0].italic = True


def _signature(document) -> None:
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.paragraphs[0].add_run("Nơi nhận:").bold = True
    for line in ("- CBGVNV: (để t/h);", "- Lưu:VT(02)."):
        left.add_paragraph(line).runs[0].font.size = Pt(11)
    _paragraphs(right, ["HIỆU TRƯỞNG ", "(Đã ký)", "", "Nguyễn Thị Quyên   "], bold_first=True)


def _leader_cell(cell, lines: tuple[str, ...], soft_break: bool) -> None:
    """Write a leader cell; some secretaries press Shift+Enter (a line break) instead of Enter."""
    if soft_break and lines[0]:
        run = cell.paragraphs[0].add_run(lines[0])
        for line in lines[1:]:
            run.add_break(WD_BREAK.LINE)
            run = cell.paragraphs[0].add_run(line)
        return
    for i, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
        paragraph.add_run(line)


def _schedule(document, *, merged: bool, headers: tuple[str, ...]) -> None:
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run("BIỂU TIẾN ĐỘ THỰC HIỆN").bold = True
    caption = document.add_paragraph()
    caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = caption.add_run("(Kèm theo kế hoạch số  13 /KH-MNAS ngày 27 tháng 03 năm 2024")
    run.add_break(WD_BREAK.LINE)
    caption.add_run("của trường mầm non Ánh Sao)").italic = True

    table = document.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, title in zip(table.rows[0].cells, headers, strict=True):
        _write_cell(cell, title)
        for paragraph in cell.paragraphs:
            for r in paragraph.runs:
                r.bold = True

    spans: list[tuple[int, int]] = []  # (first table row, last table row) of each period
    for index, (period, content, unit, leader) in enumerate(SCHEDULE):
        if index == SPACER_AFTER:
            table.add_row()
        cells = table.add_row().cells
        row_index = len(table.rows) - 1
        if period:
            cells[0].paragraphs[0].add_run(period)
            if index == 0:
                cells[0].add_paragraph("")  # the seed has a trailing empty paragraph here
            spans.append((row_index, row_index))
        else:
            spans[-1] = (spans[-1][0], row_index)
        cells[1].paragraphs[0].add_run(content)
        _paragraphs(cells[2], unit)
        _leader_cell(cells[3], leader, soft_break=index == 1)
    if merged:
        for first, last in spans:
            if last > first:
                table.cell(first, 0).merge(table.cell(last, 0))
    for row in table.rows:
        for cell, width in zip(row.cells, (Cm(2.5), Cm(7), Cm(2.5), Cm(3), Cm(2.5)), strict=True):
            cell.width = width


def build_plan_docx(
    *,
    merged: bool = True,
    headers: Literal["caps", "variant"] = "caps",
    with_schedule: bool = True,
    header_table: bool = True,
) -> bytes:
    """Return the bytes of plan 13/KH-MNAS as a secretary's Word file, in the chosen variant."""
    document = docx.Document()
    _header(document, in_table=header_table)
    document.add_paragraph("")
    for line in ("KẾ HOẠCH", "Công tác thi đua, khen thưởng năm 2024"):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(line).bold = True
    for text in BODY:
        paragraph = document.add_paragraph(text)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    document.add_paragraph(" ")
    _signature(document)
    if with_schedule:
        document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _schedule(document, merged=merged, headers=HEADERS[headers])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
