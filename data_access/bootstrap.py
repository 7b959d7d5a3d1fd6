"""First start: the embedded database gets the county demo once, so a newcomer sees data."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from data_access.db import get_engine, is_default_database
from data_access.models import Manager


def app_engine() -> Engine:
    """The app's engine; on the default SQLite file with no data, load the county demo."""
    engine = get_engine()
    if is_default_database():
        with engine.connect() as conn:
            empty = not conn.execute(select(func.count()).select_from(Manager)).scalar()
        if empty:
            from data_access.demo import generate_demo

            generate_demo(engine, "county", seed=2019)
    return engine
