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


def module_name(path: Path) -> str:
    parts = path.relative_to(LIB.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """lib's modules and the lib modules each imports (anywhere in it, lazy imports too)."""
    modules = {module_name(path): path for path in LIB.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                # "from lib.scoring import rounds" imports the module lib.scoring.rounds
                found |= {f"{node.module}.{alias.name}" for alias in node.names}
        graph[name] = {m for m in found if m in modules and m != name and m != "lib"}
        # a package's __init__ is imported with it, but holds no code here
        graph[name] -= {m for m in graph[name] if modules[m].name == "__init__.py"}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle found by a depth-first walk, as the modules along it."""
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                found.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_the_cycle_finder_sees_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_lib_has_no_import_cycle():
    graph = import_graph()
    assert "lib.scoring.results" in graph["lib.scoring.states"]  # the graph sees the imports
    assert cycles(graph) == []
