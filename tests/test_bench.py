"""The benchmark's smoke runs at school scale, so the measuring code cannot rot."""

import pytest

from bench import autosave, browser, run, sheet_edit
from bench.generate import generate


@pytest.mark.slow
# About 300 full script runs (three floors and the page, 27 views), each followed by the GC the
# real server does: over the suite's 300 s on a loaded 2-core machine.
@pytest.mark.timeout(900)
def test_school_scale_smoke_run(tmp_path):
    sizes = {"people": 50, "tasks": 500, "skkn": 30, "scores": 220}
    report = run.run("school", 1, tmp_path, examiners=5, import_sizes=sizes, with_server=False,
                     log=lambda message: None)  # fmt: skip
    assert [(p["page"], p["view"]) for p in report["pages"]] == [
        (page, " · ".join(state.values())) for page, _, state in run.CASES
    ]
    assert "| ket-qua-cham.py › Xử lý chênh lệch (bench.admin) |" in run.table(report)
    for p in report["pages"]:
        assert p["run"]["median"] > 0 and p["bare"]["median"] > 0 and p["shell"]["median"] > 0
        assert p["statements"] >= 0 and p["run"]["n"] == 1
    # The shell's own statements (app.py) are not counted again in a page's queries.
    account = next(p for p in report["pages"] if p["page"] == "pages/tai-khoan.py")
    home = next(p for p in report["pages"] if p["page"] == "pages/tong-quan.py")
    assert account["statements"] < home["statements"]
    assert "| max ms |" in run.table(report)  # one sample: never called a p95
    assert report["concurrent"]["failed"] == 0 and report["concurrent"]["lost"] == 0
    imported = {m["kind"]: m for m in report["imports"]}
    assert list(imported) == ["people", "tasks", "skkn", "scores", "evaluations", "registrations"]
    assert imported["tasks"]["rows"] == 500 and imported["scores"]["rows"] == 220  # 20 sheets
    # The write floor re-inserts exactly the rows the import stored, in the same keyed tables.
    assert imported["tasks"]["written"] == {"tasks": 500, "audit_log": 501}
    added = imported["scores"]["written"]
    assert added["sheets"] == 20 and added["scores"] == 220 and added["audit_log"] >= 20
    assert imported["people"]["written"]["people"] == 50
    assert imported["skkn"]["written"]["entries"] == 30
    main_table = {"people": "people", "tasks": "tasks", "skkn": "entries", "scores": "sheets",
                  "evaluations": "evaluations", "registrations": "title_registrations"}  # fmt: skip
    for m in report["imports"]:
        assert m["n"] == 1 and m["import_ms"] > 0 and m["floor_ms"] > 0 and m["duckdb_ms"] > 0, m
        assert m["written"][main_table[m["kind"]]] > 0, m
    assert "| Đánh giá cuối năm |" in run.table(report)
    assert "| tong-quan.py (bench.staff) |" in run.table(report)
    # The automatic assignment of the open round: every entry gets its examiners, none refused.
    assign = report["assign"]
    assert assign["entries"] == 30 and assign["problems"] == 0
    assert assign["written"] == assign["proposals"] > 0 and assign["plan_cpu_s"] > 0
    assert "- Phân công tự động (đợt 3: 30 SKKN," in run.table(report)


@pytest.mark.browser
@pytest.mark.timeout(600)  # 285 s measured on a 2-core machine at load ~20 (not yet quiet)
def test_browser_smoke_run(tmp_path):
    """One run of every kind of step in Chromium against a real server, beside its floors."""
    path = tmp_path / "school.duckdb"
    generate(path, "school")
    report = browser.measure(path, "school", 1, 1, log=lambda message: None, menu_pages=2)
    steps = [s["step"] for s in report["steps"]]
    assert steps[:2] == ["Lần đầu vào → ô mật khẩu dùng được", "Đăng nhập → trang đầu"]
    assert {"Tổng quan", "Kế hoạch", "Kế hoạch › Thêm công việc", "Phiếu chấm của tôi",
            "Mở phiếu chấm", "Sửa một ô → tổng cập nhật", "Về danh sách phiếu",
            "Nộp phiếu → danh sách"} <= set(steps)  # fmt: skip
    for s in report["steps"]:
        assert s["n"] >= 1 and s["median_ms"] > 0 and s["floors"], s
        assert all(f["median_ms"] > 0 for f in s["floors"].values()), s
    # Every step that asks the server for a run shows its script time.
    assert all(s["server_ms"] > 0 for s in report["steps"] if "›" not in s["step"])
    assert set(report["floors"]) == set(browser.FLOOR_NAMES) - {browser.SAME}
    # Every page and tab also stands beside its own floor: what the app sent, played back.
    menu_steps = [s for s in report["steps"] if s["step"].startswith(("Tổng quan", "Kế hoạch"))]
    assert len(menu_steps) >= 3
    for s in menu_steps:
        assert s["floors"][browser.SAME]["median_ms"] > 0, s
    assert "| ″ | | | | | | cùng phần tử, không có ứng dụng (phát lại) |" in browser.table(report)
    assert report["cold_start_s"]["app"] > 0 and report["cold_start_s"]["floor"] > 0
    text = browser.table(report)
    assert all(f"| {step} |" in text for step in steps)


def test_sheet_edit_times_a_field_edit_beside_the_bare_sheet(tmp_path):
    """AppTest: one field of gk001's draft edited, the same on the bare sheet; both totals shown."""
    path = tmp_path / "school.duckdb"
    generate(path, "school")
    result = sheet_edit.apptest(path, "gk001", 1)  # raises if either total is not the typed one
    assert result["mode"] == "fragment rerun" and result["runs"] == 1
    assert result["app_ms"] > 0 and result["floor_ms"] > 0 and result["statements"] > 0


@pytest.mark.browser
@pytest.mark.timeout(300)
def test_sheet_edit_in_the_browser_reads_each_servers_runs(tmp_path):
    """--browser: both servers' own time per edit, read from bench.serve's log of script runs."""
    path = tmp_path / "school.duckdb"
    generate(path, "school")
    result = sheet_edit.browser(path, "gk001", 1)
    assert result["app_ms"] > 0 and result["floor_ms"] > 0
    assert result["app_server_ms"] > 0 and result["floor_server_ms"] > 0
    # The measured edit (after the warm-up): the sheet's fragment, the bare page whole.
    assert result["app_runs"][-1].endswith(" fragment"), result["app_runs"]
    assert result["floor_runs"][-1].endswith(" full"), result["floor_runs"]


@pytest.mark.browser  # a real server, like the browser smoke run (no browser needed)
@pytest.mark.timeout(300)
def test_autosave_smoke_run(tmp_path):
    """Two examiners fill and submit their sheets over the websocket: every value read back."""
    path = run.database("demo", tmp_path, log=lambda message: None)
    # 11 criteria a sheet at 0.5 s each: every field typed once, then submitted.
    report = autosave.measure(path, clients=2, seconds=6.5, every=0.5)
    assert report["errors"] == [] and report["lost"] == [] and report["wrong_state"] == []
    assert report["duplicated"] == 0
    assert report["saves"] >= 2 * 11 and report["submits"] == 2
    assert report["save_p95_ms"] > 0 and report["server_cpu_s"] > 0
    assert "lỗi 0, mất 0, trùng 0" in autosave.table(report)


def test_tab_cpu_timer_runs_a_tab(tmp_path, monkeypatch):
    from bench import tabs_cpu
    from lib import demo
    from lib.core import db

    path = tmp_path / "app.duckdb"
    con = db.connect(path)
    demo.load_demo(con)
    con.close()
    monkeypatch.chdir(tabs_cpu.pages.ROOT)
    found = tabs_cpu.measure(path, [("pages/skkn.py", "chutich", {"sk_the": "Phân công"})], 1)
    assert [(f["page"], f["view"], f["runs"]) for f in found] == [("pages/skkn.py", "Phân công", 1)]
    assert found[0]["cpu_ms"] > 0 and found[0]["kib"] > 1  # the grid and pickers were drawn


def test_a_recorded_run_plays_back_what_it_drew_and_only_that(tmp_path):
    """bench.replay keeps a run's messages whole; the floor is sent the drawing, not the session."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    from bench import replay

    title, session = ForwardMsg(), ForwardMsg()
    title.delta.new_element.markdown.body = "# Tiến độ – Kế hoạch 13/KH-MNAS"
    title.metadata.delta_path[:] = [0, 0]
    session.new_session.page_script_hash = "x"
    replay.write(tmp_path / "1.pb", [session.SerializeToString(), title.SerializeToString(),
                                     None])  # fmt: skip
    [played] = replay.read(tmp_path / "1.pb")
    assert [m.delta.new_element.markdown.body for m in played] == [
        "# Tiến độ – Kế hoạch 13/KH-MNAS"
    ]
    assert list(played[0].metadata.delta_path) == [0, 0]
    # A run that called st.rerun(): two runs in one recording, played back one a floor run.
    replay.write(tmp_path / "2.pb", [title.SerializeToString(), None, session.SerializeToString(),
                                     title.SerializeToString(), None])  # fmt: skip
    assert [len(run) for run in replay.read(tmp_path / "2.pb")] == [1, 1]
    control = tmp_path / "replay.json"
    replay.plan(control, ["1.pb"])
    replay.plan(control, ["2.pb", "3.pb"])  # a new plan: the floor starts again from its first
    assert control.read_text() == '{"id": 2, "records": ["2.pb", "3.pb"]}'
