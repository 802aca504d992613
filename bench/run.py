"""Run the benchmark: `python -m bench.run --scale school|district|city [--runs N]`.

Prints a table and writes JSON (bench/out/SCALE.json); targets and results: bench/README.md."""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench import imports_bench, pages, scoring, server
from bench.generate import generate

# Each page as the role that uses it (accounts made by bench.generate), as it opens; then each
# of its other tabs (only the chosen tab runs, so each is a view of its own).
_PAGES = [
    ("pages/home.py", "bench_staff", "", []),
    ("pages/plans.py", "bench_admin", "plans_tab",
     ["Thêm công việc", "Sửa kế hoạch", "Sao chép sang năm mới", "Tạo kế hoạch mới"]),
    ("pages/progress.py", "bench_staff", "", []),
    ("pages/meeting.py", "bench_admin", "", []),
    ("pages/my_sheets.py", "gk001", "", []),
    ("pages/results.py", "bench_admin", "kq_the",
     ["Tiến độ", "Biểu đồ", "Xử lý chênh lệch", "Phiếu chấm", "Văn bản"]),
    ("pages/rounds.py", "bench_admin", "dc_the", ["Mẫu phiếu chấm", "Hội đồng", "Nhật ký"]),
    ("pages/entries.py", "bench_admin", "sk_the",
     ["Đăng ký SKKN", "Sửa / rút SKKN", "Xung đột", "Phân công"]),
    ("pages/users.py", "bench_admin", "", []),
    ("pages/imports.py", "bench_admin", "", []),
    ("pages/account.py", "gk001", "", []),
]  # fmt: skip
CASES = [(path, user, {}) for path, user, _, _ in _PAGES] + [
    (path, user, {key: tab}) for path, user, key, tabs in _PAGES for tab in tabs
]
URLS = ["tong-quan", "ke-hoach", "tien-do", "trinh-chieu", "ket-qua-cham", "dot-cham", "skkn"]


def run(scale: str, runs: int, workdir: Path, *, examiners: int, import_rows: int,
        score_rows: int, with_server: bool, log=print) -> dict:  # fmt: skip
    """Generate the scale's database in workdir and measure everything; return the report."""
    path = workdir / f"{scale}.duckdb"
    if not path.exists():
        log(f"Tạo dữ liệu {scale}…")
        generate(path, scale)
    report: dict = {"scale": scale, "runs": runs, "machine": machine()}
    if with_server:
        # First: the page timings below open the file in this process, and DuckDB's lock would
        # then keep the server out.
        report["server"] = server.cold_start_and_memory(path, URLS)
    report["pages"] = [asdict(r) | {"ratio": r.ratio}
                       for r in pages.measure_pages(path, CASES, runs, log)]  # fmt: skip
    report["submit_ms"] = asdict(scoring.submit_latency(path, max(runs, 5)))
    report["concurrent"] = scoring.concurrent_examiners(path, examiners)
    report["import_tasks"] = imports_bench.measure(import_rows, max(1, runs // 3))
    log("Đo nhập phiếu chấm…")
    report["import_scores"] = imports_bench.measure_scores(score_rows, max(1, runs // 3))
    return report


def machine() -> str:
    """One line about where the numbers come from."""
    cores = len(__import__("os").sched_getaffinity(0))
    return f"{platform.machine()}, {cores} lõi, Python {platform.python_version()}"


def table(report: dict) -> str:
    """The report as a Markdown table, as pasted into bench/README.md."""
    head = f"Quy mô **{report['scale']}**, {report['runs']} lần đo mỗi trang · {report['machine']}"
    lines = [head, "", "| trang (vai trò) | trung vị ms | p95 ms | sàn trang trống ms "
             "| truy vấn ms | tỉ lệ |", "|---|---|---|---|---|---|"]  # fmt: skip
    for p in report["pages"]:
        lines.append(
            f"| {_view(p)} ({p['role']}) | {p['run']['median']:.0f} | "
            f"{p['run']['p95']:.0f} | {p['floor']['median']:.0f} | {p['queries']['median']:.0f} "
            f"| {p['ratio']:.1f} |"
        )
    c, i, k = report["concurrent"], report["import_tasks"], report["import_scores"]
    lines += [
        "",
        f"- Nộp phiếu (lưu rồi đọc lại): trung vị {report['submit_ms']['median']:.0f} ms, "
        f"p95 {report['submit_ms']['p95']:.0f} ms",
        f"- {c['examiners']} giám khảo cùng lúc: {c['throughput_per_s']:.0f} thao tác/s, "
        f"p95 {c['p95_ms']:.0f} ms, lỗi {c['failed']}, mất {c['lost']}",
        _import_line(f"{i['rows']:,} dòng công việc", i),
        _import_line(f"{k['rows']:,} dòng điểm (phiếu chấm)", k),
    ]
    if "server" in report:
        s = report["server"]
        lines.append(f"- Khởi động: {s['cold_start_s']:.2f} s; RSS đỉnh {s['rss_peak_mb']:.0f} MB")
    return "\n".join(lines)


def _view(p: dict) -> str:
    page = p["page"].removeprefix("pages/")
    return f"{page} › {p['view']}" if p.get("view") else page


def _import_line(what: str, m: dict) -> str:
    return (
        f"- Nhập {what}: {m['import_s']:.2f} s; read_csv của DuckDB {m['read_csv_s']:.2f} s "
        f"(tỉ lệ {m['ratio']:.1f}), read_csv ghi vào tệp CSDL {m['read_csv_stored_s']:.2f} s "
        f"(tỉ lệ {m['ratio_stored']:.1f}); riêng việc ghi các dòng ấy vào bảng có khóa "
        f"{m['write_floor_s']:.2f} s (= {m['write_floor_ratio']:.1f} lần read_csv)"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", choices=["school", "district", "city"], default="school")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workdir", type=Path, help="giữ CSDL đã tạo ở đây để đo lại")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    out = args.out or Path("bench/out") / f"{args.scale}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        report = run(args.scale, args.runs, workdir, examiners=50, import_rows=100_000,
                     score_rows=150_000, with_server=True,
                     log=lambda m: print(m, file=sys.stderr))  # fmt: skip
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), "utf-8")
    print(table(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
