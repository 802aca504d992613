"""Well-formed CSV read by Arrow's C reader, and string columns cleaned at C speed."""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from lib.io.tables import (
    HEADER_ONLY,
    NO_DATA,
    clean_cell,
    clean_header,
    column_names,
    too_many_rows,
)
from lib.io.uploads import MAX_CELL_CHARS, MAX_ROWS, ROW_COLUMN, Problem, fail

# Python's str.isspace() characters in UTF-8 (plus the zero-width space and BOM that cells
# lose at their edges), recognised by their bytes so a whole column is checked at C speed.
_ASCII_SPACES = np.zeros(256, dtype=bool)
_ASCII_SPACES[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True
# An export puts an apostrophe before a cell a spreadsheet would run as a formula
# (documents.office.RISKY_START); of those starts, these survive a cell's space folding, and an
# import takes the apostrophe off before them (imports.arrays.cell).
FORMULA_STARTS = "=+-@"
_NEUTRALISED_NEXT = np.zeros(256, dtype=bool)
_NEUTRALISED_NEXT[[ord(c) for c in FORMULA_STARTS]] = True
# Columns beyond this many are read by csv.reader (Arrow needs each column's type up front).
_FAST_MAX_COLUMNS = 512


def _space_at(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Tell which byte positions start a space character; `data` ends with 3 padding zeros."""
    b0, b1, b2 = data[at], data[at + 1], data[at + 2]
    general = ((b2 >= 0x80) & (b2 <= 0x8B)) | (b2 == 0xA8) | (b2 == 0xA9) | (b2 == 0xAF)
    e2 = (b0 == 0xE2) & (((b1 == 0x80) & general) | ((b1 == 0x81) & (b2 == 0x9F)))
    return (
        _ASCII_SPACES[b0]
        | ((b0 == 0xC2) & ((b1 == 0x85) | (b1 == 0xA0)))
        | ((b0 == 0xE1) & (b1 == 0x9A) & (b2 == 0x80))
        | e2
        | ((b0 == 0xE3) & (b1 == 0x80) & (b2 == 0x80))
        | ((b0 == 0xEF) & (b1 == 0xBB) & (b2 == 0xBF))
    )


def _bytes_of(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes (padded with 3 zeros) and the len+1 offsets of a string array."""
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    _, offsets_buffer, data_buffer = array.buffers()[:3]
    offsets = np.frombuffer(offsets_buffer, dtype=width)[array.offset :][: len(array) + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0)
    padded = np.zeros(len(data) + 3, dtype=np.uint8)
    padded[: len(data)] = data
    return padded, offsets.astype(np.int64)


def _needs_fix(array: pa.Array, inner: bool) -> np.ndarray:
    """Flag the cells a cleaning function may change; the others are already clean.

    Always: a space (or BOM, zero-width space) at either end. With `inner`: also any space
    that is not one plain space between words, and an apostrophe before = + - @.
    """
    data, offsets = _bytes_of(array)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    # A cheap sieve on each cell's first and last byte; the exact test runs on what passes.
    first, end = data[starts], data[np.maximum(ends - 1, 0)]
    maybe = (first <= 32) | (first == 0xC2) | ((first >= 0xE1) & (first <= 0xE3)) | (first == 0xEF)
    maybe |= (end <= 32) | ((end >= 0x80) & (end <= 0x8B)) | (end == 0x85) | (end == 0x9F)
    maybe |= (end == 0xA0) | (end == 0xA8) | (end == 0xA9) | (end == 0xAF) | (end == 0xBF)
    at = np.flatnonzero(filled & maybe)
    flagged = np.zeros(len(starts), dtype=bool)
    if len(at):
        begin, last = starts[at], ends[at] - 1
        for _ in range(3):  # back from the last byte to the start of the last character
            last = np.where(((data[last] & 0xC0) == 0x80) & (last > begin), last - 1, last)
        flagged[at] = _space_at(data, begin) | _space_at(data, last)
    if inner:
        body = data[int(offsets[0]) : int(offsets[-1]) + 1]  # one padding byte to pair with
        # Comparisons, not a lookup table: they run several times faster over megabytes.
        head, tail = body[:-1], body[1:]
        odd = (head < 32) | (head == 0xC2) | ((head >= 0xE2) & (head <= 0xE3)) | (head == 0xEF)
        odd |= ((head == 0xE1) & (tail == 0x9A)) | ((head == 32) & (tail == 32))
        at = np.flatnonzero(odd) + int(offsets[0])
        at = at[_space_at(data, at)]
        if len(at):
            flagged[np.searchsorted(offsets, at, side="right") - 1] = True
        flagged |= filled & (data[starts] == 0x27) & _NEUTRALISED_NEXT[data[starts + 1]]
    return flagged


def clean_column(values: pa.Array, fix: Callable[[str], str], inner: bool) -> pa.Array:
    """Apply a cleaning function to a string array, calling it only on cells it may change."""
    if values.null_count:
        values = pc.fill_null(values, "")
    flagged = _needs_fix(values, inner)
    if not flagged.any():
        return values
    at = np.flatnonzero(flagged)
    fixed = pa.array([fix(v) for v in values.take(pa.array(at)).to_pylist()], type=values.type)
    return pc.replace_with_mask(values, pa.array(flagged), fixed)


def read_text_fast(
    text: str, sep: str, raw: bytes | memoryview | None = None
) -> tuple[pd.DataFrame | None, list[Problem]] | None:
    """Parse well-formed CSV text with Arrow's C reader; None leaves the file to csv.reader.

    `raw`, when given, is `text` encoded in UTF-8 already.
    """
    # An odd number of quotes is an unclosed quote: csv.reader reports it the way users know.
    if "\x00" in text or text.count('"') % 2:
        return None
    if not unicodedata.is_normalized("NFC", text):
        if "\u037e" in text:  # the Greek question mark composes to ";", a separator
            return None
        # One call for the whole file; cells cut from NFC text are NFC themselves.
        text, raw = unicodedata.normalize("NFC", text), None
    if raw is None:
        raw = text.encode("utf-8")
    if not text.endswith(("\n", "\r")):
        raw = bytes(raw) + b"\n"  # Arrow refuses a one-line file without its line break
    try:
        table = pa_csv.read_csv(
            pa.BufferReader(raw),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, use_threads=False),
            parse_options=pa_csv.ParseOptions(
                delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
            ),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.large_string() for i in range(_FAST_MAX_COLUMNS)},
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowException, UnicodeError):
        return None  # rows of different lengths, odd quoting: csv.reader's way
    if table.num_columns > _FAST_MAX_COLUMNS or not all(
        pa.types.is_large_string(t) for t in table.schema.types
    ):
        return None
    raw_columns = [c.combine_chunks() for c in table.columns]
    # csv.reader refuses a cell over its field size limit (often an unclosed quote that ate
    # the rest of the file); such a file goes to it for the same message.
    limit = csv.field_size_limit()
    if any((pc.max(pc.binary_length(c)).as_py() or 0) > limit for c in raw_columns):
        return None
    if table.num_rows > MAX_ROWS:
        return fail(too_many_rows(MAX_ROWS))
    for column in raw_columns:
        longest = pc.max(pc.utf8_length(column)).as_py() or 0
        if longest > MAX_CELL_CHARS:
            return None  # csv.reader names the row of the long cell
    columns = [clean_column(c, clean_cell, False) for c in raw_columns]
    lengths = np.zeros(table.num_rows, dtype=np.int64)
    for column in columns:
        lengths += pc.binary_length(column).to_numpy()
    filled = np.flatnonzero(lengths > 0)
    if not len(filled):
        return fail(NO_DATA)
    header_at, body = int(filled[0]), filled[1:]
    if not len(body):
        return fail(HEADER_ONLY)
    header = [clean_header(c[header_at].as_py()) for c in columns]
    if len(body) == table.num_rows - header_at - 1:
        cells = [c.slice(header_at + 1) for c in columns]  # no blank rows: no copy
    else:
        taken = pa.array(body)
        cells = [c.take(taken) for c in columns]
    width = len(cells)
    while width and not header[width - 1] and not pc.any(pc.not_equal(cells[width - 1], "")):
        width -= 1
    names = column_names(header[:width])
    frame = pd.DataFrame({i: pd.Series(cells[i], dtype="str") for i in range(width)})
    frame.columns = names
    frame.insert(0, ROW_COLUMN, pd.Series(body + 1, dtype="int64"))
    frame.attrs["header_row"] = header_at + 1
    return frame, []
