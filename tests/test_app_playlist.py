"""The wall-screen playlist (ui/playlist.py) under AppTest, and its pure pieces.

The URL's rotate / screens values give the sidebar controls their state (bad values get
the defaults and a message), the footer shows the window and the time of the last refresh,
the playlist steps to the next screen with the filters kept, and a new cycle reads the
database again (a change written meanwhile shows; a plain rerun shows the cached value).
The timer itself runs in a real browser: tests/browser/test_playlist.py.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine
from tests import builders as b
from tests.apptest import login_as
from tests.conftest import ROOT, seeded_copy
from tests.seed_small import populate_small
from ui import theme
from ui.playlist import (
    DEFAULT_SCREENS,
    DEFAULT_SECONDS,
    MAX_SECONDS,
    MIN_SECONDS,
    footer_text,
    next_screen,
    parse_screens,
    parse_seconds,
    playlist_screens,
)
from ui.strings import EN, ZH
from ui.text import plain

APP = str(ROOT / "app.py")
WINDOW = {"from": "2025-07-01", "to": "2025-09-30"}
THREE = "overview,attendance,lead_time"
LEADER_OPTIONS = ("overview", "attendance", "experts", "customers", "lead_time", "needs", "value", "meeting")
TIME = r"\d{2}:\d{2}:\d{2}"


# --- Fixtures and helpers -----------------------------------------------------------------


def seed(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, sqlite_template) -> str:
    """One seeded SQLite file for the tests that only read."""
    return seeded_copy(tmp_path_factory, sqlite_template, "playlist", seed)


def open_app(url: str, monkeypatch, username: str = "leader", **query) -> AppTest:
    """The app at the root URL ("/", the hidden default page) logged in as `username`."""
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    login_as(at, username, url)
    return at.run()


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def footer(at: AppTest) -> list[str]:
    """The playlist footer's captions: the window with the refresh time, then the playlist's status."""
    return [
        c.value
        for c in at.main.caption
        if " · 刷新于 " in c.value or " · refreshed at " in c.value or c.value.startswith(("轮播 ", "Playlist "))
    ]


def styles(at: AppTest) -> list[str]:
    return [m.value.strip() for m in at.markdown]


def card(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label.startswith(label)]
    assert len(found) == 1, (label, [m.label for m in at.metric])
    return found[0]


# --- Pure pieces ------------------------------------------------------------------------------


def test_next_screen_cycles_forward_and_back():
    screens = ("overview", "attendance", "lead_time")
    assert next_screen("overview", screens) == "attendance"
    assert next_screen("attendance", screens) == "lead_time"
    assert next_screen("lead_time", screens) == "overview"  # round again
    assert next_screen("overview", screens, -1) == "lead_time"
    assert next_screen("lead_time", screens, -1) == "attendance"
    # A screen outside the playlist (the user was elsewhere): forward to the first, back to the last.
    assert next_screen("customers", screens) == "overview"
    assert next_screen("customers", screens, -1) == "lead_time"
    assert next_screen("needs", ("needs",)) == "needs"
    with pytest.raises(ValueError):
        next_screen("overview", ())


def test_seconds_from_the_url():
    assert parse_seconds(None) == (None, None)
    assert parse_seconds("60") == (60, None)
    assert parse_seconds(" 30 ") == (30, None)
    assert parse_seconds(str(MIN_SECONDS)) == (MIN_SECONDS, None)
    assert parse_seconds(str(MAX_SECONDS)) == (MAX_SECONDS, None)
    for bad in ("abc", "", "4.5", str(MIN_SECONDS - 1), str(MAX_SECONDS + 1), "-60"):
        seconds, notice = parse_seconds(bad)
        assert seconds == DEFAULT_SECONDS, bad
        assert notice == ZH["pl_bad_seconds"].format(
            value=bad, default=DEFAULT_SECONDS, min=MIN_SECONDS, max=MAX_SECONDS
        )


def test_screens_from_the_url():
    options = LEADER_OPTIONS
    assert parse_screens(None, options) == (DEFAULT_SCREENS, None)
    assert parse_screens(THREE, options) == (("overview", "attendance", "lead_time"), None)
    assert parse_screens("lead_time, overview,lead_time", options) == (("lead_time", "overview"), None)
    screens, notice = parse_screens("overview,bogus,entry_log", options)
    assert screens == ("overview",)
    assert notice == ZH["pl_unknown_screens"].format(names="bogus, entry_log")
    screens, notice = parse_screens("bogus", options)
    assert screens == DEFAULT_SCREENS and notice == ZH["pl_no_screens"].format(value="bogus")
    assert parse_screens(",", options)[0] == DEFAULT_SCREENS


def test_only_dashboards_can_be_cycled_and_every_default_is_one():
    for role in ("leader", "office", "manager"):
        paths = [screen.url_path for screen in playlist_screens(role)]
        assert paths == list(LEADER_OPTIONS)  # every role sees every dashboard; never an entry form
    assert set(DEFAULT_SCREENS) <= set(LEADER_OPTIONS)


def test_footer_text_shows_the_window_and_the_refresh_time():
    import datetime as dt

    text = footer_text(dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.datetime(2026, 10, 8, 10, 32, 5))
    assert text == "统计区间 2026-07-01 至 2026-09-30 · 刷新于 10:32:05"


# --- The app ------------------------------------------------------------------------------------


def test_url_gives_the_controls_their_state_and_the_footer(small_url, monkeypatch):
    at = open_app(small_url, monkeypatch, present="1", rotate="60", screens=THREE, **WINDOW)
    no_exception(at)
    # The hidden default page switched to the overview and kept the playlist's parameters.
    assert at.title[0].value == ZH["nav_overview"]
    assert at.query_params["rotate"] == "60" and at.query_params["screens"] == THREE
    assert at.sidebar.toggle(key="w_rotate").value is True
    assert at.sidebar.number_input(key="w_rotate_seconds").value == 60
    assert at.sidebar.multiselect(key="w_rotate_screens").value == ["overview", "attendance", "lead_time"]
    assert not at.sidebar.warning
    window_line, status_line = footer(at)
    assert re.fullmatch(f"统计区间 2025-07-01 至 2025-09-30 · 刷新于 {TIME}", window_line), window_line
    assert status_line == ZH["pl_status"].format(position="1/3", seconds=60, next=ZH["nav_attendance"])
    assert [at.button(key=k).key for k in ("playlist_prev", "playlist_pause", "playlist_next")]


def test_bad_values_get_the_defaults_with_a_message(small_url, monkeypatch):
    at = open_app(small_url, monkeypatch, present="1", rotate="soon", screens="overview,bogus", **WINDOW)
    no_exception(at)
    warnings = [w.value for w in at.sidebar.warning]
    assert (
        ZH["pl_bad_seconds"].format(value="soon", default=DEFAULT_SECONDS, min=MIN_SECONDS, max=MAX_SECONDS) in warnings
    )
    assert ZH["pl_unknown_screens"].format(names="bogus") in warnings
    assert at.sidebar.number_input(key="w_rotate_seconds").value == DEFAULT_SECONDS
    assert at.sidebar.multiselect(key="w_rotate_screens").value == ["overview"]
    # The URL now holds what is used, so the message is not repeated.
    assert at.query_params["rotate"] == str(DEFAULT_SECONDS) and at.query_params["screens"] == "overview"
    at.run()
    assert not at.sidebar.warning

    at = open_app(small_url, monkeypatch, present="1", rotate="1", screens="entry_log", **WINDOW)
    warnings = [w.value for w in at.sidebar.warning]
    assert ZH["pl_no_screens"].format(value=plain("entry_log")) in warnings  # not a dashboard (typed text, escaped)
    assert at.sidebar.multiselect(key="w_rotate_screens").value == list(DEFAULT_SCREENS)
    assert "screens" not in at.query_params  # the default list needs no parameter
    assert at.query_params["rotate"] == str(DEFAULT_SECONDS)


def test_rotate_alone_turns_projection_on(small_url, monkeypatch):
    at = open_app(small_url, monkeypatch, rotate="30", lang="en", **WINDOW)
    no_exception(at)
    assert at.query_params["present"] == "1"
    assert at.sidebar.toggle(key="w_present").value is True
    assert footer(at)[1] == EN["pl_status"].format(position="1/6", seconds=30, next=EN["nav_attendance"])
    assert re.fullmatch(f"Window 2025-07-01 to 2025-09-30 · refreshed at {TIME}", footer(at)[0])


def test_the_playlist_starts_on_its_first_screen(small_url, monkeypatch):
    # "/" opens the overview (the hidden default page), which is not in this playlist.
    at = open_app(small_url, monkeypatch, present="1", rotate="60", screens="lead_time,attendance", **WINDOW)
    no_exception(at)
    assert at.title[0].value == ZH["nav_lead_time"]
    assert footer(at)[1] == ZH["pl_status"].format(position="1/2", seconds=60, next=ZH["nav_attendance"])


def test_no_footer_without_the_playlist(small_url, monkeypatch):
    at = open_app(small_url, monkeypatch, present="1", **WINDOW)
    no_exception(at)
    assert not footer(at)
    assert at.sidebar.toggle(key="w_rotate").value is False
    assert not [b for b in at.button if b.key and b.key.startswith("playlist_")]


def test_sidebar_controls_write_the_url(small_url, monkeypatch):
    at = open_app(small_url, monkeypatch, **WINDOW)
    at.sidebar.number_input(key="w_rotate_seconds").set_value(45).run()
    assert "rotate" not in at.query_params  # the interval waits for the toggle
    at.sidebar.toggle(key="w_rotate").set_value(True).run()
    no_exception(at)
    assert at.query_params["rotate"] == "45" and at.query_params["present"] == "1"
    assert footer(at)
    at.sidebar.number_input(key="w_rotate_seconds").set_value(20).run()
    assert at.query_params["rotate"] == "20"
    at.sidebar.multiselect(key="w_rotate_screens").set_value(["lead_time", "overview"]).run()
    assert at.query_params["screens"] == "lead_time,overview"
    at.sidebar.multiselect(key="w_rotate_screens").set_value([]).run()  # refused: at least one
    assert at.query_params["screens"] == "lead_time,overview"
    assert ZH["pl_need_screen"] in [w.value for w in at.sidebar.warning]
    assert at.sidebar.multiselect(key="w_rotate_screens").value == ["lead_time", "overview"]
    at.sidebar.multiselect(key="w_rotate_screens").set_value(list(DEFAULT_SCREENS)).run()
    assert "screens" not in at.query_params
    at.sidebar.toggle(key="w_rotate").set_value(False).run()
    assert "rotate" not in at.query_params and at.query_params["present"] == "1"
    assert not footer(at)
    at.sidebar.toggle(key="w_rotate").set_value(True).run()
    at.sidebar.toggle(key="w_present").set_value(False).run()  # leaving projection ends the playlist
    assert "rotate" not in at.query_params and "present" not in at.query_params


def test_steps_keep_the_filters_and_pause_stops_the_clock(small_url, monkeypatch):
    town = "城关街道"
    at = open_app(small_url, monkeypatch, present="1", rotate="60", screens=THREE, town=town, **WINDOW)
    at.button(key="playlist_next").click().run()
    no_exception(at)
    assert at.title[0].value == ZH["nav_attendance"]
    assert at.query_params["town"] == town and at.query_params["from"] == "2025-07-01"
    assert at.query_params["screens"] == THREE
    assert footer(at)[1] == ZH["pl_status"].format(position="2/3", seconds=60, next=ZH["nav_lead_time"])
    at.button(key="playlist_prev").click().run()
    at.button(key="playlist_prev").click().run()
    assert at.title[0].value == ZH["nav_lead_time"]  # back past the first screen to the last
    assert at.query_params["town"] == town

    assert theme.PLAYLIST_RUNNING_CSS.strip() in styles(at)  # running: no sidebar, no header
    at.button(key="playlist_pause").click().run()
    assert footer(at)[1] == ZH["pl_status_paused"].format(position="3/3")
    assert theme.PLAYLIST_RUNNING_CSS.strip() not in styles(at)  # paused: the sidebar can be opened
    assert theme.PLAYLIST_CSS.strip() in styles(at)
    at.button(key="playlist_pause").click().run()
    assert footer(at)[1] == ZH["pl_status"].format(position="3/3", seconds=60, next=ZH["nav_overview"])
    assert theme.PLAYLIST_RUNNING_CSS.strip() in styles(at)


def test_a_new_cycle_reads_the_database_again(seeded_url, monkeypatch):
    at = open_app(seeded_url, monkeypatch, present="1", rotate="60", screens="overview,experts", **WINDOW)
    label = ZH["kpi_expert_coverage"]
    before = card(at, label)
    first_refresh = footer(at)[0]
    engine = make_engine(seeded_url)
    with engine.begin() as conn:  # a second expert for each specialty that has one
        b.expert(conn, "E61", "safety_assessment", name="新专家61")
        b.expert(conn, "E71", "training", name="新专家71")
    engine.dispose()
    at.run()
    assert card(at, label) == before  # a rerun within the cycle uses the cached numbers
    assert footer(at)[0] == first_refresh
    at.button(key="playlist_next").click().run()
    at.button(key="playlist_next").click().run()  # round to the overview: the next cycle
    no_exception(at)
    assert at.title[0].value == ZH["nav_overview"]
    assert card(at, label) != before
    covered, specialties = (int(n) for n in re.findall(r"\d+", card(at, label)))
    assert covered == specialties  # every specialty is covered now
