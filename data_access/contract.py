"""The import template of the data contract (section 1), declared once.

Every sheet and column is described here: key, Chinese and English labels,
type, required, allowed values, ranges, defaults, key columns and references.
Validation (`validate_row`), the template, the importer, the exporter and the
data-entry forms are all driven from these declarations.

Column types: text, int, float, date, datetime, month, yesno, enum. Text is
stripped of surrounding whitespace; a cell that is empty or only whitespace
is blank, whatever the type. Values in a clean row: text -> str or None;
int -> int; float -> float; date -> datetime.date; datetime ->
datetime.datetime (naive); month -> datetime.date (first day of the month);
yesno -> bool; enum -> the code. Problems come as FieldProblem, with
message("zh") and message("en").

A row from the contract names its references by natural key (employee_no,
account_no, expert_no); in the database they are the foreign keys given by
REFERENCE_FK.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from data_access import models
from data_access.calendar import FIRST_YEAR, LAST_YEAR
from data_access.formulas import restore
from data_access.limits import MAX_TEXT_CHARS

TYPES = ("text", "int", "float", "date", "datetime", "month", "yesno", "enum")

YES_WORDS = frozenset({"yes", "true", "1", "是"})
NO_WORDS = frozenset({"no", "false", "0", "否"})

# Control characters that Excel files cannot hold (tab, newline and CR are fine).
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

# Every date, time and month lies in these years (a typo like 0001-01-01 or 9999-12-31 is refused).
FIRST_DATE = dt.date(2000, 1, 1)
LAST_DATE = dt.date(2100, 12, 31)
# Any number without a tighter maximum of its own (no meter reads beyond this).
NUMBER_LIMIT = 1e15


class TooLong:
    """A text cell the importer did not keep because it is longer than any column allows
    (limits.MAX_TEXT_CHARS); validation reports it as too long."""

    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length

    def __str__(self) -> str:
        return f"<{self.length:,} characters>"


@dataclass(frozen=True)
class Choice:
    code: str
    zh: str
    en: str


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    type: str = "text"
    required: bool = False
    choices: tuple[Choice, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    min_exclusive: bool = False  # True: value must be > minimum
    # A constant, or a function of the clean row computed after all other columns.
    default: Any = None
    default_note: tuple[str, str] | None = None  # (zh, en) text for a computed default
    references: str | None = None  # key of the sheet this column points into
    not_before: tuple[str, ...] = ()  # columns this one may not be earlier than
    max_length: int | None = None  # filled from the schema for text columns
    years: tuple[int, int] | None = None  # a date column: the first and last year allowed

    def __post_init__(self) -> None:
        assert self.type in TYPES, self.type
        assert (self.type == "enum") == bool(self.choices), self.key

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(choice.code for choice in self.choices)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en

    def choice_label(self, code: str, lang: str = "zh") -> str:
        for choice in self.choices:
            if choice.code == code:
                return choice.zh if lang == "zh" else choice.en
        return code


@dataclass(frozen=True)
class Sheet:
    key: str  # also the database table name
    zh: str
    en: str
    columns: tuple[Column, ...]
    key_columns: tuple[str, ...]

    def __post_init__(self) -> None:
        keys = [column.key for column in self.columns]
        labels = [column.zh for column in self.columns]
        assert len(set(keys)) == len(keys) and len(set(labels)) == len(labels), self.key
        assert set(self.key_columns) <= set(keys), self.key

    @cached_property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(column.key for column in self.columns)

    @cached_property
    def column_key_set(self) -> frozenset[str]:
        return frozenset(self.column_keys)

    def column(self, key: str) -> Column:
        for column in self.columns:
            if column.key == key:
                return column
        raise KeyError(f"{self.key} has no column {key!r}")

    def find_column(self, header: Any) -> Column | None:
        """The column a header cell names: the English key (any case) or the Chinese
        label, with an optional trailing required marker `*`."""
        name = _header_text(header)
        for column in self.columns:
            if name.lower() == column.key or name == column.zh:
                return column
        return None

    @cached_property
    def references(self) -> dict[str, str]:
        """column key -> referenced sheet key."""
        return {column.key: column.references for column in self.columns if column.references}

    def row_key(self, clean: dict[str, Any]) -> tuple:
        return tuple(clean.get(key) for key in self.key_columns)

    def label(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


def _header_text(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return text.rstrip("*").strip()


# ---------------------------------------------------------------- the contract


def _choices(codes: tuple[str, ...], labels: dict[str, tuple[str, str]]) -> tuple[Choice, ...]:
    assert set(codes) == set(labels), codes
    return tuple(Choice(code, *labels[code]) for code in codes)


SPECIALTY_CHOICES = _choices(
    models.SPECIALTIES,
    {
        "hv_operation": ("高压操作", "HV operation"),
        "hv_fault": ("高压故障处理", "HV fault handling"),
        "lv_fault": ("低压故障处理", "LV fault handling"),
        "equipment_om": ("设备运维", "Equipment O&M"),
        "tariff_billing": ("电费电价", "Tariffs & billing"),
        "energy_efficiency": ("能效诊断", "Energy-efficiency diagnosis"),
        "safety_assessment": ("安全评价", "Safety assessment"),
        "training": ("人员培训", "Staff training"),
    },
)
TRAINING_KIND_CHOICES = _choices(
    models.TRAINING_KINDS,
    {
        "skill": ("技能操作", "Hands-on skills"),
        "other": ("其他", "Other"),
    },
)
MARKET_STATUS_CHOICES = _choices(
    models.MARKET_STATUSES,
    {
        "agency": ("代理购电", "Grid agency purchase"),
        "retail": ("售电公司", "Retail company"),
        "direct": ("直接交易", "Direct trading"),
    },
)
BILLING_MODE_CHOICES = _choices(
    models.BILLING_MODES,
    {
        "capacity": ("按容量", "By capacity"),
        "demand": ("按需量", "By demand"),
        "single": ("单一制", "Single-part"),
    },
)
LOG_STATUS_CHOICES = _choices(
    models.LOG_STATUSES,
    {
        "open": ("未整改", "Open"),
        "in_progress": ("整改中", "In progress"),
        "done": ("已整改", "Done"),
    },
)
CALL_MODE_CHOICES = _choices(
    models.CALL_MODES,
    {
        "onsite": ("现场", "On site"),
        "remote": ("咨询", "Remote consultation"),
    },
)
APPLICATION_KIND_CHOICES = _choices(
    models.APPLICATION_KINDS,
    {
        "new": ("新装", "New connection"),
        "increase": ("增容", "Capacity increase"),
    },
)
SUPPLY_CHOICES = _choices(
    models.SUPPLY_KINDS,
    {
        "single": ("单电源", "Single supply"),
        "dual": ("双电源", "Dual supply"),
    },
)

# Two-part tariff (basic charge) applies from this contracted capacity.
TWO_PART_TARIFF_MIN_KVA = 315

# Physical ranges of the electrical columns: far above any real customer, far below a typo's 1e300.
MAX_KV = 1_100  # the highest transmission voltage in service (±1,100 kV DC)
MAX_KVA = 10_000_000  # 10 GVA of contracted capacity: several of the largest plants together
MAX_KW = 10_000_000  # maximum demand, the same 10 GW
MAX_ANNUAL_KWH = 100_000_000_000  # 100 TWh a year: 10 GW all year round is 87.6 TWh
MAX_MONTH_KWH = 10_000_000_000  # 10 TWh a month: 10 GW for 31 days is 7.4 TWh
MAX_CALL_HOURS = 1_000  # hours an expert spends on one call (six weeks full time)


def _default_billing_mode(row: dict[str, Any]) -> str | None:
    capacity = row.get("capacity_kva")
    if capacity is None:
        return None
    return "single" if capacity < TWO_PART_TARIFF_MIN_KVA else "capacity"


def _default_log_status(row: dict[str, Any]) -> str:
    return "open" if row.get("problems") else "done"


def _employee(required: bool = True) -> Column:
    return Column("employee_no", "工号", "Employee no.", required=required, references="managers")


def _account(required: bool = True) -> Column:
    return Column("account_no", "户号", "Account no.", required=required, references="customers")


STAGE_LABELS = {
    "applied_on": ("业务受理日期", "Application accepted"),
    "surveyed_on": ("现场勘查日期", "Site survey"),
    "plan_replied_on": ("供电方案答复日期", "Supply plan replied"),
    "design_reviewed_on": ("设计文件审核日期", "Design reviewed"),
    "mid_inspected_on": ("中间检查日期", "Mid-construction inspection"),
    "completion_inspected_on": ("竣工检验日期", "Completion inspection"),
    "energized_on": ("装表接电日期", "Energized"),
}


def _stage_columns() -> tuple[Column, ...]:
    stages = models.APPLICATION_STAGES
    return tuple(
        Column(stage, *STAGE_LABELS[stage], type="date", required=(index == 0), not_before=stages[:index])
        for index, stage in enumerate(stages)
    )


_DECLARED: tuple[Sheet, ...] = (
    Sheet(
        "managers",
        "派驻经理",
        "Resident managers",
        (
            Column("employee_no", "工号", "Employee no.", required=True),
            Column("name", "姓名", "Name", required=True),
            Column("phone", "电话", "Phone"),
            Column("team", "班组", "Team"),
        ),
        ("employee_no",),
    ),
    Sheet(
        "training",
        "培训记录",
        "Training",
        (
            _employee(),
            Column("date", "日期", "Date", type="date", required=True),
            Column("hours", "学时", "Hours", type="float", required=True, minimum=0, min_exclusive=True, maximum=12),
            Column("kind", "类别", "Kind", type="enum", required=True, choices=TRAINING_KIND_CHOICES),
            # '' rather than None: the database key treats blank topics as equal.
            Column("topic", "内容", "Topic", default=""),
        ),
        ("employee_no", "date", "kind", "topic"),
    ),
    Sheet(
        "assessments",
        "考察",
        "Assessments",
        (
            _employee(),
            Column("date", "日期", "Date", type="date", required=True),
            Column("score", "成绩", "Score", type="float", minimum=0, maximum=100),
            Column("passed", "合格", "Passed", type="yesno", required=True),
        ),
        ("employee_no", "date"),
    ),
    Sheet(
        "customers",
        "客户",
        "Customers",
        (
            Column("account_no", "户号", "Account no.", required=True),
            Column("name", "户名", "Customer name", required=True),
            Column("industry", "行业", "Industry"),
            Column("town", "乡镇", "Town"),
            Column(
                "voltage_kv",
                "电压等级kV",
                "Voltage (kV)",
                type="float",
                required=True,
                minimum=0,
                min_exclusive=True,
                maximum=MAX_KV,
            ),
            Column(
                "capacity_kva",
                "合同容量kVA",
                "Contracted capacity (kVA)",
                type="float",
                required=True,
                minimum=0,
                min_exclusive=True,
                maximum=MAX_KVA,
            ),
            Column(
                "annual_kwh", "年用电量kWh", "Annual consumption (kWh)", type="float", minimum=0, maximum=MAX_ANNUAL_KWH
            ),
            Column("star_rating", "星级", "Star rating", type="int", minimum=0, maximum=5, default=0),
            Column("potential_reason", "潜在客户依据", "Potential-customer reason"),
            Column("churn_risk", "流失风险", "Churn risk", type="yesno", default=False),
            Column(
                "market_status",
                "购电方式",
                "Power purchase",
                type="enum",
                choices=MARKET_STATUS_CHOICES,
                default="agency",
            ),
            Column(
                "billing_mode",
                "基本电费方式",
                "Basic charge mode",
                type="enum",
                choices=BILLING_MODE_CHOICES,
                default=_default_billing_mode,
                default_note=("合同容量 < 315 kVA 为单一制，否则按容量", "single below 315 kVA, else capacity"),
            ),
        ),
        ("account_no",),
    ),
    Sheet(
        "postings",
        "派驻登记",
        "Postings",
        (
            _employee(),
            _account(),
            Column("start_date", "派驻开始日期", "Start date", type="date", required=True),
            Column("end_date", "派驻结束日期", "End date", type="date", not_before=("start_date",)),
            Column("handover_note", "交接说明", "Handover note"),
            # Optional even as a column: a file without it is valid (data_access.gate, docs/import.md).
            Column("gate_override", "准入例外说明", "Gate exception reason"),
        ),
        ("employee_no", "account_no", "start_date"),
    ),
    Sheet(
        "work_logs",
        "工作日志",
        "Work logs",
        (
            _employee(),
            _account(),
            Column("date", "日期", "Date", type="date", required=True),
            Column("on_site", "是否现场", "On site", type="yesno", required=True),
            Column("hours", "工时", "Hours", type="float", minimum=0, maximum=24),
            Column("content", "服务内容", "Service content", required=True),
            Column("problems", "存在问题", "Problems found"),
            Column("measures", "整改措施", "Corrective measures"),
            Column(
                "status",
                "整改情况",
                "Status",
                type="enum",
                choices=LOG_STATUS_CHOICES,
                default=_default_log_status,
                default_note=(
                    "填写了存在问题为 open 未整改，否则 done 已整改",
                    "open when problems is filled, else done",
                ),
            ),
        ),
        ("employee_no", "account_no", "date"),
    ),
    Sheet(
        "monthly_plans",
        "月度计划",
        "Monthly plans",
        (
            _employee(),
            Column("month", "月份", "Month", type="month", required=True),
            Column("submitted_on", "提交日期", "Submitted on", type="date", required=True),
            Column("content", "计划内容", "Plan content"),
        ),
        ("employee_no", "month"),
    ),
    Sheet(
        "experts",
        "专家",
        "Experts",
        (
            Column("expert_no", "专家编号", "Expert no.", required=True),
            Column("name", "姓名", "Name", required=True),
            Column("specialty", "专业", "Specialty", type="enum", required=True, choices=SPECIALTY_CHOICES),
            Column("phone", "电话", "Phone"),
            Column("active", "在岗", "Active", type="yesno", default=True),
        ),
        ("expert_no",),
    ),
    Sheet(
        "expert_calls",
        "专家调用",
        "Expert calls",
        (
            Column("call_no", "调用编号", "Call no.", required=True),
            Column("expert_no", "专家编号", "Expert no.", required=True, references="experts"),
            _employee(required=False),
            _account(required=False),
            Column("mode", "方式", "Mode", type="enum", required=True, choices=CALL_MODE_CHOICES),
            Column("requested_at", "请求时间", "Requested at", type="datetime", required=True),
            Column("responded_at", "响应时间", "Responded at", type="datetime", not_before=("requested_at",)),
            Column("closed_at", "办结时间", "Closed at", type="datetime", not_before=("requested_at",)),
            Column("hours", "工时", "Hours", type="float", minimum=0, maximum=MAX_CALL_HOURS),
            Column("summary", "处理情况", "Summary"),
        ),
        ("call_no",),
    ),
    Sheet(
        "applications",
        "业扩报装",
        "Connection applications",
        (
            Column("app_no", "申请编号", "Application no.", required=True),
            _account(),
            Column("kind", "业务类型", "Kind", type="enum", required=True, choices=APPLICATION_KIND_CHOICES),
            Column(
                "capacity_kva",
                "申请容量kVA",
                "Capacity (kVA)",
                type="float",
                required=True,
                minimum=0,
                min_exclusive=True,
                maximum=MAX_KVA,
            ),
            Column("supply", "供电方式", "Supply", type="enum", choices=SUPPLY_CHOICES, default="single"),
            Column("resident_served", "是否派驻经理服务", "Served by a resident manager", type="yesno", required=True),
            *_stage_columns(),
        ),
        ("app_no",),
    ),
    Sheet(
        "consumption",
        "月度用电",
        "Monthly consumption",
        (
            _account(),
            Column("month", "月份", "Month", type="month", required=True),
            Column(
                "kwh", "用电量kWh", "Consumption (kWh)", type="float", required=True, minimum=0, maximum=MAX_MONTH_KWH
            ),
            Column("max_demand_kw", "最大需量kW", "Maximum demand (kW)", type="float", minimum=0, maximum=MAX_KW),
        ),
        ("account_no", "month"),
    ),
    # The office's holiday arrangement of a year (data_access.calendar): loading any day of a year
    # covers that year; its unlisted weekdays are workdays, its unlisted weekends are not.
    Sheet(
        "calendar",
        "节假日安排",
        "Holiday arrangement",
        (
            Column("date", "日期", "Date", type="date", required=True, years=(FIRST_YEAR, LAST_YEAR)),
            Column("is_workday", "是否上班", "Workday", type="yesno", required=True),
            Column("name", "名称", "Name"),
        ),
        ("date",),
    ),
)

# The database column holding each reference (natural key -> surrogate id).
REFERENCE_FK = {"managers": "manager_id", "customers": "customer_id", "experts": "expert_id"}


def find_sheet(name: Any) -> Sheet | None:
    """The sheet a sheet or file name means: its English key (any case) or Chinese label."""
    text = "" if name is None else str(name).strip()
    for sheet in SHEETS:
        if text.lower() == sheet.key or text == sheet.zh:
            return sheet
    return None


def _with_schema_lengths(declared: tuple[Sheet, ...]) -> tuple[Sheet, ...]:
    """Copy each text column's maximum length from the schema (VARCHAR(n))."""
    sheets = []
    for sheet in declared:
        table = models.Base.metadata.tables[sheet.key]
        columns = []
        for column in sheet.columns:
            length = None
            if column.type == "text":
                schema_length = getattr(table.c[column.key].type, "length", None) if column.key in table.c else None
                length = min(schema_length or MAX_TEXT_CHARS, MAX_TEXT_CHARS)
            if column.references:
                length = None
            columns.append(replace(column, max_length=length))
        sheets.append(replace(sheet, columns=tuple(columns)))
    return tuple(sheets)


SHEETS: tuple[Sheet, ...] = _with_schema_lengths(_DECLARED)
SHEETS_BY_KEY: dict[str, Sheet] = {sheet.key: sheet for sheet in SHEETS}


def _check_dependency_order() -> None:
    """Referenced sheets come first, so SHEETS is also the order of writing."""
    seen: set[str] = set()
    for sheet in SHEETS:
        assert set(sheet.references.values()) <= seen, sheet.key
        seen.add(sheet.key)


_check_dependency_order()


# ---------------------------------------------------------------- validation


@dataclass
class FieldProblem:
    """A problem with one column of one row: a code of ui/words/problems.py ("pr_" + rule) and
    its parameters (ui.problem_text renders it)."""

    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


def is_blank(value: Any) -> bool:
    """None, NaN, or text that is empty or only whitespace."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def _shown(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number_text(value: float) -> str:
    if abs(value) >= NUMBER_LIMIT:
        return f"{value:.6g}"  # 1e+300, not its 301 digits
    return str(int(value)) if float(value).is_integer() else str(value)


class _Bad(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _parse_text(column: Column, value: Any) -> str:
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, (int, float)):
        text = _number_text(value)  # e.g. a phone or account number typed as a number
    elif isinstance(value, dt.datetime):
        text = format_datetime(value)
    elif isinstance(value, dt.date):
        text = value.isoformat()
    else:
        text = restore(str(value).strip())  # an export's formula-safe quote taken off (data_access.formulas)
    if CONTROL_CHARS.search(text):
        raise _Bad("control_chars")
    if column.max_length is not None and len(text) > column.max_length:
        raise _Bad("too_long", max=column.max_length, length=len(text))
    return text


def _parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise _Bad("not_number", value=_shown(value))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip().replace(",", ""))
        except ValueError:
            raise _Bad("not_number", value=_shown(value)) from None
    if not math.isfinite(number):
        raise _Bad("not_number", value=_shown(value))
    return number


def _parse_int(value: Any) -> int:
    try:
        number = _parse_float(value)
    except _Bad:
        raise _Bad("not_integer", value=_shown(value)) from None
    if not number.is_integer():
        raise _Bad("not_integer", value=_shown(value))
    return int(number)


DATE_TEXT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DATETIME_TEXT = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
MONTH_TEXT = re.compile(r"^(\d{4})-(\d{1,2})$")


def _date_from_parts(text: str, *parts: str) -> dt.date:
    try:
        return dt.date(*(int(part) for part in parts))
    except ValueError:
        raise _Bad("no_such_date", value=text) from None


def _in_range(day: dt.date, shown: str) -> dt.date:
    """`day` when it lies between FIRST_DATE and LAST_DATE; else the out-of-range problem."""
    if not FIRST_DATE <= day <= LAST_DATE:
        raise _Bad("out_of_range_date", value=shown, first=FIRST_DATE.isoformat(), last=LAST_DATE.isoformat())
    return day


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0, 0):
            raise _Bad("bad_date", value=_shown(value))
        return _in_range(value.date(), value.date().isoformat())
    if isinstance(value, dt.date):
        return _in_range(value, value.isoformat())
    text = str(value).strip()
    match = DATE_TEXT.match(text)
    if not match:
        raise _Bad("bad_date", value=_shown(value))
    return _in_range(_date_from_parts(text, *match.groups()), text)


def _parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        _in_range(value.date(), format_datetime(value))
        # Excel keeps times as fractions of a day: drop sub-second noise.
        rounded = value + dt.timedelta(microseconds=500_000)
        return rounded.replace(microsecond=0) if value.microsecond else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(_in_range(value, value.isoformat()), dt.time(0, 0))
    text = str(value).strip()
    match = DATETIME_TEXT.match(text)
    if not match:
        raise _Bad("bad_datetime", value=_shown(value))
    year, month, day, hour, minute, second = match.groups()
    day_value = _in_range(_date_from_parts(text, year, month, day), text)
    try:
        return dt.datetime.combine(day_value, dt.time(int(hour), int(minute), int(second or 0)))
    except ValueError:
        raise _Bad("bad_datetime", value=_shown(value)) from None


def _parse_month(value: Any) -> dt.date:
    # A date typed into Excel as 2025-03 arrives as 2025-03-01: accept a first of month.
    if isinstance(value, (dt.date, dt.datetime)):
        day = value.date() if isinstance(value, dt.datetime) else value
        if day.day != 1 or (isinstance(value, dt.datetime) and value.time() != dt.time(0, 0)):
            raise _Bad("bad_month", value=_shown(value))
        return _in_range(day, day.strftime("%Y-%m"))
    text = str(value).strip()
    match = MONTH_TEXT.match(text)
    if not match:
        raise _Bad("bad_month", value=_shown(value))
    year, month = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise _Bad("bad_month", value=text)
    if not FIRST_DATE.year <= year <= LAST_DATE.year:  # year 0000 has no date at all
        raise _Bad(
            "out_of_range_date", value=text, first=FIRST_DATE.strftime("%Y-%m"), last=LAST_DATE.strftime("%Y-%m")
        )
    return dt.date(year, month, 1)


def parse_yesno(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    word = str(value).strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    raise _Bad("bad_yesno", value=_shown(value))


def _parse_enum(column: Column, value: Any) -> str:
    text = str(value).strip()
    for choice in column.choices:
        if text.lower() == choice.code or text == choice.zh:
            return choice.code
    raise _Bad(
        "bad_choice",
        value=_shown(value),
        allowed_zh="、".join(f"{c.code} {c.zh}" for c in column.choices),
        allowed_en=", ".join(f"{c.code} ({c.zh})" for c in column.choices),
    )


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "int": _parse_int,
    "float": _parse_float,
    "date": _parse_date,
    "datetime": _parse_datetime,
    "month": _parse_month,
    "yesno": parse_yesno,
}


def parse_value(column: Column, value: Any) -> Any:
    """The clean value of a non-blank cell; raises _Bad."""
    if isinstance(value, TooLong):
        raise _Bad("too_long", max=column.max_length or MAX_TEXT_CHARS, length=value.length)
    if column.type == "text":
        return _parse_text(column, value)
    if column.type == "enum":
        return _parse_enum(column, value)
    return _PARSERS[column.type](value)


def _check_range(column: Column, number: float) -> None:
    shown = _number_text(number)
    if column.minimum is not None:
        if column.min_exclusive and number <= column.minimum:
            raise _Bad("not_above_min", limit=_number_text(column.minimum), value=shown)
        if number < column.minimum:
            raise _Bad("below_min", limit=_number_text(column.minimum), value=shown)
    if column.maximum is not None and number > column.maximum:
        raise _Bad("above_max", limit=_number_text(column.maximum), value=shown)
    if abs(number) > NUMBER_LIMIT:
        raise _Bad("above_max", limit=_number_text(NUMBER_LIMIT), value=shown)


def _check_years(column: Column, day: dt.date) -> None:
    first, last = column.years
    if not first <= day.year <= last:
        raise _Bad("outside_years", first=first, last=last, value=day.isoformat())


def _shown_value(column: Column, value: Any) -> str:
    if column.type == "month":
        return value.strftime("%Y-%m")
    if column.type == "datetime":
        return format_datetime(value)
    return str(value)


def _check_order(sheet: Sheet, clean: dict[str, Any], problems: list[FieldProblem]) -> None:
    for column in sheet.columns:
        value = clean.get(column.key)
        if value is None:
            continue
        for other_key in column.not_before:
            other_value = clean.get(other_key)
            if other_value is not None and value < other_value:
                other = sheet.column(other_key)
                problems.append(
                    FieldProblem(
                        column.key,
                        "before",
                        {
                            "value": _shown_value(column, value),
                            "other": other_key,
                            "other_zh": other.zh,
                            "other_value": _shown_value(other, other_value),
                        },
                    )
                )
                break


def validate_row(sheet: Sheet | str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Check one row of `sheet` against the contract.

    `raw` maps column keys to cell values (str, int, float, bool, date,
    datetime or None); missing columns count as blank. Returns the clean row
    (every column of the sheet, defaults filled in) and its problems. A column
    with a problem is None in the clean row. References (employee_no, ...) are
    only checked for form here; whether they exist is the caller's business.
    """
    if isinstance(sheet, str):
        sheet = SHEETS_BY_KEY[sheet]
    problems = [FieldProblem(key, "unknown_column") for key in raw if key not in sheet.column_key_set]
    clean: dict[str, Any] = {}
    for column in sheet.columns:
        value = raw.get(column.key)
        if is_blank(value):
            if column.required:
                problems.append(FieldProblem(column.key, "required"))
            clean[column.key] = None
            continue
        try:
            parsed = parse_value(column, value)
            if column.type in ("int", "float"):
                _check_range(column, parsed)
            if column.years:
                _check_years(column, parsed)
            clean[column.key] = parsed
        except _Bad as bad:
            problems.append(FieldProblem(column.key, bad.code, bad.params))
            clean[column.key] = None
    _fill_defaults(sheet, clean, problems)
    _check_order(sheet, clean, problems)
    return clean, problems


def _fill_defaults(sheet: Sheet, clean: dict[str, Any], problems: list[FieldProblem]) -> None:
    failed = {problem.column for problem in problems}
    for column in sheet.columns:
        if clean[column.key] is None and column.default is not None and column.key not in failed:
            default = column.default
            clean[column.key] = default(clean) if callable(default) else default


# ---------------------------------------------------------------- formatting


def format_datetime(value: dt.datetime) -> str:
    """YYYY-MM-DD HH:MM, with :SS only when there are seconds."""
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def format_value(column: Column, value: Any) -> Any:
    """A clean value as the template writes it: months YYYY-MM, yes/no as yes/no.

    Dates, times and numbers stay typed values (Excel dates and numbers).
    """
    if value is None:
        return None
    if column.type == "month":
        return value.strftime("%Y-%m")
    if column.type == "yesno":
        return "yes" if value else "no"
    return value


def _grouped(value: float) -> str:
    """A limit as the notes show it: 10,000,000 rather than 10000000."""
    return f"{int(value):,}" if float(value).is_integer() else str(value)


def rule_text(column: Column, lang: str = "zh") -> str:
    """The column's rules in words: type, range, allowed values, default."""
    zh = lang == "zh"
    parts = [TYPE_NOTES[column.type][0 if zh else 1]]
    if column.minimum is not None:
        sign = ">" if column.min_exclusive else "≥"
        parts.append(f"{sign} {_grouped(column.minimum)}")
    if column.maximum is not None:
        parts.append(f"≤ {_grouped(column.maximum)}")
    if column.choices:
        sep = "、" if zh else ", "
        parts.append(sep.join(f"{c.code} {c.zh if zh else c.en}" for c in column.choices))
    if column.years:
        first, last = column.years
        parts.append(f"{first}–{last} 年" if zh else f"years {first}-{last}")
    if column.not_before:
        others = "/".join(column.not_before)
        parts.append(f"不早于 {others}" if zh else f"not before {others}")
    if column.references:
        parts.append(f"须存在于 {column.references}" if zh else f"must exist in {column.references}")
    if column.default_note:
        parts.append(("默认：" if zh else "default: ") + column.default_note[0 if zh else 1])
    elif column.default not in (None, ""):
        shown = format_value(column, column.default)
        parts.append(("默认：" if zh else "default: ") + str(shown))
    if column.max_length:
        parts.append(f"最多 {column.max_length} 字" if zh else f"max {column.max_length} chars")
    return "；".join(parts) if zh else "; ".join(parts)


TYPE_NOTES = {
    "text": ("文本", "text"),
    "int": ("整数", "whole number"),
    "float": ("数字", "number"),
    "date": ("日期 YYYY-MM-DD（2000-01-01 至 2100-12-31）", "date YYYY-MM-DD (2000-01-01 to 2100-12-31)"),
    "datetime": ("时间 YYYY-MM-DD HH:MM（2000 至 2100 年）", "time YYYY-MM-DD HH:MM (years 2000 to 2100)"),
    "month": ("月份 YYYY-MM（2000-01 至 2100-12）", "month YYYY-MM (2000-01 to 2100-12)"),
    "yesno": ("是/否", "yes/no"),
    "enum": ("代码或中文", "code or Chinese label"),
}


# ---------------------------------------------------------------- workbook layout
# Shared by the template, the exporter and the importer.

# The instructions sheet: never imported. These names (any case) are reserved.
INSTRUCTIONS_SHEET = "说明 Instructions"
RESERVED_SHEET_NAMES = frozenset({"说明 instructions", "说明", "instructions"})


def is_reserved_sheet(name: Any) -> bool:
    return str(name or "").strip().lower() in RESERVED_SHEET_NAMES


def label_cell(column: Column) -> str:
    """Row 2 of the template: the Chinese label, `*` when required (e.g. 工号*)."""
    return f"{column.zh}*" if column.required else column.zh


def is_label_row(columns: list[Column | None], values: tuple) -> bool:
    """True when a row right below the header only repeats the columns' names.

    That is the template's label row (row 2): every non-blank cell equals its
    column's Chinese label or English key, optionally followed by `*`. A data
    row cannot look like this: it would need e.g. hours = "学时".
    """
    named = 0
    for column, value in zip(columns, values):
        if is_blank(value):
            continue
        name = _header_text(value)
        if column is None or (name != column.zh and name.lower() != column.key):
            return False
        named += 1
    return named > 0
