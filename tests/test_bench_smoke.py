"""The benchmark (bench/run.py and its parts) runs end to end on the small seeded database, quickly,
so that it cannot rot between the runs that take an hour: data reuse, sizes, the KPI report, every
screen cold and warm under AppTest, the naive paths checked against the SQL, the docs block, and
with BENCH_SMOKE_BROWSER=1, one screen in Chromium with the server's memory (slow: kept out of the
default run, which stays well under 30 s on an idle machine).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import browser, naive, run, screens
from data_access.db import make_engine
from tests.conftest import ROOT, fresh_database
from tests.seed_small import PASSWORD, populate_small


@pytest.fixture(scope="module")
def small_url(tmp_path_factory, sqlite_template) -> str:
    path = tmp_path_factory.mktemp("bench") / "small.db"
    path.write_bytes(sqlite_template.read_bytes())
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()
    return url


def arguments(**changes) -> argparse.Namespace:
    values = {
        "screens": ",".join(screens.SCREENS),
        "repeat": 1,
        "screen_repeat": 1,
        "skip_browser": True,
        "skip_naive": False,
        "no_check": False,
    }
    return argparse.Namespace(**{**values, **changes})


def test_one_scale_end_to_end(small_url, monkeypatch, tmp_path):
    monkeypatch.setattr(run, "OUT", tmp_path)  # generation records stay out of bench/out
    entry = run.measure(small_url, "county", "sqlite", arguments(), None)

    assert entry["data"]["reused"] and entry["size"] > 0 and entry["work_logs"] > 0
    assert 0 < entry["kpis"]["wall"] and 0 < entry["kpis"]["cpu"]
    timings = entry["screens"]["screens"]
    assert list(timings) == list(screens.SCREENS)
    for screen, timing in timings.items():
        assert timing["cold"][0] > 0 and timing["warm"][0] > 0, screen
        assert timing["charts"] + timing["tables"] > 0, screen
    assert timings["overview"]["charts"] >= 7
    naive_times = entry["naive"]["screens"]
    assert entry["naive"]["checked"] and set(naive_times) == set(screens.SCREENS)
    assert all(t["total"] >= t["read"] > 0 for t in naive_times.values())

    section = run.markdown(
        {"county/sqlite": entry, "province/sqlite": {**entry, "scale": "province"}}, "python bench/run.py"
    )
    assert section.startswith(run.DOCS_START) and section.endswith(run.DOCS_END)
    assert "| overview |" in section and "Targets at province scale" in section
    assert "reused (its generation was not timed)" in section


def test_naive_numbers_equal_the_sql_on_postgresql(db_url):
    """The yardstick computes what the screens show (bench/naive.check) on PostgreSQL too."""
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite: checked in test_one_scale_end_to_end")
    engine = make_engine(db_url)
    with engine.begin() as conn:
        populate_small(conn)
    engine.dispose()
    view = naive.default_view(db_url)
    for screen in screens.SCREENS:
        result = naive.time_naive(db_url, screen, view)
        naive.check(db_url, screen, view, result["numbers"])


def test_naive_check_catches_a_difference(small_url):
    view = naive.default_view(small_url)
    numbers = naive.time_naive(small_url, "customers", view)["numbers"]
    numbers["counts"]["star"] += 1
    with pytest.raises(AssertionError, match="segments"):
        naive.check(small_url, "customers", view, numbers)


def test_naive_check_compares_the_lists_a_screen_shows(small_url):
    """Not only the cards: a name in a table of the experts screen that differs fails the check."""
    view = naive.default_view(small_url)
    numbers = naive.time_naive(small_url, "experts", view)["numbers"]
    naive.check(small_url, "experts", view, numbers)
    by_expert = numbers["calls"]["by_expert"]
    assert not by_expert.empty
    by_expert.loc[0, "name"] += "x"
    with pytest.raises(AssertionError, match="experts calls: .*by_expert"):
        naive.check(small_url, "experts", view, numbers)


def test_docs_block_replaces_only_its_own_part(tmp_path, monkeypatch):
    docs = tmp_path / "performance.md"
    docs.write_text("# Performance\n\n<!-- kpis:start -->\nkpis\n<!-- kpis:end -->\n\nnotes\n", encoding="utf-8")
    monkeypatch.setattr(run, "DOCS", docs)
    run.write_docs(f"{run.DOCS_START}\nfirst\n{run.DOCS_END}")
    run.write_docs(f"{run.DOCS_START}\nsecond\n{run.DOCS_END}")
    text = docs.read_text(encoding="utf-8")
    assert "<!-- kpis:start -->\nkpis\n<!-- kpis:end -->\n\nnotes\n" in text
    assert "second" in text and "first" not in text and text.count(run.DOCS_START) == 1


def test_memory_watch_sees_this_process():
    with browser.MemoryWatch(os.getpid()) as memory:
        ballast = bytearray(64 * 2**20)
    assert memory.peak >= 64 * 2**20
    del ballast
    assert browser.cpu_seconds(os.getpid()) > 0


@pytest.mark.skipif(
    not os.environ.get("BENCH_SMOKE_BROWSER"), reason="a server and Chromium take 15-50 s: set BENCH_SMOKE_BROWSER=1"
)
@pytest.mark.skipif(not Path(browser.CHROMIUM).exists(), reason=f"{browser.CHROMIUM} is missing")
def test_browser_times_a_screen(small_url):
    result = browser.time_browser(small_url, ["experts"], user="leader", password=PASSWORD)
    visits = result["screens"]["experts"]
    assert visits["first"]["seconds"] > 0 and visits["again"]["seconds"] > 0
    assert visits["first"]["server_cpu"] > 0
    assert result["peak_rss"] > 50 * 2**20  # a streamlit server holds at least this


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="the load test runs on PostgreSQL")
@pytest.mark.skipif(not Path("/usr/sbin/nginx").exists(), reason="nginx is missing: apt-get install -y nginx")
def test_protocol_load_runs_through_the_proxy(tmp_path, sqlite_template, pg_small_template):
    """bench/load_protocol.py: two leader sessions through nginx to one process get their screens,
    no errors, and the figures it writes are there."""
    from bench import load_protocol

    with fresh_database("postgresql", tmp_path, sqlite_template, pg_small_template) as url:
        result = load_protocol.run(url, workers=1, sessions=2, duration=4, pause=0.5, settle=1)
    assert result["errors"] == 0, result["error_samples"]
    assert result["first_chart"]["n"] >= 2 and result["screen"]["n"] == result["first_chart"]["n"]
    assert 0 < result["first_chart"]["p50"] <= result["screen"]["max"]
    assert result["rss_idle_mb"] > 0 and result["app_cpu_cores"] > 0
    assert isinstance(result["rss_per_idle_session_mb"], float)  # the idle sessions opened the overview


def test_a_bench_command_prints_its_own_output_only():
    """Importing the app's modules outside a running app made Streamlit warn once per cached loader
    (40 lines before a bench's usage text)."""
    ran = subprocess.run(
        [sys.executable, "bench/load_protocol.py", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert ran.returncode == 0 and ran.stdout.startswith("usage: load_protocol.py")
    assert ran.stderr == ""
