"""Access rules, asked directly."""

import pytest

from lib.access import permissions as p
from lib.access.navigation import PAGES, default_for, pages_for

ADMIN = p.User("a", "A", frozenset({"admin", "examiner"}), 1)
EXAMINER = p.User("e", "E", frozenset({"examiner"}), 2)
STAFF = p.User("s", "S", frozenset({"staff"}), 3)


@pytest.mark.parametrize(
    "rule, anonymous, staff, examiner, admin",
    [
        (p.can_view_overview, False, True, True, True),
        (p.can_view_plans, False, True, True, True),
        (p.can_edit_plans, False, False, False, True),
        (p.can_manage_users, False, False, False, True),
        (p.can_import_data, False, False, False, True),
    ],
)
def test_rules(rule, anonymous, staff, examiner, admin):
    assert [rule(None), rule(STAFF), rule(EXAMINER), rule(ADMIN)] == [
        anonymous, staff, examiner, admin
    ]  # fmt: skip


def test_anonymous_visitor_gets_no_page():
    assert pages_for(None) == []


def test_staff_does_not_see_admin_pages():
    assert "pages/nguoi-dung.py" not in [s.path for s in pages_for(STAFF)]
    assert "pages/nguoi-dung.py" in [s.path for s in pages_for(ADMIN)]


def test_every_registered_page_exists_and_checks_its_rule():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for spec in PAGES:
        source = (root / spec.path).read_text(encoding="utf-8")
        assert f"ui.require({spec.allowed.__name__})" in source, spec.path


def test_every_page_file_is_named_by_its_address_and_pages_holds_no_other():
    # A new server looks the first requests' addresses up among these files (see PAGES).
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    assert [Path(spec.path).stem for spec in PAGES] == [spec.url_path for spec in PAGES]
    assert sorted(p.name for p in (root / "pages").glob("*.py")) == sorted(
        Path(spec.path).name for spec in PAGES
    )


def test_a_landing_page_opened_at_its_own_address_is_not_the_root_page_that_run():
    # Streamlit finds its default page at "/" only: "/phieu-cham" for an examiner (whose
    # landing page it is) said "Page not found" and covered the sheet with a dialog.
    assert default_for(EXAMINER, "").url_path == "phieu-cham"
    assert default_for(EXAMINER, "tien-do").url_path == "phieu-cham"
    other = default_for(EXAMINER, "phieu-cham")
    assert other is not None and other.url_path != "phieu-cham" and other in pages_for(EXAMINER)
    assert default_for(None, "") is None
