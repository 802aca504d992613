"""The registration documents: a person's Bản đăng ký thi đua, the Bảng tổng hợp (Word, Excel)."""

from __future__ import annotations

from datetime import date

from lib.access.permissions import User, can_view_dossier
from lib.core import clock
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.documents import engine, office, organization
from lib.documents.engine import Signer
from lib.titles import registrations as reg
from lib.titles.rules import GROUP_TITLES, PERSON_TITLES, TITLE_NAMES, check_school_year

COUNCIL = "Hội đồng Thi đua – Khen thưởng"


def _registered_on(con: Connection, year: str, person_id: int | None = None) -> date:
    """The day the registrations as printed were last written (a person's, or the year's)."""
    where, args = "school_year = ?", [year]
    if person_id is not None:
        where, args = where + " AND person_id = ?", [year, person_id]
    row = con.execute(
        f"SELECT max(updated_at) FROM title_registrations WHERE {where}", args
    ).fetchone()
    groups = None
    if person_id is None:
        groups = con.execute(
            "SELECT max(updated_at) FROM group_registrations WHERE school_year = ?", [year]
        ).fetchone()
    found = [v[0] for v in (row, groups) if v is not None and v[0] is not None]
    return max(found).date() if found else clock.today()


def why_not(con: Connection) -> str | None:
    """Why the registration documents cannot be made yet (shown under their buttons), or None."""
    missing = organization.get(con).missing()
    return "Chưa khai báo Thông tin đơn vị: " + ", ".join(missing) + "." if missing else None


def _title_label(code: str) -> str:
    return f"{TITLE_NAMES[code]} ({(PERSON_TITLES | GROUP_TITLES)[code]})"


def registration_docx(
    con: Connection, user: User | None, school_year: str, person_id: int
) -> bytes:
    """Bản đăng ký thi đua of one person: their title and SKKN, dated the day they registered;
    a person prints their own, an admin anyone's."""
    year = check_school_year(school_year)
    if not can_view_dossier(user, person_id):  # the same rule: one's own, or an admin
        raise Invalid({"user": "Chỉ in được bản đăng ký thi đua của mình."})
    found = reg.get_registration(con, year, person_id)
    row = con.execute(
        "SELECT full_name, position, group_name FROM people WHERE id = ?", [person_id]
    ).fetchone()
    if row is None:
        raise Invalid({"person": f"Không có cán bộ số {person_id}."})
    if found is None:
        raise Invalid({"registration": f"{row[0]} chưa đăng ký thi đua năm học {year}."})
    org = organization.require(con)
    doc = engine.new_document(org, _registered_on(con, year, person_id))
    engine.title(doc, "BẢN ĐĂNG KÝ THI ĐUA", f"Năm học {year}")
    engine.para(doc, f"Kính gửi: {COUNCIL} {org.school_name}.", align="center", after=6)
    engine.para(doc, f"Họ và tên: {row[0]}", indent=False)
    engine.para(doc, f"Chức vụ: {row[1] or '…'}", indent=False)
    engine.para(doc, f"Tổ: {row[2] or '…'}", indent=False)
    engine.para(doc, f"Đăng ký danh hiệu thi đua năm học {year}: {_title_label(found.title)}.",
                bold=True, indent=False)  # fmt: skip
    if found.skkn_title:
        field = f" (lĩnh vực: {found.skkn_field})" if found.skkn_field else ""
        engine.para(doc, f"Sáng kiến kinh nghiệm đăng ký: “{found.skkn_title}”{field}.",
                    indent=False)  # fmt: skip
    else:
        engine.para(doc, "Sáng kiến kinh nghiệm đăng ký: không.", indent=False)
    last = engine.para(doc, "Tôi xin hứa thực hiện tốt nhiệm vụ được giao, chấp hành nghiêm "
                       "chủ trương, chính sách của Đảng, pháp luật của Nhà nước và nội quy, quy "
                       "chế của nhà trường để đạt danh hiệu đã đăng ký")  # fmt: skip
    engine.end_mark(last)
    engine.closing(doc, [Signer("", "Người đăng ký", row[0], hint=True)])
    return office.to_bytes(doc)


def _summary_rows(con: Connection, year: str) -> tuple[list[list[object]], int, int]:
    """The table's rows (a part per person and per collective), registered people, tổ."""
    table = reg.registrations_table(con, year)
    rows: list[list[object]] = [[engine.Bold("A"), engine.Bold("Cá nhân"), "", "", "", ""]]
    done = table[table["registered"]]
    for i, r in enumerate(done.itertuples(), start=1):
        rows.append([i, r.full_name, r.group_name, PERSON_TITLES[r.title], r.skkn_title,
                     r.skkn_field])  # fmt: skip
    groups = reg.group_registrations(con, year)
    rows.append([engine.Bold("B"), engine.Bold("Tập thể"), "", "", "", ""])
    named = [g for g in reg.group_names(con) if g in groups]
    for i, g in enumerate(named, start=1):
        rows.append([i, g, "", GROUP_TITLES[groups[g]], "", ""])
    return rows, len(done), len(named)


def _missing(con: Connection, year: str) -> list[str]:
    return reg.unregistered(con, year)["full_name"].tolist()


HEADERS = ["STT", "Họ và tên / tập thể", "Tổ", "Danh hiệu", "Tên SKKN", "Lĩnh vực"]


def summary_docx(con: Connection, school_year: str) -> bytes:
    """Bảng tổng hợp đăng ký thi đua (Word): every registration, then who has not registered."""
    year = check_school_year(school_year)
    org = organization.require(con)
    rows, people, groups = _summary_rows(con, year)
    doc = engine.new_document(org, _registered_on(con, year))
    engine.title(doc, "BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA", f"Năm học {year}")
    engine.table(doc, HEADERS, rows, [1.2, 3.7, 2.8, 2.2, 4.8, 1.8], size=11,
                 center=(0, 3))  # fmt: skip
    missing = _missing(con, year)
    engine.para(doc, f"Tổng số: {people} cá nhân, {groups} tập thể đăng ký.", indent=False)
    text = (f"Chưa đăng ký ({len(missing)}): {', '.join(missing)}" if missing
            else "Mọi cán bộ, giáo viên, nhân viên đã đăng ký")  # fmt: skip
    last = engine.para(doc, text, indent=False)
    engine.end_mark(last)
    engine.closing(doc, [Signer("TM. Hội đồng TĐKT", "Chủ tịch", org.head_name)])
    return office.to_bytes(doc)


def summary_xlsx(con: Connection, school_year: str) -> bytes:
    """Bảng tổng hợp đăng ký thi đua (Excel, same heading and signature as the Word one)."""
    year = check_school_year(school_year)
    org = organization.require(con)
    rows, people, groups = _summary_rows(con, year)
    missing = _missing(con, year)
    footer = [f"Tổng số: {people} cá nhân, {groups} tập thể đăng ký."]
    if missing:
        footer.append(f"Chưa đăng ký ({len(missing)}): {', '.join(missing)}")
    return office.workbook(
        "Đăng ký thi đua",
        engine.xlsx_heading(org, "BẢNG TỔNG HỢP ĐĂNG KÝ THI ĐUA", f"Năm học {year}"),
        HEADERS,
        [[str(v) if isinstance(v, engine.Bold) else v for v in r] for r in rows],
        [6, 28, 20, 12, 50, 16],
        [*footer, *engine.xlsx_signature(org, _registered_on(con, year),
                                         Signer("TM. Hội đồng TĐKT", "Chủ tịch", org.head_name))],
    )  # fmt: skip
