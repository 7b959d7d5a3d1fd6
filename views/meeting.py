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
from data_access.meetings import NewActionItem, close_action_item, record_meeting
from metrics import meeting
from reports.brief import FontMissing, find_cjk_font
from ui import agenda_text, attachments, auth, data, forms
from ui.components import MISSING, data_table, show_figures, show_table
from ui.filters import MAX_DATE, MIN_DATE, screen_filters
from ui.reminders import calendar_reminder
from ui.state import projection
from ui.strings import language, t

MAX_ITEM_ROWS = 10
WALL_COLUMNS = 2  # agenda sections side by side on the wall screen
WALL_LINES = 16  # table lines (title, header, rows) of one column of the wall screen at 1920×1080
# The wall screen's columns and their widths in half-width characters (a Chinese character takes two):
# one line per row, so the rows that fit can be counted.
WALL_TEXT = {"subject": 26, "detail": 32, "owner": 12}
SHORT_LABELS = {key: f"mt_short_{key}" for key in meeting.SECTIONS}
RECORD, CLOSE = "mt_record", "mt_close"  # the forms (ui.forms keeps each one's outcome)


# --- Pieces -------------------------------------------------------------------------------------


def agenda_date() -> dt.date:
    """The agenda's day: today by default; ?as_of=YYYY-MM-DD keeps a chosen day in the link."""
    try:
        chosen = dt.date.fromisoformat(st.query_params.get("as_of", ""))
    except ValueError:
        chosen = clock.today()
    chosen = min(max(chosen, MIN_DATE), MAX_DATE)  # the calendar table's years
    value = st.date_input(
        t("mt_as_of"), value=chosen, min_value=MIN_DATE, max_value=MAX_DATE, format="YYYY-MM-DD", key="mt_as_of"
    )
    if value.isoformat() != st.query_params.get("as_of"):
        st.query_params["as_of"] = value.isoformat()
    return value


def section_counts(agenda: meeting.Agenda) -> None:
    """A card per section with its count, named by the catalogue on the agenda date (the wall
    screen, one row of seven, keeps the short names: its caption gives the date)."""
    counts = agenda.counts()
    keys = list(meeting.SECTIONS)
    show_figures({meeting.SECTION_FIGURES[key]: counts[key] for key in keys}, agenda.as_of)
    for row_keys in [keys] if projection() else [keys[:4], keys[4:]]:  # the wall screen: one row
        for column, key in zip(st.columns(len(keys) if projection() else 4), row_keys):
            label = t(SHORT_LABELS[key]) if projection() else meeting.section_name(key, agenda.as_of, language())
            column.metric(label, f"{counts[key]:,}", border=True)


def scope_caption(agenda: meeting.Agenda, filters) -> None:
    """What the screen counts: on the agenda date, not over the sidebar's window (which only the
    brief's headline KPIs use), new needs since the last meeting."""
    last = agenda.last_meeting.isoformat() if agenda.last_meeting else t("mt_no_meeting_yet")
    text = t(
        "mt_scope_caption",
        as_of=agenda.as_of,
        start=agenda.needs_window.start,
        last=last,
        window_start=filters.window.start,
        window_end=filters.window.end,
    )
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
        t("mt_brief_download"),
        data=lambda: data.brief_pdf(window, as_of, lang),
        file_name=f"{t('mt_brief_file')}_{as_of}.pdf",
        mime="application/pdf",
        key="mt_brief",
        on_click="ignore",
        type="primary",
        icon=":material/picture_as_pdf:",
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
    return {
        "subject": t("mt_col_subject"),
        "detail": t("mt_col_detail"),
        "owner": t("mt_col_owner"),
        "age_days": t("mt_col_age"),
        "due_date": t("mt_col_due"),
        "overdue": t("mt_col_overdue"),
    }


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
    sections = [
        (number, key, frame) for number, (key, frame) in enumerate(agenda.sections.items(), start=1) if not frame.empty
    ]
    if not sections:
        st.success(t("mt_none"))
        return
    grid_rows = math.ceil(len(sections) / WALL_COLUMNS)
    rows_each = max(1, WALL_LINES // grid_rows - 3)  # a section also shows its title and a header
    for first in range(0, len(sections), WALL_COLUMNS):
        for column, (number, key, frame) in zip(st.columns(WALL_COLUMNS), sections[first : first + WALL_COLUMNS]):
            column.subheader(section_title(number, key, frame, lang, agenda.as_of))
            table = agenda_text.display_table(key, frame.head(rows_each), lang)[[*WALL_TEXT, "age_days"]]
            for name, width in WALL_TEXT.items():
                table[name] = [clip(value, width) for value in table[name]]
            table["age_days"] = [MISSING if pd.isna(days) else f"{int(days):,}" for days in table["age_days"]]
            column.table(table.rename(columns=column_names()), hide_index=True)


def agenda_sections(agenda: meeting.Agenda) -> None:
    lang = language()
    for number, (key, frame) in enumerate(agenda.sections.items(), start=1):
        title = agenda_text.section_title(key, lang)
        st.subheader(section_title(number, key, frame, lang, agenda.as_of))
        caption = section_caption(key, agenda)
        if caption:
            st.caption(caption)
        if frame.empty:
            st.success(t("mt_none"))
            continue
        table = agenda_text.display_table(key, frame, lang).rename(columns=column_names())
        show_table(table, f"{t('nav_meeting')}_{title}", key=f"mt_table_{key}")


def coming_outages(agenda: meeting.Agenda) -> None:
    """Next month's outage plans agreed with customers (not a counted agenda section)."""
    month = meeting.next_month(agenda.as_of)
    st.subheader(t("lc_meeting_outages", month=f"{month.start:%Y-%m}"))
    frame = agenda.outages
    if frame is None or frame.empty:
        st.success(t("mt_none"))
        return
    shown = frame.assign(status=[t(f"lc_outage_status_{code}") for code in frame["status"]])
    data_table(
        shown,
        t("lc_meeting_outages", month=f"{month.start:%Y-%m}"),
        "mt_outages",
        headers="lc_col_",
        decimals=("hours",),
    )


def forget_inputs(prefixes: tuple[str, ...]) -> None:
    """Empty the record form after a save (the typed values are kept after an error)."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefixes)]:
        del st.session_state[key]


def _item_rows(count: int) -> None:
    """`count` rows of action-item inputs (description, owner, due date), labelled once at the top."""
    for row in range(count):
        visibility = "visible" if row == 0 else "collapsed"
        columns = st.columns([3, 1.4, 1.2])
        columns[0].text_input(t("mt_item_description"), key=f"mt_item_desc_{row}", label_visibility=visibility)
        columns[1].text_input(t("mt_item_owner"), key=f"mt_item_owner_{row}", label_visibility=visibility)
        columns[2].date_input(
            t("mt_item_due"), value=None, format="YYYY-MM-DD", key=f"mt_item_due_{row}", label_visibility=visibility
        )


def action_items_typed(rows: list[tuple[str, str, dt.date | None]]) -> list[NewActionItem]:
    """The rows up to the last one with anything typed (a blank row in between is reported)."""
    filled = [bool((d or "").strip() or (o or "").strip() or due) for d, o, due in rows]
    last = max((i for i, f in enumerate(filled) if f), default=-1)
    return [NewActionItem(d or "", o or "", due) for d, o, due in rows[: last + 1]]


def save_meeting(count: int) -> str:
    """Record the meeting typed in the form (its first `count` item rows); the form is emptied after."""
    typed = st.session_state
    rows = [
        (typed.get(f"mt_item_desc_{row}"), typed.get(f"mt_item_owner_{row}"), typed.get(f"mt_item_due_{row}"))
        for row in range(count)
    ]
    items = action_items_typed(rows)
    title = typed.get("mt_title") or ""
    record_meeting(
        data.engine(),
        auth.current_actor(),
        held_on=typed.get("mt_held_on"),
        title=title,
        attendees=typed.get("mt_attendees"),
        decisions=typed.get("mt_decisions"),
        action_items=items,
    )
    forget_inputs(("mt_title", "mt_attendees", "mt_decisions", "mt_held_on", "mt_item_"))
    return t("mt_saved", title=title.strip(), items=len(items))


def record_form(as_of: dt.date) -> None:
    with st.expander(t("mt_record"), icon=":material/edit_note:"):
        count = int(st.number_input(t("mt_item_rows"), min_value=1, max_value=MAX_ITEM_ROWS, value=3, key="mt_rows"))
        forms.messages(RECORD)
        with st.form("mt_record_form"):
            st.date_input(t("mt_held_on"), value=as_of, format="YYYY-MM-DD", key="mt_held_on")
            st.text_input(t("mt_meeting_title"), value=t("mt_default_title", date=as_of), key="mt_title")
            st.text_area(t("mt_attendees"), key="mt_attendees", height=80)
            st.text_area(t("mt_decisions"), key="mt_decisions", height=100)
            st.markdown(f"**{t('mt_items')}**")
            _item_rows(count)
            row_labels = [t("mt_item_row", row=row) for row in range(1, count + 1)]
            st.form_submit_button(
                t("mt_save"),
                type="primary",
                on_click=forms.submit,
                args=(RECORD, lambda: save_meeting(count)),
                kwargs={"row_labels": row_labels},
            )


def close_item(labels: dict[int, str], versions: dict[int, int], as_of: dt.date) -> str:
    """Close the action item picked in the form, if it still has the version the agenda showed."""
    item_id = st.session_state.get("mt_close_item")
    closed_on = st.session_state.get("mt_closed_on") or as_of
    close_action_item(data.engine(), auth.current_actor(), item_id, versions[item_id], closed_on)
    return t("mt_closed", item=labels[item_id])


def close_form(agenda: meeting.Agenda) -> None:
    items = agenda.sections["action_items"]
    with st.expander(t("mt_close"), icon=":material/task_alt:"):
        if items.empty:
            st.info(t("mt_nothing_to_close"))
            return
        labels = {
            int(row.id): " · ".join(str(part) for part in (row.description, row.owner, row.due_date) if pd.notna(part))
            for row in items.itertuples()
        }
        versions = {int(row.id): int(row.version) for row in items.itertuples()}
        forms.messages(CLOSE, reload=data.clear_caches)
        with st.form("mt_close_form"):
            st.selectbox(t("mt_close_pick"), list(labels), format_func=labels.get, key="mt_close_item")
            st.date_input(t("mt_closed_on"), value=agenda.as_of, format="YYYY-MM-DD", key="mt_closed_on")
            st.form_submit_button(
                t("mt_close_button"),
                type="primary",
                on_click=forms.submit,
                args=(CLOSE, lambda: close_item(labels, versions, agenda.as_of)),
            )


def history() -> None:
    meetings = data.meetings()
    with st.expander(t("mt_history", count=len(meetings)), icon=":material/history:"):
        if meetings.empty:
            st.info(t("mt_no_meetings"))
            return
        names = {
            "held_on": t("mt_held_on"),
            "title": t("mt_meeting_title"),
            "attendees": t("mt_attendees"),
            "decisions": t("mt_decisions"),
            "action_items": t("mt_items"),
            "open_items": t("mt_open_items"),
        }
        show_table(meetings[list(names)].rename(columns=names), t("mt_history_file"), key="mt_history")
        labels = {int(row.id): f"{row.held_on} {row.title}" for row in meetings.itertuples()}
        picked = st.selectbox(t("at_meeting_pick"), list(labels), format_func=labels.get, key="mt_files_pick")
        attachments.panel("meetings", picked, can_upload=auth.current_role() == "office")


# --- The screen ---------------------------------------------------------------------------------

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_meeting"))
st.caption(t("mt_caption"))
forms.show_toast()

top = st.columns([1, 2], vertical_alignment="bottom")
with top[0]:
    as_of = agenda_date()
with top[1]:
    brief_button(window, as_of)

agenda = data.agenda(as_of, scope)
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
coming_outages(agenda)
history()
