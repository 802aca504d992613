"""The shared import pipeline: read a file, check everything, preview, write in one transaction."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

import pandas as pd

from lib.core import audit
from lib.core.db import Connection, registered, transaction
from lib.core.errors import Invalid
from lib.io.columns import ColumnSpec, map_columns
from lib.io.dates import parse_date
from lib.io.filereader import read_table
from lib.io.uploads import MAX_BYTES, ROW_COLUMN, Problem

Progress = Callable[[float, str], None]
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
    target: str | None = None  # the plan (round, school year) written into

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
    target: str | None = None  # "plan", "round" or "year": what the import goes into
    help: str = ""  # one Vietnamese sentence under the picker

    def spec(self, name: str) -> ColumnSpec:
        """The column spec with this canonical name."""
        return next(c for c in self.columns if c.name == name)


# The table of importable kinds. A new kind is one module in lib/io/imports/ (its columns, its
# check and write, its own helpers) ending with one entry, and its name in __init__'s list:
#   register(Kind(name="skkn", label="…", extensions=(".xlsx", ".csv"),
#                 read=pipeline.read_columns, check=check_skkn, write=write_skkn,
#                 columns=SKKN_COLUMNS, example=(…), target="round"), targets.ROUND_TARGET)
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


TARGETS: dict[str, Target] = {}  # filled by the kinds' modules as they register


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
    tell(progress, 0.0, "Đang đọc tệp…")
    parsed, problems = spec.read(spec, data, filename)
    if parsed is None:
        return Checked(kind=kind, problems=problems)
    tell(progress, 0.2, "Đang kiểm tra từng dòng…")
    checked = spec.check(con, parsed, target, progress)
    checked.problems[:0] = problems
    # In the order of the file (what is wrong with the whole file first): a check gathers its
    # findings by kind, and a secretary fixes a file from the top down.
    for found in (checked.problems, checked.warnings):
        found.sort(key=lambda p: -1 if p.row is None else p.row)
    tell(progress, 0.9, "Đã kiểm tra xong.")
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
        tell(progress, 0.9, "Đang ghi vào cơ sở dữ liệu…")
        summary = spec.write(con, checked, actor)
        audit.record(
            con, actor, "import", kind, filename,
            after={"added": summary.added, "updated": summary.updated,
                   "unchanged": summary.unchanged, "target": target, "size": len(data),
                   "sha256": hashlib.sha256(data).hexdigest()},
        )  # fmt: skip
    tell(progress, 1.0, "Xong.")
    return summary


def tell(progress: Progress | None, fraction: float, text: str) -> None:
    """Report how far the import got, if someone is listening."""
    if progress is not None:
        progress(fraction, text)


# --- helpers every kind's check uses ------------------------------------------------------------


def shown_rows(kind: Kind, table: pd.DataFrame) -> pd.DataFrame:
    """The rows as read, headed by the Vietnamese labels, for the preview."""
    out = table[[ROW_COLUMN, *[c.name for c in kind.columns]]].copy()
    return out.rename(columns={c.name: c.label for c in kind.columns})


def report_progress(progress: Progress | None, index: int, total: int) -> None:
    """Tell a long row-by-row check's progress every 5,000 rows."""
    if progress is not None and total > 5000 and index % 5000 == 0:
        progress(0.2 + 0.7 * index / total, f"Đang kiểm tra dòng {index:,}/{total:,}…")


def insert_batch(con: Connection, sql: str, frame: pd.DataFrame) -> None:
    """Run one set-based statement over a DataFrame registered as `batch`."""
    with registered(con, batch=frame):
        con.execute(sql)


# A long list repeats the same few dates and labels: parse each once.
cached_date = functools.lru_cache(maxsize=4096)(parse_date)


def duplicate_row(first_row: int) -> str:
    """The refusal of a row that repeats an earlier one."""
    return f"Dòng này trùng với dòng {first_row}. Hãy xoá một trong hai dòng."


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
