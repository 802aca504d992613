"""The documents the SKKN council files: result tables, the grade-A list, sheets and minutes."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lib.core.db import Connection
from lib.documents import office
from lib.scoring import council, results, rounds
from lib.scoring.rubric import Rubric, format_number, section_totals


@dataclass(frozen=True)
class ResultRow:
    """One entry's line in the council's results: examiners' totals, mean and grade."""

    code: str
    title: str
    authors: str
    field: str
    group_name: str
    totals: tuple[Decimal | None, ...]
    mean_total: Decimal | None
    grade: str | None
    note: str = ""


def _num(value: object) -> str:
    return "" if value is None else format_number(value)


def _gk_headers(rows: Sequence[ResultRow]) -> list[str]:
    count = max([len(r.totals) for r in rows] + [2])
    return [f"GK{i}" for i in range(1, count + 1)]


def _title(head: office.Letterhead, heading: str, round_name: str, school_year: str) -> list[str]:
    return [
        head.parent_unit.upper(),
        head.unit.upper(),
        heading,
        f"{round_name} – năm học {school_year}" if school_year else round_name,
    ]


def results_workbook(
    head: office.Letterhead, round_name: str, school_year: str, rows: Sequence[ResultRow]
) -> bytes:
    """Excel "Bảng tổng hợp kết quả chấm SKKN": every entry with each examiner's total."""
    gks = _gk_headers(rows)
    headers = ["STT", "Mã SKKN", "Tên SKKN", "Tác giả", "Lĩnh vực", "Tổ", *gks,
               "Điểm TB", "Xếp loại", "Ghi chú"]  # fmt: skip
    body = [
        [i, r.code, r.title, r.authors, r.field, r.group_name,
         *[float(t) if t is not None else None for t in r.totals]
         + [None] * (len(gks) - len(r.totals)),
         float(r.mean_total) if r.mean_total is not None else None, r.grade or "", r.note]
        for i, r in enumerate(rows, start=1)
    ]  # fmt: skip
    widths = [6, 12, 45, 28, 16, 16, *[8] * len(gks), 10, 12, 30]
    return office.workbook(
        "Tổng hợp",
        _title(head, "BẢNG TỔNG HỢP KẾT QUẢ CHẤM SKKN", round_name, school_year),
        headers,
        body,
        widths,
        [f"{head.place}, ngày {date.today():%d/%m/%Y}", "CHỦ TỊCH HỘI ĐỒNG"],
    )


def grade_a_workbook(
    head: office.Letterhead, round_name: str, school_year: str, rows: Sequence[ResultRow]
) -> bytes:
    """Excel "Danh sách SKKN đạt loại A đề nghị cấp trên"."""
    chosen = [r for r in rows if r.grade == "A"]
    body = [
        [i, r.code, r.title, r.authors, r.group_name,
         float(r.mean_total) if r.mean_total is not None else None, r.grade]
        for i, r in enumerate(chosen, start=1)
    ]  # fmt: skip
    return office.workbook(
        "Loại A",
        _title(head, "DANH SÁCH SKKN ĐẠT LOẠI A ĐỀ NGHỊ CẤP TRÊN", round_name, school_year),
        ["STT", "Mã SKKN", "Tên SKKN", "Tác giả", "Tổ", "Điểm TB", "Xếp loại"],
        body,
        [6, 12, 50, 30, 18, 10, 10],
        [f"Tổng số: {len(chosen)} SKKN", "CHỦ TỊCH HỘI ĐỒNG"],
    )


def sheet_document(
    head: office.Letterhead,
    round_name: str,
    rubric: Rubric,
    *,
    code: str,
    title: str,
    authors: str | None,
    examiner: str,
    scores: Mapping[str, Decimal | None],
    comments: Mapping[str, str],
    overall: str,
    grade: str | None,
) -> bytes:
    """Word "Phiếu chấm SKKN" of one examiner for one entry, ready to sign."""
    doc = office.document()
    office.letterhead_block(doc, head)
    office.paragraph(doc)
    office.paragraph(doc, "PHIẾU CHẤM SÁNG KIẾN KINH NGHIỆM", bold=True, size=15, align="center")
    office.paragraph(doc, f"{round_name} – {rubric.name}", italic=True, align="center")
    office.paragraph(doc, f"Mã SKKN: {code}")
    office.paragraph(doc, f"Tên SKKN: {title}")
    if authors is not None:  # blind rounds print no author
        office.paragraph(doc, f"Tác giả: {authors}")
    office.paragraph(doc, f"Giám khảo: {examiner}")
    subtotals = section_totals(rubric, {k: v for k, v in scores.items() if v is not None})
    rows: list[list[object]] = []
    for section in rubric.sections:
        rows.append([section.code, section.label.upper(), _num(rubric.section_max(section.code)),
                     _num(subtotals.get(section.code)), ""])  # fmt: skip
        for c in rubric.criteria:
            if c.section == section.code:
                rows.append([c.code, c.label, _num(c.max), _num(scores.get(c.code)),
                             comments.get(c.code, "")])  # fmt: skip
    total = sum((v for v in scores.values() if v is not None), Decimal(0))
    rows.append(["", "TỔNG ĐIỂM", _num(rubric.scale), _num(total), ""])
    office.table(
        doc, ["Mục", "Tiêu chí", "Tối đa", "Điểm", "Nhận xét"], rows, [1.6, 7, 1.6, 1.6, 4.7]
    )
    office.paragraph(doc)
    office.paragraph(doc, f"Xếp loại: {grade or '—'}", bold=True)
    office.paragraph(doc, f"Nhận xét chung: {overall or ''}")
    office.paragraph(doc)
    office.signature_block(doc, [("", ""), ("Giám khảo", examiner)])
    return office.to_bytes(doc)


def minutes_document(
    head: office.Letterhead,
    round_name: str,
    level: str,
    school_year: str,
    members: Sequence[tuple[str, str]],
    rows: Sequence[ResultRow],
    chair: str,
    secretary: str = "",
    held_on: date | None = None,
) -> bytes:
    """Word "Biên bản chấm và xét duyệt SKKN": council, round, results, signatures."""
    held_on = held_on or date.today()
    doc = office.document()
    office.letterhead_block(doc, head, held_on)
    office.paragraph(doc)
    office.paragraph(doc, "BIÊN BẢN", bold=True, size=15, align="center", space_after=0)
    office.paragraph(doc, "Chấm và xét duyệt sáng kiến kinh nghiệm", bold=True, align="center")
    office.paragraph(doc, f"{round_name} – {level}, năm học {school_year}", italic=True,
                     align="center")  # fmt: skip
    office.paragraph(
        doc,
        f"Hôm nay, ngày {held_on:%d/%m/%Y}, tại {head.unit}, Hội đồng chấm sáng kiến "
        "kinh nghiệm đã họp chấm và xét duyệt các SKKN đăng ký, gồm:",
    )
    office.paragraph(doc, "I. THÀNH PHẦN HỘI ĐỒNG", bold=True)
    member_rows = [[i, name, duty] for i, (name, duty) in enumerate(members, start=1)]
    office.table(doc, ["STT", "Họ và tên", "Nhiệm vụ"], member_rows, [1.5, 8, 7])
    office.paragraph(doc)
    office.paragraph(doc, "II. KẾT QUẢ CHẤM", bold=True)
    counts = Counter(r.grade or "Chưa có kết quả" for r in rows)
    summary = "; ".join(f"loại {g}: {n}" if len(g) == 1 else f"{g}: {n}" for g, n in
                        sorted(counts.items()))  # fmt: skip
    office.paragraph(doc, f"Tổng số SKKN: {len(rows)} ({summary}).")
    office.table(
        doc,
        ["STT", "Mã", "Tên SKKN", "Tác giả", "Điểm TB", "Xếp loại"],
        [[i, r.code, r.title, r.authors, _num(r.mean_total), r.grade or ""]
         for i, r in enumerate(rows, start=1)],
        [1.3, 2.6, 6.0, 3.6, 1.5, 1.5],
    )  # fmt: skip
    office.paragraph(doc)
    office.paragraph(doc, "III. KẾT LUẬN", bold=True)
    a_count = counts.get("A", 0)
    office.paragraph(
        doc,
        f"Hội đồng thống nhất kết quả trên và đề nghị gửi {a_count} SKKN đạt loại A lên cấp "
        "trên. Biên bản được lập xong cùng ngày, các thành viên đã thông qua.",
    )
    office.paragraph(doc)
    office.signature_block(doc, [("Thư ký hội đồng", secretary), ("Chủ tịch hội đồng", chair)])
    return office.to_bytes(doc)


def letterhead(con: Connection) -> office.Letterhead:
    """The issuing body and school as the council's latest plan names them."""
    rows = con.execute(
        "SELECT unit, parent_unit, place FROM plans WHERE unit <> '' "
        "ORDER BY issued_on DESC NULLS LAST, id DESC LIMIT 1"
    ).fetchall()
    default = office.Letterhead()
    if not rows:
        return default
    unit, parent_unit, place = rows[0]
    return office.Letterhead(parent_unit or default.parent_unit, unit, place or default.place)


def result_rows(con: Connection, round_id: int) -> list[ResultRow]:
    """The round's entries (withdrawn ones left out) as lines of the council's tables."""
    df = results.results(con, round_id)
    rows = []
    for r in df[~df["withdrawn"]].to_dict("records"):
        note = r["override_reason"] or r["reason"] or ""
        if r["overridden"] and r["override_reason"]:
            note = f"Chủ tịch HĐ điều chỉnh: {r['override_reason']}"
        rows.append(ResultRow(r["code"], r["title"], r["authors"] or "", r["field"] or "",
                              r["group_name"] or "", tuple(r["totals"]), r["mean_total"],
                              r["grade"], note))  # fmt: skip
    return rows


def round_results_xlsx(con: Connection, round_id: int) -> bytes:
    """Bảng tổng hợp kết quả chấm SKKN of one round."""
    r = rounds.require_round(con, round_id)
    return results_workbook(letterhead(con), r.name, r.school_year, result_rows(con, round_id))


def round_grade_a_xlsx(con: Connection, round_id: int) -> bytes:
    """Danh sách SKKN đạt loại A đề nghị cấp trên of one round."""
    r = rounds.require_round(con, round_id)
    return grade_a_workbook(letterhead(con), r.name, r.school_year, result_rows(con, round_id))


def round_minutes_docx(con: Connection, round_id: int) -> bytes:
    """Biên bản chấm và xét duyệt SKKN of one round, with its council and results."""
    r = rounds.require_round(con, round_id)
    members_df = council.round_examiners(con, round_id)
    members = [(row.full_name, row.duty) for row in members_df.itertuples()]

    def holder(duty: str) -> str:
        return next((name for name, d in members if d == duty), "")

    return minutes_document(
        letterhead(con), r.name, r.level, r.school_year, members, result_rows(con, round_id),
        chair=holder("Chủ tịch HĐ"), secretary=holder("Thư ký HĐ"),
        held_on=r.finalized_at.date() if r.finalized_at else None,
    )  # fmt: skip


def round_sheet_docx(con: Connection, round_id: int, sheet: results.SheetScores) -> bytes:
    """One examiner's printable sheet; authors left out while a blind round is unpublished."""
    return _sheet_docx(letterhead(con), rounds.require_round(con, round_id), sheet)


def _sheet_docx(head: office.Letterhead, r: rounds.Round, sheet: results.SheetScores) -> bytes:
    hide = r.blind and r.state != "final"
    return sheet_document(
        head, r.name, r.rubric, code=sheet.code, title=sheet.title,
        authors=None if hide else sheet.authors, examiner=sheet.examiner_name,
        scores=sheet.scores, comments=sheet.comments, overall=sheet.overall, grade=sheet.grade,
    )  # fmt: skip


def round_sheets_zip(con: Connection, round_id: int) -> bytes:
    """Every submitted sheet of the round as Word files in one zip, one file per sheet."""
    # The round and the letterhead are read once, not once per sheet (thousands in a city).
    head, r = letterhead(con), rounds.require_round(con, round_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in results.submitted_sheets(con, round_id):
            name = f"phieu-cham-{sheet.code}-{sheet.gk or sheet.examiner}.docx"
            archive.writestr(name, _sheet_docx(head, r, sheet))
    return buffer.getvalue()
