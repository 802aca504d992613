"""The quy chế as data: titles, ratings, the rules' YAML format, validation and per-year storage."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from lib.core import audit
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import fold, nfc
from lib.core.yamltext import load_strict
from lib.scoring.rubric import format_number, parse_number

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "quy-che" / "mac-dinh.yaml"

# Title codes (CLI and database) and how the council writes them.
PERSON_TITLES: dict[str, str] = {"LDTT": "LĐTT", "CSTDCS": "CSTĐCS"}
GROUP_TITLES: dict[str, str] = {"TTLDTT": "TTLĐTT", "TTLDXS": "TTLĐXS"}
TITLES: dict[str, str] = {**PERSON_TITLES, **GROUP_TITLES}
TITLE_NAMES: dict[str, str] = {
    "LDTT": "Lao động tiên tiến",
    "CSTDCS": "Chiến sĩ thi đua cơ sở",
    "TTLDTT": "Tập thể lao động tiên tiến",
    "TTLDXS": "Tập thể lao động xuất sắc",
}

# Xếp loại viên chức, best first (Nghị định 90/2020/NĐ-CP).
RATINGS: dict[str, str] = {
    "HTXS": "Hoàn thành xuất sắc nhiệm vụ",
    "HTT": "Hoàn thành tốt nhiệm vụ",
    "HT": "Hoàn thành nhiệm vụ",
    "KHT": "Không hoàn thành nhiệm vụ",
}
_RANKS = {code: i for i, code in enumerate(RATINGS)}
ROUNDINGS = ("xuống", "gần nhất", "lên")
CONFIRM_NOTE = (
    "Quy chế trong ứng dụng chỉ là mặc định theo Luật Thi đua, khen thưởng 2022: Hội đồng thi "
    "đua – khen thưởng phải đối chiếu với quy chế của trường và sửa cho đúng trước khi bình xét."
)
_SCHOOL_YEAR = re.compile(r"^(\d{4})\s*[-–/]\s*(\d{4})$")


def rating_code(text: object) -> str | None:
    """The rating code for a code or the rating's words (any case, with or without marks)."""
    return _rating_of(text) if isinstance(text, str) else None


# A file of 2,000 people repeats a few ratings and titles: each distinct word is folded once.
@lru_cache(maxsize=1024)
def _rating_of(text: str) -> str | None:
    folded = fold(text)
    for code, label in RATINGS.items():
        if folded in (fold(code), fold(label)):
            return code
    return None


def title_code(text: object) -> str | None:
    """The title code for a code, the council's short form or the full name (any case, marks)."""
    return _title_of(str(text or ""))


@lru_cache(maxsize=1024)
def _title_of(text: str) -> str | None:
    folded = fold(text)
    for code in TITLES:
        if folded in (fold(code), fold(TITLES[code]), fold(TITLE_NAMES[code])):
            return code
    return None


def rating_rank(code: str) -> int:
    """0 for the best rating, 3 for the worst."""
    return _RANKS[code]


def check_school_year(value: object) -> str:
    """The school year written as 2024-2025, or Invalid."""
    m = _SCHOOL_YEAR.match(nfc(str(value or "")))
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise Invalid({"school_year": f"Năm học '{value}' phải có dạng 2024-2025."})
    return f"{m.group(1)}-{m.group(2)}"


def year_span(school_year: str) -> tuple[date, date]:
    """First and last day of a school year: 01/09 to 31/08 of the next calendar year."""
    first = int(school_year[:4])
    return date(first, 9, 1), date(first + 1, 8, 31)


def school_year_of(day: date) -> str:
    """The school year a date falls in (September starts a new one)."""
    first = day.year if day.month >= 9 else day.year - 1
    return f"{first}-{first + 1}"


@dataclass(frozen=True)
class Collective:
    """The conditions of a collective title (any may be absent in a quy chế)."""

    share_above: Decimal | None = None  # % of members LĐTT, strictly more than
    share_min: Decimal | None = None  # % of members LĐTT, at least
    min_cstdcs: int | None = None
    all_members_min_rating: str | None = None  # rating code
    no_member_discipline_from: str | None = None  # a discipline level


@dataclass(frozen=True)
class Rules:
    """A school's quy chế for one year, with the source of every rule (key "LDTT.min_months")."""

    name: str
    note: str
    discipline_levels: tuple[str, ...]
    ldtt_min_rating: str
    ldtt_no_discipline: bool
    ldtt_min_months: Decimal
    ldtt_days_off_below: int
    skkn_grades: tuple[str, ...]
    skkn_levels: tuple[str, ...]
    quota_percent: Decimal
    quota_rounding: str
    ttldtt: Collective
    ttldxs: Collective
    vote: dict[str, Decimal]
    medal_years: int
    medal_once: bool
    medal_no_discipline_years: int
    sources: dict[str, str] = field(default_factory=dict)

    def collective(self, title: str) -> Collective:
        """The conditions of TTLDTT or TTLDXS."""
        return self.ttldtt if title == "TTLDTT" else self.ttldxs

    def severity(self, measure: str) -> int:
        """Position of a discipline measure in the levels (unknown measures count as the worst)."""
        folded = fold(measure)
        for i, level in enumerate(self.discipline_levels):
            if fold(level) == folded:
                return i
        return len(self.discipline_levels)


_TOP = ("name", "note", "discipline_levels", "LDTT", "CSTDCS", "TTLDTT", "TTLDXS", "vote", "medal")
_KEYS = {
    "LDTT": ("min_rating", "no_discipline", "min_months", "days_off_below"),
    "CSTDCS": ("skkn_grades", "skkn_levels", "quota_percent", "quota_rounding"),
    "TTLDTT": ("ldtt_share_above", "ldtt_share_min", "min_cstdcs", "all_members_min_rating",
               "no_member_discipline_from"),
    "vote": tuple(TITLES),
    "medal": ("years_in_sector", "once", "no_discipline_years"),
}  # fmt: skip
_KEYS["TTLDXS"] = _KEYS["TTLDTT"]
_REQUIRED = {
    "LDTT": _KEYS["LDTT"],
    "CSTDCS": _KEYS["CSTDCS"],
    "TTLDTT": (),
    "TTLDXS": (),
    "vote": tuple(TITLES),
    "medal": _KEYS["medal"],
}


class _Reader:
    """Reads `section.key: {value, source}` items, collecting every problem in Vietnamese."""

    def __init__(self, data: Mapping, errors: list[str]) -> None:
        self.errors = errors
        self.sources: dict[str, str] = {}
        self.sections = {name: self._section(data, name) for name in _KEYS}

    def _section(self, data: Mapping, name: str) -> Mapping:
        raw = data.get(name)
        if raw is None:
            self.errors.append(f"Thiếu phần {name}")
            return {}
        if not isinstance(raw, Mapping):
            self.errors.append(f"Phần {name} phải là một bảng khóa – giá trị")
            return {}
        for key in raw:
            if key not in _KEYS[name]:
                self.errors.append(f"{name}: khóa không được hỗ trợ '{key}'")
        for key in _REQUIRED[name]:
            if key not in raw:
                self.errors.append(f"{name}: thiếu quy định '{key}'")
        return raw

    def value(self, name: str, key: str) -> object:
        raw = self.sections[name].get(key)
        if raw is None:
            return None
        where = f"{name}.{key}"
        if not isinstance(raw, Mapping) or "value" not in raw:
            self.errors.append(f'{where}: phải có dạng {{value: …, source: "căn cứ"}}')
            return None
        for extra in raw:
            if extra not in ("value", "source"):
                self.errors.append(f"{where}: khóa không được hỗ trợ '{extra}'")
        source = raw.get("source")
        if not isinstance(source, str) or not nfc(source):
            self.errors.append(f"{where}: thiếu căn cứ (source) của quy định")
        else:
            self.sources[where] = nfc(source)
        return raw["value"]

    def number(self, name: str, key: str, *, low: Decimal, high: Decimal | None = None,
               whole: bool = False, optional: bool = False) -> Decimal | None:  # fmt: skip
        raw = self.value(name, key)
        if raw is None:
            return None
        where = f"{name}.{key}"
        try:
            number = parse_number(raw) if not isinstance(raw, bool) else None
        except ValueError:
            number = None
        limit = f"từ {format_number(low)}" + (f" đến {format_number(high)}" if high else "")
        if number is None or number < low or (high is not None and number > high):
            self.errors.append(f"{where}: phải là số {limit} (đang là '{raw}')")
            return None
        if whole and number != number.to_integral_value():
            self.errors.append(f"{where}: phải là số nguyên (đang là '{raw}')")
            return None
        return number

    def flag(self, name: str, key: str) -> bool | None:
        raw = self.value(name, key)
        if raw is None:
            return None
        if not isinstance(raw, bool):
            self.errors.append(f"{name}.{key}: phải là true hoặc false (đang là '{raw}')")
            return None
        return raw

    def rating(self, name: str, key: str) -> str | None:
        raw = self.value(name, key)
        if raw is None:
            return None
        code = rating_code(raw)
        if code is None:
            self.errors.append(
                f"{name}.{key}: xếp loại '{raw}' không có (chỉ nhận: {', '.join(RATINGS.values())})"
            )
        return code

    def words(self, name: str, key: str) -> tuple[str, ...] | None:
        raw = self.value(name, key)
        if raw is None:
            return None
        if (
            not isinstance(raw, list)
            or not raw
            or not all(isinstance(x, str) and nfc(x) for x in raw)
        ):
            self.errors.append(f'{name}.{key}: phải là danh sách chữ không rỗng, vd. ["A", "B"]')
            return None
        return tuple(nfc(x) for x in raw)


def parse_rules(data: object) -> tuple[Rules | None, list[str]]:
    """Validate a quy chế given as plain data; return (rules, []) or (None, all errors)."""
    if not isinstance(data, Mapping):
        return None, ["Quy chế phải là một bảng khóa – giá trị (name, LDTT, CSTDCS, …)"]
    errors: list[str] = []
    for key in data:
        if key not in _TOP:
            errors.append(f"Khóa không được hỗ trợ: '{key}'")
    name = nfc(data.get("name")) if isinstance(data.get("name"), str) else ""
    if not name:
        errors.append("Thiếu tên quy chế (name)")
    note = nfc(data.get("note")) if isinstance(data.get("note"), str) else ""
    levels_raw = data.get("discipline_levels")
    levels: tuple[str, ...] = ()
    if (
        not isinstance(levels_raw, list)
        or not levels_raw
        or not all(isinstance(x, str) and nfc(x) for x in levels_raw)
    ):
        errors.append("discipline_levels: phải là danh sách hình thức kỷ luật từ nhẹ đến nặng")
    else:
        levels = tuple(nfc(x) for x in levels_raw)
        folded = [fold(x) for x in levels]
        if len(set(folded)) != len(folded):
            errors.append("discipline_levels: có hình thức kỷ luật bị lặp")
    r = _Reader(data, errors)
    hundred = Decimal(100)
    min_rating = r.rating("LDTT", "min_rating")
    no_discipline = r.flag("LDTT", "no_discipline")
    min_months = r.number("LDTT", "min_months", low=Decimal(0), high=Decimal(12))
    days_below = r.number("LDTT", "days_off_below", low=Decimal(1), whole=True)
    grades = r.words("CSTDCS", "skkn_grades")
    skkn_levels = r.words("CSTDCS", "skkn_levels")
    quota = r.number("CSTDCS", "quota_percent", low=Decimal(0), high=hundred)
    rounding = r.value("CSTDCS", "quota_rounding")
    if rounding is not None and rounding not in ROUNDINGS:
        errors.append(
            f"CSTDCS.quota_rounding: '{rounding}' không hợp lệ (chỉ nhận: {', '.join(ROUNDINGS)})"
        )
    collectives: dict[str, Collective] = {}
    for title in GROUP_TITLES:
        above = r.number(title, "ldtt_share_above", low=Decimal(0), high=hundred)
        at_least = r.number(title, "ldtt_share_min", low=Decimal(0), high=hundred)
        if not {"ldtt_share_above", "ldtt_share_min"} & set(r.sections[title]):
            errors.append(f"{title}: cần ldtt_share_above hoặc ldtt_share_min (tỉ lệ LĐTT)")
        min_cstdcs = r.number(title, "min_cstdcs", low=Decimal(0), whole=True)
        all_rating = r.rating(title, "all_members_min_rating")
        from_level = r.value(title, "no_member_discipline_from")
        if from_level is not None and (
            not isinstance(from_level, str) or fold(from_level) not in {fold(x) for x in levels}
        ):
            errors.append(
                f"{title}.no_member_discipline_from: '{from_level}' không có trong "
                "discipline_levels"
            )
            from_level = None
        collectives[title] = Collective(
            share_above=above,
            share_min=at_least,
            min_cstdcs=int(min_cstdcs) if min_cstdcs is not None else None,
            all_members_min_rating=all_rating,
            no_member_discipline_from=nfc(from_level) if isinstance(from_level, str) else None,
        )
    vote = {t: r.number("vote", t, low=Decimal(0), high=hundred) for t in TITLES}
    medal_years = r.number("medal", "years_in_sector", low=Decimal(1), whole=True)
    medal_once = r.flag("medal", "once")
    medal_clean = r.number("medal", "no_discipline_years", low=Decimal(0), whole=True)
    if errors:
        return None, errors
    assert min_rating and no_discipline is not None and min_months is not None
    assert days_below is not None and grades and skkn_levels and quota is not None
    assert medal_years is not None and medal_once is not None and medal_clean is not None
    return Rules(
        name=name,
        note=note,
        discipline_levels=levels,
        ldtt_min_rating=min_rating,
        ldtt_no_discipline=no_discipline,
        ldtt_min_months=min_months,
        ldtt_days_off_below=int(days_below),
        skkn_grades=grades,
        skkn_levels=skkn_levels,
        quota_percent=quota,
        quota_rounding=str(rounding),
        ttldtt=collectives["TTLDTT"],
        ttldxs=collectives["TTLDXS"],
        vote={t: v for t, v in vote.items() if v is not None},
        medal_years=int(medal_years),
        medal_once=medal_once,
        medal_no_discipline_years=int(medal_clean),
        sources=r.sources,
    ), []


def load_rules_yaml(text: str) -> tuple[Rules | None, list[str]]:
    """Parse and validate a quy chế written in YAML."""
    data, problems = load_strict(text, "Tệp quy chế trống")
    if problems:
        return None, problems
    return parse_rules(data)


def rules_from_text(text: str) -> Rules:
    """The rules of a YAML text, or Invalid listing every problem."""
    rules, errors = _parsed(text)
    if rules is None:
        raise Invalid({f"rules:{i}": message for i, message in enumerate(errors, start=1)})
    return rules


@lru_cache(maxsize=64)
def _parsed(text: str) -> tuple[Rules | None, tuple[str, ...]]:
    # Parsing the YAML costs ~20 ms and a page asks for the year's rules several times a run:
    # the same text gives the same (frozen, never modified) Rules.
    rules, errors = load_rules_yaml(text)
    return rules, tuple(errors)


def default_yaml() -> str:
    """The shipped default quy chế (data/quy-che/mac-dinh.yaml)."""
    return DEFAULT_FILE.read_text(encoding="utf-8")


def load_rules_file(path: str | Path) -> Rules:
    """Read and validate a quy chế file, or Invalid."""
    return rules_from_text(Path(path).read_text(encoding="utf-8"))


# --- per school year -----------------------------------------------------------------------


def ensure_year(con: Connection, school_year: str, actor: str = "") -> str:
    """Make sure the school year has its row (default quy chế, registration open); return it."""
    year = check_school_year(school_year)
    con.execute(
        "INSERT INTO title_years (school_year, rules_yaml, updated_by) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [year, default_yaml(), actor],
    )
    return year


def known_years(con: Connection) -> list[str]:
    """School years with titles data or SKKN rounds, newest first."""
    rows = con.execute(
        "SELECT school_year FROM title_years UNION "
        "SELECT school_year FROM rounds WHERE school_year <> ''"
    ).fetchall()
    return sorted({r[0] for r in rows}, reverse=True)


def rules_yaml(con: Connection, school_year: str) -> str:
    """The stored quy chế text of the year, or the default when none is stored."""
    row = con.execute(
        "SELECT rules_yaml FROM title_years WHERE school_year = ?", [school_year]
    ).fetchone()
    return row[0] if row else default_yaml()


def get_rules(con: Connection, school_year: str) -> Rules:
    """The quy chế in force for the year (the stored one, else the default)."""
    return rules_from_text(rules_yaml(con, school_year))


def is_locked(con: Connection, school_year: str) -> bool:
    """Tell whether a vote was recorded for the year, which freezes its quy chế."""
    row = con.execute(
        "SELECT rules_locked FROM title_years WHERE school_year = ?", [school_year]
    ).fetchone()
    return bool(row and row[0])


def set_rules(con: Connection, school_year: str, text: str, actor: str) -> Rules:
    """Store a new quy chế for the year after validating it; refused once a vote is recorded."""
    year = check_school_year(school_year)
    if is_locked(con, year):
        raise Invalid(
            {"rules": f"Năm học {year} đã có biểu quyết: quy chế đã khóa, không sửa được nữa."}
        )
    rules = rules_from_text(text)
    before = rules_yaml(con, year)
    ensure_year(con, year, actor)
    con.execute(
        "UPDATE title_years SET rules_yaml = ?, updated_by = ?, "
        "updated_at = current_localtimestamp() WHERE school_year = ?",
        [text, actor, year],
    )
    audit.record(con, actor, "rules", "title_year", year, before, text)
    return rules


def lock_rules(con: Connection, school_year: str, actor: str) -> None:
    """Freeze the year's quy chế (called when the first vote of the year is recorded)."""
    year = ensure_year(con, school_year, actor)
    con.execute("UPDATE title_years SET rules_locked = true WHERE school_year = ?", [year])
    audit.record(con, actor, "lock_rules", "title_year", year)


def rule_table(rules: Rules) -> list[tuple[str, str, str]]:
    """Every rule as (quy định, giá trị, căn cứ) for showing the council what it confirms."""

    def pct(v: Decimal | None) -> str:
        return f"{format_number(v)}%" if v is not None else ""

    rows: list[tuple[str, str, str, str]] = [
        ("LDTT.min_rating", "LĐTT: xếp loại tối thiểu", RATINGS[rules.ldtt_min_rating]),
        ("LDTT.no_discipline", "LĐTT: không bị kỷ luật trong năm học",
         "Có" if rules.ldtt_no_discipline else "Không xét"),
        ("LDTT.min_months", "LĐTT: số tháng công tác tối thiểu",
         format_number(rules.ldtt_min_months)),
        ("LDTT.days_off_below", "LĐTT: số ngày làm việc nghỉ phải dưới",
         str(rules.ldtt_days_off_below)),
        ("CSTDCS.skkn_grades", "CSTĐCS: SKKN được công nhận khi xếp loại",
         ", ".join(rules.skkn_grades)),
        ("CSTDCS.skkn_levels", "CSTĐCS: cấp đợt chấm", ", ".join(rules.skkn_levels)),
        ("CSTDCS.quota_percent", "CSTĐCS: tỉ lệ tối đa trên số LĐTT", pct(rules.quota_percent)),
        ("CSTDCS.quota_rounding", "CSTĐCS: làm tròn chỉ tiêu", rules.quota_rounding),
    ]  # fmt: skip
    for title in GROUP_TITLES:
        c = rules.collective(title)
        label = TITLES[title]
        if c.share_above is not None:
            rows.append((f"{title}.ldtt_share_above", f"{label}: tỉ lệ LĐTT trên",
                         pct(c.share_above)))  # fmt: skip
        if c.share_min is not None:
            rows.append((f"{title}.ldtt_share_min", f"{label}: tỉ lệ LĐTT từ", pct(c.share_min)))
        if c.min_cstdcs is not None:
            rows.append((f"{title}.min_cstdcs", f"{label}: số CSTĐCS tối thiểu",
                         str(c.min_cstdcs)))  # fmt: skip
        if c.all_members_min_rating:
            rows.append((f"{title}.all_members_min_rating", f"{label}: mọi thành viên đạt",
                         RATINGS[c.all_members_min_rating]))  # fmt: skip
        if c.no_member_discipline_from:
            rows.append((f"{title}.no_member_discipline_from", f"{label}: không ai bị kỷ luật từ",
                         c.no_member_discipline_from))  # fmt: skip
    for title, share in rules.vote.items():
        rows.append((f"vote.{title}", f"Biểu quyết {TITLES[title]}: tỉ lệ đồng ý từ", pct(share)))
    rows += [
        ("medal.years_in_sector", "Kỷ niệm chương: số năm trong ngành", str(rules.medal_years)),
        ("medal.once", "Kỷ niệm chương: chỉ tặng một lần", "Có" if rules.medal_once else "Không"),
        ("medal.no_discipline_years", "Kỷ niệm chương: không bị kỷ luật trong (năm)",
         str(rules.medal_no_discipline_years)),
    ]  # fmt: skip
    return [(label, value, rules.sources.get(key, "")) for key, label, value in rows]


def default_year(con: Connection, today: date) -> str:
    """The year a page opens on: the newest with titles data, else the current school year."""
    row = con.execute("SELECT max(school_year) FROM title_years").fetchone()
    return row[0] if row and row[0] else school_year_of(today)


def year_choices(con: Connection, today: date) -> list[str]:
    """Years a page offers: known ones and the current school year, newest first."""
    return sorted(set(known_years(con)) | {school_year_of(today)}, reverse=True)
