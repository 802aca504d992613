"""The numbering register: each issued document's "Số" in its year, given once and overridable."""

from __future__ import annotations

from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid


def get_number(con: Connection, subject: str) -> int | None:
    """The number already given to this subject, or None."""
    row = con.execute("SELECT number FROM document_numbers WHERE subject = ?", [subject]).fetchone()
    return int(row[0]) if row else None


def number_for(con: Connection, subject: str, kind: str, year: int, actor: str) -> int:
    """The subject's number, given now (the next free one of its kind and year) if it has none."""
    with transaction(con):
        found = get_number(con, subject)
        if found is not None:
            return found
        row = con.execute(
            "SELECT coalesce(max(number), 0) + 1 FROM document_numbers WHERE year = ? AND kind = ?",
            [year, kind],
        ).fetchone()
        number = int(row[0]) if row else 1
        con.execute(
            "INSERT INTO document_numbers (subject, year, kind, number, created_by) "
            "VALUES (?, ?, ?, ?, ?)",
            [subject, year, kind, number, actor],
        )
        audit.record(con, actor, "number", "document", subject, None, {"number": number})
        return number


def set_number(con: Connection, subject: str, kind: str, year: int, text: str, actor: str) -> int:
    """The admin's own number for a subject (e.g. one given on paper); refused when taken."""
    value = (text or "").strip()
    if not value.isdigit() or int(value) <= 0:
        raise Invalid({"number": f"Số văn bản phải là số nguyên dương, không phải '{value}'."})
    number = int(value)
    with transaction(con):
        taken = con.execute(
            "SELECT subject FROM document_numbers WHERE year = ? AND kind = ? AND number = ? "
            "AND subject <> ?",
            [year, kind, number, subject],
        ).fetchone()
        if taken:
            raise Invalid(
                {"number": f"Số {number:02d}/{kind} năm {year} đã dùng cho văn bản khác."}
            )
        before = get_number(con, subject)
        con.execute("DELETE FROM document_numbers WHERE subject = ?", [subject])
        con.execute(
            "INSERT INTO document_numbers (subject, year, kind, number, created_by) "
            "VALUES (?, ?, ?, ?, ?)",
            [subject, year, kind, number, actor],
        )
        audit.record(con, actor, "number", "document", subject,
                     {"number": before} if before else None, {"number": number})  # fmt: skip
    return number
