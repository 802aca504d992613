"""The titles documents: decree form, the right people under each title, and LibreOffice."""

from __future__ import annotations

from datetime import date

import pytest

from lib.core import clock
from lib.core.errors import Invalid
from lib.demo import DEMO_ORGANIZATION
from lib.documents import engine, organization
from lib.documents.meetings import Attendance
from lib.titles import ballots as B
from lib.titles import documents as D
from lib.titles import meeting as M
from lib.titles import registrations as reg
from tests import pdf_render
from tests.docx_checks import all_text, check_heading, open_docx
from tests.test_cli import invoke
from tests.titles_helpers import YEAR, evaluate, over_quota, school, user

MET_ON = date(2024, 5, 24)


def record_meeting(con, admin, absent: str | None = None):
    """The year's bình xét meeting: the council (plus one member without an account)."""
    others = ("Hoàng Văn Công", "Mai Thu Thảo", "Đinh Văn Toàn", "Lý Thị Uyên")
    people = [*M.council_members(con, "Nguyễn Thị Quyên"),
              *(Attendance(n, "Ủy viên", True, "") for n in others)]  # fmt: skip
    if absent:
        people = [Attendance(a.name, a.duty, False, "Đi công tác", a.username)
                  if a.name == absent else a for a in people]  # fmt: skip
    return M.save_meeting(
        con, admin, YEAR, held_on=MET_ON, starts_at="14h", ends_at="16:30",
        place="Phòng họp tầng 2", chaired_by="Nguyễn Thị Quyên", secretary="Lê Thị Bình",
        attendance=people, content="Cô Bình đề nghị xét kỹ số ngày nghỉ.",
    )  # fmt: skip


def _setup(con) -> dict[str, int]:
    ids = school(con)
    organization.update(con, "test", **DEMO_ORGANIZATION)
    admin = user(con, "chutich")
    for name in ("Lê Thị Bình", "Phạm Thu Cúc", "Đỗ Mai Dung"):
        evaluate(con, ids[name])
        reg.save_registration(con, admin, YEAR, ids[name], "LDTT")
    record_meeting(con, admin)
    B.save_paper_tally(con, admin, YEAR, f"p:{ids['Lê Thị Bình']}", "LDTT", "4", "1", "5")
    B.save_paper_tally(con, admin, YEAR, f"p:{ids['Phạm Thu Cúc']}", "LDTT", "2", "3", "5")
    return ids


@pytest.fixture
def world(con):
    return _setup(con)


MET = engine.place_date(organization.Organization(**DEMO_ORGANIZATION), MET_ON)


@pytest.mark.parametrize(
    ("kind", "number", "signer", "heading"),
    [
        ("bien-ban", "01/BB-MNAS", "Nguyễn Thị Quyên", "BIÊN BẢN"),
        ("danh-sach", None, "Nguyễn Thị Quyên", "DANH SÁCH"),
        ("to-trinh", "01/TTr-MNAS", "Nguyễn Thị Quyên", "TỜ TRÌNH"),
        ("quyet-dinh", "01/QĐ-MNAS", "Nguyễn Thị Quyên", "QUYẾT ĐỊNH"),
        ("thong-bao", "01/TB-MNAS", "Nguyễn Thị Quyên", "THÔNG BÁO"),
        ("phieu-bau", None, "", "PHIẾU BẦU"),
    ],
)
def test_every_titles_document_has_the_decree_form(con, world, kind, number, signer, heading):
    data = D.document(con, kind, YEAR, "chutich")
    # Dated the day the council met and decided, whatever day the file is made.
    text = check_heading(data, number=number, date_text=MET, signer=signer)
    assert engine.place_date(organization.get(con), clock.today()) not in text
    assert heading in text.splitlines()
    assert f"năm học {YEAR}" in text


def test_minutes_carry_tallies_and_conclusions(con, world):
    text = all_text(open_docx(D.minutes_docx(con, YEAR, "chutich")))
    lines = text.splitlines()
    # Bình: 4/5 đồng ý reaches 50 %; Cúc: 2/5 does not.
    binh = lines.index("Lê Thị Bình", lines.index("Tỉ lệ đồng ý"))
    assert lines[binh + 1 : binh + 7] == ["LĐTT", "4", "1", "5", "80%", "Đạt"]
    cuc = lines.index("Phạm Thu Cúc")
    assert lines[cuc + 1 : cuc + 7] == ["LĐTT", "2", "3", "5", "40%", "Không đạt"]
    assert "- Lao động tiên tiến (LĐTT): 2 được biểu quyết, 1 đạt (Lê Thị Bình)." in lines
    assert "- Lao động tiên tiến (LĐTT): 1 (Lê Thị Bình)." in lines
    assert any(line.startswith("3. Không đạt: Phạm Thu Cúc (LĐTT): 2/5 đồng ý") for line in lines)


def test_minutes_are_the_record_of_the_meeting(con, world):
    """Time and place, chủ trì and thư ký, who was there and who was not, the end, ./."""
    admin = user(con, "chutich")
    record_meeting(con, admin, absent="Hoàng Văn Công")
    text = all_text(open_docx(D.minutes_docx(con, YEAR, "chutich")))
    lines = text.splitlines()
    assert "Thời gian bắt đầu: 14 giờ 00, ngày 24 tháng 5 năm 2024." in lines
    assert "Địa điểm: Phòng họp tầng 2." in lines
    assert "Chủ trì: Nguyễn Thị Quyên. Thư ký (người ghi biên bản): Lê Thị Bình." in lines
    assert ("Thành phần tham dự: 4/5 thành viên Hội đồng Thi đua – Khen thưởng có mặt, 1 vắng:"
            in lines)  # fmt: skip
    quyen = lines.index("Nguyễn Thị Quyên", lines.index("Nhiệm vụ trong hội đồng"))
    assert lines[quyen + 1 : quyen + 3] == ["Chủ tịch HĐ", "Có mặt"]
    cong = lines.index("Hoàng Văn Công")
    assert lines[cong + 1 : cong + 3] == ["Ủy viên", "Vắng (Đi công tác)"]
    assert "Cô Bình đề nghị xét kỹ số ngày nghỉ." in lines
    closing = "cùng ký vào biên bản./."
    assert any(line.startswith("Cuộc họp kết thúc vào 16 giờ 30 cùng ngày") and
               line.endswith(closing) for line in lines)  # fmt: skip
    assert text.index(closing) < text.index("Chủ tọa".upper())
    signatures = "\n".join(c.text for c in open_docx(
        D.minutes_docx(con, YEAR, "chutich")).tables[-1].rows[0].cells)  # fmt: skip
    assert "Lê Thị Bình" in signatures and "Nguyễn Thị Quyên" in signatures


def test_documents_cite_the_minutes_by_number_and_date(con, world):
    for kind in ("danh-sach", "to-trinh", "quyet-dinh"):
        text = all_text(open_docx(D.document(con, kind, YEAR, "chutich")))
        assert "Biên bản số 01/BB-MNAS ngày 24 tháng 5 năm 2024" in text, kind


def test_documents_need_the_meeting_record(con):
    ids = school(con)
    organization.update(con, "test", **DEMO_ORGANIZATION)
    admin = user(con, "chutich")
    evaluate(con, ids["Lê Thị Bình"])
    reg.save_registration(con, admin, YEAR, ids["Lê Thị Bình"], "LDTT")
    B.save_paper_tally(con, admin, YEAR, f"p:{ids['Lê Thị Bình']}", "LDTT", "4", "1", "5")
    assert (
        D.why_not(con, "bien-ban", YEAR)
        == "Chưa ghi thông tin cuộc họp bình xét (thẻ “Biểu quyết”)."
    )
    for kind in ("bien-ban", "danh-sach", "to-trinh", "quyet-dinh", "thong-bao"):
        with pytest.raises(Invalid, match="Chưa ghi thông tin cuộc họp bình xét"):
            D.document(con, kind, YEAR, "chutich")
    # The blank ballot is printed before the meeting: dated today until the meeting is recorded.
    text = all_text(open_docx(D.ballot_docx(con, YEAR, "chutich")))
    assert engine.place_date(organization.get(con), clock.today()) in text


def test_the_list_and_the_decision_name_only_those_granted(con, world):
    listed = all_text(open_docx(D.list_docx(con, YEAR, "chutich")))
    decided = all_text(open_docx(D.decision_docx(con, YEAR, "chutich")))
    for text in (listed, decided):
        assert "Lê Thị Bình" in text and "Phạm Thu Cúc" not in text
    assert "Lao động tiên tiến (1)" in listed and "Chiến sĩ thi đua cơ sở (0)" in listed
    assert "Tập thể lao động xuất sắc (0)" in listed
    assert "cho 1 cá nhân có tên sau" in decided
    # The ballot lists every candidate of the final list, granted or not yet voted.
    ballot = all_text(open_docx(D.ballot_docx(con, YEAR, "chutich")))
    assert {"Lê Thị Bình", "Phạm Thu Cúc", "Đỗ Mai Dung"} <= set(ballot.splitlines())


def test_documents_of_a_year_without_votes_are_refused(con, world):
    with pytest.raises(Invalid, match="chưa có kết quả biểu quyết"):
        D.minutes_docx(con, "2030-2031", "chutich")


def test_cli_writes_a_titles_document(tmp_path, capsys):
    from lib.core import db

    path = tmp_path / "t.duckdb"
    file_con = db.connect(path)
    _setup(file_con)
    file_con.close()
    out = tmp_path / "bb.docx"
    result = invoke(capsys, path, "titles", "document", "bien-ban", "--year", YEAR, "-o", out)
    assert result.returncode == 0, result.stderr
    assert "BIÊN BẢN" in all_text(open_docx(out.read_bytes()))
    bad = invoke(capsys, path, "titles", "document", "bien-ban", "--year", "2030-2031")
    assert bad.returncode == 1 and "chưa có kết quả biểu quyết" in bad.stderr


@pytest.mark.skipif(not pdf_render.available(), reason="LibreOffice not installed")
def test_the_minutes_and_list_print_with_vietnamese_headings(con, world, tmp_path):
    files = []
    for kind in ("bien-ban", "danh-sach"):
        path = tmp_path / f"titles-{kind}.docx"
        path.write_bytes(D.document(con, kind, YEAR, "chutich"))
        files.append(path)
    pdfs = pdf_render.to_pdf(files, tmp_path)
    minutes = [line.strip() for line in pdf_render.text(pdfs["titles-bien-ban"]).splitlines()]
    assert "BIÊN BẢN" in minutes and engine.NATIONAL_NAME in minutes and engine.MOTTO in minutes
    assert (
        f"Họp Hội đồng Thi đua – Khen thưởng bình xét danh hiệu thi đua năm học {YEAR}"
        in " ".join(minutes)
    )
    assert "TRƯỜNG MẦM NON ÁNH SAO" in minutes
    listed = [line.strip() for line in pdf_render.text(pdfs["titles-danh-sach"]).splitlines()]
    assert "DANH SÁCH" in listed and "Lao động tiên tiến (1)" in listed


def test_review_page_offers_every_document_once_the_vote_has_results(tmp_path, monkeypatch):
    from lib.core import db
    from lib.ui import context
    from tests.apptest import app, downloads, login, open_page, open_tab, texts

    at = app(tmp_path / "app.duckdb", monkeypatch)
    login(at, "chutich")
    open_page(at, "pages/binh-xet-thi-dua.py")
    open_tab(at, "bxtd_tab", "Văn bản")
    assert not at.exception

    def buttons():
        return downloads(at)

    labels = {f"{label} (Word)" for _, label in D.DOCUMENTS.values()}
    assert set(buttons()) == labels
    # The demo ballot is still open: only the blank phiếu bầu can be printed.
    assert [k for k, off in buttons().items() if not off] == [
        "Phiếu bầu (để trống, in cho cuộc họp) (Word)"
    ]
    assert "Lập sau khi có kết quả biểu quyết (phiếu giấy hoặc bỏ phiếu đã đóng)." in texts(at)
    con = context._database(str(db.db_path()))
    year = at.selectbox(key="bxtd_nam").value
    subject, title, _ = B.candidates_of(con, year)[0]
    B.save_paper_tally(con, user(con, "chutich"), year, subject, title, "3", "0", "3")
    at.run()
    assert not any(buttons().values())


def test_the_ballot_waits_until_the_list_is_within_the_quota(con):
    ids = school(con)
    organization.update(con, "test", **DEMO_ORGANIZATION)
    over_quota(con, ids)
    assert D.why_not(con, "phieu-bau", YEAR).startswith(
        "2 người đủ điều kiện CSTĐCS nhưng chỉ tiêu là 1"
    )
    with pytest.raises(Invalid, match="chỉ tiêu là 1"):
        D.ballot_docx(con, YEAR, "chutich")
