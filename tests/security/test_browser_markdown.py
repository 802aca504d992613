"""In Chromium: a heading, link and image typed into the data render as plain text."""

from __future__ import annotations

import pytest

from lib.demo import DEMO_PASSWORD
from tests.browser import login, running_app, wait_ready
from tests.security.test_markdown import PAYLOADS, plant

pytestmark = pytest.mark.browser
HEADING = PAYLOADS["heading"]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    db_file = tmp_path_factory.mktemp("markdown") / "app.duckdb"
    plant(db_file)
    with running_app(db_file) as url:
        yield url


def made_elements(page) -> dict[str, int]:
    """Elements the payloads would create if they were rendered as markdown."""
    return page.evaluate(
        """() => ({
            headings: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')]
                .filter(h => h.innerText.trim().startsWith('KẾT LUẬN CỦA HỘI ĐỒNG')).length,
            links: document.querySelectorAll('a[href*="evil.example"]').length,
            images: document.querySelectorAll('img[src*="evil.example"]').length,
        })"""
    )


@pytest.mark.parametrize("title", ["Kế hoạch", "Trình chiếu"])
def test_the_heading_payload_is_plain_text(page, base, title):
    login(page, base, "chutich", DEMO_PASSWORD)
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=title).click()
    # In the page itself: Trình chiếu hides the sidebar, where the user's name (also a payload)
    # comes first in the document.
    page.locator('[data-testid="stMain"]').get_by_text(HEADING).first.wait_for(timeout=30_000)
    wait_ready(page)
    assert made_elements(page) == {"headings": 0, "links": 0, "images": 0}
    body = page.inner_text("body").replace("\u2060", "")  # invisible: keeps addresses text
    assert HEADING in body  # typed text shown as typed, "#" included
    assert PAYLOADS["link"] in body or title == "Trình chiếu"  # the plan's unit, on Kế hoạch
