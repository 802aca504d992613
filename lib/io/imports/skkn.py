"""Import a round's SKKN list: codes, titles, authors with shares; match entries by code."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.access.permissions import why_cannot_add_entries
from lib.core.db import Connection
from lib.io.columns import ColumnSpec
from lib.io.imports import arrays, pipeline, targets
from lib.io.imports.pipeline import KINDS, Checked, Kind, Progress, Summary, register
from lib.io.uploads import Problem
from lib.scoring import entries
from lib.scoring.authors import (
    author_key,
    check_authors,
    examiner_authors,
    examiners_by_entry,
    parse_authors_text,
    people_book,
)

SKKN_COLUMNS = (
    ColumnSpec("ma_skkn", False, ("Mã", "Mã số", "Mã sáng kiến", "Số TT SKKN"), "Mã SKKN"),
    ColumnSpec("ten_skkn", True, ("Tên sáng kiến", "Tên đề tài", "Tên SKKN"), "Tên SKKN"),
    ColumnSpec("tac_gia", True, ("Tác giả", "Họ tên tác giả", "Người viết"), "Tác giả"),
    ColumnSpec("linh_vuc", False, ("Môn", "Lĩnh vực", "Môn/Lĩnh vực"), "Lĩnh vực"),
    ColumnSpec("to", False, ("Tổ chuyên môn", "Tổ/Bộ phận", "Bộ phận"), "Tổ"),
)


def _stored_id(existing: dict[str, Any], code: str) -> int | None:
    old = existing.get(code.casefold())
    return old.id if old is not None else None


def check_skkn(
    con: Connection, table: pd.DataFrame, target: str | None, progress: Progress | None
) -> Checked:
    """Check an SKKN list for a round: titles, authors and shares, codes; match codes and names."""
    kind = KINDS["skkn"]
    label = {c.name: c.label for c in kind.columns}
    checked = Checked(kind="skkn", table=pipeline.shown_rows(kind, table))
    problems = checked.problems
    r, missing = targets.find_round(con, target)
    if r is None:
        problems.append(missing)  # type: ignore[arg-type]
        return checked
    if (locked := targets.round_locked(r, "SKKN")) is not None:
        problems.append(locked)
    existing = {e.code.casefold(): e for e in entries.entry_list(con, r.id)}
    taken = set(existing)
    records = arrays.records(table, [c.name for c in kind.columns])
    taken |= {cells["ma_skkn"].casefold() for _, cells in records if cells["ma_skkn"]}
    number = entries.next_code_number(con, r.id)
    # Codes first, in row order (a code left empty is generated, skipping every code the round
    # or file already has), so the round is asked about all of them in one query.
    codes: list[str] = []
    for _, cells in records:
        code = cells["ma_skkn"]
        if not code:
            while (code := entries.generated_code(number)).casefold() in taken:
                number += 1
            taken.add(code.casefold())
        codes.append(code)
    firsts: dict[str, int] = {}
    for i, code in enumerate(codes):
        firsts.setdefault(code.casefold(), i)
    # Only a code's first row is checked against the round (a later one repeats it).
    asked = [i for i, c in enumerate(codes) if firsts[c.casefold()] == i and len(c) <= 30]
    found = entries.code_clashes(con, r.id, [(codes[i], _stored_id(existing, codes[i]))
                                             for i in asked])  # fmt: skip
    clashing = {codes[asked[n]].casefold() for n in found}
    people = people_book(con)
    examiners = examiners_by_entry(con, r.id)  # read once, not once an entry
    new: list[dict] = []
    updates: list[dict] = []
    seen: dict[str, int] = {}
    for index, (row, cells) in enumerate(records):
        pipeline.report_progress(progress, index, len(records))
        bad = len(problems)

        def problem(column: str, message: str, row: int = row) -> None:
            problems.append(Problem(row, label[column], message))

        code = codes[index]
        old = existing.get(code.casefold())
        if code.casefold() in seen:
            problem("ma_skkn", pipeline.duplicate_row(seen[code.casefold()]))
        else:
            seen[code.casefold()] = row
            message = entries.code_problem(code, code.casefold() in clashing)
            if message:
                problem("ma_skkn", message)
        if old is None and (refused := why_cannot_add_entries(r)) is not None:
            problem("ma_skkn", refused)
        if not cells["ten_skkn"]:
            problem("ten_skkn", "Tên SKKN đang trống.")
        authors, errors = check_authors(con, parse_authors_text(cells["tac_gia"]), people)
        for message in errors.values():
            problem("tac_gia", message)
        if not errors and old is not None:
            clash = examiner_authors(con, old.id, authors, examiners)
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
        current = (old.code, old.title, old.field, old.group_name, author_key(old.authors))
        wanted = (code, fields["title"], fields["field"], fields["group_name"],
                  author_key(authors))  # fmt: skip
        if wanted == current:
            checked.unchanged += 1
        else:
            updates.append({"id": old.id, **fields})
            checked.updated += 1
    checked.added = len(new)
    checked.payload = (r, new, updates)
    return checked


def write_skkn(con: Connection, checked: Checked, actor: str) -> Summary:
    """Register the new entries and change the matched ones, stored as the rounds rules do."""
    r, new, updates = checked.payload
    # Checked in this transaction (run_import): new and changed entries a few statements each.
    entries.insert_entries(con, r.id, actor, new)
    entries.update_entries(con, r.id, actor, updates)
    return Summary("skkn", checked.added, checked.updated, checked.unchanged,
                   f"Đợt chấm “{r.name}”.", str(r.id))  # fmt: skip


register(
    Kind(
        name="skkn",
        label="Danh sách SKKN của một đợt chấm",
        extensions=(".xlsx", ".csv", ".txt"),
        read=pipeline.read_columns,
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
    targets.ROUND_TARGET,
)
