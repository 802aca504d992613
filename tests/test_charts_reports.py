"""Chart builders and the meeting exports: what each chart holds, the .xlsx and the PNG."""

import io
from datetime import date, timedelta

import pandas as pd
import pytest
from altair.utils.schemapi import validate_jsonschema
from altair.vegalite.v6.schema.core import load_schema
from openpyxl import load_workbook

from lib.plans import charts, plans, reports

TODAY = date(2024, 10, 15)


def late(status: str, due: date) -> bool:
    """What plans.tasks derives as overdue on TODAY (test data only: the rule lives in its SQL)."""
    return status not in ("done", "cancelled") and due < TODAY


def many_tasks(n: int, plans_count: int = 1) -> pd.DataFrame:
    start = date(2024, 9, 1)
    rows = []
    for i in range(n):
        due = start + timedelta(days=(i * 7) % 300)
        status = ["todo", "doing", "done", "cancelled"][i % 4]
        rows.append({
            "id": i + 1, "plan_id": 1 + i % plans_count, "plan_code": f"{1 + i % plans_count}/KH",
            "position": i + 1, "period_label": f"Tháng {due.month}/{due.year}",
            "content": f"Việc số {i + 1}: tổ chức hoạt động thi đua", "start_date": start,
            "due_date": due, "unit": "HĐTĐKT, HĐSKKN" if i % 3 else "Tổ Mẫu giáo lớn",
            "leader": ["Đ/c Quyên", "Đ/c Dương", "Đ/c Ánh"][i % 3], "status": status,
            "status_label": plans.OVERDUE if late(status, due) else plans.STATUSES[status],
            "overdue": late(status, due), "plan_year": 2024,
        })  # fmt: skip
    return pd.DataFrame(rows)


def spec(chart):
    """The styled spec, checked against Vega-Lite's schema (the app does not check it)."""
    styled = charts.styled(chart)
    validate_jsonschema(styled, load_schema())
    return styled


def layers(d):
    return d.get("layer", [d])


def test_timeline_rows_shrink_for_many_tasks_and_keep_plan_order():
    few, lots = (
        spec(charts.timeline(many_tasks(10), TODAY)),
        spec(charts.timeline(many_tasks(300, 3), TODAY)),
    )
    assert few["height"] == {"step": 26} and lots["height"] == {"step": 15}
    y = layers(lots)[0]["encoding"]["y"]
    assert (
        len(y["sort"]) == 300 and y["sort"][0] == "1/KH · 1. Việc số 1: tổ chức hoạt động thi đua"
    )
    assert layers(lots)[0]["encoding"]["x"]["axis"]["orient"] == "top"


def test_today_rule_is_drawn_inside_the_span_and_explained_outside():
    inside = spec(charts.by_month(many_tasks(10), TODAY))
    assert "'rule'" in str(inside) and "Hôm nay" in str(inside)
    outside = spec(charts.by_month(many_tasks(10), date(2030, 1, 1)))
    assert "'rule'" not in str(outside)
    assert "Hôm nay 01/01/2030 đã qua thời gian mọi việc trong biểu đồ." in str(outside["title"])


def test_breakdown_splits_units_and_sorts_names_the_vietnamese_way():
    df = many_tasks(9)
    units = spec(charts.breakdown(df, "unit", "Theo bộ phận"))
    assert units["encoding"]["y"]["sort"] == ["HĐSKKN", "HĐTĐKT", "Tổ Mẫu giáo lớn"]
    leaders = spec(charts.breakdown(df, "leader", "Theo lãnh đạo"))
    assert leaders["encoding"]["y"]["sort"] == ["Đ/c Ánh", "Đ/c Dương", "Đ/c Quyên"]


def test_charts_say_so_when_there_is_nothing_to_draw():
    empty = many_tasks(1).iloc[0:0]
    assert "Chưa có việc nào có hạn." in str(spec(charts.timeline(empty, TODAY)))


def test_task_table_xlsx_has_vietnamese_headers_dates_and_no_formulas():
    df = many_tasks(3).assign(note=["=HYPERLINK(\"http://x\")", "+1", "bình thường"],
                              evidence=["@SUM(A1)", "", "-2"])  # fmt: skip
    ws = load_workbook(io.BytesIO(reports.tasks_xlsx(df))).active
    headers = [c.value for c in ws[1]]
    assert headers[:6] == ["Kế hoạch", "STT", "Thời gian", "Bắt đầu", "Hạn hoàn thành",
                           "Nội dung công việc"]  # fmt: skip
    col = {h: i for i, h in enumerate(headers)}
    assert ws[2][col["Lưu ý"]].value == '\'=HYPERLINK("http://x")'
    assert ws[3][col["Lưu ý"]].value == "'+1"
    assert ws[2][col["Minh chứng"]].value == "'@SUM(A1)"
    assert ws[4][col["Lưu ý"]].value == "bình thường"
    assert ws[2][col["Hạn hoàn thành"]].value.date() == date(2024, 9, 1)
    assert ws[2][col["Hạn hoàn thành"]].number_format == "DD/MM/YYYY"
    assert ws[2][col["Trạng thái"]].value == "Quá hạn"


@pytest.mark.parametrize("value, safe", [("=1+1", "'=1+1"), ("-", "'-"), ("Tháng 5", "Tháng 5"),
                                         (5, 5), (None, None)])  # fmt: skip
def test_safe_cell(value, safe):
    assert reports.safe_cell(value) == safe


def test_charts_export_as_png(demo_con):
    df = plans.tasks(demo_con, 1, TODAY)
    both = spec(charts.stacked(charts.by_month(df, TODAY), charts.timeline(df, TODAY)))
    assert both["config"]["locale"]["number"]["decimal"] == ","  # numbers read 0,5 on screen
    png = reports.chart_png(charts.styled(both, big=True))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width > 1600  # "container" widths became a real width for the picture


def test_breakdown_keeps_the_largest_groups_and_says_how_many_there_are():
    counts = pd.DataFrame({"leader": [f"Đ/c {i:02d}" for i in range(40)],
                           "status_label": ["Hoàn thành"] * 40, "size": range(1, 41)})  # fmt: skip
    chart = spec(charts.breakdown_chart(counts, "leader", "Theo lãnh đạo"))
    assert chart["title"]["subtitle"] == "30 trong 40 nhóm nhiều việc nhất"
    assert chart["encoding"]["y"]["sort"] == [f"Đ/c {i:02d}" for i in range(10, 40)]
