"""The needs cases under AppTest: the office moves a case on the cases screen (and a bad move is
refused with the field named, nothing written); leadership reads only; a manager's home lists their
open cases; the value screen's cards match metrics.value; the needs screen shows the conversion."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access import cases
from data_access.db import make_engine
from data_access.models import NeedCase, Posting, User
from data_access.permissions import CLI_ACTOR
from data_access.settings import load_settings
from metrics import value
from metrics.figures import figure_name
from metrics.window import Window
from tests.apptest import app, login_as, metric_by_label, no_exception
from tests.conftest import seeded_copy
from tests.seed_small import Q3, populate_small

TODAY = "2025-10-10"
WINDOW = Window(*Q3)


def seed(url: str) -> None:
    """The small data set and two open cases: one of the manager user's customers, one of another."""
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
        mine = conn.execute(select(User.manager_id).where(User.username == "manager")).scalar()
        my_customer = conn.execute(select(Posting.customer_id).where(Posting.manager_id == mine)).scalars().first()
        other = (
            conn.execute(
                select(Posting.customer_id).where(Posting.manager_id != mine, Posting.customer_id != my_customer)
            )
            .scalars()
            .first()
        )
    cases.record_findings(
        engine,
        CLI_ACTOR,
        dt.date(2025, 9, 1),
        [(my_customer, "capacity_increase"), (other, "direct_trading")],
        on=dt.date(2025, 10, 1),
    )
    engine.dispose()


@pytest.fixture
def url(tmp_path_factory, sqlite_template) -> str:
    return seeded_copy(tmp_path_factory, sqlite_template, "cases", seed)


def open_screen(url, monkeypatch, username, script, **query):
    monkeypatch.setenv("DASHBOARD_TODAY", TODAY)
    at = login_as(app(url, monkeypatch, **query), username).run()
    at.switch_page(script).run()
    no_exception(at)
    return at


def statuses(url) -> list[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(select(NeedCase.status).order_by(NeedCase.id)).scalars().all()
    engine.dispose()
    return found


def test_office_moves_a_case_and_a_bad_move_is_refused(url, monkeypatch):
    at = open_screen(url, monkeypatch, "office", "views/cases.py")
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == 2
    at.radio(key="cs_move_to").set_value("dismissed").run()
    at.button(key="cs_move_save").click().run()  # no reason typed
    no_exception(at)
    assert any("排除原因" in error.value for error in at.error), [e.value for e in at.error]
    assert statuses(url) == ["new", "new"]
    at.radio(key="cs_move_to").set_value("confirmed").run()
    at.text_area(key="cs_move_note").input("已走访，负荷确实超出合同容量").run()
    at.button(key="cs_move_save").click().run()
    no_exception(at)
    assert statuses(url)[0] == "confirmed"


def test_leadership_reads_only(url, monkeypatch):
    at = open_screen(url, monkeypatch, "leader", "views/cases.py")
    assert len(at.dataframe) == 1
    assert not [b for b in at.button if b.key == "cs_move_save"]


def test_manager_home_lists_their_open_cases(url, monkeypatch):
    at = open_screen(url, monkeypatch, "manager", "views/entry_log.py")
    labels = [e.label for e in at.expander]
    assert "我的未办结需求线索：1 条" in labels, labels
    at = open_screen(url, monkeypatch, "manager", "views/cases.py")
    assert len(at.dataframe[0].value) == 1  # only their customer's case


def test_value_screen_matches_the_metrics(url, monkeypatch):
    at = open_screen(url, monkeypatch, "leader", "views/value.py", **{"from": str(WINDOW.start), "to": str(WINDOW.end)})
    engine = make_engine(url)
    with engine.connect() as conn:
        expected = value.value(conn, WINDOW, load_settings(conn))
    engine.dispose()
    shown = at.session_state["_figures_shown"]
    assert shown["value_days_saved"] == [expected["connection_days_saved"]]
    assert shown["value_resident_applications"] == [expected["resident_applications"]]
    assert metric_by_label(at, figure_name("value_needs_converted")).value.startswith(str(expected["needs_converted"]))
    assert set(shown["cases_found"]) == {0}  # the cases were opened after the window
