"""Every document a round can print, by the name the CLI and the UI use for it."""

from __future__ import annotations

from collections.abc import Callable

from lib.core.db import Connection
from lib.documents import recognition, skkn

Build = Callable[[Connection, int, str], bytes]

# kind -> (what builds it from connection, round and actor, file suffix)
DOCUMENTS: dict[str, tuple[Build, str]] = {
    "bien-ban": (skkn.round_minutes_docx, "docx"),
    "tong-hop": (lambda con, rid, actor: skkn.round_results_xlsx(con, rid), "xlsx"),
    "loai-a": (lambda con, rid, actor: skkn.round_grade_a_xlsx(con, rid), "xlsx"),
    "phieu-cham": (lambda con, rid, actor: skkn.round_sheets_zip(con, rid), "zip"),
    "quyet-dinh": (recognition.decision_docx, "docx"),
    "giay-chung-nhan": (recognition.certificates_docx, "docx"),
    "to-trinh": (recognition.proposal_docx, "docx"),
    "danh-sach": (recognition.attachment_list_docx, "docx"),
    "ho-so": (recognition.dossier_zip, "zip"),
}

LABELS: dict[str, str] = {
    "bien-ban": "Biên bản họp hội đồng chấm SKKN (Word)",
    "tong-hop": "Bảng tổng hợp kết quả chấm SKKN (Excel)",
    "loai-a": "Danh sách SKKN đạt loại A đề nghị cấp trên (Excel)",
    "phieu-cham": "Tất cả phiếu chấm đã nộp (Word, nén .zip)",
    "quyet-dinh": "Quyết định công nhận SKKN cấp trường (Word)",
    "giay-chung-nhan": "Giấy chứng nhận cho từng tác giả (Word)",
    "to-trinh": "Tờ trình đề nghị cấp trên công nhận (Word)",
    "danh-sach": "Danh sách kèm theo tờ trình (Word)",
    "ho-so": "Hồ sơ gửi cấp trên (nén .zip, có manifest.csv)",
}
