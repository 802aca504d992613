"""SKKN scoring rounds: the round, its settings and its rubric, and creating one with its council.

Every write checks its rules (the pages, the CLI and the tests share them), raises `Invalid`
with Vietnamese messages when refused, and leaves an audit entry. Audit entity ids start with
the round id ("3", "3:SKKN-001", "3:SKKN-001:giamkhao1") so a round's whole history can be
listed (lib.scoring.history).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from lib.access import users
from lib.access.permissions import ROUND_STATES as STATES
from lib.access.permissions import why_cannot_edit_round
from lib.core import audit
from lib.core.db import Connection, transaction, transactional
from lib.core.errors import Invalid
from lib.core.text import fold, nfc
from lib.scoring.rubric import Rubric, format_number, load_rubric_yaml, parse_number, rubric_to_dict
from lib.scoring.rubric import rubric_to_yaml as _rubric_yaml

DEFAULT_LEVEL = "cấp trường"
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "data" / "rubrics"
MAX_EXAMINERS = 5
# What a round may ask, as the pages offer it (a picker: Chromium drops a comma from a number
# field, and a phone shows a short list better than a keypad).
EXAMINER_COUNTS = list(range(1, MAX_EXAMINERS + 1))
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")

# A council member's duty when their position names none (a typed duty is kept as written).
DEFAULT_DUTY = "Ủy viên"


@functools.lru_cache(maxsize=64)
def _parsed_rubric(text: str) -> tuple[Rubric | None, list[str]]:
    # Keyed on the YAML text itself, so a saved change is a new key and never reads stale.
    # Parsing took ~6 ms, and a page reads its round (and so its rubric) several times a run.
    return load_rubric_yaml(text)


def _rubric_from_text(text: str) -> Rubric:
    rubric, errors = _parsed_rubric(text)
    if rubric is None:  # only valid rubrics are ever stored
        raise ValueError("; ".join(errors))
    return rubric


@dataclass(frozen=True)
class Round:
    """A scoring round with its rubric (whose max_gap is the round's)."""

    id: int
    name: str
    level: str
    school_year: str
    rubric: Rubric
    rubric_frozen: bool
    examiners_per_entry: int
    max_gap: Decimal
    blind: bool
    deadline: date | None
    state: str
    reopen_reason: str | None
    finalized_by: str | None
    finalized_at: datetime | None
    is_demo: bool

    @property
    def state_label(self) -> str:
        """The state in the council's words."""
        return STATES[self.state]

    @property
    def label(self) -> str:
        """Name, school year and state, for pickers."""
        year = f" ({self.school_year})" if self.school_year else ""
        return f"{self.name}{year} – {self.state_label}"


_ROUND_COLUMNS = (
    "id, name, level, school_year, rubric_yaml, rubric_frozen, examiners_per_entry, max_gap, "
    "blind, deadline, state, reopen_reason, finalized_by, finalized_at, is_demo"
)


def round_columns(alias: str) -> str:
    """The columns round_from_row reads, qualified by a table alias (to join rounds in)."""
    return ", ".join(f"{alias}.{c.strip()}" for c in _ROUND_COLUMNS.split(","))


def round_from_row(row: Sequence[Any]) -> Round:
    """A Round from a row of the round columns, in their order (see round_columns)."""
    rubric = replace(_rubric_from_text(row[4]), max_gap=row[7])
    return Round(
        id=int(row[0]), name=row[1], level=row[2], school_year=row[3], rubric=rubric,
        rubric_frozen=bool(row[5]), examiners_per_entry=int(row[6]), max_gap=row[7],
        blind=bool(row[8]), deadline=row[9], state=row[10], reopen_reason=row[11],
        finalized_by=row[12], finalized_at=row[13], is_demo=bool(row[14]),
    )  # fmt: skip


def get_round(con: Connection, round_id: int) -> Round | None:
    """Return the round, or None."""
    row = con.execute(f"SELECT {_ROUND_COLUMNS} FROM rounds WHERE id = ?", [round_id]).fetchone()
    return round_from_row(row) if row else None


def require_round(con: Connection, round_id: int) -> Round:
    """Return the round or raise Invalid naming it."""
    found = get_round(con, round_id)
    if found is None:
        raise Invalid({"round": f"Không có đợt chấm số {round_id}."})
    return found


def require_round_by_key(con: Connection, key: str | int) -> Round:
    """Return the round whose id or name (as typed, case and spaces aside) is key."""
    text = nfc(str(key))
    if text.isdigit():
        found = get_round(con, int(text))
        if found:
            return found
    rows = con.execute("SELECT id, name FROM rounds").fetchall()
    matches = [rid for rid, name in rows if fold(name) == fold(text)]
    if len(matches) == 1:
        return require_round(con, matches[0])
    raise Invalid({"round": f"Không có đợt chấm '{text}' (dùng số hoặc tên đợt: round list)."})


def list_rounds(con: Connection, *, counts: bool = True) -> pd.DataFrame:
    """Every round, newest first, with the label pickers show (as Round.label) and, unless
    counts is False (pickers do not need them), counts of entries and sheets submitted."""
    counted = (
        ", (SELECT count(*) FROM entries e WHERE e.round_id = r.id AND NOT e.withdrawn)"
        "    AS n_entries, "
        "  (SELECT count(*) FROM sheets s JOIN entries e ON e.id = s.entry_id "
        "    WHERE e.round_id = r.id AND s.status = 'submitted') AS n_submitted "
        if counts
        else " "
    )
    cursor = con.execute(
        "SELECT r.id, r.name, r.level, r.school_year, r.state, r.deadline, r.blind, "
        "       r.examiners_per_entry, r.is_demo, r.finalized_at" + counted + "FROM rounds r "
        "ORDER BY r.id DESC"
    )
    columns = [d[0] for d in cursor.description]
    df = pd.DataFrame(cursor.fetchall(), columns=columns)
    # Labels built from the rows: mapping pandas columns cost more than the query itself.
    df["state_label"] = [STATES[state] for state in df["state"]]
    # Round.label without reading (and parsing the rubric of) each round again.
    df["label"] = [
        f"{name}{f' ({year})' if year else ''} – {state}"
        for name, year, state in zip(df["name"], df["school_year"], df["state_label"], strict=True)
    ]
    return df


def templates() -> dict[str, Path]:
    """The rubric templates that ship with the app: display name -> file, smallest scale first
    (the 20-point sheet most schools use, then the 100-point one)."""
    found = []
    for path in TEMPLATE_DIR.glob("*.yaml"):
        rubric, _ = _parsed_rubric(path.read_text(encoding="utf-8"))
        if rubric is not None:
            found.append((rubric.scale, rubric.name, path))
    return {name: path for _, name, path in sorted(found)}


def load_rubric_file(path: str | Path) -> Rubric:
    """Read and validate a rubric YAML file; raise Invalid with every problem."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid({"rubric": f"Không đọc được tệp mẫu phiếu {path}: {exc}"}) from exc
    rubric, errors = load_rubric_yaml(text)
    if rubric is None:
        raise Invalid({f"rubric{i}": e for i, e in enumerate(errors)})
    return rubric


def rubric_yaml(r: Round) -> str:
    """The round's rubric as YAML in the template format (export)."""
    return _rubric_yaml(r.rubric)


def is_rubric_frozen(con: Connection, round_id: int) -> bool:
    """A rubric is frozen once any sheet of its round has been submitted."""
    row = con.execute(
        "SELECT r.rubric_frozen OR EXISTS (SELECT 1 FROM sheets s JOIN entries e "
        "  ON e.id = s.entry_id WHERE e.round_id = r.id AND s.status = 'submitted') "
        "FROM rounds r WHERE r.id = ?",
        [round_id],
    ).fetchone()
    return bool(row and row[0])


@dataclass(frozen=True)
class RoundSettings:
    """A round's editable settings, checked."""

    name: str
    level: str
    school_year: str
    examiners_per_entry: int
    max_gap: Decimal
    blind: bool
    deadline: date | None


def check_settings(
    con: Connection,
    name: str,
    *,
    level: str = DEFAULT_LEVEL,
    school_year: str = "",
    examiners_per_entry: object = 2,
    max_gap: object = None,
    blind: bool = False,
    deadline: date | None = None,
    default_gap: Decimal | None = None,
    round_id: int | None = None,
) -> RoundSettings:
    """Validate every setting at once; raise Invalid naming each bad one."""
    errors: dict[str, str] = {}
    name = nfc(name or "")
    if not name:
        errors["name"] = "Hãy nhập tên đợt chấm."
    elif name.isdigit():
        errors["name"] = "Tên đợt chấm không được chỉ gồm chữ số (số dành cho mã đợt)."
    elif len(name) > 200:
        errors["name"] = "Tên đợt chấm dài quá 200 ký tự."
    else:
        for rid, other in con.execute("SELECT id, name FROM rounds").fetchall():
            if rid != round_id and fold(other) == fold(name):
                errors["name"] = f"Đã có đợt chấm tên '{other}'."
    year = nfc(school_year or "")
    if year:
        m = _SCHOOL_YEAR.match(year)
        if not m or int(m.group(2)) != int(m.group(1)) + 1:
            errors["school_year"] = f"Năm học '{year}' phải có dạng 2024-2025."
        else:
            year = f"{m.group(1)}-{m.group(2)}"
    try:
        per_entry = int(str(examiners_per_entry))
        if not 1 <= per_entry <= MAX_EXAMINERS:
            raise ValueError
    except ValueError:
        errors["examiners_per_entry"] = (
            f"Số giám khảo mỗi SKKN phải là số nguyên từ 1 đến {MAX_EXAMINERS}."
        )
        per_entry = 2
    gap: Decimal | None
    try:
        gap = parse_number(max_gap)
    except (ValueError, InvalidOperation):
        gap = Decimal(-1)
    if gap is None:
        gap = default_gap
    if gap is None or gap < 0:
        errors["max_gap"] = "Chênh lệch tối đa giữa hai giám khảo phải là số không âm."
    if errors:
        raise Invalid(errors)
    assert gap is not None
    return RoundSettings(
        name, nfc(level or "") or DEFAULT_LEVEL, year, per_entry, gap, bool(blind), deadline
    )


# A part of a position naming a council duty: "Phó Chủ tịch HĐ", "Thư ký hội đồng", "Ủy viên".
# "Chủ tịch Công đoàn" chairs the union, not the council: only HĐ / hội đồng (or nothing) follows.
_DUTY_PATTERNS = (
    (re.compile(r"^pho chu tich(?: hd| hoi dong\b.*)?$"), "Phó Chủ tịch HĐ"),
    (re.compile(r"^chu tich(?: hd| hoi dong\b.*)?$"), "Chủ tịch HĐ"),
    (re.compile(r"^thu ky(?: hd| hoi dong\b.*)?$"), "Thư ký HĐ"),
    (re.compile(r"^(?:uy vien|thanh vien)(?: hd| hoi dong\b.*)?$"), "Ủy viên"),
)


def duty_for(position: str) -> str:
    """The council duty a person's position names ("Hiệu trưởng, Chủ tịch HĐ" → Chủ tịch HĐ),
    else Ủy viên."""
    for part in re.split(r"[,;–—(/)]|\s-\s", position or ""):
        key = fold(part)
        for pattern, duty in _DUTY_PATTERNS:
            if pattern.match(key):
                return duty
    return DEFAULT_DUTY


def create_round(
    con: Connection,
    actor: str,
    name: str,
    rubric: Rubric,
    *,
    level: str = DEFAULT_LEVEL,
    school_year: str = "",
    examiners_per_entry: object = 2,
    max_gap: object = None,
    blind: bool = False,
    deadline: date | None = None,
    is_demo: bool = False,
) -> int:
    """Create a round in state "chuẩn bị" with every active examiner who can log in (has a
    password) on its council, each with the duty their position names."""
    with transaction(con):
        s = check_settings(
            con, name, level=level, school_year=school_year,
            examiners_per_entry=examiners_per_entry, max_gap=max_gap, blind=blind,
            deadline=deadline, default_gap=rubric.max_gap,
        )  # fmt: skip
        row = con.execute(
            "INSERT INTO rounds (name, level, school_year, rubric_yaml, examiners_per_entry, "
            " max_gap, blind, deadline, is_demo, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [s.name, s.level, s.school_year, _rubric_yaml(replace(rubric, max_gap=s.max_gap)),
             s.examiners_per_entry, s.max_gap, s.blind, s.deadline, is_demo, actor],
        ).fetchone()  # fmt: skip
        assert row is not None
        round_id = int(row[0])
        accounts = users.examiner_accounts(con)
        accounts = accounts[accounts["has_password"]].sort_values("username")
        for username, position in zip(accounts["username"], accounts["position"], strict=True):
            con.execute(
                "INSERT INTO round_examiners (round_id, examiner, duty) VALUES (?, ?, ?)",
                [round_id, username, duty_for(position)],
            )
        audit.record(
            con, actor, "create", "round", round_id,
            after={**_settings_dict(s), "rubric": rubric.name},
        )  # fmt: skip
    return round_id


def _settings_dict(s: RoundSettings | Round) -> dict:
    return {
        "name": s.name, "level": s.level, "school_year": s.school_year,
        "examiners_per_entry": s.examiners_per_entry, "max_gap": format_number(s.max_gap),
        "blind": s.blind, "deadline": s.deadline.isoformat() if s.deadline else None,
    }  # fmt: skip


def require_editable(r: Round) -> None:
    """Raise Invalid when nothing of the round may change (its results are published)."""
    problem = why_cannot_edit_round(r)
    if problem:
        raise Invalid({"state": problem})


def update_round(
    con: Connection,
    round_id: int,
    actor: str,
    *,
    name: str,
    level: str = DEFAULT_LEVEL,
    school_year: str = "",
    examiners_per_entry: object = 2,
    max_gap: object = None,
    blind: bool = False,
    deadline: date | None = None,
) -> None:
    """Change a round's settings (not once finalized)."""
    with transaction(con):
        before = require_round(con, round_id)
        require_editable(before)
        s = check_settings(
            con, name, level=level, school_year=school_year,
            examiners_per_entry=examiners_per_entry, max_gap=max_gap, blind=blind,
            deadline=deadline, default_gap=before.max_gap, round_id=round_id,
        )  # fmt: skip
        con.execute(
            "UPDATE rounds SET name = ?, level = ?, school_year = ?, examiners_per_entry = ?, "
            " max_gap = ?, blind = ?, deadline = ?, updated_at = current_localtimestamp() "
            "WHERE id = ?",
            [s.name, s.level, s.school_year, s.examiners_per_entry, s.max_gap, s.blind,
             s.deadline, round_id],
        )  # fmt: skip
        audit.record(
            con, actor, "update", "round", round_id, _settings_dict(before), _settings_dict(s)
        )


def rubric_change_problems(con: Connection, round_id: int, rubric: Rubric) -> list[str]:
    """Why the round's rubric cannot become this one: frozen, or drafts that no longer fit it."""
    if is_rubric_frozen(con, round_id):
        return ["Mẫu phiếu đã khóa vì đã có phiếu chấm được nộp trong đợt này."]
    problems = []
    codes = {c.code for c in rubric.criteria}
    used = con.execute(
        "SELECT DISTINCT sc.criterion FROM scores sc JOIN sheets s ON s.id = sc.sheet_id "
        "JOIN entries e ON e.id = s.entry_id WHERE e.round_id = ? ORDER BY 1",
        [round_id],
    ).fetchall()
    removed = [c for (c,) in used if c not in codes]
    if removed:
        problems.append("Không bỏ được tiêu chí đã có điểm trong phiếu nháp: " + ", ".join(removed))
    maxima = {c.code: c.max for c in rubric.criteria}
    over = con.execute(
        "SELECT sc.criterion, max(sc.value) FROM scores sc JOIN sheets s "
        "ON s.id = sc.sheet_id JOIN entries e ON e.id = s.entry_id "
        "WHERE e.round_id = ? AND sc.value IS NOT NULL GROUP BY 1 ORDER BY 1",
        [round_id],
    ).fetchall()
    too_high = [
        f"{code} (đã có {format_number(top)} điểm, tối đa mới {format_number(maxima[code])})"
        for code, top in over
        if code in maxima and top > maxima[code]
    ]
    if too_high:
        problems.append("Phiếu nháp đã có điểm cao hơn điểm tối đa mới: " + "; ".join(too_high))
    return problems


@transactional
def set_rubric(con: Connection, round_id: int, rubric: Rubric, actor: str) -> None:
    """Replace the round's rubric; refused once frozen, or if drafts use a removed criterion."""
    r = require_round(con, round_id)
    require_editable(r)
    problems = rubric_change_problems(con, round_id, rubric)
    if problems:
        raise Invalid({"rubric": problems[0]})
    con.execute(
        "UPDATE rounds SET rubric_yaml = ?, max_gap = ?, updated_at = current_localtimestamp()"
        " WHERE id = ?",
        [_rubric_yaml(rubric), rubric.max_gap, round_id],
    )
    audit.record(
        con, actor, "rubric", "round", round_id, rubric_to_dict(r.rubric),
        rubric_to_dict(rubric),
    )  # fmt: skip
