"""Reusable screen pieces: KPI cards, tables with downloads, definitions, charts.

    kpi_card(kpi, label, value, delta=..., status=...)   st.metric(border=True) card
    definition(kpi)                                     expander 口径说明 with the KPI's definition
    show_table(df, name)                                st.dataframe + CSV (BOM) and Excel downloads
    download_buttons(rows, name)                        the two downloads alone (data_access.downloads)
    plotly(fig)                                         st.plotly_chart styled for the current mode
    trend_chart(frame, x, y, title, target=...)         small line chart with a dashed target line
    fmt_rate / fmt_pp / fmt_number / fmt_minutes        number formatting for the current language

`kpi` is a key of ui.definitions.DEFINITIONS; every card records its key so
tests can check that each KPI on screen has a definition (shown_kpis()).
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from data_access.downloads import csv_bytes, xlsx_bytes
from metrics.figures import FIGURES, shown_key
from ui import auth, state, theme
from ui.data import settings
from ui.definitions import DEFINITIONS, definition_name, definition_text
from ui.strings import language, t
from ui.targets import TARGETS, status

_SHOWN = "_kpis_shown"
_FIGURES_SHOWN = "_figures_shown"


# --- Formatting -------------------------------------------------------------


def fmt_rate(value: float | None, digits: int = 1) -> str:
    """0.923 -> '92.3%'; None -> '—'."""
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


# Large numbers: Chinese counts in 万 (10^4) and 亿 (10^8); English in K, M, B.
LARGE_UNITS = {"zh": ((1e8, "亿"), (1e4, "万")), "en": ((1e9, "B"), (1e6, "M"), (1e3, "K"))}


def fmt_large(value: float | None, digits: int = 1) -> str:
    """12,345,678 -> '1,234.6万' (zh) / '12.3M' (en); below 10,000 (zh) or 1,000 (en) as 1,234; None -> '—'."""
    if value is None:
        return "—"
    for size, unit in LARGE_UNITS[language()]:
        if abs(value) >= size:
            return f"{value / size:,.{digits}f}".rstrip("0").rstrip(".") + unit
    return f"{value:,.0f}"


def large_axis(top: float, ticks: int = 5) -> dict:
    """Axis settings for numbers up to `top` that may be large: about `ticks` round tick values
    labelled with fmt_large (plotly's own labels would read 0.2M, 1M in Chinese too)."""
    if top <= 0:
        return {"rangemode": "tozero"}
    raw = top / ticks
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    step = max(1, next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw))  # counts, yuan: whole
    values = [step * i for i in range(int(top // step) + 2)]
    return {"tickvals": values, "ticktext": [fmt_large(v) for v in values], "rangemode": "tozero"}


def fmt_minutes(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} {t('unit_minutes')}"


def fmt_days(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f} {t('unit_days')}"


def fmt_pp(delta: float | None) -> str | None:
    """A change of a rate in percentage points: +0.032 -> '+3.2 pp' (None when unknown)."""
    if delta is None:
        return None
    return f"{_signed(delta * 100, 1)} {t('unit_pp')}"


def fmt_delta(delta: float | None, unit: str = "", digits: int = 1) -> str | None:
    if delta is None:
        return None
    return f"{_signed(delta, digits)}{(' ' + unit) if unit else ''}"


def _signed(value: float, digits: int) -> str:
    """+1.5 / -1.5 / 0.0 (no sign when it rounds to zero)."""
    if round(value, digits) == 0:
        return f"{0:.{digits}f}"
    return f"{value:+,.{digits}f}"


def change(current: float | None, previous: float | None) -> float | None:
    """current − previous, None when either is unknown."""
    if current is None or previous is None:
        return None
    return current - previous


# --- KPI cards and definitions ----------------------------------------------


def begin_run() -> None:
    """Reset the lists of KPIs and figures shown; app.py calls it at the start of each run."""
    st.session_state[_SHOWN] = []
    st.session_state[_FIGURES_SHOWN] = {}


def show_figures(values: dict[str, object], date=None) -> None:
    """Record the catalogue figures (metrics.figures) this screen shows, with their values, for the
    test that checks one name has one value everywhere; `date` is the day of the as_of and
    since_meeting figures among them."""
    shown = st.session_state.setdefault(_FIGURES_SHOWN, {})
    for key, value in values.items():
        params = {"date": str(date)} if FIGURES[key].scope in ("as_of", "since_meeting") else {}
        shown.setdefault(shown_key(key, **params), []).append(value)


def shown_figures() -> dict[str, list]:
    """shown_key -> the values shown in this run (for tests)."""
    return dict(st.session_state.get(_FIGURES_SHOWN, {}))


def shown_kpis() -> list[str]:
    """KPI keys drawn by kpi_card() in this run (for tests)."""
    return list(st.session_state.get(_SHOWN, []))


def _note_shown(kpi: str) -> None:
    st.session_state.setdefault(_SHOWN, [])
    if kpi not in st.session_state[_SHOWN]:
        st.session_state[_SHOWN].append(kpi)


def status_label(label: str, status: str | None) -> str:
    """The card label with a coloured status badge (达标 / 关注 / 未达标, grey 样本不足)."""
    if status is None:
        return label
    return f"{label} :{theme.STATUS_BADGE[status]}-badge[{t('status_' + status)}]"


def small_sample(n: int | None) -> bool:
    """Whether a figure resting on `n` cases is a small sample (fewer than the min_sample_size setting)."""
    return n is not None and n < settings()["min_sample_size"]


def judged(status: str | None, n: int | None) -> str | None:
    """`status`, or "small" (grey, not judged) when it rests on a small sample."""
    return "small" if status is not None and small_sample(n) else status


def kpi_card(
    kpi: str,
    label: str,
    value: str,
    *,
    basis: str | None = None,
    n: int | None = None,
    delta: float | None = None,
    delta_text: str | None = None,
    lower_is_better: bool = False,
    status: str | None = None,
    chart_data=None,
    chart_type: str = "line",
    container=None,
    figures: dict[str, object] | None = None,
    date=None,
):
    """A bordered card for KPI `kpi` (a ui.definitions key): the st.metric and, under it, what it
    rests on. Returns the card's container (a caller can add to it later).

    value comes formatted (fmt_rate, fmt_days ...); basis is its numerator/denominator or its n
    in words ("111 / 128 人周"); n is the number of cases it rests on: below the min_sample_size
    setting the card says 样本不足 and its status is withheld (grey). delta is the raw change
    against the previous window and delta_text its formatted form (fmt_pp, fmt_delta); a change
    that rounds to zero is grey. lower_is_better turns the delta colours round (response minutes,
    lead days). status comes from ui.targets.status(). The definition is the card's tooltip; put
    definition(kpi) near the card for the expander. figures: the catalogue figures on the card and
    their values (show_figures; date: the day of an as_of one).
    """
    _note_shown(kpi)
    show_figures(figures or {}, date)
    card = (container or st).container(border=True)
    if state.projection():  # the wall screen shows the large trend charts instead
        chart_data = None
    status = "small" if small_sample(n) else status
    flat = delta is not None and abs(delta) < 1e-9 or (delta_text is not None and _rounds_to_zero(delta_text))
    card.metric(
        status_label(label, status),
        value,
        delta=delta_text if delta is not None else None,
        delta_color="off" if flat else ("inverse" if lower_is_better else "normal"),
        delta_arrow="off" if flat else "auto",
        delta_description=t("vs_previous") if delta is not None else None,
        help=_definition_or_warning(kpi),
        chart_data=chart_data,
        chart_type=chart_type,
    )
    if basis:
        card.caption(basis)
    return card


def adjusted_card(container, adjusted):
    """The like-for-like reduction's card (metrics.lead_time.adjusted_of) with its n, as the
    overview and the lead-time screen show it; returns the slot its interval goes in
    (interval_caption, once the background bootstrap is done)."""
    if adjusted.reduction_days is None:
        basis = t("lt_adjusted_none")
    else:
        basis = t(
            "lt_adjusted_basis",
            resident=fmt_number(adjusted.resident_compared),
            strata=adjusted.strata_compared,
            total=len(adjusted.strata),
        )
    card = kpi_card(
        "lead_time_adjusted",
        t("kpi_lead_time_adjusted"),
        fmt_days(adjusted.reduction_days),
        status=status("lead_time_reduction", adjusted.reduction_days),
        basis=basis,
        n=adjusted.resident_compared if adjusted.reduction_days is not None else None,
        container=container,
        figures={
            "lead_adjusted": adjusted.reduction_days,
            "lead_adjusted_compared": adjusted.resident_compared,
            "lead_adjusted_strata": adjusted.strata_compared,
        },
    )
    return card.empty()


def interval_caption(slot, adjusted, interval_later) -> None:
    """The 95 % interval of the like-for-like reduction `adjusted` in `slot` (an st.empty in its
    card), waiting for interval_later (ui.data.lead_time_interval_later: the background bootstrap)."""
    if adjusted.reduction_days is None:
        return
    interval = interval_later()
    if interval is None:
        slot.caption(t("lt_adjusted_no_interval"))
    else:
        slot.caption(t("lt_adjusted_interval", low=f"{interval[0]:,.1f}", high=f"{interval[1]:,.1f}"))


def _rounds_to_zero(text: str) -> bool:
    digits = re.sub(r"[^0-9]", "", text)
    return bool(digits) and set(digits) == {"0"}


def _definition_or_warning(kpi: str) -> str:
    if kpi not in DEFINITIONS:
        return t("definition_missing", key=kpi)
    return definition_text(kpi, language(), settings())


def target_text(kpi: str) -> str | None:
    """'目标：≥ 90.0%（黄色 ≥ 75.0%）'-style line for a KPI with a target, else None."""
    target = TARGETS.get(kpi)
    if target is None:
        return None

    def show(value: float) -> str:
        if target.unit == "rate":
            return fmt_rate(value)
        return f"{value:g} {t('unit_' + target.unit)}"

    sign = "≥" if target.higher_is_better else "≤"
    return (
        f"{t('target')}: :green-badge[{sign} {show(target.green)}] "
        f":orange-badge[{sign} {show(target.amber)}] :red-badge[{t('status_red')}]"
    )


def definition(kpi: str, target_key: str | None = None, container=None) -> None:
    """Expander 口径说明 / Definition with the KPI's definition (and target, if any)."""
    _note_shown(kpi)
    target = container or st
    with target.expander(t("definition") + " · " + (definition_name(kpi, language()) if kpi in DEFINITIONS else kpi)):
        if kpi not in DEFINITIONS:
            st.error(t("definition_missing", key=kpi))
            return
        st.markdown(definition_text(kpi, language(), settings()))
        line = target_text(target_key or kpi)
        if line:
            st.markdown(line)


# --- Tables -----------------------------------------------------------------


def translate_codes(codes: pd.Series, prefix: str) -> pd.Series:
    """t(prefix + code) for each code, looked up once per distinct code (t() reads the session's
    language, too slow for every row of a long list); blank ("") where the code is missing."""
    names = {code: t(prefix + code) for code in codes.dropna().unique()}
    return codes.map(names).fillna("")


MISSING = "—"


def _cell_text(value, kind: str, number_format: str | None) -> str:
    """One value of a column that has missing values, as the table shows it."""
    if value is None or value is pd.NaT or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    if kind == "number":
        if number_format == "percent":
            return fmt_rate(float(value))
        if number_format and number_format.startswith("%"):
            return number_format % value
        if float(value).is_integer():
            return f"{int(value):,}"
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")
    if kind == "datetime":
        stamp = pd.Timestamp(value)
        return f"{stamp:%Y-%m-%d %H:%M}" if (stamp.hour, stamp.minute) != (0, 0) else f"{stamp:%Y-%m-%d}"
    if isinstance(value, bool):
        return "✓" if value else ""
    return str(value)


def _column_kind(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series.dtype):
        return "text"
    if pd.api.types.is_numeric_dtype(series.dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return "datetime"
    return "text"


def missing_as_dash(frame: pd.DataFrame, column_config: dict | None = None) -> tuple[pd.DataFrame, dict]:
    """The frame as a table shows it: missing values as "—" (the grid would write "None").

    Only columns that have a missing value change: their values become text, numbers in the
    column's format (column_config's NumberColumn format, else 1,234 / 1,234.5) and right-aligned.
    Returns the frame and the column_config to draw it with."""
    config = dict(column_config or {})
    shown = frame
    for name in frame.columns:
        column = frame[name]
        if not column.isna().any():
            continue
        kind = _column_kind(column)
        number_format = ((config.get(name) or {}).get("type_config") or {}).get("format") if kind == "number" else None
        if shown is frame:
            shown = frame.copy()
        shown[name] = [_cell_text(value, kind, number_format) for value in column.tolist()]
        if kind == "number":
            entry = config.get(name) or {}
            config[name] = st.column_config.TextColumn(
                label=entry.get("label"), help=entry.get("help"), width=entry.get("width"), alignment="right"
            )
    return shown, config


def percent_columns(column_config: dict | None) -> tuple[str, ...]:
    """The columns a table shows as percentages (a column_config with format "percent"): the
    downloads write them as percentages too."""
    return tuple(
        name
        for name, config in (column_config or {}).items()
        if isinstance(config, dict) and (config.get("type_config") or {}).get("format") == "percent"
    )


def _file_stem(name: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name).strip("_") or "table"


def show_table(
    frame: pd.DataFrame,
    name: str,
    *,
    column_config: dict | None = None,
    height: int | str = "auto",
    key: str | None = None,
) -> None:
    """A table with CSV and Excel download buttons; `name` titles the files and the sheet."""
    shown, config = missing_as_dash(frame, column_config)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, height=height)
    download_buttons(
        lambda: frame, name, key=key, percent=percent_columns(column_config), note=t("tbl_rows", rows=len(frame))
    )


MANAGER_PAGE_ROLES = ("leader", "office")  # who may open the roster and a manager's page


def data_table(
    frame: pd.DataFrame,
    name: str,
    key: str,
    *,
    headers: str | None = None,
    column_config: dict | None = None,
    percent=(),
    flags=(),
    decimals=(),
    blank=(),
    manager_column: str | None = None,
) -> None:
    """A screen's table with its downloads (show_table). headers: the prefix of the word keys that
    name the columns (t(headers + column)); percent / flags / decimals / blank name the columns
    shown as 92.3% / ✓ / 1 decimal / empty text when missing (by their names before renaming).
    manager_column: the column holding an employee no.; for those who may open the roster, each row
    gets a link to that manager's page (views/roster.py, ?manager=)."""
    frame = frame.fillna({column: "" for column in blank})
    if manager_column and auth.current_role() in MANAGER_PAGE_ROLES:
        pages = [f"roster?manager={no}" if isinstance(no, str) and no else None for no in frame[manager_column]]
        frame = frame.assign(manager_page=pages)
        column_config = {
            **(column_config or {}),
            t("lc_col_page"): st.column_config.LinkColumn(display_text=t("lc_open_page")),
        }
    header = {
        column: t(headers + column) if headers else column for column in frame.columns if column != "manager_page"
    }
    if "manager_page" in frame.columns:
        header["manager_page"] = t("lc_col_page")
    config = {header[c]: st.column_config.NumberColumn(format="percent") for c in percent}
    config |= {header[c]: st.column_config.CheckboxColumn() for c in flags}
    config |= {header[c]: st.column_config.NumberColumn(format="%.1f") for c in decimals}
    show_table(frame.rename(columns=header), name, key=key, column_config={**config, **(column_config or {})})


def download_buttons(
    rows, name: str, *, key: str | None = None, percent: tuple[str, ...] = (), note: str | None = None
) -> None:
    """CSV and Excel download buttons for the frame `rows()` gives (called only when a button is
    clicked), both inert (data_access.downloads); `name` titles the files and the sheet."""
    stem = _file_stem(name)
    key = key or stem
    left, right, rest = st.columns([1, 1, 4])
    left.download_button(
        t("tbl_download_csv"),
        data=lambda: csv_bytes(rows(), percent),
        file_name=f"{stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        t("tbl_download_xlsx"),
        data=lambda: xlsx_bytes(rows(), name, percent),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )
    if note:
        rest.caption(note)


# --- Charts -----------------------------------------------------------------


def plotly(fig, height: int | None = None, key: str | None = None) -> None:
    """Draw a plotly figure styled for the current mode (no mode bar)."""
    st.plotly_chart(
        theme.plotly_layout(fig, height),
        theme=None,
        key=key,
        config=theme.plotly_config(),
    )


def reference_line(
    fig,
    *,
    x: float | None = None,
    y: float | None = None,
    dash: str,
    color: str,
    text: str | None = None,
    position: str = "top right",
) -> None:
    """A vertical line at `x` or a horizontal one at `y` across the plot, with an optional label
    at its top left / top right: the shape and annotation fig.add_vline / add_hline make, added
    directly (those helpers cost ~3 ms more a line, working out subplots this app never has)."""
    marks = reference_marks(x=x, y=y, dash=dash, color=color, text=text, position=position)
    for shape in marks["shapes"]:
        fig.add_shape(shape)
    for label in marks["annotations"]:
        fig.add_annotation(label)


def reference_marks(
    *,
    x: float | None = None,
    y: float | None = None,
    dash: str,
    color: str,
    text: str | None = None,
    position: str = "top right",
) -> dict:
    """reference_line's shape and label as layout entries {"shapes": [...], "annotations": [...]},
    for a figure built in one go (see layout_marks)."""
    right = position == "top right"
    if x is not None:
        shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain"}
        label = {
            "x": x,
            "xref": "x",
            "y": 1,
            "yref": "y domain",
            "xanchor": "left" if right else "right",
            "yanchor": "top",
        }
    else:
        shape = {"type": "line", "x0": 0, "x1": 1, "xref": "x domain", "y0": y, "y1": y, "yref": "y"}
        label = {
            "x": 1 if right else 0,
            "xref": "x domain",
            "y": y,
            "yref": "y",
            "xanchor": "right" if right else "left",
            "yanchor": "bottom",
        }
    backing = "rgba(0,0,0,0.7)" if state.projection() else "rgba(255,255,255,0.85)"
    return {
        "shapes": [{**shape, "line": {"color": color, "dash": dash}}],
        "annotations": []
        if text is None
        else [{**label, "showarrow": False, "text": text, "bgcolor": backing, "font": {"color": color}}],
    }


def layout_marks(*marks: dict) -> dict:
    """Several reference_marks as one {"shapes", "annotations"} for a layout."""
    return {key: [item for mark in marks for item in mark[key]] for key in ("shapes", "annotations")}


def trend_chart(
    frame: pd.DataFrame,
    x: str,
    y: str | list[str],
    title: str,
    *,
    target: float | None = None,
    percent: bool = False,
    height: int = 220,
    names: dict[str, str] | None = None,
    key: str | None = None,
    unit: str | None = None,
) -> None:
    """A small line chart over months, with an optional dashed target line (labelled at its right
    end, on a backing so a line under it cannot hide it). `unit` titles the y axis (percent
    charts have % on their ticks)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for column in [y] if isinstance(y, str) else y:
        values = frame[column].astype(float) * (100 if percent else 1)
        fig.add_trace(
            go.Scatter(
                x=frame[x], y=values, mode="lines+markers", name=(names or {}).get(column, column), connectgaps=False
            )
        )
    if target is not None:
        shown = target * 100 if percent else target
        reference_line(
            fig,
            y=shown,
            dash="dash",
            color=theme.STATUS_COLORS["green"],
            text=t("target_line", value=f"{shown:g}{'%' if percent else ' ' + (unit or '')}".rstrip()),
            position="top right",
        )
    fig.update_layout(
        title=dict(text=title, font=dict(size=15)),
        showlegend=isinstance(y, list),
        legend=dict(orientation="h", y=-0.25),
    )
    fig.update_xaxes(tickformat="%Y-%m", dtick="M2")
    if percent:
        fig.update_yaxes(ticksuffix="%", rangemode="tozero")
    elif unit:
        fig.update_yaxes(title=unit)
    plotly(fig, height=height, key=key)
