"""The documents the SKKN council files: result tables, the grade-A list, sheets and minutes."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lib.access.permissions import authors_hidden
from lib.core import clock
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.documents import engine, numbers, office, organization
from lib.documents.engine import Bold, Signer
from lib.documents.organization import Organization
from lib.scoring import meetings, results, rounds
from lib.scoring.meetings import Meeting
from lib.scoring.rubric import Rubric, format_number, section_totals

COUNCIL = "Hội đồng chấm sáng kiến kinh nghiệm"


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
    entry_id: int | None = None
    computed_grade: str | None = None
    override_reason: str = ""


def _num(value: object) -> str:
    return "" if value is None else format_number(value)


def _gk_headers(rows: Sequence[ResultRow]) -> list[str]:
    count = max([len(r.totals) for r in rows] + [2])
    return [f"GK{i}" for i in range(1, count + 1)]


def _subtitle(round_name: str, school_year: str) -> str:
    return f"{round_name} – năm học {school_year}" if school_year else round_name


def results_workbook(
    org: Organization,
    round_name: str,
    school_year: str,
    rows: Sequence[ResultRow],
    on: date,
    signer: Signer,
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
        engine.xlsx_heading(
            org, "BẢNG TỔNG HỢP KẾT QUẢ CHẤM SKKN", _subtitle(round_name, school_year)
        ),  # fmt: skip
        headers,
        body,
        widths,
        engine.xlsx_signature(org, on, signer),
    )


def grade_a_workbook(
    org: Organization,
    round_name: str,
    school_year: str,
    rows: Sequence[ResultRow],
    on: date,
    signer: Signer,
) -> bytes:
    """Excel "Danh sách SKKN đạt loại A đề nghị cấp trên"."""
    chosen = [r for r in rows if r.grade == "A"]
    body = [
        [i, r.code, r.title, r.authors, r.field, r.group_name,
         float(r.mean_total) if r.mean_total is not None else None, r.grade]
        for i, r in enumerate(chosen, start=1)
    ]  # fmt: skip
    return office.workbook(
        "Loại A",
        engine.xlsx_heading(
            org, "DANH SÁCH SKKN ĐẠT LOẠI A ĐỀ NGHỊ CẤP TRÊN", _subtitle(round_name, school_year)
        ),  # fmt: skip
        [
            "STT",
            "Mã SKKN",
            "Tên SKKN",
            "Tác giả và tỉ lệ",
            "Lĩnh vực",
            "Tổ",
            "Điểm TB",
            "Xếp loại",
        ],  # fmt: skip
        body,
        [6, 12, 50, 30, 16, 18, 10, 10],
        [f"Tổng số: {len(chosen)} SKKN", *engine.xlsx_signature(org, on, signer)],
    )


def sheet_document(
    org: Organization,
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
    on: date,
) -> bytes:
    """Word "Phiếu chấm SKKN" of one examiner for one entry, on one A4 page, ready to sign."""
    # A long rubric prints smaller so that the table and the signature stay on one page.
    lines = len(rubric.criteria) + len(rubric.sections)
    size = 11 if lines > 12 else 12
    doc = engine.new_document(org, on)
    engine.title(doc, "PHIẾU CHẤM SÁNG KIẾN KINH NGHIỆM", size=14)
    engine.para(doc, f"{round_name} – Mẫu phiếu: {rubric.name}", italic=True, align="center",
                size=12, after=0 if rubric.source else 4)  # fmt: skip
    if rubric.source:
        engine.para(doc, f"Nguồn tiêu chí: {rubric.source}", italic=True, align="center", size=11)
    engine.para(doc, f"Mã SKKN: {code}. Giám khảo: {examiner}", align="left", size=12, after=0)
    engine.para(doc, f"Tên SKKN: {title}", align="left", size=12, after=0 if authors else 4)
    if authors is not None:  # blind rounds print no author
        engine.para(doc, f"Tác giả: {authors}", align="left", size=12, after=4)
    subtotals = section_totals(rubric, {k: v for k, v in scores.items() if v is not None})
    rows: list[list[object]] = []
    for section in rubric.sections:
        rows.append([Bold(section.code), Bold(section.label.upper()),
                     Bold(_num(rubric.section_max(section.code))),
                     Bold(_num(subtotals.get(section.code))), ""])  # fmt: skip
        for c in rubric.criteria:
            if c.section == section.code:
                rows.append([c.code, c.label, _num(c.max), _num(scores.get(c.code)),
                             comments.get(c.code, "")])  # fmt: skip
    total = sum((v for v in scores.values() if v is not None), Decimal(0))
    rows.append(["", Bold("TỔNG ĐIỂM"), Bold(_num(rubric.scale)), Bold(_num(total)), ""])
    engine.table(doc, ["Mục", "Tiêu chí", "Tối đa", "Điểm", "Nhận xét"], rows,
                 [1.6, 6.6, 1.5, 1.5, 5.3], size=size, center=(0, 2, 3))  # fmt: skip
    engine.para(doc, f"Xếp loại: {grade or '—'}", bold=True, align="left", size=12, after=0)
    engine.para(doc, f"Nhận xét chung: {overall}" if overall else "Nhận xét chung:",
                align="left", size=12, after=0)  # fmt: skip
    engine.closing(doc, [Signer("", "Giám khảo", examiner, hint=True)], size=12)
    return office.to_bytes(doc)


def _attendance_rows(meeting: Meeting) -> list[list[object]]:
    return [[i, a.name, a.duty, "Có mặt" if a.present else f"Vắng ({a.reason})"]
            for i, a in enumerate(meeting.attendance, start=1)]  # fmt: skip


def minutes_document(
    org: Organization,
    r: rounds.Round,
    meeting: Meeting,
    rows: Sequence[ResultRow],
    number: int | None,
) -> bytes:
    """Word "Biên bản họp Hội đồng chấm SKKN" (Mẫu 1.9, Phụ lục III, NĐ 30/2020)."""
    doc = engine.new_document(org, meeting.held_on, kind="BB", number=number)
    engine.title(doc, "BIÊN BẢN", f"Họp {COUNCIL} {r.level}, năm học {r.school_year}"
                 if r.school_year else f"Họp {COUNCIL} {r.level}")  # fmt: skip
    para = engine.para
    para(doc, f"Thời gian bắt đầu: {meetings.spoken_time(meeting.starts_at)}, "
         f"{engine.nd30_date(meeting.held_on)}.")  # fmt: skip
    para(doc, f"Địa điểm: {meeting.place}.")
    para(doc, f"Chủ trì: {meeting.chaired_by}. Thư ký (người ghi biên bản): {meeting.secretary}.")
    absent = len(meeting.attendance) - meeting.present
    para(doc, f"Thành phần tham dự: {meeting.present}/{len(meeting.attendance)} thành viên "
         f"hội đồng có mặt, {absent} vắng:")  # fmt: skip
    engine.table(doc, ["STT", "Họ và tên", "Nhiệm vụ trong hội đồng", "Có mặt / vắng"],
                 _attendance_rows(meeting), [1.2, 5.5, 4.8, 5.0])  # fmt: skip
    para(doc, "Nội dung (theo diễn biến cuộc họp):", bold=True, indent=False, after=2)
    source = f"; nguồn: {r.rubric.source}" if r.rubric.source else ""
    para(doc, f"1. Hội đồng chấm {len(rows)} SKKN theo mẫu phiếu “{r.rubric.name}” "
         f"(thang {_num(r.rubric.scale)} điểm{source}), mỗi SKKN do {r.examiners_per_entry} "
         "giám khảo chấm độc lập. Kết quả:")  # fmt: skip
    counts = Counter(x.grade or "Chưa có kết quả" for x in rows)
    engine.table(
        doc,
        ["STT", "Mã", "Tên SKKN", "Tác giả", "Điểm TB", "Xếp loại"],
        [[i, x.code, x.title, x.authors, _num(x.mean_total), x.grade or ""]
         for i, x in enumerate(rows, start=1)],
        [1.3, 2.6, 6.0, 3.6, 1.5, 1.5],
        center=(0, 4, 5),
    )  # fmt: skip
    summary = "; ".join(f"loại {g}: {n}" if len(g) <= 2 else f"{g}: {n}"
                        for g, n in sorted(counts.items()))  # fmt: skip
    para(doc, f"Tổng số: {len(rows)} SKKN ({summary}).")
    adjusted = [x for x in rows if x.computed_grade != x.grade and x.override_reason]
    step = 2
    if adjusted:
        para(doc, f"{step}. Điều chỉnh xếp loại (quyết định của Chủ tịch HĐ):")
        for x in adjusted:
            vote = meeting.vote_on(x.entry_id) if x.entry_id is not None else None
            voted = (
                f"Hội đồng biểu quyết: {vote.vote_text}."
                if vote
                else "Không biểu quyết (Chủ tịch HĐ không chấm, không là tác giả SKKN này)."
            )
            para(doc, f"- {x.code} “{x.title}”: xếp loại theo điểm {x.computed_grade or 'chưa có'}"
                 f", hội đồng quyết định {x.grade or 'không xếp loại'}. Lý do: "
                 f"{x.override_reason}. {voted}")  # fmt: skip
        step += 1
    others = [d for d in meeting.decisions if d.entry_id is None]
    if others:
        para(doc, f"{step}. Các nội dung biểu quyết:")
        for d in others:
            para(doc, f"- {d.content}: {d.vote_text}.")
        step += 1
    if meeting.content:
        para(doc, f"{step}. Ý kiến tại cuộc họp:")
        for line in meeting.content.splitlines():
            if line.strip():
                para(doc, line.strip())
        step += 1
    grade_a = counts.get("A", 0)
    para(doc, f"{step}. Kết luận: hội đồng thống nhất kết quả trên; đề nghị công nhận các SKKN "
         f"đạt xếp loại và gửi {grade_a} SKKN đạt loại A lên cấp trên.")  # fmt: skip
    last = para(doc, f"Cuộc họp kết thúc vào {meetings.spoken_time(meeting.ends_at)} cùng ngày, "
                "nội dung thảo luận tại cuộc họp đã được các thành viên dự họp thông qua và "
                "cùng ký vào biên bản")  # fmt: skip
    engine.end_mark(last)
    engine.closing(doc, [Signer("", "Thư ký", meeting.secretary, hint=True),
                         Signer("", "Chủ tọa", meeting.chaired_by, hint=True)])  # fmt: skip
    return office.to_bytes(doc)


def letterhead(con: Connection) -> Organization:
    """The issuing school as Thông tin đơn vị names it (never the last imported plan)."""
    return organization.require(con)


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
                              r["grade"], note, int(r["entry_id"]), r["computed_grade"],
                              r["override_reason"] if r["overridden"] else ""))  # fmt: skip
    return rows


def council_signer(con: Connection, round_id: int, org: Organization) -> Signer:
    """ "TM. HỘI ĐỒNG / CHỦ TỊCH" and the council's chair (the head of school when none)."""
    council = meetings.ordered_council(con, round_id)
    chairs = council[council["rank"] == 0]
    name = chairs["full_name"].iloc[0] if len(chairs) else org.head_name
    return Signer("TM. Hội đồng", "Chủ tịch", name)


def _issued_on(con: Connection, r: rounds.Round) -> date:
    """A council table's date: the meeting's, else the publication's, else today."""
    meeting = meetings.get_meeting(con, r.id)
    if meeting is not None:
        return meeting.held_on
    if r.finalized_at is not None:
        return r.finalized_at.date()
    return clock.today()


def round_results_xlsx(con: Connection, round_id: int) -> bytes:
    """Bảng tổng hợp kết quả chấm SKKN of one round."""
    r, org = rounds.require_round(con, round_id), letterhead(con)
    return results_workbook(org, r.name, r.school_year, result_rows(con, round_id),
                            _issued_on(con, r), council_signer(con, round_id, org))  # fmt: skip


def round_grade_a_xlsx(con: Connection, round_id: int) -> bytes:
    """Danh sách SKKN đạt loại A đề nghị cấp trên of one round."""
    r, org = rounds.require_round(con, round_id), letterhead(con)
    return grade_a_workbook(org, r.name, r.school_year, result_rows(con, round_id),
                            _issued_on(con, r), council_signer(con, round_id, org))  # fmt: skip


def require_meeting(con: Connection, round_id: int) -> Meeting:
    """The round's recorded meeting; refused (never printed blank) when not yet recorded."""
    meeting = meetings.get_meeting(con, round_id)
    if meeting is None:
        raise Invalid(
            {"meeting": "Chưa ghi thông tin cuộc họp của hội đồng (ngày, giờ, địa điểm, chủ trì, "
             "thư ký, thành phần, biểu quyết): ghi ở tab Văn bản của trang Kết quả chấm "
             "trước khi lập biên bản."}
        )  # fmt: skip
    return meeting


def minutes_subject(round_id: int) -> str:
    """The numbering register's key of a round's biên bản."""
    return f"round:{round_id}:bien-ban"


def round_minutes_docx(con: Connection, round_id: int, actor: str) -> bytes:
    """Biên bản họp hội đồng chấm SKKN of one round: meeting, council, results, votes."""
    r, org = rounds.require_round(con, round_id), letterhead(con)
    meeting = require_meeting(con, round_id)
    number = numbers.number_for(con, minutes_subject(round_id), "BB", meeting.held_on.year, actor)
    return minutes_document(org, r, meeting, result_rows(con, round_id), number)


def round_sheet_docx(con: Connection, round_id: int, sheet: results.SheetScores) -> bytes:
    """One examiner's printable sheet; authors left out while a blind round is unpublished."""
    return _sheet_docx(letterhead(con), rounds.require_round(con, round_id), sheet)


def _sheet_docx(org: Organization, r: rounds.Round, sheet: results.SheetScores) -> bytes:
    hide = authors_hidden(r)
    on = sheet.submitted_at.date() if sheet.submitted_at else clock.today()  # a draft: today
    return sheet_document(
        org, r.name, r.rubric, code=sheet.code, title=sheet.title,
        authors=None if hide else sheet.authors, examiner=sheet.examiner_name,
        scores=sheet.scores, comments=sheet.comments, overall=sheet.overall, grade=sheet.grade,
        on=on,
    )  # fmt: skip


def sheet_file_name(sheet: results.SheetScores) -> str:
    """The file name of one sheet in downloads and the dossier."""
    return f"phieu-cham-{sheet.code}-{sheet.gk or sheet.examiner}.docx"


def round_sheets_zip(con: Connection, round_id: int) -> bytes:
    """Every submitted sheet of the round as Word files in one zip, one file per sheet."""
    # The round and the letterhead are read once, not once per sheet (thousands in a city).
    org, r = letterhead(con), rounds.require_round(con, round_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for sheet in results.submitted_sheets(con, round_id):
            archive.writestr(sheet_file_name(sheet), _sheet_docx(org, r, sheet))
    return buffer.getvalue()
