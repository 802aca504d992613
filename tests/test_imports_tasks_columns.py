"""The column-wise tasks import against the row-by-row rules it replaced, on random lists."""

from __future__ import annotations

import random
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from lib import demo
from lib.core import db
from lib.io import imports
from lib.io.dates import parse_date
from lib.io.imports import arrays, pipeline, tasks
from lib.io.uploads import ROW_COLUMN, Problem
from lib.plans import plans

PLAN = "13/KH-MNAS"
NAMES = [c.name for c in tasks.TASK_COLUMNS]


def reference_check(con, table: pd.DataFrame, target: str | None):
    """The tasks check as it was written before, one row at a time (kept here as the spec)."""
    label = {c.name: c.label for c in tasks.TASK_COLUMNS}
    problems: list[Problem] = []
    plan, missing = imports.find_plan(con, target)
    if missing:
        problems.append(missing)
    existing: dict[tuple[str, str], tuple] = {}
    if plan is not None:
        for row in con.execute(
            "SELECT id, period_label, content, unit, leader, note, status, due_date "
            "FROM tasks WHERE plan_id = ? ORDER BY position",
            [int(plan["id"])],
        ).fetchall():
            existing.setdefault(tasks._task_key(row[1], row[2]), row)
    new, updates, counts = [], [], {"updated": 0, "unchanged": 0}
    seen: dict[tuple[str, str], int] = {}
    period = ""
    for r, values in zip(table[ROW_COLUMN].tolist(), table[NAMES].values.tolist(), strict=True):
        row, cells = int(r), {n: arrays.cell(v) for n, v in zip(NAMES, values, strict=True)}
        bad = len(problems)
        period = cells["thoi_gian"] or period
        content = cells["noi_dung"]
        key = tasks._task_key(period, content)
        if not content:
            problems.append(Problem(row, label["noi_dung"], "Nội dung công việc đang trống."))
        elif key in seen:
            problems.append(Problem(row, label["noi_dung"], pipeline.duplicate_row(seen[key])))
        else:
            seen[key] = row
        status = None
        if cells["trang_thai"]:
            status = tasks.status_code(cells["trang_thai"])
            if status is None:
                problems.append(
                    Problem(
                        row,
                        label["trang_thai"],
                        f"Trạng thái “{cells['trang_thai']}” không có. "
                        f"Chỉ nhận: {tasks._STATUSES_ACCEPTED}.",
                    )
                )
        due, message = parse_date(cells["han"])
        if message:
            problems.append(Problem(row, label["han"], message))
        if len(problems) > bad:
            continue
        old = existing.get(key)
        if old is None:
            new.append(
                plans.TaskIn(
                    period_label=period, content=content, unit=cells["bo_phan"],
                    leader=cells["lanh_dao"], note=cells["ghi_chu"], status=status or "todo",
                    due_date=due,
                )
            )  # fmt: skip
            continue
        task_id, _, _, unit, leader, note, old_status, old_due = old
        current = (unit, leader, note, old_status, old_due)
        wanted = (cells["bo_phan"] or unit, cells["lanh_dao"] or leader,
                  cells["ghi_chu"] or note, status or old_status, due or old_due)  # fmt: skip
        if wanted == current:
            counts["unchanged"] += 1
        else:
            updates.append(dict(zip(("id", "unit", "leader", "note", "status", "due_date"),
                                    (task_id, *wanted), strict=True)))  # fmt: skip
            counts["updated"] += 1
    return [str(p) for p in problems], new, updates, counts


PERIODS = [
    "",
    "",
    "",
    "Tháng 9/2024",
    " tháng  9/2024",
    "Quý IV/2024",
    "Trước tháng_6",
    "Tháng 03/2024",
    "THÁNG 03/2024",
    unicodedata.normalize("NFD", "Tháng 12/2024"),
]
CONTENTS = [
    "",
    "Họp",
    "họp",
    "HỌP ",
    "Họp_giao ban",
    "họp giao  ban",
    "Straße",
    "STRASSE",
    "Lan",
    "Lân",
    "ΣΟΦΙΑΣ",
    "σοφιας",
    "'=SUM(A1)",
    "\u00a0Tổng kết\u00a0",
    "Tổng\tkết",
    "Tổng kết",
    unicodedata.normalize("NFD", "Tổng kết"),
    "ﬁn",
    "FIN",
    "İl",
    "i̇l",
    "Xây dựng kế hoạch công tác thi đua, khen thưởng năm 2024",
    "Hướng dẫn qui trình chấm SKKN câp trường",
    "a\u200b",
    "dòng 1\ndòng 2",
]
UNITS = ["", "HĐTĐKT", " Tổ  1 ", "HĐTĐKT, HĐSKKN", "Đ/c Quyên – Chủ tịch HĐ", "'+1"]
STATUSES = ["", "", "Hoàn thành", "xong", "done", "Xong rồi", "hoàn  thành", "DANG LAM", "Hủy"]
DUES = ["", "", "27/03/2024", "31/02/2024", "45379", "cuối tháng", "2024-09-20", " 5/12/24 "]


# The demo plan's own rows: a list holding them again matches, updates or leaves them.
DEMO_ROWS = [
    ["Tháng 03/2024", "Xây dựng kế hoạch công tác thi đua, khen thưởng năm 2024", "", "", "",
     "", ""],
    ["tháng 03/2024", "Hướng dẫn qui trình chấm SKKN câp trường", "HĐTĐKT", "", "", "done", ""],
    ["Tháng 03/2024", "Tổ chức chấm, xét duyệt SKKN cấp trường", "", "", "", "Hủy", ""],
]  # fmt: skip


def random_table(rng: random.Random, size: int, dtype: str) -> pd.DataFrame:
    pools = [PERIODS, CONTENTS, UNITS, UNITS, UNITS, STATUSES, DUES]
    rows = [
        list(rng.choice(DEMO_ROWS)) if rng.random() < 0.1 else [rng.choice(p) for p in pools]
        for _ in range(size)
    ]
    table = pd.DataFrame(rows, columns=NAMES, dtype=dtype)
    numbers = sorted(rng.sample(range(2, 4 * size + 2), size))
    table.insert(0, ROW_COLUMN, pd.Series(numbers, dtype="int64"))
    return table


def new_rows(new) -> list[tuple]:
    if isinstance(new, pa.Table):
        columns = ["period_label", "content", "unit", "leader", "note", "status", "due_date"]
        return [tuple(r[c] for c in columns) for r in new.to_pylist()]
    return [(t.period_label, t.content, t.unit, t.leader, t.note, t.status, t.due_date)
            for t in new]  # fmt: skip


@pytest.mark.parametrize("seed", range(30))
def test_column_wise_check_finds_what_the_row_by_row_check_found(demo_con, seed):
    rng = random.Random(seed)
    table = random_table(rng, rng.choice([1, 5, 40, 200]), rng.choice(["str", "object"]))
    target = rng.choice([PLAN, PLAN, PLAN, None, "99/KH"])
    problems, new, updates, counts = reference_check(demo_con, table, target)
    checked = tasks.check_tasks(demo_con, table, target, None)
    assert [str(p) for p in checked.problems] == problems
    assert (checked.added, checked.updated, checked.unchanged) == (
        len(new), counts["updated"], counts["unchanged"]
    )  # fmt: skip
    _, got_new, got_updates = checked.payload
    assert new_rows(got_new) == new_rows(new)
    assert got_updates == updates


def test_clean_rows_are_stored_exactly_as_plans_insert_tasks_stores_them(demo_con):
    table = random_table(random.Random(5), 300, "str")
    checked = tasks.check_tasks(demo_con, table, PLAN, None)
    plan, new, _ = checked.payload
    assert new.num_rows > 20
    _, expected, _, _ = reference_check(demo_con, table, PLAN)
    tasks._append_tasks(demo_con, plan, new, "test")
    # The same rows, as the row-by-row check made them, through plans.insert_tasks elsewhere.
    other = db.connect(":memory:")
    demo.load_demo(other)
    plans.insert_tasks(other, int(plan["id"]), tasks._plan_in(plan), expected, "test")
    query = (
        "SELECT plan_id, position, period_label, start_date, due_date, content, unit, leader, "
        "note, status, done_on, evidence, version, updated_by FROM tasks ORDER BY position"
    )
    assert demo_con.execute(query).fetchall() == other.execute(query).fetchall()


def test_key_characters_left_to_python_cover_every_casefold_arrow_lower_difference():
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    values = pa.array(chars, pa.large_string())
    lowered = pc.utf8_lower(values).to_pylist()
    flagged = pc.match_substring_regex(values, tasks._KEYED_IN_PYTHON).to_pylist()
    missed = [hex(ord(c)) for c, low, f in zip(chars, lowered, flagged, strict=True)
              if c.casefold() != low and not f]  # fmt: skip
    assert missed == []


def test_texts_equal_cell_by_cell_cleaning():
    rng = random.Random(3)
    pieces = ["a", "Hà", " ", "  ", "\t", "\n", "\u00a0", "\u3000", "\u2028", "\u200b", "\ufeff",
              "'", "=", "+", "-", "@", "_", "ê\u0301", "\x1c", "“", "–", "ẞ", "x"]  # fmt: skip
    cells = ["".join(rng.choice(pieces) for _ in range(rng.randrange(6))) for _ in range(3000)]
    for dtype in ("str", "object"):
        table = pd.DataFrame({"c": cells}, dtype=dtype)
        assert arrays.texts(table, "c").to_pylist() == [arrays.cell(v) for v in cells]
    mixed = pd.DataFrame({"c": [None, 8, 8.5, "  x  ", float("nan")]}, dtype=object)
    assert arrays.texts(mixed, "c").to_pylist()[:4] == ["", "8", "8.5", "x"]
