"""The joint-meeting agenda as short lines in zh or en: the screen, the PDF brief and the alerts
share them. metrics.meeting returns the sections as data and codes; the words are in
ui/words/agenda.py (and the specialties' in ui/words/specialties.py). No Streamlit here: the PDF
brief and `manage.py notify` use it too."""

from __future__ import annotations

from collections import namedtuple

import pandas as pd

from metrics.meeting import CONNECTION_TEAM_OWNER, OFFICE_OWNER
from ui.needs_text import finding_text
from ui.words import catalogue, word

DISPLAY_COLUMNS = ["subject", "detail", "owner", "age_days"]
ACTION_DISPLAY_COLUMNS = [*DISPLAY_COLUMNS, "due_date", "overdue"]
OWNER_KEYS = {OFFICE_OWNER: "ag_owner_office", CONNECTION_TEAM_OWNER: "ag_owner_connection_team"}


def _named(key: str, code: str, lang: str) -> str:
    """The word `key` when the catalogue has it, else the code itself."""
    return word(key, lang) if key in catalogue() else code


def section_title(key: str, lang: str) -> str:
    return word(f"ag_title_{key}", lang)


def stage_name(code: str, lang: str) -> str:
    return _named(f"ag_stage_{code}", code, lang)


def specialty_name(code: str, lang: str) -> str:
    return _named(f"spec_{code}", code, lang)


def mode_name(code: str, lang: str) -> str:
    return _named(f"ag_mode_{code}", code, lang)


def need_name(code: str, lang: str) -> str:
    return _named(f"ag_need_{code}", code, lang)


def owner_name(owner, lang: str):
    """An owner as shown: the agenda's own codes named, people and teams as stored."""
    return word(OWNER_KEYS[owner], lang) if owner in OWNER_KEYS else owner


def _application_detail(row, lang: str) -> str:
    parts = []
    if row.stalled:
        parts.append(
            word(
                "ag_stalled",
                lang,
                stage=stage_name(row.current_stage, lang),
                days=int(row.current_workdays),
                limit=f"{row.current_limit:g}",
            )
        )
    if row.over_stages:
        parts.append(word("ag_over", lang, stages=", ".join(stage_name(s, lang) for s in row.over_stages)))
    return word("ag_separator", lang).join(parts)


def _call_detail(row, lang: str) -> str:
    detail = word(
        "ag_call",
        lang,
        specialty=specialty_name(row.specialty, lang),
        mode=mode_name(row.mode, lang),
        at=pd.Timestamp(row.requested_at).strftime("%Y-%m-%d %H:%M"),
    )
    return detail + (word("ag_responded", lang) if pd.notna(row.responded_at) else "")


def _manager_detail(row, lang: str) -> str:
    if row.issue == "attendance":
        return word("ag_attendance", lang, week=row.week_start, days=int(row.on_site_days), required=int(row.required))
    return word("ag_plan", lang, month=f"{row.month:%Y-%m}", deadline=row.deadline)


def _join(*parts) -> str:
    return " ".join(str(part) for part in parts if pd.notna(part) and str(part))


def _rows(frame: pd.DataFrame) -> list:
    """The frame's rows as named tuples, from plain column lists (see docs/performance.md)."""
    row = namedtuple("Row", frame.columns)
    return [row(*values) for values in zip(*(frame[column].tolist() for column in frame.columns))]


def _subjects_and_details(key: str, rows: list, lang: str) -> tuple[list, list]:
    if key == "open_problems":
        return [_join(row.date, row.customer) for row in rows], [row.problems for row in rows]
    if key == "applications":
        return [_join(row.app_no, row.name) for row in rows], [_application_detail(row, lang) for row in rows]
    if key == "expert_calls":
        return [_join(row.call_no, row.customer_name) for row in rows], [_call_detail(row, lang) for row in rows]
    if key == "expert_coverage":
        return (
            [specialty_name(row.specialty, lang) for row in rows],
            [word("ag_coverage", lang, count=row.active_experts, minimum=row.minimum) for row in rows],
        )
    if key == "managers_behind":
        return [_join(row.name, row.employee_no) for row in rows], [_manager_detail(row, lang) for row in rows]
    if key == "new_needs":
        return (
            [_join(row.name, row.account_no) for row in rows],
            [
                word("ag_need_detail", lang, need=need_name(row.kind, lang), finding=finding_text(row.finding, lang))
                for row in rows
            ],
        )
    if key == "open_cases":
        return (
            [_join(row.name, row.account_no) for row in rows],
            [
                word(
                    "ag_case_detail",
                    lang,
                    rule=word(f"cs_rule_{row.rule}", lang),
                    state=word(f"cs_status_{row.status}", lang),
                    opened=f"{row.opened_on:%Y-%m-%d}",
                )
                for row in rows
            ],
        )
    if key == "action_items":
        return [_join(row.held_on, row.title) for row in rows], [row.description for row in rows]
    raise KeyError(key)


def display_table(key: str, frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The section as short lines: subject, detail, owner, age_days (+ due_date, overdue for action items)."""
    subject, detail = _subjects_and_details(key, _rows(frame), lang)
    owners = [owner_name(owner, lang) for owner in frame["owner"]]
    table = pd.DataFrame(
        {"subject": subject, "detail": detail, "owner": owners, "age_days": list(frame["age_days"])},
        columns=DISPLAY_COLUMNS,
    )
    if key == "action_items":
        table["due_date"] = list(frame["due_date"])
        table["overdue"] = list(frame["overdue"])
    return table
