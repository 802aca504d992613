"""Exports for the meeting minutes: the task table as .xlsx, charts as PNG."""

from __future__ import annotations

import copy
import functools
import io
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
import vl_convert
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from lib.documents.office import neutralise as safe_cell

# Debian's fonts-noto-core: Noto Sans has every Vietnamese glyph (tests/run.sh installs it).
FONT_DIRS = [Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/truetype/dejavu")]

TASK_COLUMNS: dict[str, str] = {
    "plan_code": "Kế hoạch",
    "position": "STT",
    "period_label": "Thời gian",
    "start_date": "Bắt đầu",
    "due_date": "Hạn hoàn thành",
    "content": "Nội dung công việc",
    "unit": "Bộ phận thực hiện",
    "leader": "Lãnh đạo phụ trách",
    "note": "Lưu ý",
    "status_label": "Trạng thái",
    "done_on": "Ngày hoàn thành",
    "evidence": "Minh chứng",
    "updated_by": "Người cập nhật",
    "updated_at": "Cập nhật lúc",
}
_WIDTHS = {"content": 60, "note": 30, "evidence": 30, "leader": 26, "unit": 20}


def _cell(value: object) -> object:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return safe_cell(value)


def tasks_xlsx(df: pd.DataFrame, title: str = "Công việc") -> bytes:
    """The task table as an Excel workbook with Vietnamese headers and dd/mm/yyyy dates."""
    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    columns = [c for c in TASK_COLUMNS if c in df.columns]
    ws.append([TASK_COLUMNS[c] for c in columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in df[columns].itertuples(index=False):
        ws.append([_cell(v) for v in row])
    for i, column in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = _WIDTHS.get(column, 14)
        for cell in ws[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = "DD/MM/YYYY" if column != "updated_at" else "DD/MM/YYYY HH:MM"
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def tasks_csv(df: pd.DataFrame) -> bytes:
    """The task table as CSV that Excel opens: UTF-8 with BOM, Vietnamese headers, dd/mm/yyyy.

    For lists too long for an .xlsx to be built quickly (a city's late tasks).
    """
    columns = [c for c in TASK_COLUMNS if c in df.columns]
    out = {}
    for column in columns:
        values = df[column]
        if column in ("start_date", "due_date", "done_on"):
            out[column] = [_day(v, "%d/%m/%Y") for v in values]
        elif column == "updated_at":
            out[column] = [_day(v, "%d/%m/%Y %H:%M") for v in values]
        else:
            out[column] = [safe_cell(v) for v in values]
    frame = pd.DataFrame(out, columns=columns).rename(columns=TASK_COLUMNS)
    return frame.to_csv(index=False).encode("utf-8-sig")


def _day(value: object, pattern: str) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return ""
    return value.strftime(pattern) if isinstance(value, date) else str(value)


@functools.cache
def _register_fonts() -> None:
    for folder in FONT_DIRS:
        if folder.is_dir():
            vl_convert.register_font_directory(str(folder))


def chart_png(chart: alt.TopLevelMixin | dict, width: int = 1600) -> bytes:
    """Render a chart (or its spec) to PNG in Noto Sans, so Vietnamese keeps its marks."""
    _register_fonts()
    spec = copy.deepcopy(chart) if isinstance(chart, dict) else chart.to_dict()
    # "container" width means nothing outside a page: give the picture a real width.
    _fix_width(spec, width)
    return vl_convert.vegalite_to_png(spec, scale=1.5)


def _fix_width(spec: dict, width: int) -> None:
    if spec.get("width") == "container":
        spec["width"] = width
    for key in ("vconcat", "hconcat", "concat", "layer"):
        for part in spec.get(key, []):
            _fix_width(part, width)
