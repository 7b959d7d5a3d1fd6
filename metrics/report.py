"""The KPI report of the data contract (section 4): one dict, and a text table for the CLI."""

from __future__ import annotations

import importlib
import unicodedata

from sqlalchemy.engine import Connection, Engine

from metrics.figures import LEAD_TIME_REDUCTION_TARGET_DAYS, figure_name
from metrics.sql import side_by_side
from metrics.window import Window

# Report key -> (module, function); the order is the contract's key order.
SECTIONS: tuple[tuple[str, str, str], ...] = (
    ("attendance", "metrics.attendance", "section"),
    ("log_completeness", "metrics.logs", "completeness_section"),
    ("problem_closure", "metrics.logs", "closure_section"),
    ("training", "metrics.training", "section"),
    ("monthly_plans", "metrics.plans", "section"),
    ("experts", "metrics.experts", "section"),
    ("segments", "metrics.segments", "section"),
    ("lead_time", "metrics.lead_time", "section"),
    ("needs", "metrics.needs", "section"),
    ("value", "metrics.value", "section"),
)


def _section(key: str) -> tuple:
    """(module, function name) of report section `key`."""
    for name, module, function in SECTIONS:
        if name == key:
            return importlib.import_module(module), function
    raise KeyError(key)


def _module(key: str):
    return _section(key)[0]


def section_function(key: str):
    """The function computing report section `key`: f(conn, window, settings) -> dict."""
    module, function = _section(key)
    return getattr(module, function)


def build_report(conn: Connection, window: Window, settings: dict) -> dict:
    """The contract's report JSON as a dict, keys in the contract's order."""
    report: dict = {"window": {"from": window.start.isoformat(), "to": window.end.isoformat()}}
    for key, _module, _function in SECTIONS:
        report[key] = section_function(key)(conn, window, settings)
    return report


# The sections whose queries take longest at scale (docs/performance.md): started first.
LONGEST = ("needs", "attendance")


def section_parts(key: str, dialect: str) -> tuple:
    """The independent queries of section `key`: its function, or the parts a module splits it into
    (a module's section_parts(dialect); their dicts merged give the section)."""
    split = getattr(_module(key), "section_parts", None)
    return split(dialect) if split else (section_function(key),)


def merge_parts(key: str, parts: list[dict]) -> dict:
    merged = {}
    for part in parts:
        merged.update(part)
    if len(parts) == 1:
        return merged
    return _module(key).merge_section(merged)


def build_report_parallel(
    engine: Engine, window: Window, settings: dict, workers: int = 2, keys: tuple[str, ...] | None = None
) -> dict:
    """build_report with its sections' queries run side by side (metrics.sql.side_by_side), each on a
    connection of its own: on idle cores about the time of the longest queries instead of their sum.
    `keys` limits the report to those sections (the benchmark times one area at a time).
    """
    keys = keys or tuple(name for name, _, _ in SECTIONS)
    started = sorted(keys, key=lambda key: key not in LONGEST)  # the long queries first, the short fill in
    tasks = [(key, part) for key in started for part in section_parts(key, engine.dialect.name)]

    results = side_by_side(engine, [lambda conn, part=part: part(conn, window, settings) for _, part in tasks], workers)
    report: dict = {"window": {"from": window.start.isoformat(), "to": window.end.isoformat()}}
    for key in keys:
        report[key] = merge_parts(key, [result for (task_key, _), result in zip(tasks, results) if task_key == key])
    return report


# ---- text table -------------------------------------------------------------


def _label(figure: str) -> str:
    """The catalogue's names of a figure, Chinese then English (metrics.figures)."""
    return f"{figure_name(figure, 'zh')} {figure_name(figure, 'en')}"


RATE_ROWS = (
    # (label, section, numerator, denominator)
    (_label("attendance_rate"), "attendance", "compliant", "due"),
    (_label("log_completeness_rate"), "log_completeness", "logged_workdays", "posted_workdays"),
    (_label("problem_closure_rate"), "problem_closure", "closed", "with_problems"),
    (_label("training_rate"), "training", "compliant", "managers"),
    (_label("monthly_plans_rate"), "monthly_plans", "on_time", "due"),
)
WORST_MANAGERS = 10


def _width(text: str) -> int:
    """Display width: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * max(width - _width(text), 0)
    return gap + text if right else text + gap


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(_width(cell) for cell in column) for column in zip(header, *rows)]

    def line(cells):
        return "  ".join(_pad(c, w, right=i > 0) for i, (c, w) in enumerate(zip(cells, widths)))

    return [line(header), "  ".join("-" * w for w in widths), *(line(row) for row in rows)]


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def _number(value: float | None, unit: str = "") -> str:
    return "—" if value is None else f"{value:,.1f}{unit}"


def format_table(report: dict) -> str:
    """A readable text rendering of build_report's dict."""
    window = report["window"]
    out = [f"KPI report 指标报告  {window['from']} – {window['to']}", ""]
    rows = [
        [label, _percent(report[key]["rate"]), f"{report[key][num]:,}", f"{report[key][den]:,}"]
        for label, key, num, den in RATE_ROWS
        if key in report
    ]
    if "experts" in report:
        coverage = report["experts"]["coverage"]
        rows.append(
            [
                _label("expert_covered_specialties"),
                _percent(coverage["rate"]),
                str(coverage["covered"]),
                str(len(coverage["by_specialty"])),
            ]
        )
    out += _table(["KPI", "rate", "count", "of"], rows)
    out += _attendance_lines(report)
    out += _training_lines(report)
    out += _other_lines(report)
    return "\n".join(out)


def _attendance_lines(report: dict) -> list[str]:
    by_manager = report.get("attendance", {}).get("by_manager", [])
    behind = sorted((m for m in by_manager if m["compliant"] < m["due"]), key=lambda m: (m["rate"], m["employee_no"]))
    if not behind:
        return []
    rows = [[m["employee_no"], f"{m['compliant']}/{m['due']}", _percent(m["rate"])] for m in behind[:WORST_MANAGERS]]
    title = f"考勤未达标经理 managers behind on attendance: {len(behind):,}"
    if len(behind) > WORST_MANAGERS:
        title += f" (lowest {WORST_MANAGERS} shown; --json lists all)"
    return ["", title, *_table(["employee_no", "weeks ok", "rate"], rows)]


def _training_lines(report: dict) -> list[str]:
    ids = report.get("training", {}).get("non_compliant", [])
    if not ids:
        return []
    shown = ", ".join(ids[:20]) + (" …" if len(ids) > 20 else "")
    return ["", f"岗前培训不合规 training non-compliant: {len(ids):,}", f"  {shown}"]


def _other_lines(report: dict) -> list[str]:
    out: list[str] = []
    if "experts" in report:
        experts = report["experts"]
        out += [
            "",
            "专家 experts",
            "  " + "  ".join(f"{code} {count}" for code, count in experts["coverage"]["by_specialty"].items()),
            (
                f"  calls {experts['calls']:,}  closed {experts['closed']:,}  "
                f"median response {_number(experts['median_response_minutes'], ' min')}"
            ),
        ]
    if "segments" in report:
        out += [
            "",
            "客户分层 segments",
            "  " + "  ".join(f"{key} {value:,}" for key, value in report["segments"].items()),
        ]
    if "lead_time" in report:
        lead = report["lead_time"]
        out += ["", "接电时长 lead time (days)"]
        out += _table(
            ["group", "count", "mean", "median"],
            [
                [
                    group,
                    f"{lead[group]['count']:,}",
                    _number(lead[group]["mean_days"]),
                    _number(lead[group]["median_days"]),
                ]
                for group in ("resident", "other")
            ],
        )
        out.append(
            f"{_label('lead_reduction')} {_number(lead['reduction_days'])} days "
            f"(target {LEAD_TIME_REDUCTION_TARGET_DAYS:g})"
        )
        if "adjusted" in lead:
            out.append(_adjusted_line(lead["adjusted"]))
    if "needs" in report:
        out += ["", "需求筛查 needs", "  " + "  ".join(f"{key} {len(ids):,}" for key, ids in report["needs"].items())]
    if "value" in report:
        value = report["value"]
        out += [
            "",
            "成效 value",
            (
                f"  {_label('value_days_saved')} {_number(value['connection_days_saved'])} "
                f"(n={value['resident_compared']:,})"
            ),
            (
                f"  {_label('value_yuan_saved')} {value['charge_saved_yuan_per_year']:,.0f} "
                f"(n={value['cases_with_saving']:,})"
            ),
            f"  {_label('value_needs_converted')} {value['needs_converted']:,} / {value['cases_found']:,}",
            (
                f"  {_label('value_resident_applications')} {value['resident_applications']:,} / "
                f"{value['applications']:,}"
            ),
        ]
    return out


def _adjusted_line(adjusted: dict) -> str:
    """The like-for-like reduction with its interval and how many it rests on."""
    interval = adjusted["ci95"]
    shown = "—" if interval is None else f"{interval[0]:,.1f}–{interval[1]:,.1f}"
    return (
        f"{_label('lead_adjusted')} {_number(adjusted['reduction_days'])} days (95% CI {shown}; "
        f"{adjusted['resident_compared']:,} resident-served in {adjusted['strata_compared']} strata)"
    )
