"""The round's Nhật ký (lib.scoring.history) and the one home of action labels (lib.core.audit)."""

import ast
import re
from datetime import date
from pathlib import Path

from lib.core import audit
from lib.scoring import (
    assignment,
    conflicts,
    council,
    entries,
    history,
    meetings,
    results,
    sheets,
    states,
)
from lib.scoring.states import TRANSITIONS
from tests.scoring_helpers import add_entry, full_marks, make_round, rubric20, user

LIB = Path(__file__).resolve().parent.parent / "lib"


def written_actions() -> set[str]:
    """Every action word lib writes to the log: record()'s third argument, an `action`
    variable, parameter or keyword, and the state machine's actions."""
    found = set(TRANSITIONS.values())

    def constants(node: ast.AST | None) -> set[str]:
        if node is None:
            return set()
        return {
            n.value
            for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        }

    for path in LIB.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "record":
                if len(node.args) >= 3:
                    found |= constants(node.args[2])
                found |= {c for k in node.keywords if k.arg == "action" for c in constants(k.value)}
            elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "action" for t in node.targets
            ):
                found |= constants(node.value)
            elif isinstance(node, ast.FunctionDef):
                args = node.args.args + node.args.kwonlyargs
                defaults = [None] * (len(node.args.args) - len(node.args.defaults))
                defaults += node.args.defaults + node.args.kw_defaults
                found |= {
                    c for a, d in zip(args, defaults, strict=True) if a.arg == "action"
                    for c in constants(d)
                }  # fmt: skip
    return found - {""}


def test_every_action_written_has_its_label_in_one_place():
    actions = written_actions()
    assert {"import", "submit", "finalize", "disable", "assign"} <= actions  # the scan works
    assert sorted(actions - set(audit.ACTIONS)) == []
    assert audit.action_label("import") == "Nhập từ tệp"


def test_the_log_reads_as_sentences_with_names_and_council_times(demo_con):
    con = demo_con
    rid = make_round(con)
    eid = add_entry(con, rid)
    council.set_council_member(con, rid, "giamkhao1", "chutich", duty="Thư ký HĐ")
    conflicts.add_conflict(con, eid, "giamkhao2", "relative", "chutich", "Chị gái")
    assignment.assign(con, eid, "giamkhao1", "chutich")
    assignment.assign(con, eid, "chutich", "chutich")
    states.open_round(con, rid, "chutich")
    sheets.submit_sheet(con, user(con, "giamkhao1"), eid, full_marks(rubric20()))
    # A sheet typed up from paper by the chair (the import's action word)
    audit.record(con, "chutich", "import", "sheet", f"{rid}:SKKN-001:chutich", None,
                 {"status": "submitted", "scores": {"I.1": "0,75", "II.1": "13,75"}})  # fmt: skip
    # The chair scored this entry: the council's recorded vote lets them decide it.
    meetings.save_meeting(
        con, rid, "chutich", held_on=date(2025, 2, 5), starts_at="8:00", ends_at="9:00",
        place="Phòng họp", chaired_by="Nguyễn Thị Quyên", secretary="Lê Thu Hà",
        attendance=meetings.default_attendance(con, rid),
        decisions=[meetings.Decision("Hạ xếp loại SKKN-001 xuống B", 3, 0, 3, eid)],
    )  # fmt: skip
    results.set_override(con, eid, "B", "Hội đồng thống nhất", "chutich")
    entries.withdraw_entry(con, eid, "chutich", "Tác giả xin rút")
    log = history.round_history(con, rid)
    said = list(log["sentence"])
    assert said[:6] == [
        "Nguyễn Thị Quyên rút SKKN-001: Tác giả xin rút",
        "Nguyễn Thị Quyên điều chỉnh xếp loại SKKN-001: B: Hội đồng thống nhất",
        "Nguyễn Thị Quyên nhập từ tệp phiếu SKKN-001: 14,5 điểm",
        "Lê Thu Hà nộp phiếu SKKN-001: 20 điểm",
        "Nguyễn Thị Quyên mở đợt chấm",
        "Nguyễn Thị Quyên phân công Nguyễn Thị Quyên chấm SKKN-001 (GK2)",
    ]
    assert "Nguyễn Thị Quyên phân công Lê Thu Hà chấm SKKN-001 (GK1)" in said
    assert any(s.startswith("Nguyễn Thị Quyên ghi xung đột của Phạm Minh Châu với SKKN-001")
               for s in said)  # fmt: skip
    assert "Nguyễn Thị Quyên sửa nhiệm vụ của Lê Thu Hà trong hội đồng: Thư ký HĐ" in said
    assert list(log["action_label"])[2] == "Nhập từ tệp"
    # No internal ids nor JSON anywhere in what is shown
    shown = "\n".join(said + list(log["details"]))
    assert f"{rid}:SKKN" not in shown and "{" not in shown and '"' not in shown
    assert all(re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", t) for t in log["time"])
    override = log.iloc[1]["details"].splitlines()
    assert "Xếp loại: B" in override and "Lý do: Hội đồng thống nhất" in override
