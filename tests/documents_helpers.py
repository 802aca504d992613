"""A scored demo round with a recorded meeting and one chair adjustment, for document tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from lib.scoring import assignment, meetings, results, rounds, sheets, states
from tests.scoring_helpers import add_entry, rubric20, scores_for_total, user

TITLES = (
    "Một số biện pháp giúp trẻ 5–6 tuổi phát triển ngôn ngữ qua hoạt động kể chuyện",
    "Kinh nghiệm xây dựng môi trường học tập xanh cho trẻ mẫu giáo nhỡ",
    "Ứng dụng trò chơi dân gian trong giáo dục thể chất cho trẻ nhà trẻ",
)
REASON = "Hội đồng đọc lại, đánh giá cao tính mới và khả năng áp dụng"
OVERALL = (
    "Đề tài thiết thực, các biện pháp rõ ràng, có minh chứng kết quả trên trẻ của lớp; cần bổ "
    "sung số liệu khảo sát đầu năm và cuối năm để thấy rõ hiệu quả, trình bày đúng thể thức."
)


SOURCE = (
    "Hướng dẫn chấm SKKN của cấp trên, văn bản số 123/PGDĐT ngày 05 tháng 02 năm 2024 (bản đầy đủ)"
)


def with_source(rubric):
    """The rubric naming a (long) source, as a council's own would."""
    return replace(rubric, source=SOURCE)


def COMMENTS(rubric) -> dict[str, str]:  # noqa: N802 - reads like the constant it stands for
    """A real examiner's length of comment on each section's first criterion."""
    firsts = {}
    for c in rubric.criteria:
        firsts.setdefault(c.section, c.code)
    return {
        code: "Nêu được vấn đề cấp thiết, có dẫn chứng từ thực tế lớp học"
        for code in firsts.values()
    }


def scored_round(con, rubric=None, *, meeting: bool = True, adjust: bool = True) -> int:
    """Three entries scored by two examiners each (the chair is GK2 of the second); the meeting
    on 05/02/2025 voted 3/3 to raise the second from B to A, and the chair did so."""
    rubric = rubric or rubric20()
    rid = rounds.create_round(con, "chutich", f"Đợt chấm SKKN {rubric.name}", rubric,
                              school_year="2024-2025")  # fmt: skip
    states.confirm_thresholds(con, rid, "chutich")
    r = rounds.require_round(con, rid)
    authors = ("Vũ Thị Hồng Nhung", "Hoàng Mai Anh", "Bùi Thanh Tâm")
    plan = [("giamkhao1", "giamkhao2"), ("giamkhao1", "chutich"), ("giamkhao2", "giamkhao1")]
    a_total = r.rubric.grades[0].min_total
    b_total = r.rubric.grades[1].min_total
    wanted = [(a_total + 1, a_total + 2), (b_total, b_total), (b_total + 1, b_total)]
    ids = []
    for title, author, who in zip(TITLES, authors, plan, strict=True):
        eid = add_entry(con, rid, title=title, author=author)
        for examiner in who:
            assignment.assign(con, eid, examiner, "chutich")
        ids.append(eid)
    states.open_round(con, rid, "chutich")
    for eid, who, totals in zip(ids, plan, wanted, strict=True):
        for examiner, total in zip(who, totals, strict=True):
            values = scores_for_total(r.rubric, total)
            sheets.submit_sheet(con, user(con, examiner), eid, values, COMMENTS(r.rubric), OVERALL)
    states.close_round(con, rid, "chutich")
    if meeting:
        people = meetings.default_attendance(con, rid)
        people[-1] = meetings.Attendance(people[-1].name, people[-1].duty, False, "Ốm",
                                         people[-1].username)  # fmt: skip
        present = sum(p.present for p in people)
        meetings.save_meeting(
            con, rid, "chutich", held_on=date(2025, 2, 5), starts_at="8:00", ends_at="10h30",
            place="Phòng họp trường mầm non Ánh Sao", chaired_by="Nguyễn Thị Quyên",
            secretary="Lê Thu Hà", attendance=people,
            decisions=[
                meetings.Decision(f"Nâng xếp loại SKKN-002 lên loại A. {REASON}", present, 0,
                                  present, ids[1]),
                meetings.Decision("Thông qua kết quả chấm", present, 0, present),
            ],
        )  # fmt: skip
    if adjust:
        results.set_override(con, ids[1], "A", REASON, "chutich")
    return rid
