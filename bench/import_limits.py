#!/usr/bin/env python
"""Time and memory of importing the hostile files of tests/hostile_files.py, one process each.

    python bench/import_limits.py                        # this code
    python bench/import_limits.py --root /path/to/main   # another checkout's importer (before/after)
    python bench/import_limits.py --only blank_row_bomb.xlsx huge_shared_cell.xlsx --timeout 300

Each file is imported by `tests/hostile_files.py` in a fresh process (code from --root) into a
fresh SQLite database; the line printed per file is: wall seconds, the peak resident memory of
that process while importing (sampled every 5 ms), and how it ended (committed, its first
problem, an exception, or killed at --timeout). Two legitimate workbooks are added for
the cost of the limits on real data: 100,000 customers, and 100,000 consumption rows.
Files live in bench/out/hostile/ (built once; --rebuild to build again).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.hostile_files import WORKER_ENV, build_all, row_xml, write_package  # noqa: E402

OUT = ROOT / "bench" / "out"
FILES = OUT / "hostile"


def legit_workbooks(folder: Path) -> list[str]:
    """100,000 customers; 100,000 consumption rows of 1,000 customers (both sheets in one file)."""
    customers = [row_xml(1, ["account_no", "name", "voltage_kv", "capacity_kva", "annual_kwh"])]
    customers += [row_xml(n, [f"B{n:06d}", f"基准客户{n}", 10, 800, 2_000_000]) for n in range(2, 100_002)]
    write_package(folder / "legit_100k_customers.xlsx", customers)
    consumption = [row_xml(1, ["account_no", "month", "kwh", "max_demand_kw"])]
    consumption += [
        row_xml(
            n,
            [
                f"B{(n - 2) % 1_000 + 2:06d}",
                f"{2000 + (n - 2) // 12_000}-{(n - 2) // 1_000 % 12 + 1:02d}",
                150_000 + n,
                600,
            ],
        )
        for n in range(2, 100_002)
    ]
    write_package(folder / "legit_100k_consumption.xlsx", consumption, title="consumption")
    return ["legit_100k_customers.xlsx", "legit_100k_consumption.xlsx"]


def measure(root: Path, name: str, timeout: float) -> dict:
    database = OUT / "hostile_bench.db"
    for stale in OUT.glob("hostile_bench.db*"):
        stale.unlink()
    setup = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from data_access.db import ensure_schema, make_engine;"
        "ensure_schema(make_engine(sys.argv[2]))"
    )
    subprocess.run([sys.executable, "-c", setup, str(root), f"sqlite:///{database}"], check=True)
    if name == "legit_100k_consumption.xlsx":  # its customers first
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests" / "hostile_files.py"),
                str(FILES),
                f"sqlite:///{database}",
                str(root),
                "legit_100k_customers.xlsx",
            ],
            check=True,
            capture_output=True,
            env={**os.environ, **WORKER_ENV, "DASHBOARD_IMPORT_MAX_ROWS": "2000000"},
        )
    started = time.perf_counter()
    try:
        run = subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests" / "hostile_files.py"),
                str(FILES),
                f"sqlite:///{database}",
                str(root),
                name,
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "DASHBOARD_IMPORT_MAX_ROWS": "2000000"},
        )
    except subprocess.TimeoutExpired:
        return {
            "name": name,
            "seconds": round(time.perf_counter() - started, 1),
            "peak_mb": None,
            "ended": f"killed after {timeout:.0f} s",
        }
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    if not lines or lines[0]["name"] != name:
        return {
            "name": name,
            "seconds": round(time.perf_counter() - started, 1),
            "peak_mb": None,
            "ended": f"worker failed: {run.stderr.strip().splitlines()[-1][:120] if run.stderr.strip() else run.returncode}",
        }
    result = lines[0]
    if "exception" in result:
        ended = "traceback: " + result["exception"][:90]
    elif result["committed"]:
        ended = "imported"
    else:
        ended = result["problems"][0][:110]
    return {"name": name, "seconds": result["seconds"], "peak_mb": result["peak_mb"], "ended": ended}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose importer is measured")
    parser.add_argument("--only", nargs="*", help="these files only")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a file's import is killed")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.rebuild and FILES.exists():
        shutil.rmtree(FILES)
    if not FILES.exists():
        names = sorted(build_all(FILES)) + legit_workbooks(FILES)
    else:
        names = sorted(p.name for p in FILES.iterdir())
    print(f"| file | seconds | peak MB | ended in ({args.root}) |")
    print("|---|---:|---:|---|")
    for name in args.only or names:
        row = measure(args.root.resolve(), name, args.timeout)
        peak = "—" if row["peak_mb"] is None else f"{row['peak_mb']:.0f}"
        ended = row["ended"].replace("|", "/")
        print(f"| {name} | {row['seconds']:.2f} | {peak} | {ended} |", flush=True)


if __name__ == "__main__":
    main()
