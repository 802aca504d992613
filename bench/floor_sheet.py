"""A bare Streamlit page with the scoring sheet's widgets: the floor a field edit is measured on.

No login, no navigation, no database: the district rubric's fields (two text inputs per
criterion, the overall comment, the buttons), the sticky total bar, and a total added up from
the typed text, so a field edit here costs what the framework charges for those widgets."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

import streamlit as st
import yaml

RUBRIC = Path(__file__).resolve().parent.parent / "data/rubrics/mau-20-diem.yaml"


@st.cache_resource(show_spinner=False)
def rubric() -> dict:
    # Read once per process, like the app's cached database: the floor pays no file reading.
    return yaml.safe_load(RUBRIC.read_text("utf-8"))


def points(text: str) -> Decimal | None:
    try:
        return Decimal(text.strip().replace(",", ".")) if text.strip() else None
    except InvalidOperation:
        return None


def saved() -> None:
    st.session_state["floor_saved"] = "Đã lưu tự động"


r = rubric()
sections, criteria = r["sections"], r["criteria"]
values = {c["code"]: points(st.session_state.get(f"floor_{c['code']}", "")) for c in criteria}
total = sum((v for v in values.values() if v is not None), Decimal(0))

st.button("Danh sách phiếu", icon=":material/arrow_back:")
st.subheader("SK-0001 – Tên sáng kiến")
st.markdown("**Tác giả:** Nguyễn Văn A")
st.markdown("**Lĩnh vực:** Giáo dục mầm non")
st.caption("Đợt chấm · GK1 · Hạn chấm")
with st.container(key="phieu_thanh_tong"):
    shown = str(total).replace(".", ",")
    st.markdown(f"**Tổng điểm: {shown} / 20** · Xếp loại tạm tính: **B**  \n:small[I · II]")
    st.caption(st.session_state.get("floor_saved", "Mọi thay đổi được lưu tự động"))
st.html(
    '<style>[data-testid="stLayoutWrapper"]:has(> .st-key-phieu_thanh_tong) '
    "{position: sticky; top: 3.75rem; z-index: 990; background-color: white;}</style>"
)
for s in sections:
    st.markdown(f"##### {s['code']}. {s['label']}")
    for c in (c for c in criteria if c["section"] == s["code"]):
        left, right = st.columns([2, 3])
        left.text_input(f"{c['code']}. {c['label']} (tối đa {c['max']})", key=f"floor_{c['code']}",
                        placeholder="ví dụ 0,5", on_change=saved)  # fmt: skip
        right.text_input(f"Nhận xét {c['code']}", key=f"floor_{c['code']}_nx",
                         placeholder="Không bắt buộc", on_change=saved)  # fmt: skip
    st.caption(f"Cộng phần {s['code']}")
st.text_area("Nhận xét chung", key="floor_chung", on_change=saved)
st.button("Nộp phiếu", type="primary", icon=":material/send:", width="stretch")
