"""Đăng ký thi đua: each person's target title and SKKN, each tổ's collective title."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lib.access.people import people_index
from lib.access.permissions import User, can_manage_titles, why_cannot_edit_registration
from lib.core import audit
from lib.core.db import Connection, registered, transactional
from lib.core.errors import Invalid
from lib.core.text import fold, nfc, vn_key, vn_name_order
from lib.io.columns import person_table_problems
from lib.io.uploads import ROW_COLUMN, Problem
from lib.titles import skkn
from lib.titles.rules import (
    GROUP_TITLES,
    PERSON_TITLES,
    TITLES,
    check_school_year,
    ensure_year,
    title_code,
)


@dataclass(frozen=True)
class Registration:
    """A person's registration for a school year."""

    school_year: str
    person_id: int
    title: str  # LDTT or CSTDCS
    skkn_title: str
    skkn_field: str
    entry_id: int | None


def registration_open(con: Connection, school_year: str) -> bool:
    """Tell whether staff may still register for the year (a year never set up is open)."""
    row = con.execute(
        "SELECT registration_open FROM title_years WHERE school_year = ?", [school_year]
    ).fetchone()
    return True if row is None else bool(row[0])


@transactional
def set_registration_open(
    con: Connection, user: User | None, school_year: str, is_open: bool
) -> None:
    """Open or close the year's registration (admins only)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ mở hoặc đóng đăng ký thi đua."})
    assert user is not None
    year = ensure_year(con, school_year, user.username)
    con.execute(
        "UPDATE title_years SET registration_open = ?, updated_by = ?, "
        "updated_at = current_localtimestamp() WHERE school_year = ?",
        [is_open, user.username, year],
    )
    audit.record(con, user.username, "open" if is_open else "close", "registration", year)


# Registration's fields, in its order: one list for every read of the table.
_SELECT = ("SELECT school_year, person_id, title, skkn_title, skkn_field, entry_id "
           "FROM title_registrations WHERE school_year = ?")  # fmt: skip


def get_registration(con: Connection, school_year: str, person_id: int) -> Registration | None:
    """The person's registration for the year, or None."""
    row = con.execute(_SELECT + " AND person_id = ?", [school_year, person_id]).fetchone()
    return Registration(*row) if row else None


def year_registrations(con: Connection, school_year: str) -> dict[int, Registration]:
    """person_id -> registration for the year, read at once (an import checks everyone)."""
    rows = con.execute(_SELECT, [school_year]).fetchall()
    return {int(r[1]): Registration(*r) for r in rows}


def check_skkn(skkn_title: str, skkn_field: str, before: Registration | None) -> dict[str, str]:
    """Problems of a registered SKKN (field -> Vietnamese message), given the stored one."""
    errors: dict[str, str] = {}
    if skkn_field and not skkn_title:
        errors["skkn_title"] = "Có lĩnh vực thì hãy nhập cả tên SKKN."
    if len(skkn_title) > 500:
        errors["skkn_title"] = "Tên SKKN dài quá 500 ký tự."
    if before and before.entry_id is not None and skkn_title != before.skkn_title:
        errors["skkn_title"] = (
            'SKKN này đã được đưa vào đợt chấm: sửa tên SKKN ở trang "SKKN và phân công".'
        )
    return errors


def _person(con: Connection, person_id: int) -> tuple[str, str]:
    row = con.execute(
        "SELECT full_name, group_name FROM people WHERE id = ?", [person_id]
    ).fetchone()
    if row is None:
        raise Invalid({"person": f"Không có cán bộ số {person_id}."})
    return row[0], row[1]


@transactional
def save_registration(
    con: Connection,
    user: User | None,
    school_year: str,
    person_id: int,
    title: str,
    skkn_title: str = "",
    skkn_field: str = "",
    *,
    is_demo: bool = False,
) -> Registration:
    """Write a person's registration: their own while open, anyone's for an admin."""
    year = check_school_year(school_year)
    name, _ = _person(con, person_id)
    errors: dict[str, str] = {}
    refused = why_cannot_edit_registration(user, person_id, registration_open(con, year))
    if refused:
        raise Invalid({"user": refused})
    assert user is not None
    if title not in PERSON_TITLES:
        errors["title"] = f"Danh hiệu '{title}' không đăng ký được (chỉ nhận: LĐTT, CSTĐCS)."
    skkn_title, skkn_field = nfc(skkn_title or ""), nfc(skkn_field or "")
    before = get_registration(con, year, person_id)
    errors.update(check_skkn(skkn_title, skkn_field, before))
    if errors:
        raise Invalid(errors)
    ensure_year(con, year, user.username)
    con.execute(
        "INSERT INTO title_registrations (school_year, person_id, title, skkn_title, skkn_field, "
        " is_demo, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (school_year, person_id) DO UPDATE SET title = excluded.title, "
        " skkn_title = excluded.skkn_title, skkn_field = excluded.skkn_field, "
        " updated_by = excluded.updated_by, updated_at = current_localtimestamp()",
        [year, person_id, title, skkn_title, skkn_field, is_demo, user.username],
    )
    after = get_registration(con, year, person_id)
    assert after is not None
    audit.record(con, user.username, "register", "registration", f"{year}:{person_id}",
                 before.__dict__ if before else None, after.__dict__)  # fmt: skip
    return after


@transactional
def withdraw_registration(
    con: Connection, user: User | None, school_year: str, person_id: int
) -> None:
    """Remove a person's registration (same rule as writing it)."""
    year = check_school_year(school_year)
    refused = why_cannot_edit_registration(user, person_id, registration_open(con, year))
    if refused:
        raise Invalid({"user": refused})
    assert user is not None
    before = get_registration(con, year, person_id)
    if before is None:
        return
    con.execute(
        "DELETE FROM title_registrations WHERE school_year = ? AND person_id = ?",
        [year, person_id],
    )
    audit.record(con, user.username, "withdraw", "registration", f"{year}:{person_id}",
                 before.__dict__)  # fmt: skip


def registrations_table(con: Connection, school_year: str) -> pd.DataFrame:
    """Every person with their registration for the year (empty title: not registered).

    Columns: person_id, full_name, group_name, username, title, skkn_title, skkn_field,
    entry_id, registered."""
    df = con.execute(
        "SELECT p.id AS person_id, p.full_name, p.group_name, u.username, "
        "       coalesce(r.title, '') AS title, coalesce(r.skkn_title, '') AS skkn_title, "
        "       coalesce(r.skkn_field, '') AS skkn_field, r.entry_id "
        "FROM people p LEFT JOIN users u ON u.person_id = p.id "
        "LEFT JOIN title_registrations r ON r.person_id = p.id AND r.school_year = ?",
        [school_year],
    ).df()
    df["registered"] = df["title"] != ""
    return df.iloc[vn_name_order(df["full_name"].tolist())].reset_index(drop=True)


def unregistered(con: Connection, school_year: str) -> pd.DataFrame:
    """The people who have not registered for the year."""
    df = registrations_table(con, school_year)
    return df[~df["registered"]][["person_id", "full_name", "group_name"]].reset_index(drop=True)


def group_names(con: Connection) -> list[str]:
    """The school's tổ (every group a person belongs to), in Vietnamese order."""
    rows = con.execute("SELECT DISTINCT group_name FROM people WHERE group_name <> ''").fetchall()
    return sorted((r[0] for r in rows), key=vn_key)


@transactional
def save_group_registration(
    con: Connection,
    user: User | None,
    school_year: str,
    group_name: str,
    title: str | None,
    *,
    is_demo: bool = False,
) -> None:
    """Register a tổ's collective title for the year, or with None remove it (admins only)."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ đăng ký danh hiệu tập thể."})
    assert user is not None
    year = check_school_year(school_year)
    group = nfc(group_name or "")
    if group not in group_names(con):
        raise Invalid({"group": f"Không có tổ '{group_name}' trong danh sách cán bộ."})
    if title is None:
        con.execute(
            "DELETE FROM group_registrations WHERE school_year = ? AND group_name = ?",
            [year, group],
        )
        audit.record(con, user.username, "withdraw", "group_registration", f"{year}:{group}")
        return
    if title not in GROUP_TITLES:
        raise Invalid(
            {"title": f"Danh hiệu '{title}' không phải danh hiệu tập thể (TTLĐTT, TTLĐXS)."}
        )
    ensure_year(con, year, user.username)
    con.execute(
        "INSERT INTO group_registrations (school_year, group_name, title, is_demo, updated_by) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (school_year, group_name) DO UPDATE SET "
        "title = excluded.title, updated_by = excluded.updated_by, "
        "updated_at = current_localtimestamp()",
        [year, group, title, is_demo, user.username],
    )
    audit.record(con, user.username, "register", "group_registration", f"{year}:{group}",
                 None, title)  # fmt: skip


def group_registrations(con: Connection, school_year: str) -> dict[str, str]:
    """Tổ -> registered collective title for the year."""
    rows = con.execute(
        "SELECT group_name, title FROM group_registrations WHERE school_year = ?", [school_year]
    ).fetchall()
    return dict(rows)


@transactional
def make_entry(
    con: Connection, user: User | None, school_year: str, person_id: int, round_id: int
) -> int:
    """Turn a registered SKKN into an entry of an SKKN round of the same year; return its id."""
    if not can_manage_titles(user):
        raise Invalid({"user": "Chỉ Chủ tịch, Thư ký HĐ đưa SKKN vào đợt chấm."})
    assert user is not None
    year = check_school_year(school_year)
    reg = get_registration(con, year, person_id)
    name, _ = _person(con, person_id)
    if reg is None or not reg.skkn_title:
        raise Invalid({"skkn": f"{name} chưa đăng ký SKKN trong năm học {year}."})
    if reg.entry_id is not None:
        raise Invalid({"skkn": f"SKKN của {name} đã có trong đợt chấm (số SKKN {reg.entry_id})."})
    round_school_year, label = skkn.round_year(con, round_id)
    if round_school_year and round_school_year != year:
        raise Invalid({"round": f"Đợt chấm {label} không thuộc năm học {year}."})
    entry_id = skkn.register_entry(
        con, round_id, user.username, person_id, name, reg.skkn_title, reg.skkn_field
    )
    con.execute(
        "UPDATE title_registrations SET entry_id = ? WHERE school_year = ? AND person_id = ?",
        [entry_id, year, person_id],
    )
    audit.record(con, user.username, "to_round", "registration", f"{year}:{person_id}",
                 None, {"round_id": round_id, "entry_id": entry_id})  # fmt: skip
    return entry_id


def pending_entries(con: Connection, school_year: str) -> pd.DataFrame:
    """Registered SKKN of the year not yet entered in a round."""
    df = registrations_table(con, school_year)
    keep = (df["skkn_title"] != "") & df["entry_id"].isna()
    return df[keep][["person_id", "full_name", "group_name", "skkn_title", "skkn_field"]]


# The import file's columns: label as the secretary writes it -> field. Name or username
# identifies a person; a collective title's row names the tổ in "Họ và tên".
COLUMNS: dict[str, str] = {
    "Họ và tên": "full_name",
    "Tên đăng nhập": "username",
    "Danh hiệu đăng ký": "title",
    "Tên SKKN": "skkn_title",
    "Lĩnh vực": "skkn_field",
}
# Names in the page's "Chưa đăng ký" line: a district's is every teacher at the start of the
# year (1,842 names, 28 kB of text the browser laid out on every open); the table lists all.
MISSING_SHOWN = 30
REQUIRED = ("Danh hiệu đăng ký",)
_LABEL = {v: k for k, v in COLUMNS.items()}


@dataclass(frozen=True)
class Planned:
    """Checked registrations of a file, ready to write: people's and tổ's, for one year."""

    school_year: str
    people: tuple[tuple[int, str, str, str], ...]  # person_id, title, skkn_title, skkn_field
    groups: tuple[tuple[str, str], ...]  # tổ, collective title


def check_registrations(
    con: Connection, rows: pd.DataFrame, year: str
) -> tuple[Planned, list[Problem]]:
    """Check a table of clean strings (the file's columns); return (planned, every problem).

    Rows carry their file row in __row__ when read from a file, else they count from 2."""
    problems: list[Problem] = []
    try:
        year = check_school_year(year)
    except Invalid as exc:
        return Planned(str(year), (), ()), [Problem(None, None, exc.messages[0])]
    problems += person_table_problems(rows, COLUMNS, REQUIRED)
    if problems:
        return Planned(year, (), ()), problems
    everyone = people_index(con)
    stored = year_registrations(con, year)
    groups = {fold(g): g for g in group_names(con)}
    people: list[tuple[int, str, str, str]] = []
    collective: list[tuple[str, str]] = []
    seen: dict[object, int] = {}
    row_numbers = (
        rows[ROW_COLUMN].tolist() if ROW_COLUMN in rows.columns else list(range(2, len(rows) + 2))
    )
    # Plain dicts, not iterrows (see evaluations.check_evaluations).
    for row, cells in zip(row_numbers, rows.to_dict("records"), strict=True):
        row = int(row)

        def cell(label: str, cells: dict = cells) -> str:
            value = cells.get(label, "")
            return "" if value is None or value != value else nfc(str(value))

        def problem(label: str, message: str, row: int = row) -> None:
            problems.append(Problem(row, label, message))

        raw_title = cell("Danh hiệu đăng ký")
        title = title_code(raw_title)
        if title is None:
            problem("Danh hiệu đăng ký", f"Danh hiệu “{raw_title}” không hợp lệ (chỉ nhận: "
                    f"{', '.join(TITLES.values())})." if raw_title
                    else "Hãy ghi danh hiệu đăng ký.")  # fmt: skip
        username, name = cell("Tên đăng nhập").strip().lower(), cell("Họ và tên")
        skkn_title, skkn_field = cell("Tên SKKN"), cell("Lĩnh vực")
        if title in GROUP_TITLES:
            group = groups.get(fold(name))
            if group is None:
                problem("Họ và tên", f"Danh hiệu tập thể: “{name}” không phải tổ nào trong danh "
                        f"sách cán bộ ({', '.join(groups.values()) or 'chưa có tổ'}).")  # fmt: skip
            elif ("tổ", group) in seen:
                problem("Họ và tên", f"Tổ này đã có ở dòng {seen[('tổ', group)]}.")
            else:
                seen[("tổ", group)] = row
                if skkn_title or skkn_field:
                    problem("Tên SKKN", "Danh hiệu tập thể không kèm SKKN: để trống ô này.")
                else:
                    collective.append((group, title))
            continue
        person, why = everyone.find(username, name)
        if why:
            problem(*why)
        if person is None:
            continue
        if person in seen:
            problem("Họ và tên", f"Người này đã có ở dòng {seen[person]}.")
        seen[person] = row
        errors = check_skkn(skkn_title, skkn_field, stored.get(person))
        for field, message in errors.items():
            problem(_LABEL[field], message)
        if title is not None and not errors:
            people.append((person, title, skkn_title, skkn_field))
    if problems:
        return Planned(year, (), ()), problems
    return Planned(year, tuple(people), tuple(collective)), problems


@transactional
def write_registrations(con: Connection, planned: Planned, actor: str) -> int:
    """Store checked registrations in one transaction (on the people's behalf); return how many.

    A whole school's file is ~2,000 rows: the year is read once and people and tổ are each
    written and logged in one statement, every entry as save_registration logs it."""
    year = ensure_year(con, planned.school_year, actor)
    if planned.people:
        stored = year_registrations(con, year)
        columns = ["person_id", "title", "skkn_title", "skkn_field"]
        frame = pd.DataFrame(planned.people, columns=columns)
        log = []
        for person_id, title, skkn_title, skkn_field in planned.people:
            before = stored.get(person_id)
            # The insert below keeps entry_id: the SKKN made from a registration stays linked.
            after = Registration(year, person_id, title, skkn_title, skkn_field,
                                 before.entry_id if before else None)  # fmt: skip
            log.append((f"{year}:{person_id}", audit.as_json(before.__dict__ if before else None),
                        audit.as_json(after.__dict__)))  # fmt: skip
        with registered(con, batch=frame):
            con.execute(
                "INSERT INTO title_registrations (school_year, person_id, title, skkn_title, "
                " skkn_field, is_demo, updated_by) "
                "SELECT ?, person_id, title, skkn_title, skkn_field, false, ? FROM batch "
                "ON CONFLICT (school_year, person_id) DO UPDATE SET title = excluded.title, "
                " skkn_title = excluded.skkn_title, skkn_field = excluded.skkn_field, "
                " updated_by = excluded.updated_by, updated_at = current_localtimestamp()",
                [year, actor],
            )
        audit.record_rows(
            con, actor, "register", "registration", "SELECT entity_id, before, after FROM batch",
            batch=pd.DataFrame(log, columns=["entity_id", "before", "after"]),
        )  # fmt: skip
    if planned.groups:
        frame = pd.DataFrame(planned.groups, columns=["group_name", "title"])
        with registered(con, batch=frame):
            con.execute(
                "INSERT INTO group_registrations (school_year, group_name, title, is_demo, "
                " updated_by) SELECT ?, group_name, title, false, ? FROM batch "
                "ON CONFLICT (school_year, group_name) DO UPDATE SET title = excluded.title, "
                " updated_by = excluded.updated_by, updated_at = current_localtimestamp()",
                [year, actor],
            )
        audit.record_rows(
            con, actor, "register", "group_registration",
            "SELECT ? || ':' || group_name AS entity_id, NULL AS before, to_json(title) AS after "
            "FROM batch", [year], batch=frame,
        )  # fmt: skip
    return len(planned.people) + len(planned.groups)
