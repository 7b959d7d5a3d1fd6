"""Optimistic locking under concurrency: two sessions, separate engines, SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select

from data_access import writes
from data_access.db import make_engine
from data_access.models import AuditLog, ExpertCall, WorkLog
from data_access.permissions import Actor
from data_access.writes import StaleRow, ValidationFailed
from tests import builders as b
from ui.problem_text import error_text

OFFICE_A = Actor("office_a", "office")
OFFICE_B = Actor("office_b", "office")


@pytest.fixture
def other_engine(db_url):
    """A second engine on the same database: another app process or session."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def customer(engine):
    with engine.begin() as conn:
        return b.customer(conn, "C001", name="老名字", town="城关镇")


def load(engine, customer_id):
    with engine.connect() as conn:
        return writes.load_row(conn, "customers", {"id": customer_id})


def updates_audited(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AuditLog).where(AuditLog.action == "update")).scalar()


def test_second_save_of_the_same_version_is_refused(engine, other_engine, customer):
    form_a = load(engine, customer)
    form_b = load(other_engine, customer)
    assert form_a["version"] == form_b["version"] == 1

    saved = writes.save_row(engine, OFFICE_A, "customers", {**form_a, "name": "甲改的名字"}, form_a["version"])
    assert saved.version == 2
    with pytest.raises(StaleRow) as stale:
        writes.save_row(other_engine, OFFICE_B, "customers", {**form_b, "town": "乙改的乡镇"}, form_b["version"])
    assert "他人" in error_text(stale.value, "zh") and "Someone else" in error_text(stale.value, "en")

    final = load(other_engine, customer)
    assert (final["name"], final["town"], final["version"]) == ("甲改的名字", "城关镇", 2)
    assert updates_audited(engine) == 1
    # B reloads and saves again: now it works, on top of A's change.
    writes.save_row(other_engine, OFFICE_B, "customers", {**final, "town": "乙改的乡镇"}, final["version"])
    final = load(engine, customer)
    assert (final["name"], final["town"], final["version"]) == ("甲改的名字", "乙改的乡镇", 3)


def test_a_delete_with_a_stale_version_is_refused(engine, other_engine, customer):
    form_b = load(other_engine, customer)
    form_a = load(engine, customer)
    writes.save_row(engine, OFFICE_A, "customers", {**form_a, "name": "甲改的名字"}, form_a["version"])
    with pytest.raises(StaleRow):
        writes.delete_row(other_engine, OFFICE_B, "customers", {"id": customer}, form_b["version"])
    assert load(engine, customer)["name"] == "甲改的名字"


def _race(engines, attempt):
    """Run attempt(engine, i) in one thread per engine, released together; returns outcomes."""
    barrier = threading.Barrier(len(engines))
    outcomes: list = [None] * len(engines)

    def run(i, engine):
        barrier.wait()
        try:
            outcomes[i] = attempt(engine, i)
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[i] = error

    threads = [threading.Thread(target=run, args=(i, e)) for i, e in enumerate(engines)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_threads_racing_the_same_version_exactly_one_wins(engine, other_engine, customer):
    for round_no in range(5):
        form = load(engine, customer)
        names = [f"甲{round_no}", f"乙{round_no}"]

        def attempt(eng, i, form=form, names=names):
            return writes.save_row(
                eng, [OFFICE_A, OFFICE_B][i], "customers", {**form, "name": names[i]}, form["version"]
            )

        outcomes = _race([engine, other_engine], attempt)
        winners = [i for i, o in enumerate(outcomes) if isinstance(o, writes.SavedRow)]
        losers = [o for o in outcomes if isinstance(o, StaleRow)]
        assert len(winners) == 1 and len(losers) == 1, outcomes
        final = load(engine, customer)
        assert final["name"] == names[winners[0]]
        assert final["version"] == form["version"] + 1
    assert updates_audited(engine) == 5


def test_a_writer_blocked_by_an_open_transaction_then_sees_it_is_stale(engine, other_engine, customer):
    """B reads version 1 while A's change is uncommitted; B's guarded UPDATE must wait for
    A and then find no row with version 1 (no SELECT-then-UPDATE lost update)."""
    form = load(engine, customer)
    a_has_written, release_a = threading.Event(), threading.Event()
    result: dict = {}

    def writer_a():
        with writes.UnitOfWork(engine, OFFICE_A) as uow:
            writes.save_in(uow, "customers", {**form, "name": "甲改的名字"}, form["version"])
            a_has_written.set()
            release_a.wait(timeout=30)

    def writer_b():
        try:
            result["b"] = writes.save_row(
                other_engine, OFFICE_B, "customers", {**form, "town": "乙改的乡镇"}, form["version"]
            )
        except Exception as error:  # noqa: BLE001
            result["b"] = error

    thread_a = threading.Thread(target=writer_a)
    thread_a.start()
    assert a_has_written.wait(timeout=30)
    thread_b = threading.Thread(target=writer_b)
    thread_b.start()
    time.sleep(0.5)
    assert thread_b.is_alive(), f"B did not wait for A's open transaction: {result}"
    release_a.set()
    thread_a.join(timeout=30)
    thread_b.join(timeout=30)
    assert isinstance(result["b"], StaleRow), result
    final = load(engine, customer)
    assert (final["name"], final["town"], final["version"]) == ("甲改的名字", "城关镇", 2)


def test_two_threads_creating_the_same_log_one_wins(engine, other_engine):
    with engine.begin() as conn:
        manager_id = b.manager(conn, "M001")
        customer_id = b.customer(conn, "C001")
        b.posting(conn, manager_id, customer_id, dt.date(2025, 1, 1))
    actor = Actor("m1", "manager", manager_id)

    def attempt(eng, i):
        return writes.save_work_log(
            eng, actor, account_no="C001", date=dt.date(2025, 3, 3), on_site=True, content=f"第{i}次提交"
        )

    outcomes = _race([engine, other_engine], attempt)
    saved = [o for o in outcomes if isinstance(o, writes.SavedRow)]
    refused = [o for o in outcomes if isinstance(o, ValidationFailed)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert refused[0].problems[0].code == "log_exists"  # "2025-03-03 在 … 已有日志", on the date field
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(WorkLog)).scalar() == 1


def test_twenty_expert_requests_in_the_same_minute_all_get_a_number(engine):
    """Call numbers are max + 1 of the day: without a lock, requests racing in the same minute
    read the same max and all but one fail on the unique number (2 of 20 saved on PostgreSQL)."""
    with engine.begin() as conn:
        expert_id = b.expert(conn, "E01", "hv_fault")
        # A number typed by hand earlier that day: the numbering goes on from it.
        b.expert_call(conn, "EC20250303-007", expert_id, dt.datetime(2025, 3, 3, 8, 0))
    same_minute = dt.datetime(2025, 3, 3, 9, 30)
    office = Actor("office", "office")

    def attempt(eng, i):
        return writes.request_call(
            eng, office, expert_no="E01", mode="remote", requested_at=same_minute, summary=f"请求{i}"
        )

    outcomes = _race([engine] * 20, attempt)
    assert all(isinstance(o, writes.SavedRow) for o in outcomes), outcomes
    with engine.connect() as conn:
        numbers = sorted(
            conn.execute(select(ExpertCall.call_no).where(ExpertCall.requested_at == same_minute)).scalars()
        )
    assert numbers == [f"EC20250303-{n:03d}" for n in range(8, 28)]
