"""Import a round's rubric from YAML: refused once a sheet is submitted or drafts do not fit."""

from __future__ import annotations

from typing import Any

import pandas as pd

from lib.core.db import Connection
from lib.io.imports import pipeline, targets
from lib.io.imports.pipeline import MAX_MB, Checked, Kind, Progress, Summary, register
from lib.io.uploads import MAX_BYTES, ROW_COLUMN, Problem
from lib.scoring import rounds
from lib.scoring.rubric import Rubric, format_number, load_rubric_yaml, rubric_to_dict


def read_rubric(kind: Kind, data: bytes, filename: str) -> tuple[Any, list[Problem]]:
    """Read a rubric YAML file; every error of lib.rubric's parser becomes a problem."""
    problems = pipeline.check_extension(kind, filename)
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
    r, missing = targets.find_round(con, target)
    if r is None:
        checked.problems.append(missing)  # type: ignore[arg-type]
        return checked
    if (locked := targets.round_locked(r, "mẫu phiếu")) is not None:
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
