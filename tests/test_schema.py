"""The schema: migrations, defaults and database constraints."""

import datetime as dt

import pytest
from sqlalchemy import insert, inspect, select
from sqlalchemy.exc import IntegrityError

from data_access.models import (
    Application,
    Base,
    CalendarDay,
    Customer,
    Manager,
    Posting,
    Setting,
    Training,
)
from data_access.settings import DEFAULTS, load_settings, number_date


def test_migration_creates_every_model_table(engine):
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_settings_start_at_contract_defaults(engine):
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Setting.key, Setting.value)).all())
        # The posting gate applies from the day its migration ran (the test session's set-up).
        gate_from = number_date(stored.pop("posting_gate_from"))
        assert dt.date.today() - dt.timedelta(days=2) <= gate_from <= dt.date.today()
        assert stored == DEFAULTS
        assert load_settings(conn)["min_onsite_days"] == 2


def test_calendar_knows_holidays_and_makeup_days(engine):
    with engine.connect() as conn:
        day = lambda d: conn.execute(select(CalendarDay).where(CalendarDay.date == d)).one()  # noqa: E731
        assert not day(dt.date(2025, 10, 1)).is_workday  # National Day
        assert day(dt.date(2025, 9, 28)).is_workday  # Sunday make-up workday
        assert day(dt.date(2025, 9, 28)).week_start == dt.date(2025, 9, 22)
        assert day(dt.date(2031, 3, 3)).fallback  # beyond chinese-calendar: Mon-Fri


def _manager(conn, no="M1"):
    return conn.execute(insert(Manager).values(employee_no=no, name="张三")).inserted_primary_key[0]


def _customer(conn, no="C1", **overrides):
    values = dict(account_no=no, name="客户", voltage_kv=10, capacity_kva=800, billing_mode="capacity")
    values.update(overrides)
    return conn.execute(insert(Customer).values(**values)).inserted_primary_key[0]


@pytest.mark.parametrize(
    "overrides",
    [
        {"voltage_kv": 0},
        {"capacity_kva": -1},
        {"star_rating": 6},
        {"market_status": "spot"},
        {"billing_mode": "flat"},
        {"annual_kwh": -5},
    ],
)
def test_customer_checks(engine, overrides):
    with pytest.raises(IntegrityError), engine.begin() as conn:
        _customer(conn, **overrides)


def test_training_hours_and_kind_checked(engine):
    with engine.begin() as conn:
        manager_id = _manager(conn)
    for bad in ({"hours": 0}, {"hours": 12.5}, {"kind": "misc"}):
        values = dict(manager_id=manager_id, date=dt.date(2025, 1, 2), hours=4, kind="skill", topic="")
        values.update(bad)
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(Training).values(**values))


def test_posting_end_before_start_and_unknown_manager_refused(engine):
    with engine.begin() as conn:
        manager_id, customer_id = _manager(conn), _customer(conn)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            insert(Posting).values(
                manager_id=manager_id,
                customer_id=customer_id,
                start_date=dt.date(2025, 2, 1),
                end_date=dt.date(2025, 1, 1),
            )
        )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(insert(Posting).values(manager_id=9999, customer_id=customer_id, start_date=dt.date(2025, 2, 1)))


def test_application_stage_dates_never_go_backwards(engine):
    with engine.begin() as conn:
        customer_id = _customer(conn)
    base = dict(
        app_no="A1",
        customer_id=customer_id,
        kind="new",
        capacity_kva=800,
        resident_served=True,
        applied_on=dt.date(2025, 3, 1),
    )
    with pytest.raises(IntegrityError), engine.begin() as conn:
        # skipping stages is allowed, but energized before applied is not
        conn.execute(insert(Application).values(**base, energized_on=dt.date(2025, 2, 1)))
    with engine.begin() as conn:
        conn.execute(insert(Application).values(**base, energized_on=dt.date(2025, 5, 1)))


def test_migrations_match_the_models(engine):
    """Alembic at head describes exactly the ORM models (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
