"""The 经理名册 screen (views/roster.py) under AppTest: states from metrics.lifecycle, the state
filter, the manager page via ?manager= and via the picker, both languages (no English on the
Chinese screen), read-only for leadership, hidden from managers."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from data_access.settings import load_settings
from metrics import lifecycle
from tests.apptest import login_as, screen
from tests.conftest import ROOT
from tests.english_check import english_words, texts
from tests.seed_small import Q3
from ui import nav
from ui.strings import EN, ZH

APP = str(ROOT / "app.py")
SCRIPT = "views/roster.py"
WINDOW = {"from": Q3[0].isoformat(), "to": Q3[1].isoformat()}


def open_roster(url: str, monkeypatch, user: str = "office", **query) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    at = login_as(AppTest.from_file(APP, default_timeout=120), user, url)
    at.query_params.update({**WINDOW, **query})
    at.run()
    at.switch_page(SCRIPT).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def expected_states(url: str) -> dict[str, str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        frame = lifecycle.states(conn, Q3[1], load_settings(conn))
    engine.dispose()
    return dict(zip(frame["employee_no"], frame["state"]))


def roster_table(at: AppTest, lang: str = "zh"):
    words = ZH if lang == "zh" else EN
    return next(table.value for table in at.dataframe if words["lc_col_state"] in table.value.columns)


def test_roster_shows_each_managers_state_in_chinese(small_url, monkeypatch):
    at = open_roster(small_url, monkeypatch)
    table = roster_table(at)
    expected = expected_states(small_url)
    shown = dict(zip(table[ZH["lc_col_employee_no"]], table[ZH["lc_col_state"]]))
    assert shown == {no: ZH[f"lc_state_{state}"] for no, state in expected.items()}
    assert not english_words(texts(at))


def test_state_filter_and_manager_page(small_url, monkeypatch):
    at = open_roster(small_url, monkeypatch)
    posted = sorted(no for no, state in expected_states(small_url).items() if state == "posted")
    at.selectbox(key="lc_state").set_value("posted").run()
    assert sorted(roster_table(at)[ZH["lc_col_employee_no"]]) == posted
    at.selectbox(key="lc_pick_None").set_value(posted[0]).run()
    assert at.query_params["manager"] == [posted[0]] or at.query_params["manager"] == posted[0]
    subheaders = [element.value for element in at.subheader]
    assert any(posted[0] in value for value in subheaders), subheaders
    headings = [element.value for element in at.markdown]
    for key in ("lc_training", "lc_assessments", "lc_postings", "lc_logs", "lc_calls", "lc_outages"):
        assert f"**{ZH[key]}**" in headings


def test_manager_page_from_the_url_in_english(small_url, monkeypatch):
    at = open_roster(small_url, monkeypatch, lang="en", manager="M003")
    assert not at.exception
    assert any("M003" in element.value for element in at.subheader)
    postings = next(table.value for table in at.dataframe if EN["lc_col_handover_note"] in table.value.columns)
    assert "接替前任" in list(postings[EN["lc_col_handover_note"]])
    assert EN["lc_state_posted"] in " ".join(element.value for element in at.caption)


def test_unknown_manager_is_a_message(small_url, monkeypatch):
    at = open_roster(small_url, monkeypatch, manager="NOPE1")
    assert any("NOPE1" in element.value for element in at.warning)


def test_leader_reads_only_and_managers_do_not_see_it(small_url, monkeypatch):
    at = open_roster(small_url, monkeypatch, user="leader")
    assert roster_table(at) is not None
    assert not at.main.button and not at.main.text_area and not at.main.number_input  # nothing to write
    assert "roster" not in {screen.url_path for screen in nav.screens_for("manager")}
    assert "roster" in {screen.url_path for screen in nav.screens_for("leader")}


def test_assigning_shows_the_customer_beside_the_managers_fit(small_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", small_url)
    at = login_as(AppTest.from_file(APP, default_timeout=120), "office", small_url)
    at.run()
    at.switch_page("views/entry_managers.py").run()
    at.text_input(key="ema_customer").set_value("C003").run()
    assert not at.exception, [e.value for e in at.exception]
    captions = " ".join(element.value for element in at.caption)
    assert f"{ZH['lc_assign_voltage_kv']}：35" in captions and f"{ZH['lc_assign_capacity_kva']}：5,000" in captions
    fit = next(table.value for table in at.dataframe if ZH["lc_col_active_postings"] in table.value.columns)
    assert set(fit[ZH["lc_col_employee_no"]]) == set(expected_states(small_url))
    assert not english_words(texts(at))


def manager_links(at: AppTest) -> set[str]:
    """Every manager-page link in the screen's tables."""
    return {
        link
        for frame in at.dataframe
        if ZH["lc_col_page"] in frame.value.columns
        for link in frame.value[ZH["lc_col_page"]]
        if isinstance(link, str)
    }


def test_tables_naming_a_manager_link_to_the_managers_page(small_url, monkeypatch):
    window = {"from": Q3[0].isoformat(), "to": Q3[1].isoformat()}
    at = screen(small_url, monkeypatch, "views/attendance.py", "leader", **window)
    links = manager_links(at)
    shown = {
        no
        for frame in at.dataframe
        if ZH["att_col_employee_no"] in frame.value.columns
        for no in frame.value[ZH["att_col_employee_no"]]
    }
    assert links and links == {f"roster?manager={no}" for no in shown if no}
    page = open_roster(small_url, monkeypatch, user="leader", manager=sorted(links)[0].split("=")[1])
    assert not page.exception
    # A manager may not open the roster: no links on their screens.
    assert not manager_links(screen(small_url, monkeypatch, "views/attendance.py", "manager", **window))
