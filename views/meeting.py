"""联席会议 / Joint meeting: the agenda of open items, the PDF brief, and (office) the meeting record.

Everyone sees the agenda (metrics.meeting) and can download the brief
(reports.brief). Only the office records meetings and closes action items;
data_access.meetings enforces that again when writing.
"""
from __future__ import annotations

import datetime as dt
import math
import unicodedata

import pandas as pd
import streamlit as st

from data_access import clock
from data_access.db import database_url
from data_access.meetings import MeetingError, NewActionItem, close_action_item, list_meetings, record_meeting
from data_access.permissions import PermissionDenied
from metrics import meeting
from metrics.window import Scope
from reports.brief import FontMissing, build_brief, find_cjk_font
from ui import auth, data
from ui.components import MISSING, show_figures, show_table
from ui.filters import MAX_DATE, MIN_DATE, screen_filters
from ui.reminders import calendar_reminder
from ui.state import projection
from ui.strings import language, t
from ui.text import plain

MAX_ITEM_ROWS = 10
WALL_COLUMNS = 2  # agenda sections side by side on the wall screen
WALL_LINES = 16  # table lines (title, header, rows) of one column of the wall screen at 1920×1080
# The wall screen's columns and their widths in half-width characters (a Chinese character takes two):
# one line per row, so the rows that fit can be counted.
WALL_TEXT = {"subject": 26, "detail": 32, "owner": 12}
SHORT_LABELS = {key: f"mt_short_{key}" for key in meeting.SECTIONS}
_DONE = "_mt_done"  # the confirmation shown after the rerun that follows a write


# --- Cached loaders (cleared by data.clear_caches() after every write) ---------------------------

@st.cache_data(ttl=data.CACHE_TTL, show_spinner=False)
def _agenda(url: str, as_of: dt.date, town: str | None, team: str | None) -> meeting.Agenda:
    with data.engine().connect() as conn:
        return meeting.agenda(conn, as_of, data.settings(), Scope(town, team))


@st.cache_data(ttl=data.CACHE_TTL, show_spinner=False)
def _meetings(url: str) -> pd.DataFrame:
    with data.engine().connect() as conn:
        return list_meetings(conn)


def _brief_pdf(window, as_of: dt.date, lang: str) -> bytes:
    with data.engine().connect() as conn:
        return build_brief(conn, window, as_of, data.settings(), lang)


# --- Pieces -------------------------------------------------------------------------------------

def agenda_date() -> dt.date:
    """The agenda's day: today by default; ?as_of=YYYY-MM-DD keeps a chosen day in the link."""
    try:
        chosen = dt.date.fromisoformat(st.query_params.get("as_of", ""))
    except ValueError:
        chosen = clock.today()
    chosen = min(max(chosen, MIN_DATE), MAX_DATE)  # the calendar table's years
    value = st.date_input(t("mt_as_of"), value=chosen, min_value=MIN_DATE, max_value=MAX_DATE,
                          format="YYYY-MM-DD", key="mt_as_of")
    if value.isoformat() != st.query_params.get("as_of"):
        st.query_params["as_of"] = value.isoformat()
    return value


def section_counts(agenda: meeting.Agenda) -> None:
    """A card per section with its count, named by the catalogue on the agenda date (the wall
    screen, one row of seven, keeps the short names: its caption gives the date)."""
    counts = agenda.counts()
    keys = list(meeting.SECTIONS)
    show_figures({meeting.SECTION_FIGURES[key]: counts[key] for key in keys}, agenda.as_of)
    for row_keys in ([keys] if projection() else [keys[:4], keys[4:]]):  # the wall screen: one row
        for column, key in zip(st.columns(len(keys) if projection() else 4), row_keys):
            label = t(SHORT_LABELS[key]) if projection() else meeting.section_name(key, agenda.as_of, language())
            column.metric(label, f"{counts[key]:,}", border=True)


def scope_caption(agenda: meeting.Agenda, filters) -> None:
    """What the screen counts: on the agenda date, not over the sidebar's window (which only the
    brief's headline KPIs use), new needs since the last meeting."""
    last = agenda.last_meeting.isoformat() if agenda.last_meeting else t("mt_no_meeting_yet")
    text = t("mt_scope_caption", as_of=agenda.as_of, start=agenda.needs_window.start, last=last,
             window_start=filters.window.start, window_end=filters.window.end)
    parts = [part for part in (filters.scope.town, filters.scope.team) if part]
    if parts:
        text += " · " + t("filter_scope_caption", scope=" / ".join(parts))
    st.caption(text)


def brief_button(window, as_of: dt.date) -> None:
    lang = language()
    try:
        find_cjk_font()
    except FontMissing as error:
        st.warning(t("mt_brief_unavailable", error=error))
        return
    st.download_button(
        t("mt_brief_download"), data=lambda: _brief_pdf(window, as_of, lang),
        file_name=f"{t('mt_brief_file')}_{as_of}.pdf", mime="application/pdf", key="mt_brief",
        on_click="ignore", type="primary", icon=":material/picture_as_pdf:",
        help=t("mt_brief_help", start=window.start, end=window.end, as_of=as_of),
    )


def section_caption(key: str, agenda: meeting.Agenda) -> str | None:
    if key == "new_needs":
        last = agenda.last_meeting.isoformat() if agenda.last_meeting else t("mt_no_meeting_yet")
        return t("mt_needs_window", start=agenda.needs_window.start, end=agenda.needs_window.end, last=last)
    if key == "managers_behind":
        week = agenda.attendance_week
        return t("mt_week", start=week.start, end=week.end, day=int(data.settings()["plan_deadline_day"]))
    if key == "action_items":
        return t("mt_items_caption")
    return None


def column_names() -> dict[str, str]:
    return {"subject": t("mt_col_subject"), "detail": t("mt_col_detail"), "owner": t("mt_col_owner"),
            "age_days": t("mt_col_age"), "due_date": t("mt_col_due"), "overdue": t("mt_col_overdue")}


def section_title(number: int, key: str, frame: pd.DataFrame, lang: str, as_of: dt.date) -> str:
    title = meeting.section_name(key, as_of, lang)
    return f"{number}. {title}（{len(frame):,}）" if lang == "zh" else f"{number}. {title} ({len(frame):,})"


def clip(value, width: int) -> str:
    """`value` as text of at most `width` half-width characters, cut with "…" when longer."""
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)
    widths = [2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text]
    if sum(widths) <= width:
        return text
    kept, used = [], 0
    for char, char_width in zip(text, widths):
        if used + char_width > width - 2:  # room for the ellipsis
            break
        kept.append(char)
        used += char_width
    return "".join(kept) + "…"


def wall_agenda(agenda: meeting.Agenda) -> None:
    """The agenda on the wall screen (1920×1080, no scrolling): the sections with items, side by
    side, each with as many of its first (oldest) rows as fit; the cards above count them all."""
    lang = language()
    sections = [(number, key, frame) for number, (key, frame) in enumerate(agenda.sections.items(), start=1)
                if not frame.empty]
    if not sections:
        st.success(t("mt_none"))
        return
    grid_rows = math.ceil(len(sections) / WALL_COLUMNS)
    rows_each = max(1, WALL_LINES // grid_rows - 3)  # a section also shows its title and a header
    for first in range(0, len(sections), WALL_COLUMNS):
        for column, (number, key, frame) in zip(st.columns(WALL_COLUMNS), sections[first:first + WALL_COLUMNS]):
            column.subheader(section_title(number, key, frame, lang, agenda.as_of))
            table = meeting.display_table(key, frame.head(rows_each), lang)[[*WALL_TEXT, "age_days"]]
            for name, width in WALL_TEXT.items():
                table[name] = [clip(value, width) for value in table[name]]
            table["age_days"] = [MISSING if pd.isna(days) else f"{int(days):,}" for days in table["age_days"]]
            column.table(table.rename(columns=column_names()), hide_index=True)


def agenda_sections(agenda: meeting.Agenda) -> None:
    lang = language()
    for number, (key, frame) in enumerate(agenda.sections.items(), start=1):
        title = meeting.SECTION_TITLES[key][lang]
        st.subheader(section_title(number, key, frame, lang, agenda.as_of))
        caption = section_caption(key, agenda)
        if caption:
            st.caption(caption)
        if frame.empty:
            st.success(t("mt_none"))
            continue
        table = meeting.display_table(key, frame, lang).rename(columns=column_names())
        show_table(table, f"{t('nav_meeting')}_{title}", key=f"mt_table_{key}")


def done(message: str) -> None:
    """After a write: rerun so the agenda shows it, with the confirmation on top."""
    st.session_state[_DONE] = message
    st.rerun()


def show_done() -> None:
    message = st.session_state.pop(_DONE, None)
    if message:
        st.success(plain(message), icon=":material/check_circle:")


def forget_inputs(prefixes: tuple[str, ...]) -> None:
    """Empty the record form after a save (the typed values are kept after an error)."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
        del st.session_state[key]


def _item_rows(count: int) -> list[tuple[str, str, dt.date | None]]:
    rows = []
    for row in range(count):
        columns = st.columns([3, 1.4, 1.2])
        description = columns[0].text_input(t("mt_item_description"), key=f"mt_item_desc_{row}",
                                            label_visibility="visible" if row == 0 else "collapsed")
        owner = columns[1].text_input(t("mt_item_owner"), key=f"mt_item_owner_{row}",
                                      label_visibility="visible" if row == 0 else "collapsed")
        due = columns[2].date_input(t("mt_item_due"), value=None, format="YYYY-MM-DD", key=f"mt_item_due_{row}",
                                    label_visibility="visible" if row == 0 else "collapsed")
        rows.append((description, owner, due))
    return rows


def action_items_typed(rows: list[tuple[str, str, dt.date | None]]) -> list[NewActionItem]:
    """The rows up to the last one with anything typed (a blank row in between is reported)."""
    filled = [bool((d or "").strip() or (o or "").strip() or due) for d, o, due in rows]
    last = max((i for i, f in enumerate(filled) if f), default=-1)
    return [NewActionItem(d or "", o or "", due) for d, o, due in rows[: last + 1]]


def record_form(as_of: dt.date) -> None:
    with st.expander(t("mt_record"), icon=":material/edit_note:"):
        count = st.number_input(t("mt_item_rows"), min_value=1, max_value=MAX_ITEM_ROWS, value=3, key="mt_rows")
        with st.form("mt_record_form"):
            held_on = st.date_input(t("mt_held_on"), value=as_of, format="YYYY-MM-DD", key="mt_held_on")
            title = st.text_input(t("mt_meeting_title"), value=t("mt_default_title", date=as_of), key="mt_title")
            attendees = st.text_area(t("mt_attendees"), key="mt_attendees", height=80)
            decisions = st.text_area(t("mt_decisions"), key="mt_decisions", height=100)
            st.markdown(f"**{t('mt_items')}**")
            rows = _item_rows(int(count))
            submitted = st.form_submit_button(t("mt_save"), type="primary")
        if submitted:
            items = action_items_typed(rows)
            try:
                with data.engine().begin() as conn:
                    record_meeting(conn, auth.current_actor(), held_on=held_on, title=title,
                                   attendees=attendees, decisions=decisions, action_items=items)
            except (MeetingError, PermissionDenied) as error:
                st.error(plain(error.message(language())))
                return
            data.clear_caches()
            forget_inputs(("mt_title", "mt_attendees", "mt_decisions", "mt_held_on", "mt_item_"))
            done(t("mt_saved", title=title.strip(), items=len(items)))


def close_form(agenda: meeting.Agenda) -> None:
    items = agenda.sections["action_items"]
    with st.expander(t("mt_close"), icon=":material/task_alt:"):
        if items.empty:
            st.info(t("mt_nothing_to_close"))
            return
        labels = {int(row.id): " · ".join(str(part) for part in (row.description, row.owner, row.due_date)
                                          if pd.notna(part))
                  for row in items.itertuples()}
        with st.form("mt_close_form"):
            item_id = st.selectbox(t("mt_close_pick"), list(labels), format_func=labels.get, key="mt_close_item")
            closed_on = st.date_input(t("mt_closed_on"), value=agenda.as_of, format="YYYY-MM-DD",
                                      key="mt_closed_on")
            submitted = st.form_submit_button(t("mt_close_button"), type="primary")
        if submitted:
            version = int(items.loc[items["id"] == item_id, "version"].item())
            try:
                with data.engine().begin() as conn:
                    close_action_item(conn, auth.current_actor(), item_id, version, closed_on)
            except (MeetingError, PermissionDenied) as error:
                data.clear_caches()
                st.error(plain(error.message(language())))
                return
            data.clear_caches()
            done(t("mt_closed", item=labels[item_id]))


def history() -> None:
    meetings = _meetings(database_url())
    with st.expander(t("mt_history", count=len(meetings)), icon=":material/history:"):
        if meetings.empty:
            st.info(t("mt_no_meetings"))
            return
        names = {"held_on": t("mt_held_on"), "title": t("mt_meeting_title"), "attendees": t("mt_attendees"),
                 "decisions": t("mt_decisions"), "action_items": t("mt_items"), "open_items": t("mt_open_items")}
        show_table(meetings[list(names)].rename(columns=names), t("mt_history_file"), key="mt_history")


# --- The screen ---------------------------------------------------------------------------------

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_meeting"))
st.caption(t("mt_caption"))
show_done()

top = st.columns([1, 2], vertical_alignment="bottom")
with top[0]:
    as_of = agenda_date()
with top[1]:
    brief_button(window, as_of)

agenda = _agenda(database_url(), as_of, scope.town, scope.team)
scope_caption(agenda, filters)
if not projection():  # the wall screen has no room to spare; the PDF brief carries it
    calendar_reminder(agenda.calendar_years, link=auth.current_role() == "office")
section_counts(agenda)
if projection():
    wall_agenda(agenda)  # no forms, downloads or history on the wall screen
    st.stop()
if auth.current_role() == "office":
    record_form(as_of)
    close_form(agenda)
agenda_sections(agenda)
history()
