"""Placeholder: the experts screen is being written (replace this file)."""
import streamlit as st

from ui.strings import t

st.title(t("nav_experts"))
st.info(t("under_construction"))
