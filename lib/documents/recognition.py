"""Recognition after publication: the quyết định, giấy chứng nhận, and the dossier sent up."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from docx.enum.section import WD_SECTION

from lib.access.permissions import is_published
from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.documents import engine, numbers, office, skkn
from lib.documents.engine import Signer
from lib.documents.organization import Organization
from lib.scoring import entries, results, rounds, states
from lib.scoring.rubric import NO_GRADE, format_number


@dataclass(frozen=True)
class Recognized:
    """One author of a recognized entry, as the quyết định and the certificates name them."""

    entry_id: int
    code: str
    title: str
    field: str
    grade: str
    mean_total: Decimal | None
    position: int
    name: str
    share: Decimal
    person_id: int | None
    job: str  # chức vụ, from the people list; empty for an author outside it


def _require_final(r: rounds.Round) -> None:
    if not is_published(r):
        raise Invalid(
            {"state": f"Đợt chấm “{r.name}” chưa công bố kết quả: quyết định công nhận, giấy "
             "chứng nhận và hồ sơ gửi cấp trên chỉ lập sau khi công bố."}
        )  # fmt: skip


def recognized(con: Connection, round_id: int) -> list[Recognized]:
    """Every author of every entry the round graded (not "Không xếp loại"), by code."""
    df = results.results(con, round_id)
    kept = df[(~df["withdrawn"]) & df["grade"].notna() & (df["grade"] != NO_GRADE)]
    ids = [int(i) for i in kept["entry_id"]]
    authors = entries.authors_of(con, ids)
    jobs = dict(con.execute("SELECT id, position FROM people").fetchall())
    found = []
    for row in kept.to_dict("records"):
        for pos, a in enumerate(authors[int(row["entry_id"])], start=1):
            found.append(Recognized(
                int(row["entry_id"]), row["code"], row["title"], row["field"] or "",
                row["grade"], row["mean_total"], pos, a.name, a.share, a.person_id,
                jobs.get(a.person_id, "") if a.person_id is not None else "",
            ))  # fmt: skip
    return found


def record_recognitions(con: Connection, round_id: int, actor: str) -> list[Recognized]:
    """Store the published round's recognitions per person (the titles' eligibility reads
    them); recorded again they replace the round's earlier ones."""
    r = rounds.require_round(con, round_id)
    _require_final(r)
    found = recognized(con, round_id)
    with transaction(con):
        con.execute("DELETE FROM recognitions WHERE round_id = ?", [round_id])
        if found:
            con.executemany(
                "INSERT INTO recognitions (round_id, entry_id, position, person_id, name, share, "
                "grade, level, school_year) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[round_id, x.entry_id, x.position, x.person_id, x.name, x.share, x.grade,
                  r.level, r.school_year] for x in found],
            )  # fmt: skip
        audit.record(con, actor, "recognize", "round", round_id, None, {"people": len(found)})
    return found


def publish_round(con: Connection, round_id: int, actor: str) -> rounds.Round:
    """Publish the round's results and store its recognitions in the same transaction (here,
    not in states: the documents build on scoring, never the other way)."""
    with transaction(con):
        r = states.finalize_round(con, round_id, actor)
        record_recognitions(con, round_id, actor)
    return r


def _on(r: rounds.Round) -> date:
    assert r.finalized_at is not None
    return r.finalized_at.date()


def _school_year(r: rounds.Round) -> str:
    return f" năm học {r.school_year}" if r.school_year else ""


def _head(org: Organization) -> Signer:
    return Signer("", org.head_title, org.head_name)


def decision_subject(round_id: int) -> str:
    """The numbering register's key of a round's quyết định công nhận."""
    return f"round:{round_id}:quyet-dinh"


def _numbered(con: Connection, subject: str, kind: str, on: date, actor: str) -> int:
    return numbers.number_for(con, subject, kind, on.year, actor)


def decision_docx(con: Connection, round_id: int, actor: str) -> bytes:
    """Quyết định công nhận SKKN cấp trường: the entries recognized, their grades and authors."""
    r, org = rounds.require_round(con, round_id), skkn.letterhead(con)
    _require_final(r)
    found = record_recognitions(con, round_id, actor)
    on = _on(r)
    number = _numbered(con, decision_subject(round_id), "QĐ", on, actor)
    doc = engine.new_document(org, on, kind="QĐ", number=number)
    engine.title(doc, "QUYẾT ĐỊNH",
                 f"Về việc công nhận sáng kiến kinh nghiệm {r.level}{_school_year(r)}")  # fmt: skip
    engine.para(doc, f"{org.head_title} {org.school_name}".upper(), bold=True, align="center",
                size=14, after=6)  # fmt: skip
    engine.para(doc, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", italic=True)
    meeting = skkn.meetings.get_meeting(con, round_id)
    if meeting is not None:
        minutes = numbers.number_for(con, skkn.minutes_subject(round_id), "BB",
                                     meeting.held_on.year, actor)  # fmt: skip
        shown = engine.number_line(minutes, "BB", org).removeprefix("Số: ")
        engine.para(doc, f"Căn cứ Biên bản số {shown} {engine.nd30_date(meeting.held_on)} của "
                    f"{skkn.COUNCIL};", italic=True)  # fmt: skip
    engine.para(doc, f"Xét đề nghị của {skkn.COUNCIL} {r.level}.", italic=True)
    engine.para(doc, "QUYẾT ĐỊNH:", bold=True, align="center", size=14, after=6)
    entries = sorted({(x.code, x.entry_id) for x in found})
    engine.para(doc, f"Điều 1. Công nhận {len(entries)} sáng kiến kinh nghiệm {r.level}"
                f"{_school_year(r)} (danh sách dưới đây):")  # fmt: skip
    rows = []
    for i, (code, eid) in enumerate(entries, start=1):
        people = [x for x in found if x.entry_id == eid]
        first = people[0]
        rows.append([i, code, first.title,
                     "; ".join(f"{x.name} ({format_number(x.share)}%)" for x in people),
                     format_number(first.mean_total) if first.mean_total is not None else "",
                     first.grade])  # fmt: skip
    engine.table(doc, ["STT", "Mã", "Tên SKKN", "Tác giả và tỉ lệ", "Điểm TB", "Xếp loại"],
                 rows, [1.2, 2.5, 6.2, 3.6, 1.5, 1.5], center=(0, 4, 5))  # fmt: skip
    engine.decision_articles(doc, skkn.COUNCIL)
    engine.closing(doc, [_head(org)], ["Như Điều 3", "Lưu: VT, HĐ"])
    return office.to_bytes(doc)


def certificates_docx(con: Connection, round_id: int, actor: str) -> bytes:
    """One Giấy chứng nhận per author of a recognized entry, each on its own page."""
    r, org = rounds.require_round(con, round_id), skkn.letterhead(con)
    _require_final(r)
    found = record_recognitions(con, round_id, actor)
    if not found:
        raise Invalid({"round": "Đợt chấm không có SKKN nào được xếp loại: không có giấy chứng "
                       "nhận nào để in."})  # fmt: skip
    on = _on(r)
    decision = _numbered(con, decision_subject(round_id), "QĐ", on, actor)
    doc = None
    for x in found:
        number = _numbered(con, f"round:{round_id}:gcn:{x.entry_id}:{x.position}", "GCN", on,
                           actor)  # fmt: skip
        if doc is None:
            doc = engine.new_document(org, on, kind="GCN", number=number)
        else:
            # Each certificate is the first page of its own section: the same heading, no number.
            doc.add_section(WD_SECTION.NEW_PAGE).different_first_page_header_footer = True
            engine.heading(doc, org, on, kind="GCN", number=number)
        engine.title(doc, "GIẤY CHỨNG NHẬN", size=20)
        engine.para(doc, f"{org.head_title} {org.school_name}".upper(), bold=True,
                    align="center", size=14, after=12)  # fmt: skip
        engine.para(doc, "Chứng nhận", align="center", italic=True)
        engine.para(doc, x.name, bold=True, align="center", size=18, after=6)
        if x.job:
            engine.para(doc, f"Chức vụ: {x.job}", align="center")
        engine.para(doc, f"Là tác giả (tỉ lệ đóng góp {format_number(x.share)}%) sáng kiến kinh "
                    f"nghiệm “{x.title}” (mã {x.code}), lĩnh vực {x.field or 'chung'}, được công "
                    f"nhận {r.level}{_school_year(r)}, xếp loại {x.grade}.",
                    align="center", after=6)  # fmt: skip
        shown = engine.number_line(decision, "QĐ", org).removeprefix("Số: ")
        last = engine.para(
            doc,
            f"(Theo Quyết định số {shown} {engine.nd30_date(on)} của "
            f"{org.head_title} {org.school_name})",
            italic=True,
            align="center",
        )
        engine.end_mark(last)
        engine.closing(doc, [_head(org)])
    assert doc is not None
    return office.to_bytes(doc)


def proposal_subject(round_id: int) -> str:
    """The numbering register's key of a round's tờ trình."""
    return f"round:{round_id}:to-trinh"


def _grade_a(found: list[Recognized]) -> list[list[Recognized]]:
    by_entry: dict[int, list[Recognized]] = {}
    for x in found:
        if x.grade == "A":
            by_entry.setdefault(x.entry_id, []).append(x)
    return [by_entry[k] for k in sorted(by_entry, key=lambda k: by_entry[k][0].code)]


def proposal_docx(con: Connection, round_id: int, actor: str) -> bytes:
    """Tờ trình đề nghị công nhận the grade-A entries, addressed to the governing body."""
    r, org = rounds.require_round(con, round_id), skkn.letterhead(con)
    _require_final(r)
    chosen = _grade_a(record_recognitions(con, round_id, actor))
    on = _on(r)
    number = _numbered(con, proposal_subject(round_id), "TTr", on, actor)
    doc = engine.new_document(org, on, kind="TTr", number=number)
    engine.title(doc, "TỜ TRÌNH", f"Về việc đề nghị công nhận sáng kiến kinh nghiệm đạt loại A "
                 f"{r.level}{_school_year(r)}")  # fmt: skip
    engine.para(doc, f"Kính gửi: {org.governing_body}.", align="center", after=6)
    decision = _numbered(con, decision_subject(round_id), "QĐ", on, actor)
    shown = engine.number_line(decision, "QĐ", org).removeprefix("Số: ")
    engine.para(doc, f"Căn cứ kết quả chấm và xét duyệt của {skkn.COUNCIL} {r.level}"
                f"{_school_year(r)} và Quyết định số {shown} {engine.nd30_date(on)} của "
                f"{org.head_title} {org.school_name} về việc công nhận sáng kiến kinh nghiệm "
                f"{r.level};")  # fmt: skip
    last = engine.para(doc, f"{org.school_name} kính trình {org.governing_body} xem xét, công "
                       f"nhận {len(chosen)} sáng kiến kinh nghiệm đạt loại A {r.level} (có danh "
                       "sách và hồ sơ kèm theo). Trân trọng")  # fmt: skip
    engine.end_mark(last)
    engine.closing(doc, [_head(org)], ["Như trên", "Lưu: VT, HĐ"])
    return office.to_bytes(doc)


def attachment_list_docx(con: Connection, round_id: int, actor: str) -> bytes:
    """Danh sách kèm theo Tờ trình (Phụ lục form): the grade-A entries with authors and shares."""
    r, org = rounds.require_round(con, round_id), skkn.letterhead(con)
    _require_final(r)
    chosen = _grade_a(record_recognitions(con, round_id, actor))
    on = _on(r)
    number = _numbered(con, proposal_subject(round_id), "TTr", on, actor)
    doc = engine.new_document(org, on)
    engine.title(doc, "DANH SÁCH", f"Sáng kiến kinh nghiệm đạt loại A {r.level}"
                 f"{_school_year(r)} đề nghị công nhận")  # fmt: skip
    shown = engine.number_line(number, "TTr", org).removeprefix("Số: ")
    engine.para(doc, f"(Kèm theo Tờ trình số {shown} {engine.nd30_date(on)} của "
                f"{org.school_name})", italic=True, align="center", after=6)  # fmt: skip
    rows = []
    for i, people in enumerate(chosen, start=1):
        first = people[0]
        rows.append([i, first.code, first.title,
                     "; ".join(f"{x.name} ({format_number(x.share)}%)" for x in people),
                     "; ".join(x.job or "—" for x in people), first.field,
                     format_number(first.mean_total) if first.mean_total is not None else "",
                     first.grade])  # fmt: skip
    engine.table(doc, ["STT", "Mã", "Tên SKKN", "Tác giả và tỉ lệ", "Chức vụ", "Lĩnh vực",
                       "Điểm TB", "Xếp loại"], rows,
                 [1.2, 2.2, 4.1, 2.9, 1.9, 1.3, 1.45, 1.45], size=11,
                 center=(0, 6, 7))  # fmt: skip
    last = engine.para(doc, f"Danh sách có {len(chosen)} sáng kiến kinh nghiệm", indent=False)
    engine.end_mark(last)
    engine.closing(doc, [_head(org)])
    return office.to_bytes(doc)


def dossier_zip(con: Connection, round_id: int, actor: str) -> bytes:
    """Hồ sơ gửi cấp trên: tờ trình, danh sách, biên bản, tổng hợp, quyết định, every sheet,
    each grade-A entry's document, and manifest.csv so a district installation can read it."""
    r = rounds.require_round(con, round_id)
    _require_final(r)
    skkn.require_meeting(con, round_id)  # the biên bản must be printable before anything
    found = record_recognitions(con, round_id, actor)
    grade_a = {people[0].entry_id: people for people in _grade_a(found)}
    files: list[tuple[str, str, str, bytes]] = [
        ("01-to-trinh.docx", "to-trinh", "", proposal_docx(con, round_id, actor)),
        ("02-danh-sach-kem-theo.docx", "danh-sach", "", attachment_list_docx(con, round_id, actor)),
        ("03-bien-ban.docx", "bien-ban", "", skkn.round_minutes_docx(con, round_id, actor)),
        ("04-tong-hop-ket-qua.xlsx", "tong-hop", "", skkn.round_results_xlsx(con, round_id)),
        ("05-quyet-dinh-cong-nhan.docx", "quyet-dinh", "", decision_docx(con, round_id, actor)),
    ]  # fmt: skip
    org = skkn.letterhead(con)
    for sheet in results.submitted_sheets(con, round_id):
        files.append((f"phieu-cham/{skkn.sheet_file_name(sheet)}", "phieu-cham", sheet.code,
                      skkn._sheet_docx(org, r, sheet)))  # fmt: skip
    for eid, people in grade_a.items():
        document = entries.entry_document(con, eid)
        if document is not None:
            data, name, _ = document
            files.append((f"skkn/{people[0].code}-{name}", "skkn", people[0].code, data))
    by_code = {p[0].code: p for p in grade_a.values()}
    manifest = io.StringIO()
    out = csv.writer(manifest)
    out.writerow(["tep", "loai", "ma_skkn", "ten_skkn", "tac_gia", "xep_loai", "diem_tb",
                  "sha256"])  # fmt: skip
    for name, kind, code, data in files:
        people = by_code.get(code, [])
        first = people[0] if people else None
        out.writerow([
            name, kind, code, first.title if first else "",
            "; ".join(f"{x.name} ({format_number(x.share)}%)" for x in people),
            first.grade if first else "",
            format_number(first.mean_total) if first and first.mean_total is not None else "",
            hashlib.sha256(data).hexdigest(),
        ])  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, _, _, data in files:
            archive.writestr(name, data)
        archive.writestr("manifest.csv", "\ufeff" + manifest.getvalue())
    return buffer.getvalue()
