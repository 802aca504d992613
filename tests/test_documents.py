"""Council documents: Nghị định 30/2020 form, Thông tin đơn vị, meetings, votes, the dossier."""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal

import openpyxl
import pytest

from lib.core.errors import Invalid
from lib.documents import engine, numbers, office, organization, recognition, skkn
from lib.documents.organization import Organization
from lib.scoring import entries, meetings, results, rounds, states
from tests.documents_helpers import REASON, SOURCE, scored_round, with_source
from tests.docx_checks import all_text, check_heading, open_docx
from tests.scoring_helpers import TEMPLATE_100, rubric20

ORG = Organization("Trường mầm non Ánh Sao", "UBND QUẬN LONG BIÊN", "Long Biên", "MNAS",
                   "Nguyễn Thị Quyên", "Hiệu trưởng")  # fmt: skip
SIGNER = engine.Signer("TM. Hội đồng", "Chủ tịch", "Nguyễn Thị Quyên")
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


def test_dates_pad_only_days_below_ten_and_january_february():
    assert engine.nd30_date(date(2024, 2, 5)) == "ngày 05 tháng 02 năm 2024"
    assert engine.nd30_date(date(2024, 3, 27)) == "ngày 27 tháng 3 năm 2024"
    assert engine.nd30_date(date(2024, 1, 10)) == "ngày 10 tháng 01 năm 2024"
    assert engine.nd30_date(date(2024, 12, 9)) == "ngày 09 tháng 12 năm 2024"
    assert engine.place_date(ORG, date(2024, 3, 27)) == "Long Biên, ngày 27 tháng 3 năm 2024"
    assert engine.number_line(5, "BB", ORG) == "Số: 05/BB-MNAS"
    assert engine.number_line(12, "QĐ", ORG) == "Số: 12/QĐ-MNAS"


def test_results_workbook_opens_with_the_heading_and_ends_with_the_signer():
    data = skkn.results_workbook(ORG, "Đợt chấm SKKN 2025", "2024-2025", ROWS,
                                 date(2025, 3, 27), SIGNER)  # fmt: skip
    grid = cells(data)
    flat = [v for row in grid for v in row if v is not None]
    assert flat[:5] == ["UBND QUẬN LONG BIÊN", "TRƯỜNG MẦM NON ÁNH SAO", engine.NATIONAL_NAME,
                        engine.MOTTO, "BẢNG TỔNG HỢP KẾT QUẢ CHẤM SKKN"]  # fmt: skip
    assert flat[-4:] == ["Long Biên, ngày 27 tháng 3 năm 2025", "TM. HỘI ĐỒNG", "CHỦ TỊCH",
                         "Nguyễn Thị Quyên"]  # fmt: skip
    header = next(row for row in grid if row[0] == "STT")
    assert header[6:11] == ["GK1", "GK2", "Điểm TB", "Xếp loại", "Ghi chú"]
    first = next(row for row in grid if row[1] == "SKKN-001")
    assert first[6:10] == [16.5, 17, 16.75, "A"]
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cell = next(c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s" and cell.quotePrefix
    assert office.neutralise("=1+1") == "'=1+1" and office.neutralise(5) == 5


def test_grade_a_list_has_only_grade_a():
    grid = cells(skkn.grade_a_workbook(ORG, "Đợt", "2024-2025", ROWS, date(2025, 2, 5), SIGNER))
    assert [row[1] for row in grid if isinstance(row[0], int)] == ["SKKN-001"]


@pytest.mark.parametrize("template", ["mau-20-diem.yaml", "mau-100-diem.yaml"])
def test_sheet_document_has_the_heading_every_criterion_and_hides_blind_authors(template):
    rubric = with_source(rounds.load_rubric_file(rounds.TEMPLATE_DIR / template))
    scores = {c.code: c.max for c in rubric.criteria}
    data = skkn.sheet_document(
        ORG, "Đợt chấm 2025", rubric, code="SKKN-001", title="Phát triển ngôn ngữ",
        authors=None, examiner="Lê Thu Hà", scores=scores,
        comments={rubric.criteria[1].code: "Rất tốt"}, overall="", grade="A",
        on=date(2025, 2, 5),
    )  # fmt: skip
    text = check_heading(data, number=None, date_text="Long Biên, ngày 05 tháng 02 năm 2025",
                         signer="Lê Thu Hà")  # fmt: skip
    assert "PHIẾU CHẤM SÁNG KIẾN KINH NGHIỆM" in text and "Tác giả" not in text
    assert rubric.name in text and f"Nguồn tiêu chí: {rubric.source}" in text  # and its source
    table = [[c.text for c in row.cells] for row in open_docx(data).tables[1].rows]
    assert [row[0] for row in table[1:]][:2] == [rubric.sections[0].code, rubric.criteria[0].code]
    assert table[-1][1:4] == ["TỔNG ĐIỂM", engine_number(rubric.scale), engine_number(rubric.scale)]
    assert any(row[4] == "Rất tốt" for row in table)


def engine_number(value) -> str:
    from lib.scoring.rubric import format_number

    return format_number(value)


def test_a_letterhead_comes_from_thong_tin_don_vi_not_from_the_last_plan(demo_con):
    con = demo_con
    con.execute("UPDATE plans SET unit = 'UBND QUẬN LONG BIÊN', parent_unit = 'UBND THÀNH PHỐ "
                "HÀ NỘI', issued_on = DATE '2030-01-01'")  # fmt: skip
    rid = scored_round(con)
    text = all_text(open_docx(skkn.round_minutes_docx(con, rid, "chutich")))
    assert "TRƯỜNG MẦM NON ÁNH SAO" in text and "UBND THÀNH PHỐ HÀ NỘI" not in text
    organization.update(con, "chutich", governing_body="UBND PHƯỜNG PHÚC LỢI")
    assert "UBND PHƯỜNG PHÚC LỢI" in all_text(open_docx(skkn.round_minutes_docx(con, rid, "x")))


def test_thong_tin_don_vi_is_checked_field_by_field_and_required_for_documents(con):
    with pytest.raises(Invalid) as refused:
        organization.update(con, "admin", school_name=" ", code="MN AS", nothing="x")
    assert set(refused.value.errors) == {"school_name", "code", "nothing"}
    assert organization.get(con) == Organization()
    with pytest.raises(Invalid, match="Thông tin đơn vị.*Tên đơn vị"):
        skkn.letterhead(con)
    organization.update(con, "admin", code="mnas")
    assert organization.get(con).code == "MNAS"


def test_the_minutes_print_the_meeting_the_adjustment_its_reason_and_vote(demo_con):
    con = demo_con
    rid = scored_round(con)
    data = skkn.round_minutes_docx(con, rid, "chutich")
    text = check_heading(data, number="01/BB-MNAS",
                         date_text="Long Biên, ngày 05 tháng 02 năm 2025",
                         signer="Nguyễn Thị Quyên")  # fmt: skip
    assert "Thời gian bắt đầu: 08 giờ 00, ngày 05 tháng 02 năm 2025." in text
    assert "Địa điểm: Phòng họp trường mầm non Ánh Sao." in text
    assert "Chủ trì: Nguyễn Thị Quyên. Thư ký (người ghi biên bản): Lê Thu Hà." in text
    assert "Vắng (Ốm)" in text and "Phiếu chấm SKKN – thang 20 điểm" in text
    sourced = scored_round(con, with_source(rounds.load_rubric_file(TEMPLATE_100)), adjust=False)
    assert f"nguồn: {SOURCE}" in all_text(open_docx(skkn.round_minutes_docx(con, sourced, "x")))
    adjustment = next(line for line in text.splitlines() if line.startswith("- SKKN-002"))
    assert "xếp loại theo điểm B, hội đồng quyết định A" in adjustment
    assert REASON in adjustment and "Hội đồng biểu quyết: 2/2 ý kiến đồng ý" in adjustment
    assert "kết thúc vào 10 giờ 30" in text and text.rstrip().count("./.") == 1
    assert "các thành viên đã thông qua" not in text
    council = [row.cells[2].text for row in open_docx(data).tables[1].rows[1:]]
    assert council[0] == "Chủ tịch HĐ"  # the chair first
    # Printed twice it keeps its number; the next biên bản of the year takes the next one.
    skkn.round_minutes_docx(con, rid, "chutich")
    assert numbers.get_number(con, skkn.minutes_subject(rid)) == 1


def test_no_minutes_without_a_recorded_meeting(demo_con):
    rid = scored_round(demo_con, meeting=False, adjust=False)
    with pytest.raises(Invalid, match="Chưa ghi thông tin cuộc họp"):
        skkn.round_minutes_docx(demo_con, rid, "chutich")


def test_council_order_is_chair_vice_chairs_members_secretary():
    duties = ["Ủy viên", "Thư ký HĐ", "Phó Chủ tịch HĐ", "Chủ tịch HĐ", "Chủ tịch Công đoàn"]
    ranked = sorted(duties, key=meetings.duty_rank)
    assert ranked == ["Chủ tịch HĐ", "Phó Chủ tịch HĐ", "Ủy viên", "Chủ tịch Công đoàn",
                      "Thư ký HĐ"]  # fmt: skip


def test_the_default_attendance_is_the_ordered_council_everyone_present(demo_con):
    # default_attendance reads the council without ordered_council's counts (a city round's
    # 200 members cost most of the Văn bản tab); the order must stay the council order.
    con = demo_con
    rid = scored_round(con, meeting=False, adjust=False)
    duties = ["Ủy viên", "Thư ký HĐ", "Phó Chủ tịch HĐ", "Chủ tịch HĐ", "Ủy viên"]
    members = con.execute(
        "SELECT examiner FROM round_examiners WHERE round_id = ? ORDER BY examiner", [rid]
    ).fetchall()
    for (username,), duty in zip(members, duties * len(members), strict=False):
        con.execute(
            "UPDATE round_examiners SET duty = ? WHERE round_id = ? AND examiner = ?",
            [duty, rid, username],
        )
    council = meetings.ordered_council(con, rid)
    rows = zip(council["full_name"], council["duty"], council["username"], strict=True)
    expected = [meetings.Attendance(n, d, True, "", u) for n, d, u in rows]
    assert len(expected) >= 3 and len({a.duty for a in expected}) >= 3
    assert meetings.default_attendance(con, rid) == expected


def test_meeting_fields_are_checked_before_anything_is_written(demo_con):
    con = demo_con
    rid = scored_round(con, meeting=False, adjust=False)
    people = meetings.default_attendance(con, rid)
    people[0] = meetings.Attendance(people[0].name, people[0].duty, False, "")
    with pytest.raises(Invalid) as refused:
        meetings.save_meeting(
            con, rid, "chutich", held_on=None, starts_at="10:00", ends_at="9:00", place="",
            chaired_by="Nguyễn Thị Quyên", secretary="Lê Thu Hà", attendance=people,
            decisions=[meetings.Decision("Thông qua", 3, 1, 3)],
        )  # fmt: skip
    assert {"held_on", "ends_at", "place", "attendance.1", "decision.1.total"} <= set(
        refused.value.errors
    )
    assert meetings.get_meeting(con, rid) is None


def test_the_chair_needs_the_councils_vote_to_decide_an_entry_they_scored(demo_con):
    con = demo_con
    rid = scored_round(con, meeting=False, adjust=False)
    second = entries.require_entry_by_code(con, rid, "SKKN-002").id
    with pytest.raises(Invalid, match="Bạn đã chấm SKKN này nên không tự quyết định"):
        results.set_override(con, second, "A", REASON, "chutich")
    first = entries.require_entry_by_code(con, rid, "SKKN-001").id  # one the chair did not score
    results.set_override(con, first, "B", "Hội đồng thống nhất", "chutich")
    people = meetings.default_attendance(con, rid)
    meetings.save_meeting(
        con, rid, "chutich", held_on=date(2025, 2, 5), starts_at="8:00", ends_at="9:00",
        place="Phòng họp", chaired_by="Nguyễn Thị Quyên", secretary="Lê Thu Hà",
        attendance=people, decisions=[meetings.Decision("Nâng SKKN-002", 1, 2, 3, second)],
    )  # fmt: skip
    with pytest.raises(Invalid, match="biểu quyết không đồng ý"):
        results.set_override(con, second, "A", REASON, "chutich")
    meetings.save_meeting(
        con, rid, "chutich", held_on=date(2025, 2, 5), starts_at="8:00", ends_at="9:00",
        place="Phòng họp", chaired_by="Nguyễn Thị Quyên", secretary="Lê Thu Hà",
        attendance=people, decisions=[meetings.Decision("Nâng SKKN-002", 3, 0, 3, second)],
    )  # fmt: skip
    results.set_override(con, second, "A", REASON, "chutich")
    assert results.results(con, rid).set_index("code").loc["SKKN-002", "grade"] == "A"


def test_a_published_round_gives_the_decision_certificates_and_the_dossier(demo_con):
    con = demo_con
    rid = scored_round(con)
    states.finalize_round(con, rid, "chutich")
    on = rounds.require_round(con, rid).finalized_at.date()
    day = engine.place_date(organization.get(con), on)
    decision = check_heading(recognition.decision_docx(con, rid, "chutich"),
                             number="01/QĐ-MNAS", date_text=day,
                             signer="Nguyễn Thị Quyên")  # fmt: skip
    assert "Về việc công nhận sáng kiến kinh nghiệm cấp trường năm học 2024-2025" in decision
    assert "Căn cứ Biên bản số 01/BB-MNAS ngày 05 tháng 02 năm 2025" in decision
    assert "Hoàng Mai Anh (100%)" in decision
    certificates = check_heading(recognition.certificates_docx(con, rid, "chutich"),
                                 number="01/GCN-MNAS", date_text=day,
                                 signer="Nguyễn Thị Quyên")  # fmt: skip
    assert certificates.count("GIẤY CHỨNG NHẬN") == 3
    stored = con.execute("SELECT name, grade FROM recognitions WHERE round_id = ? ORDER BY 1",
                         [rid]).fetchall()  # fmt: skip
    assert stored == [("Bùi Thanh Tâm", "B"), ("Hoàng Mai Anh", "A"), ("Vũ Thị Hồng Nhung", "A")]
    listing = check_heading(recognition.attachment_list_docx(con, rid, "chutich"), number=None,
                            date_text=day, signer="Nguyễn Thị Quyên")  # fmt: skip
    assert "(Kèm theo Tờ trình số 01/TTr-MNAS" in listing
    table = [[c.text for c in row.cells] for row in open_docx(
        recognition.attachment_list_docx(con, rid, "chutich")).tables[1].rows]  # fmt: skip
    assert table[0] == ["STT", "Mã", "Tên SKKN", "Tác giả và tỉ lệ", "Chức vụ", "Lĩnh vực",
                        "Điểm TB", "Xếp loại"]  # fmt: skip
    assert [row[1] for row in table[1:]] == ["SKKN-001", "SKKN-002"]
    with zipfile.ZipFile(io.BytesIO(recognition.dossier_zip(con, rid, "chutich"))) as archive:
        names = archive.namelist()
        manifest = list(
            csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig")))
        )
    assert {"01-to-trinh.docx", "02-danh-sach-kem-theo.docx", "03-bien-ban.docx",
            "04-tong-hop-ket-qua.xlsx", "05-quyet-dinh-cong-nhan.docx"} <= set(names)  # fmt: skip
    assert len([n for n in names if n.startswith("phieu-cham/")]) == 6
    assert [m["tep"] for m in manifest] == [n for n in names if n != "manifest.csv"]


def test_recognition_waits_for_publication(demo_con):
    rid = scored_round(demo_con)
    with pytest.raises(Invalid, match="chưa công bố"):
        recognition.decision_docx(demo_con, rid, "chutich")


def test_the_100_point_round_prints_too(demo_con):
    rid = scored_round(demo_con, rounds.load_rubric_file(TEMPLATE_100), adjust=False)
    assert "thang 100 điểm" in all_text(open_docx(skkn.round_minutes_docx(demo_con, rid, "x")))
    assert rubric20().scale == 20


def test_why_cannot_override_names_the_reason():
    from lib.access.permissions import User, why_cannot_override
    from lib.scoring.meetings import OverrideFacts

    chair = User("chutich", "Nguyễn Thị Quyên", frozenset({"admin", "examiner"}), 1)
    vice = User("pho", "Lê Thu Hà", frozenset({"examiner"}), 2)
    clean = OverrideFacts(False, False, "Chủ tịch HĐ", None)
    assert why_cannot_override(chair, clean) is None
    assert "đã chấm" in why_cannot_override(chair, OverrideFacts(True, False, "Chủ tịch HĐ", None))
    assert "là tác giả" in why_cannot_override(chair, OverrideFacts(False, True, "", None))
    assert why_cannot_override(chair, OverrideFacts(True, False, "Chủ tịch HĐ", True)) is None
    assert why_cannot_override(vice, OverrideFacts(False, False, "Phó Chủ tịch HĐ", None)) is None
    assert "Chỉ Chủ tịch HĐ" in why_cannot_override(vice, OverrideFacts(False, False, "Ủy viên",
                                                                          None))  # fmt: skip
    assert why_cannot_override(None, clean) is not None


def test_printed_sheets_of_an_unpublished_blind_round_leave_the_authors_out(demo_con):
    rid = scored_round(demo_con, meeting=False, adjust=False)

    def printed() -> str:
        with zipfile.ZipFile(io.BytesIO(skkn.round_sheets_zip(demo_con, rid))) as archive:
            return "\n".join(all_text(open_docx(archive.read(n))) for n in archive.namelist())

    assert "Vũ Thị Hồng Nhung" in printed()
    demo_con.execute("UPDATE rounds SET blind = true WHERE id = ?", [rid])
    assert "Vũ Thị Hồng Nhung" not in printed()
