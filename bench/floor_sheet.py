"""A bare scoring sheet: the sheet's widgets and nothing else, the floor of a field edit.

The one definition of that floor, for both benchmarks that stand a sheet beside it: run as a
script it is bench/sheet_edit.py's page (AppTest, and its --browser server) on the 20-point
rubric; bench/floor_app.py draws it at /phieu on the rubric of the round benchmarked. No login,
no navigation, no database: a header, the sticky total bar, per section a heading and a
subtotal, per criterion a points field and a comment field with on_change, the overall comment
and the submit button, totals added up from the typed text, so a field edit here costs what
the framework charges for those widgets."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import streamlit as st
import yaml

RUBRIC = Path(__file__).resolve().parent.parent / "data/rubrics/mau-20-diem.yaml"
PREFIX = "floor"  # widget keys: floor_I.1 (points), floor_I.1_nx (comment), floor_chung
NOTICE = f"{PREFIX}_saved"
SUBMITS = f"{PREFIX}_submits"


@st.cache_resource(show_spinner=False)
def rubric(path: str = str(RUBRIC)) -> dict:
    """The rubric YAML at path (the template layout), read once per process."""
    # Like the app's cached database: the floor pays no file reading per run.
    return yaml.safe_load(Path(path).read_text("utf-8"))


def _points(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().replace(",", ".")) if text.strip() else None
    except InvalidOperation:
        return None


def _shown(value: object) -> str:
    # As the sheet shows a number: decimal comma, no trailing zeros (0,25; 20).
    return f"{Decimal(str(value)).normalize():f}".replace(".", ",")


def _saved(key: str) -> None:
    # What the app's autosave leaves behind, minus the database: the value kept, a notice.
    st.session_state.setdefault(f"{PREFIX}_kept", {})[key] = st.session_state[key]
    st.session_state[NOTICE] = "Đã lưu tự động"


def draw(r: dict) -> None:
    """The scoring sheet's widgets for rubric r, keyed floor_CODE, totals from the typed text."""
    sections, criteria = r["sections"], r["criteria"]
    values = {c["code"]: _points(st.session_state.get(f"{PREFIX}_{c['code']}", ""))
              for c in criteria}  # fmt: skip
    parts = {s["code"]: [c for c in criteria if c["section"] == s["code"]] for s in sections}
    subtotal = {code: sum((values[c["code"]] or Decimal(0) for c in group), Decimal(0))
                for code, group in parts.items()}  # fmt: skip
    most = {code: sum((Decimal(str(c["max"])) for c in group), Decimal(0))
            for code, group in parts.items()}  # fmt: skip
    filled = sum(v is not None for v in values.values())

    st.button("Danh sách phiếu", icon=":material/arrow_back:")
    st.subheader("SK-0001 – Tên sáng kiến")
    st.markdown("**Tác giả:** Nguyễn Văn A")
    st.markdown("**Lĩnh vực:** Giáo dục mầm non")
    st.caption("Đợt chấm · GK1 · Hạn chấm")
    with st.container(key="phieu_thanh_tong"):
        line = " · ".join(f"{c}: {_shown(subtotal[c])}/{_shown(most[c])}" for c in parts)
        st.markdown(
            f"**Tổng điểm: {_shown(sum(subtotal.values(), Decimal(0)))} / {_shown(r['scale'])}**"
            f" · Xếp loại tạm tính: **B** · đã nhập {filled}/{len(criteria)} tiêu chí"
            f"  \n:small[{line}]"
        )
        st.caption(st.session_state.get(NOTICE, "Mọi thay đổi được lưu tự động"))
    st.html(
        '<style>[data-testid="stLayoutWrapper"]:has(> .st-key-phieu_thanh_tong) '
        "{position: sticky; top: 3.75rem; z-index: 990; background-color: white;}</style>"
    )
    for s in sections:
        st.markdown(f"##### {s['code']}. {s['label']}")
        for c in parts[s["code"]]:
            points, note = st.columns([2, 3])
            key = f"{PREFIX}_{c['code']}"
            points.text_input(f"{c['code']}. {c['label']} (tối đa {_shown(c['max'])})", key=key,
                              placeholder="ví dụ 0,5", on_change=_saved, args=(key,))  # fmt: skip
            note.text_input(f"Nhận xét {c['code']}", key=f"{key}_nx",
                            placeholder="Không bắt buộc", on_change=_saved,
                            args=(f"{key}_nx",))  # fmt: skip
        st.caption(f"Cộng phần {s['code']}: **{_shown(subtotal[s['code']])}** / "
                   f"{_shown(most[s['code']])}")  # fmt: skip
    st.text_area("Nhận xét chung", key=f"{PREFIX}_chung", on_change=_saved,
                 args=(f"{PREFIX}_chung",))  # fmt: skip
    if st.button("Nộp phiếu", type="primary", icon=":material/send:", width="stretch"):
        st.session_state[SUBMITS] = st.session_state.get(SUBMITS, 0) + 1
    if st.session_state.get(SUBMITS):
        # A line that changes: the browser benchmark's submit waits for the page to change.
        st.caption(f"Đã bấm {st.session_state[SUBMITS]} lần")


# Streamlit runs a script as __main__; bench/floor_app.py imports draw without drawing.
if __name__ == "__main__":
    draw(rubric())
