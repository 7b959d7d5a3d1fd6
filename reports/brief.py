"""The joint-meeting brief 会议纪要材料: one PDF with the headline KPIs, charts and the agenda.

The KPIs come from metrics.report.build_report (the same numbers as
`manage.py kpis --json`), the agenda from metrics.meeting.agenda. Charts
are drawn with fpdf2's own rectangles, so no browser or plotting backend
is needed. Chinese text needs a CJK font: Noto Sans CJK (Debian package
fonts-noto-cjk, a .ttc collection) or another one found by find_cjk_font().
"""

from __future__ import annotations

import datetime as dt
import math
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.enums import WrapMode, XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy.engine import Connection

from data_access.models import SPECIALTIES
from metrics import figures
from metrics import meeting as meeting_metrics
from metrics import report as report_metrics
from metrics.window import Window
from ui import agenda_text

MAX_ROWS_PER_SECTION = 25  # the brief lists the oldest items; the screen has them all

FONT_ENV = "DASHBOARD_CJK_FONT"  # optional override: a .ttf/.otf/.ttc path
# (path, face index in a collection). Noto Sans CJK .ttc: index 2 is Simplified Chinese (SC).
FONT_CANDIDATES: tuple[tuple[str, str, int], ...] = (
    (
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        2,
    ),
    (
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
        2,
    ),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "", 0),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "", 0),
)


class FontMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class CjkFont:
    regular: Path
    bold: Path | None
    index: int  # face number inside a .ttc collection


def find_cjk_font() -> CjkFont:
    """The first CJK font available; DASHBOARD_CJK_FONT overrides (path[:index])."""
    override = os.environ.get(FONT_ENV)
    if override:
        path, _, index = override.partition(":")
        if not Path(path).is_file():
            raise FontMissing(f"{FONT_ENV}={override!r}: no such font file")
        return CjkFont(Path(path), None, int(index or 0))
    for regular, bold, index in FONT_CANDIDATES:
        if Path(regular).is_file():
            return CjkFont(Path(regular), Path(bold) if bold and Path(bold).is_file() else None, index)
    raise FontMissing(
        "No Chinese font found for the PDF brief. Install one: `apt-get install fonts-noto-cjk` "
        f"(or set {FONT_ENV} to a .ttf/.otf/.ttc file, e.g. /path/font.ttc:2)."
    )


LABELS = {
    "zh": {
        "title": "联席会议材料",
        "window": "统计区间",
        "as_of": "议程截至",
        "generated": "生成时间",
        "kpis": "一、核心指标",
        "indicator": "指标",
        "value": "数值",
        "basis": "口径/分子分母",
        "coverage": "专家配置达标率",
        "adjusted_basis": "95% 区间 {0}；派驻 {1} 件，{2} 类可比",
        "value_days_basis": "同类可比缩短 {0} 天 × {1} 件",
        "value_yuan_basis": "{0} 条办结线索登记节省",
        "value_converted_basis": "区间内生成 {0} 条线索",
        "value_applications_basis": "区间内受理 {0} 件",
        "yuan": "{0} 元/年",
        "compliant_of_due": "{0} / {1} 人周合规",
        "logged_of_posted": "{0} / {1} 个驻点工作日有日志",
        "closed_of_problems": "{0} / {1} 条问题已整改",
        "trained_of_managers": "{0} / {1} 名经理合规",
        "on_time_of_due": "{0} / {1} 份按时提交",
        "covered_of_8": "{0} / 8 个专业达标",
        "calls": "{0} 次调用",
        "apps": "{0} 件，中位数 {1}",
        "target": "目标 {0} 天",
        "days": "{0} 天",
        "minutes": "{0} 分钟",
        "none": "—",
        "small": "（样本不足）",
        "charts": "二、图表",
        "chart_rates": "各项合规率",
        "chart_lead": "平均接电时长（天）",
        "chart_coverage": "各专业在岗专家人数（最低 {0} 人）",
        "resident": "派驻经理服务",
        "other": "非派驻",
        "agenda": "三、会议议程",
        "items": "{0} 项",
        "more": "另有 {0} 项，详见看板",
        "empty": "无",
        "subject": "事项",
        "detail": "说明",
        "owner": "责任人",
        "age_days": "天数",
        "due_date": "截止日期",
        "overdue": "逾期",
        "yes": "是",
        "no": "否",
        "since": "新发现需求统计区间：{0} 至 {1}",
        "calendar_missing": "节假日日历未覆盖 {0} 年：请办公室按国务院办公厅放假通知导入，否则按周一至周五计算工作日。",
    },
    "en": {
        "title": "Joint meeting brief",
        "window": "Window",
        "as_of": "Agenda as of",
        "generated": "Generated",
        "kpis": "1. Headline KPIs",
        "indicator": "KPI",
        "value": "Value",
        "basis": "Basis",
        "coverage": "Expert coverage",
        "adjusted_basis": "95% interval {0}; {1} resident-served, {2} strata compared",
        "value_days_basis": "like-for-like {0} days × {1} applications",
        "value_yuan_basis": "{0} closed cases with a saving",
        "value_converted_basis": "{0} cases opened in the window",
        "value_applications_basis": "{0} accepted in the window",
        "yuan": "{0} yuan/yr",
        "compliant_of_due": "{0} / {1} manager-weeks compliant",
        "logged_of_posted": "{0} / {1} posted workdays logged",
        "closed_of_problems": "{0} / {1} problems closed",
        "trained_of_managers": "{0} / {1} managers compliant",
        "on_time_of_due": "{0} / {1} plans on time",
        "covered_of_8": "{0} / 8 specialties covered",
        "calls": "{0} calls",
        "apps": "{0} applications, median {1}",
        "target": "target {0} days",
        "days": "{0} days",
        "minutes": "{0} min",
        "none": "-",
        "small": " (small sample)",
        "charts": "2. Charts",
        "chart_rates": "Compliance rates",
        "chart_lead": "Mean connection lead time (days)",
        "chart_coverage": "Active experts per specialty (minimum {0})",
        "resident": "Resident-served",
        "other": "Other",
        "agenda": "3. Agenda",
        "items": "{0} items",
        "more": "{0} more on the dashboard",
        "empty": "None",
        "subject": "Item",
        "detail": "Detail",
        "owner": "Owner",
        "age_days": "Days",
        "due_date": "Due",
        "overdue": "Overdue",
        "yes": "yes",
        "no": "no",
        "since": "New needs found from {0} to {1}",
        "calendar_missing": "The holiday calendar does not cover {0}: the office is to load the State Council's "
        "arrangement, else workdays are Monday to Friday.",
    },
}

INK = (33, 37, 41)
ACCENT = (0, 94, 160)  # State Grid-like blue: headings, and bars that are not judged
BAD = figures.rgb(figures.STATUS_COLORS["red"])  # statuses in the screens' colours (metrics.figures)
GRID = (200, 200, 200)
HEADING_FILL = (225, 236, 247)
ROW_FILL = (246, 248, 250)  # every other table row


class BriefPDF(FPDF):
    def __init__(self, font: CjkFont, footer_text: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.footer_text = footer_text
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.add_font("cjk", "", str(font.regular), collection_font_number=font.index)
        # Without a bold face, "B" falls back to the regular file (fpdf2 needs a face per style).
        bold = font.bold or font.regular
        self.add_font("cjk", "B", str(bold), collection_font_number=font.index)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("cjk", "", 8)
        self.cell(0, 6, f"{self.footer_text}  ·  {self.page_no()}/{{nb}}", align="C")


def _pct(rate: float | None, lab: dict) -> str:
    return lab["none"] if rate is None else f"{rate * 100:.1f}%"


def _num(value: float | None, lab: dict, unit_key: str) -> str:
    return lab["none"] if value is None else lab[unit_key].format(f"{value:.1f}")


# The brief's headline rows: (figure key, its value's format, the basis: a LABELS key and the
# figure keys filling it).
KPI_ROWS: tuple[tuple[str, str, str | None, tuple[str, ...]], ...] = (
    ("attendance_rate", "rate", "compliant_of_due", ("attendance_compliant", "attendance_due")),
    ("log_completeness_rate", "rate", "logged_of_posted", ("log_logged_workdays", "log_posted_workdays")),
    ("problem_closure_rate", "rate", "closed_of_problems", ("problems_closed", "problems_found")),
    ("training_rate", "rate", "trained_of_managers", ("training_compliant", "training_managers")),
    ("monthly_plans_rate", "rate", "on_time_of_due", ("plans_on_time", "plans_due")),
    ("expert_covered_specialties", "of_8", "covered_of_8", ("expert_covered_specialties",)),
    ("expert_median_response", "minutes", "calls", ("expert_calls",)),
    ("lead_resident_mean", "days", "apps", ("lead_resident_count", "lead_resident_median")),
    ("lead_other_mean", "days", "apps", ("lead_other_count", "lead_other_median")),
    ("lead_reduction", "days", "target", ()),
    ("lead_adjusted", "days", "adjusted_basis", ("lead_adjusted_compared", "lead_adjusted_strata")),
    # Value delivered (成效): the report's "value" section.
    ("value_days_saved", "days", "value_days_basis", ("lead_adjusted", "lead_adjusted_compared")),
    ("value_yuan_saved", "yuan", "value_yuan_basis", ("value_cases_with_saving",)),
    ("value_needs_converted", "count", "value_converted_basis", ("cases_found",)),
    ("value_resident_applications", "count", "value_applications_basis", ("value_applications",)),
)


def brief_figures(report: dict) -> dict[str, object]:
    """The catalogue figures the brief's headline table shows, with their values (from the report)."""
    keys = [key for row in KPI_ROWS for key in (row[0], *row[3])]
    return {key: figures.report_value(report, key) for key in dict.fromkeys(keys)}


def _value(value, kind: str, lab: dict) -> str:
    if kind == "rate":
        return _pct(value, lab)
    if kind == "of_8":
        return f"{value}/{len(SPECIALTIES)}"
    if kind in ("minutes", "days"):
        return _num(value, lab, kind)
    if kind == "yuan":
        return lab["none"] if value is None else lab["yuan"].format(f"{value:,.0f}")
    return lab["none"] if value is None else f"{value:,}"


# What each judged figure rests on (figure keys; the smallest counts): below the min_sample_size
# setting its value is marked as a small sample, as on the screens.
SAMPLE_SIZES = {
    "attendance_rate": ("attendance_due",),
    "log_completeness_rate": ("log_posted_workdays",),
    "problem_closure_rate": ("problems_found",),
    "training_rate": ("training_managers",),
    "monthly_plans_rate": ("plans_due",),
    "lead_resident_mean": ("lead_resident_count",),
    "lead_other_mean": ("lead_other_count",),
    "lead_reduction": ("lead_resident_count", "lead_other_count"),
    "lead_adjusted": ("lead_adjusted_compared",),
    "value_days_saved": ("lead_adjusted_compared",),
}


def kpi_rows(report: dict, lab: dict, lang: str = "zh", minimum: float = 0) -> list[tuple[str, str, str]]:
    """(name, value, basis) for the headline figures of the report JSON (names from the catalogue);
    a value resting on fewer than `minimum` cases is marked as a small sample."""
    values = brief_figures(report)
    rows = []
    for key, kind, basis, parts in KPI_ROWS:
        shown = [_value(values[part], "days" if part.endswith("_median") else "count", lab) for part in parts]
        if key == "lead_reduction":
            shown = [f"{figures.LEAD_TIME_REDUCTION_TARGET_DAYS:g}"]
        if key == "lead_adjusted":
            interval = report["lead_time"]["adjusted"]["ci95"]
            shown = [lab["none"] if interval is None else f"{interval[0]:.1f}–{interval[1]:.1f}", *shown]
        value = _value(values[key], kind, lab)
        cases = [figures.report_value(report, part) for part in SAMPLE_SIZES.get(key, ())]
        if values[key] is not None and cases and min(cases) < minimum:
            value += lab["small"]
        rows.append((figures.figure_name(key, lang), value, lab[basis].format(*shown)))
    return rows


def _heading(pdf: BriefPDF, text: str, size: float = 14) -> None:
    pdf.set_font("cjk", "B", size)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, size * 0.6, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(*INK)
    pdf.ln(1.5)


def _table(
    pdf: BriefPDF, header: list[str], rows: list[list[str]], col_widths: tuple[float, ...], size: float = 9
) -> None:
    pdf.set_font("cjk", "", size)
    # fpdf2 fills the row cells with the current fill colour: set it, the charts change it.
    pdf.set_fill_color(*ROW_FILL)
    style = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
    with pdf.table(
        col_widths=col_widths,
        headings_style=style,
        line_height=size * 0.55,
        text_align="LEFT",
        wrapmode=WrapMode.CHAR,
        padding=1,
        cell_fill_color=ROW_FILL,
        cell_fill_mode="ROWS",
    ) as table:
        for values in [header, *rows]:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(3)


def _bar_chart(
    pdf: BriefPDF,
    title: str,
    bars: list[tuple[str, float | None, str]],
    scale_max: float,
    marker: float | None = None,
    colours: list[tuple[int, int, int]] | None = None,
) -> None:
    """Horizontal bars: (label, value, value text), each in its status colour (colours) or the
    accent; an optional vertical marker line (a target)."""
    label_w, value_w, bar_h, gap = 48.0, 22.0, 5.0, 1.8
    x0 = pdf.l_margin + label_w
    width = pdf.epw - label_w - value_w
    needed = 10 + len(bars) * (bar_h + gap)
    if pdf.get_y() + needed > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font("cjk", "B", 10)
    pdf.cell(0, 6, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    top = pdf.get_y() + 1
    pdf.set_font("cjk", "", 9)
    for i, (label, value, text) in enumerate(bars):
        y = top + i * (bar_h + gap)
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w - 2, bar_h, label, align="R")
        length = 0.0 if value is None or scale_max <= 0 else min(value / scale_max, 1.0) * width
        pdf.set_fill_color(*(colours[i] if colours else ACCENT))
        if length > 0:
            pdf.rect(x0, y, length, bar_h, style="F")
        pdf.set_xy(x0 + length + 1, y)
        pdf.cell(value_w, bar_h, text)
    bottom = top + len(bars) * (bar_h + gap)
    pdf.set_draw_color(*GRID)
    pdf.line(x0, top - 1, x0, bottom - gap + 1)
    if marker is not None and scale_max > 0:
        mx = x0 + min(marker / scale_max, 1.0) * width
        pdf.set_draw_color(*BAD)
        pdf.set_line_width(0.5)
        pdf.set_dash_pattern(dash=1.5, gap=1)
        pdf.line(mx, top - 1, mx, bottom - gap + 1)
        pdf.set_dash_pattern()
        pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_y(bottom + 3)


def _charts(pdf: BriefPDF, report: dict, settings: dict, lab: dict, lang: str) -> None:
    _heading(pdf, lab["charts"])
    rates = [
        (figures.figure_name(f"{key}_rate", lang), report[key]["rate"], _pct(report[key]["rate"], lab))
        for key in ("attendance", "log_completeness", "problem_closure", "training", "monthly_plans")
    ]
    coverage_rate = report["experts"]["coverage"]["rate"]
    rates.append((lab["coverage"], coverage_rate, _pct(coverage_rate, lab)))
    _bar_chart(pdf, lab["chart_rates"], rates, 1.0)

    lead = report["lead_time"]
    means = [lead["resident"]["mean_days"], lead["other"]["mean_days"]]
    lead_bars = [
        (lab["resident"], means[0], _num(means[0], lab, "days")),
        (lab["other"], means[1], _num(means[1], lab, "days")),
    ]
    top = max([m for m in means if m is not None], default=0)
    _bar_chart(pdf, lab["chart_lead"], lead_bars, math.ceil(top / 10) * 10 or 10)
    pdf.set_font("cjk", "", 9)
    pdf.cell(
        0,
        5,
        f"{figures.figure_name('lead_reduction', lang)}: {_num(lead['reduction_days'], lab, 'days')}"
        f"（{lab['target'].format(f'{figures.LEAD_TIME_REDUCTION_TARGET_DAYS:g}')}）",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(3)

    minimum = settings["min_experts_per_specialty"]
    by_specialty = report["experts"]["coverage"]["by_specialty"]
    cover_bars = [
        (agenda_text.specialty_name(code, lang), float(by_specialty.get(code, 0)), str(by_specialty.get(code, 0)))
        for code in SPECIALTIES
    ]
    colours = [
        figures.rgb(figures.STATUS_COLORS[figures.specialty_status(value, minimum)]) for _, value, _ in cover_bars
    ]  # as on the screens
    scale = max([minimum * 2, *(v for _, v, _ in cover_bars)])
    _bar_chart(pdf, lab["chart_coverage"].format(int(minimum)), cover_bars, scale, marker=minimum, colours=colours)


def _cell_text(value, lab: dict) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return lab["none"]
    if isinstance(value, bool):
        return lab["yes"] if value else lab["no"]
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _agenda_tables(pdf: BriefPDF, agenda: meeting_metrics.Agenda, lab: dict, lang: str) -> None:
    _heading(pdf, lab["agenda"])
    pdf.set_font("cjk", "", 9)
    pdf.cell(
        0,
        5,
        lab["since"].format(agenda.needs_window.start, agenda.needs_window.end),
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    if agenda.calendar_years:
        years = ("、" if lang == "zh" else ", ").join(map(str, agenda.calendar_years))
        pdf.multi_cell(0, 5, lab["calendar_missing"].format(years), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    for number, (key, frame) in enumerate(agenda.sections.items(), start=1):
        title = meeting_metrics.section_name(key, agenda.as_of, lang)
        if pdf.get_y() > pdf.page_break_trigger - 25:  # keep a section's heading with its first rows
            pdf.add_page()
        _heading(pdf, f"{number}. {title}（{lab['items'].format(len(frame))}）", size=11)
        if frame.empty:
            pdf.set_font("cjk", "", 9)
            pdf.cell(0, 5, lab["empty"], new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)
            continue
        table = agenda_text.display_table(key, frame.head(MAX_ROWS_PER_SECTION), lang)
        widths = (22, 40, 16, 7, 11, 6) if key == "action_items" else (30, 44, 18, 8)
        rows = [[_cell_text(value, lab) for value in row] for row in table.itertuples(index=False)]
        _table(pdf, [lab[c] for c in table.columns], rows, widths)
        if len(frame) > MAX_ROWS_PER_SECTION:
            pdf.set_font("cjk", "", 8)
            pdf.cell(0, 4, lab["more"].format(len(frame) - MAX_ROWS_PER_SECTION), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(2)


def render_brief(
    report: dict,
    agenda: meeting_metrics.Agenda,
    window: Window,
    settings: dict,
    lang: str = "zh",
    generated_at: dt.datetime | None = None,
) -> bytes:
    """The PDF bytes from an already computed report dict and agenda."""
    lab = LABELS[lang]
    generated_at = generated_at or dt.datetime.now().replace(microsecond=0)
    pdf = BriefPDF(find_cjk_font(), f"{lab['title']} {window.start} ~ {window.end}")
    pdf.set_title(lab["title"])
    pdf.set_creator("派驻经理服务看板")
    pdf.add_page()
    pdf.set_font("cjk", "B", 20)
    pdf.cell(0, 12, lab["title"], align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 10)
    pdf.cell(
        0,
        6,
        f"{lab['window']}: {window.start} ~ {window.end}    {lab['as_of']}: {agenda.as_of}    "
        f"{lab['generated']}: {generated_at:%Y-%m-%d %H:%M}",
        align="C",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    _heading(pdf, lab["kpis"])
    _table(
        pdf,
        [lab["indicator"], lab["value"], lab["basis"]],
        [list(row) for row in kpi_rows(report, lab, lang, settings["min_sample_size"])],
        (34, 18, 48),
        size=10,
    )
    _charts(pdf, report, settings, lab, lang)
    _agenda_tables(pdf, agenda, lab, lang)
    return bytes(pdf.output())


def build_brief(conn: Connection, window: Window, as_of: dt.date, settings: dict, lang: str = "zh") -> bytes:
    """The meeting brief PDF for the KPI window and the agenda as of `as_of`."""
    if lang not in LABELS:
        raise ValueError(f"lang must be one of {sorted(LABELS)}")
    report = report_metrics.build_report(conn, window, settings)
    agenda = meeting_metrics.agenda(conn, as_of, settings)
    return render_brief(report, agenda, window, settings, lang)
