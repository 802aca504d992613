"""The titles documents of a school year, through the one document engine (NĐ 30/2020 form)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lib.core import clock
from lib.core.db import Connection
from lib.core.errors import Invalid
from lib.core.text import vn_name_key
from lib.documents import engine, numbers, office, organization
from lib.documents.engine import Signer
from lib.documents.meetings import Meeting, spoken_time
from lib.documents.organization import Organization
from lib.scoring.rubric import format_number
from lib.titles import ballots, meeting
from lib.titles.rules import (
    GROUP_TITLES,
    TITLE_NAMES,
    TITLES,
    Rules,
    check_school_year,
    get_rules,
)

COUNCIL = "Hội đồng Thi đua – Khen thưởng"
# The order every list prints the titles in: the head of school's first, then the upper level's.
ORDER = ("LDTT", "CSTDCS", "TTLDTT", "TTLDXS")


@dataclass(frozen=True)
class Voted:
    """One candidate and title as the vote counted it, with the outcome."""

    subject: str  # p:<person id> or g:<tổ>
    title: str
    name: str
    group: str
    job: str
    agree: int
    disagree: int
    present: int
    granted: bool
    reason: str


def voted(con: Connection, school_year: str) -> list[Voted]:
    """Every candidate and title voted on in the year, by title then Vietnamese name."""
    year = check_school_year(school_year)
    counts = ballots.vote_counts(con, year)
    if not counts:
        return []  # nothing voted: the year's eligibility need not be worked out
    outcome = ballots.results(con, year)  # rows in the order of vote_counts
    rows = con.execute("SELECT id, group_name, position FROM people").fetchall()
    people = {f"p:{pid}": (group, job) for pid, group, job in rows}
    found = []
    for ((subject, title), (name, yes, no, here)), row in zip(
        counts.items(), outcome.itertuples(), strict=True
    ):
        group, job = people.get(subject, (subject.removeprefix("g:"), ""))
        found.append(Voted(subject, title, name, group, job, yes, no, here,
                           row.ket_qua == "dat", row.ly_do))  # fmt: skip
    return sorted(found, key=lambda v: (ORDER.index(v.title), vn_name_key(v.name)))


def _require_votes(found: list[Voted], year: str) -> None:
    if not found:
        raise Invalid({"vote": f"Năm học {year} chưa có kết quả biểu quyết (phiếu giấy hoặc bỏ "
                       "phiếu trên điện thoại đã đóng): chưa lập được văn bản này."})  # fmt: skip


def _head(org: Organization) -> Signer:
    return Signer("", org.head_title, org.head_name)


def _chair(org: Organization) -> Signer:
    return Signer("TM. Hội đồng TĐKT", "Chủ tịch", org.head_name)


def _number(con: Connection, year: str, what: str, kind: str, on: date, actor: str) -> int:
    return numbers.number_for(con, f"titles:{year}:{what}", kind, on.year, actor)


def _shown(number: int, kind: str, org: Organization) -> str:
    return engine.number_line(number, kind, org).removeprefix("Số: ")


def _year_end(year: str) -> str:
    return f"năm học {year}"


def _meeting_on(con: Connection, year: str) -> tuple[Meeting, date]:
    """The year's meeting record and the date every document of the vote carries: the
    meeting's (the council decides there; the head signs on the strength of its biên bản)."""
    found = meeting.require_meeting(con, year)
    return found, found.held_on


def _minutes_ref(con: Connection, year: str, found: Meeting, org: Organization,
                 actor: str) -> str:  # fmt: skip
    """ "Biên bản số 03/BB-MNAS ngày 20 tháng 5 năm 2024" as the other documents cite it."""
    number = _number(con, year, "bien-ban", "BB", found.held_on, actor)
    return f"Biên bản số {_shown(number, 'BB', org)} {engine.nd30_date(found.held_on)}"


def _percent(agree: int, present: int) -> str:
    share = Decimal(agree) * 100 / present if present else Decimal(0)
    return f"{format_number(share.quantize(Decimal('0.1')))}%"


def minutes_document(org: Organization, year: str, found: Meeting, voted_rows: list[Voted],
                     rules: Rules, number: int | None) -> bytes:  # fmt: skip
    """Word "Biên bản họp Hội đồng TĐKT bình xét" (Mẫu 1.9, Phụ lục III, NĐ 30/2020): the
    meeting, the council present and absent, each vote per title, the conclusions."""
    doc = engine.new_document(org, found.held_on, kind="BB", number=number)
    engine.title(doc, "BIÊN BẢN", f"Họp {COUNCIL} bình xét danh hiệu thi đua {_year_end(year)}")
    para = engine.para
    para(doc, f"Thời gian bắt đầu: {spoken_time(found.starts_at)}, "
         f"{engine.nd30_date(found.held_on)}.")  # fmt: skip
    para(doc, f"Địa điểm: {found.place}.")
    para(doc, f"Chủ trì: {found.chaired_by}. Thư ký (người ghi biên bản): {found.secretary}.")
    absent = len(found.attendance) - found.present
    para(doc, f"Thành phần tham dự: {found.present}/{len(found.attendance)} thành viên "
         f"{COUNCIL} có mặt, {absent} vắng:")  # fmt: skip
    engine.table(doc, ["STT", "Họ và tên", "Nhiệm vụ trong hội đồng", "Có mặt / vắng"],
                 [[i, a.name, a.duty, "Có mặt" if a.present else f"Vắng ({a.reason})"]
                  for i, a in enumerate(found.attendance, start=1)],
                 [1.2, 5.5, 4.8, 5.0])  # fmt: skip
    para(doc, "Nội dung (theo diễn biến cuộc họp):", bold=True, indent=False, after=2)
    para(doc, f"1. Hội đồng xét điều kiện từng cá nhân, tập thể đã đăng ký theo quy chế “"
         f"{rules.name}” và biểu quyết bằng phiếu kín từng danh hiệu. Danh hiệu được đề nghị "
         "khi cá nhân, tập thể đủ điều kiện và tỉ lệ đồng ý trên số thành viên có mặt đạt "
         "ngưỡng của quy chế (" + "; ".join(
             f"{TITLES[t]}: từ {format_number(rules.vote[t])}%" for t in ORDER if t in rules.vote
         ) + "). Kết quả kiểm phiếu:")  # fmt: skip
    rows = [[i, v.name, TITLES[v.title], v.agree, v.disagree, v.present,
             _percent(v.agree, v.present), "Đạt" if v.granted else "Không đạt"]
            for i, v in enumerate(voted_rows, start=1)]  # fmt: skip
    engine.table(doc, ["STT", "Cá nhân / tập thể", "Danh hiệu", "Đồng ý", "Không đồng ý",
                       "Có mặt", "Tỉ lệ đồng ý", "Kết quả"], rows,
                 [1.2, 3.9, 2.1, 1.6, 1.9, 1.5, 1.9, 2.3], center=(0, 2, 3, 4, 5, 6, 7),
                 size=11)  # fmt: skip
    para(doc, "2. Kết quả biểu quyết từng danh hiệu:")
    for title in ORDER:
        under = [v for v in voted_rows if v.title == title]
        if not under:
            continue
        names = [v.name for v in under if v.granted]
        para(doc, f"- {TITLE_NAMES[title]} ({TITLES[title]}): {len(under)} được biểu quyết, "
             f"{len(names)} đạt" + (f" ({', '.join(names)})." if names else "."))  # fmt: skip
    refused = [v for v in voted_rows if not v.granted]
    step = 3
    if refused:
        para(doc, f"{step}. Không đạt: " + "; ".join(
            f"{v.name} ({TITLES[v.title]}): {v.reason}" for v in refused) + ".")  # fmt: skip
        step += 1
    if found.decisions:
        para(doc, f"{step}. Các nội dung biểu quyết khác:")
        for d in found.decisions:
            para(doc, f"- {d.content}: {d.vote_text}.")
        step += 1
    if found.content:
        para(doc, f"{step}. Ý kiến tại cuộc họp:")
        for line in found.content.splitlines():
            if line.strip():
                para(doc, line.strip())
        step += 1
    para(doc, f"{step}. Kết luận: hội đồng thống nhất đề nghị công nhận:")
    for title in ORDER:
        names = [v.name for v in voted_rows if v.title == title and v.granted]
        para(doc, f"- {TITLE_NAMES[title]} ({TITLES[title]}): {len(names)}"
             + (f" ({', '.join(names)})." if names else "."))  # fmt: skip
    last = para(doc, f"Cuộc họp kết thúc vào {spoken_time(found.ends_at)} cùng ngày, nội dung "
                "cuộc họp đã được các thành viên dự họp thông qua và cùng ký vào biên "
                "bản")  # fmt: skip
    engine.end_mark(last)
    engine.closing(doc, [Signer("", "Thư ký", found.secretary, hint=True),
                         Signer("", "Chủ tọa", found.chaired_by, hint=True)])  # fmt: skip
    return office.to_bytes(doc)


def minutes_docx(con: Connection, school_year: str, actor: str) -> bytes:
    """Biên bản họp Hội đồng TĐKT bình xét of the year, from its meeting record and the vote."""
    year = check_school_year(school_year)
    found = voted(con, year)
    _require_votes(found, year)
    org = organization.require(con)
    record, on = _meeting_on(con, year)
    number = _number(con, year, "bien-ban", "BB", on, actor)
    return minutes_document(org, year, record, found, get_rules(con, year), number)


def _granted(con: Connection, year: str) -> list[Voted]:
    found = voted(con, year)
    _require_votes(found, year)
    return [v for v in found if v.granted]


def list_docx(con: Connection, school_year: str, actor: str) -> bytes:
    """Danh sách đề nghị công nhận: LĐTT, CSTĐCS, TTLĐTT, TTLĐXS, each title its own part."""
    year = check_school_year(school_year)
    granted = _granted(con, year)
    org = organization.require(con)
    record, on = _meeting_on(con, year)
    doc = engine.new_document(org, on)
    engine.title(doc, "DANH SÁCH", f"Cá nhân, tập thể đề nghị công nhận danh hiệu thi đua "
                 f"{_year_end(year)}")  # fmt: skip
    minutes = _minutes_ref(con, year, record, org, actor)
    engine.para(doc, f"(Kèm theo {minutes} của {COUNCIL})", italic=True, align="center",
                after=6)  # fmt: skip
    rows: list[list[object]] = []
    for part, title in zip("ABCD", ORDER, strict=True):
        chosen = [v for v in granted if v.title == title]
        rows.append([engine.Bold(part), engine.Bold(f"{TITLE_NAMES[title]} ({len(chosen)})"),
                     "", ""])  # fmt: skip
        for i, v in enumerate(chosen, start=1):
            shown = "Tập thể" if title in GROUP_TITLES else v.job
            rows.append([i, v.name, shown, "" if title in GROUP_TITLES else v.group])
    engine.table(doc, ["STT", "Họ và tên / tập thể", "Chức vụ", "Tổ"], rows,
                 [1.4, 6.6, 4.0, 4.5])  # fmt: skip
    last = engine.para(doc, f"Danh sách có {len(granted)} cá nhân, tập thể", indent=False)
    engine.end_mark(last)
    engine.closing(doc, [_chair(org)])
    return office.to_bytes(doc)


def proposal_docx(con: Connection, school_year: str, actor: str) -> bytes:
    """Tờ trình gửi cấp trên: the titles the governing body recognizes (CSTĐCS, collective)."""
    year = check_school_year(school_year)
    granted = [v for v in _granted(con, year) if v.title != "LDTT"]
    org = organization.require(con)
    record, on = _meeting_on(con, year)
    number = _number(con, year, "to-trinh", "TTr", on, actor)
    doc = engine.new_document(org, on, kind="TTr", number=number)
    engine.title(doc, "TỜ TRÌNH", f"Về việc đề nghị công nhận danh hiệu thi đua {_year_end(year)}")
    engine.para(doc, f"Kính gửi: {org.governing_body}.", align="center", after=6)
    minutes = _minutes_ref(con, year, record, org, actor)
    engine.para(doc, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022 và các văn bản "
                "hướng dẫn thi hành;", italic=True)  # fmt: skip
    engine.para(doc, f"Căn cứ {minutes} họp {COUNCIL} "
                f"{org.school_name} bình xét danh hiệu thi đua {_year_end(year)},",
                italic=True)  # fmt: skip
    engine.para(doc, f"{org.school_name} kính trình {org.governing_body} xem xét, công nhận:")
    for title in ORDER[1:]:
        names = [v.name for v in granted if v.title == title]
        engine.para(doc, f"- Danh hiệu “{TITLE_NAMES[title]}”: {len(names)}"
                    + (f" ({', '.join(names)});" if names else ";"))  # fmt: skip
    last = engine.para(doc, "(có danh sách và hồ sơ kèm theo). Trân trọng")
    engine.end_mark(last)
    engine.closing(doc, [_head(org)], ["Như trên", "Lưu: VT, HĐTĐKT"])
    return office.to_bytes(doc)


def decision_docx(con: Connection, school_year: str, actor: str) -> bytes:
    """Quyết định công nhận danh hiệu Lao động tiên tiến, signed by the head of school."""
    year = check_school_year(school_year)
    granted = [v for v in _granted(con, year) if v.title == "LDTT"]
    org = organization.require(con)
    record, on = _meeting_on(con, year)
    number = _number(con, year, "quyet-dinh-ldtt", "QĐ", on, actor)
    doc = engine.new_document(org, on, kind="QĐ", number=number)
    engine.title(doc, "QUYẾT ĐỊNH", f"Về việc công nhận danh hiệu “Lao động tiên tiến” "
                 f"{_year_end(year)}")  # fmt: skip
    engine.para(doc, f"{org.head_title} {org.school_name}".upper(), bold=True, align="center",
                size=14, after=6)  # fmt: skip
    engine.para(doc, "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", italic=True)
    minutes = _minutes_ref(con, year, record, org, actor)
    engine.para(doc, f"Căn cứ {minutes} họp {COUNCIL} bình xét "
                f"danh hiệu thi đua {_year_end(year)};", italic=True)  # fmt: skip
    engine.para(doc, f"Xét đề nghị của {COUNCIL}.", italic=True)
    engine.para(doc, "QUYẾT ĐỊNH:", bold=True, align="center", size=14, after=6)
    engine.para(doc, f"Điều 1. Công nhận danh hiệu “Lao động tiên tiến” {_year_end(year)} cho "
                f"{len(granted)} cá nhân có tên sau:")  # fmt: skip
    engine.table(doc, ["STT", "Họ và tên", "Chức vụ", "Tổ"],
                 [[i, v.name, v.job, v.group] for i, v in enumerate(granted, start=1)],
                 [1.4, 6.6, 4.0, 4.5])  # fmt: skip
    engine.decision_articles(doc, COUNCIL)
    engine.closing(doc, [_head(org)], ["Như Điều 3", "Lưu: VT, HĐTĐKT"])
    return office.to_bytes(doc)


def notice_docx(con: Connection, school_year: str, actor: str) -> bytes:
    """Thông báo công khai kết quả bình xét: every candidate and title, granted or not, and why."""
    year = check_school_year(school_year)
    found = voted(con, year)
    _require_votes(found, year)
    org = organization.require(con)
    _, on = _meeting_on(con, year)
    number = _number(con, year, "thong-bao", "TB", on, actor)
    doc = engine.new_document(org, on, kind="TB", number=number)
    engine.title(doc, "THÔNG BÁO", f"Công khai kết quả bình xét danh hiệu thi đua "
                 f"{_year_end(year)}")  # fmt: skip
    engine.para(doc, f"{org.school_name} thông báo công khai kết quả bình xét danh hiệu thi đua "
                f"{_year_end(year)} của {COUNCIL} như sau:")  # fmt: skip
    engine.table(doc, ["STT", "Cá nhân / tập thể", "Danh hiệu", "Kết quả", "Ghi chú"],
                 [[i, v.name, TITLES[v.title], "Đạt" if v.granted else "Không đạt", v.reason]
                  for i, v in enumerate(found, start=1)],
                 [1.2, 5.0, 2.2, 2.3, 5.8], center=(0, 2, 3))  # fmt: skip
    last = engine.para(doc, "Mọi ý kiến về kết quả xin gửi về Thư ký Hội đồng trong thời hạn 05 "
                       "ngày làm việc kể từ ngày thông báo")  # fmt: skip
    engine.end_mark(last)
    engine.closing(doc, [_head(org)], ["Các tổ chuyên môn", "Niêm yết tại bảng tin",
                                       "Lưu: VT, HĐTĐKT"])  # fmt: skip
    return office.to_bytes(doc)


def ballot_docx(con: Connection, school_year: str, actor: str) -> bytes:
    """A blank printable phiếu bầu: the year's candidates with Đồng ý / Không đồng ý boxes."""
    year = check_school_year(school_year)
    candidates = ballots.candidates_of(con, year)
    if not candidates:
        raise Invalid({"candidates": f"Năm học {year} chưa có ai trong danh sách đề nghị: chưa "
                       "in được phiếu bầu."})  # fmt: skip
    org = organization.require(con)
    # Printed for a meeting: the meeting's date once recorded, else today's (a form to fill in).
    record = meeting.get_meeting(con, year)
    doc = engine.new_document(org, record.held_on if record else clock.today())
    engine.title(doc, "PHIẾU BẦU", f"Bình xét danh hiệu thi đua {_year_end(year)}")
    engine.para(doc, "Đánh dấu X vào một ô “Đồng ý” hoặc “Không đồng ý” ở mỗi dòng. Phiếu không "
                "ghi tên người bầu.", italic=True, align="center", after=6)  # fmt: skip
    ordered = sorted(candidates, key=lambda c: (ORDER.index(c[1]), vn_name_key(c[2])))
    engine.table(doc, ["STT", "Cá nhân / tập thể", "Danh hiệu", "Đồng ý", "Không đồng ý"],
                 [[i, name, TITLES[title], "☐", "☐"]
                  for i, (_, title, name) in enumerate(ordered, start=1)],
                 [1.2, 7.0, 2.6, 2.5, 3.2], center=(0, 2, 3, 4))  # fmt: skip
    last = engine.para(doc, f"Phiếu có {len(ordered)} dòng", indent=False)
    engine.end_mark(last)
    return office.to_bytes(doc)


Build = Callable[[Connection, str, str], bytes]
# kind -> (builder, Vietnamese label); every one is Word.
DOCUMENTS: dict[str, tuple[Build, str]] = {
    "bien-ban": (minutes_docx, "Biên bản họp Hội đồng TĐKT bình xét"),
    "danh-sach": (list_docx, "Danh sách đề nghị công nhận (LĐTT, CSTĐCS, TTLĐTT, TTLĐXS)"),
    "to-trinh": (proposal_docx, "Tờ trình gửi cấp trên"),
    "quyet-dinh": (decision_docx, "Quyết định công nhận LĐTT"),
    "thong-bao": (notice_docx, "Thông báo công khai kết quả"),
    "phieu-bau": (ballot_docx, "Phiếu bầu (để trống, in cho cuộc họp)"),
}


def why_not(
    con: Connection, kind: str, school_year: str, known: dict[str, object] | None = None
) -> str | None:
    """Why this document cannot be made for the year yet (shown under its button), or None.

    known: one dict passed to every call of a page run, so the year's facts (organization, vote,
    meeting, candidates) are read once for all the buttons, each when first asked for."""
    year, known = check_school_year(school_year), {} if known is None else known

    def fact(name: str, read: Callable[[], object]) -> object:
        # Each fact read once, and only once a document asks for it.
        if name not in known:
            known[name] = read()
        return known[name]

    missing = fact("missing", lambda: organization.get(con).missing())
    if missing:
        return "Chưa khai báo Thông tin đơn vị: " + ", ".join(missing) + "."  # type: ignore[arg-type]
    if kind == "phieu-bau":
        candidates = fact("candidates", lambda: _candidates_or_reason(con, year))
        if isinstance(candidates, str):
            return candidates
        return None if candidates else "Chưa có ai trong danh sách đề nghị."
    if not fact("votes", lambda: ballots.vote_counts(con, year)):
        return "Lập sau khi có kết quả biểu quyết (phiếu giấy hoặc bỏ phiếu đã đóng)."
    if fact("meeting", lambda: meeting.get_meeting(con, year)) is None:
        return "Chưa ghi thông tin cuộc họp bình xét (thẻ “Biểu quyết”)."
    return None


def _candidates_or_reason(con: Connection, year: str) -> list[tuple[str, str, str]] | str:
    """The year's candidates, or why there is no ballot yet (the list is over the quota)."""
    try:
        return ballots.candidates_of(con, year)
    except Invalid as e:
        return str(e)


def document(con: Connection, kind: str, school_year: str, actor: str) -> bytes:
    """The titles document of this kind for the year, as Word bytes."""
    if kind not in DOCUMENTS:
        raise Invalid({"kind": f"Không có văn bản “{kind}”. Chọn: {', '.join(DOCUMENTS)}."})
    return DOCUMENTS[kind][0](con, school_year, actor)


def file_name(kind: str, school_year: str) -> str:
    """The download's file name, e.g. bien-ban-thi-dua-2024-2025.docx."""
    return f"{kind}-thi-dua-{check_school_year(school_year)}.docx"
