"""What some imports go into: a plan or a scoring round, found by what the user typed or picked."""

from __future__ import annotations

from lib.access.permissions import can_edit_round
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import nfc
from lib.io.imports.pipeline import Target
from lib.io.uploads import Problem
from lib.scoring import rounds


def plan_choices(con: Connection) -> dict[str, str]:
    """Every plan's number with its title, for the picker."""
    rows = con.execute("SELECT code, title FROM plans ORDER BY id DESC").fetchall()
    return {code: f"{code} – {title}" for code, title in rows}


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


PLAN_TARGET = (
    "plan",
    Target(
        "Kế hoạch nhận công việc",
        plan_choices,
        "Chưa có kế hoạch nào: hãy nhập một kế hoạch (tệp Word) trước.",
    ),
)


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
        return rounds.require_round_by_key(con, key), None
    except Invalid:
        return None, Problem(None, None, f"Không có đợt chấm “{key}”. Các đợt chấm: {known}.")


def round_locked(r: rounds.Round, what: str) -> Problem | None:
    """Why nothing can be imported into a finalized round, or None."""
    if not can_edit_round(r):
        return Problem(None, None, f"Kết quả đợt chấm “{r.name}” đã công bố: mọi thứ đã khóa, "
                       f"không nhập {what} được (mở lại đợt để sửa).")  # fmt: skip
    return None


ROUND_TARGET = (
    "round",
    Target("Đợt chấm SKKN", round_choices, "Chưa có đợt chấm nào: hãy tạo đợt chấm trước."),
)
