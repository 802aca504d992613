"""No page draws a number field: Chromium drops a decimal comma from one (0,5 becomes 5)."""

import ast

from tests.apptest import ROOT


def test_no_page_or_widget_helper_calls_st_number_input():
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")),
             *sorted((ROOT / "lib").rglob("*.py"))]  # fmt: skip
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in files
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "number_input"
    ]
    assert calls == [], "a number field drops the decimal comma Vietnamese users type"
