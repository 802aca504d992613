"""An empty page inside the real app: the app shell (login check, navigation) around nothing."""

import streamlit as st

st.title("Trang trống")
