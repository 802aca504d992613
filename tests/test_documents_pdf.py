"""Every document printed through LibreOffice: page counts and the Vietnamese text layer."""

import io
import zipfile

import pytest

from lib.documents import engine, recognition, skkn
from lib.scoring import rounds, states
from tests import pdf_render
from tests.documents_helpers import scored_round, with_source
from tests.scoring_helpers import TEMPLATE_100, rubric20

pytestmark = pytest.mark.skipif(not pdf_render.available(), reason="LibreOffice not installed")


def test_each_document_prints_with_its_headings_and_one_page_per_sheet(demo_con, tmp_path):
    con = demo_con
    files = []
    for tag, rubric in (("r20", rubric20()), ("r100", rounds.load_rubric_file(TEMPLATE_100))):
        rid = scored_round(con, with_source(rubric))  # the longest heading a sheet gets
        states.finalize_round(con, rid, "chutich")
        with zipfile.ZipFile(io.BytesIO(skkn.round_sheets_zip(con, rid))) as archive:
            for name in archive.namelist():
                path = tmp_path / f"{tag}-{name}"
                path.write_bytes(archive.read(name))
                files.append(path)
        for kind, build in (("bien-ban", skkn.round_minutes_docx),
                            ("quyet-dinh", recognition.decision_docx),
                            ("giay-chung-nhan", recognition.certificates_docx),
                            ("to-trinh", recognition.proposal_docx),
                            ("danh-sach", recognition.attachment_list_docx)):  # fmt: skip
            path = tmp_path / f"{tag}-{kind}.docx"
            path.write_bytes(build(con, rid, "chutich"))
            files.append(path)
        path = tmp_path / f"{tag}-tong-hop.xlsx"
        path.write_bytes(skkn.round_results_xlsx(con, rid))
        files.append(path)
    pdfs = pdf_render.to_pdf(files, tmp_path)
    headings = {
        "phieu-cham": "PHIẾU CHẤM SÁNG KIẾN KINH NGHIỆM",
        "bien-ban": "BIÊN BẢN",
        "quyet-dinh": "QUYẾT ĐỊNH",
        "giay-chung-nhan": "GIẤY CHỨNG NHẬN",
        "to-trinh": "TỜ TRÌNH",
        "danh-sach": "DANH SÁCH",
        "tong-hop": "BẢNG TỔNG HỢP KẾT QUẢ CHẤM SKKN",
    }
    sheets = [stem for stem in pdfs if "phieu-cham" in stem]
    assert len(sheets) == 12
    for stem, pdf in pdfs.items():
        lines = [line.strip() for line in pdf_render.text(pdf).splitlines()]
        kind = next(k for k in headings if k in stem)
        assert headings[kind] in lines, (stem, headings[kind])
        # One line each: the Quốc hiệu never wraps, the tiêu ngữ keeps its diacritics.
        assert engine.NATIONAL_NAME in lines and engine.MOTTO in lines, stem
        assert "TRƯỜNG MẦM NON ÁNH SAO" in lines, stem
        if kind == "phieu-cham":
            assert pdf_render.pages(pdf) == 1, f"{stem} runs onto a second page"
            assert "Giám khảo:" in "\n".join(lines)
        if kind == "giay-chung-nhan":
            assert pdf_render.pages(pdf) == 3  # one per author
