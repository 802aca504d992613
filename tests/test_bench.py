"""The benchmark's smoke run at school scale, so the measuring code cannot rot."""

import pytest

from bench import run


@pytest.mark.slow
def test_school_scale_smoke_run(tmp_path):
    report = run.run("school", 1, tmp_path, examiners=5, import_rows=500, score_rows=220,
                     with_server=False, log=lambda message: None)  # fmt: skip
    assert [(p["page"], p["view"]) for p in report["pages"]] == [
        (page, " · ".join(state.values())) for page, _, state in run.CASES
    ]
    assert "| results.py › Xử lý chênh lệch (bench_admin) |" in run.table(report)
    assert all(p["run"]["median"] > 0 and p["statements"] > 0 for p in report["pages"])
    assert report["concurrent"]["failed"] == 0 and report["concurrent"]["lost"] == 0
    assert report["import_tasks"]["rows"] == 500
    assert report["import_scores"]["rows"] == 220  # 20 sheets of 11 criteria
    # The write floor re-inserts exactly the rows the import stored.
    assert report["import_tasks"]["write_floor_rows"] == {"tasks": 500}
    added = report["import_scores"]["write_floor_rows"]
    assert added["sheets"] == 20 and added["scores"] == 220 and added["audit_log"] >= 20
    assert "| home.py (bench_staff) |" in run.table(report)
