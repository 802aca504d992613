"""An empty page inside the real app: the floor of what any page run costs."""

import streamlit as st

st.title("Trang trống")
