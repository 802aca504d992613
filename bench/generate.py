"""Generate a deterministic benchmark database: `python -m bench.generate --scale S --db PATH`."""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd

from lib.access import users
from lib.core import db
from lib.plans.periods import derive_dates
from lib.scoring.rubric import Rubric, load_rubric_yaml, rubric_to_yaml

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-mat-khau"  # every generated account; never a real database


@dataclass(frozen=True)
class Scale:
    """How much of everything one scale holds."""

    schools: int
    plans_per_year: int
    tasks_per_plan: int
    entries_per_year: int
    examiners: int
    years: int
    sheets: tuple[int, ...]  # sheets per entry to choose from


SCALES = {
    "school": Scale(1, 3, 30, 30, 5, 3, (2,)),
    "district": Scale(60, 60, 50, 600, 40, 5, (2, 2, 3)),
    "city": Scale(600, 600, 50, 5000, 200, 10, (2, 3)),
}


def words(text: str) -> list[str]:
    """A word list written as one string."""
    return text.split()


SURNAMES = words("Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Đào Đinh")
MIDDLE = words("Thị Văn Thu Minh Ngọc Thanh Hồng Mai Thùy Kim Bảo Quốc Phương Khánh")
GIVEN = words(
    "An Anh Ánh Bình Châu Chi Dung Đức Giang Hà Hạnh Hiền Hoa Hương Huyền Lan Linh Loan Mai "
    "Nga Ngân Nhung Oanh Phương Quyên Tâm Thảo Thủy Trang Tuyết Uyên Vân Yến Hằng Hậu"
)
GROUPS = ["Tổ Nhà trẻ", "Tổ Mẫu giáo bé", "Tổ Mẫu giáo nhỡ", "Tổ Mẫu giáo lớn", "Tổ Văn phòng"]
FIELDS = ["Ngôn ngữ", "Toán", "Âm nhạc", "Tạo hình", "Thể chất", "Kỹ năng sống", "Quản lý"]
UNITS = ["HĐTĐKT", "HĐSKKN", "HĐTĐKT, HĐSKKN", "Tổ chuyên môn", "Công đoàn", "Ban giám hiệu"]
TASKS = [
    "Xây dựng kế hoạch công tác thi đua, khen thưởng năm {y}",
    "Hướng dẫn qui trình chấm SKKN cấp trường",
    "Tổ chức chấm, xét duyệt SKKN cấp trường",
    "Gửi hồ sơ SKKN đạt loại A cấp trường lên cấp trên",
    "Tham gia Hội thi Nhà giáo tâm huyết sáng tạo",
    "Gửi hồ sơ thi đua năm học {y1}-{y}",
    "Tham gia tập huấn nghiệp vụ công tác thi đua khen thưởng năm {y}",
    "Tổ chức Lễ kỷ niệm Ngày nhà giáo Việt Nam 20/11",
    "Sơ kết phong trào thi đua học kỳ I",
    "Tổng kết, bình xét danh hiệu thi đua cuối năm học",
]
PERIODS = ["Tháng {m}/{y}", "Tháng {m}/ {y}", "Trước tháng {m}/{y}", "Quý {q}/{y}",
           "Tháng {m}-{m2}/{y}", "{d}/{m}/{y}", "Thường xuyên"]  # fmt: skip
TOPICS = [
    "phát triển ngôn ngữ", "làm quen với toán", "giáo dục kỹ năng sống", "phát triển thể chất",
    "hoạt động tạo hình", "giáo dục âm nhạc", "xây dựng môi trường",
]  # fmt: skip


def person_name(rng: random.Random) -> str:
    """A plausible Vietnamese full name."""
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _insert(con: db.Connection, table: str, frame: pd.DataFrame) -> None:
    con.register("bench_frame", frame)
    try:
        columns = ", ".join(frame.columns)
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM bench_frame")
    finally:
        con.unregister("bench_frame")


def _people_and_users(con: db.Connection, s: Scale, rng: random.Random) -> tuple[list, list]:
    count = max(30, s.schools * 30)
    people = pd.DataFrame({
        "id": range(1, count + s.examiners + 3),
        "full_name": [person_name(rng) for _ in range(count + s.examiners + 2)],
        "group_name": [rng.choice(GROUPS) for _ in range(count + s.examiners + 2)],
        "position": "Giáo viên",
    })  # fmt: skip
    _insert(con, "people", people)
    con.execute("SELECT setval('people_id_seq', (SELECT max(id) FROM people))").fetchall()
    password_hash = users.hash_password(PASSWORD)
    # No "_" in the names: the login form folds "_" into a space (lib.core.text.nfc), so
    # "bench_admin" could never log in through it.
    accounts = [("bench.admin", count + 1, "admin"), ("bench.staff", count + 2, "staff")]
    accounts += [(f"gk{i:03d}", count + 2 + i, "examiner") for i in range(1, s.examiners + 1)]
    _insert(con, "users", pd.DataFrame({
        "username": [a[0] for a in accounts],
        "person_id": [a[1] for a in accounts],
        "password_hash": password_hash,
    }))  # fmt: skip
    _insert(con, "user_roles", pd.DataFrame({
        "username": [a[0] for a in accounts], "role": [a[2] for a in accounts],
    }))  # fmt: skip
    examiners = [a[0] for a in accounts if a[2] == "examiner"]
    return list(people["id"][:count]), examiners


def _plans(con: db.Connection, s: Scale, first_year: int, rng: random.Random) -> None:
    dates_of: dict[tuple[str, int], tuple[date | None, date | None]] = {}
    plan_rows, task_rows = [], []
    plan_id = 0
    for year in range(first_year, first_year + s.years):
        for n in range(1, s.plans_per_year + 1):
            plan_id += 1
            plan_rows.append({
                "id": plan_id, "code": f"{n}/KH-TĐKT-{year}",
                "title": f"Kế hoạch công tác thi đua, khen thưởng năm {year}",
                "unit": f"Trường mầm non số {n}", "issued_on": date(year, 3, 1 + n % 27),
                "signer": person_name(rng), "year": year, "school_year": f"{year - 1}-{year}",
                "body": "Kế hoạch sinh ra cho phép đo hiệu năng.",
            })  # fmt: skip
            for position in range(1, s.tasks_per_plan + 1):
                m = rng.randint(1, 11)
                label = rng.choice(PERIODS).format(
                    m=m,
                    m2=m + 1,
                    y=year,
                    q=("I", "II", "III", "IV")[(m - 1) // 3],
                    d=rng.randint(1, 28),
                )
                key = (label, year)
                if key not in dates_of:
                    dates_of[key] = derive_dates(label, year=year, school_year=year - 1)
                start, due = dates_of[key]
                status = rng.choices(["done", "doing", "todo", "cancelled"], [6, 2, 3, 0.3])[0]
                task_rows.append({
                    "plan_id": plan_id, "position": position, "period_label": label,
                    "start_date": start, "due_date": due,
                    "content": rng.choice(TASKS).format(y=year, y1=year - 1),
                    "unit": rng.choice(UNITS), "leader": f"Đ/c {rng.choice(GIVEN)} – Hiệu trưởng",
                    "status": status, "done_on": due if status == "done" else None,
                })  # fmt: skip
    _insert(con, "plans", pd.DataFrame(plan_rows))
    con.execute("SELECT setval('plans_id_seq', (SELECT max(id) FROM plans))").fetchall()
    tasks = pd.DataFrame(task_rows)
    for column in ("start_date", "due_date", "done_on"):
        tasks[column] = pd.to_datetime(tasks[column])
    _insert(con, "tasks", tasks)


def _score(rubric: Rubric, quality: float, rng: random.Random) -> dict[str, Decimal]:
    step = rubric.step
    values = {}
    for c in rubric.criteria:
        raw = max(0.0, min(1.0, quality + rng.gauss(0, 0.08))) * float(c.max)
        values[c.code] = min(c.max, (Decimal(str(raw)) / step).quantize(Decimal(1)) * step)
    return values


def _rounds(con, s: Scale, first_year: int, authors: list, examiners: list, rng) -> None:
    rubric, errors = load_rubric_yaml((ROOT / "data/rubrics/mau-20-diem.yaml").read_text("utf-8"))
    assert rubric is not None, errors
    rubric_yaml = rubric_to_yaml(rubric)
    entry_rows, author_rows, assign_rows, sheet_rows, score_rows, member_rows = (
        [],
        [],
        [],
        [],
        [],
        [],
    )
    entry_id = sheet_id = assign_id = 0
    last = first_year + s.years - 1
    for r, year in enumerate(range(first_year, last + 1), start=1):
        final = year != last
        con.execute(
            "INSERT INTO rounds (id, name, school_year, rubric_yaml, rubric_frozen, max_gap,"
            " state, finalized_by, finalized_at) VALUES (?, ?, ?, ?, true, ?, ?, ?, ?)",
            [r, f"Đợt chấm SKKN năm học {year - 1}-{year}", f"{year - 1}-{year}", rubric_yaml,
             rubric.max_gap, "final" if final else "open", "bench.admin" if final else None,
             date(year, 5, 30) if final else None],
        )  # fmt: skip
        member_rows += [{"round_id": r, "examiner": e, "fields": rng.choice(FIELDS)}
                        for e in examiners]  # fmt: skip
        for n in range(1, s.entries_per_year + 1):
            entry_id += 1
            entry_rows.append({
                "id": entry_id, "round_id": r, "code": f"SKKN-{n:04d}",
                "title": f"Một số biện pháp {rng.choice(TOPICS)} cho trẻ {rng.randint(3, 6)} tuổi",
                "field": rng.choice(FIELDS), "group_name": rng.choice(GROUPS),
            })  # fmt: skip
            author = rng.choice(authors)
            author_rows.append({"entry_id": entry_id, "position": 1, "person_id": author,
                                "name": f"Tác giả {author}", "share": 100})  # fmt: skip
            quality = rng.uniform(0.45, 0.95)
            for ord_, examiner in enumerate(rng.sample(examiners, rng.choice(s.sheets)), 1):
                assign_id += 1
                sheet_id += 1
                assign_rows.append({"id": assign_id, "entry_id": entry_id,
                                    "examiner": examiner, "ord": ord_})  # fmt: skip
                submitted = final or rng.random() < 0.8
                sheet_rows.append({
                    "id": sheet_id, "entry_id": entry_id, "examiner": examiner,
                    "status": "submitted" if submitted else "draft",
                    "submitted_at": pd.Timestamp(year, 4, 20) if submitted else None,
                })  # fmt: skip
                for code, value in _score(rubric, quality, rng).items():
                    score_rows.append((sheet_id, code, value))
    _insert(con, "round_examiners", pd.DataFrame(member_rows))
    _insert(con, "entries", pd.DataFrame(entry_rows))
    _insert(con, "entry_authors", pd.DataFrame(author_rows))
    _insert(con, "assignments", pd.DataFrame(assign_rows))
    _insert(con, "sheets", pd.DataFrame(sheet_rows))
    scores = pd.DataFrame(score_rows, columns=["sheet_id", "criterion", "value"])
    scores["value"] = scores["value"].astype(float)
    _insert(con, "scores", scores)
    for seq, table in (
        ("rounds_id_seq", "rounds"),
        ("entries_id_seq", "entries"),
        ("assignments_id_seq", "assignments"),
        ("sheets_id_seq", "sheets"),
    ):
        con.execute(f"SELECT setval('{seq}', (SELECT max(id) FROM {table}))").fetchall()


def generate(path: Path, scale: str | Scale, seed: int = 2024) -> dict[str, int]:
    """Create a fresh database at path filled for the scale (a name or a Scale of one's own)."""
    if path.exists():
        raise SystemExit(f"{path} đã tồn tại: hãy chọn tệp mới.")
    s = SCALES[scale] if isinstance(scale, str) else scale
    rng = random.Random(seed)
    con = db.connect(path)
    first_year = 2025 - s.years + 1
    with db.transaction(con):
        authors, examiners = _people_and_users(con, s, rng)
        _plans(con, s, first_year, rng)
        _rounds(con, s, first_year, authors, examiners, rng)
        db.set_setting(con, "no_demo", "1")
        db.set_setting(con, "bench_scale", scale if isinstance(scale, str) else repr(scale))
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # type: ignore[index]
        for t in ("people", "plans", "tasks", "rounds", "entries", "sheets", "scores")
    }
    con.execute("CHECKPOINT")
    con.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__)
    parser.add_argument("--scale", choices=list(SCALES), required=True)
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.db, args.scale, args.seed)
    took = time.perf_counter() - started
    print(f"{args.db}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
