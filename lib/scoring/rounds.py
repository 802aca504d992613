"""SKKN scoring rounds: the round and its rubric, council, entries, conflicts, assignment, states.

Every write checks its rules here (the pages, the CLI and the tests share them), raises
`Invalid` with Vietnamese messages when refused, and leaves an audit entry. Audit entity ids
start with the round id ("3", "3:SKKN-001", "3:SKKN-001:giamkhao1") so a round's whole
history can be listed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from lib.core import audit
from lib.core.db import Connection, transaction, transactional
from lib.core.errors import Invalid
from lib.core.text import fold, nfc, vn_name_key
from lib.scoring.rubric import Rubric, format_number, load_rubric_yaml, parse_number, rubric_to_dict
from lib.scoring.rubric import rubric_to_yaml as _rubric_yaml

# Stored state codes and the council's words for them, in their order.
STATES: dict[str, str] = {
    "draft": "Chuẩn bị",
    "open": "Đang chấm",
    "closed": "Đã đóng",
    "final": "Đã công bố",
}
CONFLICT_KINDS: dict[str, str] = {
    "same_group": "Cùng tổ",
    "relative": "Người thân",
    "other": "Lý do khác",
}
AUTHOR = "Là tác giả"
DEFAULT_LEVEL = "cấp trường"
DEFAULT_DUTY = "Thành viên"
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "data" / "rubrics"
MAX_EXAMINERS = 5
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES: dict[str, tuple[str, bytes]] = {
    ".pdf": ("application/pdf", b"%PDF"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"PK\x03\x04",
    ),
}
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")
_CODE_NUMBER = re.compile(r"^SKKN-(\d+)$")

# name -> (action label) for the audit view
ACTIONS: dict[str, str] = {
    "create": "Tạo",
    "update": "Sửa",
    "rubric": "Sửa mẫu phiếu",
    "council": "Sửa hội đồng",
    "council_remove": "Bỏ khỏi hội đồng",
    "withdraw": "Rút SKKN",
    "restore": "Khôi phục SKKN",
    "document": "Tài liệu",
    "conflict": "Ghi xung đột",
    "conflict_remove": "Xóa xung đột",
    "assign": "Phân công",
    "unassign": "Bỏ phân công",
    "save": "Lưu nháp",
    "submit": "Nộp phiếu",
    "reopen_sheet": "Mở lại phiếu",
    "override": "Điều chỉnh xếp loại",
    "open": "Mở đợt chấm",
    "close": "Đóng đợt chấm",
    "reopen_scoring": "Mở lại để chấm",
    "finalize": "Công bố kết quả",
    "reopen": "Mở lại đợt đã công bố",
}


# --- rounds ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
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


def _round(row: Sequence[Any]) -> Round:
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
    return _round(row) if row else None


def require_round(con: Connection, round_id: int) -> Round:
    """Return the round or raise Invalid naming it."""
    found = get_round(con, round_id)
    if found is None:
        raise Invalid({"round": f"Không có đợt chấm số {round_id}."})
    return found


def find_round(con: Connection, key: str | int) -> Round:
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


def _duty_for(position: str) -> str:
    text = fold(position)
    if "chu tich" in text:
        return "Chủ tịch HĐ"
    if "thu ky" in text:
        return "Thư ký HĐ"
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
    """Create a round in state "chuẩn bị" with every active examiner on its council."""
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
        for username, position in con.execute(
            "SELECT u.username, p.position FROM users u JOIN people p ON p.id = u.person_id "
            "JOIN user_roles r ON r.username = u.username AND r.role = 'examiner' "
            "WHERE u.active ORDER BY u.username"
        ).fetchall():
            con.execute(
                "INSERT INTO round_examiners (round_id, examiner, duty) VALUES (?, ?, ?)",
                [round_id, username, _duty_for(position)],
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


def _require_not_final(r: Round) -> None:
    if r.state == "final":
        raise Invalid(
            {"state": "Kết quả đợt chấm đã công bố: mọi thứ đã khóa (mở lại đợt để sửa)."}
        )


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
        _require_not_final(before)
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
    _require_not_final(r)
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


# --- state changes ---------------------------------------------------------------------

# (from, to) -> audit action; every other change is refused.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "open"): "open",
    ("open", "closed"): "close",
    ("closed", "open"): "reopen_scoring",
    ("closed", "final"): "finalize",
    ("final", "closed"): "reopen",
}
NEEDS_REASON = {"reopen_scoring", "reopen"}


def set_state(con: Connection, round_id: int, to: str, actor: str, reason: str = "") -> Round:
    """Move a round to another state, checking the rules of that change; return it after."""
    with transaction(con):
        r = require_round(con, round_id)
        action = TRANSITIONS.get((r.state, to))
        if action is None:
            raise Invalid(
                {"state": f"Không chuyển được đợt chấm từ '{r.state_label}' sang "
                 f"'{STATES.get(to, to)}'."}
            )  # fmt: skip
        reason = nfc(reason or "")
        if action in NEEDS_REASON and not reason:
            raise Invalid({"reason": "Hãy ghi lý do mở lại."})
        if action == "open":
            row = con.execute(
                "SELECT count(*) FROM entries WHERE round_id = ? AND NOT withdrawn", [round_id]
            ).fetchone()
            if not row or row[0] == 0:
                raise Invalid({"state": "Chưa có SKKN nào trong đợt chấm: hãy đăng ký SKKN trước."})
        if action == "finalize":
            from lib.scoring.results import unsettled  # results reads rounds: import here

            waiting = unsettled(con, round_id)
            if waiting:
                raise Invalid(
                    {"state": "Chưa công bố được: còn SKKN cần giám khảo thứ 3 hoặc quyết định "
                     "của Chủ tịch HĐ: " + ", ".join(waiting)}
                )  # fmt: skip
        if action == "finalize":
            con.execute(
                "UPDATE rounds SET state = ?, finalized_by = ?, finalized_at = "
                "current_localtimestamp(), updated_at = current_localtimestamp() WHERE id = ?",
                [to, actor, round_id],
            )
        elif action == "reopen":
            con.execute(
                "UPDATE rounds SET state = ?, reopen_reason = ?, finalized_by = NULL, "
                "finalized_at = NULL, updated_at = current_localtimestamp() WHERE id = ?",
                [to, reason, round_id],
            )
        else:
            con.execute(
                "UPDATE rounds SET state = ?, updated_at = current_localtimestamp() WHERE id = ?",
                [to, round_id],
            )
        after: dict[str, Any] = {"state": to}
        if reason:
            after["reason"] = reason
        audit.record(con, actor, action, "round", round_id, {"state": r.state}, after)
    return require_round(con, round_id)


def open_round(con: Connection, round_id: int, actor: str) -> Round:
    """Chuẩn bị → đang chấm: examiners can score."""
    return set_state(con, round_id, "open", actor)


def close_round(con: Connection, round_id: int, actor: str) -> Round:
    """Đang chấm → đã đóng: no more scoring; examiners may see each other's sheets."""
    return set_state(con, round_id, "closed", actor)


def reopen_scoring(con: Connection, round_id: int, actor: str, reason: str) -> Round:
    """Đã đóng → đang chấm again, with a reason (e.g. a third examiner is needed)."""
    return set_state(con, round_id, "open", actor, reason)


def finalize_round(con: Connection, round_id: int, actor: str) -> Round:
    """Đã đóng → đã công bố: locks sheets and results, publishes them to staff."""
    return set_state(con, round_id, "final", actor)


def reopen_round(con: Connection, round_id: int, actor: str, reason: str) -> Round:
    """Đã công bố → đã đóng: an admin action with a recorded reason."""
    return set_state(con, round_id, "closed", actor, reason)


# --- the council -----------------------------------------------------------------------


def split_fields(text: str) -> list[str]:
    """Fields (lĩnh vực) typed as "Nhà trẻ; Mẫu giáo" (';' or ',' between)."""
    return [nfc(p) for p in re.split(r"[;,]", text or "") if nfc(p)]


def round_examiners(con: Connection, round_id: int) -> pd.DataFrame:
    """The round's council: username, full_name, position, group_name, duty, fields,
    active, is_examiner, n_assigned, n_submitted, n_drafts; sorted by given name."""
    df = con.execute(
        "SELECT x.examiner AS username, p.full_name, p.position, p.group_name, x.duty, "
        "       x.fields, u.active, "
        "       EXISTS (SELECT 1 FROM user_roles ur WHERE ur.username = x.examiner "
        "               AND ur.role = 'examiner') AS is_examiner, "
        "       (SELECT count(*) FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "         WHERE e.round_id = x.round_id AND a.examiner = x.examiner AND NOT e.withdrawn)"
        "         AS n_assigned, "
        "       (SELECT count(*) FROM sheets s JOIN entries e ON e.id = s.entry_id "
        "         JOIN assignments a ON a.entry_id = s.entry_id AND a.examiner = s.examiner "
        "         WHERE e.round_id = x.round_id AND s.examiner = x.examiner AND NOT e.withdrawn "
        "         AND s.status = 'submitted') AS n_submitted, "
        "       (SELECT count(*) FROM sheets s JOIN entries e ON e.id = s.entry_id "
        "         JOIN assignments a ON a.entry_id = s.entry_id AND a.examiner = s.examiner "
        "         WHERE e.round_id = x.round_id AND s.examiner = x.examiner AND NOT e.withdrawn "
        "         AND s.status = 'draft') AS n_drafts "
        "FROM round_examiners x JOIN users u ON u.username = x.examiner "
        "JOIN people p ON p.id = u.person_id WHERE x.round_id = ?",
        [round_id],
    ).df()
    return df.sort_values("full_name", key=lambda s: s.map(vn_name_key)).reset_index(drop=True)


def council_names(con: Connection, round_id: int) -> dict[str, str]:
    """The round's council as username -> full name, sorted by given name (no counts)."""
    rows = con.execute(
        "SELECT x.examiner, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ?",
        [round_id],
    ).fetchall()
    return dict(sorted(rows, key=lambda row: vn_name_key(row[1])))


def examiner_accounts(con: Connection) -> pd.DataFrame:
    """Active accounts with the examiner role: username, full_name, group_name."""
    df = con.execute(
        "SELECT u.username, p.full_name, p.group_name, p.position FROM users u "
        "JOIN people p ON p.id = u.person_id JOIN user_roles r ON r.username = u.username "
        "WHERE u.active AND r.role = 'examiner'"
    ).df()
    return df.sort_values("full_name", key=lambda s: s.map(vn_name_key)).reset_index(drop=True)


def require_examiner(con: Connection, username: str) -> str:
    """The examiner's full name, or raise Invalid if not an active examiner account."""
    row = con.execute(
        "SELECT p.full_name FROM users u JOIN people p ON p.id = u.person_id "
        "JOIN user_roles r ON r.username = u.username AND r.role = 'examiner' "
        "WHERE u.username = ? AND u.active",
        [username],
    ).fetchone()
    if row is None:
        raise Invalid({"examiner": f"'{username}' không phải tài khoản giám khảo đang hoạt động."})
    return str(row[0])


def set_council_member(
    con: Connection, round_id: int, examiner: str, actor: str, duty: str = "", fields: str = ""
) -> None:
    """Add an examiner to the round's council, or change their duty and fields."""
    with transaction(con):
        _require_not_final(require_round(con, round_id))
        require_examiner(con, examiner)
        clean_fields = "; ".join(split_fields(fields))
        before = con.execute(
            "SELECT duty, fields FROM round_examiners WHERE round_id = ? AND examiner = ?",
            [round_id, examiner],
        ).fetchone()
        con.execute(
            "INSERT INTO round_examiners (round_id, examiner, duty, fields) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (round_id, examiner) DO UPDATE SET duty = excluded.duty, "
            "fields = excluded.fields",
            [round_id, examiner, nfc(duty or "") or DEFAULT_DUTY, clean_fields],
        )
        audit.record(
            con, actor, "council", "round_examiner", f"{round_id}:{examiner}",
            {"duty": before[0], "fields": before[1]} if before else None,
            {"duty": nfc(duty or "") or DEFAULT_DUTY, "fields": clean_fields},
        )  # fmt: skip


def remove_council_member(con: Connection, round_id: int, examiner: str, actor: str) -> None:
    """Take an examiner off the council; refused while they have assignments in the round."""
    with transaction(con):
        _require_not_final(require_round(con, round_id))
        row = con.execute(
            "SELECT count(*) FROM assignments a JOIN entries e ON e.id = a.entry_id "
            "WHERE e.round_id = ? AND a.examiner = ?",
            [round_id, examiner],
        ).fetchone()
        if row and row[0]:
            raise Invalid(
                {"examiner": f"{examiner} đang được phân công {row[0]} SKKN: bỏ phân công trước."}
            )
        con.execute(
            "DELETE FROM round_examiners WHERE round_id = ? AND examiner = ?", [round_id, examiner]
        )
        audit.record(con, actor, "council_remove", "round_examiner", f"{round_id}:{examiner}")


# --- entries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorIn:
    """An author as typed: name as written, share in % (text or number), optional person."""

    name: str
    share: object = None
    person_id: int | None = None


@dataclass(frozen=True)
class Author:
    """A checked author of an entry."""

    name: str
    share: Decimal
    person_id: int | None


@dataclass(frozen=True)
class Entry:
    """An SKKN registered in a round (without its document bytes)."""

    id: int
    round_id: int
    code: str
    title: str
    field: str
    group_name: str
    withdrawn: bool
    withdrawn_reason: str
    document_name: str | None
    document_mime: str | None
    is_demo: bool
    authors: tuple[Author, ...]

    @property
    def authors_text(self) -> str:
        """Authors joined the way the council writes them: "A (60%); B (40%)"."""
        return authors_text(self.authors)


def authors_text(authors: Iterable[Author]) -> str:
    """Join authors as "A (60%); B (40%)" (a sole author without a share)."""
    items = list(authors)
    if len(items) == 1 and items[0].share == 100:
        return items[0].name
    return "; ".join(f"{a.name} ({format_number(a.share)}%)" for a in items)


_AUTHOR_SHARE = re.compile(
    r"^(?P<name>.*?)\s*(?:[(\[]\s*(?P<a>[\d.,]+)\s*%?\s*[)\]]"
    r"|[-|:,–]\s*(?P<b>[\d.,]+)\s*%?|\s(?P<c>[\d.,]+)\s*%)\s*$"
)


def parse_authors_text(text: str) -> list[AuthorIn]:
    """Authors typed one per line or separated by ';', each with an optional share:
    "Nguyễn Thị A (60%)", "Nguyễn Thị A - 60", "Nguyễn Thị A 60%"."""
    found = []
    for part in re.split(r"[;\n]", text or ""):
        item = nfc(part)
        if not item:
            continue
        m = _AUTHOR_SHARE.match(item)
        if m and m.group("name"):
            found.append(
                AuthorIn(nfc(m.group("name")), m.group("a") or m.group("b") or m.group("c"))
            )
        else:
            found.append(AuthorIn(item))
    return found


def _people_by_name(con: Connection) -> dict[str, list[tuple[int, str]]]:
    found: dict[str, list[tuple[int, str]]] = {}
    for pid, name, group in con.execute("SELECT id, full_name, group_name FROM people").fetchall():
        found.setdefault(fold(name), []).append((int(pid), group))
    return found


def check_authors(
    con: Connection, authors: Sequence[AuthorIn | Mapping[str, Any]]
) -> tuple[list[Author], dict[str, str]]:
    """Check authors and shares (adding to 100); match names to people. Return (authors, errors)."""
    errors: dict[str, str] = {}
    by_name = _people_by_name(con)
    names_of = dict(con.execute("SELECT id, full_name FROM people").fetchall())
    rows = [a if isinstance(a, AuthorIn) else AuthorIn(**a) for a in authors]
    rows = [a for a in rows if nfc(a.name or "") or a.person_id is not None or a.share]
    if not rows:
        return [], {"authors": "Hãy nhập ít nhất một tác giả."}
    clean: list[Author] = []
    for i, a in enumerate(rows, start=1):
        person_id = a.person_id
        name = nfc(a.name or "")
        if person_id is not None and person_id not in names_of:
            errors[f"author{i}"] = f"Tác giả thứ {i}: không có người số {person_id}."
            continue
        if not name and person_id is not None:
            name = names_of[person_id]
        if not name:
            errors[f"author{i}"] = f"Tác giả thứ {i}: thiếu họ tên."
            continue
        if person_id is None and len(by_name.get(fold(name), [])) == 1:
            person_id = by_name[fold(name)][0][0]
        try:
            share = parse_number(a.share)
        except ValueError:
            errors[f"share{i}"] = f"Tác giả {name}: tỉ lệ đóng góp '{a.share}' không phải là số."
            continue
        if share is None:
            if len(rows) > 1:
                errors[f"share{i}"] = f"Tác giả {name}: hãy nhập tỉ lệ đóng góp (%)."
                continue
            share = Decimal(100)
        if share <= 0 or share > 100 or share != share.quantize(Decimal("0.01")):
            errors[f"share{i}"] = (
                f"Tác giả {name}: tỉ lệ đóng góp {format_number(share)}% phải lớn hơn 0, "
                "không quá 100 và có tối đa 2 chữ số thập phân."
            )
            continue
        clean.append(Author(name, share, person_id))
    keys = [a.person_id if a.person_id is not None else fold(a.name) for a in clean]
    if len(set(keys)) != len(keys):
        errors["authors"] = "Một tác giả được nhập hai lần."
    if not errors:
        total = sum((a.share for a in clean), Decimal(0))
        if total != 100:
            errors["shares"] = f"Tổng tỉ lệ đóng góp của các tác giả là {format_number(total)}%, "
            errors["shares"] += "phải bằng 100%."
    return clean, errors


def check_document(data: bytes | None, filename: str | None) -> tuple[str | None, str | None]:
    """Accept a PDF or DOCX document; return (name, mime), or raise Invalid."""
    if not data:
        return None, None
    name = nfc(Path(filename or "").name)
    suffix = Path(name).suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise Invalid({"document": f"Tệp '{name}' không nhận được: chỉ nhận PDF hoặc DOCX."})
    mime, magic = DOCUMENT_TYPES[suffix]
    if not data.startswith(magic):
        raise Invalid({"document": f"Tệp '{name}' không phải là tệp {suffix[1:].upper()} hợp lệ."})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise Invalid(
            {"document": f"Tệp '{name}' lớn quá {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB."}
        )
    return name, mime


def next_code(con: Connection, round_id: int) -> str:
    """The next generated code of the round: SKKN-001, SKKN-002, …"""
    numbers = [
        int(m.group(1))
        for (code,) in con.execute(
            "SELECT code FROM entries WHERE round_id = ?", [round_id]
        ).fetchall()
        if (m := _CODE_NUMBER.match(code))
    ]
    return f"SKKN-{max(numbers, default=0) + 1:03d}"


def check_code(con: Connection, round_id: int, code: str, entry_id: int | None) -> str | None:
    """Why this code cannot be the entry's code in the round, or None."""
    if not code:
        return "Hãy nhập mã SKKN (hoặc để trống để tự sinh)."
    if len(code) > 30:
        return "Mã SKKN dài quá 30 ký tự."
    row = con.execute(
        "SELECT id FROM entries WHERE round_id = ? AND lower(code) = lower(?) AND id <> ?",
        [round_id, code, entry_id or -1],
    ).fetchone()
    return f"Mã SKKN '{code}' đã có trong đợt chấm này." if row else None


def examiner_authors(con: Connection, entry_id: int, authors: Sequence[Author]) -> list[str]:
    """Assigned examiners of the entry who are among these authors."""
    found = []
    for username, person_id, full_name in con.execute(
        "SELECT a.examiner, u.person_id, p.full_name FROM assignments a "
        "JOIN users u ON u.username = a.examiner JOIN people p ON p.id = u.person_id "
        "WHERE a.entry_id = ?",
        [entry_id],
    ).fetchall():
        if _is_author(authors, int(person_id), full_name):
            found.append(username)
    return found


def _is_author(authors: Iterable[Author], person_id: int, full_name: str) -> bool:
    return any(
        a.person_id == person_id or (a.person_id is None and fold(a.name) == fold(full_name))
        for a in authors
    )


def _write_authors(con: Connection, entry_id: int, authors: Sequence[Author]) -> None:
    con.execute("DELETE FROM entry_authors WHERE entry_id = ?", [entry_id])
    frame = pd.DataFrame(
        {
            "entry_id": [entry_id] * len(authors),
            "position": list(range(1, len(authors) + 1)),
            "person_id": pd.array([a.person_id for a in authors], dtype="Int64"),
            "name": [a.name for a in authors],
            "share": [str(a.share) for a in authors],
        }
    )
    con.register("_authors_in", frame)
    try:
        con.execute(
            "INSERT INTO entry_authors SELECT entry_id, position, person_id, name, "
            "CAST(share AS DECIMAL(5, 2)) FROM _authors_in"
        )
    finally:
        con.unregister("_authors_in")


def _entry_snapshot(e: Entry) -> dict:
    return {
        "code": e.code, "title": e.title, "field": e.field, "group_name": e.group_name,
        "authors": e.authors_text, "document": e.document_name, "withdrawn": e.withdrawn,
    }  # fmt: skip


@transactional
def add_entry(
    con: Connection,
    round_id: int,
    actor: str,
    *,
    title: str,
    authors: Sequence[AuthorIn | Mapping[str, Any]],
    code: str | None = None,
    field: str = "",
    group_name: str = "",
    document: bytes | None = None,
    document_name: str | None = None,
    is_demo: bool = False,
) -> int:
    """Register an SKKN: code given or generated, authors with shares adding to 100."""
    r = require_round(con, round_id)
    errors: dict[str, str] = {}
    if r.state not in ("draft", "open"):
        errors["state"] = f"Đợt chấm {r.state_label.lower()}: không đăng ký thêm SKKN được."
    code = nfc(code or "") or next_code(con, round_id)
    problem = check_code(con, round_id, code, None)
    if problem:
        errors["code"] = problem
    title = nfc(title or "")
    if not title:
        errors["title"] = "Hãy nhập tên SKKN."
    clean, author_errors = check_authors(con, authors)
    errors.update(author_errors)
    try:
        doc_name, mime = check_document(document, document_name)
    except Invalid as exc:
        errors.update(exc.errors)
        doc_name = mime = None
    if errors:
        raise Invalid(errors)
    group = nfc(group_name or "")
    if not group and clean and clean[0].person_id is not None:
        row = con.execute(
            "SELECT group_name FROM people WHERE id = ?", [clean[0].person_id]
        ).fetchone()
        group = row[0] if row else ""
    row = con.execute(
        "INSERT INTO entries (round_id, code, title, field, group_name, document, "
        " document_name, document_mime, is_demo, created_by) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [round_id, code, title, nfc(field or ""), group, document if doc_name else None,
         doc_name, mime, is_demo, actor],
    ).fetchone()  # fmt: skip
    assert row is not None
    entry_id = int(row[0])
    _write_authors(con, entry_id, clean)
    entry = require_entry(con, entry_id)
    audit.record(con, actor, "create", "entry", f"{round_id}:{code}", None,
                 _entry_snapshot(entry))  # fmt: skip
    return entry_id


@transactional
def update_entry(
    con: Connection,
    entry_id: int,
    actor: str,
    *,
    title: str,
    authors: Sequence[AuthorIn | Mapping[str, Any]],
    code: str,
    field: str = "",
    group_name: str = "",
) -> None:
    """Change an entry's code, title, field, group or authors (not once finalized)."""
    before = require_entry(con, entry_id)
    r = require_round(con, before.round_id)
    _require_not_final(r)
    errors: dict[str, str] = {}
    code = nfc(code or "")
    problem = check_code(con, r.id, code, entry_id)
    if problem:
        errors["code"] = problem
    title = nfc(title or "")
    if not title:
        errors["title"] = "Hãy nhập tên SKKN."
    clean, author_errors = check_authors(con, authors)
    errors.update(author_errors)
    if not errors:
        clash = examiner_authors(con, entry_id, clean)
        if clash:
            errors["authors"] = (
                f"{', '.join(clash)} đang được phân công chấm SKKN này nên không thể là "
                "tác giả: bỏ phân công trước."
            )
    if errors:
        raise Invalid(errors)
    con.execute(
        "UPDATE entries SET code = ?, title = ?, field = ?, group_name = ?, "
        "updated_at = current_localtimestamp() WHERE id = ?",
        [code, title, nfc(field or ""), nfc(group_name or ""), entry_id],
    )
    if [(a.name, a.share, a.person_id) for a in before.authors] != [
        (a.name, a.share, a.person_id) for a in clean
    ]:
        _write_authors(con, entry_id, clean)
    after = require_entry(con, entry_id)
    audit.record(con, actor, "update", "entry", f"{r.id}:{after.code}",
                 _entry_snapshot(before), _entry_snapshot(after))  # fmt: skip


def set_document(
    con: Connection, entry_id: int, actor: str, data: bytes | None, filename: str | None
) -> None:
    """Attach (or with no data, remove) the entry's PDF/DOCX document."""
    with transaction(con):
        e = require_entry(con, entry_id)
        _require_not_final(require_round(con, e.round_id))
        name, mime = check_document(data, filename)
        con.execute(
            "UPDATE entries SET document = ?, document_name = ?, document_mime = ?, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [data if name else None, name, mime, entry_id],
        )
        audit.record(con, actor, "document", "entry", f"{e.round_id}:{e.code}",
                     {"document": e.document_name}, {"document": name})  # fmt: skip


def withdraw_entry(
    con: Connection, entry_id: int, actor: str, reason: str = "", withdrawn: bool = True
) -> None:
    """Mark an entry withdrawn (kept, no longer scored or counted), or take the mark back."""
    with transaction(con):
        e = require_entry(con, entry_id)
        _require_not_final(require_round(con, e.round_id))
        reason = nfc(reason or "")
        if withdrawn and not reason:
            raise Invalid({"reason": "Hãy ghi lý do rút SKKN."})
        con.execute(
            "UPDATE entries SET withdrawn = ?, withdrawn_reason = ?, "
            "updated_at = current_localtimestamp() WHERE id = ?",
            [withdrawn, reason if withdrawn else "", entry_id],
        )
        audit.record(con, actor, "withdraw" if withdrawn else "restore", "entry",
                     f"{e.round_id}:{e.code}", {"withdrawn": e.withdrawn},
                     {"withdrawn": withdrawn, "reason": reason})  # fmt: skip


def _authors_of(con: Connection, entry_ids: Sequence[int]) -> dict[int, tuple[Author, ...]]:
    found: dict[int, list[Author]] = {i: [] for i in entry_ids}
    if not entry_ids:
        return {}
    for entry_id, name, share, person_id in con.execute(
        "SELECT entry_id, name, share, person_id FROM entry_authors "
        "WHERE list_contains(?, entry_id) ORDER BY entry_id, position",
        [list(entry_ids)],
    ).fetchall():
        found[int(entry_id)].append(Author(name, share, person_id))
    return {k: tuple(v) for k, v in found.items()}


def authors_of(con: Connection, entry_ids: Sequence[int]) -> dict[int, tuple[Author, ...]]:
    """The authors of each of these entries, in their order on the entry."""
    return _authors_of(con, entry_ids)


_ENTRY_COLUMNS = (
    "id, round_id, code, title, field, group_name, withdrawn, withdrawn_reason, document_name, "
    "document_mime, is_demo"
)


def get_entry(con: Connection, entry_id: int) -> Entry | None:
    """Return the entry with its authors, or None."""
    row = con.execute(f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?", [entry_id]).fetchone()
    if row is None:
        return None
    return Entry(*row, authors=_authors_of(con, [int(row[0])])[int(row[0])])


def require_entry(con: Connection, entry_id: int) -> Entry:
    """Return the entry or raise Invalid."""
    e = get_entry(con, entry_id)
    if e is None:
        raise Invalid({"entry": f"Không có SKKN số {entry_id}."})
    return e


def find_entry(con: Connection, round_id: int, code: str) -> Entry:
    """The entry of the round with this code (case aside), or raise Invalid."""
    row = con.execute(
        "SELECT id FROM entries WHERE round_id = ? AND lower(code) = lower(?)",
        [round_id, nfc(code)],
    ).fetchone()
    if row is None:
        raise Invalid({"entry": f"Không có SKKN mã '{code}' trong đợt chấm này."})
    return require_entry(con, int(row[0]))


def round_entries(con: Connection, round_id: int) -> list[Entry]:
    """Every entry of the round (withdrawn ones too), by code."""
    rows = con.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE round_id = ? ORDER BY code", [round_id]
    ).fetchall()
    authors = _authors_of(con, [int(r[0]) for r in rows])
    return [Entry(*r, authors=authors[int(r[0])]) for r in rows]


def entries(con: Connection, round_id: int) -> pd.DataFrame:
    """The round's entries as a table: id, code, title, authors, field, group_name, withdrawn,
    withdrawn_reason, document_name, examiners (names in GK order), n_assigned, is_demo."""
    items = round_entries(con, round_id)
    assigned: dict[int, list[str]] = {}
    for entry_id, name in con.execute(
        "SELECT a.entry_id, p.full_name FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "JOIN users u ON u.username = a.examiner JOIN people p ON p.id = u.person_id "
        "WHERE e.round_id = ? ORDER BY a.entry_id, a.ord",
        [round_id],
    ).fetchall():
        assigned.setdefault(int(entry_id), []).append(name)
    return pd.DataFrame(
        {
            "id": [e.id for e in items],
            "code": [e.code for e in items],
            "title": [e.title for e in items],
            "authors": [e.authors_text for e in items],
            "field": [e.field for e in items],
            "group_name": [e.group_name for e in items],
            "withdrawn": [e.withdrawn for e in items],
            "withdrawn_reason": [e.withdrawn_reason for e in items],
            "document_name": [e.document_name or "" for e in items],
            "examiners": ["; ".join(assigned.get(e.id, [])) for e in items],
            "n_assigned": [len(assigned.get(e.id, [])) for e in items],
            "is_demo": [e.is_demo for e in items],
        }
    )


def entry_document(con: Connection, entry_id: int) -> tuple[bytes, str, str] | None:
    """The entry's document: (bytes, file name, mime type), or None."""
    row = con.execute(
        "SELECT document, document_name, document_mime FROM entries WHERE id = ?", [entry_id]
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1], row[2]


# --- conflicts -------------------------------------------------------------------------


def _user_person(con: Connection, username: str) -> tuple[int, str] | None:
    row = con.execute(
        "SELECT u.person_id, p.full_name FROM users u JOIN people p ON p.id = u.person_id "
        "WHERE u.username = ?",
        [username],
    ).fetchone()
    return (int(row[0]), row[1]) if row else None


def is_author(con: Connection, entry_id: int, username: str) -> bool:
    """Tell whether the account's person wrote the entry (by person, else by exact name)."""
    person = _user_person(con, username)
    if person is None:
        return False
    return _is_author(_authors_of(con, [entry_id])[entry_id], *person)


def conflict_reason(con: Connection, entry_id: int, examiner: str) -> str | None:
    """Why this examiner may not score this entry (author, or a recorded conflict), or None."""
    if is_author(con, entry_id, examiner):
        return "là tác giả của SKKN"
    row = con.execute(
        "SELECT kind, note FROM conflicts WHERE entry_id = ? AND examiner = ?",
        [entry_id, examiner],
    ).fetchone()
    if row:
        note = f": {row[1]}" if row[1] else ""
        return f"có xung đột lợi ích ({CONFLICT_KINDS[row[0]].lower()}{note})"
    return None


def conflicted_examiners(con: Connection, entry_id: int, usernames: Sequence[str]) -> set[str]:
    """Those of these accounts that may not score the entry: its authors and recorded conflicts
    (conflict_reason for many examiners at once, in two queries instead of two each)."""
    wanted = list(usernames)
    found = {
        str(row[0])
        for row in con.execute(
            "SELECT examiner FROM conflicts WHERE entry_id = ? AND list_contains(?, examiner)",
            [entry_id, wanted],
        ).fetchall()
    }
    authors = _authors_of(con, [entry_id]).get(entry_id, ())
    for username, person_id, full_name in con.execute(
        "SELECT u.username, u.person_id, p.full_name FROM users u "
        "JOIN people p ON p.id = u.person_id WHERE list_contains(?, u.username)",
        [wanted],
    ).fetchall():
        if _is_author(authors, int(person_id), full_name):
            found.add(username)
    return found


def add_conflict(
    con: Connection, entry_id: int, examiner: str, kind: str, actor: str, note: str = ""
) -> None:
    """Record that an examiner must not score an entry (same group, relative, other)."""
    with transaction(con):
        e = require_entry(con, entry_id)
        _require_not_final(require_round(con, e.round_id))
        errors: dict[str, str] = {}
        if kind not in CONFLICT_KINDS:
            errors["kind"] = f"Loại xung đột không hợp lệ: {kind}."
        try:
            require_examiner(con, examiner)
        except Invalid as exc:
            errors.update(exc.errors)
        if con.execute(
            "SELECT 1 FROM conflicts WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        ).fetchone():
            errors["examiner"] = f"Đã ghi xung đột của {examiner} với {e.code}."
        elif con.execute(
            "SELECT 1 FROM assignments WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        ).fetchone():
            errors["examiner"] = (
                f"{examiner} đang được phân công chấm {e.code}: hãy bỏ phân công trước."
            )
        if errors:
            raise Invalid(errors)
        con.execute(
            "INSERT INTO conflicts (round_id, examiner, entry_id, kind, note, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [e.round_id, examiner, entry_id, kind, nfc(note or ""), actor],
        )
        audit.record(con, actor, "conflict", "conflict", f"{e.round_id}:{e.code}:{examiner}",
                     None, {"kind": kind, "note": nfc(note or "")})  # fmt: skip


def remove_conflict(con: Connection, conflict_id: int, actor: str) -> None:
    """Delete a recorded conflict."""
    with transaction(con):
        row = con.execute(
            "SELECT c.round_id, e.code, c.examiner, c.kind, c.note FROM conflicts c "
            "JOIN entries e ON e.id = c.entry_id WHERE c.id = ?",
            [conflict_id],
        ).fetchone()
        if row is None:
            raise Invalid({"conflict": "Không có xung đột này."})
        _require_not_final(require_round(con, row[0]))
        con.execute("DELETE FROM conflicts WHERE id = ?", [conflict_id])
        audit.record(con, actor, "conflict_remove", "conflict", f"{row[0]}:{row[1]}:{row[2]}",
                     {"kind": row[3], "note": row[4]}, None)  # fmt: skip


def conflicts(con: Connection, round_id: int, include_authors: bool = True) -> pd.DataFrame:
    """Conflicts of the round: id (None for authorship), entry_id, code, examiner, full_name,
    kind, kind_label, note. Authorship of council members is listed as kind 'author'."""
    rows = con.execute(
        "SELECT c.id, c.entry_id, e.code, c.examiner, p.full_name, c.kind, c.note "
        "FROM conflicts c JOIN entries e ON e.id = c.entry_id "
        "JOIN users u ON u.username = c.examiner JOIN people p ON p.id = u.person_id "
        "WHERE c.round_id = ? ORDER BY e.code, c.examiner",
        [round_id],
    ).fetchall()
    records = [
        {"id": r[0], "entry_id": r[1], "code": r[2], "examiner": r[3], "full_name": r[4],
         "kind": r[5], "kind_label": CONFLICT_KINDS[r[5]], "note": r[6]}
        for r in rows
    ]  # fmt: skip
    if include_authors:
        for entry_id, code, username, name in _council_authors(con, round_id):
            records.append(
                {"id": None, "entry_id": entry_id, "code": code, "examiner": username,
                 "full_name": name, "kind": "author", "kind_label": AUTHOR, "note": ""}
            )  # fmt: skip
    columns = ["id", "entry_id", "code", "examiner", "full_name", "kind", "kind_label", "note"]
    return pd.DataFrame(records, columns=columns)


def _council_authors(con: Connection, round_id: int) -> list[tuple[int, str, str, str]]:
    """(entry_id, code, examiner, full_name) for each council member who wrote an entry of the
    round, by code then council order: linked by person, or by name when the author is not.

    Matched by person in SQL and by folded name in a dict: checking every entry against every
    member took seconds for a city round (thousands of entries, hundreds of examiners)."""
    members = con.execute(
        "SELECT x.examiner, u.person_id, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    rank = {username: i for i, (username, _, _) in enumerate(members)}
    by_person: dict[int, list[tuple[str, str]]] = {}
    by_name: dict[str, list[tuple[str, str]]] = {}
    for username, person_id, name in members:
        by_person.setdefault(int(person_id), []).append((username, name))
        by_name.setdefault(fold(name), []).append((username, name))
    found: dict[tuple[int, str], tuple[str, str, str]] = {}
    for entry_id, code, person_id, author in con.execute(
        "SELECT a.entry_id, e.code, a.person_id, a.name FROM entry_authors a "
        "JOIN entries e ON e.id = a.entry_id WHERE e.round_id = ?",
        [round_id],
    ).fetchall():
        matches = by_person.get(int(person_id), []) if person_id is not None else \
            by_name.get(fold(author), [])  # fmt: skip
        for username, name in matches:
            found[(int(entry_id), username)] = (code, username, name)
    ordered = sorted(found.items(), key=lambda item: (item[1][0], rank[item[0][1]]))
    return [(entry_id, code, username, name) for (entry_id, _), (code, username, name) in ordered]


def same_group_conflicts(con: Connection, round_id: int) -> list[tuple[int, str, str]]:
    """Suggested same-group conflicts not yet recorded: (entry_id, code, examiner)."""
    found = []
    members = con.execute(
        "SELECT x.examiner, p.group_name, u.person_id, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "WHERE x.round_id = ? AND p.group_name <> ''",
        [round_id],
    ).fetchall()
    taken = {
        (int(e), x)
        for e, x in con.execute(
            "SELECT entry_id, examiner FROM conflicts WHERE round_id = ? UNION "
            "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e "
            "ON e.id = a.entry_id WHERE e.round_id = ?",
            [round_id, round_id],
        ).fetchall()
    }
    # Members by folded group, authorship from the set of author pairs: checking every entry
    # against every member (one query, then one loop per pair) took seconds at city scale.
    by_group: dict[str, list[str]] = {}
    for username, group, _, _ in members:
        by_group.setdefault(fold(group), []).append(username)
    authors = {(entry_id, username) for entry_id, _, username, _ in _council_authors(con, round_id)}
    for entry_id, code, group_name in con.execute(
        "SELECT id, code, group_name FROM entries WHERE round_id = ? AND NOT withdrawn "
        "AND group_name <> '' ORDER BY code",
        [round_id],
    ).fetchall():
        for username in by_group.get(fold(group_name), []):
            pair = (int(entry_id), username)
            if pair not in taken and pair not in authors:
                found.append((int(entry_id), code, username))
    return found


# --- assignment ------------------------------------------------------------------------


def plain(value: Decimal | None) -> Decimal | None:
    """A stored DECIMAL without its padding zeros: 0.7500 -> 0.75, 20.0000 -> 20."""
    if value is None:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def gk_label(ord_: int) -> str:
    """GK1, GK2, GK3 …"""
    return f"GK{ord_}"


def assign_problem(con: Connection, e: Entry, r: Round, examiner: str) -> str | None:
    """Why this examiner cannot be assigned to the entry now, or None."""
    if r.state not in ("draft", "open"):
        return f"Đợt chấm {r.state_label.lower()}: không phân công được."
    if e.withdrawn:
        return f"{e.code} đã rút, không phân công được."
    try:
        require_examiner(con, examiner)
    except Invalid as exc:
        return exc.messages[0]
    reason = conflict_reason(con, e.id, examiner)
    if reason:
        return f"Không phân công {examiner} chấm {e.code}: {examiner} {reason}."
    if con.execute(
        "SELECT 1 FROM assignments WHERE entry_id = ? AND examiner = ?", [e.id, examiner]
    ).fetchone():
        return f"{examiner} đã được phân công chấm {e.code}."
    return None


def _insert_assignment(con: Connection, e: Entry, examiner: str, actor: str) -> int:
    row = con.execute(
        "SELECT coalesce(max(ord), 0) FROM assignments WHERE entry_id = ?", [e.id]
    ).fetchone()
    ord_ = int(row[0]) + 1 if row else 1
    if ord_ > 9:
        raise Invalid({"examiner": f"{e.code} đã có quá nhiều giám khảo."})
    con.execute(
        "INSERT INTO assignments (entry_id, examiner, ord, assigned_by) VALUES (?, ?, ?, ?)",
        [e.id, examiner, ord_, actor],
    )
    con.execute(
        "INSERT INTO round_examiners (round_id, examiner) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [e.round_id, examiner],
    )
    audit.record(con, actor, "assign", "assignment", f"{e.round_id}:{e.code}:{examiner}",
                 None, {"examiner": examiner, "order": gk_label(ord_)})  # fmt: skip
    return ord_


@transactional
def assign(con: Connection, entry_id: int, examiner: str, actor: str) -> int:
    """Assign an examiner to an entry as the next GK; refused with the reason if not allowed."""
    e = require_entry(con, entry_id)
    problem = assign_problem(con, e, require_round(con, e.round_id), examiner)
    if problem:
        raise Invalid({"examiner": problem})
    return _insert_assignment(con, e, examiner, actor)


def unassign(con: Connection, entry_id: int, examiner: str, actor: str) -> None:
    """Remove an assignment whose sheet holds nothing yet; a sheet with scores never moves."""
    with transaction(con):
        e = require_entry(con, entry_id)
        r = require_round(con, e.round_id)
        if r.state not in ("draft", "open"):
            raise Invalid({"state": f"Đợt chấm {r.state_label.lower()}: không sửa phân công."})
        row = con.execute(
            "SELECT ord FROM assignments WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        ).fetchone()
        if row is None:
            raise Invalid({"examiner": f"{examiner} không được phân công chấm {e.code}."})
        sheet = con.execute(
            "SELECT s.id, s.status, s.comment, (SELECT count(*) FROM scores sc "
            "WHERE sc.sheet_id = s.id) FROM sheets s WHERE s.entry_id = ? AND s.examiner = ?",
            [entry_id, examiner],
        ).fetchone()
        if sheet is not None:
            if sheet[1] == "submitted" or sheet[2] or sheet[3]:
                raise Invalid(
                    {"examiner": f"Phiếu của {examiner} cho {e.code} đã có điểm hoặc nhận xét: "
                     "không bỏ phân công được."}
                )  # fmt: skip
            con.execute("DELETE FROM sheets WHERE id = ?", [sheet[0]])
        con.execute(
            "DELETE FROM assignments WHERE entry_id = ? AND examiner = ?", [entry_id, examiner]
        )
        audit.record(con, actor, "unassign", "assignment", f"{e.round_id}:{e.code}:{examiner}",
                     {"examiner": examiner, "order": gk_label(int(row[0]))}, None)  # fmt: skip


def assignments(con: Connection, round_id: int) -> pd.DataFrame:
    """Every assignment of the round: entry_id, code, title, field, examiner, full_name, ord,
    gk, sheet_status (none, draft, submitted), withdrawn."""
    df = con.execute(
        "SELECT a.entry_id, e.code, e.title, e.field, a.examiner, p.full_name, a.ord, "
        "       coalesce(s.status, 'none') AS sheet_status, e.withdrawn, "
        "       (s.id IS NOT NULL AND (s.status = 'submitted' OR s.comment <> '' OR EXISTS "
        "        (SELECT 1 FROM scores sc WHERE sc.sheet_id = s.id))) AS has_scores "
        "FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "JOIN users u ON u.username = a.examiner JOIN people p ON p.id = u.person_id "
        "LEFT JOIN sheets s ON s.entry_id = a.entry_id AND s.examiner = a.examiner "
        "WHERE e.round_id = ? ORDER BY e.code, a.ord",
        [round_id],
    ).df()
    df["gk"] = df["ord"].map(lambda o: gk_label(int(o)))
    return df


@dataclass(frozen=True)
class Proposal:
    """One assignment the automatic plan suggests."""

    entry_id: int
    code: str
    title: str
    examiner: str
    examiner_name: str
    ord: int
    same_field: bool


@dataclass
class AutoPlan:
    """The automatic assignment shown for confirmation: proposals, problems, loads after."""

    proposals: list[Proposal]
    problems: list[str]
    loads: dict[str, int]

    def table(self) -> pd.DataFrame:
        """The proposals as a table for the confirmation screen."""
        return pd.DataFrame(
            {
                "code": [p.code for p in self.proposals],
                "title": [p.title for p in self.proposals],
                "gk": [gk_label(p.ord) for p in self.proposals],
                "examiner": [p.examiner for p in self.proposals],
                "examiner_name": [p.examiner_name for p in self.proposals],
                "same_field": [p.same_field for p in self.proposals],
            }
        )


def propose_assignments(con: Connection, round_id: int) -> AutoPlan:
    """Plan the missing assignments of every entry; existing ones are never moved.

    Each kept entry gets the round's number of examiners from its council. Authors and
    recorded conflicts are never chosen. Among the examiners whose load is within one of the
    least loaded eligible examiner, one who knows the entry's field is preferred, then the
    lighter load, then the username (so the plan is the same every time). The most
    constrained entries are served first."""
    r = require_round(con, round_id)
    council = con.execute(
        "SELECT x.examiner, x.fields, p.full_name FROM round_examiners x "
        "JOIN users u ON u.username = x.examiner JOIN people p ON p.id = u.person_id "
        "JOIN user_roles ur ON ur.username = x.examiner AND ur.role = 'examiner' "
        "WHERE x.round_id = ? AND u.active ORDER BY x.examiner",
        [round_id],
    ).fetchall()
    names = {u: n for u, _, n in council}
    fields = {u: {fold(f) for f in split_fields(fs)} for u, fs, _ in council}
    loads = dict.fromkeys(names, 0)
    current: dict[int, dict[str, int]] = {}
    for entry_id, examiner, ord_, withdrawn in con.execute(
        "SELECT a.entry_id, a.examiner, a.ord, e.withdrawn FROM assignments a "
        "JOIN entries e ON e.id = a.entry_id WHERE e.round_id = ?",
        [round_id],
    ).fetchall():
        current.setdefault(int(entry_id), {})[examiner] = int(ord_)
        if examiner in loads and not withdrawn:
            loads[examiner] += 1
    todo = [e for e in round_entries(con, round_id) if not e.withdrawn]
    eligible = {
        e.id: [u for u in names if conflict_reason(con, e.id, u) is None
               and u not in current.get(e.id, {})]
        for e in todo
    }  # fmt: skip
    todo.sort(key=lambda e: (len(eligible[e.id]), e.code))
    proposals: list[Proposal] = []
    problems: list[str] = []
    if not names:
        problems.append("Hội đồng của đợt chấm chưa có giám khảo nào.")
        return AutoPlan(proposals, problems, loads)
    for e in todo:
        have = current.get(e.id, {})
        need = r.examiners_per_entry - len(have)
        used_ords = set(have.values())
        candidates = list(eligible[e.id])
        for _ in range(max(need, 0)):
            if not candidates:
                problems.append(
                    f"{e.code}: chỉ có {r.examiners_per_entry - need}/{r.examiners_per_entry} "
                    "giám khảo (những người còn lại là tác giả, có xung đột hoặc đã được phân "
                    "công)."
                )
                break
            least = min(loads[u] for u in candidates)
            field = fold(e.field)

            def knows(u: str, field: str = field) -> bool:
                return bool(field) and field in fields[u]

            pick = min(
                (u for u in candidates if loads[u] <= least + 1),
                key=lambda u: (not knows(u), loads[u], u),
            )
            ord_ = min(set(range(1, 10)) - used_ords)
            used_ords.add(ord_)
            candidates.remove(pick)
            loads[pick] += 1
            need -= 1
            proposals.append(Proposal(e.id, e.code, e.title, pick, names[pick], ord_, knows(pick)))
    proposals.sort(key=lambda p: (p.code, p.ord))
    return AutoPlan(proposals, problems, loads)


def apply_assignments(
    con: Connection, round_id: int, proposals: Sequence[Proposal], actor: str
) -> int:
    """Write confirmed proposals, all or nothing (each checked again); return how many."""
    with transaction(con):
        r = require_round(con, round_id)
        errors: dict[str, str] = {}
        for i, p in enumerate(proposals):
            e = require_entry(con, p.entry_id)
            if e.round_id != round_id:
                errors[f"p{i}"] = f"{e.code} không thuộc đợt chấm này."
                continue
            problem = assign_problem(con, e, r, p.examiner)
            if problem:
                errors[f"p{i}"] = problem
                continue
            _insert_assignment(con, e, p.examiner, actor)
        if errors:
            raise Invalid(errors)
    return len(proposals)


def auto_assign(con: Connection, round_id: int, actor: str) -> AutoPlan:
    """Plan and write the missing assignments at once (the command line's --auto)."""
    plan = propose_assignments(con, round_id)
    apply_assignments(con, round_id, plan.proposals, actor)
    return plan


# --- audit ------------------------------------------------------------------------------


def round_audit(con: Connection, round_id: int, limit: int = 2000) -> pd.DataFrame:
    """The round's history, newest first: logged_at, actor, action, action_label, entity,
    entity_id, before, after."""
    df = con.execute(
        "SELECT logged_at, actor, action, entity, entity_id, before, after FROM audit_log "
        "WHERE (entity = 'round' AND entity_id = ?) OR (entity IN ('round_examiner', 'entry', "
        "'conflict', 'assignment', 'sheet', 'grade_override') AND entity_id LIKE ?) "
        "ORDER BY id DESC LIMIT ?",
        [str(round_id), f"{round_id}:%", limit],
    ).df()
    df.insert(3, "action_label", df["action"].map(lambda a: ACTIONS.get(a, a)))
    return df
