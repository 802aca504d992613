"""Import speed: every CSV kind through the real import, beside read_csv and its own write floor."""

from __future__ import annotations

import csv
import io
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

from lib.core import db
from lib.io import imports
from lib.io.imports import pipeline
from lib.scoring import rounds, states


def tasks_csv(rows: int) -> bytes:
    """A tasks CSV as a secretary's Excel would save it (UTF-8 with BOM), `rows` distinct tasks."""
    lines = ["Thời gian,Nội dung,Bộ phận thực hiện,Lãnh đạo phụ trách,Ghi chú,Trạng thái,Hạn"]
    for i in range(rows):
        lines.append(
            f"Tháng {i % 12 + 1}/2024,Công việc số {i + 1} của năm,Tổ {i % 7 + 1},"
            f"Đ/c Quyên,,{'Hoàn thành' if i % 3 == 0 else 'Chưa bắt đầu'},"
            f"{i % 28 + 1}/{i % 12 + 1}/2024"
        )
    return ("\r\n".join(lines) + "\r\n").encode("utf-8-sig")


def _write_floor(
    before: Path, after: db.Connection, tables: list[str], workdir: Path
) -> tuple[tuple[float, float], dict[str, int]]:
    """(wall, CPU) seconds to insert the rows an import added to these tables, as they were
    stored, into the database it started from, in one transaction: the keyed, durable write
    with no reading and no checking, which no import of these rows can beat."""
    # The app's connection attaches no other file: both sides meet in a scratch database.
    old = duckdb.connect(str(before), read_only=True)
    scratch = duckdb.connect()
    try:
        added = {}
        for t in tables:
            scratch.register("now_rows", after.sql(f"SELECT * FROM {t}").to_arrow_table())
            scratch.register("old_rows", old.sql(f"SELECT * FROM {t}").to_arrow_table())
            added[t] = scratch.sql(
                "SELECT * FROM now_rows EXCEPT ALL SELECT * FROM old_rows"
            ).to_arrow_table()
    finally:
        old.close()
        scratch.close()
    copy = _copy(before, workdir / f"floor-{before.name}")
    con = db.connect(copy)
    try:

        def write() -> None:
            with db.transaction(con):
                for table, rows in added.items():
                    con.register("added", rows)
                    con.execute(f"INSERT INTO {table} SELECT * FROM added")
                    con.unregister("added")

        return _timed(write), {t: rows.num_rows for t, rows in added.items()}
    finally:
        con.close()
        copy.unlink()


# --- scores: typed-up paper sheets into an open round ------------------------------------------

SCORE_ROUND = "Đợt nhập phiếu chấm"
CRITERIA_STEP = Decimal("0.25")
# Where the scores import adds rows (it also updates sheets and freezes the rubric).
SCORE_TABLES = ["round_examiners", "assignments", "sheets", "scores", "audit_log"]
PER_ENTRY = 3  # examiners whose paper sheets are typed up for each entry


def scores_csv(codes: list[str], examiners: list[str], sheets: int) -> bytes:
    """A long-form scores CSV (one row per criterion score) for `sheets` complete, valid sheets,
    PER_ENTRY examiners an entry.

    Points are on the rubric's step within each maximum, with decimal commas as typed in
    Vietnam; every seventh row carries a comment."""
    rubric = rounds.load_rubric_file(rounds.TEMPLATE_DIR / "mau-20-diem.yaml")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Mã SKKN", "Giám khảo", "Tiêu chí", "Điểm", "Nhận xét"])
    row = 0
    for n in range(sheets):
        entry, nth = divmod(n, PER_ENTRY)
        code, examiner = codes[entry], examiners[(entry * PER_ENTRY + nth) % len(examiners)]
        for c in rubric.criteria:
            row += 1
            steps = int(c.max / CRITERIA_STEP)
            points = CRITERIA_STEP * ((n * 7 + row) % (steps + 1))
            text = format(points.normalize(), "f").replace(".", ",")
            note = f"Nhận xét dòng {row}, tiêu chí {c.code}" if row % 7 == 0 else ""
            writer.writerow([code, examiner, c.code, text, note])
    return out.getvalue().encode("utf-8-sig")


# --- every CSV kind on a copy of the scale's database -------------------------------------------


@dataclass
class Case:
    """One import as the council runs it: a file of one kind into a prepared copy of the database.

    `base` is the database the import starts from (each run imports into a fresh copy of it);
    `tables` are where the import adds rows, which the write floor inserts again."""

    kind: str
    label: str
    base: Path
    data: bytes
    filename: str
    target: str | None
    tables: list[str]
    rows: int


def _copy(path: Path, to: Path) -> Path:
    """A writable copy (the scale's database stays read-only)."""
    shutil.copyfile(path, to)
    to.chmod(0o644)
    return to


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _named_people(con: db.Connection) -> list[tuple[int, str, str]]:
    """(id, name, tổ) of everyone whose name no one else has: a file can name them alone."""
    from lib.access.identity import name_key

    rows = con.execute("SELECT id, full_name, group_name FROM people ORDER BY id").fetchall()
    count: dict[str, int] = {}
    for _, name, _ in rows:
        count[name_key(name)] = count.get(name_key(name), 0) + 1
    return [(int(i), n, g) for i, n, g in rows if count[name_key(n)] == 1]


def people_case(source: Path, workdir: Path, rows: int) -> Case:
    """A list of `rows` new staff (a merged school's), every tenth with an account and roles."""
    base = _copy(source, workdir / "people-base.duckdb")
    lines = []
    for i in range(rows):
        account = i % 10 == 0
        lines.append([
            f"Cán Bộ Mới {i + 1:05d}", "Giáo viên", f"Tổ {i % 9 + 1}",
            f"cb{i + 1:05d}@truong.edu.vn" if i % 3 == 0 else "",
            f"{i % 28 + 1:02d}/{i % 12 + 1:02d}/20{i % 20 + 5:02d}",
            f"cbm{i + 1:05d}" if account else "",
            "examiner; staff" if account and i % 20 == 0 else "",
        ])  # fmt: skip
    header = ["Họ và tên", "Chức vụ", "Tổ", "Email", "Ngày vào ngành", "Tên đăng nhập", "Vai trò"]
    return Case("people", "Cán bộ (người mới)", base, _csv(header, lines), "canbo.csv", None,
                ["people", "users", "user_roles", "audit_log"], rows)  # fmt: skip


def tasks_case(source: Path, workdir: Path, rows: int) -> Case:
    """`rows` new tasks into the newest plan of the database."""
    base = _copy(source, workdir / "tasks-base.duckdb")
    con = db.connect(base)
    try:
        ((code,),) = con.execute("SELECT code FROM plans ORDER BY id DESC LIMIT 1").fetchall()
    finally:
        con.close()
    return Case("tasks", "Công việc của kế hoạch", base, tasks_csv(rows), "tasks.csv", code,
                ["tasks", "audit_log"], rows)  # fmt: skip


def _bench_round(con: db.Connection, name: str) -> int:
    rubric = rounds.load_rubric_file(rounds.TEMPLATE_DIR / "mau-20-diem.yaml")
    rid = rounds.create_round(con, "bench.admin", name, rubric, school_year="2025-2026")
    states.confirm_thresholds(con, rid, "bench.admin")
    return rid


def skkn_case(source: Path, workdir: Path, rows: int) -> Case:
    """`rows` SKKN into a new round: every other code left to generate, every third two authors."""
    base = _copy(source, workdir / "skkn-base.duckdb")
    con = db.connect(base)
    try:
        rid = _bench_round(con, "Đợt nhập danh sách SKKN")
        people = _named_people(con)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    lines = []
    for i in range(rows):
        first, second = people[(2 * i) % len(people)], people[(2 * i + 1) % len(people)]
        authors = f"{first[1]} (60%); {second[1]} (40%)" if i % 3 == 0 else first[1]
        lines.append([f"Q-{i + 1:04d}" if i % 2 else "", f"Sáng kiến nhập số {i + 1}", authors,
                      "Giáo dục mầm non", first[2]])  # fmt: skip
    header = ["Mã SKKN", "Tên SKKN", "Tác giả", "Lĩnh vực", "Tổ"]
    return Case("skkn", "Danh sách SKKN", base, _csv(header, lines), "skkn.csv", str(rid),
                ["entries", "entry_authors", "audit_log"], rows)  # fmt: skip


def scores_case(source: Path, workdir: Path, rows: int) -> Case:
    """Typed-up paper sheets (long form) for a new open round: `rows` rounded to whole sheets."""
    base = _copy(source, workdir / "scores-base.duckdb")
    criteria = len(rounds.load_rubric_file(rounds.TEMPLATE_DIR / "mau-20-diem.yaml").criteria)
    sheets = rows // criteria
    con = db.connect(base)
    try:
        rid = _bench_round(con, SCORE_ROUND)
        examiners = [u for (u,) in con.execute(
            "SELECT examiner FROM round_examiners WHERE round_id = ? ORDER BY examiner", [rid]
        ).fetchall()]  # fmt: skip
        people = [(i, n) for i, n, _ in _named_people(con)]
        writers = set(con.execute("SELECT person_id FROM users WHERE person_id IS NOT NULL")
                      .fetchall())  # fmt: skip
        authors = [p for p in people if (p[0],) not in writers]
        codes = [f"NB-{n:05d}" for n in range(1, -(-sheets // PER_ENTRY) + 1)]
        frame = pd.DataFrame({"code": codes, "title": [f"Sáng kiến số {n + 1}"
                              for n in range(len(codes))]})  # fmt: skip
        frame["person_id"] = [authors[n % len(authors)][0] for n in range(len(codes))]
        frame["name"] = [authors[n % len(authors)][1] for n in range(len(codes))]
        # Entries straight in (setup, not measured): the SKKN import is measured on its own.
        with db.transaction(con):
            pipeline.insert_batch(
                con,
                "INSERT INTO entries (round_id, code, title, created_by) "
                f"SELECT {rid}, code, title, 'bench' FROM batch",
                frame,
            )
            pipeline.insert_batch(
                con, "INSERT INTO entry_authors (entry_id, position, name, share, person_id) "
                "SELECT e.id, 1, b.name, 100, b.person_id FROM batch b "
                f"JOIN entries e ON e.round_id = {rid} AND e.code = b.code", frame,
            )  # fmt: skip
            # Two of each entry's three examiners assigned (the council's usual two): the
            # import assigns the third. Straight in too (setup, not measured): a fixed pattern.
            pairs = pd.DataFrame(
                [(code, examiners[(n * PER_ENTRY + j) % len(examiners)], j + 1)
                 for n, code in enumerate(codes) for j in range(2)],
                columns=["code", "examiner", "ord"],
            )  # fmt: skip
            pipeline.insert_batch(
                con, "INSERT INTO assignments (entry_id, examiner, ord, assigned_by) "
                "SELECT e.id, b.examiner, b.ord, 'bench' FROM batch b "
                f"JOIN entries e ON e.round_id = {rid} AND e.code = b.code", pairs,
            )  # fmt: skip
        states.open_round(con, rid, "bench.admin")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return Case("scores", "Điểm chấm (phiếu giấy)", base, scores_csv(codes, examiners, sheets),
                "diem.csv", str(rid), SCORE_TABLES, sheets * criteria)  # fmt: skip


YEAR = "2025-2026"


def evaluations_case(source: Path, workdir: Path) -> Case:
    """Everyone a name identifies, evaluated for a year that has none yet."""
    base = _copy(source, workdir / "evaluations-base.duckdb")
    con = db.connect(base)
    try:
        people = _named_people(con)
    finally:
        con.close()
    ratings = ["Hoàn thành xuất sắc nhiệm vụ", "Hoàn thành tốt nhiệm vụ", "Hoàn thành nhiệm vụ"]
    lines = [[name, "", ratings[i % 3], "9,5" if i % 11 == 0 else "12", str(i % 4), "", "", ""]
             for i, (_, name, _) in enumerate(people)]  # fmt: skip
    header = ["Họ và tên", "Tên đăng nhập", "Xếp loại", "Số tháng công tác", "Số ngày nghỉ",
              "Kỷ luật", "Kỷ luật từ ngày", "Kỷ luật đến ngày"]  # fmt: skip
    return Case("evaluations", "Đánh giá cuối năm", base, _csv(header, lines), "danhgia.csv",
                YEAR, ["title_years", "evaluations", "audit_log"], len(lines))  # fmt: skip


def registrations_case(source: Path, workdir: Path) -> Case:
    """Everyone a name identifies registers a title (every fifth a CSTĐCS with an SKKN); each
    tổ a collective title."""
    from lib.titles.registrations import group_names

    base = _copy(source, workdir / "registrations-base.duckdb")
    con = db.connect(base)
    try:
        people, groups = _named_people(con), group_names(con)
    finally:
        con.close()
    lines = [[name, "", "CSTĐCS", f"Sáng kiến của {name}", "Giáo dục mầm non"] if i % 5 == 0
             else [name, "", "LĐTT", "", ""] for i, (_, name, _) in enumerate(people)]  # fmt: skip
    lines += [[g, "", "TTLĐTT", "", ""] for g in groups]
    header = ["Họ và tên", "Tên đăng nhập", "Danh hiệu đăng ký", "Tên SKKN", "Lĩnh vực"]
    return Case("registrations", "Đăng ký thi đua", base, _csv(header, lines), "dangky.csv", YEAR,
                ["title_years", "title_registrations", "group_registrations", "audit_log"],
                len(lines))  # fmt: skip


def _timed(work, *args) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the whole process, every thread) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    _timed.result = work(*args)  # type: ignore[attr-defined]
    return time.perf_counter() - wall, time.process_time() - cpu


def measure_case(case: Case, runs: int, workdir: Path) -> dict:
    """Median (and tail) of the import, its write floor and two read_csv of the same file, each
    run in turn so a busy moment of the machine falls on all of them."""
    from bench.pages import Timing

    path = workdir / case.filename
    path.write_bytes(case.data)
    samples: dict[str, list[float]] = {k: [] for k in ("import", "import_cpu", "floor",
                                       "floor_cpu", "duckdb", "duckdb_cpu", "pandas",
                                       "pandas_cpu")}  # fmt: skip
    written: dict[str, int] = {}
    summary = None

    def read_duckdb(memory: duckdb.DuckDBPyConnection) -> None:
        memory.execute("CREATE TABLE raw AS SELECT * FROM read_csv(?, all_varchar = true)",
                       [str(path)])  # fmt: skip

    def add(name: str, timed: tuple[float, float]) -> None:
        samples[name].append(timed[0])
        samples[f"{name}_cpu"].append(timed[1])

    for run in range(runs):
        # In a memory database (opened before the clock starts): the app's connection may not
        # read files with SQL.
        memory = duckdb.connect()
        add("duckdb", _timed(read_duckdb, memory))
        memory.close()
        add("pandas", _timed(lambda: pd.read_csv(path, dtype=str, keep_default_na=False)))
        copy = _copy(case.base, workdir / f"{case.kind}-run{run}.duckdb")
        con = db.connect(copy)
        try:
            add("import", _timed(imports.run_import, con, case.kind, case.data, case.filename,
                                 "bench.admin", case.target))  # fmt: skip
            summary = _timed.result  # type: ignore[attr-defined]
            timed, written = _write_floor(case.base, con, case.tables, workdir)
            add("floor", timed)
        finally:
            con.close()
            copy.unlink()
    t = {k: Timing.of(v) for k, v in samples.items()}
    return {
        "kind": case.kind, "label": case.label, "rows": case.rows, "written": written,
        "added": summary.added if summary else 0, "n": runs,
        **{f"{k}_ms": t[k].median for k in samples},
        "import_tail_ms": t["import"].tail, "tail_name": t["import"].tail_name,
        "ratio_floor": t["import"].median / t["floor"].median,
        "ratio_floor_cpu": t["import_cpu"].median / t["floor_cpu"].median,
        "ratio_duckdb": t["import"].median / t["duckdb"].median,
        "ratio_pandas": t["import"].median / t["pandas"].median,
    }  # fmt: skip


SIZES = {"people": 2000, "tasks": 100_000, "skkn": 600, "scores": 150_000}


def measure_all(source: Path, runs: int, sizes: dict[str, int] | None = None,
                kinds: list[str] | None = None, log=print) -> list[dict]:  # fmt: skip
    """Every CSV kind the app imports, on copies of `source`; one dict per kind."""
    sizes = {**SIZES, **(sizes or {})}
    builders = {
        "people": lambda d: people_case(source, d, sizes["people"]),
        "tasks": lambda d: tasks_case(source, d, sizes["tasks"]),
        "skkn": lambda d: skkn_case(source, d, sizes["skkn"]),
        "scores": lambda d: scores_case(source, d, sizes["scores"]),
        "evaluations": lambda d: evaluations_case(source, d),
        "registrations": lambda d: registrations_case(source, d),
    }
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds or list(builders):
            log(f"Đo nhập {kind}…")
            case = builders[kind](Path(tmp))
            out.append(measure_case(case, runs, Path(tmp)))
            case.base.unlink()
            log(table(out[-1:]).splitlines()[-1])  # each row as it comes: a run can be long
    return out


def table(results: list[dict]) -> str:
    """The import table as pasted into bench/README.md."""
    lines = [
        "| loại | dòng tệp | dòng ghi (bảng: dòng) | n | nhập ms (CPU) | sàn ghi ms (CPU) "
        "| / sàn ghi (CPU) | read_csv DuckDB ms | / DuckDB | pandas ms | / pandas |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        written = ", ".join(f"{t} {n:,}" for t, n in m["written"].items())
        lines.append(
            f"| {m['label']} | {m['rows']:,} | {written} | {m['n']} "
            f"| {m['import_ms']:.0f} ({m['import_cpu_ms']:.0f}) "
            f"| {m['floor_ms']:.0f} ({m['floor_cpu_ms']:.0f}) "
            f"| {m['ratio_floor']:.2f} ({m['ratio_floor_cpu']:.2f}) | {m['duckdb_ms']:.0f} "
            f"| {m['ratio_duckdb']:.1f} | {m['pandas_ms']:.0f} | {m['ratio_pandas']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.imports_bench --db TỆP [--runs N] [--kind K …]`: the import table alone."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.imports_bench")
    parser.add_argument("--db", type=Path, required=True, help="CSDL của quy mô (chỉ đọc, chép)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kind", action="append", choices=["people", "tasks", "skkn", "scores",
                        "evaluations", "registrations"])  # fmt: skip
    args = parser.parse_args(argv)
    log = lambda m: print(m, file=sys.stderr)  # noqa: E731
    print(table(measure_all(args.db, args.runs, kinds=args.kind, log=log)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
