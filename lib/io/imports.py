"""File imports as data: each kind reads, checks everything, then writes in one transaction."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.access.permissions import ROLES, why_cannot_import_sheet
from lib.access.users import USERNAME
from lib.core import audit
from lib.core.db import Connection, transaction
from lib.core.errors import Invalid
from lib.core.text import fold, nfc
from lib.io.filereader import (
    MAX_BYTES,
    ROW_COLUMN,
    ColumnSpec,
    Problem,
    clean_column,
    map_columns,
    normalize_header,
    parse_date,
    read_table,
)
from lib.plans import plans
from lib.plans.periods import derive_dates
from lib.plans.word import PlanDoc, parse_plan_docx
from lib.scoring import rounds
from lib.scoring import sheets as scoring_sheets
from lib.scoring.rubric import Rubric, format_number, load_rubric_yaml, rubric_to_dict

Progress = Callable[[float, str], None]
# Cells an export prefixed with an apostrophe so Excel would not run them as formulas.
_NEUTRALISED = re.compile(r"^'(?=[=+\-@])")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_MB = MAX_BYTES // (1024 * 1024)


@dataclass
class Checked:
    """The outcome of checking a file: problems, warnings, rows as read, what would change."""

    kind: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # columns: __row__ + labels
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    payload: Any = None  # what the kind's writer needs; only valid without problems

    @property
    def ok(self) -> bool:
        """Tell whether the file can be imported as it is."""
        return not self.problems


@dataclass(frozen=True)
class Summary:
    """What an import did: rows added, updated and left unchanged."""

    kind: str
    added: int
    updated: int
    unchanged: int
    detail: str = ""
    target: str | None = None  # the plan (or round) written into

    def __str__(self) -> str:
        """Return the one-line summary shown after an import."""
        label = KINDS[self.kind].label if self.kind in KINDS else self.kind
        line = f"{label}: thêm {self.added}, cập nhật {self.updated}, giữ nguyên {self.unchanged}."
        return f"{line} {self.detail}".strip()


class Refused(Invalid):
    """The file was refused: every problem found, nothing written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__({str(i): str(p) for i, p in enumerate(self.problems)})


Reader = Callable[["Kind", bytes, str], tuple[Any, list[Problem]]]
Checker = Callable[[Connection, Any, "str | None", "Progress | None"], Checked]
Writer = Callable[[Connection, Checked, str], Summary]


@dataclass(frozen=True)
class Kind:
    """One kind of file the council can import: how to read, check and write it."""

    name: str
    label: str  # Vietnamese, shown in the page's picker
    extensions: tuple[str, ...]
    read: Reader
    check: Checker
    write: Writer
    columns: tuple[ColumnSpec, ...] = ()
    example: tuple[str, ...] = ()  # one example value per column, for the Excel template
    target: str | None = None  # "plan" or "round": what the import goes into
    help: str = ""  # one Vietnamese sentence under the picker

    def spec(self, name: str) -> ColumnSpec:
        """The column spec with this canonical name."""
        return next(c for c in self.columns if c.name == name)


# The table of importable kinds. A new kind (skkn, scores, rubric…) is one more entry:
#   register(Kind(name="skkn", label="…", extensions=(".xlsx", ".csv"), read=read_columns,
#                 check=check_skkn, write=write_skkn, columns=SKKN_COLUMNS, example=(…),
#                 target="round"), ("round", Target("Đợt chấm", round_choices, "Chưa có đợt…")))
# check(con, parsed, target, progress) -> Checked collects every Problem and fills added /
# updated / unchanged and a payload; write(con, checked, actor) -> Summary runs inside the
# import's transaction. The page, the CLI (`--round` / `--plan`) and templates follow the table.
KINDS: dict[str, Kind] = {}


@dataclass(frozen=True)
class Target:
    """What some kinds import into (a plan, a scoring round): how to name and list the choices."""

    label: str  # Vietnamese label of the picker
    choices: Callable[[Connection], dict[str, str]]  # code -> shown text, newest first
    empty: str  # Vietnamese message when there is nothing to choose


def plan_choices(con: Connection) -> dict[str, str]:
    """Every plan's number with its title, for the picker."""
    rows = con.execute("SELECT code, title FROM plans ORDER BY id DESC").fetchall()
    return {code: f"{code} – {title}" for code, title in rows}


TARGETS: dict[str, Target] = {
    "plan": Target(
        "Kế hoạch nhận công việc",
        plan_choices,
        "Chưa có kế hoạch nào: hãy nhập một kế hoạch (tệp Word) trước.",
    ),
}


def register(kind: Kind, target: tuple[str, Target] | None = None) -> Kind:
    """Add a kind (and the target it imports into, if new) to the table of importable kinds."""
    if target is not None:
        TARGETS[target[0]] = target[1]
    KINDS[kind.name] = kind
    return kind


def _kind(name: str) -> Kind:
    if name not in KINDS:
        raise Invalid({"kind": f"Không có loại dữ liệu “{name}”. Chọn: {', '.join(KINDS)}."})
    return KINDS[name]


# --- the shared pipeline ---------------------------------------------------------------------


def check_extension(kind: Kind, filename: str) -> list[Problem]:
    """Refuse a file whose type this kind does not take, saying which types it does."""
    ext = PurePath(filename or "").suffix.lower()
    if ext in kind.extensions:
        return []
    shown = f"tệp {ext}" if ext else "tệp không có đuôi"
    wanted = ", ".join(kind.extensions)
    return [
        Problem(
            None,
            None,
            f"Sai loại tệp: “{kind.label}” nhận tệp {wanted}, còn “{filename}” là {shown}. "
            "Hãy chọn đúng loại dữ liệu hoặc đúng tệp.",
        )
    ]


def read_upload(
    kind: Kind, data: bytes, filename: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV/XLSX upload into a table, refusing a wrong extension or headerless cells."""
    problems = check_extension(kind, filename)
    if problems:
        return None, problems
    df, problems = read_table(data, filename)
    if df is None:
        return None, problems
    if PurePath(filename).suffix.lower() != ".xlsx":
        problems = _cells_without_header(df)
        if problems:
            return None, problems
    return df, []


def read_columns(
    kind: Kind, data: bytes, filename: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV/XLSX upload and map its headers to the kind's columns."""
    df, problems = read_upload(kind, data, filename)
    if df is None:
        return None, problems
    return map_columns(df, list(kind.columns))


_UNNAMED = re.compile(r"Cột [A-Z]{1,3}")


def _cells_without_header(df: pd.DataFrame) -> list[Problem]:
    """In a CSV, more cells than headers means a separator inside an unquoted cell: data lost."""
    problems = []
    for column in df.columns:
        if not _UNNAMED.fullmatch(str(column)):
            continue
        rows = df.loc[df[column] != "", ROW_COLUMN].astype(int).tolist()
        if rows:
            shown = ", ".join(map(str, rows[:5])) + ("…" if len(rows) > 5 else "")
            problems.append(
                Problem(
                    rows[0],
                    str(column),
                    f"Có {len(rows)} dòng ({shown}) nhiều ô hơn dòng tiêu đề. Thường do một ô "
                    "chứa dấu phân cách (“,” hoặc “;”) mà không đặt trong ngoặc kép. Hãy mở tệp "
                    "bằng Excel và lưu lại, hoặc đặt ô đó trong ngoặc kép.",
                )
            )
    return problems


def preview(
    con: Connection,
    kind: str,
    data: bytes,
    filename: str,
    target: str | None = None,
    progress: Progress | None = None,
) -> Checked:
    """Read and check a file without writing anything: problems, warnings and what would change."""
    spec = _kind(kind)
    _tell(progress, 0.0, "Đang đọc tệp…")
    parsed, problems = spec.read(spec, data, filename)
    if parsed is None:
        return Checked(kind=kind, problems=problems)
    _tell(progress, 0.2, "Đang kiểm tra từng dòng…")
    checked = spec.check(con, parsed, target, progress)
    checked.problems[:0] = problems
    _tell(progress, 0.9, "Đã kiểm tra xong.")
    return checked


def run_import(
    con: Connection,
    kind: str,
    data: bytes,
    filename: str,
    actor: str,
    target: str | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Check the whole file, then write it in one transaction; raise Refused, writing nothing."""
    spec = _kind(kind)
    # Checking inside the transaction: nobody can change what was checked before it is written.
    with transaction(con):
        checked = preview(con, kind, data, filename, target, progress)
        if checked.problems:
            raise Refused(checked.problems)
        _tell(progress, 0.9, "Đang ghi vào cơ sở dữ liệu…")
        summary = spec.write(con, checked, actor)
        audit.record(
            con, actor, "import", kind, filename,
            after={"added": summary.added, "updated": summary.updated,
                   "unchanged": summary.unchanged, "target": target},
        )  # fmt: skip
    _tell(progress, 1.0, "Xong.")
    return summary


def _apply(con: Connection, kind: str, parsed: Any, target: str | None, actor: str) -> Summary:
    spec = KINDS[kind]
    with transaction(con):
        checked = spec.check(con, parsed, target, None)
        if checked.problems:
            raise Refused(checked.problems)
        summary = spec.write(con, checked, actor)
        audit.record(con, actor, "import", kind, target or "", after=summary.__dict__)
    return summary


def _tell(progress: Progress | None, fraction: float, text: str) -> None:
    if progress is not None:
        progress(fraction, text)


def _cell(value: object) -> str:
    """A cell as clean NFC text, without the apostrophe our exports put before '=', '+'…."""
    # filereader already gave NFC text; only inner runs of spaces are folded (not "_", which
    # usernames and e-mails use).
    text = " ".join(unicodedata.normalize("NFC", str(value)).split()) if value is not None else ""
    return _NEUTRALISED.sub("", text) if text.startswith("'") else text


def _texts(table: pd.DataFrame, name: str) -> pa.Array:
    """A column as `_cell` gives it, cell by cell; Python runs only on cells it would change."""
    series = table[name]
    try:
        values = pa.array(series, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        values = None
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values is None or not (
        pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
    ):
        return pa.array([_cell(v) for v in series.tolist()], pa.large_string())
    values = values.cast(pa.large_string())
    if values.null_count:
        values = pc.fill_null(values, "")
    if not _all_nfc(values):
        return pa.array([_cell(v) for v in values.to_pylist()], pa.large_string())
    return clean_column(values, _cell, inner=True)


def _span(values: pa.Array) -> tuple[pa.Buffer | None, int, int]:
    """The data buffer of a large_string array and where its cells' text starts and ends."""
    _, offsets, data = values.buffers()[:3]
    if data is None:
        return None, 0, 0
    bounds = np.frombuffer(offsets, dtype=np.int64)
    return data, int(bounds[values.offset]), int(bounds[values.offset + len(values)])


def _all_nfc(values: pa.Array) -> bool:
    """Tell whether every cell of a large_string array is NFC, with one check over its text."""
    # Any piece of an NFC text is NFC, so one check of the cells joined covers every cell.
    data, first, last = _span(values)
    return data is None or unicodedata.is_normalized(
        "NFC", str(memoryview(data)[first:last], "utf-8")
    )


def _any_match(values: pa.Array, pattern: str) -> bool:
    """Tell whether a one-character regex pattern occurs in any cell, with one search."""
    data, first, last = _span(values)
    if data is None:
        return False
    joined = pa.Array.from_buffers(
        pa.large_string(), 1, [None, pa.array([first, last], pa.int64()).buffers()[1], data]
    )
    return pc.any(pc.match_substring_regex(joined, pattern)).as_py()


def _records(table: pd.DataFrame, names: list[str]) -> list[tuple[int, dict[str, str]]]:
    rows = table[ROW_COLUMN].tolist()
    columns = {n: _texts(table, n).to_pylist() for n in names}
    return [(int(r), {n: columns[n][i] for n in names}) for i, r in enumerate(rows)]


def _shown(kind: Kind, table: pd.DataFrame) -> pd.DataFrame:
    """The rows as read, headed by the Vietnamese labels, for the preview."""
    out = table[[ROW_COLUMN, *[c.name for c in kind.columns]]].copy()
    return out.rename(columns={c.name: c.label for c in kind.columns})


def _report(progress: Progress | None, index: int, total: int) -> None:
    if progress is not None and total > 5000 and index % 5000 == 0:
        progress(0.2 + 0.7 * index / total, f"Đang kiểm tra dòng {index:,}/{total:,}…")


# A long list repeats the same few dates and labels: parse each once.
_date = functools.lru_cache(maxsize=4096)(parse_date)


def _duplicate(first_row: int) -> str:
    return f"Dòng này trùng với dòng {first_row}. Hãy xoá một trong hai dòng."


# --- people ------------------------------------------------------------------------------------

PEOPLE_COLUMNS = (
    ColumnSpec("ho_ten", True, ("Họ tên", "Họ và tên", "Tên cán bộ"), "Họ và tên"),
    ColumnSpec("chuc_vu", True, ("Chức danh",), "Chức vụ"),
    ColumnSpec("to", True, ("Tổ chuyên môn", "Tổ/Bộ phận", "Bộ phận"), "Tổ"),
    ColumnSpec("email", False, ("E-mail", "Thư điện tử"), "Email"),
    ColumnSpec("ngay_vao_nganh", False, (), "Ngày vào ngành"),
    ColumnSpec("ten_dang_nhap", False, ("Tài khoản", "username"), "Tên đăng nhập"),
    ColumnSpec("vai_tro", False, ("Quyền",), "Vai trò"),
)
_ROLE_WORDS: dict[str, str] = {
    **{code: code for code in ROLES},
    **{fold(label.split(" (")[0]): code for code, label in ROLES.items()},
    "quan tri": "admin",
    "quan tri vien": "admin",
    "giam khao": "examiner",
    "thanh vien hd": "examiner",
    "cbgvnv": "staff",
    "xem": "staff",
}
_ROLES_ACCEPTED = "; ".join(f"{code} ({ROLES[code].split(' (')[0]})" for code in ROLES)


def name_key(full_name: str) -> str:
    """Key that matches a person's name written with other case, spaces or Unicode form."""
    return nfc(full_name).casefold()


@dataclass
class _PeoplePlan:
    new_people: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)  # username, person (id or new index)
    roles: list[tuple[str, str]] = field(default_factory=list)
    new_accounts: int = 0


def check_people(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check a people list: names, dates, e-mails, usernames and roles; match people by name."""
    kind = KINDS["people"]
    label = {c.name: c.label for c in kind.columns}
    checked = Checked(kind="people", table=_shown(kind, table))
    problems = checked.problems
    existing: dict[str, list[tuple]] = {}
    for row in con.execute(
        "SELECT p.id, p.full_name, p.position, p.group_name, p.email, p.start_date, u.username "
        "FROM people p LEFT JOIN users u ON u.person_id = p.id ORDER BY p.id"
    ).fetchall():
        existing.setdefault(name_key(row[1]), []).append(row)
    owners = dict(con.execute("SELECT username, person_id FROM users").fetchall())
    held: dict[str, set[str]] = {}
    for username, role in con.execute("SELECT username, role FROM user_roles").fetchall():
        held.setdefault(username, set()).add(role)

    out = _PeoplePlan()
    seen_names: dict[str, int] = {}
    seen_users: dict[str, int] = {}
    records = _records(table, [c.name for c in kind.columns])
    for index, (row, cells) in enumerate(records):
        _report(progress, index, len(records))
        bad = len(problems)

        def problem(column: str, message: str, row: int = row) -> None:
            problems.append(Problem(row, label[column], message))

        name = cells["ho_ten"]
        key = name_key(name)
        if not name:
            problem("ho_ten", "Họ và tên đang trống.")
        elif key in seen_names:
            problem("ho_ten", _duplicate(seen_names[key]))
        else:
            seen_names[key] = row
        start, message = parse_date(cells["ngay_vao_nganh"])
        if message:
            problem("ngay_vao_nganh", message)
        email = cells["email"]
        if email and not _EMAIL.match(email):
            problem("email", f"Email “{email}” không hợp lệ (ví dụ: ten@truong.edu.vn).")
        username = cells["ten_dang_nhap"].lower()
        if username and not USERNAME.match(username):
            problem(
                "ten_dang_nhap",
                f"Tên đăng nhập “{username}” không hợp lệ: 2–32 ký tự gồm chữ thường không dấu, "
                "số, dấu chấm, gạch ngang hoặc gạch dưới.",
            )
        elif username in seen_users:
            problem("ten_dang_nhap", f"Tên đăng nhập “{username}” đã dùng ở dòng "
                    f"{seen_users[username]}.")  # fmt: skip
        elif username:
            seen_users[username] = row
        roles: list[str] = []
        for word in (w.strip() for w in cells["vai_tro"].split(";")):
            if not word:
                continue
            code = _ROLE_WORDS.get(fold(word))
            if code is None:
                problem("vai_tro", f"Vai trò “{word}” không có. Chỉ nhận: {_ROLES_ACCEPTED}.")
            elif code not in roles:
                roles.append(code)
        if roles and not username:
            problem("vai_tro", "Có vai trò nhưng không có tên đăng nhập: hãy ghi tên đăng nhập.")

        matches = existing.get(key, []) if name else []
        if len(matches) > 1:
            problem("ho_ten", f"Trong dữ liệu đã có {len(matches)} người tên “{name}”; "
                    "không biết cập nhật người nào.")  # fmt: skip
        person = matches[0] if len(matches) == 1 else None
        if username and username in owners and (person is None or owners[username] != person[0]):
            problem("ten_dang_nhap", f"Tên đăng nhập “{username}” đã là tài khoản của người khác.")
        if person is not None and person[6] and username and person[6] != username:
            problem(
                "ten_dang_nhap",
                f"{person[1]} đã có tài khoản “{person[6]}”; đổi tên đăng nhập không làm qua "
                "nhập tệp.",
            )
        if len(problems) > bad:
            continue

        fields = {
            "full_name": name,
            "position": cells["chuc_vu"],
            "group_name": cells["to"],
            "email": email,
            "start_date": start,
        }
        if person is None:
            out.new_people.append({"row": row, **fields})
            checked.added += 1
            if username:
                out.accounts.append({"username": username, "new": len(out.new_people) - 1})
                out.roles.extend((username, r) for r in roles or ["staff"])
            continue
        person_id, _, position, group_name, old_email, old_start, account = person
        # An empty cell keeps what is stored: a short list must not wipe details.
        current = {"position": position, "group_name": group_name, "email": old_email,
                   "start_date": old_start}  # fmt: skip
        wanted = {k: (fields[k] if fields[k] not in ("", None) else v) for k, v in current.items()}
        changed = wanted != current
        if changed:
            out.updates.append({"id": person_id, **wanted})
        if username and not account:
            out.accounts.append({"username": username, "id": person_id})
            out.roles.extend((username, r) for r in roles or ["staff"])
            changed = True
        elif username:
            # Roles are only added here; taking one away is done on the "Người dùng" page.
            missing = [r for r in roles if r not in held.get(username, set())]
            out.roles.extend((username, r) for r in missing)
            changed = changed or bool(missing)
        if changed:
            checked.updated += 1
        else:
            checked.unchanged += 1
    out.new_accounts = len(out.accounts)
    checked.payload = out
    return checked


def write_people(con: Connection, checked: Checked, actor: str) -> Summary:
    """Insert new people, update matched ones, create accounts without a password; in batches."""
    out: _PeoplePlan = checked.payload
    new_ids: list[int] = []
    if out.new_people:
        new_ids = [
            int(r[0])
            for r in con.execute(
                "SELECT nextval('people_id_seq') FROM range(?)", [len(out.new_people)]
            ).fetchall()
        ]
        frame = pd.DataFrame(out.new_people).assign(id=new_ids)
        frame["start_date"] = pd.to_datetime(frame["start_date"]).dt.date
        _insert(
            con,
            "INSERT INTO people (id, full_name, position, group_name, email, start_date) "
            "SELECT id, full_name, position, group_name, email, start_date::DATE FROM batch",
            frame,
        )
    if out.updates:
        frame = pd.DataFrame(out.updates)
        frame["start_date"] = pd.to_datetime(frame["start_date"]).dt.date
        _insert(
            con,
            "UPDATE people SET position = batch.position, group_name = batch.group_name, "
            " email = batch.email, start_date = batch.start_date::DATE "
            "FROM batch WHERE people.id = batch.id",
            frame,
        )
    if out.accounts:
        frame = pd.DataFrame(
            {
                "username": [a["username"] for a in out.accounts],
                "person_id": [a["id"] if "id" in a else new_ids[a["new"]] for a in out.accounts],
            }
        )
        # No password hash: the account cannot log in until an admin sets a password.
        _insert(
            con,
            "INSERT INTO users (username, person_id, password_hash) "
            "SELECT username, person_id, NULL FROM batch",
            frame,
        )
    if out.roles:
        frame = pd.DataFrame(out.roles, columns=["username", "role"])
        _insert(con, "INSERT INTO user_roles SELECT username, role FROM batch", frame)
    detail = ""
    if out.new_accounts:
        detail = (
            f"Tạo {out.new_accounts} tài khoản chưa có mật khẩu: quản trị viên đặt mật khẩu trên "
            "trang “Người dùng” trước khi họ đăng nhập."
        )
    return Summary("people", checked.added, checked.updated, checked.unchanged, detail)


def _insert(con: Connection, sql: str, frame: pd.DataFrame) -> None:
    """Run one set-based statement over a DataFrame registered as `batch`."""
    con.register("batch", frame)
    try:
        con.execute(sql)
    finally:
        con.unregister("batch")


def import_people(con: Connection, table: pd.DataFrame, actor: str) -> Summary:
    """Import a people table (columns already mapped) in one transaction, or raise Refused."""
    return _apply(con, "people", table, None, actor)


# --- tasks -------------------------------------------------------------------------------------

TASK_COLUMNS = (
    ColumnSpec("thoi_gian", True, ("Thời gian thực hiện", "Thời hạn", "Tháng"), "Thời gian"),
    ColumnSpec("noi_dung", True, ("Nội dung công việc", "Công việc", "Nhiệm vụ"), "Nội dung"),
    ColumnSpec(
        "bo_phan",
        True,
        ("Người thực hiện", "Bộ phận/Người thực hiện", "Đơn vị thực hiện", "Bộ phận"),
        "Bộ phận thực hiện",
    ),
    ColumnSpec("lanh_dao", True, ("Người phụ trách", "Phụ trách", "Chỉ đạo"), "Lãnh đạo phụ trách"),
    ColumnSpec("ghi_chu", False, ("Lưu ý",), "Ghi chú"),
    ColumnSpec("trang_thai", False, ("Tình trạng",), "Trạng thái"),
    ColumnSpec("han", False, ("Hạn hoàn thành", "Thời hạn hoàn thành", "Ngày hết hạn"), "Hạn"),
)
_STATUS_WORDS: dict[str, str] = {
    **{code: code for code in plans.STATUSES},
    **{fold(label): code for code, label in plans.STATUSES.items()},
    "da hoan thanh": "done",
    "xong": "done",
    "chua thuc hien": "todo",
    "dang lam": "doing",
    "da huy": "cancelled",
    "huy bo": "cancelled",
}
_STATUSES_ACCEPTED = ", ".join(f"“{label}”" for label in plans.STATUSES.values())


@functools.lru_cache(maxsize=1024)
def status_code(text: str) -> str | None:
    """The stored status for a Vietnamese label or code ("Hoàn thành" → done); None if unknown."""
    return _STATUS_WORDS.get(fold(text))


def find_plan(con: Connection, code: str | None) -> tuple[dict | None, Problem | None]:
    """The plan with this number, or a problem saying which plans exist."""
    codes = [r[0] for r in con.execute("SELECT code FROM plans ORDER BY id").fetchall()]
    known = ", ".join(codes) or "(chưa có kế hoạch nào)"
    if not code:
        return None, Problem(None, None, f"Hãy chọn kế hoạch để nhập công việc vào: {known}.")
    df = con.execute("SELECT * FROM plans WHERE code = ?", [nfc(code)]).df()
    if df.empty:
        return None, Problem(None, None, f"Không có kế hoạch số “{code}”. Các kế hoạch: {known}.")
    return df.iloc[0].to_dict(), None


def _plan_in(plan: dict) -> plans.PlanIn:
    issued = plan["issued_on"]
    return plans.PlanIn(
        code=plan["code"],
        title=plan["title"],
        issued_on=None if pd.isna(issued) else pd.Timestamp(issued).date(),
        year=None if pd.isna(plan["year"]) else int(plan["year"]),
        school_year=plan["school_year"] or "",
    )


def _task_key(period: str, content: str) -> tuple[str, str]:
    # Case and spacing are ignored, accents are not: "Lan" and "Lân" are different work.
    return nfc(period).casefold(), nfc(content).casefold()


# Characters whose casefold() differs from Arrow's utf8_lower (a superset; a test checks it),
# and "_", which nfc() turns into a space: keys of cells with them are made by _task_key.
_KEYED_IN_PYTHON = (
    r"[_\x{B5}\x{DF}\x{130}\x{149}\x{17F}\x{1F0}\x{345}-\x{3FF}\x{587}\x{13A0}-\x{13FF}"
    r"\x{1C80}-\x{1C8F}\x{1E96}-\x{1E9E}\x{1F00}-\x{1FFF}\x{A7C0}-\x{A7FF}\x{AB60}-\x{ABBF}"
    r"\x{FB00}-\x{FB17}\x{10D50}-\x{10D6F}\x{16EA0}-\x{16EBF}\x{1DF00}-\x{1DFFF}]"
)


def _folded(values: pa.Array) -> pa.Array:
    """One half of _task_key for every clean cell: nfc(cell).casefold(), mostly in Arrow."""
    lowered = pc.utf8_lower(values)
    if not _any_match(values, _KEYED_IN_PYTHON):  # the usual case: one search, not one a cell
        return lowered
    odd = pc.match_substring_regex(values, _KEYED_IN_PYTHON)
    fixed = [nfc(v).casefold() for v in values.filter(odd).to_pylist()]
    return pc.replace_with_mask(lowered, odd, pa.array(fixed, values.type))


def _joined_key(period: str, content: str) -> str:
    """A task key as one string; the period's length keeps ("a", "bc") apart from ("ab", "c")."""
    return f"{len(period)}\x00{period}\x00{content}"


def _joined_keys(period: pa.Array, content: pa.Array) -> pa.Array:
    """_joined_key of _task_key for every row of clean cells."""
    period, content = _folded(period), _folded(content)
    length = pc.cast(pc.utf8_length(period), pa.large_string())
    return pc.binary_join_element_wise(
        length, period, content, pa.scalar("\x00", pa.large_string())
    )


def _nfc_texts(values: pa.Array) -> pa.Array:
    """nfc() of every clean cell: only cells with "_" change (inner spaces are already single)."""
    odd = pc.match_substring(values, "_")
    if not pc.any(odd).as_py():
        return values
    fixed = [nfc(v) for v in values.filter(odd).to_pylist()]
    return pc.replace_with_mask(values, odd, pa.array(fixed, values.type))


def check_tasks(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check schedule rows for a plan: content, status, due date, duplicates; match by content."""
    kind = KINDS["tasks"]
    label = {c.name: c.label for c in kind.columns}
    checked = Checked(kind="tasks", table=_shown(kind, table))
    problems = checked.problems
    plan, missing = find_plan(con, target)
    if missing:
        problems.append(missing)
    existing: dict[str, tuple] = {}
    if plan is not None:
        for row in con.execute(
            "SELECT id, period_label, content, unit, leader, note, status, due_date "
            "FROM tasks WHERE plan_id = ? ORDER BY position",
            [int(plan["id"])],
        ).fetchall():
            existing.setdefault(_joined_key(*_task_key(row[1], row[2])), row)

    # Whole columns at once: a 100,000-row list is checked in Arrow, not row by row in Python.
    cells = {c.name: _texts(table, c.name) for c in kind.columns}
    rows = table[ROW_COLUMN].to_numpy(dtype=np.int64)
    count = len(rows)
    # A time cell merged down (or left blank) in Excel belongs to the rows below it.
    written = cells["thoi_gian"]
    blank = pa.scalar(None, written.type)
    period = pc.fill_null(
        pc.fill_null_forward(pc.if_else(pc.equal(written, ""), blank, written)), ""
    )
    content = cells["noi_dung"]
    keys = _joined_keys(period, content)
    empty = pc.equal(content, "").to_numpy(zero_copy_only=False)
    codes = pc.dictionary_encode(keys).indices.to_numpy()
    # Each key's first row with content; a later row with the same key repeats it.
    filled = np.flatnonzero(~empty)
    first_of_key = np.zeros(count, dtype=np.int64)
    found_codes, first_at = np.unique(codes[filled], return_index=True)
    first_of_key[found_codes] = filled[first_at]
    first = first_of_key[codes]
    duplicate = ~empty & (first != np.arange(count))

    # Statuses and dates repeat a few values: each distinct one is read once.
    statuses = pc.dictionary_encode(cells["trang_thai"])
    words = statuses.dictionary.to_pylist()
    stored = [status_code(w) if w else None for w in words]
    status_at = statuses.indices.to_numpy()
    bad_status = np.array([bool(w) and s is None for w, s in zip(words, stored, strict=True)],
                          dtype=bool)[status_at]  # fmt: skip
    dues = pc.dictionary_encode(cells["han"])
    parsed = [_date(w) for w in dues.dictionary.to_pylist()]
    due_at = dues.indices.to_numpy()
    bad_due = np.array([m is not None for _, m in parsed], dtype=bool)[due_at]

    bad = empty | duplicate | bad_status | bad_due
    for i in np.flatnonzero(bad).tolist():
        row = int(rows[i])
        if empty[i]:
            problems.append(Problem(row, label["noi_dung"], "Nội dung công việc đang trống."))
        elif duplicate[i]:
            problems.append(Problem(row, label["noi_dung"], _duplicate(int(rows[first[i]]))))
        if bad_status[i]:
            problems.append(
                Problem(
                    row,
                    label["trang_thai"],
                    f"Trạng thái “{words[status_at[i]]}” không có. Chỉ nhận: {_STATUSES_ACCEPTED}.",
                )
            )
        if bad_due[i]:
            problems.append(Problem(row, label["han"], parsed[due_at[i]][1]))

    olds = list(existing.values())
    match = np.full(count, -1, dtype=np.int64)
    if olds:
        known = pa.array(list(existing), pa.large_string())
        match = pc.fill_null(pc.index_in(keys, value_set=known), -1).to_numpy()
    updates: list[dict] = []
    matched = np.flatnonzero(~bad & (match >= 0))
    if len(matched):
        taken = pa.array(matched)
        units, leaders, notes = (cells[n].take(taken).to_pylist()
                                 for n in ("bo_phan", "lanh_dao", "ghi_chu"))  # fmt: skip
        for j, i in enumerate(matched.tolist()):
            task_id, _, _, unit, leader, note, old_status, old_due = olds[match[i]]
            # Empty cells keep what is stored, so a list without notes or statuses wipes nothing.
            current = (unit, leader, note, old_status, old_due)
            wanted = (
                units[j] or unit,
                leaders[j] or leader,
                notes[j] or note,
                stored[status_at[i]] or old_status,
                parsed[due_at[i]][0] or old_due,
            )
            if wanted == current:
                checked.unchanged += 1
            else:
                updates.append(dict(zip(("id", "unit", "leader", "note", "status", "due_date"),
                                        (task_id, *wanted), strict=True)))  # fmt: skip
                checked.updated += 1
    added = pa.array(np.flatnonzero(~bad & (match < 0)))
    new = pa.table(
        {
            "period_label": period.take(added),
            "content": content.take(added),
            "unit": cells["bo_phan"].take(added),
            "leader": cells["lanh_dao"].take(added),
            "note": cells["ghi_chu"].take(added),
            "status": pa.array([s or "todo" for s in stored], pa.large_string()).take(
                statuses.indices.take(added)
            ),
            "due_date": pa.array([d for d, _ in parsed], pa.date32()).take(
                dues.indices.take(added)
            ),
        }
    )
    checked.added = new.num_rows
    checked.payload = (plan, new, updates)
    return checked


def _append_tasks(con: Connection, plan: dict, new: pa.Table, actor: str) -> None:
    """Append checked rows to a plan in one statement, as plans.insert_tasks would store them."""
    if not new.num_rows:
        return
    plan_id, info = int(plan["id"]), _plan_in(plan)
    # fetchall, not fetchone: DuckDB refuses register() while a result is still open.
    ((offset,),) = con.execute(
        "SELECT coalesce(max(position), 0) FROM tasks WHERE plan_id = ?", [plan_id]
    ).fetchall()
    labels = pc.dictionary_encode(new["period_label"].combine_chunks())
    derived = [
        derive_dates(
            label,
            year=info.year,
            school_year=plans.school_year_start(info.school_year),
            fallback_start=info.issued_on,
        )
        for label in labels.dictionary.to_pylist()
    ]  # long lists repeat their labels: each is read once
    starts = pa.array([s for s, _ in derived], pa.date32()).take(labels.indices)
    dues = pa.array([d for _, d in derived], pa.date32()).take(labels.indices)
    texts = {n: _nfc_texts(new[n].combine_chunks()) for n in ("period_label", "content", "unit",
                                                             "leader", "note")}  # fmt: skip
    batch = pa.table(
        {
            "position": pa.array(np.arange(offset + 1, offset + new.num_rows + 1)),
            **texts,
            "start_date": starts,
            "due_date": pc.coalesce(new["due_date"].combine_chunks(), dues),
            "status": new["status"],
        }
    )
    con.register("new_tasks", batch)
    try:
        con.execute(
            "INSERT INTO tasks (plan_id, position, period_label, start_date, due_date, content,"
            " unit, leader, note, status, updated_by) "
            "SELECT ?, position, period_label, start_date, due_date, content, unit, leader, note,"
            " status, ? FROM new_tasks",
            [plan_id, actor],
        )
    finally:
        con.unregister("new_tasks")


def write_tasks(con: Connection, checked: Checked, actor: str) -> Summary:
    """Append the new tasks in one batch and update the matched ones in another."""
    plan, new, updates = checked.payload
    _append_tasks(con, plan, new, actor)
    if updates:
        frame = pd.DataFrame(updates).assign(actor=actor)
        frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
        _insert(
            con,
            "UPDATE tasks SET unit = batch.unit, leader = batch.leader, note = batch.note, "
            " done_on = CASE WHEN batch.status <> 'done' THEN NULL "
            "   WHEN tasks.status = 'done' THEN tasks.done_on ELSE current_date END, "
            " status = batch.status, due_date = batch.due_date::DATE, "
            " version = tasks.version + 1, updated_at = current_localtimestamp(), "
            " updated_by = batch.actor "
            "FROM batch WHERE tasks.id = batch.id",
            frame,
        )
    code = plan["code"]
    return Summary(
        "tasks", checked.added, checked.updated, checked.unchanged, f"Kế hoạch {code}.", code
    )


def import_tasks(con: Connection, table: pd.DataFrame, plan_code: str, actor: str) -> Summary:
    """Import schedule rows (columns already mapped) into a plan, or raise Refused."""
    return _apply(con, "tasks", table, plan_code, actor)


# --- plan (Word) -------------------------------------------------------------------------------


def read_plan(kind: Kind, data: bytes, filename: str) -> tuple[PlanDoc | None, list[Problem]]:
    """Read a Word plan; a file without its schedule table is refused."""
    problems = check_extension(kind, filename)
    if problems:
        return None, problems
    return parse_plan_docx(data)


def _school_year_of(day: date) -> str:
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


def check_plan(
    con: Connection, doc: PlanDoc, target: str | None, progress: Progress | None
) -> Checked:
    """Check a Word plan: its number is read and new; every schedule row becomes a task."""
    checked = Checked(kind="plan")
    if not doc.code:
        checked.problems.append(
            Problem(
                None,
                "Số kế hoạch",
                "Không đọc được số kế hoạch (dòng “Số: 13/KH-…”). Hãy kiểm tra phần đầu văn bản.",
            )  # fmt: skip
        )
    elif con.execute("SELECT 1 FROM plans WHERE code = ?", [nfc(doc.code)]).fetchall():
        checked.problems.append(
            Problem(None, "Số kế hoạch", f"Đã có kế hoạch số {doc.code}; không nhập lại.")
        )
    title = doc.title
    if not title:
        title = f"Kế hoạch số {doc.code or ''}".strip()
        checked.warnings.append(
            Problem(None, "Tên kế hoạch", f"Không đọc được tên kế hoạch; sẽ dùng “{title}”.")
        )
    if doc.issued_on is None:
        checked.warnings.append(
            Problem(
                None,
                "Ngày ban hành",
                "Không đọc được ngày ban hành (“…, ngày … tháng … "
                "năm …”); các mốc thời gian không ghi năm sẽ không có hạn.",
            )  # fmt: skip
        )
    plan = plans.PlanIn(
        code=doc.code or "",
        title=title,
        unit=doc.unit or "",
        parent_unit=doc.parent_unit or "",
        place=doc.place or "",
        issued_on=doc.issued_on,
        signer=doc.signer or "",
        signer_title=doc.signer_title or "",
        year=doc.issued_on.year if doc.issued_on else None,
        school_year=_school_year_of(doc.issued_on) if doc.issued_on else "",
        body=doc.body,
    )
    tasks = [
        plans.TaskIn(r.period, r.content, r.unit, r.leader, r.note) for r in doc.rows
    ]  # fmt: skip
    dates = [
        derive_dates(
            t.period_label,
            year=plan.year,
            school_year=plans.school_year_start(plan.school_year),
            fallback_start=plan.issued_on,
        )
        for t in tasks
    ]
    checked.table = pd.DataFrame(
        {
            ROW_COLUMN: [r.source_row for r in doc.rows],
            "Thời gian": [t.period_label for t in tasks],
            "Nội dung": [t.content for t in tasks],
            "Bộ phận thực hiện": [t.unit for t in tasks],
            "Lãnh đạo phụ trách": [t.leader for t in tasks],
            "Ghi chú": [t.note for t in tasks],
            "Bắt đầu": [_dmy(d[0]) for d in dates],
            "Hạn": [_dmy(d[1]) for d in dates],
        }
    )
    checked.added = len(tasks)
    checked.payload = (plan, tasks)
    return checked


def _dmy(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def write_plan(con: Connection, checked: Checked, actor: str) -> Summary:
    """Create the plan with its schedule (dates derived from the period labels)."""
    plan, tasks = checked.payload
    plans.insert_plan(con, plan, tasks, actor)
    return Summary("plan", len(tasks), 0, 0, f"Đã tạo kế hoạch số {plan.code}.", plan.code)


def import_plan(con: Connection, doc: PlanDoc, actor: str) -> Summary:
    """Create a plan from a parsed Word document in one transaction, or raise Refused."""
    return _apply(con, "plan", doc, None, actor)


register(
    Kind(
        name="people",
        label="Danh sách cán bộ, giáo viên",
        extensions=(".xlsx", ".csv", ".txt"),
        read=read_columns,
        check=check_people,
        write=write_people,
        columns=PEOPLE_COLUMNS,
        example=(
            "Nguyễn Thị Lan",
            "Giáo viên",
            "Tổ Mẫu giáo lớn",
            "lan.nt@truong.edu.vn",
            "01/09/2015",
            "lannt",
            "staff",
        ),  # fmt: skip
        help="Người trùng họ tên (không phân biệt hoa thường) được cập nhật; có tên đăng nhập "
        "thì tạo tài khoản chưa có mật khẩu. Vai trò: admin, examiner, staff, cách nhau bằng “;”.",
    )
)
register(
    Kind(
        name="tasks",
        label="Công việc của một kế hoạch",
        extensions=(".xlsx", ".csv", ".txt"),
        read=read_columns,
        check=check_tasks,
        write=write_tasks,
        columns=TASK_COLUMNS,
        example=(
            "Tháng 9/2024",
            "Xây dựng kế hoạch thi đua năm học 2024-2025",
            "HĐTĐKT",
            "Đ/c Quyên – Chủ tịch HĐ",
            "",
            "Chưa bắt đầu",
            "30/09/2024",
        ),  # fmt: skip
        target="plan",
        help="Ô “Thời gian” để trống thì lấy theo dòng trên. Việc trùng thời gian và nội dung "
        "với việc đã có thì được cập nhật. Trạng thái: " + _STATUSES_ACCEPTED + ".",
    )
)
register(
    Kind(
        name="plan",
        label="Kế hoạch (tệp Word)",
        extensions=(".docx",),
        read=read_plan,
        check=check_plan,
        write=write_plan,
        help="Tệp Word (.docx) như Kế hoạch 13/KH-MNAS: đọc số, ngày, tên, người ký và biểu "
        "tiến độ; mỗi dòng của biểu thành một công việc.",
    )
)


# --- scoring rounds: skkn, scores, rubric -----------------------------------------------------


def round_choices(con: Connection) -> dict[str, str]:
    """Every scoring round by id with its name, year and state, for the picker."""
    ids = [r[0] for r in con.execute("SELECT id FROM rounds ORDER BY id DESC").fetchall()]
    return {str(i): r.label for i in ids if (r := rounds.get_round(con, int(i))) is not None}


def find_round(con: Connection, key: str | None) -> tuple[rounds.Round | None, Problem | None]:
    """The round with this id or name, or a problem saying which rounds exist."""
    known = ", ".join(f"{k} ({v})" for k, v in round_choices(con).items())
    known = known or "(chưa có đợt chấm nào)"
    if not key:
        return None, Problem(None, None, f"Hãy chọn đợt chấm để nhập vào: {known}.")
    try:
        return rounds.find_round(con, key), None
    except Invalid:
        return None, Problem(None, None, f"Không có đợt chấm “{key}”. Các đợt chấm: {known}.")


def _round_problem(r: rounds.Round, what: str) -> Problem | None:
    if r.state == "final":
        return Problem(None, None, f"Kết quả đợt chấm “{r.name}” đã công bố: mọi thứ đã khóa, "
                       f"không nhập {what} được (mở lại đợt để sửa).")  # fmt: skip
    return None


SKKN_COLUMNS = (
    ColumnSpec("ma_skkn", False, ("Mã", "Mã số", "Mã sáng kiến", "Số TT SKKN"), "Mã SKKN"),
    ColumnSpec("ten_skkn", True, ("Tên sáng kiến", "Tên đề tài", "Tên SKKN"), "Tên SKKN"),
    ColumnSpec("tac_gia", True, ("Tác giả", "Họ tên tác giả", "Người viết"), "Tác giả"),
    ColumnSpec("linh_vuc", False, ("Môn", "Lĩnh vực", "Môn/Lĩnh vực"), "Lĩnh vực"),
    ColumnSpec("to", False, ("Tổ chuyên môn", "Tổ/Bộ phận", "Bộ phận"), "Tổ"),
)


def _author_tuple(authors: Any) -> list[tuple]:
    return [(a.name, a.share, a.person_id) for a in authors]


def check_skkn(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check an SKKN list for a round: titles, authors and shares, codes; match codes and names."""
    kind = KINDS["skkn"]
    label = {c.name: c.label for c in kind.columns}
    checked = Checked(kind="skkn", table=_shown(kind, table))
    problems = checked.problems
    r, missing = find_round(con, target)
    if r is None:
        problems.append(missing)  # type: ignore[arg-type]
        return checked
    if (locked := _round_problem(r, "SKKN")) is not None:
        problems.append(locked)
    existing = {e.code.casefold(): e for e in rounds.round_entries(con, r.id)}
    taken = set(existing)
    records = _records(table, [c.name for c in kind.columns])
    taken |= {cells["ma_skkn"].casefold() for _, cells in records if cells["ma_skkn"]}
    number = int(rounds.next_code(con, r.id).split("-")[1])
    new: list[dict] = []
    updates: list[dict] = []
    seen: dict[str, int] = {}
    for index, (row, cells) in enumerate(records):
        _report(progress, index, len(records))
        bad = len(problems)

        def problem(column: str, message: str, row: int = row) -> None:
            problems.append(Problem(row, label[column], message))

        code = cells["ma_skkn"]
        if not code:
            # A code left empty is generated, skipping every code the round or file already has.
            while (code := f"SKKN-{number:03d}").casefold() in taken:
                number += 1
            taken.add(code.casefold())
        old = existing.get(code.casefold())
        if code.casefold() in seen:
            problem("ma_skkn", _duplicate(seen[code.casefold()]))
        else:
            seen[code.casefold()] = row
            message = rounds.check_code(con, r.id, code, old.id if old else None)
            if message:
                problem("ma_skkn", message)
        if old is None and r.state not in ("draft", "open"):
            problem("ma_skkn", f"Đợt chấm {r.state_label.lower()}: không đăng ký thêm SKKN được.")
        if not cells["ten_skkn"]:
            problem("ten_skkn", "Tên SKKN đang trống.")
        authors, errors = rounds.check_authors(con, rounds.parse_authors_text(cells["tac_gia"]))
        for message in errors.values():
            problem("tac_gia", message)
        if not errors and old is not None:
            clash = rounds.examiner_authors(con, old.id, authors)
            if clash:
                problem("tac_gia", f"{', '.join(clash)} đang được phân công chấm SKKN {code} nên "
                        "không thể là tác giả: bỏ phân công trước.")  # fmt: skip
        if len(problems) > bad:
            continue
        for a in authors:
            if a.person_id is None:
                checked.warnings.append(
                    Problem(row, label["tac_gia"], f"Không tìm thấy “{a.name}” trong danh sách "
                            "cán bộ (hoặc có nhiều người trùng tên): giữ nguyên tên như đã ghi.")
                )  # fmt: skip
        fields = {"code": code, "title": cells["ten_skkn"], "authors": authors,
                  "field": cells["linh_vuc"], "group_name": cells["to"]}  # fmt: skip
        if old is None:
            new.append(fields)
            continue
        # The stored code's case is kept; empty cells keep what is stored, so a list without
        # fields or groups wipes nothing.
        fields["code"] = code = old.code
        fields["field"] = fields["field"] or old.field
        fields["group_name"] = fields["group_name"] or old.group_name
        current = (old.code, old.title, old.field, old.group_name, _author_tuple(old.authors))
        wanted = (code, fields["title"], fields["field"], fields["group_name"],
                  _author_tuple(authors))  # fmt: skip
        if wanted == current:
            checked.unchanged += 1
        else:
            updates.append({"id": old.id, **fields})
            checked.updated += 1
    checked.added = len(new)
    checked.payload = (r, new, updates)
    return checked


def _authors_in(authors: Any) -> list[rounds.AuthorIn]:
    return [rounds.AuthorIn(a.name, a.share, a.person_id) for a in authors]


def write_skkn(con: Connection, checked: Checked, actor: str) -> Summary:
    """Register the new entries and change the matched ones, through the rounds rules."""
    r, new, updates = checked.payload
    # Entries are a few hundred at most: the rounds functions (with their audit) run per row.
    for f in new:
        rounds.add_entry(
            con, r.id, actor, title=f["title"], authors=_authors_in(f["authors"]),
            code=f["code"], field=f["field"], group_name=f["group_name"],
        )  # fmt: skip
    for f in updates:
        rounds.update_entry(con, f["id"], actor, title=f["title"], code=f["code"],
                            authors=_authors_in(f["authors"]), field=f["field"],
                            group_name=f["group_name"])  # fmt: skip
    return Summary("skkn", checked.added, checked.updated, checked.unchanged,
                   f"Đợt chấm “{r.name}”.", str(r.id))  # fmt: skip


SCORE_COLUMNS = (
    ColumnSpec("ma_skkn", True, ("Mã", "Mã số", "Mã sáng kiến"), "Mã SKKN"),
    ColumnSpec("giam_khao", True, ("Tên đăng nhập", "Tài khoản", "Người chấm"), "Giám khảo"),
    ColumnSpec("tieu_chi", True, ("Mã tiêu chí",), "Tiêu chí"),
    ColumnSpec("diem", True, ("Điểm chấm", "Điểm số"), "Điểm"),
    ColumnSpec("nhan_xet", False, ("Ghi chú", "Nhận xét chung"), "Nhận xét"),
)
# The wide form: one row per sheet, one column per criterion code, the comment is the overall one.
_WIDE_COLUMNS = tuple(c for c in SCORE_COLUMNS if c.name not in ("tieu_chi", "diem"))


@dataclass
class ScoreFile:
    """A scores file as read: long (one row per score) or wide (one row per sheet)."""

    form: str  # "long" or "wide"
    table: pd.DataFrame
    criteria: list[str] = field(default_factory=list)  # wide form: the other headers


def read_scores(kind: Kind, data: bytes, filename: str) -> tuple[ScoreFile | None, list[Problem]]:
    """Read a scores file; a "Tiêu chí" header means the long form, else one column a criterion."""
    df, problems = read_upload(kind, data, filename)
    if df is None:
        return None, problems
    keys = {normalize_header(str(c)) for c in df.columns}
    if keys & {normalize_header(a) for a in ("tieu_chi", "Tiêu chí", "Mã tiêu chí")}:
        table, problems = map_columns(df, list(SCORE_COLUMNS))
        return (ScoreFile("long", table) if table is not None else None), problems
    table, problems = map_columns(df, list(_WIDE_COLUMNS))
    if table is None:
        return None, problems
    known = {c.name for c in _WIDE_COLUMNS} | {ROW_COLUMN}
    criteria = [str(c) for c in table.columns if c not in known]
    return ScoreFile("wide", table, criteria), []


def _criterion_code(r: rounds.Round, text: str) -> str | None:
    codes = {c.code.casefold(): c.code for c in r.rubric.criteria}
    return codes.get(nfc(text).replace(" ", "").casefold())


def _distinct(table: pd.DataFrame, name: str) -> tuple[np.ndarray, list[str]]:
    """A column as codes into its distinct cells, each cleaned once (a long file repeats them)."""
    codes, uniques = pd.factorize(table[name], use_na_sentinel=False)
    return codes.astype(np.int64), [_cell(u) for u in uniques.tolist()]


def _pick(values: list, codes: np.ndarray, dtype: Any = np.int64) -> np.ndarray:
    """values[code] for each code, as an array."""
    return np.asarray(values, dtype=dtype).reshape(-1)[codes] if len(codes) else codes.astype(dtype)


def _strings(values: list[str], codes: np.ndarray) -> pd.Series:
    """values[code] for each code as plain Python strings, which DuckDB reads as they are."""
    return pd.Series(_pick(values, codes, object), dtype=object)


@dataclass
class _Sheets:
    """The file's sheets in the order they first appear, and their score cells.

    A sheet is one examiner's scores for one entry; a cell is one criterion of a sheet with the
    file row and column it was read from (where a problem with it is shown)."""

    entry: np.ndarray  # index into the round's entries
    user: np.ndarray  # index into the file's usernames
    row: np.ndarray  # the sheet's first row
    overall: list[str]  # wide form: the row's comment
    cell_sheet: np.ndarray
    cell_crit: np.ndarray  # index into the rubric's criteria
    cell_value: np.ndarray  # index into values
    cell_note: np.ndarray  # index into notes
    cell_row: np.ndarray
    cell_column: np.ndarray  # index into columns
    values: list[str]
    notes: list[str]
    columns: list[str]


@dataclass(frozen=True)
class _SheetState:
    """What permissions.why_cannot_import_sheet looks at, read for every sheet at once."""

    examiner: str
    examiner_is_author: bool
    entry_withdrawn: bool
    round_state: str


@dataclass(frozen=True)
class _ScoresPlan:
    """The checked sheets to write, in file order (see scoring_sheets.store_submitted_sheets)."""

    round: rounds.Round
    sheets: pd.DataFrame  # entry_id, code, examiner, assign, overall
    scores: pd.DataFrame  # sheet, criterion, value, comment


def check_scores(
    con: Connection, parsed: ScoreFile, target: str | None, progress: Progress | None
) -> Checked:
    """Check typed-up paper sheets with every rule of the scoring sheet; find who to assign."""
    long = parsed.form == "long"
    specs = SCORE_COLUMNS if long else _WIDE_COLUMNS
    label = {c.name: c.label for c in specs}
    table = parsed.table
    shown = table[[ROW_COLUMN, *[c.name for c in specs], *parsed.criteria]]
    checked = Checked(kind="scores", table=shown.rename(columns=label))
    problems = checked.problems
    r, missing = find_round(con, target)
    if r is None:
        problems.append(missing)  # type: ignore[arg-type]
        return checked
    if (locked := _round_problem(r, "phiếu chấm")) is not None:
        problems.append(locked)
        return checked
    header_row = int(table.attrs.get("header_row", 1))
    columns: dict[str, str] = {}  # wide form: criterion code -> header as written
    for header in parsed.criteria:
        code = _criterion_code(r, header)
        if code is None:
            codes = ", ".join(c.code for c in r.rubric.criteria)
            message = f"Cột “{header}” không phải mã tiêu chí của mẫu phiếu “{r.rubric.name}”."
            problems.append(Problem(header_row, header, f"{message} Các mã: {codes}."))
        elif code in columns:
            problems.append(Problem(header_row, header, f"Hai cột cùng là tiêu chí {code}."))
        else:
            columns[code] = header
    if not long and not parsed.criteria:
        problems.append(Problem(header_row, None, "Không có cột điểm nào: hãy có cột “Tiêu chí” "
                                "và “Điểm”, hoặc mỗi tiêu chí một cột (I.1, I.2…)."))  # fmt: skip
    # A long file is ~150,000 rows and ~15,000 sheets: the rows are checked as arrays (each
    # distinct cell once), the round is read in a few queries, and Problems are made only for
    # the rows and sheets that have one, in the order the row-by-row check gave them.
    entries = rounds.round_entries(con, r.id)
    _tell(progress, 0.3, f"Đang kiểm tra {len(table):,} dòng…")
    sheets, usernames = _score_rows(con, r, table, long, columns, entries, label, problems)
    _tell(progress, 0.5, f"Đang kiểm tra {len(sheets.entry):,} phiếu chấm…")
    checks = _check_sheets(con, r, sheets, entries, usernames, problems)
    _tell(progress, 0.7, "Đang so với các phiếu đã lưu…")
    plan = _planned_sheets(r, sheets, checks, entries, usernames)
    states = np.asarray(
        scoring_sheets.submitted_states(con, plan.sheets, plan.scores), dtype=object
    )
    checked.added = int((states == "new").sum())
    checked.updated = int((states == "replace").sum())
    checked.unchanged = int((states == "same").sum())
    if checked.unchanged:
        # Sheets already submitted with these very scores are left alone (not audited again).
        keep = np.flatnonzero(states != "same")
        renumber = np.full(len(states), -1, dtype=np.int64)
        renumber[keep] = np.arange(len(keep))
        scores = plan.scores[np.isin(plan.scores["sheet"].to_numpy(), keep)]
        scores = scores.assign(sheet=renumber[scores["sheet"].to_numpy()])
        plan = _ScoresPlan(r, plan.sheets.iloc[keep].reset_index(drop=True), scores)
    checked.payload = plan
    return checked


def _active_examiners(con: Connection) -> set[str]:
    """Usernames of active examiner accounts (what rounds.require_examiner accepts)."""
    rows = con.execute(
        "SELECT u.username FROM users u JOIN people p ON p.id = u.person_id "
        "JOIN user_roles r ON r.username = u.username AND r.role = 'examiner' WHERE u.active"
    ).fetchall()
    return {u for (u,) in rows}


def _score_rows(
    con: Connection,
    r: rounds.Round,
    table: pd.DataFrame,
    long: bool,
    columns: dict[str, str],
    entries: list[rounds.Entry],
    label: dict[str, str],
    problems: list[Problem],
) -> tuple[_Sheets, list[str]]:
    """Check each row's entry, examiner, criterion and duplicates; gather rows into sheets."""
    rows = table[ROW_COLUMN].to_numpy(dtype=np.int64)
    by_code = {e.code.casefold(): i for i, e in enumerate(entries)}
    code_of, codes = _distinct(table, "ma_skkn")
    entry_of = _pick([by_code.get(c.casefold(), -1) for c in codes], code_of)
    # Usernames are matched in lower case; a refusal quotes the name as first written.
    raw_of, written = _distinct(table, "giam_khao")
    index: dict[str, int] = {}
    first_written: list[str] = []
    for text in written:
        if text.lower() not in index:
            index[text.lower()] = len(first_written)
            first_written.append(text)
    user_of = _pick([index[t.lower()] for t in written], raw_of)
    usernames = list(index)
    active = _active_examiners(con)
    refusals = [
        None if u in active else (
            f"Không có giám khảo “{w}”: ghi tên đăng nhập của một tài khoản giám khảo đang "
            "hoạt động." if u else "Giám khảo đang trống."
        )
        for u, w in zip(usernames, first_written, strict=True)
    ]  # fmt: skip
    user_bad = _pick([m is not None for m in refusals], user_of, bool)
    valid = (entry_of >= 0) & ~user_bad
    at = np.flatnonzero(valid)  # rows that belong to a sheet
    width = max(len(usernames), 1)
    sheet_of, keys = pd.factorize(entry_of[at] * width + user_of[at])
    sheet_of = sheet_of.astype(np.int64)
    keys = np.asarray(keys, dtype=np.int64)
    first = at[np.unique(sheet_of, return_index=True)[1]]
    sheet_row = rows[first]
    later: dict[int, tuple[str, str]] = {}  # row position -> (column, message) after the two
    note_of, notes = _distinct(table, "nhan_xet")
    if long:
        crit_index = {c.code: i for i, c in enumerate(r.rubric.criteria)}
        crit_raw, crit_texts = _distinct(table, "tieu_chi")
        crit_at = _pick([crit_index.get(_criterion_code(r, t) or "", -1) for t in crit_texts],
                        crit_raw)[at]  # fmt: skip
        known = crit_at >= 0
        for pos in at[~known]:
            later[int(pos)] = ("tieu_chi", f"Tiêu chí “{crit_texts[crit_raw[pos]]}” không có "
                               f"trong mẫu phiếu “{r.rubric.name}”.")  # fmt: skip
        key = sheet_of[known] * len(crit_index) + crit_at[known]
        repeated = pd.Series(key).duplicated().to_numpy()
        if repeated.any():
            firsts = pd.Series(at[known]).groupby(key).transform("first").to_numpy()
            for pos, f in zip(at[known][repeated], firsts[repeated], strict=True):
                later[int(pos)] = ("tieu_chi", _duplicate(int(rows[f])))
        kept = at[known][~repeated]
        value_of, values = _distinct(table, "diem")
        sheets = _Sheets(
            entry=keys // width, user=keys % width, row=sheet_row, overall=[""] * len(keys),
            cell_sheet=sheet_of[known][~repeated], cell_crit=crit_at[known][~repeated],
            cell_value=value_of[kept], cell_note=note_of[kept], cell_row=rows[kept],
            cell_column=np.zeros(len(kept), dtype=np.int64), values=values, notes=notes,
            columns=[label["diem"]],
        )  # fmt: skip
    else:
        repeated = pd.Series(sheet_of).duplicated().to_numpy()
        for pos, s in zip(at[repeated], sheet_of[repeated], strict=True):
            e, u = divmod(int(keys[s]), width)
            message = f"Phiếu của {usernames[u]} cho {entries[e].code} đã có ở dòng {sheet_row[s]}."
            later[int(pos)] = ("giam_khao", f"{message} Hãy xoá một trong hai dòng.")
        kept, kept_sheet = at[~repeated], sheet_of[~repeated]
        crit_index = {c.code: i for i, c in enumerate(r.rubric.criteria)}
        values, parts = [], []
        for n, (code, header) in enumerate(columns.items()):
            value_of, texts = _distinct(table, header)
            parts.append((crit_index[code], value_of[kept] + len(values), n))
            values += texts
        sheets = _Sheets(
            entry=keys // width, user=keys % width, row=sheet_row,
            overall=[notes[note_of[p]] for p in first],
            cell_sheet=np.concatenate([kept_sheet for _ in parts] or [kept_sheet[:0]]),
            cell_crit=np.concatenate([np.full(len(kept), c) for c, _, _ in parts] or [kept[:0]]),
            cell_value=np.concatenate([v for _, v, _ in parts] or [kept[:0]]),
            cell_note=np.full(len(kept) * len(parts), -1, dtype=np.int64),
            cell_row=np.concatenate([rows[kept] for _ in parts] or [kept[:0]]),
            cell_column=np.concatenate([np.full(len(kept), n) for _, _, n in parts] or [kept[:0]]),
            values=values, notes=notes, columns=list(columns.values()),
        )  # fmt: skip
    flagged = set(np.flatnonzero(~valid).tolist()) | set(later)
    for pos in sorted(flagged):
        row = int(rows[pos])
        if entry_of[pos] < 0:
            code = codes[code_of[pos]]
            message = f"Không có SKKN mã “{code}” trong đợt chấm “{r.name}”."
            message = message if code else "Mã SKKN đang trống."
            problems.append(Problem(row, label["ma_skkn"], message))
        if (refusal := refusals[user_of[pos]]) is not None:
            problems.append(Problem(row, label["giam_khao"], refusal))
        if pos in later:
            column, message = later[pos]
            problems.append(Problem(row, label[column], message))
    return sheets, usernames


@dataclass(frozen=True)
class _SheetChecks:
    """What the sheet checks found: which sheets pass, and their checked cells."""

    good: np.ndarray  # per sheet
    assigned: np.ndarray  # per sheet
    points: list[str]  # per distinct (criterion, points): checked points as text
    cell_points: np.ndarray  # per cell: index into points
    notes: list[str]  # per distinct note: as the sheet keeps it


def _author_keys(con: Connection, entries: list[rounds.Entry], usernames: list[str]) -> set:
    """(entry, user) index pairs where the account's person wrote the entry (rounds.is_author)."""
    users = {u: i for i, u in enumerate(usernames)}
    by_person: dict[int, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    for username, person_id, full_name in con.execute(
        "SELECT u.username, u.person_id, p.full_name FROM users u "
        "JOIN people p ON p.id = u.person_id"
    ).fetchall():
        if username in users:
            by_person.setdefault(int(person_id), []).append(users[username])
            by_name.setdefault(fold(full_name), []).append(users[username])
    width = max(len(usernames), 1)
    found = set()
    for i, e in enumerate(entries):
        for a in e.authors:
            named = by_person.get(a.person_id, []) if a.person_id is not None else (
                by_name.get(fold(a.name), []))  # fmt: skip
            found.update(i * width + u for u in named)
    return found


def _check_sheets(
    con: Connection,
    r: rounds.Round,
    sheets: _Sheets,
    entries: list[rounds.Entry],
    usernames: list[str],
    problems: list[Problem],
) -> _SheetChecks:
    """Apply the scoring sheet's rules (scoring_sheets.check_sheet) and who may score (the import's
    permission, the assignment rules) to every sheet; problems name their rows and columns."""
    count, criteria = len(sheets.entry), r.rubric.criteria
    width = max(len(usernames), 1)
    key = sheets.entry * width + sheets.user
    # Points: each distinct (criterion, points) is checked once.
    span = max(len(sheets.values), 1)
    pair_of, pairs = pd.factorize(sheets.cell_crit * span + sheets.cell_value)
    points, wrong = [], []
    for p in pairs:
        crit, value = divmod(int(p), span)
        raw = sheets.values[value]
        clean, problem = (
            scoring_sheets.check_points(r.rubric, criteria[crit].code, raw) if raw else (None, None)
        )
        points.append(str(clean) if clean is not None else "")
        wrong.append(problem)
    filled = _pick([bool(v) for v in sheets.values], sheets.cell_value, bool)
    missing = np.bincount(sheets.cell_sheet[filled], minlength=count) < len(criteria)
    bad_points = _pick([w is not None for w in wrong], pair_of.astype(np.int64), bool)
    # Cells are NFC with single spaces already: the sheet's nfc only changes "_" in a comment.
    kept_notes = [scoring_sheets.check_note("", t)[0] if "_" in t else t for t in sheets.notes] + [
        ""
    ]
    note_at = np.where(sheets.cell_note >= 0, sheets.cell_note, len(sheets.notes))
    long_note = _pick([len(n) > scoring_sheets.MAX_COMMENT for n in kept_notes], note_at, bool)
    overall_of, overall_texts = pd.factorize(np.asarray(sheets.overall, dtype=object))
    overall = [scoring_sheets.check_overall(t) for t in overall_texts.tolist()]
    bad_overall = _pick([p is not None for _, p in overall], overall_of.astype(np.int64), bool)
    # Who may score: authors, withdrawn entries, the round's state; then assignment rules.
    by_id = {e.id: i for i, e in enumerate(entries)}
    users = {u: i for i, u in enumerate(usernames)}

    def pairs_of(sql: str) -> dict[int, tuple]:
        found = {}
        for entry_id, examiner, *rest in con.execute(sql, [r.id]).fetchall():
            if examiner in users and entry_id in by_id:
                found[by_id[entry_id] * width + users[examiner]] = tuple(rest)
        return found

    assigned_keys = pairs_of(
        "SELECT a.entry_id, a.examiner FROM assignments a JOIN entries e ON e.id = a.entry_id "
        "WHERE e.round_id = ?"
    )
    conflicts = pairs_of(
        "SELECT c.entry_id, c.examiner, c.kind, c.note FROM conflicts c "
        "JOIN entries e ON e.id = c.entry_id WHERE e.round_id = ?"
    )
    author = np.isin(key, list(_author_keys(con, entries, usernames)))
    withdrawn = _pick([e.withdrawn for e in entries], sheets.entry, bool)
    refused = author | withdrawn | (r.state not in ("open", "closed"))
    assigned = np.isin(key, list(assigned_keys))
    conflict = np.isin(key, list(conflicts))
    unassignable = ~refused & ~assigned & ((r.state not in ("draft", "open")) | conflict)
    cell_bad = bad_points | long_note
    bad = refused | unassignable | missing | bad_overall
    bad |= np.bincount(sheets.cell_sheet[cell_bad], minlength=count) > 0
    details = _SheetChecks(~bad, assigned, points, pair_of.astype(np.int64), kept_notes[:-1])
    if bad.any():
        context = (author, withdrawn, refused, unassignable, conflicts, filled, bad_points,
                   long_note, [overall[i] for i in overall_of], wrong)  # fmt: skip
        _sheet_problems(r, sheets, details, entries, usernames, bad, context, problems)
    return details


def _sheet_problems(
    r: rounds.Round,
    sheets: _Sheets,
    details: _SheetChecks,
    entries: list[rounds.Entry],
    usernames: list[str],
    bad: np.ndarray,
    context: tuple,
    problems: list[Problem],
) -> None:
    """The problems of the sheets that have some, in file order, as the sheet-by-sheet check
    worded and placed them: who may score, missing criteria, then points and comments."""
    author, withdrawn, refused, unassignable, conflicts, filled, bad_points, long_note, overall, \
        wrong = context  # fmt: skip
    kind = KINDS["scores"]
    examiner_column, criterion_column = kind.spec("giam_khao").label, kind.spec("tieu_chi").label
    criteria = r.rubric.criteria
    width = max(len(usernames), 1)
    cells: dict[int, list[int]] = {}
    for i in np.flatnonzero(bad[sheets.cell_sheet]):
        cells.setdefault(int(sheets.cell_sheet[i]), []).append(int(i))
    for s in np.flatnonzero(bad):
        e, examiner, row = entries[sheets.entry[s]], usernames[sheets.user[s]], int(sheets.row[s])
        if refused[s]:
            state = _SheetState(examiner, bool(author[s]), bool(withdrawn[s]), r.state)
            refusal = why_cannot_import_sheet(state)
            problems.append(Problem(row, examiner_column, f"Phiếu {e.code}: {refusal}"))
        elif unassignable[s]:
            # The words of rounds.assign_problem (authors and withdrawn entries are refused above).
            if r.state not in ("draft", "open"):
                reason = f"Đợt chấm {r.state_label.lower()}: không phân công được."
            else:
                kind_code, note = conflicts[int(sheets.entry[s]) * width + int(sheets.user[s])]
                said = f"có xung đột lợi ích ({rounds.CONFLICT_KINDS[kind_code].lower()}"
                said += f": {note})" if note else ")"
                reason = f"Không phân công {examiner} chấm {e.code}: {examiner} {said}."
            problems.append(Problem(row, examiner_column, reason))
        mine = cells.get(int(s), [])
        have = {int(sheets.cell_crit[i]) for i in mine if filled[i]}
        missing = [c.code for n, c in enumerate(criteria) if n not in have]
        if missing:
            # One message per sheet, not one per criterion: a forgotten row is one mistake.
            listed = ", ".join(missing)
            message = f"Phiếu của {examiner} cho {e.code} thiếu điểm {len(missing)} tiêu chí: "
            problems.append(Problem(row, criterion_column, f"{message}{listed}."))
        for i in sorted(mine, key=lambda i: sheets.cell_crit[i]):
            if bad_points[i]:
                column = sheets.columns[sheets.cell_column[i]]
                message = wrong[details.cell_points[i]]
                problems.append(Problem(int(sheets.cell_row[i]), column, message))
        for i in sorted(mine, key=lambda i: sheets.cell_row[i]):
            if long_note[i]:
                code = criteria[sheets.cell_crit[i]].code
                message = scoring_sheets.check_note(code, sheets.notes[sheets.cell_note[i]])[1]
                column = sheets.columns[sheets.cell_column[i]]
                problems.append(Problem(int(sheets.cell_row[i]), column, str(message)))
        if overall[s][1]:
            problems.append(Problem(row, kind.spec("nhan_xet").label, overall[s][1]))


def _planned_sheets(
    r: rounds.Round,
    sheets: _Sheets,
    checks: _SheetChecks,
    entries: list[rounds.Entry],
    usernames: list[str],
) -> _ScoresPlan:
    """The sheets that pass, in file order, with their checked points and comments."""
    chosen = np.flatnonzero(checks.good)
    position = np.full(len(sheets.entry), -1, dtype=np.int64)
    position[chosen] = np.arange(len(chosen))
    entry, user = sheets.entry[chosen], sheets.user[chosen]
    overall = [t.strip() for t in sheets.overall]  # as scoring_sheets.check_overall keeps it
    plan = pd.DataFrame(
        {
            "entry_id": _pick([e.id for e in entries], entry),
            "code": _strings([e.code for e in entries], entry),
            "examiner": _strings(usernames, user),
            "assign": ~checks.assigned[chosen],
            "overall": _strings(overall, chosen),
        }
    )
    cells = np.flatnonzero(checks.good[sheets.cell_sheet])
    codes = [c.code for c in r.rubric.criteria]
    note_at = np.where(sheets.cell_note >= 0, sheets.cell_note, len(checks.notes))[cells]
    scores = pd.DataFrame(
        {
            "sheet": position[sheets.cell_sheet[cells]],
            "criterion": _strings(codes, sheets.cell_crit[cells]),
            "value": _strings(checks.points, checks.cell_points[cells]),
            "comment": _strings([*checks.notes, ""], note_at),
        }
    )
    return _ScoresPlan(r, plan, scores)


def write_scores(con: Connection, checked: Checked, actor: str) -> Summary:
    """Assign examiners not yet assigned, then submit each sheet (replacing one re-imported)."""
    plan: _ScoresPlan = checked.payload
    r = plan.round
    scoring_sheets.store_submitted_sheets(con, r, plan.sheets, plan.scores, actor, action="import")
    assigned = int(plan.sheets["assign"].sum())
    detail = f"Đợt chấm “{r.name}”: {len(plan.sheets)} phiếu đã nộp."
    if assigned:
        detail += f" Phân công thêm {assigned} giám khảo chưa được phân công."
    return Summary("scores", checked.added, checked.updated, checked.unchanged, detail, str(r.id))


def read_rubric(kind: Kind, data: bytes, filename: str) -> tuple[Any, list[Problem]]:
    """Read a rubric YAML file; every error of lib.rubric's parser becomes a problem."""
    problems = check_extension(kind, filename)
    if problems:
        return None, problems
    if not data.strip():
        return None, [Problem(None, None, "Tệp trống: không có mẫu phiếu nào.")]
    if len(data) > MAX_BYTES:
        return None, [Problem(None, None, f"Tệp lớn quá {MAX_MB} MB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(None, None, "Tệp YAML phải lưu dạng UTF-8.")]
    rubric, errors = load_rubric_yaml(text)
    return rubric, [Problem(None, "Mẫu phiếu", e) for e in errors]


def check_rubric(
    con: Connection, rubric: Rubric, target: str | None, progress: Progress | None
) -> Checked:
    """Check that the round's rubric may be replaced: not finalized, not frozen, drafts fit."""
    checked = Checked(kind="rubric")
    checked.table = pd.DataFrame(
        {
            ROW_COLUMN: list(range(1, len(rubric.criteria) + 1)),
            "Mã tiêu chí": [c.code for c in rubric.criteria],
            "Phần": [c.section for c in rubric.criteria],
            "Tiêu chí": [c.label for c in rubric.criteria],
            "Điểm tối đa": [format_number(c.max) for c in rubric.criteria],
        }
    )
    r, missing = find_round(con, target)
    if r is None:
        checked.problems.append(missing)  # type: ignore[arg-type]
        return checked
    if (locked := _round_problem(r, "mẫu phiếu")) is not None:
        checked.problems.append(locked)
    elif rounds.is_rubric_frozen(con, r.id):
        message = f"Mẫu phiếu của đợt chấm “{r.name}” đã khóa vì đã có phiếu chấm được nộp"
        checked.problems.append(Problem(None, "Mẫu phiếu", f"{message}: không thay được."))
    else:
        problems = rounds.rubric_change_problems(con, r.id, rubric)
        checked.problems.extend(Problem(None, "Mẫu phiếu", m) for m in problems)
    same = rubric_to_dict(rubric) == rubric_to_dict(r.rubric)
    checked.updated, checked.unchanged = (0, 1) if same else (1, 0)
    checked.payload = (r, rubric)
    return checked


def write_rubric(con: Connection, checked: Checked, actor: str) -> Summary:
    """Replace the round's rubric (already checked against the round's drafts)."""
    r, rubric = checked.payload
    if checked.updated:
        rounds.set_rubric(con, r.id, rubric, actor)
    detail = f"Đợt chấm “{r.name}”: mẫu phiếu “{rubric.name}”, {len(rubric.criteria)} tiêu chí."
    return Summary("rubric", 0, checked.updated, checked.unchanged, detail, str(r.id))


_ROUND_TARGET = (
    "round",
    Target("Đợt chấm SKKN", round_choices, "Chưa có đợt chấm nào: hãy tạo đợt chấm trước."),
)
register(
    Kind(
        name="skkn",
        label="Danh sách SKKN của một đợt chấm",
        extensions=(".xlsx", ".csv", ".txt"),
        read=read_columns,
        check=check_skkn,
        write=write_skkn,
        columns=SKKN_COLUMNS,
        example=(
            "",
            "Một số biện pháp giúp trẻ 5-6 tuổi phát triển ngôn ngữ",
            "Nguyễn Thị Lan (60%); Trần Thu Hà (40%)",
            "Giáo dục mầm non",
            "Tổ Mẫu giáo lớn",
        ),  # fmt: skip
        target="round",
        help="Mã SKKN để trống thì tự sinh (SKKN-001…); mã đã có trong đợt thì được cập nhật. "
        "Nhiều tác giả cách nhau bằng “;”, mỗi người kèm tỉ lệ như “Nguyễn Thị A (60%)”, tổng "
        "100%. Tên không khớp danh sách cán bộ được giữ nguyên và báo để kiểm tra.",
    ),
    _ROUND_TARGET,
)
register(
    Kind(
        name="scores",
        label="Điểm chấm (phiếu giấy đã nhập)",
        extensions=(".xlsx", ".csv", ".txt"),
        read=read_scores,
        check=check_scores,
        write=write_scores,
        columns=SCORE_COLUMNS,
        example=("SKKN-001", "gk_lan", "I.1", "0,75", "Đặt vấn đề rõ ràng"),
        target="round",
        help="Mỗi dòng một điểm (Mã SKKN, Giám khảo, Tiêu chí, Điểm), hoặc mỗi dòng một phiếu "
        "với mỗi tiêu chí một cột (I.1, I.2…). Phiếu nhập vào được tính là đã nộp; giám khảo "
        "chưa được phân công thì được phân công; nhập lại thì phiếu cũ được thay.",
    ),
)
register(
    Kind(
        name="rubric",
        label="Mẫu phiếu chấm (tệp YAML)",
        extensions=(".yaml", ".yml"),
        read=read_rubric,
        check=check_rubric,
        write=write_rubric,
        target="round",
        help="Tệp YAML như các mẫu trong data/rubrics. Không thay được khi đã có phiếu nộp.",
    ),
)


# --- the preview table -------------------------------------------------------------------------

PROBLEM_COLUMN = "Lỗi"
ROW_LABEL = "Dòng"
_BAD_CELL = "background-color: #fde2e1; color: #8a1c13; font-weight: 600"


def preview_table(checked: Checked, limit: int = 500) -> pd.DataFrame:
    """The rows as read (rows with problems first when cut), with each row's problems listed."""
    table = checked.table
    if table.empty:
        return pd.DataFrame()
    by_row: dict[int, list[str]] = {}
    for p in checked.problems + checked.warnings:
        if p.row is not None:
            by_row.setdefault(p.row, []).append(
                f"{p.column}: {p.message}" if p.column else p.message
            )
    rows = table[ROW_COLUMN].astype(int)
    if len(table) > limit:
        flagged = rows.isin(list(by_row))
        table = pd.concat([table[flagged], table[~flagged]]).head(max(limit, int(flagged.sum())))
        rows = table[ROW_COLUMN].astype(int)
    out = table.rename(columns={ROW_COLUMN: ROW_LABEL}).copy()
    out[PROBLEM_COLUMN] = [" · ".join(by_row.get(r, [])) for r in rows]
    return out.reset_index(drop=True)


def styled_preview(checked: Checked, limit: int = 500) -> Any:
    """The preview table as a pandas Styler with every problem cell marked in red."""
    table = preview_table(checked, limit)
    marked = {(p.row, p.column) for p in checked.problems if p.row is not None}
    warned = {(p.row, p.column) for p in checked.warnings if p.row is not None}

    def colour(frame: pd.DataFrame) -> pd.DataFrame:
        styles = pd.DataFrame("", index=frame.index, columns=frame.columns)
        for i, row in zip(frame.index, frame[ROW_LABEL], strict=True):
            for column in frame.columns:
                if (row, column) in marked:
                    styles.at[i, column] = _BAD_CELL
                elif (row, column) in warned:
                    styles.at[i, column] = "background-color: #fff4d6"
            if frame.at[i, PROBLEM_COLUMN]:
                styles.at[i, PROBLEM_COLUMN] = "color: #8a1c13"
        return styles

    return table.style.apply(colour, axis=None)
