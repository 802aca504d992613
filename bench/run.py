"""Run the benchmark: `python -m bench.run --scale demo|school|district|city [--runs N]
[--browser | --autosave]`.

Without a flag: the AppTest page benchmark and the lib-level figures (not for demo). --browser:
Chromium against a real server (bench/browser.py). --autosave: examiners saving fields through
a real server's websocket (bench/autosave.py). Prints a table and writes JSON
(bench/out/SCALE[-browser|-autosave].json); targets and results: bench/README.md."""

from __future__ import annotations

import argparse
import json
import platform
import signal
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from bench import assign_bench, imports_bench, pages, scoring, server
from bench.generate import generate
from bench.pages import tail_name

# Each page as the role that uses it (accounts made by bench.generate), as it opens; then each
# of its other tabs (only the chosen tab runs, so each is a view of its own).
_PAGES = [
    ("pages/tong-quan.py", "bench.staff", "", []),
    ("pages/ke-hoach.py", "bench.admin", "plans_tab",
     ["Thêm công việc", "Sửa kế hoạch", "Sao chép sang năm mới", "Tạo kế hoạch mới"]),
    ("pages/tien-do.py", "bench.staff", "", []),
    ("pages/trinh-chieu.py", "bench.admin", "", []),
    ("pages/phieu-cham.py", "gk001", "", []),
    ("pages/ket-qua-cham.py", "bench.admin", "kq_the",
     ["Tiến độ", "Biểu đồ", "Xử lý chênh lệch", "Phiếu chấm", "Văn bản"]),
    ("pages/dot-cham.py", "bench.admin", "dc_the", ["Mẫu phiếu chấm", "Hội đồng", "Nhật ký"]),
    ("pages/skkn.py", "bench.admin", "sk_the",
     ["Đăng ký SKKN", "Sửa / rút SKKN", "Xung đột", "Phân công"]),
    ("pages/nguoi-dung.py", "bench.admin", "", []),
    ("pages/nhap-du-lieu.py", "bench.admin", "", []),
    ("pages/tai-khoan.py", "gk001", "", []),
]  # fmt: skip
CASES = [(path, user, {}) for path, user, _, _ in _PAGES] + [
    (path, user, {key: tab}) for path, user, key, tabs in _PAGES for tab in tabs
]
URLS = ["tong-quan", "ke-hoach", "tien-do", "trinh-chieu", "ket-qua-cham", "dot-cham", "skkn"]


def run(scale: str, runs: int, workdir: Path, *, examiners: int, import_sizes: dict[str, int],
        with_server: bool, log=print) -> dict:  # fmt: skip
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
    report["pages"] = [asdict(r) | {"ratio": r.ratio, "ratio_bare": r.ratio_bare}
                       for r in pages.measure_pages(path, CASES, runs, log)]  # fmt: skip
    report["submit_ms"] = asdict(scoring.submit_latency(path, max(runs, 5)))
    report["concurrent"] = scoring.concurrent_examiners(path, examiners)
    # Each import kind on copies of the scale's database: at least 5 runs (a median of a
    # handful), unless a smoke run asks for one.
    report["imports"] = imports_bench.measure_all(path, max(1, min(runs, 5)), import_sizes,
                                                  log=log)  # fmt: skip
    report["assign"] = assign_bench.measure(path, workdir)
    return report


def machine() -> str:
    """One line about where the numbers come from."""
    cores = len(__import__("os").sched_getaffinity(0))
    return f"{platform.machine()}, {cores} lõi, Python {platform.python_version()}"


def table(report: dict) -> str:
    """The report as a Markdown table, as pasted into bench/README.md."""
    head = f"Quy mô **{report['scale']}**, {report['runs']} lần đo mỗi trang · {report['machine']}"
    tail = tail_name(report["runs"])
    lines = [head, "", f"| trang (vai trò) | trung vị ms | {tail} ms | khung trần ms "
             "| vỏ ứng dụng ms | truy vấn app.py ms | truy vấn riêng ms (câu) | tỉ lệ / vỏ "
             "| tỉ lệ / khung |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for p in report["pages"]:
        lines.append(
            f"| {_view(p)} ({p['role']}) | {p['run']['median']:.0f} | {p['run']['tail']:.0f} "
            f"| {p['bare']['median']:.1f} | {p['shell']['median']:.0f} "
            f"| {p['shell_queries']['median']:.0f} | {p['queries']['median']:.0f} "
            f"({p['statements']}) | {p['ratio']:.1f} | {p['ratio_bare']:.1f} |"
        )
    c = report["concurrent"]
    sub = report["submit_ms"]
    lines += [
        "",
        f"- Nộp phiếu (gọi lib, lưu rồi đọc lại; không qua Streamlit): trung vị "
        f"{sub['median']:.0f} ms, {tail_name(sub['n'])} {sub['tail']:.0f} ms ({sub['n']} lần)",
        f"- {c['examiners']} giám khảo cùng lúc (gọi lib từ luồng, không qua máy chủ, "
        f"không GC, không tranh khóa GIL với lượt chạy): {c['throughput_per_s']:.0f} thao tác/s, "
        f"{c['tail']} {c['tail_ms']:.0f} ms, "
        f"lỗi {c['failed']}, mất {c['lost']}",
        "",
        f"Nhập tệp ({report['scale']}; trung vị; tỉ lệ so với sàn ghi của chính nó, mục tiêu ≤ 2):",
        "",
        imports_bench.table(report["imports"]),
    ]
    if report.get("assign"):
        lines += ["", assign_bench.line(report["assign"])]
    if "server" in report:
        s = report["server"]
        lines.append(f"- Khởi động: {s['cold_start_s']:.2f} s; RSS đỉnh {s['rss_peak_mb']:.0f} MB")
    return "\n".join(lines)


def _view(p: dict) -> str:
    page = p["page"].removeprefix("pages/")
    return f"{page} › {p['view']}" if p.get("view") else page


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--scale", choices=["demo", "school", "district", "city"],
                        default="school")  # fmt: skip
    parser.add_argument("--runs", type=int, help="mặc định: 15 (AppTest), 5 (trình duyệt)")
    parser.add_argument("--edits", type=int, default=20, help="số lần sửa ô (trình duyệt)")
    parser.add_argument("--workdir", type=Path, help="giữ CSDL đã tạo ở đây để đo lại")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--browser", action="store_true", help="đo trong Chromium, máy chủ thật")
    parser.add_argument("--autosave", action="store_true",
                        help="giám khảo cùng tự lưu qua websocket của máy chủ thật")  # fmt: skip
    parser.add_argument("--clients", type=int, default=50, help="số giám khảo (--autosave)")
    parser.add_argument("--seconds", type=float, default=60, help="thời gian tải (--autosave)")
    args = parser.parse_args(argv)
    suffix = "-browser" if args.browser else "-autosave" if args.autosave else ""
    out = args.out or Path("bench/out") / f"{args.scale}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        if args.browser:
            # Stopped with SIGTERM: still stop the servers and browsers this run started.
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
            from bench import browser

            path = database(args.scale, workdir, log)
            report = browser.measure(path, args.scale, args.runs or 5, args.edits, log)
            text = browser.table(report)
            report["machine"] = machine()
            text = f"{report['machine']}\n\n{text}"
        elif args.autosave:
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
            from bench import autosave

            path = database(args.scale, workdir, log)
            report = autosave.measure(path, args.clients, args.seconds)
            report["machine"] = machine()
            text = f"{report['machine']}\n\n{autosave.table(report)}"
        elif args.scale == "demo":
            parser.error("--scale demo chỉ dùng với --browser")
        else:
            report = run(args.scale, args.runs or 15, workdir, examiners=50,
                         import_sizes=imports_bench.SIZES, with_server=True,
                         log=log)  # fmt: skip
            text = table(report)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), "utf-8")
    print(text)
    return 0


def database(scale: str, workdir: Path, log=print) -> Path:
    """The scale's database in workdir, made if missing (demo: the demo data, round opened)."""
    path = workdir / f"{scale}.duckdb"
    if path.exists():
        return path
    log(f"Tạo dữ liệu {scale}…")
    if scale == "demo":
        from lib import demo
        from lib.core import db
        from lib.scoring import assignment, states

        con = db.connect(path)
        demo.load_demo(con)
        assignment.auto_assign(con, 1, "chutich")
        states.open_round(con, 1, "chutich")
        con.close()
    else:
        generate(path, scale)
    return path


if __name__ == "__main__":
    sys.exit(main())
