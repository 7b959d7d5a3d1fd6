"""Placeholder: the customers screen is being written (replace this file)."""
import streamlit as st

from ui.strings import t

st.title(t("nav_customers"))
st.info(t("under_construction"))
