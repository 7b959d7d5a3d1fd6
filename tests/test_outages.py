"""Outage plans (data_access.outages) on both databases: the office and the customer's own manager
write them, another manager is refused, bad input names the field, edits are version-checked and
audited; the entry screen (AppTest) saves one and the manager page lists it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from data_access import outages
from data_access.db import make_engine
from data_access.models import AuditLog, OutagePlan
from data_access.permissions import Actor, PermissionDenied
from data_access.writes import StaleRow, ValidationFailed
from tests import builders as b
from tests.apptest import login_as
from tests.conftest import ROOT
from tests.english_check import english_words, texts
from ui.problem_text import problem_text
from ui.strings import ZH

D = dt.date
OFFICE = Actor("office1", "office")


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        ids = {"M1": b.manager(conn, "M1"), "M2": b.manager(conn, "M2"), "C1": b.customer(conn, "C1")}
        b.posting(conn, ids["M1"], ids["C1"], D(2026, 1, 1))
    return ids


def plan(**changes) -> dict:
    return {
        "account_no": "C1",
        "planned_on": D(2026, 3, 10),
        "hours": 4,
        "scope": "10kV 一号进线检修",
        "status": "planned",
        **changes,
    }


def test_the_office_and_the_own_manager_write_others_are_refused(engine, world):
    own = Actor("m1", "manager", world["M1"])
    saved = outages.save_outage(engine, own, **plan())
    outages.save_outage(engine, OFFICE, **plan(planned_on=D(2026, 3, 20), status="agreed"))
    with pytest.raises(ValidationFailed) as other:
        outages.save_outage(engine, Actor("m2", "manager", world["M2"]), **plan())
    assert other.value.problems[0].code == "outage_not_posted"
    assert "只能为本人派驻的客户填写" in problem_text(other.value.problems[0], "zh")
    with pytest.raises(ValidationFailed):  # before M1's posting started
        outages.save_outage(engine, own, **plan(planned_on=D(2025, 12, 1)))
    with pytest.raises(PermissionDenied):
        outages.save_outage(engine, Actor("boss", "leader"), **plan())
    with engine.connect() as conn:
        mine = outages.outage_plans(conn, D(2026, 3, 1), D(2026, 3, 31), manager_id=world["M1"])
        assert [(p["planned_on"], p["status"], p["entered_by"]) for p in mine] == [
            (D(2026, 3, 10), "planned", "m1"),
            (D(2026, 3, 20), "agreed", "office1"),
        ]
        assert outages.outage_plans(conn, D(2026, 3, 1), D(2026, 3, 31), manager_id=world["M2"]) == []
    # An edit needs the version loaded; it is audited.
    outages.save_outage(engine, own, **plan(status="done"), row_id=saved.id, expected_version=1)
    with pytest.raises(StaleRow):
        outages.save_outage(engine, own, **plan(status="cancelled"), row_id=saved.id, expected_version=1)
    with engine.connect() as conn:
        assert conn.execute(select(OutagePlan.status).where(OutagePlan.id == saved.id)).scalar() == "done"
        actions = (
            conn.execute(select(AuditLog.action).where(AuditLog.table_name == "outage_plans").order_by(AuditLog.id))
            .scalars()
            .all()
        )
        assert actions == ["insert", "insert", "update"]


def test_bad_input_names_each_field_and_writes_nothing(engine, world):
    with pytest.raises(ValidationFailed) as bad:
        outages.save_outage(engine, OFFICE, **plan(hours=0, scope=" ", status="maybe"))
    assert {p.column for p in bad.value.problems} == {"hours", "scope", "status"}
    with pytest.raises(ValidationFailed) as unknown:
        outages.save_outage(engine, OFFICE, **plan(account_no="C404"))
    assert unknown.value.problems[0].column == "account_no"
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(OutagePlan)).scalar() == 0


def test_entry_screen_saves_and_the_manager_page_lists(small_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", small_url)
    monkeypatch.setenv("DASHBOARD_TODAY", "2025-09-15")
    at = login_as(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), "manager", small_url)
    at.run()
    at.switch_page("views/entry_outages.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not english_words(texts(at))
    at.selectbox(key="out_account_no").set_value("C001")
    at.date_input(key="out_planned_on").set_value(D(2025, 10, 8))
    at.number_input(key="out_hours").set_value(6.0)
    at.text_input(key="out_scope").set_value("配电房二号变压器检修")
    at.button[[b.label for b in at.button].index(ZH["fm_save"])].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    engine = make_engine(small_url)
    with engine.connect() as conn:
        stored = conn.execute(select(OutagePlan.scope, OutagePlan.entered_by)).all()
    engine.dispose()
    assert stored == [("配电房二号变压器检修", "manager")]
    office = login_as(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120), "office", small_url)
    office.query_params.update({"from": "2025-07-01", "to": "2025-09-30", "manager": "M001"})
    office.run()
    office.switch_page("views/roster.py").run()
    tables = [table.value for table in office.dataframe if ZH["lc_col_scope"] in table.value.columns]
    assert tables and "配电房二号变压器检修" in list(tables[0][ZH["lc_col_scope"]])


def test_the_meeting_lists_next_months_planned_and_agreed_outages(engine, world):
    from metrics import meeting
    from metrics.window import Scope

    outages.save_outage(engine, OFFICE, **plan(planned_on=D(2026, 4, 2), status="agreed"))
    outages.save_outage(engine, OFFICE, **plan(planned_on=D(2026, 4, 9), status="cancelled"))
    outages.save_outage(engine, OFFICE, **plan(planned_on=D(2026, 3, 30)))  # this month
    with engine.connect() as conn:
        frame = meeting.coming_outages(conn, D(2026, 3, 15))
        assert list(frame["planned_on"]) == [D(2026, 4, 2)] and list(frame["status"]) == ["agreed"]
        assert meeting.coming_outages(conn, D(2026, 3, 15), Scope(town="无此镇")).empty
        assert meeting.next_month(D(2026, 12, 31)).start == D(2027, 1, 1)
