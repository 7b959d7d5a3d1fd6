"""驻点考勤 / Attendance: on-site weeks per manager, work logs, open problems, monthly plans, training.

Every number comes from metrics/ through the cached loaders in ui.data; this
script only lays them out. The cards match `manage.py kpis` for the same
window when no town or team is chosen.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics import attendance
from metrics.figures import figure_name
from metrics.logs import AGE_BUCKETS
from ui import auth, data, state
from ui.components import change, data_table, definition, fmt_number, fmt_pp, fmt_rate, kpi_card, plotly, show_figures
from ui.filters import screen_filters, window_caption
from ui.strings import language, t
from ui.targets import status
from ui.theme import STATUS_COLORS

HEATMAP_MAX_MANAGERS = 60  # more rows than a screen can show; the worst ones come first
WALL_MANAGERS = 8  # heat-map rows on the wall screen (1920×1080 without scrolling)
WEEK_STATES = {"missed": "red", "partial": "amber", "compliant": "green"}  # state -> status colour
PLAN_STATES = {"missing": "red", "late": "amber", "on_time": "green"}

filters = screen_filters()
window, scope = filters.window, filters.scope
st.title(t("nav_attendance"))
window_caption(filters)
st.caption(t("att_caption"))

# The heat map is the first chart: it needs only the manager-week matrix, so it is read and drawn
# before the card KPIs (a window and the one before it), which fill the card row afterwards.
cards = st.columns(5)


# --- Pieces ------------------------------------------------------------------------------------

# Each card's figures (metrics.figures): the rate, its denominator, its numerator.
CARD_FIGURES = {
    "attendance": ("attendance_rate", "attendance_due", "attendance_compliant"),
    "log_completeness": ("log_completeness_rate", "log_posted_workdays", "log_logged_workdays"),
    "problem_closure": ("problem_closure_rate", "problems_found", "problems_closed"),
    "monthly_plans": ("monthly_plans_rate", "plans_due", "plans_on_time"),
    "training": ("training_rate", "training_managers", "training_compliant"),
}


def rate_card(container, kpi: str, counts: str, cases: int, part: int, now: dict, before: dict) -> None:
    """A rate KPI card with its change against the previous window, its numerator / denominator
    (`counts`: `part` of `cases`, the denominator it rests on) and definition."""
    rate = now[kpi].rate
    delta = change(rate, before[kpi].rate)
    kpi_card(
        kpi,
        t(f"kpi_{kpi}"),
        fmt_rate(rate),
        delta=delta,
        delta_text=fmt_pp(delta),
        status=status(kpi, rate),
        basis=counts,
        n=cases if rate is not None else None,
        container=container,
        figures=dict(zip(CARD_FIGURES[kpi], (rate, cases, part))),
    )
    definition(kpi, container=container)


def manager_label(employee_no: str, name: str) -> str:
    return f"{employee_no} {name}"


def state_heat_map(
    frame: pd.DataFrame,
    x: str,
    states: dict[str, str],
    cell_text: list[str],
    hover: list[str],
    managers: list[str],
    key: str,
) -> None:
    """Manager (rows, in `managers` order) × period (columns) cells coloured by `state`."""
    codes = {name: code for code, name in enumerate(states)}
    cells = frame.assign(
        manager=[manager_label(e, n) for e, n in zip(frame["employee_no"], frame["name"])],
        period=frame[x].astype(str),
        code=frame["state"].map(codes),
        text=cell_text,
        hover=hover,
    )

    def grid(column: str) -> pd.DataFrame:
        return cells.pivot(index="manager", columns="period", values=column).reindex(managers)

    fig = go.Figure(
        go.Heatmap(
            z=grid("code").to_numpy(dtype=float),
            x=list(grid("code").columns),
            y=managers,
            # Weeks (months) a manager was not due stay blank, not "null".
            text=grid("text").fillna("").to_numpy(dtype=object),
            texttemplate="%{text}",
            hovertext=grid("hover").fillna("").to_numpy(dtype=object),
            hoverinfo="text",
            colorscale=_discrete_scale([STATUS_COLORS[colour] for colour in states.values()]),
            zmin=-0.5,
            zmax=len(states) - 0.5,
            showscale=False,
            xgap=2,
            ygap=2,
        )
    )
    fig.update_yaxes(type="category", autorange="reversed")
    fig.update_xaxes(type="category", side="top")
    row_height = 34 if state.projection() else 26
    plotly(fig, height=max(200, 90 + row_height * len(managers)), key=key)


def _discrete_scale(colours: list[str]) -> list[list]:
    """A plotly colorscale giving each integer code 0..n-1 (zmin=-0.5, zmax=n-0.5) one flat colour."""
    scale = []
    for index, colour in enumerate(colours):
        scale += [[index / len(colours), colour], [(index + 1) / len(colours), colour]]
    return scale


def legend(states: dict[str, str], prefix: str) -> None:
    badges = {"green": "green", "amber": "orange", "red": "red"}
    st.markdown(" ".join(f":{badges[colour]}-badge[{t(prefix + name)}]" for name, colour in states.items()))


# --- Manager × week heat map ---------------------------------------------------------------------

st.subheader(t("att_matrix_title"))
matrix = data.attendance_matrix(window, scope)
if matrix.empty:
    st.info(t("att_no_weeks"))
else:
    # The matrix holds the same manager-weeks as the attendance KPI's by_manager.
    ranked = attendance.by_manager_in(matrix).sort_values(["rate", "employee_no"], ignore_index=True)
    managers = [manager_label(e, n) for e, n in zip(ranked["employee_no"], ranked["name"])]
    shown_managers = WALL_MANAGERS if state.projection() else HEATMAP_MAX_MANAGERS
    if len(managers) > shown_managers:
        st.caption(t("att_matrix_capped", shown=shown_managers, managers=len(managers)))
        managers = managers[:shown_managers]
    st.caption(t("att_matrix_caption", minimum=int(data.settings()["min_onsite_days"])))
    legend(WEEK_STATES, "att_state_")
    # Only the rows of the managers shown: a province has ~30k manager-weeks, each a hover text.
    matrix = matrix[matrix["employee_no"].isin(ranked["employee_no"].iloc[: len(managers)])]
    hover = [
        t("att_matrix_hover", manager=manager_label(e, n), week=w, on_site=o, required=r, state=t("att_state_" + s))
        for e, n, w, o, r, s in matrix[
            ["employee_no", "name", "week_start", "on_site_days", "required", "state"]
        ].itertuples(index=False)
    ]
    text = matrix["on_site_days"].astype(str) + "/" + matrix["required"].astype(str)
    state_heat_map(matrix, "week_start", WEEK_STATES, text.to_list(), hover, managers, key="att_matrix")


# --- KPI cards (drawn into the row above the heat map) ---------------------------------------------

now = data.attendance_kpis(window, scope, from_matrix=True)  # the heat map's matrix, read above
before = data.attendance_kpis(window.previous(), scope)
att, comp, closure = now["attendance"], now["log_completeness"], now["problem_closure"]
plans_now, train = now["monthly_plans"], now["training"]
rate_card(
    cards[0],
    "attendance",
    t("att_count_weeks", compliant=att.compliant, due=att.due),
    att.due,
    att.compliant,
    now,
    before,
)
rate_card(
    cards[1],
    "log_completeness",
    t("att_count_days", logged=comp.logged_workdays, posted=comp.posted_workdays),
    comp.posted_workdays,
    comp.logged_workdays,
    now,
    before,
)
rate_card(
    cards[2],
    "problem_closure",
    t("att_count_problems", closed=closure.closed, total=closure.with_problems),
    closure.with_problems,
    closure.closed,
    now,
    before,
)
rate_card(
    cards[3],
    "monthly_plans",
    t("att_count_plans", on_time=plans_now.on_time, due=plans_now.due),
    plans_now.due,
    plans_now.on_time,
    now,
    before,
)
rate_card(
    cards[4],
    "training",
    t("att_count_training", compliant=train.compliant, managers=train.managers),
    train.managers,
    train.compliant,
    now,
    before,
)
if state.projection():
    st.stop()  # the wall screen (1920×1080, no scrolling) ends with the cards and the managers behind

st.subheader(t("att_missed_title"))
missed = data.attendance_missed(window, scope)
if missed.empty:
    st.success(t("att_missed_none"))
else:
    shown = missed.merge(att.by_manager[["employee_no", "rate"]], on="employee_no", how="left")
    shown["missed_weeks"] = shown["missed_weeks"].map(lambda weeks: ", ".join(str(week) for week in weeks))
    shown = shown[["employee_no", "name", "team", "due", "missed", "rate", "missed_weeks"]]
    data_table(
        shown, t("att_missed_title"), "att_missed", headers="att_col_", percent=["rate"], manager_column="employee_no"
    )


# --- One manager's logs ------------------------------------------------------------------------

st.subheader(t("att_drill_title"))
names = pd.concat([att.by_manager[["employee_no", "name"]], comp.by_manager[["employee_no", "name"]]])
names = names.drop_duplicates("employee_no").sort_values("employee_no")
choices = dict(zip(names["employee_no"], names["name"]))
if not choices:
    st.info(t("att_drill_none"))
else:
    own = data.employee_no_of(auth.current_actor().manager_id) if auth.current_role() == "manager" else None
    first = own if own in choices else (missed["employee_no"].iloc[0] if not missed.empty else next(iter(choices)))
    options = list(choices)
    chosen = st.selectbox(
        t("att_drill_pick"),
        options,
        index=options.index(first),
        key="att_manager",
        format_func=lambda e: manager_label(e, choices[e]),
    )
    weeks = att.by_manager.loc[att.by_manager["employee_no"] == chosen]
    days = comp.by_manager.loc[comp.by_manager["employee_no"] == chosen]
    parts = []
    if not weeks.empty:
        parts.append(t("att_drill_weeks", compliant=int(weeks["compliant"].iloc[0]), due=int(weeks["due"].iloc[0])))
    if not days.empty:
        parts.append(
            t(
                "att_drill_days",
                logged=int(days["logged_workdays"].iloc[0]),
                posted=int(days["posted_workdays"].iloc[0]),
            )
        )
    if parts:
        st.caption(" · ".join(parts))
    logs = data.manager_logs(window, chosen, scope)
    if logs.empty:
        st.info(t("att_drill_no_logs"))
    else:
        logs["status"] = logs["status"].map(lambda s: t("att_log_" + s))
        data_table(
            logs,
            f"{t('att_drill_title')}_{chosen}",
            "att_logs",
            headers="att_col_",
            flags=["on_site"],
            decimals=["hours"],
            blank=["problems", "measures"],
        )


# --- Log completeness per manager --------------------------------------------------------------

st.subheader(t("att_completeness_title"))
if comp.by_manager.empty:
    st.info(t("att_no_posted_days"))
else:
    per_manager = comp.by_manager.sort_values(["rate", "employee_no"], ignore_index=True)
    data_table(
        per_manager,
        t("att_completeness_title"),
        "att_completeness",
        headers="att_col_",
        percent=["rate"],
        manager_column="employee_no",
    )


# --- Open problems by age ----------------------------------------------------------------------

st.subheader(t("att_problems_title"))
problems = data.open_problems(window.end, scope)
st.caption(
    t(
        "att_problems_caption",
        name=figure_name("open_problems", language(), date=window.end),
        count=fmt_number(len(problems)),
    )
)
show_figures({"open_problems": len(problems)}, window.end)
if problems.empty:
    st.success(t("att_problems_none"))
else:
    buckets = [label for label, _first, _last in AGE_BUCKETS]
    counts = problems["age_bucket"].value_counts().reindex(buckets, fill_value=0)
    colours = [STATUS_COLORS[c] for c in ("green", "amber", "red", "red")]
    fig = go.Figure(
        go.Bar(
            x=[t("att_age_" + b) for b in buckets],
            y=counts.to_list(),
            marker_color=colours,
            text=counts.to_list(),
            textposition="outside",
        )
    )
    fig.update_layout(title=dict(text=t("att_problems_chart"), font=dict(size=15)))
    fig.update_yaxes(rangemode="tozero", title=t("att_problems_axis"), tick0=0, dtick=max(1, int(counts.max()) // 5))
    plotly(fig, height=260, key="att_problem_ages")
    oldest = problems.sort_values(["age_days", "date"], ascending=[False, True], ignore_index=True)
    oldest["age_bucket"] = oldest["age_bucket"].map({b: t("att_age_" + b) for b in buckets})
    oldest["status"] = oldest["status"].map({s: t("att_log_" + s) for s in oldest["status"].unique()})
    oldest = oldest[
        [
            "age_days",
            "age_bucket",
            "date",
            "employee_no",
            "name",
            "account_no",
            "customer",
            "problems",
            "measures",
            "status",
        ]
    ]
    data_table(
        oldest,
        t("att_problems_title"),
        "att_problems",
        headers="att_col_",
        blank=["measures"],
        manager_column="employee_no",
    )


# --- Monthly plans -----------------------------------------------------------------------------

st.subheader(t("att_plans_title"))
plan_rows = data.plan_status(window, scope)
if plan_rows.empty:
    st.info(t("att_plans_none", day=int(data.settings()["plan_deadline_day"])))
else:
    st.caption(t("att_plans_caption", day=int(data.settings()["plan_deadline_day"])))
    legend(PLAN_STATES, "att_plan_")
    # Most months not on time first, like the attendance heat map.
    behind = (
        plan_rows.assign(behind=~plan_rows["on_time"])
        .groupby(["employee_no", "name"], as_index=False)["behind"]
        .sum()
        .sort_values(["behind", "employee_no"], ascending=[False, True])
    )
    managers = [manager_label(e, n) for e, n in zip(behind["employee_no"], behind["name"])]
    if len(managers) > HEATMAP_MAX_MANAGERS:
        st.caption(t("att_plans_capped", shown=HEATMAP_MAX_MANAGERS, managers=len(managers)))
        managers = managers[:HEATMAP_MAX_MANAGERS]
    months = plan_rows["month"].map(lambda m: str(m)[:7])
    drawn = plan_rows[plan_rows["employee_no"].isin(behind["employee_no"].iloc[: len(managers)])].assign(month=months)
    submitted = drawn["submitted_on"].map(lambda d: "—" if pd.isna(d) else str(d)[5:])
    hover = [
        t("att_plan_hover", manager=manager_label(e, n), month=m, submitted=s, state=t("att_plan_" + code))
        for e, n, m, s, code in zip(drawn["employee_no"], drawn["name"], drawn["month"], submitted, drawn["state"])
    ]
    state_heat_map(drawn, "month", PLAN_STATES, submitted.to_list(), hover, managers, key="att_plans")
    states = {code: t("att_plan_" + code) for code in PLAN_STATES}
    listed = plan_rows.assign(month=months, state=plan_rows["state"].map(states))
    listed = listed[["employee_no", "name", "month", "due", "submitted_on", "state"]]
    data_table(listed, t("att_plans_title"), "att_plans_table", headers="att_col_plan_", manager_column="employee_no")


# --- Training ------------------------------------------------------------------------------------

st.subheader(t("att_training_title"))
detail = train.detail
failing = detail.loc[~detail["compliant"].astype(bool)].copy()
if detail.empty:
    st.info(t("att_training_no_managers"))
elif failing.empty:
    st.success(t("att_training_all_ok"))
else:
    failing["reasons"] = failing["reasons"].map(
        lambda codes: t("att_list_sep").join(t("att_reason_" + c) for c in codes)
    )
    failing = failing[
        ["employee_no", "name", "reasons", "first_posting_start", "total_hours", "skill_hours", "skill_share", "passed"]
    ]
    data_table(
        failing,
        t("att_training_title"),
        "att_training",
        headers="att_col_",
        percent=["skill_share"],
        flags=["passed"],
        decimals=["total_hours", "skill_hours"],
        manager_column="employee_no",
    )
