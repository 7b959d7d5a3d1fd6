"""The figure catalogue (metrics.figures): one name, one value on every surface.

For one window, every screen is opened under AppTest (the meeting's agenda on the window's last
day); each records the catalogue figures it shows with their values (ui.components.show_figures).
A figure must have one value wherever it is shown, equal to its place in the report JSON
(`manage.py kpis --json`) and to the PDF brief's; the brief's agenda headings carry the meeting
screen's counts. On SQLite and PostgreSQL, on the small data set shaped like the county demo and
on an edge-case set (an empty window; a window with one application whose problems are all
closed). Also: docs/figures.md is the catalogue rendered, and every figure is well formed.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

from sqlalchemy import select

from data_access.db import make_engine
from data_access.models import Customer, Manager
from data_access.settings import DEFAULTS, load_settings
from metrics import meeting
from metrics.figures import DOC, FIGURES, SCOPES, TARGETS, TOPICS, UNITS, render_markdown, report_value, shown_key
from metrics.report import build_report
from metrics.window import Window
from reports import brief
from tests import builders as b
from tests.apptest import app, login_as, no_exception
from tests.seed_small import Q3, populate_small

D = dt.date
VIEWS = ("overview", "attendance", "experts", "customers", "lead_time", "needs", "meeting", "value")
VALUE_FIGURES = {"value_days_saved", "value_yuan_saved", "value_needs_converted", "value_resident_applications"}
SAVINGS = (12_000.0, 3_500.5)  # yuan per year of the two tariff cases closed done in Q3
EMPTY = Window(D(2024, 1, 1), D(2024, 3, 31))
ONE = Window(D(2025, 10, 1), D(2025, 10, 31))


def test_docs_figures_md_is_the_catalogue_rendered():
    assert DOC.read_text(encoding="utf-8") == render_markdown(DEFAULTS), (
        "docs/figures.md is behind metrics/figures.py: run `python -m metrics.figures`"
    )


def test_every_figure_is_well_formed():
    names = {}
    for key, figure in FIGURES.items():
        assert figure.key == key and figure.scope in SCOPES and figure.unit in UNITS and figure.topic in TOPICS
        assert figure.target is None or figure.target in TARGETS
        assert ("{date}" in figure.name_zh) == ("{date}" in figure.name_en)
        assert "{date}" not in figure.name_zh or figure.scope == "as_of"  # a dated name is a figure of a day
        for lang in ("zh", "en"):
            name = figure.name(lang, date="D")
            assert name not in names.get(lang, set()), (lang, name)  # one name, one figure
            names.setdefault(lang, set()).add(name)
    assert set(meeting.SECTION_FIGURES.values()) <= set(FIGURES)


# --- Data sets --------------------------------------------------------------------------------------


def seed_small(url: str) -> None:
    """The small data set and needs cases: two closed done in Q3 with a saving, one dismissed, one open."""
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
        customers = conn.execute(select(Customer.id).order_by(Customer.id)).scalars().all()
        for customer, saving in zip(customers, SAVINGS):
            b.need_case(
                conn,
                customer,
                "basic_charge_adjustment",
                D(2025, 7, 3),
                "done",
                confirmed_on=D(2025, 7, 10),
                proposed_on=D(2025, 7, 20),
                proposal="tariff_mode",
                closed_on=D(2025, 8, 30),
                yuan_saved_per_year=saving,
            )
        b.need_case(
            conn, customers[2], "surge", D(2025, 8, 3), "dismissed", dismissed_on=D(2025, 8, 9), dismiss_reason="季节性"
        )
        b.need_case(conn, customers[3], "capacity_increase", D(2025, 9, 3))
    engine.dispose()


def seed_edges(url: str) -> None:
    """Nothing before 2025; in October 2025 one application and two problems, both closed."""
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)  # the users, managers and customers (its data ends in September)
        manager = conn.execute(select(Manager.id).where(Manager.employee_no == "M001")).scalar()
        customer = conn.execute(select(Customer.id).where(Customer.account_no == "C001")).scalar()
        for day in (D(2025, 10, 13), D(2025, 10, 14)):
            b.log(conn, manager, customer, day, problems="计量箱锈蚀", status="done", measures="已更换")
        b.application(conn, "ONE", customer, D(2025, 8, 20), resident_served=True, energized_on=D(2025, 10, 20))
    engine.dispose()


# --- Walking the surfaces -----------------------------------------------------------------------


def screen_figures(url: str, monkeypatch, window: Window) -> dict[str, list]:
    """shown_key -> every value shown, over all the screens (the leader sees them all)."""
    at = login_as(
        app(url, monkeypatch, **{"from": str(window.start), "to": str(window.end), "as_of": str(window.end)}), "leader"
    ).run()
    shown: dict[str, list] = {}
    for view in VIEWS:
        at.switch_page(f"views/{view}.py").run()
        no_exception(at)
        for key, values in at.session_state["_figures_shown"].items():
            shown.setdefault(key, []).extend((view, value) for value in values)
    return shown


def expected_key(key: str, window: Window) -> str:
    """The key a report figure is shown under on the screens of `window` (as_of: its last day)."""
    return shown_key(key, date=str(window.end)) if FIGURES[key].scope == "as_of" else key


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "brief.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def check_window(url: str, monkeypatch, window: Window, tmp_path) -> dict[str, list]:
    shown = screen_figures(url, monkeypatch, window)
    engine = make_engine(url)
    with engine.connect() as conn:
        settings = load_settings(conn)
        report = build_report(conn, window, settings)
        agenda = meeting.agenda(conn, window.end, settings)
        pdf = brief.build_brief(conn, window, window.end, settings) if shutil.which("pdftotext") else None
    engine.dispose()
    # One value per figure, wherever it is shown.
    for key, values in shown.items():
        assert len({value for _, value in values}) == 1, (key, values)
    # Equal to the report's, and to the brief's (which reads the report).
    in_report = {key for key, figure in FIGURES.items() if figure.report}
    for key in in_report:
        if expected_key(key, window) in shown:
            assert shown[expected_key(key, window)][0][1] == report_value(report, key), key
    for key, value in brief.brief_figures(report).items():
        if expected_key(key, window) in shown:
            assert shown[expected_key(key, window)][0][1] == value, key
    # The headline figures are all on some screen.
    assert {expected_key(key, window) for key in brief.brief_figures(report)} <= set(shown)
    # The meeting screen's counts are the agenda's, and the brief's headings say the same.
    text = " ".join(pdf_text(pdf, tmp_path).split()) if pdf is not None else None
    for section, frame in agenda.sections.items():
        figure = meeting.SECTION_FIGURES[section]
        assert shown[shown_key(figure, **({"date": str(window.end)} if FIGURES[figure].scope != "standing" else {}))][
            0
        ][1] == len(frame), section
        if text is not None:
            heading = f"{meeting.section_name(section, window.end)}（{len(frame):,} 项）"
            assert heading in text, heading
    return shown


def test_one_name_one_value_on_every_surface(db_url, monkeypatch, tmp_path):
    seed_small(db_url)
    shown = check_window(db_url, monkeypatch, Window(*Q3), tmp_path)
    # Shown on two screens or more, so the comparison above compared something.
    across = {key for key, values in shown.items() if len({view for view, _ in values}) > 1}
    assert {
        "attendance_rate",
        "expert_median_response",
        "lead_reduction",
        "lead_adjusted",
        shown_key("open_problems", date=str(Q3[1])),
        shown_key("open_expert_calls", date=str(Q3[1])),
        "thin_specialties",
    } | VALUE_FIGURES <= across  # the value screen and the overview
    assert shown["value_yuan_saved"][0][1] == sum(SAVINGS) and shown["value_needs_converted"][0][1] == 2
    assert shown["cases_found"][0][1] == 4 and shown["cases_done"][0][1] == 2


def test_one_name_one_value_on_the_edge_cases(db_url, monkeypatch, tmp_path):
    seed_edges(db_url)
    empty = check_window(db_url, monkeypatch, EMPTY, tmp_path)
    assert empty["attendance_rate"][0][1] is None and empty["lead_resident_count"][0][1] == 0
    one = check_window(db_url, monkeypatch, ONE, tmp_path)
    assert one["lead_resident_count"][0][1] == 1 and one["lead_adjusted"][0][1] is None
    assert one["problem_closure_rate"][0][1] == 1.0 and one["problems_found"][0][1] == 2
