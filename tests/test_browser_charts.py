"""Every chart of Kết quả chấm, Tiến độ and Trình chiếu, drawn in Chromium, draws its marks.

A spec that renders fine outside Streamlit can still draw nothing inside st.vega_lite_chart
(the examiners' progress drew no bars: Streamlit's "fit" autosize left its plot 0 px high),
so the marks are counted where users see them."""

import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from lib import demo
from lib.core import db
from lib.demo import DEMO_PASSWORD
from lib.scoring import assignment, rounds, sheets, states
from tests.browser import WAIT, chromium, login, running_app, wait_ready
from tests.scoring_helpers import scores_for_total, user

pytestmark = pytest.mark.browser

SIZES = {"desktop": (1440, 900), "phone": (390, 844)}

# Per chart, from Vega's SVG: the plot's own height, and the data marks (not axes, legends or
# titles; a chart that only says "Chưa có …" draws a text mark, which does not count) drawn at
# least 2 px each way. The broken progress chart drew its bars 0 px high in a 0 px plot.
MEASURE = """(chart) => {
  const svg = chart.querySelector('svg.marks');
  if (!svg) return null;
  const frame = svg.querySelector('g.role-frame.root > g > path.background');
  const plot = frame ? frame.getBBox().height : 0;
  let marks = 0;
  for (const group of svg.querySelectorAll('g.role-mark:not(.mark-text)')) {
    for (const mark of group.children) {
      const box = mark.getBBox();
      if (box.width >= 2 && box.height >= 2) marks++;
    }
  }
  return [plot, marks];
}"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo plan and round: assigned, opened, some sheets submitted and one a draft."""
    path = tmp_path_factory.mktemp("charts") / "charts.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    assignment.auto_assign(con, 1, "chutich")
    states.open_round(con, 1, "chutich")
    rubric = rounds.require_round(con, 1).rubric
    table = assignment.assignments(con, 1)
    for i, row in enumerate(table.itertuples()):
        gk = user(con, row.examiner)
        if i % 4 == 3:
            sheets.save_draft(con, gk, int(row.entry_id), {"I.1": "0,5"})
        elif i % 4 != 2:
            sheets.submit_sheet(con, gk, int(row.entry_id), scores_for_total(rubric, 12 + i % 7))
    con.close()
    with running_app(path) as base:
        yield base


def goto(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Tên đăng nhập").wait_for(state="detached", timeout=WAIT)
    wait_ready(page)
    page.wait_for_timeout(1000)  # the login cookie's own rerun
    wait_ready(page)


def charts_drawn(page: Page) -> list[tuple[str, int]]:
    """(title, marks drawn) for each chart on the page; 0 when its plot has no height."""
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.first.wait_for(timeout=WAIT)
    page.wait_for_timeout(1500)  # Vega draws after the element appears
    found = []
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        title = chart.locator("svg .role-title-text").first
        name = title.text_content() if title.count() else f"biểu đồ {i + 1}"
        measured = chart.evaluate(MEASURE)
        assert measured is not None, f"{name}: no SVG (the renderer changed: measure it anew)"
        plot, marks = measured
        found.append((name, marks if plot >= 20 else 0))
    return found


@pytest.mark.parametrize("size", list(SIZES))
def test_every_chart_draws_its_marks(served, size):
    base = served
    width, height = SIZES[size]
    with chromium() as browser:
        page = browser.new_context(viewport={"width": width, "height": height}).new_page()
        try:
            login(page, base, "chutich", DEMO_PASSWORD)
        except PlaywrightTimeout:
            login(page, base, "chutich", DEMO_PASSWORD)
        seen: dict[str, list[tuple[str, int]]] = {}
        goto(page, f"{base}/ket-qua-cham")
        for tab in ("Tiến độ", "Biểu đồ"):
            page.get_by_role("tab", name=tab).click()
            wait_ready(page)
            seen[f"Kết quả chấm → {tab}"] = charts_drawn(page)
        for name, url in (("Tiến độ", "tien-do"), ("Trình chiếu", "trinh-chieu")):
            goto(page, f"{base}/{url}")
            if name == "Tiến độ":
                seen["Tiến độ (mở trang)"] = charts_drawn(page)
                # The timeline and the group charts are drawn once their expander is opened.
                for label in ("Lịch thực hiện", "Theo bộ phận thực hiện và lãnh đạo phụ trách"):
                    expander = page.locator('[data-testid="stExpander"] summary', has_text=label)
                    expander.click()
                    wait_ready(page)
            seen[name] = charts_drawn(page)
        page.context.close()
    expected = {"Kết quả chấm → Tiến độ": 1, "Kết quả chấm → Biểu đồ": 3, "Trình chiếu": 2,
                "Tiến độ (mở trang)": 2, "Tiến độ": 5}  # fmt: skip
    for where, count in expected.items():
        assert len(seen[where]) == count, (where, seen[where])
    empty = [(where, name) for where, found in seen.items() for name, marks in found
             if marks < 1]  # fmt: skip
    assert empty == [], seen
    progress = seen["Kết quả chấm → Tiến độ"][0]
    assert re.search("Tiến độ của giám khảo", progress[0]), progress
