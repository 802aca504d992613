"""Council documents: Vietnamese text intact, numbers as numbers, no formula runs in Excel."""

import io
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl

from lib.documents import office, skkn
from lib.scoring.rubric import load_rubric_yaml

ROOT = Path(__file__).resolve().parent.parent
HEAD = office.Letterhead()
ROWS = [
    skkn.ResultRow("SKKN-001", "Một số biện pháp giúp trẻ 5–6 tuổi phát triển ngôn ngữ",
                      "Bùi Thanh Tâm (100%)", "Ngôn ngữ", "Tổ Mẫu giáo lớn",
                      (Decimal("16.5"), Decimal("17")), Decimal("16.75"), "A"),
    skkn.ResultRow("SKKN-002", "=HYPERLINK(\"http://x\",\"bấm\")", "Đặng Ngọc Ánh (100%)",
                      "Toán", "Tổ Mẫu giáo nhỡ", (Decimal("14"), Decimal("13.5")),
                      Decimal("13.75"), "B", "Chủ tịch HĐ điều chỉnh"),
]  # fmt: skip


def cells(data: bytes) -> list[list[object]]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_results_workbook_keeps_vietnamese_and_numbers():
    grid = cells(skkn.results_workbook(HEAD, "Đợt chấm SKKN 2025", "2024-2025", ROWS))
    flat = [v for row in grid for v in row if v is not None]
    assert "BẢNG TỔNG HỢP KẾT QUẢ CHẤM SKKN" in flat and "TRƯỜNG MẦM NON ÁNH SAO" in flat
    header = next(row for row in grid if row[0] == "STT")
    assert header[6:11] == ["GK1", "GK2", "Điểm TB", "Xếp loại", "Ghi chú"]
    first = next(row for row in grid if row[1] == "SKKN-001")
    assert first[6:10] == [16.5, 17, 16.75, "A"]
    assert first[3] == "Bùi Thanh Tâm (100%)"


def test_text_that_looks_like_a_formula_is_stored_as_text():
    data = skkn.results_workbook(HEAD, "Đợt", "2024-2025", ROWS)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.quotePrefix
    assert office.neutralise("=1+1") == "'=1+1" and office.neutralise(5) == 5


def test_grade_a_list_has_only_grade_a():
    grid = cells(skkn.grade_a_workbook(HEAD, "Đợt", "2024-2025", ROWS))
    codes = [row[1] for row in grid if isinstance(row[0], int)]
    assert codes == ["SKKN-001"]


def test_sheet_document_lists_every_criterion_and_hides_authors_when_blind():
    rubric, errors = load_rubric_yaml((ROOT / "data/rubrics/mau-20-diem.yaml").read_text("utf-8"))
    assert not errors
    scores = {c.code: c.max for c in rubric.criteria}
    data = skkn.sheet_document(
        HEAD, "Đợt chấm 2025", rubric, code="SKKN-001", title="Phát triển ngôn ngữ",
        authors=None, examiner="Lê Thu Hà", scores=scores, comments={"II.3": "Rất tốt"},
        overall="Đề nghị xếp loại A", grade="A",
    )  # fmt: skip
    d = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "PHIẾU CHẤM SÁNG KIẾN KINH NGHIỆM" in text and "Tác giả" not in text
    table = [[c.text for c in row.cells] for row in d.tables[1].rows]
    assert [row[0] for row in table[1:]][:2] == ["I", "I.1"]
    assert table[-1] == ["", "TỔNG ĐIỂM", "20", "20", ""]
    assert any(row[0] == "II.3" and row[4] == "Rất tốt" for row in table)


def test_minutes_document_has_members_results_and_signatures():
    data = skkn.minutes_document(
        HEAD, "Đợt chấm SKKN 2025", "Cấp trường", "2024-2025",
        [("Nguyễn Thị Quyên", "Chủ tịch"), ("Lê Thu Hà", "Thành viên")], ROWS,
        chair="Nguyễn Thị Quyên", secretary="Lê Thu Hà",
    )  # fmt: skip
    d = docx.Document(io.BytesIO(data))
    text = "\n".join(p.text for p in d.paragraphs)
    assert "BIÊN BẢN" in text and "Tổng số SKKN: 2 (loại A: 1; loại B: 1)." in text
    all_cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert "Lê Thu Hà" in all_cells and "CHỦ TỊCH HỘI ĐỒNG" in "\n".join(all_cells)


def test_a_scored_round_gives_all_four_documents(demo_con):
    import zipfile

    from lib.scoring import rounds, sheets
    from tests.scoring_helpers import add_entry, full_marks, make_round, rubric20, user

    con = demo_con
    rid = make_round(con, name="Đợt chấm SKKN 2024-2025", blind=True)
    eid = add_entry(con, rid, title="Biện pháp phát triển ngôn ngữ cho trẻ 5 tuổi")
    for examiner in ("giamkhao1", "giamkhao2"):
        rounds.assign(con, eid, examiner, "chutich")
    rounds.open_round(con, rid, "chutich")
    for examiner in ("giamkhao1", "giamkhao2"):
        sheets.submit_sheet(con, user(con, examiner), eid, full_marks(rubric20()))

    grid = cells(skkn.round_results_xlsx(con, rid))
    row = next(r for r in grid if r[2] == "Biện pháp phát triển ngôn ngữ cho trẻ 5 tuổi")
    assert row[6:10] == [20, 20, 20, "A"]
    assert "TRƯỜNG MẦM NON ÁNH SAO" in [v for r in grid for v in r]  # from the demo plan
    assert [r[1] for r in cells(skkn.round_grade_a_xlsx(con, rid)) if isinstance(r[0], int)]

    minutes = docx.Document(io.BytesIO(skkn.round_minutes_docx(con, rid)))
    names = [c.text for t in minutes.tables for row in t.rows for c in row.cells]
    assert "Lê Thu Hà" in names and "Phạm Minh Châu" in names

    with zipfile.ZipFile(io.BytesIO(skkn.round_sheets_zip(con, rid))) as archive:
        files = sorted(archive.namelist())
        assert len(files) == 2 and files[0].endswith("GK1.docx")
        sheet = docx.Document(io.BytesIO(archive.read(files[0])))
    text = "\n".join(p.text for p in sheet.paragraphs)
    assert "Tác giả" not in text  # a blind round, not yet published
    assert "Giám khảo: Lê Thu Hà" in text
