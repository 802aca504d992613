"""Bình xét thi đua: evaluations, eligibility and reasons, quota and final list, medal, quy chế."""

import streamlit as st

from lib import ui
from lib.access.permissions import can_manage_titles
from lib.core import clock, frames
from lib.core.errors import Invalid
from lib.core.text import literal
from lib.documents import organization
from lib.io import exports
from lib.titles import ballots
from lib.titles import documents as docs
from lib.titles import eligibility as el
from lib.titles import evaluations as ev
from lib.titles import meeting as M
from lib.titles import rules as R
from lib.ui import downloads
from lib.ui.meeting_fields import attendance_table, meeting_head

user = ui.require(can_manage_titles)
con = ui.connection()

st.title("Bình xét thi đua")
ui.show_saved("bxtd_flash")
st.warning(R.CONFIRM_NOTE, icon=":material/gavel:")


def done(message: str) -> None:
    ui.saved("bxtd_flash", message)


today = clock.today()
years = R.year_choices(con, today)
start = R.default_year(con, today)
year = st.selectbox(
    "Năm học", years, index=years.index(start) if start in years else 0, key="bxtd_nam"
)
rules = R.get_rules(con, year)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


EVALUATION_HEADERS = {
    "full_name": "Họ và tên", "group_name": "Tổ", "rating_label": "Xếp loại",
    "months_worked": "Số tháng công tác", "counted_months": "Nghỉ tính là công tác",
    "days_off": "Số ngày nghỉ", "discipline": "Kỷ luật", "discipline_from": "Từ ngày",
    "discipline_until": "Đến ngày",
}  # fmt: skip


def evaluations_tab() -> None:
    table = ev.evaluations_table(con, year)
    done_count = int(table["rating"].notna().sum())
    st.metric("Đã có đánh giá", f"{done_count}/{len(table)}")
    columns = list(EVALUATION_HEADERS)
    search = st.text_input("Tìm theo tên hoặc tổ", key="bxtd_tim_dg", placeholder="vd. Lan")
    found = frames.matching(table, search, "full_name", "group_name")
    shown = ui.first_rows(found, "người", "hoặc tải đủ danh sách:", "Không có ai khớp.")
    if len(found) > len(shown):
        ui.download_button(
            f"Tải đủ {ui.count_text(len(table))} người (CSV)",
            lambda: exports.to_csv(table[columns].rename(columns=EVALUATION_HEADERS)),
            file_name=f"danh-gia-{year}.csv",
            mime="text/csv",
            key="bxtd_dg_csv",
        )
    ui.dataframe(
        shown[columns],
        hide_index=True,
        width="stretch",
        column_config={
            **EVALUATION_HEADERS,
            "discipline_from": st.column_config.DateColumn("Từ ngày", format="DD/MM/YYYY"),
            "discipline_until": st.column_config.DateColumn("Đến ngày", format="DD/MM/YYYY"),
        },
    )
    names = dict(zip(table["person_id"].astype(int), table["full_name"], strict=True))
    person = st.selectbox("Cán bộ", list(names), format_func=names.get, key="bxtd_nguoi")
    now = ev.get_evaluation(con, year, person)
    ratings = list(R.RATINGS)
    levels = ["", *rules.discipline_levels]

    def dmy(day) -> str:
        return day.strftime("%d/%m/%Y") if day else ""

    with st.form(f"bxtd_danh_gia_{person}"):
        rating = st.selectbox(
            "Xếp loại",
            ratings,
            format_func=R.RATINGS.get,
            index=ratings.index(now.rating) if now else 1,
        )
        left, mid, right = st.columns(3)
        months = left.text_input(
            "Số tháng công tác", value=ui.number_text(now.months_worked) if now else "12"
        )
        counted = mid.text_input(
            "Nghỉ tính là công tác (tháng, vd. thai sản)",
            value=ui.number_text(now.counted_months) if now else "0",
        )
        days = right.text_input("Số ngày làm việc nghỉ", value=str(now.days_off) if now else "0")
        measure = left.selectbox(
            "Kỷ luật",
            levels,
            format_func=lambda x: x or "Không",
            index=levels.index(now.discipline) if now and now.discipline in levels else 0,
        )
        since = mid.text_input(
            "Kỷ luật từ ngày (dd/mm/yyyy)", value=dmy(now.discipline_from) if now else ""
        )
        until = right.text_input(
            "Kỷ luật đến ngày (dd/mm/yyyy)", value=dmy(now.discipline_until) if now else ""
        )
        if st.form_submit_button("Lưu đánh giá", type="primary"):
            with ui.errors_shown():
                ev.save_evaluation(
                    con,
                    user.username,
                    year,
                    person,
                    rating=rating,
                    months_worked=months,
                    days_off=days,
                    counted_months=counted,
                    discipline=measure,
                    discipline_from=since,
                    discipline_until=until,
                )
                done(f"Đã lưu đánh giá của {literal(names[person])}.")
    st.caption(
        "Nhập cả danh sách từ tệp Excel/CSV với các cột: "
        + ", ".join(f"“{c}”" for c in ev.COLUMNS)
        + " (Họ và tên hoặc Tên đăng nhập)."
    )


def eligibility_tab() -> None:
    df = el.eligibility(con, year, rules)
    titles = list(R.TITLES)
    chosen = st.multiselect(
        "Danh hiệu", titles, default=titles, format_func=R.TITLES.get, key="bxtd_loc"
    )
    search = st.text_input("Tìm theo tên hoặc tổ", key="bxtd_tim", placeholder="vd. Lan, Tổ Toán")
    shown = frames.matching(df[df["danh_hieu"].isin(chosen)], search, "ho_ten", "to")
    people = df[df["person_id"].notna()]
    n_ldtt = int((people[people["danh_hieu"] == "LDTT"]["du_dieu_kien"]).sum())
    n_cstdcs = int((people[people["danh_hieu"] == "CSTDCS"]["du_dieu_kien"]).sum())
    a, b, c = st.columns(3)
    a.metric("Đủ điều kiện LĐTT", n_ldtt)
    b.metric("Đủ điều kiện CSTĐCS", n_cstdcs)
    c.metric(
        "Chỉ tiêu CSTĐCS",
        el.quota(rules, n_ldtt),
        help=f"{ui.number_text(rules.quota_percent)}% số LĐTT, làm tròn {rules.quota_rounding}",
    )
    shown = ui.first_rows(shown, "dòng", "hoặc tải đủ danh sách (CSV, Excel) ở dưới.",
                          "Không có dòng nào khớp.")  # fmt: skip
    ui.dataframe(
        shown.assign(
            danh_hieu=shown["danh_hieu"].map(R.TITLES),
            dang_ky=[R.TITLES.get(x, "") for x in shown["dang_ky"].tolist()],
            du_dieu_kien=shown["du_dieu_kien"].map({True: "✔", False: "✘"}),
        )[["ho_ten", "to", "danh_hieu", "dang_ky", "du_dieu_kien", "ly_do"]],
        hide_index=True,
        width="stretch",
        column_config={
            "ho_ten": "Họ và tên / Tổ",
            "to": "Tổ",
            "danh_hieu": "Danh hiệu",
            "dang_ky": "Đăng ký",
            "du_dieu_kien": "Đủ điều kiện",
            "ly_do": "Lý do",
        },
    )
    out = el.export_table(df)
    left, right = st.columns(2)
    # Both files are made only when their button is clicked (the Excel file of a district took
    # most of a second), from the table the page shows.
    ui.download_button(
        "Tải CSV",
        lambda: exports.to_csv(out),
        file_name=f"du-dieu-kien-{year}.csv",
        mime="text/csv",
        key="bxtd_csv",
        where=left,
    )
    ui.download_button(
        "Tải Excel",
        lambda: exports.to_xlsx(out, sheet="Đủ điều kiện"),
        file_name=f"du-dieu-kien-{year}.xlsx",
        mime=XLSX,
        key="bxtd_xlsx",
        where=right,
    )


def final_tab() -> None:
    fl = el.final_list(con, year, rules)  # once for the caption, the choice and the table
    st.caption(
        f"Chỉ tiêu CSTĐCS: {fl.quota} ({ui.number_text(rules.quota_percent)}% của "
        f"{len(fl.ldtt)} LĐTT đã đăng ký và đủ điều kiện)."
    )
    if fl.message:
        st.error(fl.message, icon=":material/block:")
    if len(fl.candidates) > fl.quota:
        names = {pid: name for pid, (name, _) in fl.people.items()}
        with st.form("bxtd_chon"):
            picked = st.multiselect(
                "CSTĐCS Hội đồng đề nghị",
                list(fl.candidates),
                default=list(fl.cstdcs),
                format_func=names.get,
                max_selections=max(fl.quota, 1),
            )
            if st.form_submit_button("Lưu lựa chọn", type="primary"):
                with ui.errors_shown():
                    el.choose_cstdcs(con, user, year, picked)
                    done("Đã lưu danh sách CSTĐCS đề nghị.")
    table = el.final_table(con, year, fl)
    if table.empty:
        st.info("Chưa có ai vừa đăng ký vừa đủ điều kiện.")
    else:
        ui.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config={"danh_hieu": "Danh hiệu", "ho_ten": "Họ và tên / Tổ", "to": "Tổ"},
        )
    ui.download_button(
        "Tải danh sách đề nghị (Excel)",
        lambda: exports.to_xlsx(
            table.rename(
                columns={"danh_hieu": "Danh hiệu", "ho_ten": "Họ và tên / Tổ", "to": "Tổ"}
            ),
            sheet="Danh sách đề nghị",
        ),
        file_name=f"danh-sach-de-nghi-{year}.xlsx",
        mime=XLSX,
        key="bxtd_ds",
    )


def medal_tab() -> None:
    df = el.medal_list(con, year, rules)
    st.caption(
        f"Số năm trong ngành tính từ ngày vào ngành đến hết năm học; cần {rules.medal_years} năm."
    )
    ui.dataframe(
        df.assign(du_dieu_kien=df["du_dieu_kien"].map({True: "✔", False: "✘"}))[
            ["ho_ten", "so_nam", "du_dieu_kien", "ly_do"]
        ],
        hide_index=True,
        width="stretch",
        column_config={
            "ho_ten": "Họ và tên",
            "so_nam": "Số năm trong ngành",
            "du_dieu_kien": "Đủ điều kiện",
            "ly_do": "Lý do",
        },
    )
    names = dict(zip(df["person_id"], df["ho_ten"], strict=True))
    with st.form("bxtd_knc"):
        person = st.selectbox("Ghi nhận đã nhận Kỷ niệm chương", list(names), format_func=names.get)
        if st.form_submit_button("Ghi nhận"):
            with ui.errors_shown():
                el.record_medal(con, user, int(person), year)
                done(f"Đã ghi nhận Kỷ niệm chương của {literal(names[person])}.")


def rules_tab() -> None:
    st.caption(f"Quy chế đang dùng: {literal(rules.name)}")
    ui.dataframe(
        [{"Quy định": a, "Giá trị": b, "Căn cứ": c} for a, b, c in R.rule_table(rules)],
        hide_index=True,
        width="stretch",
    )
    locked = R.is_locked(con, year)
    if locked:
        st.info("Năm học này đã có biểu quyết: quy chế đã khóa.")
    text = R.rules_yaml(con, year)
    st.download_button(
        "Tải quy chế (YAML)",
        data=text.encode("utf-8"),
        file_name=f"quy-che-{year}.yaml",
        mime="application/x-yaml",
        icon=":material/download:",
        key="bxtd_yaml",
    )
    with st.form("bxtd_quy_che"):
        edited = st.text_area("Sửa quy chế (YAML)", value=text, height=400, disabled=locked)
        if st.form_submit_button("Lưu quy chế", type="primary", disabled=locked):
            with ui.errors_shown():
                R.set_rules(con, year, edited, user.username)
                done("Đã lưu quy chế của năm học.")


def meeting_form(record) -> None:
    org = organization.get(con)
    members = M.council_members(con, org.head_name)
    people = list(record.attendance) if record else members
    chair = next((a.name for a in people if M.duty_rank(a.duty) == 0), org.head_name)
    clerk = next((a.name for a in people if M.duty_rank(a.duty) == 3), "")
    st.caption("Biên bản bình xét in đúng những gì ghi ở đây. Thành phần có mặt là số thành viên "
               "bỏ phiếu; chỉ thành viên có mặt mới bỏ phiếu trên điện thoại được. Thêm dòng cho "
               "thành viên Hội đồng chưa có tài khoản.")  # fmt: skip
    with st.form(f"bxtd_hop_{year}"):
        head = meeting_head(record, chair=chair, clerk=clerk, keys=f"bxtd_{year}",
                            hours=("14:00", "16:30"))  # fmt: skip
        st.markdown("Thành phần tham dự")
        shown = st.data_editor(
            attendance_table(people),
            column_config={
                "Nhiệm vụ": st.column_config.SelectboxColumn(options=list(M.DUTIES),
                                                             default=M.MEMBER),
                "Có mặt": st.column_config.CheckboxColumn(default=True),
            },
            num_rows="dynamic", hide_index=True, width="stretch", key=f"bxtd_tp_{year}",
        )  # fmt: skip
        content = st.text_area("Ý kiến tại cuộc họp (không bắt buộc)",
                               value=record.content if record else "")  # fmt: skip
        if st.form_submit_button("Lưu thông tin cuộc họp", type="primary"):
            with ui.errors_shown():
                M.save_meeting(
                    con, user, year, **head.__dict__,
                    attendance=M.attendance_from_rows(shown.to_dict("records"), members),
                    content=content,
                )  # fmt: skip
                done("Đã lưu thông tin cuộc họp bình xét.")


def vote_tab() -> None:
    record = M.get_meeting(con, year)
    ballot = ballots.current_ballot(con, year)
    st.subheader("Cuộc họp bình xét")
    if record:
        st.caption(f"Ngày {record.held_on:%d/%m/%Y}, {record.starts_at}–{record.ends_at}, "
                   f"{literal(record.place)}. Có mặt {record.present}/"
                   f"{len(record.attendance)} thành viên.")  # fmt: skip
    with st.expander("Sửa thông tin cuộc họp" if record else "Ghi thông tin cuộc họp",
                     expanded=record is None):  # fmt: skip
        meeting_form(record)
    st.subheader("Bỏ phiếu trên điện thoại")
    if record is None:
        st.info("Ghi thông tin cuộc họp (thành phần có mặt) trước khi mở bỏ phiếu.")
    elif (ballot is None or ballot.state == "closed") and st.button(
        f"Mở bỏ phiếu trên điện thoại ({record.present} thành viên có mặt)", type="primary",
        key="bxtd_mo_phieu",
    ):  # fmt: skip
        with ui.errors_shown():
            ballots.open_ballot(con, user, year)
            done("Đã mở bỏ phiếu: thành viên vào trang “Bỏ phiếu thi đua”.")
    if ballot is not None and ballot.state == "open":
        st.metric("Đã bỏ phiếu", f"{ballots.n_voted(con, ballot.id)}/{ballot.present}")
        st.caption("Kết quả chỉ hiện khi đóng bỏ phiếu.")
        left, right = st.columns(2)
        left.button("Tải lại", key="bxtd_tai_lai")
        if right.button("Đóng bỏ phiếu", type="primary", key="bxtd_dong_phieu"):
            with ui.errors_shown():
                ballots.close_ballot(con, user, ballot.id)
                done("Đã đóng bỏ phiếu.")
    elif ballot is not None:
        st.markdown("**Kết quả bỏ phiếu trên điện thoại**")
        tally = ballots.tallies(con, ballot.id)
        ui.dataframe(
            tally.assign(title=tally["title"].map(R.TITLES))[
                ["name", "title", "dong_y", "khong_dong_y", "co_mat"]
            ],
            hide_index=True,
            width="stretch",
            column_config={
                "name": "Họ và tên / Tổ",
                "title": "Danh hiệu",
                "dong_y": "Đồng ý",
                "khong_dong_y": "Không đồng ý",
                "co_mat": "Có mặt",
            },
        )
    st.subheader("Nhập kết quả phiếu giấy")
    eligible = el.eligibility(con, year, rules)  # once for the candidates and the results
    try:
        candidates = ballots.candidates_of(con, year, el.final_list(con, year, rules, eligible))
    except Invalid as exc:  # over the quota: the final list says why
        st.info(str(exc))
        candidates = []
    if candidates:
        labels = {(s_, t): f"{n} – {R.TITLES[t]}" for s_, t, n in candidates}
        with st.form("bxtd_phieu_giay"):
            key = st.selectbox("Người (tổ) và danh hiệu", list(labels), format_func=labels.get)
            a, b, c = st.columns(3)
            yes = a.text_input("Đồng ý")
            no = b.text_input("Không đồng ý")
            here = c.text_input("Có mặt", value=str(record.present) if record else "")
            if st.form_submit_button("Lưu kết quả phiếu giấy"):
                with ui.errors_shown():
                    ballots.save_paper_tally(con, user, year, key[0], key[1], yes, no, here)
                    done("Đã lưu kết quả phiếu giấy.")
    st.subheader("Kết quả bình xét")
    res = ballots.results(con, year, eligible)
    if res.empty:
        st.info("Chưa có kết quả biểu quyết.")
    else:
        ui.dataframe(
            res.assign(
                danh_hieu=res["danh_hieu"].map(R.TITLES),
                ket_qua=res["ket_qua"].map({"dat": "Đạt", "khong_dat": "Không đạt"}),
            ),
            hide_index=True,
            width="stretch",
            column_config={
                "ho_ten": "Họ và tên / Tổ",
                "danh_hieu": "Danh hiệu",
                "ket_qua": "Kết quả",
                "ly_do": "Lý do",
            },
        )


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def documents_tab() -> None:
    st.caption("Văn bản lập theo Nghị định 30/2020 từ Thông tin đơn vị và kết quả bình xét hiện "
               "tại; số văn bản được cấp khi tải lần đầu.")  # fmt: skip
    known: dict[str, object] = {}  # the year's facts, read once for every button
    for kind, (build, label) in docs.DOCUMENTS.items():
        problem = docs.why_not(con, kind, year, known)
        name, cursor = docs.file_name(kind, year), con.cursor()  # built on another thread
        ui.download_button(
            f"{label} (Word)",
            data=downloads.on_click(
                cursor, user.username, "document", lambda build=build, cursor=cursor: build(
                    cursor, year, user.username), name, DOCX, {"kind": kind, "year": year},
            ) if not problem else b"",
            file_name=name, mime=DOCX, key=f"bxtd_van_ban_{kind}",
            disabled=problem is not None, help=problem,
        )  # fmt: skip
        if problem:
            st.caption(problem)


sections = {
    "Đánh giá cuối năm": evaluations_tab,
    "Đủ điều kiện": eligibility_tab,
    "Danh sách đề nghị": final_tab,
    "Biểu quyết": vote_tab,
    "Kỷ niệm chương": medal_tab,
    "Quy chế": rules_tab,
    "Văn bản": documents_tab,
}
# Only the open tab is built: switching tabs reruns the page.
tabs = st.tabs(list(sections), key="bxtd_tab", on_change="rerun")
for tab, section in zip(tabs, sections.values(), strict=True):
    if tab.open is not False:
        with tab:
            section()
