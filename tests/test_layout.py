"""The code's shape: Streamlit only in the UI glue, the domain packages free of it."""

import ast
from pathlib import Path

LIB = Path(__file__).resolve().parent.parent / "lib"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_ui_glue_imports_streamlit():
    offenders = [
        str(path.relative_to(LIB))
        for path in LIB.rglob("*.py")
        if path.relative_to(LIB).parts[0] != "ui"
        and any(m == "streamlit" or m.startswith("streamlit.") for m in imported_modules(path))
    ]
    assert offenders == []
