"""Small helpers shared by test modules (no test module imports another)."""

from __future__ import annotations

from sqlalchemy import inspect, text


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table in the database (the audit trail and calendar too)."""
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {name: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{name}" ORDER BY 1'))] for name in names}


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "[SQL" not in err
    return lines[0]
