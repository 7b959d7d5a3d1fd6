#!/usr/bin/env python
"""The benchmark in one command: data, KPI report, screens (server and browser), memory, naive path.

    python bench/run.py                                   # county, city, province on SQLite
    python bench/run.py --scales province --pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    python bench/run.py --scales county --write-docs      # update the screens part of docs/performance.md

For each scale, on SQLite (bench/out/kpis_<scale>.db) and, with --pg-url and
the server reachable, on PostgreSQL (schema bench_kpis_<scale>), the same
demo data bench/kpis.py uses (seed 2019, until 2026-11-15):

- data: reused when present (and said so), else generated; the generation's
  wall and CPU seconds are kept in bench/out/kpis_<scale>.json when this
  command (or --time-generation, into a scratch file) measured them;
- the database size;
- the `kpis` report for the 12 months ending at the data's last full month
  (bench/kpis.py: best of --repeat runs on fresh connections);
- each screen's server-side render under AppTest, cold and warm
  (bench/screens.py, in a subprocess per database);
- each screen in Chromium against `streamlit run`: time to the first chart,
  opened by its URL and from the menu, first visit and again, and the
  server's peak RSS (bench/browser.py);
- each screen's naive pandas path (bench/naive.py, SQLite; its numbers are
  checked equal to the SQL's) and how many times slower it is than the cold
  render.

Results are merged into bench/out/run_results.json (one entry per scale and
database, with the time it was measured), so a scale can be re-measured on
its own; --write-docs renders every stored entry into the block between
<!-- screens:start --> and <!-- screens:end --> of docs/performance.md
(--docs-only: that without measuring). --time-generation times the demo
generation into a scratch file (the bench databases stay as they are).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text
from sqlalchemy.pool import NullPool

from bench import kpis
from bench import naive as naive_path
from bench.screens import SCREENS
from data_access.db import ensure_schema, make_engine
from data_access.models import WorkLog

OUT = kpis.OUT
RESULTS = OUT / "run_results.json"
DOCS = kpis.DOCS
DOCS_START, DOCS_END = "<!-- screens:start -->", "<!-- screens:end -->"
BACKENDS = ("sqlite", "postgresql")
TARGETS = {"cold": 2.0, "warm": 0.3, "kpis": 2.0, "memory": 1.5 * 2**30, "ratio": 5.0, "browser": 3.0}


# ---- data ------------------------------------------------------------------------------------


def generation_file(scale: str) -> Path:
    return OUT / f"kpis_{scale}.json"


def load_generation(scale: str) -> dict:
    path = generation_file(scale)
    return json.loads(path.read_text()) if path.exists() else {}


def save_generation(scale: str, backend: str, wall: float, cpu: float) -> None:
    record = load_generation(scale)
    record[backend] = {
        "wall": round(wall, 1),
        "cpu": round(cpu, 1),
        "measured": dt.datetime.now().isoformat(" ", "minutes"),
        "seed": kpis.SEED,
        "until": kpis.UNTIL.isoformat(),
    }
    generation_file(scale).write_text(json.dumps(record, indent=1) + "\n")


def work_logs(url: str) -> int:
    engine = make_engine(url, poolclass=NullPool)
    ensure_schema(engine)
    with engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(WorkLog)).scalar()
    engine.dispose()
    return count


def ensure_data(url: str, scale: str, backend: str, reference_logs: int | None = None) -> dict:
    """Reuse the demo at `url` when it is there (same size as SQLite's for PostgreSQL), else generate it."""
    logs = work_logs(url)
    if logs and (reference_logs is None or logs == reference_logs):
        return {"reused": True, **load_generation(scale).get(backend, {})}
    print(f"  generating the {scale} demo on {backend}", file=sys.stderr, flush=True)
    wall, cpu = time.perf_counter(), time.process_time()
    kpis.prepare(url, scale, regenerate=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    save_generation(scale, backend, wall, cpu)
    return {"reused": False, **load_generation(scale)[backend]}


def time_generation(scale: str, pg_base: str | None = None) -> None:
    """Generate the demo into a scratch SQLite file (and, with `pg_base`, a scratch PostgreSQL schema),
    keep the times, drop the scratch data; the bench databases stay as they are."""
    scratch = OUT / f"generation_{scale}.db"
    files = (scratch, Path(f"{scratch}-wal"), Path(f"{scratch}-shm"))
    for path in files:
        path.unlink(missing_ok=True)
    try:
        _time_into(f"sqlite:///{scratch}", scale, "sqlite")
    finally:
        for path in files:
            path.unlink(missing_ok=True)
    if pg_base:
        schema = f"bench_generation_{scale}"
        admin = make_engine(pg_base, poolclass=NullPool)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            _time_into(kpis.pg_url(pg_base, schema), scale, "postgresql")
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


def _time_into(url: str, scale: str, backend: str) -> None:
    work_logs(url)  # the schema, as the bench databases have it before generating
    wall, cpu = time.perf_counter(), time.process_time()
    kpis.prepare(url, scale, regenerate=True)
    save_generation(scale, backend, time.perf_counter() - wall, time.process_time() - cpu)
    print(f"  {scale} on {backend}: generated in {time.perf_counter() - wall:.0f} s", file=sys.stderr, flush=True)


def postgres_url(base: str, scale: str) -> str | None:
    """The bench schema's URL, or None when the server cannot be reached."""
    schema = f"bench_kpis_{scale}"
    try:
        admin = make_engine(base, poolclass=NullPool)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        admin.dispose()
    except Exception as error:  # noqa: BLE001 - any connection failure means "not reachable"
        print(f"  PostgreSQL not reachable ({type(error).__name__}); SQLite only", file=sys.stderr)
        return None
    return kpis.pg_url(base, schema)


# ---- measurements ------------------------------------------------------------------------------


def time_kpis(url: str, repeat: int) -> dict:
    window = kpis.report_window(url)
    wall, cpu, _report = kpis.timed_report(url, window, repeat)
    return {"window": [window.start.isoformat(), window.end.isoformat()], "wall": wall, "cpu": cpu}


def time_screens(url: str, screens, repeat: int) -> dict:
    """bench/screens.py in a subprocess: its caches and memory stay out of the next database's run."""
    command = [
        sys.executable,
        str(ROOT / "bench" / "screens.py"),
        url,
        "--json",
        "--repeat",
        str(repeat),
        "--screens",
        ",".join(screens),
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"bench/screens.py failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def time_browser(url: str, screens) -> dict:
    from bench.browser import time_browser as run

    return run(url, screens)


def time_naive(url: str, screens, check: bool) -> dict:
    view = naive_path.default_view(url)
    found = {}
    for screen in screens:
        result = naive_path.time_naive(url, screen, view)
        if check:
            naive_path.check(url, screen, view, result.pop("numbers"))
        result.pop("numbers", None)
        found[screen] = result
        print(f"  naive {screen}: {result['total']:.2f}s ({result['cpu']:.2f} CPU)", file=sys.stderr, flush=True)
    return {
        "window": [view.window.start.isoformat(), view.window.end.isoformat()],
        "screens": found,
        "checked": check,
        "measured": dt.datetime.now().isoformat(" ", "minutes"),
    }


def measure(url: str, scale: str, backend: str, args, reference_logs: int | None, save=None) -> dict:
    """Every measurement of one scale on one database; `save(entry)` after each step (a later
    failure keeps what was measured)."""
    save = save or (lambda entry: None)
    screens = args.screens.split(",")
    entry = {
        "scale": scale,
        "backend": backend,
        "measured": dt.datetime.now().isoformat(" ", "minutes"),
        "load_before": os.getloadavg()[0],
        "load_after": None,
    }
    entry["data"] = ensure_data(url, scale, backend, reference_logs)
    size = kpis.data_size(url)
    entry["size"], entry["work_logs"] = size["bytes"], size["rows"]["work_logs"]
    entry["kpis"] = time_kpis(url, args.repeat)
    print(f"{scale} {backend}: kpis {entry['kpis']['wall']:.2f}s", file=sys.stderr, flush=True)
    save(entry)
    entry["screens"] = time_screens(url, screens, args.screen_repeat)
    print(f"{scale} {backend}: screens done", file=sys.stderr, flush=True)
    save(entry)
    if not args.skip_browser:
        entry["browser"] = time_browser(url, screens)
        print(f"{scale} {backend}: browser done", file=sys.stderr, flush=True)
        save(entry)
    if backend == "sqlite" and not args.skip_naive:
        entry["naive"] = time_naive(url, screens, not args.no_check)
    entry["load_after"] = os.getloadavg()[0]
    save(entry)
    return entry


# ---- results and the docs -----------------------------------------------------------------------


def load_results() -> dict:
    return json.loads(RESULTS.read_text()) if RESULTS.exists() else {}


def save_result(entry: dict) -> None:
    results = load_results()
    key = f"{entry['scale']}/{entry['backend']}"
    results[key] = {**results.get(key, {}), **entry}  # a step skipped this time keeps its earlier figures
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def s(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def mib(value: float | None) -> str:
    return "–" if value is None else f"{value / 2**20:,.0f} MiB"


def _generation(entry: dict) -> str:
    data = {**entry["data"], **load_generation(entry["scale"]).get(entry["backend"], {})}
    if "wall" not in data:
        return "reused (its generation was not timed)"
    timed = f"{data['wall']:.0f} s ({data['cpu']:.0f} CPU, {data['measured'][:10]})"
    return f"reused; generation took {timed}" if data["reused"] else f"generated now: {timed}"


def _load(entry: dict) -> str:
    after = entry.get("load_after")
    return f"{entry['load_before']:.1f}" + (f" → {after:.1f}" if after is not None else " (unfinished)")


def _screen_row(screen: str, by_backend: dict) -> str:
    """Server side: AppTest cold and warm per database, the naive path and the ratio."""
    cells = [screen]
    for backend in BACKENDS:
        entry = by_backend.get(backend)
        timing = entry["screens"]["screens"].get(screen) if entry and "screens" in entry else None
        if timing is None:
            cells += ["–", "–"]
            continue
        cpu = backend == "sqlite"  # PostgreSQL's own CPU is in the server, not in this process
        cells += [
            s(timing["cold"][0]) + (f" ({s(timing['cold'][1])})" if cpu else ""),
            s(timing["warm"][0]) + (f" ({s(timing['warm'][1])})" if cpu else ""),
        ]
    sqlite = by_backend.get("sqlite")
    naive = sqlite.get("naive", {}).get("screens", {}).get(screen) if sqlite else None
    if naive:
        cold = sqlite["screens"]["screens"][screen]["cold"]
        cells += [
            f"{s(naive['total'])} ({s(naive['cpu'])})",
            f"{naive['total'] / cold[0]:.1f}× ({naive['cpu'] / cold[1]:.1f}×)",
        ]
    else:
        cells += ["–", "–"]
    return "| " + " | ".join(cells) + " |"


def _pair(visits: dict, first: str, again: str, key: str = "seconds") -> str:
    if first not in visits or key not in visits[first]:
        return "–"
    return f"{s(visits[first][key])} / {s(visits[again][key])}"


def _browser_row(screen: str, by_backend: dict) -> str:
    """Browser: first chart by URL and from the menu, first / again; the screen complete by URL; the CPU
    of the first visit by URL."""
    cells = [screen]
    for backend in BACKENDS:
        entry = by_backend.get(backend)
        visits = entry.get("browser", {}).get("screens", {}).get(screen) if entry else None
        if not visits:
            cells += ["–", "–", "–", "–"]
            continue
        first = visits["first"]
        cells += [
            _pair(visits, "first", "again"),
            _pair(visits, "menu", "menu_again"),
            _pair(visits, "first", "again", "complete"),
            f"{s(first['server_cpu'], 1)} / {s(first.get('browser_cpu'), 1)}",
        ]
    return "| " + " | ".join(cells) + " |"


def _status(ok_wall: bool, ok_cpu: bool | None = None) -> str:
    if ok_wall:
        return "met"
    return "missed (met in CPU time: the machine's load)" if ok_cpu else "**missed**"


def target_lines(entry: dict) -> list[str]:
    """The targets at province scale on SQLite, each met or missed."""
    screens = entry["screens"]["screens"]
    lines = []
    worst_cold = max(screens, key=lambda k: screens[k]["cold"][0])
    worst_warm = max(screens, key=lambda k: screens[k]["warm"][0])
    lines.append(
        f"- every screen cold under {TARGETS['cold']} s: "
        + _status(
            screens[worst_cold]["cold"][0] < TARGETS["cold"],
            all(v["cold"][1] < TARGETS["cold"] for v in screens.values()),
        )
        + f" (slowest: {worst_cold} {s(screens[worst_cold]['cold'][0])} s, "
        f"{s(screens[worst_cold]['cold'][1])} CPU)"
    )
    lines.append(
        f"- every screen warm under {TARGETS['warm']} s: "
        + _status(
            screens[worst_warm]["warm"][0] < TARGETS["warm"],
            all(v["warm"][1] < TARGETS["warm"] for v in screens.values()),
        )
        + f" (slowest: {worst_warm} {s(screens[worst_warm]['warm'][0])} s, "
        f"{s(screens[worst_warm]['warm'][1])} CPU)"
    )
    lines.append(
        f"- `kpis` under {TARGETS['kpis']} s: "
        + _status(entry["kpis"]["wall"] < TARGETS["kpis"], entry["kpis"]["cpu"] < TARGETS["kpis"])
        + f" ({s(entry['kpis']['wall'])} s, {s(entry['kpis']['cpu'])} CPU)"
    )
    browser = entry.get("browser")
    if browser:
        lines.append(
            f"- server peak memory under {TARGETS['memory'] / 2**30:g} GiB: "
            + _status(browser["peak_rss"] < TARGETS["memory"])
            + f" ({mib(browser['peak_rss'])} RSS)"
        )
        visits = browser["screens"]
        for visit, how in (("first", "by URL"), ("menu", "from the menu")):
            timed = {screen: v[visit]["seconds"] for screen, v in visits.items() if visit in v}
            if timed:
                worst = max(timed, key=timed.get)
                lines.append(
                    f"- first chart in the browser under {TARGETS['browser']} s, first visit {how}: "
                    + _status(timed[worst] < TARGETS["browser"])
                    + f" (slowest: {worst} {s(timed[worst])} s)"
                )
        complete = {screen: v["first"]["complete"] for screen, v in visits.items() if "complete" in v.get("first", {})}
        if complete:
            worst = max(complete, key=complete.get)
            lines.append(
                f"- (not a target) whole screen drawn and idle, first visit by URL: slowest {worst} "
                f"{s(complete[worst])} s"
            )
    naive = entry.get("naive", {}).get("screens")
    if naive:
        ratios = {
            k: (naive[k]["total"] / screens[k]["cold"][0], naive[k]["cpu"] / screens[k]["cold"][1])
            for k in naive
            if k in screens
        }
        worst = min(ratios, key=lambda k: ratios[k][0])
        lines.append(
            f"- each screen at least {TARGETS['ratio']:g}× faster than its naive path: "
            + _status(
                ratios[worst][0] >= TARGETS["ratio"], all(cpu >= TARGETS["ratio"] for _wall, cpu in ratios.values())
            )
            + f" (lowest: {worst} {ratios[worst][0]:.1f}×, {ratios[worst][1]:.1f}× in CPU time)"
        )
    return lines


EXPLANATION = (
    "Each screen on its default window (the last full quarter of the data; the meeting agenda on "
    "today's date), logged in as the leader. **Cold**: Streamlit's data cache emptied, a fresh "
    "AppTest session; **warm**: the same session run again (cached reads, every element drawn "
    "again); best of the runs, wall seconds with the process's CPU seconds in brackets on SQLite "
    "(SQLite runs in the process, so its CPU time is the query's own cost and does not grow with "
    "the machine's load). **Browser**: Chromium against `streamlit run`, from the click or the "
    "navigation's start to the first chart drawn by this run (meeting and needs: the first table; "
    "Streamlit draws elements as the script produces them), and to the whole screen drawn with the "
    "app idle (*complete*). *By URL*: each screen's link opened (a full page load: Streamlit's scripts again, a new "
    "session logged in from the cookie), first visit / again; *from the menu*: the sidebar link "
    "clicked on the previous screen (the same session; on a second fresh server), first visit / "
    "again; CPU seconds of the server (srv) and of Chromium with playwright's driver (chr) for the "
    "first visit by URL. **Naive**: the tables the screen needs read whole into pandas and its main "
    "numbers computed in Python (bench/naive.py; checked equal to the SQL's), and how many times "
    "slower that is than the cold render (wall; CPU)."
)


def markdown(results: dict, command: str) -> str:
    scales = [scale for scale in kpis.SCALES if any(key.startswith(scale + "/") for key in results)]
    lines = [
        DOCS_START,
        "## Screens, browser and memory (`bench/run.py`)",
        "",
        f"Regenerate: `{command}`",
        "",
        f"Machine: {kpis.machine()}.",
        "",
        EXPLANATION,
        "",
    ]
    lines += [
        (
            "| scale | database | data | size | work_logs | `kpis`, 12 months | server peak RSS (without file pages) | "
            "login (browser) | load avg | measured |"
        ),
        "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for scale in scales:
        for backend in BACKENDS:
            entry = results.get(f"{scale}/{backend}")
            if not entry:
                continue
            browser = entry.get("browser", {})
            kpis_cell = f"{s(entry['kpis']['wall'])} s" + (
                f" ({s(entry['kpis']['cpu'])})" if backend == "sqlite" else ""
            )
            memory = mib(browser.get("peak_rss")) + (
                f" ({mib(browser['peak_anon'])})" if "peak_anon" in browser else ""
            )
            lines.append(
                f"| {scale} | {backend} | {_generation(entry)} | {mib(entry['size'])} | "
                f"{entry['work_logs']:,} | {kpis_cell} | {memory} | "
                f"{s(browser.get('login'))} s | {_load(entry)} | "
                f"{entry['measured']} |"
            )
    for scale in scales:
        by_backend = {b: results[f"{scale}/{b}"] for b in BACKENDS if f"{scale}/{b}" in results}
        window = next(iter(by_backend.values()))["naive"]["window"] if "naive" in by_backend.get("sqlite", {}) else None
        shown = [
            screen
            for screen in SCREENS
            if any(screen in e.get("screens", {}).get("screens", {}) for e in by_backend.values())
        ]
        lines += [
            "",
            f"**{scale}**" + (f" (window {window[0]} – {window[1]})" if window else "") + ", server side, seconds:",
            "",
            (
                "| screen | SQLite cold | SQLite warm | PostgreSQL cold | PostgreSQL warm | naive (SQLite) | "
                "naive ÷ cold |"
            ),
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [_screen_row(screen, by_backend) for screen in shown]
        if any("browser" in e for e in by_backend.values()):
            lines += [
                "",
                (
                    f"**{scale}**, browser, seconds to the first chart (first visit / again), and to the "
                    "whole screen drawn (complete, by URL):"
                ),
                "",
                (
                    "| screen | SQLite by URL | SQLite from the menu | SQLite complete | SQLite CPU srv / chr | "
                    "PostgreSQL by URL | PostgreSQL from the menu | PostgreSQL complete | PostgreSQL CPU srv / chr |"
                ),
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            lines += [_browser_row(screen, by_backend) for screen in shown]
    province = results.get("province/sqlite")
    if province:
        lines += ["", "Targets at province scale on SQLite (2 cores):", ""] + target_lines(province)
    lines += ["", DOCS_END]
    return "\n".join(lines)


def write_docs(section: str) -> None:
    existing = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Performance\n"
    if DOCS_START in existing and DOCS_END in existing:
        before, rest = existing.split(DOCS_START, 1)
        text_out = before + section + rest.split(DOCS_END, 1)[1]
    else:
        text_out = existing.rstrip("\n") + "\n\n" + section + "\n"
    DOCS.write_text(text_out, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default=",".join(kpis.SCALES), help="comma-separated: county,city,province")
    parser.add_argument("--pg-url", help="PostgreSQL server URL; the data goes to schema bench_kpis_<scale>")
    parser.add_argument("--screens", default=",".join(SCREENS))
    parser.add_argument("--repeat", type=int, default=3, help="runs of the kpis report (the best is kept)")
    parser.add_argument("--screen-repeat", type=int, default=3, help="cold and warm runs per screen")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--no-check", action="store_true", help="do not check the naive numbers against the SQL")
    parser.add_argument(
        "--time-generation",
        action="store_true",
        help="time the demo generation into a scratch SQLite file (data already there is kept)",
    )
    parser.add_argument("--write-docs", action="store_true", help="replace the screens block of docs/performance.md")
    parser.add_argument(
        "--docs-only",
        action="store_true",
        help="measure nothing: render the stored results (bench/out/run_results.json)",
    )
    args = parser.parse_args(argv)
    # Stopped with SIGTERM: leave through the context managers, so the streamlit server stops too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    OUT.mkdir(parents=True, exist_ok=True)
    scales = args.scales.split(",")
    unknown = set(scales) - set(kpis.SCALES)
    if unknown:
        parser.error(f"unknown scale(s): {', '.join(sorted(unknown))}")
    if args.time_generation:
        for scale in scales:
            time_generation(scale, args.pg_url)
    for scale in [] if args.docs_only else scales:
        sqlite_url = f"sqlite:///{OUT / f'kpis_{scale}.db'}"
        entry = measure(sqlite_url, scale, "sqlite", args, None, save_result)
        if args.pg_url:
            url = postgres_url(args.pg_url, scale)
            if url:
                measure(url, scale, "postgresql", args, entry["work_logs"], save_result)

    command = (
        "python bench/run.py --scales county,city,province"
        + (f" --pg-url {args.pg_url}" if args.pg_url else "")
        + " --write-docs"
    )
    section = markdown(load_results(), command)
    print(section)
    if args.write_docs:
        write_docs(section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
