"""File imports as data: a shared pipeline (pipeline.py) and one module per kind of file.

Importing the package registers the kinds in the order the page and the CLI list them."""

import importlib

from lib.io.imports.pipeline import (
    KINDS,
    MAX_MB,
    PROBLEM_COLUMN,
    ROW_LABEL,
    TARGETS,
    Checked,
    Kind,
    Refused,
    Summary,
    Target,
    preview,
    preview_table,
    run_import,
    styled_preview,
)
from lib.io.imports.targets import find_plan, find_round, plan_choices, round_choices

_FIRST = ("people", "tasks", "plan", "skkn", "scores", "rubric")
# Each module registers its kind; this order is the order of the page's picker and the CLI.
for _module in (*_FIRST, "evaluations", "registrations"):
    importlib.import_module(f"lib.io.imports.{_module}")

__all__ = [
    "KINDS",
    "MAX_MB",
    "PROBLEM_COLUMN",
    "ROW_LABEL",
    "TARGETS",
    "Checked",
    "Kind",
    "Refused",
    "Summary",
    "Target",
    "find_plan",
    "find_round",
    "plan_choices",
    "preview",
    "preview_table",
    "round_choices",
    "run_import",
    "styled_preview",
]
