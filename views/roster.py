"""派驻经理名册 / Manager roster (leadership and the office): every manager's lifecycle state on the
window's last day (metrics.lifecycle: derived from the records), filtered by state, town, team and
a search; and the manager page below it (?manager=<employee no.>): personal data, training hours
and hands-on share, assessments, postings with handovers, recent work logs and expert calls,
outage plans. Read-only: records are entered on the entry screens.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access.contract import SHEETS_BY_KEY
from metrics.lifecycle import STATES
from metrics.window import Scope
from ui import data
from ui.components import data_table
from ui.filters import screen_filters, window_caption
from ui.strings import language, t
from ui.text import plain

QUERY = "manager"


def state_label(state: str | None) -> str:
    return t("lc_all_states") if state is None else t(f"lc_state_{state}")


def choice(sheet: str, column: str, code) -> str:
    """A code of a contract column in the UI language (training kind, log status, call mode)."""
    return "" if code is None else SHEETS_BY_KEY[sheet].column(column).choice_label(code, language())


def roster(as_of, scope: Scope) -> pd.DataFrame:
    left, right = st.columns(2)
    state = left.selectbox(t("lc_filter_state"), [None, *STATES], format_func=state_label, key="lc_state")
    search = right.text_input(t("lc_search"), key="lc_search", placeholder=t("lc_search_hint"))
    frame = data.lifecycle_states(as_of, scope, state, search.strip() or None)
    shown = frame.drop(columns=["manager_id"]).assign(
        state=[t(f"lc_state_{s}") for s in frame["state"]], page=[f"roster?{QUERY}={no}" for no in frame["employee_no"]]
    )
    if shown.empty:
        st.info(t("lc_no_managers"))
    else:
        link = {t("lc_col_page"): st.column_config.LinkColumn(display_text=t("lc_open_page"))}
        data_table(
            shown,
            t("nav_roster"),
            "lc_roster",
            headers="lc_col_",
            percent=("skill_share",),
            flags=("gate_ok",),
            decimals=("total_hours",),
            blank=("team", "last_assessment_on"),
            column_config=link,
        )
    return frame


def pick_manager(frame: pd.DataFrame) -> str | None:
    """The manager of the page: the ?manager= parameter, or the one picked here (kept in the URL)."""
    wanted = st.query_params.get(QUERY)
    options = list(frame["employee_no"])
    if wanted and wanted not in options:
        options.insert(0, wanted)
    names = dict(zip(frame["employee_no"], frame["name"]))
    picked = st.selectbox(
        t("lc_pick"),
        [None, *options],
        index=options.index(wanted) + 1 if wanted else 0,
        format_func=lambda no: t("lc_pick_none") if no is None else f"{no} {names.get(no, '')}",
        key=f"lc_pick_{wanted}",
    )
    if picked != wanted:
        if picked:
            st.query_params[QUERY] = picked
        else:
            st.query_params.pop(QUERY, None)
    return picked


def section(title: str, rows: list[dict], name: str, **table) -> None:
    st.markdown(f"**{t(title)}**")
    if not rows:
        st.caption(t("lc_none_yet"))
        return
    data_table(pd.DataFrame(rows), name, f"lc_{title}", headers="lc_col_", **table)


def manager_page(employee_no: str, as_of) -> None:
    record = data.manager_page_record(employee_no, as_of)
    if record is None:
        st.warning(t("lc_no_such_manager", employee_no=plain(employee_no)))
        return
    person = record["manager"]
    state_row = data.lifecycle_states(as_of, Scope(), None, employee_no)
    state_row = state_row[state_row["employee_no"] == employee_no].iloc[0]
    st.subheader(t("lc_page_title", name=plain(person["name"]), employee_no=plain(person["employee_no"])))
    st.caption(
        t(
            "lc_page_facts",
            team=plain(person["team"] or "—"),
            phone=plain(person["phone"] or "—"),
            state=t(f"lc_state_{state_row['state']}"),
            as_of=as_of,
        )
    )
    share = state_row["skill_share"]
    st.caption(
        t(
            "lc_page_training",
            hours=f"{state_row['total_hours']:g}",
            share="—" if pd.isna(share) else f"{share:.0%}",
            gate=t("lc_gate_met") if state_row["gate_ok"] else t("lc_gate_not_met"),
        )
    )
    training = [{**row, "kind": choice("training", "kind", row["kind"])} for row in record["training"]]
    section("lc_training", training, t("lc_training"), decimals=("hours",))
    section("lc_assessments", record["assessments"], t("lc_assessments"), flags=("passed",))
    section("lc_postings", record["postings"], t("lc_postings"), blank=("end_date", "handover_note", "gate_override"))
    logs = [{**row, "status": choice("work_logs", "status", row["status"])} for row in record["logs"]]
    section("lc_logs", logs, t("lc_logs"), flags=("on_site",), blank=("problems",))
    calls = [
        {
            **row,
            "mode": choice("expert_calls", "mode", row["mode"]),
            "specialty": choice("experts", "specialty", row["specialty"]),
        }
        for row in record["calls"]
    ]
    section("lc_calls", calls, t("lc_calls"), blank=("closed_at", "summary"))
    outages = [{**row, "status": t(f"lc_outage_status_{row['status']}")} for row in record["outages"]]
    section("lc_outages", outages, t("lc_outages"), decimals=("hours",))


filters = screen_filters()
as_of = filters.window.end
st.title(t("nav_roster"))
window_caption(filters)
st.caption(t("lc_roster_caption", as_of=as_of))
frame = roster(as_of, filters.scope)
st.divider()
employee_no = pick_manager(frame)
if employee_no:
    manager_page(employee_no, as_of)
