"""Bản đăng ký thi đua and Bảng tổng hợp đăng ký: decree form, dated by the registrations."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from lib.core.errors import Invalid
from lib.demo import DEMO_ORGANIZATION
from lib.documents import engine, organization
from lib.titles import registration_documents as RD
from lib.titles import registrations as reg
from tests import pdf_render
from tests.docx_checks import all_text, check_heading, open_docx
from tests.titles_helpers import YEAR, school, user

REGISTERED = datetime(2023, 9, 25, 9, 30)


@pytest.fixture
def world(con):
    ids = school(con)
    organization.update(con, "test", **DEMO_ORGANIZATION)
    admin, staff = user(con, "chutich"), user(con, "an")
    reg.save_registration(con, staff, YEAR, ids["Trần Văn An"], "CSTDCS", "Trò chơi dân gian",
                          "Phát triển vận động")  # fmt: skip
    reg.save_registration(con, admin, YEAR, ids["Lê Thị Bình"], "LDTT")
    reg.save_group_registration(con, admin, YEAR, "Tổ A", "TTLDXS")
    # Registered in September, printed later: the papers carry the day of registration.
    for table in ("title_registrations", "group_registrations"):
        con.execute(f"UPDATE {table} SET updated_at = ?", [REGISTERED])
    return ids


DATED = engine.place_date(organization.Organization(**DEMO_ORGANIZATION), REGISTERED.date())


def test_a_persons_registration_form(con, world):
    data = RD.registration_docx(con, user(con, "an"), YEAR, world["Trần Văn An"])
    text = check_heading(data, number=None, date_text=DATED, signer="Trần Văn An")
    lines = text.splitlines()
    assert "BẢN ĐĂNG KÝ THI ĐUA" in lines and f"Năm học {YEAR}" in lines
    assert "Họ và tên: Trần Văn An" in lines and "Tổ: Tổ A" in lines
    assert f"Đăng ký danh hiệu thi đua năm học {YEAR}: Chiến sĩ thi đua cơ sở (CSTĐCS)." in lines
    assert ("Sáng kiến kinh nghiệm đăng ký: “Trò chơi dân gian” (lĩnh vực: Phát triển vận "
            "động).") in lines  # fmt: skip
    assert any(line.endswith("danh hiệu đã đăng ký./.") for line in lines)


def test_staff_print_only_their_own_form_and_only_once_registered(con, world):
    with pytest.raises(Invalid, match="Chỉ in được bản đăng ký thi đua của mình"):
        RD.registration_docx(con, user(con, "an"), YEAR, world["Lê Thị Bình"])
    admin = user(con, "chutich")
    assert "Họ và tên: Lê Thị Bình" in all_text(
        open_docx(RD.registration_docx(con, admin, YEAR, world["Lê Thị Bình"])))  # fmt: skip
    with pytest.raises(Invalid, match="Phạm Thu Cúc chưa đăng ký thi đua năm học 2023-2024"):
        RD.registration_docx(con, admin, YEAR, world["Phạm Thu Cúc"])


def test_the_summary_in_word_and_excel(con, world):
    text = check_heading(RD.summary_docx(con, YEAR), number=None, date_text=DATED,
                         signer="Nguyễn Thị Quyên")  # fmt: skip
    lines = text.splitlines()
    an = lines.index("Trần Văn An")
    assert lines[an + 1 : an + 5] == ["Tổ A", "CSTĐCS", "Trò chơi dân gian", "Phát triển vận động"]
    assert "TTLĐXS" in lines and "Tổng số: 2 cá nhân, 1 tập thể đăng ký." in lines
    assert any(line.startswith("Chưa đăng ký (5): ") and line.endswith("./.") for line in lines)
    ws = load_workbook(io.BytesIO(RD.summary_xlsx(con, YEAR))).active
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert engine.NATIONAL_NAME in cells and "BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA" in cells
    assert {"Trần Văn An", "Lê Thị Bình", "Tổ A", "TTLĐXS", "CSTĐCS"} <= set(cells)
    assert DATED in cells and "Tổng số: 2 cá nhân, 1 tập thể đăng ký." in cells


@pytest.mark.skipif(not pdf_render.available(), reason="LibreOffice not installed")
def test_the_registration_papers_print_in_libreoffice(con, world, tmp_path):
    files = []
    for name, data in (("ban-dang-ky", RD.registration_docx(con, user(con, "an"), YEAR,
                                                             world["Trần Văn An"])),
                       ("tong-hop", RD.summary_docx(con, YEAR))):  # fmt: skip
        path = tmp_path / f"{name}.docx"
        path.write_bytes(data)
        files.append(path)
    pdfs = pdf_render.to_pdf(files, tmp_path)
    form = [line.strip() for line in pdf_render.text(pdfs["ban-dang-ky"]).splitlines()]
    assert "BẢN ĐĂNG KÝ THI ĐUA" in form and "Họ và tên: Trần Văn An" in form
    summary = " ".join(pdf_render.text(pdfs["tong-hop"]).split())
    assert "BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA" in summary and "Trò chơi dân gian" in summary
