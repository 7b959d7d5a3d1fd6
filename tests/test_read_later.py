"""ui.data._read_later: a cached loader read in the background, through Streamlit's real cache."""

from __future__ import annotations

import threading

import pytest
import streamlit as st

from ui import data


@st.cache_data(show_spinner=False)
def loader(key: str, _source=None):
    return data._from_source(_source)


@pytest.fixture(autouse=True)
def empty_cache():
    loader.clear()
    yield
    loader.clear()


def test_computes_on_a_worker_thread_once_then_reads_the_cache():
    threads = []

    def compute(value):
        def run():
            threads.append(threading.current_thread().name)
            return value

        return run

    first = data._read_later(loader, ("a",), compute({"rows": 1}))
    assert first() == {"rows": 1}
    assert threads and threads[0].startswith("dashboard-read") and threads[0] != threading.current_thread().name
    again = data._read_later(loader, ("a",), compute({"rows": 2}))
    assert again() == {"rows": 1}  # cached: no second read
    assert len(threads) == 1
    other = data._read_later(loader, ("b",), compute({"rows": 3}))
    assert other() == {"rows": 3} and len(threads) == 2


def test_an_error_reaches_the_caller_and_nothing_is_cached():
    def broken():
        raise ValueError("database gone")

    later = data._read_later(loader, ("a",), broken)
    with pytest.raises(ValueError, match="database gone"):
        later()
    assert data._read_later(loader, ("a",), lambda: 7)() == 7


def test_a_loader_called_without_a_source_caches_nothing():
    with pytest.raises(data._NotCached):
        loader("a")
    assert data._read_later(loader, ("a",), lambda: "fresh")() == "fresh"
