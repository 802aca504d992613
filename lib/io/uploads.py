"""What every upload shares: its size limits, the Problem shown for it, the file-row column."""

from __future__ import annotations

from dataclasses import dataclass

MAX_BYTES = 10 * 1024 * 1024
# The file row of each table row, kept beside the cells so every problem can name it.
ROW_COLUMN = "__row__"
# Limits of every table import (CSV and Excel, app and CLI), checked before or while parsing:
# a small file must not become millions of cells. 32 767 characters is Excel's own cell limit.
MAX_ROWS = 500_000
# Excel is parsed cell by cell by openpyxl, several times slower than CSV.
MAX_XLSX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an upload: where (file row, column) and what, in Vietnamese."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """Return the message prefixed with its place, as shown to the secretary."""
        where = []
        if self.row is not None:
            where.append(f"Dòng {self.row}")
        if self.column:
            where.append(f"cột “{self.column}”")
        return f"{', '.join(where)}: {self.message}" if where else self.message


def fail(message: str) -> tuple[None, list[Problem]]:
    """A read that stops with one problem about the whole file."""
    return None, [Problem(None, None, message)]
