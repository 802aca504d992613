"""A bare one-line Streamlit page, outside the app: the framework's own floor."""

import streamlit as st

st.title("Trang trống")
