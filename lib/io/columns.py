"""An upload's headers matched to the expected columns, whatever words or marks they carry."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import pandas as pd

from lib.core.text import fold
from lib.io.tables import clean_header, column_names
from lib.io.uploads import ROW_COLUMN, Problem

_HEADER_MARKERS = re.compile(r"[\s:*]*(?:\(\s*\*\s*\))?[\s:*]*$")


@dataclass(frozen=True)
class ColumnSpec:
    """An expected column: canonical name, whether required, other accepted headers, label."""

    name: str
    required: bool
    aliases: tuple[str, ...] = ()
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)


def normalize_header(h: str) -> str:
    """Return the matching key of a header: folded, spaces as '_' ("Mã SKKN" → "ma_skkn")."""
    # Templates often mark required columns with "*" or "(*)", or end headers with ":".
    return fold(_HEADER_MARKERS.sub("", h or "")).replace(" ", "_")


def _spec_keys(specs: list[ColumnSpec]) -> dict[str, ColumnSpec]:
    keys: dict[str, ColumnSpec] = {}
    for spec in specs:
        for alias in (spec.name, spec.label, *spec.aliases):
            keys.setdefault(normalize_header(alias), spec)
    return keys


def map_columns(
    df: pd.DataFrame, specs: list[ColumnSpec]
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Rename columns to the specs' canonical names; report missing required and duplicates."""
    keys = _spec_keys(specs)
    required = {s.name for s in specs if s.required}

    def matched(headers: list[str]) -> set[str]:
        return {keys[k].name for h in headers if (k := normalize_header(h)) in keys}

    positions = [i for i, c in enumerate(df.columns) if c != ROW_COLUMN]
    data_columns = [str(df.columns[i]) for i in positions]
    header_row = df.attrs.get("header_row", 1)
    if not required <= matched(data_columns) and ROW_COLUMN in df.columns:
        # A title row ("DANH SÁCH SKKN NĂM 2024") often sits above the real header row.
        for pos in range(min(10, len(df))):
            cells = [clean_header(str(df.iat[pos, i])) for i in positions]
            if required <= matched(cells) and len(matched(cells)) > len(matched(data_columns)):
                header_row = int(df[ROW_COLUMN].iloc[pos])
                columns = list(df.columns)
                for i, name in zip(positions, column_names(cells), strict=True):
                    columns[i] = name
                df = df.iloc[pos + 1 :].copy()
                df.columns = columns
                data_columns = [columns[i] for i in positions]
                break

    problems: list[Problem] = []
    found: dict[str, list[str]] = {}
    for column in data_columns:
        spec = keys.get(normalize_header(column))
        if spec is not None:
            found.setdefault(spec.name, []).append(column)
    for spec in specs:
        columns = found.get(spec.name, [])
        if len(columns) > 1:
            listed = ", ".join(f"“{c}”" for c in columns)
            problems.append(
                Problem(
                    header_row,
                    spec.label,
                    f"Có {len(columns)} cột cùng là “{spec.label}” ({listed}). "
                    "Hãy xoá bớt để chỉ còn một cột.",
                )
            )
        elif not columns and spec.required:
            present = ", ".join(f"“{c}”" for c in data_columns) or "(không có)"
            problems.append(
                Problem(
                    header_row,
                    spec.label,
                    f"Thiếu cột bắt buộc “{spec.label}”. Các cột đang có: {present}.",
                )
            )
    if problems:
        return None, problems

    renamed = {cols[0]: name for name, cols in found.items()}
    out = df.rename(columns=renamed)
    for spec in specs:
        if spec.name not in out.columns:
            out[spec.name] = pd.Series([""] * len(out), index=out.index, dtype="str")
    out = out.reset_index(drop=True)
    out.attrs["header_row"] = header_row
    return out, []


def person_table_problems(
    rows: pd.DataFrame, supported: Collection[str], required: Sequence[str]
) -> list[Problem]:
    """The header problems of a table with one person a row, named or by account."""
    columns = [c for c in rows.columns if c != ROW_COLUMN]
    problems = [Problem(None, c, "Cột không được hỗ trợ.") for c in columns if c not in supported]
    if "Họ và tên" not in columns and "Tên đăng nhập" not in columns:
        problems.append(Problem(None, None, "Cần cột “Họ và tên” hoặc “Tên đăng nhập”."))
    problems += [Problem(None, c, "Thiếu cột này.") for c in required if c not in columns]
    return problems
