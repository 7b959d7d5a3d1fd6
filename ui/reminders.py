"""Reminders more than one screen draws: the holiday calendar running out (overview, meeting)."""

from __future__ import annotations

import streamlit as st

from ui.strings import language, t

CALENDAR_SCRIPT = "views/holiday_calendar.py"


def year_list(years: tuple[int, ...]) -> str:
    return ("、" if language() == "zh" else ", ").join(str(year) for year in years)


def calendar_reminder(years: tuple[int, ...], *, link: bool) -> None:
    """Say that `years` have no holiday arrangement (years_to_load) and, for the office (`link`),
    link to the calendar screen; other roles are told the office loads it. Nothing when empty."""
    if not years:
        return
    st.warning(t("cal_reminder", years=year_list(years)), icon=":material/event_busy:")
    if link:
        st.page_link(CALENDAR_SCRIPT, label=t("cal_reminder_link"), icon=":material/calendar_month:")
    else:
        st.caption(t("cal_reminder_others"))
