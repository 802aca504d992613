"""The Arrow/numpy engine of the imports: whole columns of cells cleaned and indexed at once."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lib.io.fastcsv import FORMULA_STARTS, clean_column
from lib.io.uploads import ROW_COLUMN

# Cells an export prefixed with an apostrophe so Excel would not run them as formulas.
_NEUTRALISED = re.compile(f"^'(?=[{re.escape(FORMULA_STARTS)}])")


def cell(value: object) -> str:
    """A cell as clean NFC text, without the apostrophe our exports put before '=', '+'…."""
    # filereader already gave NFC text; only inner runs of spaces are folded (not "_", which
    # usernames and e-mails use).
    text = " ".join(unicodedata.normalize("NFC", str(value)).split()) if value is not None else ""
    return _NEUTRALISED.sub("", text) if text.startswith("'") else text


def texts(table: pd.DataFrame, name: str) -> pa.Array:
    """A column as `cell` gives it, cell by cell; Python runs only on cells it would change."""
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
        return pa.array([cell(v) for v in series.tolist()], pa.large_string())
    values = values.cast(pa.large_string())
    if values.null_count:
        values = pc.fill_null(values, "")
    if not all_nfc(values):
        return pa.array([cell(v) for v in values.to_pylist()], pa.large_string())
    return clean_column(values, cell, inner=True)


def _span(values: pa.Array) -> tuple[pa.Buffer | None, int, int]:
    """The data buffer of a large_string array and where its cells' text starts and ends."""
    _, offsets, data = values.buffers()[:3]
    if data is None:
        return None, 0, 0
    bounds = np.frombuffer(offsets, dtype=np.int64)
    return data, int(bounds[values.offset]), int(bounds[values.offset + len(values)])


def all_nfc(values: pa.Array) -> bool:
    """Tell whether every cell of a large_string array is NFC, with one check over its text."""
    # Any piece of an NFC text is NFC, so one check of the cells joined covers every cell.
    data, first, last = _span(values)
    return data is None or unicodedata.is_normalized(
        "NFC", str(memoryview(data)[first:last], "utf-8")
    )


def any_match(values: pa.Array, pattern: str) -> bool:
    """Tell whether a one-character regex pattern occurs in any cell, with one search."""
    data, first, last = _span(values)
    if data is None:
        return False
    joined = pa.Array.from_buffers(
        pa.large_string(), 1, [None, pa.array([first, last], pa.int64()).buffers()[1], data]
    )
    return pc.any(pc.match_substring_regex(joined, pattern)).as_py()


def records(table: pd.DataFrame, names: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Every row as (file row, {column: cell}), for the kinds checked row by row."""
    rows = table[ROW_COLUMN].tolist()
    columns = {n: texts(table, n).to_pylist() for n in names}
    return [(int(r), {n: columns[n][i] for n in names}) for i, r in enumerate(rows)]


def distinct(table: pd.DataFrame, name: str) -> tuple[np.ndarray, list[str]]:
    """A column as codes into its distinct cells, each cleaned once (a long file repeats them)."""
    codes, uniques = pd.factorize(table[name], use_na_sentinel=False)
    return codes.astype(np.int64), [cell(u) for u in uniques.tolist()]


def pick(values: list, codes: np.ndarray, dtype: Any = np.int64) -> np.ndarray:
    """values[code] for each code, as an array."""
    return np.asarray(values, dtype=dtype).reshape(-1)[codes] if len(codes) else codes.astype(dtype)


def strings(values: list[str], codes: np.ndarray) -> pd.Series:
    """values[code] for each code as plain Python strings, which DuckDB reads as they are."""
    return pd.Series(pick(values, codes, object), dtype=object)
