"""Import a plan's schedule rows: whole columns checked in Arrow, matched to tasks by content."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.core import audit
from lib.core.db import Connection, registered
from lib.core.text import fold, nfc
from lib.io.columns import ColumnSpec
from lib.io.imports import arrays, pipeline, targets
from lib.io.imports.pipeline import KINDS, Checked, Kind, Progress, Summary, register
from lib.io.uploads import ROW_COLUMN, Problem
from lib.plans import plans
from lib.plans.periods import derive_dates

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
    if not arrays.any_match(values, _KEYED_IN_PYTHON):  # the usual case: one search, not one a cell
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
    checked = Checked(kind="tasks", table=pipeline.shown_rows(kind, table))
    problems = checked.problems
    plan, missing = targets.find_plan(con, target)
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
    cells = {c.name: arrays.texts(table, c.name) for c in kind.columns}
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
    parsed = [pipeline.cached_date(w) for w in dues.dictionary.to_pylist()]
    due_at = dues.indices.to_numpy()
    bad_due = np.array([m is not None for _, m in parsed], dtype=bool)[due_at]

    bad = empty | duplicate | bad_status | bad_due
    for i in np.flatnonzero(bad).tolist():
        row = int(rows[i])
        if empty[i]:
            problems.append(Problem(row, label["noi_dung"], "Nội dung công việc đang trống."))
        elif duplicate[i]:
            problems.append(
                Problem(row, label["noi_dung"], pipeline.duplicate_row(int(rows[first[i]])))
            )
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
    if plan is not None and new.num_rows:
        # What the Kế hoạch page would say after the import, said before it: a new task whose
        # time is not understood and has no due date gets no dates (its text is kept).
        _, dues = _derived_dates(plan, new["period_label"])
        undated = pc.is_null(pc.coalesce(new["due_date"], dues)).to_numpy(zero_copy_only=False)
        texts = new["period_label"].to_pylist()
        for i in np.flatnonzero(undated).tolist():
            checked.warnings.append(Problem(
                int(rows[added[i].as_py()]), label["thoi_gian"],
                f"Chưa hiểu được thời gian “{texts[i] or '(trống)'}” nên việc này chưa có ngày "
                f"(chữ vẫn được giữ). Hãy sửa cột này hoặc ghi cột “{label['han']}”.",
            ))  # fmt: skip
    checked.payload = (plan, new, updates)
    return checked


def _derived_dates(plan: dict, labels: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """The start and due date each period label gives in this plan (as the plan's form does)."""
    info = _plan_in(plan)
    encoded = pc.dictionary_encode(labels.combine_chunks())  # a column of the checked rows
    derived = [
        derive_dates(
            label,
            year=info.year,
            school_year=plans.school_year_start(info.school_year),
            fallback_start=info.issued_on,
        )
        for label in encoded.dictionary.to_pylist()
    ]  # long lists repeat their labels: each is read once
    starts = pa.array([s for s, _ in derived], pa.date32()).take(encoded.indices)
    return starts, pa.array([d for _, d in derived], pa.date32()).take(encoded.indices)


def _append_tasks(con: Connection, plan: dict, new: pa.Table, actor: str) -> None:
    """Append checked rows to a plan in one statement, as plans.insert_tasks would store them."""
    if not new.num_rows:
        return
    plan_id = int(plan["id"])
    # fetchall, not fetchone: DuckDB refuses register() while a result is still open.
    ((offset,),) = con.execute(
        "SELECT coalesce(max(position), 0) FROM tasks WHERE plan_id = ?", [plan_id]
    ).fetchall()
    starts, dues = _derived_dates(plan, new["period_label"])
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
    with registered(con, new_tasks=batch):
        con.execute(
            "INSERT INTO tasks (plan_id, position, period_label, start_date, due_date, content,"
            " unit, leader, note, status, updated_by) "
            "SELECT ?, position, period_label, start_date, due_date, content, unit, leader, note,"
            " status, ? FROM new_tasks",
            [plan_id, actor],
        )
    # One entry per task written, as add_task logs it, in one statement.
    audit.record_rows(
        con, actor, "create", "task",
        "SELECT id AS entity_id, NULL AS before, to_json({period_label: period_label, "
        " start_date: start_date, due_date: due_date, content: content, unit: unit, "
        " leader: leader, note: note, status: status}) AS after "
        "FROM tasks WHERE plan_id = ? AND position > ?",
        [plan_id, offset],
    )  # fmt: skip


def write_tasks(con: Connection, checked: Checked, actor: str) -> Summary:
    """Append the new tasks in one batch and update the matched ones in another."""
    plan, new, updates = checked.payload
    _append_tasks(con, plan, new, actor)
    if updates:
        frame = pd.DataFrame(updates).assign(actor=actor)
        frame["due_date"] = pd.to_datetime(frame["due_date"]).dt.date
        # Before the update, so each entry holds the values it replaced.
        audit.record_rows(
            con, actor, "update", "task",
            "SELECT t.id AS entity_id, "
            " to_json({unit: t.unit, leader: t.leader, note: t.note, status: t.status, "
            "  due_date: t.due_date}) AS before, "
            " to_json({unit: b.unit, leader: b.leader, note: b.note, status: b.status, "
            "  due_date: b.due_date::DATE}) AS after "
            "FROM batch b JOIN tasks t ON t.id = b.id",
            batch=frame,
        )  # fmt: skip
        pipeline.insert_batch(
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


register(
    Kind(
        name="tasks",
        label="Công việc của một kế hoạch",
        extensions=(".xlsx", ".csv", ".txt"),
        read=pipeline.read_columns,
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
    ),
    targets.PLAN_TARGET,
)
