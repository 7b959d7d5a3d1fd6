"""Printable outputs (PDF) built from the metrics; no streamlit import."""
