"""Đánh giá cuối năm: xếp loại viên chức, months worked, days off and discipline, per person."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal

import pandas as pd

from lib.access.people import people_index
from lib.core import audit
from lib.core.db import Connection, registered, transactional
from lib.core.errors import Invalid
from lib.core.text import fold, nfc, vn_name_order
from lib.io.columns import person_table_problems
from lib.io.dates import parse_date
from lib.io.uploads import ROW_COLUMN, Problem
from lib.scoring.rubric import parse_number
from lib.titles.rules import RATINGS, Rules, check_school_year, ensure_year, get_rules, rating_code

# The file's columns: label as the secretary writes it -> field. Name or username identifies.
COLUMNS: dict[str, str] = {
    "Họ và tên": "full_name",
    "Tên đăng nhập": "username",
    "Xếp loại": "rating",
    "Số tháng công tác": "months_worked",
    "Nghỉ tính là công tác (tháng)": "counted_months",
    "Số ngày nghỉ": "days_off",
    "Kỷ luật": "discipline",
    "Kỷ luật từ ngày": "discipline_from",
    "Kỷ luật đến ngày": "discipline_until",
}
REQUIRED = ("Xếp loại", "Số tháng công tác", "Số ngày nghỉ")
_LABEL = {v: k for k, v in COLUMNS.items()}


@dataclass(frozen=True)
class Evaluation:
    """One person's evaluation for a school year."""

    person_id: int
    rating: str  # RATINGS code
    months_worked: Decimal
    counted_months: Decimal = Decimal(0)
    days_off: int = 0
    discipline: str = ""
    discipline_from: date | None = None
    discipline_until: date | None = None

    @property
    def months_counted(self) -> Decimal:
        """Months worked plus leave that counts as worked (maternity…)."""
        return self.months_worked + self.counted_months


@dataclass(frozen=True)
class Planned:
    """Checked evaluations of a file, ready to write: the year and one per person."""

    school_year: str
    evaluations: tuple[Evaluation, ...]


def check_values(
    rules: Rules,
    rating: object,
    months_worked: object,
    days_off: object,
    counted_months: object = "",
    discipline: object = "",
    discipline_from: object = "",
    discipline_until: object = "",
) -> tuple[dict, dict[str, str]]:
    """Check one evaluation as typed; return (clean fields, field -> Vietnamese problem)."""
    errors: dict[str, str] = {}
    clean: dict = {}
    code = rating_code(rating)
    if code is None:
        errors["rating"] = (
            f"Xếp loại “{rating or ''}” không hợp lệ (chỉ nhận: {', '.join(RATINGS.values())})."
            if nfc(str(rating or ""))
            else "Hãy nhập xếp loại."
        )
    clean["rating"] = code
    for name, low, high, default in (
        ("months_worked", 0, 12, None),
        ("counted_months", 0, 12, Decimal(0)),
    ):
        raw = months_worked if name == "months_worked" else counted_months
        try:
            value = parse_number(raw if not isinstance(raw, str) else nfc(raw))
        except ValueError:
            errors[name] = f"“{raw}” không phải là số tháng (vd. 10 hoặc 9,5)."
            continue
        if value is None:
            if default is None:
                errors[name] = "Hãy nhập số tháng công tác."
            clean[name] = default
        elif not low <= value <= high or value != value.quantize(Decimal("0.1")):
            errors[name] = f"Số tháng phải từ {low} đến {high} (một chữ số thập phân)."
        else:
            clean[name] = value
    months = [clean.get("months_worked"), clean.get("counted_months")]
    if None not in months and sum(months) > 12:  # type: ignore[arg-type]
        errors["counted_months"] = "Số tháng công tác cộng thời gian nghỉ được tính quá 12."
    try:
        days = parse_number(days_off if not isinstance(days_off, str) else nfc(days_off))
    except ValueError:
        days = Decimal(-1)
    if days is None:
        clean["days_off"] = 0
    elif days < 0 or days != days.to_integral_value() or days > 366:
        errors["days_off"] = f"Số ngày nghỉ “{days_off}” phải là số nguyên từ 0."
    else:
        clean["days_off"] = int(days)
    measure = nfc(str(discipline or ""))
    if fold(measure) in ("", "khong"):
        measure = ""
    elif fold(measure) not in {fold(level) for level in rules.discipline_levels}:
        errors["discipline"] = (
            f"Hình thức kỷ luật “{measure}” không có trong quy chế "
            f"(chỉ nhận: {', '.join(rules.discipline_levels)}; để trống nếu không)."
        )
    else:
        measure = next(lvl for lvl in rules.discipline_levels if fold(lvl) == fold(measure))
    clean["discipline"] = measure
    for name, raw in (("discipline_from", discipline_from), ("discipline_until", discipline_until)):
        if isinstance(raw, date):
            clean[name] = raw
            continue
        day, message = parse_date(nfc(str(raw or "")))
        if message:
            errors[name] = message
        clean[name] = day
    if not measure and (clean.get("discipline_from") or clean.get("discipline_until")):
        errors["discipline"] = "Có ngày kỷ luật thì hãy ghi hình thức kỷ luật."
    start, end = clean.get("discipline_from"), clean.get("discipline_until")
    if start and end and end < start:
        errors["discipline_until"] = "Ngày hết kỷ luật trước ngày bắt đầu."
    return clean, errors


# Evaluation's fields, in its order: one list for every read of the table.
_SELECT = ("SELECT person_id, rating, months_worked, counted_months, days_off, discipline, "
           "discipline_from, discipline_until FROM evaluations WHERE school_year = ?")  # fmt: skip


def get_evaluation(con: Connection, school_year: str, person_id: int) -> Evaluation | None:
    """The person's evaluation for the year, or None."""
    row = con.execute(_SELECT + " AND person_id = ?", [school_year, person_id]).fetchone()
    return Evaluation(*row) if row else None


def year_evaluations(con: Connection, school_year: str) -> dict[int, Evaluation]:
    """person_id -> evaluation for the year."""
    rows = con.execute(_SELECT, [school_year]).fetchall()
    return {int(r[0]): Evaluation(*r) for r in rows}


def all_disciplines(con: Connection) -> list[tuple[int, str, str, date | None, date | None]]:
    """Every recorded discipline: (person_id, school_year, measure, from, until)."""
    return con.execute(
        "SELECT person_id, school_year, discipline, discipline_from, discipline_until "
        "FROM evaluations WHERE discipline <> ''"
    ).fetchall()


def _write(con: Connection, year: str, ev: Evaluation, actor: str, is_demo: bool) -> None:
    before = get_evaluation(con, year, ev.person_id)
    con.execute(
        "INSERT INTO evaluations (school_year, person_id, rating, months_worked, counted_months, "
        " days_off, discipline, discipline_from, discipline_until, is_demo, updated_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (school_year, person_id) DO UPDATE "
        "SET rating = excluded.rating, months_worked = excluded.months_worked, "
        " counted_months = excluded.counted_months, days_off = excluded.days_off, "
        " discipline = excluded.discipline, discipline_from = excluded.discipline_from, "
        " discipline_until = excluded.discipline_until, updated_by = excluded.updated_by, "
        " updated_at = current_localtimestamp()",
        [year, ev.person_id, ev.rating, ev.months_worked, ev.counted_months, ev.days_off,
         ev.discipline, ev.discipline_from, ev.discipline_until, is_demo, actor],
    )  # fmt: skip
    audit.record(con, actor, "evaluate", "evaluation", f"{year}:{ev.person_id}",
                 asdict(before) if before else None, asdict(ev))  # fmt: skip


@transactional
def save_evaluation(
    con: Connection,
    actor: str,
    school_year: str,
    person_id: int,
    *,
    rating: object,
    months_worked: object,
    days_off: object,
    counted_months: object = "",
    discipline: object = "",
    discipline_from: object = "",
    discipline_until: object = "",
    is_demo: bool = False,
) -> Evaluation:
    """Check and store one person's evaluation (every problem listed, nothing written then)."""
    year = check_school_year(school_year)
    if con.execute("SELECT 1 FROM people WHERE id = ?", [person_id]).fetchone() is None:
        raise Invalid({"person": f"Không có cán bộ số {person_id}."})
    clean, errors = check_values(
        get_rules(con, year), rating, months_worked, days_off, counted_months, discipline,
        discipline_from, discipline_until,
    )  # fmt: skip
    if errors:
        raise Invalid(errors)
    ensure_year(con, year, actor)
    ev = Evaluation(person_id=person_id, **clean)
    _write(con, year, ev, actor, is_demo)
    return ev


def check_evaluations(
    con: Connection, rows: pd.DataFrame, year: str
) -> tuple[Planned, list[Problem]]:
    """Check a table of clean strings (the file's columns); return (planned, every problem).

    Rows carry their file row in __row__ when read from a file, else they count from 2."""
    problems: list[Problem] = []
    try:
        year = check_school_year(year)
    except Invalid as exc:
        return Planned(str(year), ()), [Problem(None, None, exc.messages[0])]
    problems += person_table_problems(rows, COLUMNS, REQUIRED)
    if problems:
        return Planned(year, ()), problems
    rules = get_rules(con, year)
    everyone = people_index(con)
    planned: list[Evaluation] = []
    seen: dict[int, int] = {}
    row_numbers = (
        rows[ROW_COLUMN].tolist() if ROW_COLUMN in rows.columns else list(range(2, len(rows) + 2))
    )
    # Plain dicts, not iterrows: a school's file is ~2,000 rows and a Series a row costs more
    # than every check of the row.
    for row, cells in zip(row_numbers, rows.to_dict("records"), strict=True):
        row = int(row)

        def cell(label: str, cells: dict = cells) -> str:
            value = cells.get(label, "")
            return "" if value is None or value != value else str(value)

        username, name = cell("Tên đăng nhập").strip().lower(), nfc(cell("Họ và tên"))
        person, why = everyone.find(username, name)
        if why:
            problems.append(Problem(row, *why))
        if person is not None:
            if person in seen:
                problems.append(
                    Problem(row, "Họ và tên", f"Người này đã có ở dòng {seen[person]}.")
                )
            seen[person] = row
        clean, errors = check_values(
            rules, cell("Xếp loại"), cell("Số tháng công tác"), cell("Số ngày nghỉ"),
            cell("Nghỉ tính là công tác (tháng)"), cell("Kỷ luật"), cell("Kỷ luật từ ngày"),
            cell("Kỷ luật đến ngày"),
        )  # fmt: skip
        for name_, message in errors.items():
            problems.append(Problem(row, _LABEL[name_], message))
        if person is not None and not errors:
            planned.append(Evaluation(person_id=person, **clean))
    return Planned(year, () if problems else tuple(planned)), problems


def _fields(ev: Evaluation) -> dict:
    """asdict() of an evaluation (its fields are flat values), without its deep copy."""
    return {f.name: getattr(ev, f.name) for f in fields(Evaluation)}


@transactional
def write_evaluations(con: Connection, planned: Planned, actor: str) -> int:
    """Store checked evaluations in one transaction, in two statements; return how many."""
    year = ensure_year(con, planned.school_year, actor)
    if not planned.evaluations:
        return 0
    # A whole school's file is ~2,000 people: one read of the year, one insert of the log
    # entries and one of the rows, each entry as _write logs it (values before and after).
    stored = year_evaluations(con, year)
    rows = [_fields(ev) for ev in planned.evaluations]
    frame = pd.DataFrame(rows)
    for name in ("months_worked", "counted_months"):
        frame[name] = frame[name].map(str)  # exact: cast to DECIMAL by the insert
    for name in ("discipline_from", "discipline_until"):
        frame[name] = pd.Series([r[name] for r in rows], dtype=object)
    log = pd.DataFrame(
        {
            "entity_id": [f"{year}:{ev.person_id}" for ev in planned.evaluations],
            "before": [audit.as_json(_fields(stored[ev.person_id])) if ev.person_id in stored
                       else None for ev in planned.evaluations],
            "after": [audit.as_json(r) for r in rows],
        }
    )  # fmt: skip
    with registered(con, batch=frame):
        con.execute(
            "INSERT INTO evaluations (school_year, person_id, rating, months_worked, "
            " counted_months, days_off, discipline, discipline_from, discipline_until, is_demo, "
            " updated_by) "
            "SELECT ?, person_id, rating, months_worked::DECIMAL(4, 1), "
            " counted_months::DECIMAL(4, 1), days_off, discipline, discipline_from::DATE, "
            " discipline_until::DATE, false, ? FROM batch "
            "ON CONFLICT (school_year, person_id) DO UPDATE "
            "SET rating = excluded.rating, months_worked = excluded.months_worked, "
            " counted_months = excluded.counted_months, days_off = excluded.days_off, "
            " discipline = excluded.discipline, discipline_from = excluded.discipline_from, "
            " discipline_until = excluded.discipline_until, updated_by = excluded.updated_by, "
            " updated_at = current_localtimestamp()",
            [year, actor],
        )
    audit.record_rows(con, actor, "evaluate", "evaluation",
                      "SELECT entity_id, before, after FROM batch", batch=log)  # fmt: skip
    return len(planned.evaluations)


def evaluations_table(con: Connection, school_year: str) -> pd.DataFrame:
    """Every person with their evaluation for the year (empty when not entered yet)."""
    df = con.execute(
        "SELECT p.id AS person_id, p.full_name, p.group_name, e.rating, e.months_worked, "
        "       e.counted_months, e.days_off, e.discipline, e.discipline_from, "
        "       e.discipline_until "
        "FROM people p LEFT JOIN evaluations e ON e.person_id = p.id AND e.school_year = ?",
        [school_year],
    ).df()
    df["rating_label"] = [RATINGS.get(r, "") if isinstance(r, str) else ""
                          for r in df["rating"].tolist()]  # fmt: skip
    # The names as a list, not looked up in the frame per row (that cost ~100 ms a district).
    return df.iloc[vn_name_order(df["full_name"].tolist())].reset_index(drop=True)
