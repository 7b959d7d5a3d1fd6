#!/usr/bin/env python
"""Benchmark of `manage.py kpis`: time per KPI area at county, city and province scale.

For each scale the demo data (data_access.demo.generate_demo, fixed seed and
end date) is generated once into bench/out/kpis_<scale>.db (and, with
--pg-url, into the PostgreSQL schema bench_kpis_<scale>). The window is the
12 months ending at the data's last full month. Each KPI area and the whole
report are timed on a fresh connection (cold SQLite page cache, warm OS
cache); the median of --repeat runs is shown.

The naive path reads whole tables into pandas and computes the manager-side
KPIs day by day in Python. It is the yardstick only (never use it in the
app) and must give the same numbers as the SQL: the bench asserts it, and
asserts that SQLite and PostgreSQL give the same report.

    python bench/kpis.py                                  # all scales, SQLite
    python bench/kpis.py --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/kpis.py --scales county --write-docs     # update docs/performance.md
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool

from data_access.db import ensure_schema, make_engine
from data_access.models import WorkLog
from data_access.settings import load_settings
from metrics.report import SECTIONS, build_report, build_report_parallel
from metrics.window import Window

OUT = ROOT / "bench" / "out"
DOCS = ROOT / "docs" / "performance.md"
SCALES = ("county", "city", "province")
SEED = 2019
UNTIL = dt.date(2026, 11, 15)  # fixed: the same data on every run
BIG_TABLES = (
    "work_logs",
    "consumption",
    "customers",
    "applications",
    "expert_calls",
    "monthly_plans",
    "postings",
    "training",
    "managers",
    "experts",
)
NAIVE_AREAS = ("attendance", "log_completeness", "problem_closure", "training", "monthly_plans")
TARGET_AREA, TARGET_REPORT = 0.7, 2.0
WORKERS = 2  # connections side by side, as manage.py kpis (metrics.report.build_report_parallel)
DOCS_START, DOCS_END = "<!-- kpis:start -->", "<!-- kpis:end -->"


# ---- data ----------------------------------------------------------------------


def pg_url(base: str, schema: str) -> str:
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options={quote(f'-csearch_path={schema}')}"


def prepare(url: str, scale: str, regenerate: bool, reference_logs: int | None = None) -> None:
    """Generate the demo into `url` unless it already holds it."""
    from data_access.demo import generate_demo

    engine = make_engine(url)
    ensure_schema(engine)
    with engine.connect() as conn:
        logs = conn.execute(select(func.count()).select_from(WorkLog)).scalar()
    if regenerate or not logs or (reference_logs is not None and logs != reference_logs):
        started = time.perf_counter()
        counts = generate_demo(engine, scale, seed=SEED, until=UNTIL, progress=_progress(scale))
        print(
            f"  generated {scale}: {counts['work_logs']:,} logs in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
        )
    engine.dispose()


def _progress(scale: str):
    last = [-1.0]

    def report(step: str, fraction: float) -> None:
        if fraction - last[0] >= 0.1 or fraction >= 1:
            last[0] = fraction
            print(f"  demo {scale}: {fraction:4.0%} {step}", file=sys.stderr, flush=True)

    return report


def data_size(url: str) -> dict:
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        rows = {table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() for table in BIG_TABLES}
        if url.startswith("sqlite"):
            size = Path(url.split("///", 1)[1]).stat().st_size
        else:
            size = conn.execute(
                text(
                    "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
                )
            ).scalar()
    engine.dispose()
    return {"rows": rows, "bytes": int(size)}


def report_window(url: str) -> Window:
    """The 12 months ending at the last full month of the work logs."""
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        last = conn.execute(select(func.max(WorkLog.date))).scalar()
    engine.dispose()
    end = last if (last + dt.timedelta(days=1)).day == 1 else last.replace(day=1) - dt.timedelta(days=1)
    start_month = end.month - 11
    start = dt.date(end.year + (start_month - 1) // 12, (start_month - 1) % 12 + 1, 1)
    return Window(start, end)


# ---- timing ----------------------------------------------------------------------


def timed(url: str, work, repeat: int) -> tuple[float, float, object]:
    """(best wall seconds, best process CPU seconds, last result) over fresh connections.

    The best of the runs, not the median: on a shared machine the slower runs
    measure the other processes' load rather than the query.
    """
    engine = make_engine(url, poolclass=NullPool)
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        with engine.connect() as conn:
            settings = load_settings(conn)
            wall, cpu = time.perf_counter(), time.process_time()
            result = work(conn, settings)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    engine.dispose()
    return min(walls), min(cpus), result


def timed_report(
    url: str, window: Window, repeat: int, keys: tuple[str, ...] | None = None, workers: int = WORKERS
) -> tuple[float, float, dict]:
    """(best wall, best process CPU, last report) of the report as `manage.py kpis` computes it: the
    sections' queries side by side on `workers` fresh connections (metrics.report.build_report_parallel);
    `keys` times some sections only. CPU counts every thread, so it can exceed the wall time."""
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        settings = load_settings(conn)
    walls, cpus, report = [], [], {}
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        report = build_report_parallel(engine, window, settings, workers=workers, keys=keys)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    engine.dispose()
    return min(walls), min(cpus), report


def time_sql(url: str, window: Window, repeat: int) -> tuple[dict, dict]:
    """Seconds per area and for the whole report (as `manage.py kpis` runs them, and on one connection
    in sequence), and the report."""
    times = {}
    for key, _module, _function in SECTIONS:
        times[key] = timed_report(url, window, repeat, keys=(key,))[:2]
    wall, cpu, report = timed_report(url, window, repeat)
    times["report"] = (wall, cpu)
    wall, cpu, sequential = timed(url, lambda conn, settings: build_report(conn, window, settings), repeat)
    assert sequential == report, "the parallel report differs from the sequential one"
    times["report_sequential"] = (wall, cpu)
    return times, report


# ---- the naive yardstick ---------------------------------------------------------------


def read_tables(url: str) -> dict[str, pd.DataFrame]:
    """Whole tables into pandas: exactly what the app must never do."""
    engine = make_engine(url, poolclass=NullPool)
    queries = {
        "managers": "SELECT id, employee_no FROM managers",
        "postings": "SELECT manager_id, start_date, end_date FROM postings",
        "logs": "SELECT manager_id, date, on_site, problems, status FROM work_logs",
        "calendar": "SELECT date, is_workday FROM calendar_days",
        "training": "SELECT manager_id, date, hours, kind FROM training",
        "assessments": "SELECT manager_id, date, passed FROM assessments",
        "plans": "SELECT manager_id, month, submitted_on FROM monthly_plans",
    }
    with engine.connect() as conn:
        frames = {name: pd.read_sql(text(sql), conn) for name, sql in queries.items()}
    engine.dispose()
    for frame in frames.values():
        for column in ("date", "start_date", "end_date", "month", "submitted_on"):
            if column in frame:
                frame[column] = pd.to_datetime(frame[column])
    for name, column in (("logs", "on_site"), ("calendar", "is_workday"), ("assessments", "passed")):
        frames[name][column] = frames[name][column].astype(bool)
    return frames


def posted_days(postings: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Every (manager_id, date) in [first, last] on which a posting covers the manager."""
    lo, hi = pd.Timestamp(first), pd.Timestamp(last)
    rows = postings[(postings.start_date <= hi) & (postings.end_date.isna() | (postings.end_date >= lo))].copy()
    rows["lo"] = rows.start_date.clip(lower=lo)
    rows["hi"] = rows.end_date.fillna(hi).clip(upper=hi)
    rows["date"] = [pd.date_range(a, b) for a, b in zip(rows.lo, rows.hi)]
    return rows[["manager_id", "date"]].explode("date").drop_duplicates().astype({"date": "datetime64[ns]"})


def naive(frames: dict[str, pd.DataFrame], window: Window, settings: dict) -> dict:
    ids = frames["managers"].set_index("id").employee_no
    calendar = frames["calendar"]
    workdays = set(calendar.loc[calendar.is_workday, "date"])
    logs = frames["logs"]
    result = {}

    # Attendance: weeks wholly inside the window.
    first = window.start + dt.timedelta(days=(7 - window.start.weekday()) % 7)
    last = window.end - dt.timedelta(days=(window.end.weekday() + 1) % 7)
    if first < last:
        days = posted_days(frames["postings"], first, last)
        days["week"] = days.date - pd.to_timedelta(days.date.dt.day_of_week, unit="D")
        days["workday"] = days.date.isin(workdays)
        on_site = logs[logs.on_site & logs.date.between(pd.Timestamp(first), pd.Timestamp(last))]
        on_site = on_site[["manager_id", "date"]].drop_duplicates()
        days = days.merge(on_site.assign(on_site=True), on=["manager_id", "date"], how="left")
        weeks = days.groupby(["manager_id", "week"]).agg(posted=("workday", "sum"), on_site=("on_site", "count"))
        weeks["required"] = weeks.posted.clip(upper=int(settings["min_onsite_days"]))
        weeks = weeks[weeks.required >= 1]
        weeks["compliant"] = weeks.on_site >= weeks.required
        per_manager = weeks.groupby(level=0).agg(due=("required", "size"), compliant=("compliant", "sum"))
    else:
        per_manager = pd.DataFrame(columns=["due", "compliant"])
    by_manager = sorted(
        (
            {"employee_no": ids[m], "due": int(r.due), "compliant": int(r.compliant), "rate": r.compliant / r.due}
            for m, r in per_manager.iterrows()
        ),
        key=lambda row: row["employee_no"],
    )
    due, compliant = int(per_manager.due.sum()), int(per_manager.compliant.sum())
    result["attendance"] = {
        "due": due,
        "compliant": compliant,
        "rate": compliant / due if due else None,
        "by_manager": by_manager,
    }

    # Log completeness: (manager, workday) pairs while posted.
    days = posted_days(frames["postings"], window.start, window.end)
    days = days[days.date.isin(workdays)]
    logged = logs[["manager_id", "date"]].drop_duplicates()
    posted_count = len(days)
    logged_count = len(days.merge(logged, on=["manager_id", "date"]))
    result["log_completeness"] = {
        "posted_workdays": posted_count,
        "logged_workdays": logged_count,
        "rate": logged_count / posted_count if posted_count else None,
    }

    # Problem closure.
    in_window = logs[logs.date.between(pd.Timestamp(window.start), pd.Timestamp(window.end))]
    problems = in_window[in_window.problems.fillna("").str.strip() != ""]
    closed = int((problems.status == "done").sum())
    result["problem_closure"] = {
        "with_problems": len(problems),
        "closed": closed,
        "rate": closed / len(problems) if len(problems) else None,
    }

    # Training before the first posting.
    first_start = frames["postings"].groupby("manager_id").start_date.min()
    first_start = first_start[first_start <= pd.Timestamp(window.end)]
    training = frames["training"].merge(first_start.rename("first"), left_on="manager_id", right_index=True)
    training = training[training.date <= training["first"]]
    total = training.groupby("manager_id").hours.sum()
    skill = training[training.kind == "skill"].groupby("manager_id").hours.sum()
    assessments = frames["assessments"].merge(first_start.rename("first"), left_on="manager_id", right_index=True)
    passed = set(assessments[(assessments.date <= assessments["first"]) & assessments.passed].manager_id)
    non_compliant = []
    for manager_id in first_start.index:
        hours, skill_hours = total.get(manager_id, 0.0), skill.get(manager_id, 0.0)
        ok = (
            hours >= settings["min_training_hours"] - 1e-9
            and hours > 0
            and skill_hours >= settings["min_skill_share"] * hours - 1e-9
            and manager_id in passed
        )
        if not ok:
            non_compliant.append(ids[manager_id])
    managers = len(first_start)
    result["training"] = {
        "managers": managers,
        "compliant": managers - len(non_compliant),
        "rate": (managers - len(non_compliant)) / managers if managers else None,
        "non_compliant": sorted(non_compliant),
    }

    # Monthly plans: months wholly inside the window.
    first_month = (
        window.start if window.start.day == 1 else (window.start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    )
    last_day = (
        window.end if (window.end + dt.timedelta(days=1)).day == 1 else window.end.replace(day=1) - dt.timedelta(days=1)
    )
    due = on_time = 0
    if first_month < last_day:
        days = posted_days(frames["postings"], first_month, last_day)
        days = days[days.date.isin(workdays)]
        months = days.assign(month=days.date.dt.to_period("M").dt.to_timestamp())[["manager_id", "month"]]
        months = months.drop_duplicates().merge(frames["plans"], on=["manager_id", "month"], how="left")
        deadline = months.month + pd.to_timedelta(int(settings["plan_deadline_day"]) - 1, unit="D")
        due, on_time = len(months), int((months.submitted_on <= deadline).sum())
    result["monthly_plans"] = {"due": due, "on_time": on_time, "rate": on_time / due if due else None}
    return result


def time_naive(url: str, window: Window) -> tuple[dict, dict]:
    engine = make_engine(url, poolclass=NullPool)
    with engine.connect() as conn:
        settings = load_settings(conn)
    engine.dispose()
    started = time.perf_counter()
    frames = read_tables(url)
    read = time.perf_counter() - started
    started = time.perf_counter()
    numbers = naive(frames, window, settings)
    return {"read": read, "compute": time.perf_counter() - started}, numbers


# ---- comparison and output ---------------------------------------------------------------


def same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip() or "n/a"
    load = os.getloadavg()
    return (
        f"{os.cpu_count()} cores (`nproc` {os.cpu_count()}), {memory:.0f} GiB RAM, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {pg}; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
        "(a shared machine: other engineers' tests ran at the same time)"
    )


def markdown(results: list[dict], command: str) -> str:
    areas = [key for key, _module, _function in SECTIONS] + ["report", "report_sequential"]
    backends = [b for b in ("sqlite", "postgresql") if any(b in r["times"] for r in results)]
    lines = [
        DOCS_START,
        "## KPI report (`manage.py kpis`)",
        "",
        f"Regenerate: `{command}`",
        "",
        f"Machine: {machine()}.",
        "",
        (
            "Demo data from `data_access.demo.generate_demo` (seed 2019, until 2026-11-15); "
            "window = the 12 months ending at the data's last full month. Each figure is the "
            "best wall time of the runs, each on fresh connections (cold SQLite page cache, warm "
            "OS cache); SQLite CPU time in brackets (the process's own CPU, robust to other load). "
            f"Areas and the whole report run as `manage.py kpis` runs them: the sections' queries "
            f"(the needs area is three: demand rules, surge, direct trading) side by side on {WORKERS} "
            "connections (`metrics.report.build_report_parallel`), so the CPU time, summed over the "
            "threads, can exceed the wall time; the last row is the same report on one connection in "
            "sequence (`build_report`), asserted equal. "
            f"Targets: every area under {TARGET_AREA} s, the whole report under {TARGET_REPORT} s "
            "(aim 1 s) at province scale on SQLite; PostgreSQL no slower."
        ),
        "",
    ]
    lines += [
        "| scale | window | "
        + " | ".join(f"{t} rows" for t in ("work_logs", "consumption", "customers", "postings", "managers"))
        + " | SQLite size | PostgreSQL size |",
        "|---|---|" + "---:|" * 7,
    ]
    for r in results:
        rows = r["size"]["sqlite"]["rows"]
        pg_size = r["size"].get("postgresql", {}).get("bytes")
        lines.append(
            f"| {r['scale']} | {r['window'].start} – {r['window'].end} | "
            + " | ".join(f"{rows[t]:,}" for t in ("work_logs", "consumption", "customers", "postings", "managers"))
            + f" | {r['size']['sqlite']['bytes'] / 2**20:,.0f} MiB | "
            + (f"{pg_size / 2**20:,.0f} MiB |" if pg_size else "– |")
        )
    lines += ["", "Seconds per KPI area:", ""]
    header = "| area | " + " | ".join(f"{r['scale']} {b}" for r in results for b in backends) + " |"
    lines += [header, "|---|" + "---:|" * (len(results) * len(backends))]
    for area in areas:
        cells = []
        for r in results:
            for b in backends:
                wall, cpu = r["times"][b][area] if b in r["times"] else (None, None)
                cell = "–" if wall is None else f"{wall:.3f}" + (f" ({cpu:.3f})" if b == "sqlite" else "")
                cells.append(f"**{cell}**" if area == "report" else cell)
        label = {"report": "**whole report**", "report_sequential": "whole report, one connection in sequence"}
        lines.append(f"| {label.get(area, area)} | " + " | ".join(cells) + " |")
    lines += [
        "",
        (
            "Naive yardstick (whole tables into pandas, computed day by day in Python; the five "
            "manager-side areas only, SQLite; asserted equal to the SQL numbers):"
        ),
        "",
        "| scale | read tables | compute | total | SQL, same five areas |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        n = r["naive"]
        sql = sum(r["times"]["sqlite"][a][0] for a in NAIVE_AREAS)
        lines.append(
            f"| {r['scale']} | {n['read']:.2f} | {n['compute']:.2f} | {n['read'] + n['compute']:.2f} | {sql:.2f} |"
        )
    lines += ["", DOCS_END]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    existing = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
    if DOCS_START in existing and DOCS_END in existing:
        before, rest = existing.split(DOCS_START, 1)
        after = rest.split(DOCS_END, 1)[1]
        text_out = before + section + after
    else:
        text_out = existing.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(text_out, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", nargs="+", choices=SCALES, default=list(SCALES))
    parser.add_argument("--pg-url", help="PostgreSQL server URL; the data goes to schema bench_kpis_<scale>")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--regenerate", action="store_true", help="generate the demo data again")
    parser.add_argument("--write-docs", action="store_true", help="replace the kpis part of docs/performance.md")
    args = parser.parse_args(argv)

    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for scale in args.scales:
        urls = {"sqlite": f"sqlite:///{OUT / f'kpis_{scale}.db'}"}
        prepare(urls["sqlite"], scale, args.regenerate)
        size = {"sqlite": data_size(urls["sqlite"])}
        if args.pg_url:
            schema = f"bench_kpis_{scale}"
            admin = make_engine(args.pg_url, poolclass=NullPool)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            admin.dispose()
            urls["postgresql"] = pg_url(args.pg_url, schema)
            prepare(urls["postgresql"], scale, args.regenerate, size["sqlite"]["rows"]["work_logs"])
            size["postgresql"] = data_size(urls["postgresql"])
        window = report_window(urls["sqlite"])
        times, reports = {}, {}
        for backend, url in urls.items():
            times[backend], reports[backend] = time_sql(url, window, args.repeat)
            print(
                f"{scale} {backend}: " + "  ".join(f"{k} {w:.3f}" for k, (w, _c) in times[backend].items()), flush=True
            )
        if "postgresql" in reports:
            assert same(reports["sqlite"], reports["postgresql"]), "SQLite and PostgreSQL reports differ"
        naive_times, naive_numbers = time_naive(urls["sqlite"], window)
        for area in NAIVE_AREAS:
            assert same(naive_numbers[area], reports["sqlite"][area]), f"naive {area} differs from SQL"
        print(
            f"{scale} naive: read {naive_times['read']:.2f}s compute {naive_times['compute']:.2f}s "
            "(same numbers as SQL)",
            flush=True,
        )
        results.append({"scale": scale, "window": window, "size": size, "times": times, "naive": naive_times})

    command = "python bench/kpis.py " + " ".join(
        (["--scales", *args.scales] if args.scales != list(SCALES) else [])
        + (["--pg-url", args.pg_url] if args.pg_url else [])
        + ["--repeat", str(args.repeat), "--write-docs"]
    )
    section = markdown(results, command)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
