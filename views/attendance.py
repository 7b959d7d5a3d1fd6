"""Placeholder: the attendance screen is being written (replace this file)."""
import streamlit as st

from ui.strings import t

st.title(t("nav_attendance"))
st.info(t("under_construction"))
