"""节假日日历 / Holiday calendar (office): the workdays every KPI counts, one year at a glance.

Shows where each day comes from (single-day override > the office's arrangement of the year >
chinese-calendar > Monday-Friday, data_access.calendar), the year's totals to check against the
State Council's notice, and where the package and the office's arrangement disagree. The office
adds and removes single-day overrides here (the only place to do so) and can remove a year's
arrangement loaded by mistake; arrangements are loaded with the `calendar` sheet (import screen
or `manage.py calendar import`). Every change is one audited transaction that rebuilds
calendar_days (data_access.admin); ui.forms.submit then clears every cached KPI.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from data_access import admin, clock
from data_access.calendar import FIRST_YEAR, LAST_YEAR, package_version, year_totals
from data_access.contract import SHEETS_BY_KEY
from ui import auth, data, forms
from ui.components import show_table
from ui.reminders import year_list
from ui.strings import language, t

DAY_FORM, REMOVE_FORM, YEAR_FORM = "cal_day", "cal_remove", "cal_office"
YEARS = list(range(FIRST_YEAR, LAST_YEAR + 1))
# Cell colours: dark text on light fills (readable on a projector too).
KIND_STYLES = {
    "workday": "background-color: #FFFFFF; color: #1F2933",
    "weekend": "background-color: #DDE1E6; color: #3E4C59",
    "holiday": "background-color: #F4B6B2; color: #7A0000",
    "makeup": "background-color: #FFD27A; color: #4D3800",
}
NO_DAY_STYLE = "background-color: #F5F7FA"  # 30 and 31 February and the like
GRID_HEIGHT = 13 * 35 + 3  # the header and the 12 months at the default row height: no scrolling


# --- Pieces -------------------------------------------------------------------------------------


def pick_year(default: int) -> int:
    """The year shown: ?year= in the link, else `default`."""
    try:
        chosen = int(st.query_params.get("year", default))
    except ValueError:
        chosen = default
    chosen = min(max(chosen, FIRST_YEAR), LAST_YEAR)
    year = st.columns([1, 3])[0].selectbox(t("cal_year"), YEARS, index=YEARS.index(chosen), key="cal_year")
    if str(year) != st.query_params.get("year"):
        st.query_params["year"] = str(year)
    return year


def weekday_names() -> list[str]:
    return t("cal_weekdays").split(",")


def cell_text(day: dict) -> str:
    """休 / 班 for holidays and make-up days, else the weekday; * an override, ≠ the package differs."""
    if day["kind"] == "holiday":
        text = t("cal_cell_holiday")
    elif day["kind"] == "makeup":
        text = t("cal_cell_makeup")
    else:
        text = weekday_names()[day["date"].weekday()]
    return text + ("*" if day["source"] == "override" else "") + ("≠" if day["disagrees"] else "")


def year_grid(days: list[dict]):
    """Months (rows) × days 1-31 (columns), each cell its text and colour."""
    columns = [str(number) for number in range(1, 32)]
    months = t("cal_months").split(",")
    text = [[""] * 31 for _ in months]
    style = [[NO_DAY_STYLE] * 31 for _ in months]
    for day in days:
        row, column = day["date"].month - 1, day["date"].day - 1
        text[row][column] = cell_text(day)
        style[row][column] = KIND_STYLES[day["kind"]]
    styles = pd.DataFrame(style, index=months, columns=columns)
    return pd.DataFrame(text, index=months, columns=columns).style.apply(lambda _: styles, axis=None)


def day_name(day: dict) -> str:
    """What the deciding source calls the day: the override's note, the office's name, the package's."""
    if day["source"] == "override":
        return day["override_note"] or ""
    if day["source"] == "office":
        return day["office_name"] or ""
    if day["package_name"]:
        return day["package_name"][0 if language() == "zh" else 1]
    return ""


def workday_word(value: bool | None) -> str:
    return "—" if value is None else t("cal_yes") if value else t("cal_no")


def special_days(days: list[dict], office_year: bool) -> pd.DataFrame:
    """Holidays, make-up days, overrides and disagreements, one row each."""
    rows = []
    for day in days:
        if day["kind"] in ("workday", "weekend") and day["source"] != "override" and not day["disagrees"]:
            continue
        row = {
            t("cal_col_date"): day["date"],
            t("cal_col_weekday"): weekday_names()[day["date"].weekday()],
            t("cal_col_workday"): workday_word(day["is_workday"]),
            t("cal_col_name"): day_name(day),
            t("cal_col_source"): t(f"cal_src_{day['source']}"),
            t("cal_col_package"): workday_word(day["package_workday"]),
        }
        if office_year:
            row[t("cal_col_office")] = workday_word(day["office_workday"])
            row[t("cal_col_differs")] = "≠" if day["disagrees"] else ""
        rows.append(row)
    return pd.DataFrame(rows)


def year_source(year: int, totals: dict, missing: tuple[int, ...]) -> None:
    """Which source decides the year, and whether the package agrees with the office."""
    cover = data.calendar_coverage()
    source = cover.source(year)
    st.caption(t(f"cal_source_{source}", year=year, listed=totals["listed"]))
    if source == "fallback" and year not in missing:  # a missing year has the reminder above
        st.warning(t("cal_fallback_year", year=year), icon=":material/warning:")
    first, last = cover.package
    if source == "office" and first <= year <= last:
        if totals["disagreements"]:
            st.warning(t("cal_disagree", year=year, count=totals["disagreements"]), icon=":material/compare_arrows:")
        else:
            st.success(t("cal_agree", year=year), icon=":material/check_circle:")


def totals_row(totals: dict, days: int) -> None:
    cards = st.columns(5)
    for card, key in zip(cards, ("workdays", "days_off", "holidays", "makeup_days", "overrides")):
        card.metric(t(f"cal_total_{key}"), totals[key], border=True, help=t(f"cal_total_{key}_help"))
    st.caption(t("cal_totals_check", days=days))


# --- Writes (each a data_access call in one transaction; forms.submit clears every cache) --------


def save_day(overrides: dict[dt.date, dict]) -> str:
    day = st.session_state[f"{DAY_FORM}_date"]
    existing = overrides.get(day)
    admin.set_calendar_override(
        data.engine(),
        auth.current_actor(),
        day,
        st.session_state[f"{DAY_FORM}_workday"],
        st.session_state.get(f"{DAY_FORM}_note"),
        expected_version=existing["version"] if existing else None,
    )
    forms.forget(DAY_FORM, ("note",))
    return t("cal_day_saved", day=day)


def remove_day(overrides: dict[dt.date, dict]) -> str:
    day = st.session_state[f"{REMOVE_FORM}_date"]
    admin.remove_calendar_override(data.engine(), auth.current_actor(), day, expected_version=overrides[day]["version"])
    st.session_state.pop(f"{REMOVE_FORM}_date", None)
    return t("cal_day_removed", day=day)


def remove_year(year: int) -> str:
    removed = admin.remove_office_year(data.engine(), auth.current_actor(), year)
    st.session_state.pop(f"{YEAR_FORM}_confirm", None)
    return t("cal_year_removed", year=year, count=removed)


def override_forms(year: int, today: dt.date) -> None:
    """Add or change a single-day override; remove one of the year's."""
    overrides = {row["date"]: row for row in data.calendar_overrides()}
    in_year = [day for day in overrides if day.year == year]
    left, right = st.columns(2)
    with left:
        forms.messages(DAY_FORM)
        with st.form("cal_day_form", clear_on_submit=False):
            st.session_state.setdefault(f"{DAY_FORM}_date", today if today.year == year else dt.date(year, 1, 1))
            st.date_input(
                t("cal_col_date"),
                key=f"{DAY_FORM}_date",
                min_value=dt.date(FIRST_YEAR, 1, 1),
                max_value=dt.date(LAST_YEAR, 12, 31),
                format="YYYY-MM-DD",
            )
            forms.field_error(DAY_FORM, "date")
            st.toggle(t("cal_workday_toggle"), key=f"{DAY_FORM}_workday", help=t("cal_workday_help"))
            forms.field_error(DAY_FORM, "is_workday")
            st.text_input(t("cal_col_note"), key=f"{DAY_FORM}_note")
            forms.field_error(DAY_FORM, "note")
            st.form_submit_button(
                t("cal_day_save"),
                icon=":material/event:",
                on_click=forms.submit,
                args=(DAY_FORM, lambda: save_day(overrides)),
            )
    with right:
        if not in_year:
            st.caption(t("cal_no_overrides", year=year))
            return
        forms.messages(REMOVE_FORM, reload=lambda: None)
        with st.form("cal_remove_form", clear_on_submit=False):
            kinds = {True: t("cal_yes"), False: t("cal_no")}
            st.selectbox(
                t("cal_remove_pick"),
                in_year,
                key=f"{REMOVE_FORM}_date",
                format_func=lambda day: " · ".join(
                    part
                    for part in (str(day), kinds[bool(overrides[day]["is_workday"])], overrides[day]["note"] or "")
                    if part
                ),
            )
            st.form_submit_button(
                t("cal_day_remove"),
                icon=":material/event_busy:",
                on_click=forms.submit,
                args=(REMOVE_FORM, lambda: remove_day(overrides)),
            )


def template_csv() -> bytes:
    """The calendar sheet's header as a CSV file to fill in (Chinese labels; Excel opens UTF-8 with a BOM)."""
    sheet = SHEETS_BY_KEY["calendar"]
    return (",".join(column.zh for column in sheet.columns) + "\r\n").encode("utf-8-sig")


def office_arrangement(year: int, totals: dict) -> None:
    """How to load a year's arrangement, and removing the selected year's."""
    st.caption(t("cal_office_how"))
    links = st.columns([1, 1, 2], vertical_alignment="center")
    links[0].page_link("views/import_data.py", label=t("cal_import_link"), icon=":material/upload_file:")
    links[1].download_button(
        t("cal_template_download"),
        template_csv(),
        file_name=t("cal_template_file"),
        mime="text/csv",
        key="cal_template",
        on_click="ignore",
        icon=":material/download:",
    )
    if data.calendar_coverage().source(year) != "office":
        st.caption(t("cal_no_office_year", year=year))
        return
    forms.messages(YEAR_FORM)
    confirmed = st.checkbox(t("cal_remove_confirm", year=year), key=f"{YEAR_FORM}_confirm")
    st.button(
        t("cal_remove_year", year=year, count=totals["listed"]),
        key="cal_remove_year",
        type="secondary",
        icon=":material/delete:",
        disabled=not confirmed,
        on_click=forms.submit,
        args=(YEAR_FORM, lambda: remove_year(year)),
    )


# --- The screen ---------------------------------------------------------------------------------

forms.require("office")
forms.show_toast()
today = clock.today()
st.title(t("nav_calendar"))
st.caption(t("cal_caption"))
cover = data.calendar_coverage()
first, last = cover.package
st.info(t("cal_precedence", version=package_version(), first=first, last=last), icon=":material/rule:")
st.caption(t("cal_coverage", first=first, last=last, office=year_list(cover.office) or t("cal_none")))
missing = data.calendar_years_to_load(today)
if missing:
    st.warning(t("cal_reminder", years=year_list(missing)), icon=":material/event_busy:")

year = pick_year(missing[0] if missing else min(max(today.year, FIRST_YEAR), LAST_YEAR))
days = data.calendar_year(year)
totals = year_totals(days)
year_source(year, totals, missing)
totals_row(totals, len(days))

st.subheader(t("cal_grid", year=year))
st.dataframe(
    year_grid(days),
    width="stretch",
    height=GRID_HEIGHT,
    column_config={str(number): st.column_config.TextColumn(width=28) for number in range(1, 32)},
)
st.caption(t("cal_legend"))

st.subheader(t("cal_special", year=year))
special = special_days(days, cover.source(year) == "office")
if special.empty:
    st.caption(t("cal_no_special", year=year))
else:
    show_table(special, t("cal_special_file", year=year), key="cal_special")

st.subheader(t("cal_day_title"))
st.caption(t("cal_day_caption"))
override_forms(year, today)

st.subheader(t("cal_office_title"))
office_arrangement(year, totals)
