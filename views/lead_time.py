"""Placeholder: the lead_time screen is being written (replace this file)."""
import streamlit as st

from ui.strings import t

st.title(t("nav_lead_time"))
st.info(t("under_construction"))
