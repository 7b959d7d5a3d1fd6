"""The four value figures (成效) as cards: the value screen shows them large, the overview in a row.

Names, definitions and the report keys come from the catalogue (metrics.figures: value_days_saved,
value_yuan_saved, value_needs_converted, value_resident_applications; topic "value"); each card says
what it rests on (its n).
"""

from __future__ import annotations

import streamlit as st

from metrics.figures import figure_name
from metrics.window import Scope, Window
from ui import data
from ui.components import definition, fmt_days, fmt_large, fmt_number, fmt_rate, kpi_card
from ui.strings import language, t


def value_cards(window: Window, scope: Scope, columns) -> dict:
    """Draw the four cards into `columns` (4 containers); returns the figures read."""
    figures = data.value_figures(window, scope)
    lang = language()
    days = figures["connection_days_saved"]
    cards = (
        (
            "value_days_saved",
            "—" if days is None else t("vl_unit_days", value=fmt_number(days, 1)),
            t(
                "vl_days_basis",
                days=fmt_number(figures["like_for_like_days"], 1),
                n=fmt_number(figures["resident_compared"]),
            ),
            figures["resident_compared"],
            days,
        ),
        (
            "value_yuan_saved",
            t("vl_unit_yuan", value=fmt_large(figures["charge_saved_yuan_per_year"])),
            t("vl_yuan_basis", n=fmt_number(figures["cases_with_saving"])),
            None,
            figures["charge_saved_yuan_per_year"],
        ),
        (
            "value_needs_converted",
            t("vl_unit_items", value=fmt_number(figures["needs_converted"])),
            t("vl_converted_basis", found=fmt_number(figures["cases_found"])),
            None,
            figures["needs_converted"],
        ),
        (
            "value_resident_applications",
            t("vl_unit_apps", value=fmt_number(figures["resident_applications"])),
            t("vl_applications_basis", total=fmt_number(figures["applications"])),
            None,
            figures["resident_applications"],
        ),
    )
    bases = {
        "value_days_saved": {
            "lead_adjusted": figures["like_for_like_days"],
            "lead_adjusted_compared": figures["resident_compared"],
        },
        "value_yuan_saved": {"value_cases_with_saving": figures["cases_with_saving"]},
        "value_needs_converted": {"cases_found": figures["cases_found"]},
        "value_resident_applications": {"value_applications": figures["applications"]},
    }
    for column, (key, shown, basis, n, raw) in zip(columns, cards):
        kpi_card(
            "value", figure_name(key, lang), shown, basis=basis, n=n, container=column, figures={key: raw, **bases[key]}
        )
    return figures


CONVERSION_FIGURES = {
    "found": "cases_found",
    "confirmed": "cases_confirmed",
    "proposed": "cases_proposed",
    "done": "cases_done",
}
STATE_FIGURES = {"new": "cases_days_new", "confirmed": "cases_days_confirmed", "proposed": "cases_days_proposed"}


def conversion_cards(window: Window, scope: Scope) -> dict:
    """The needs cases of the window: found → confirmed → proposed → done, and the mean days in each
    open state with its n (metrics.cases via ui.data.case_figures); returns the figures read."""
    figures = data.case_figures(window, scope)
    conversion, days = figures["conversion"], figures["state_days"]
    lang = language()
    found = conversion["found"]
    for column, (state, key) in zip(st.columns(4), CONVERSION_FIGURES.items()):
        count = conversion[state]
        basis = None if state == "found" else t("cs_of_found", share=fmt_rate(count / found) if found else "—")
        kpi_card(
            "needs_cases",
            figure_name(key, lang),
            fmt_number(count),
            basis=basis,
            container=column,
            figures={key: count},
        )
    for column, (state, key) in zip(st.columns(3), STATE_FIGURES.items()):
        kpi_card(
            "needs_cases",
            figure_name(key, lang),
            fmt_days(days[state]["mean_days"]),
            basis=t("cs_days_n", n=fmt_number(days[state]["n"])),
            container=column,
            figures={key: days[state]["mean_days"]},
        )
    definition("needs_cases")
    return figures
