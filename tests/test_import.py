"""The import template of data contract §1: the row validator, the importer and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from data_access.contract import SHEETS, SHEETS_BY_KEY, validate_row
from data_access.db import make_engine
from data_access.importer import (
    contract_select,
    import_path,
    import_source,
    nothing_to_import,
    read_uploads,
    validate_source,
)
from data_access.models import AuditLog, Base
from data_access.permissions import Actor, PermissionDenied
from data_access.template import write_template
from tests import builders as b
from tests.helpers import manage_py, snapshot
from ui.problem_text import problem_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD = FIXTURES / "import_zh"
BAD = FIXTURES / "import_zh_bad"
D, T = dt.date, dt.datetime

FIXTURE_ROWS = {
    "managers": 3,
    "training": 5,
    "assessments": 3,
    "customers": 3,
    "postings": 3,
    "work_logs": 4,
    "monthly_plans": 2,
    "experts": 3,
    "expert_calls": 3,
    "applications": 3,
    "consumption": 4,
    "calendar": 3,
}


# ---------------------------------------------------------------- helpers


def stored(engine, sheet_key: str) -> dict[tuple, dict]:
    """Stored rows of a sheet in contract form, by key, with their version."""
    sheet = SHEETS_BY_KEY[sheet_key]
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(contract_select(sheet)).mappings()]
    return {sheet.row_key(row): row for row in rows}


def table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            s.key: conn.execute(select(func.count()).select_from(Base.metadata.tables[s.key])).scalar() for s in SHEETS
        }


def copy_fixture(tmp_path: Path, source: Path = GOOD) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def edit_csv(path: Path, old: str, new: str) -> None:
    content = path.read_bytes().decode("utf-8-sig")
    assert old in content
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def write_csvs(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        (folder / name).write_text(content, encoding="utf-8")
    return folder


def problems_of(result) -> set[tuple]:
    return {(e.sheet, e.row, e.column) for e in result.errors}


# ---------------------------------------------------------------- the row validator

VALID = {
    "managers": {"employee_no": "M1", "name": "张三"},
    "training": {"employee_no": "M1", "date": "2025-01-06", "hours": "8", "kind": "skill"},
    "assessments": {"employee_no": "M1", "date": "2025-01-10", "passed": "是"},
    "customers": {"account_no": "C1", "name": "客户", "voltage_kv": "10", "capacity_kva": "800"},
    "postings": {"employee_no": "M1", "account_no": "C1", "start_date": "2025-02-01"},
    "work_logs": {"employee_no": "M1", "account_no": "C1", "date": "2025-02-03", "on_site": "是", "content": "巡视"},
    "monthly_plans": {"employee_no": "M1", "month": "2025-02", "submitted_on": "2025-02-03"},
    "experts": {"expert_no": "E1", "name": "专家", "specialty": "hv_fault"},
    "expert_calls": {"call_no": "K1", "expert_no": "E1", "mode": "onsite", "requested_at": "2025-02-10 09:00"},
    "applications": {
        "app_no": "A1",
        "account_no": "C1",
        "kind": "new",
        "capacity_kva": "800",
        "resident_served": "否",
        "applied_on": "2025-01-05",
    },
    "consumption": {"account_no": "C1", "month": "2025-01", "kwh": "1000"},
    "calendar": {"date": "2027-02-08", "is_workday": "否", "name": "春节"},
}


def check(sheet: str, **changes):
    return validate_row(sheet, {**VALID[sheet], **changes})


def test_every_sheet_has_a_valid_example():
    assert set(VALID) == set(SHEETS_BY_KEY)
    for sheet, raw in VALID.items():
        clean, problems = validate_row(sheet, raw)
        assert problems == [], (sheet, [problem_text(p, "en") for p in problems])
        assert set(clean) == set(SHEETS_BY_KEY[sheet].column_keys)


REQUIRED = [(s.key, c.key) for s in SHEETS for c in s.columns if c.required]


@pytest.mark.parametrize("sheet,column", REQUIRED)
@pytest.mark.parametrize("blank", [None, "", "   "])
def test_required_columns(sheet, column, blank):
    clean, problems = check(sheet, **{column: blank})
    assert [(p.column, p.code) for p in problems] == [(column, "required")]
    assert clean[column] is None


REJECTED = [
    ("training", "hours", "0", "not_above_min"),
    ("training", "hours", "-1", "not_above_min"),
    ("training", "hours", "12.5", "above_max"),
    ("training", "hours", "abc", "not_number"),
    ("training", "hours", True, "not_number"),
    ("training", "date", "2025-02-30", "no_such_date"),
    ("training", "date", "2025/01/06", "bad_date"),
    ("training", "date", "06-01-2025", "bad_date"),
    ("training", "date", T(2025, 1, 6, 10, 30), "bad_date"),
    ("training", "kind", "misc", "bad_choice"),
    ("training", "topic", "x" * 201, "too_long"),
    ("assessments", "score", "-1", "below_min"),
    ("assessments", "score", "100.5", "above_max"),
    ("assessments", "passed", "maybe", "bad_yesno"),
    ("assessments", "passed", "2", "bad_yesno"),
    ("customers", "account_no", "C" * 33, "too_long"),
    ("customers", "name", "a\x01b", "control_chars"),
    ("customers", "voltage_kv", "0", "not_above_min"),
    ("customers", "capacity_kva", "-5", "not_above_min"),
    ("customers", "annual_kwh", "-1", "below_min"),
    ("customers", "star_rating", "7", "above_max"),
    ("customers", "star_rating", "-1", "below_min"),
    ("customers", "star_rating", "2.5", "not_integer"),
    ("customers", "churn_risk", "x", "bad_yesno"),
    ("customers", "market_status", "spot", "bad_choice"),
    ("customers", "billing_mode", "flat", "bad_choice"),
    ("postings", "start_date", "2025-13-01", "no_such_date"),
    ("postings", "end_date", "soon", "bad_date"),
    ("work_logs", "hours", "-2", "below_min"),
    ("work_logs", "hours", "24.5", "above_max"),
    ("work_logs", "on_site", "Y", "bad_yesno"),
    ("work_logs", "status", "closed", "bad_choice"),
    ("monthly_plans", "month", "2025-13", "bad_month"),
    ("monthly_plans", "month", "2025-02-15", "bad_month"),
    ("monthly_plans", "month", D(2025, 2, 15), "bad_month"),
    ("monthly_plans", "submitted_on", "x", "bad_date"),
    ("experts", "specialty", "electrician", "bad_choice"),
    ("experts", "active", "maybe", "bad_yesno"),
    ("expert_calls", "mode", "phone", "bad_choice"),
    ("expert_calls", "requested_at", "2025-02-10", "bad_datetime"),
    ("expert_calls", "requested_at", "2025-02-10 25:00", "bad_datetime"),
    ("expert_calls", "requested_at", "2025-02-30 10:00", "no_such_date"),
    ("expert_calls", "hours", "-1", "below_min"),
    ("applications", "kind", "upgrade", "bad_choice"),
    ("applications", "capacity_kva", "0", "not_above_min"),
    ("applications", "supply", "triple", "bad_choice"),
    ("applications", "surveyed_on", "2025-02-29", "no_such_date"),
    ("consumption", "kwh", "-1", "below_min"),
    ("consumption", "max_demand_kw", "-0.5", "below_min"),
    ("consumption", "month", "25-01", "bad_month"),
]


@pytest.mark.parametrize("sheet,column,value,code", REJECTED)
def test_column_rules_reject(sheet, column, value, code):
    clean, problems = check(sheet, **{column: value})
    assert [(p.column, p.code) for p in problems] == [(column, code)]
    assert clean[column] is None


def generated_rejections() -> list[tuple]:
    """One bad value per rule each column declares in the contract."""
    bad_by_type = {
        "int": ("abc", "not_integer"),
        "float": ("abc", "not_number"),
        "date": ("2025-02-30", "no_such_date"),
        "datetime": ("2025-02-30 10:00", "no_such_date"),
        "month": ("2025-13", "bad_month"),
        "yesno": ("maybe", "bad_yesno"),
        "enum": ("zzz", "bad_choice"),
        "text": ("a\x07b", "control_chars"),
    }
    cases = []
    for sheet in SHEETS:
        for column in sheet.columns:
            cases.append((sheet.key, column.key, *bad_by_type[column.type]))
            if column.max_length:
                cases.append((sheet.key, column.key, "x" * (column.max_length + 1), "too_long"))
            if column.minimum is not None:
                if column.min_exclusive:
                    cases.append((sheet.key, column.key, str(column.minimum), "not_above_min"))
                else:
                    cases.append((sheet.key, column.key, str(column.minimum - 1), "below_min"))
            if column.maximum is not None:
                cases.append((sheet.key, column.key, str(column.maximum + 1), "above_max"))
    return cases


@pytest.mark.parametrize("sheet,column,value,code", generated_rejections())
def test_every_declared_rule_is_enforced(sheet, column, value, code):
    clean, problems = check(sheet, **{column: value})
    assert [(p.column, p.code) for p in problems] == [(column, code)]


BEFORE = [
    ("postings", {"start_date": "2025-02-01", "end_date": "2025-01-31"}, "end_date", "start_date"),
    ("expert_calls", {"responded_at": "2025-02-10 08:59"}, "responded_at", "requested_at"),
    ("expert_calls", {"closed_at": "2025-02-09 10:00"}, "closed_at", "requested_at"),
    ("applications", {"surveyed_on": "2025-01-10", "energized_on": "2025-01-08"}, "energized_on", "surveyed_on"),
    (
        "applications",
        {"plan_replied_on": "2025-03-01", "design_reviewed_on": "2025-02-27"},
        "design_reviewed_on",
        "plan_replied_on",
    ),
] + [
    ("applications", {stage: "2025-01-04"}, stage, "applied_on")
    for stage in (
        "surveyed_on",
        "plan_replied_on",
        "design_reviewed_on",
        "mid_inspected_on",
        "completion_inspected_on",
        "energized_on",
    )
]


@pytest.mark.parametrize("sheet,changes,column,other", BEFORE)
def test_dates_never_go_backwards(sheet, changes, column, other):
    _, problems = check(sheet, **changes)
    assert [(p.column, p.code, p.params["other"]) for p in problems] == [(column, "before", other)]


@pytest.mark.parametrize(
    "sheet,changes",
    [
        ("postings", {"end_date": "2025-02-01"}),
        ("expert_calls", {"responded_at": "2025-02-10 09:00", "closed_at": "2025-02-10 09:00"}),
        ("applications", {"surveyed_on": "2025-01-05", "energized_on": "2025-03-01"}),
        ("applications", {"energized_on": "2025-03-01", "surveyed_on": None}),
    ],
)
def test_equal_or_later_dates_pass(sheet, changes):
    assert check(sheet, **changes)[1] == []


ACCEPTED = (
    [("work_logs", "on_site", value, True) for value in ("yes", "YES", "True", "1", 1, 1.0, True, "是", " 是 ")]
    + [("work_logs", "on_site", value, False) for value in ("no", "No", "false", "0", 0, False, "否")]
    + [
        ("training", "kind", "skill", "skill"),
        ("training", "kind", "SKILL", "skill"),
        ("training", "kind", "技能操作", "skill"),
        ("training", "kind", "其他", "other"),
        ("training", "hours", "8", 8.0),
        ("training", "hours", 8, 8.0),
        ("training", "hours", " 4.5 ", 4.5),
        ("training", "date", "2025-01-06", D(2025, 1, 6)),
        ("training", "date", "2025-1-6", D(2025, 1, 6)),
        ("training", "date", T(2025, 1, 6), D(2025, 1, 6)),  # an Excel date
        ("training", "date", D(2025, 1, 6), D(2025, 1, 6)),
        ("training", "topic", "   ", ""),
        ("monthly_plans", "month", "2025-02", D(2025, 2, 1)),
        ("monthly_plans", "month", T(2025, 2, 1), D(2025, 2, 1)),  # Excel turns 2025-02 into a date
        ("expert_calls", "requested_at", "2025-02-10 09:00", T(2025, 2, 10, 9, 0)),
        ("expert_calls", "requested_at", "2025-02-10 09:00:30", T(2025, 2, 10, 9, 0, 30)),
        ("expert_calls", "requested_at", T(2025, 2, 10, 8, 59, 59, 999500), T(2025, 2, 10, 9, 0)),
        ("managers", "employee_no", 1001, "1001"),
        ("managers", "employee_no", 1001.0, "1001"),
        ("managers", "employee_no", "  M7 ", "M7"),
        ("managers", "phone", 13800000001, "13800000001"),
        ("managers", "team", "   ", None),
        ("customers", "star_rating", "3", 3),
        ("customers", "star_rating", 3.0, 3),
        ("customers", "annual_kwh", "1,250,000", 1250000.0),
        ("customers", "market_status", "售电公司", "retail"),
        ("experts", "specialty", "电费电价", "tariff_billing"),
        ("applications", "supply", "双电源", "dual"),
        ("expert_calls", "mode", "咨询", "remote"),
    ]
)


@pytest.mark.parametrize("sheet,column,value,expected", ACCEPTED)
def test_accepted_spellings(sheet, column, value, expected):
    clean, problems = check(sheet, **{column: value})
    assert problems == []
    assert clean[column] == expected
    assert type(clean[column]) is type(expected)


@pytest.mark.parametrize(
    "capacity,mode", [("200", "single"), ("314.9", "single"), ("315", "capacity"), ("2500", "capacity")]
)
def test_billing_mode_default_follows_capacity(capacity, mode):
    assert check("customers", capacity_kva=capacity)[0]["billing_mode"] == mode
    assert check("customers", capacity_kva=capacity, billing_mode="demand")[0]["billing_mode"] == "demand"


def test_other_defaults():
    customer = check("customers")[0]
    assert (customer["star_rating"], customer["churn_risk"], customer["market_status"]) == (0, False, "agency")
    assert check("work_logs", problems="漏油")[0]["status"] == "open"
    assert check("work_logs", problems="  ")[0]["status"] == "done"
    assert check("work_logs", problems="漏油", status="整改中")[0]["status"] == "in_progress"
    assert check("applications")[0]["supply"] == "single"
    assert check("experts")[0]["active"] is True
    assert check("training")[0]["topic"] == ""


def test_problems_speak_chinese_and_english():
    _, problems = check("customers", star_rating="7")
    (problem,) = problems
    assert problem_text(problem, "en") == "must be <= 5, got 7"
    assert problem_text(problem, "zh") == "应 ≤ 5，实际为 7"
    _, problems = check("training", kind="misc")
    assert "技能操作" in problem_text(problems[0], "zh") and "skill" in problem_text(problems[0], "en")
    _, problems = validate_row("managers", {"employee_no": "M1", "name": "x", "nickname": "y"})
    assert [(p.column, p.code) for p in problems] == [("nickname", "unknown_column")]


# ---------------------------------------------------------------- importing


def test_fixture_with_chinese_headers_imports_into_a_fresh_db(engine):
    result = import_path(engine, GOOD)
    assert result.errors == []
    assert result.committed
    assert result.counts == {sheet: (rows, 0) for sheet, rows in FIXTURE_ROWS.items()}
    assert table_counts(engine) == FIXTURE_ROWS

    customers = stored(engine, "customers")
    c1001, c1002, c1003 = (customers[(no,)] for no in ("C1001", "C1002", "C1003"))
    assert (c1001["market_status"], c1001["billing_mode"], c1001["star_rating"]) == ("agency", "capacity", 3)
    assert (c1002["star_rating"], c1002["churn_risk"], c1002["billing_mode"]) == (0, True, "capacity")
    assert (c1003["market_status"], c1003["billing_mode"], c1003["annual_kwh"]) == ("retail", "single", None)
    assert c1003["potential_reason"] == "省重点项目"

    managers = stored(engine, "managers")
    assert managers[("M001",)]["name"] == "张伟"  # the file has a BOM
    assert managers[("M003",)]["phone"] is None
    training = stored(engine, "training")
    assert training[("M002", D(2025, 1, 7), "other", "")]["hours"] == 8.0
    assert stored(engine, "assessments")[("M002", D(2025, 1, 10))]["passed"] is False

    logs = stored(engine, "work_logs")
    assert logs[("M001", "C1001", D(2025, 2, 3))]["status"] == "done"
    assert logs[("M001", "C1001", D(2025, 2, 4))]["status"] == "open"
    assert logs[("M001", "C1001", D(2025, 2, 4))]["on_site"] is False
    assert logs[("M002", "C1002", D(2025, 2, 5))]["status"] == "done"
    assert logs[("M002", "C1002", D(2025, 2, 5))]["hours"] is None
    assert stored(engine, "postings")[("M002", "C1002", D(2025, 2, 1))]["end_date"] == D(2025, 6, 30)
    assert stored(engine, "monthly_plans")[("M002", D(2025, 2, 1))]["submitted_on"] == D(2025, 2, 7)

    experts = stored(engine, "experts")
    assert [experts[(no,)]["specialty"] for no in ("E01", "E02", "E03")] == [
        "hv_operation",
        "hv_fault",
        "tariff_billing",
    ]
    assert [experts[(no,)]["active"] for no in ("E01", "E02", "E03")] == [True, True, False]
    calls = stored(engine, "expert_calls")
    assert calls[("K001",)]["closed_at"] == T(2025, 2, 10, 15, 30)
    assert (calls[("K003",)]["employee_no"], calls[("K003",)]["mode"]) == (None, "remote")
    apps = stored(engine, "applications")
    assert (apps[("A001",)]["kind"], apps[("A001",)]["supply"], apps[("A001",)]["resident_served"]) == (
        "increase",
        "dual",
        True,
    )
    assert apps[("A001",)]["energized_on"] == D(2025, 4, 2)
    assert apps[("A002",)]["supply"] == "single"
    assert stored(engine, "consumption")[("C1002", D(2025, 1, 1))]["max_demand_kw"] is None


def test_cli_reports_every_bad_row_and_writes_nothing(db_url):
    engine = make_engine(db_url)
    try:
        good = manage_py(db_url, "import", str(GOOD))
        assert good.returncode == 0, good.stderr
        assert "import committed." in good.stdout
        before = snapshot(engine)

        bad = manage_py(db_url, "import", str(BAD))
        assert bad.returncode == 1
        lines = bad.stderr.replace("\r", "\n").splitlines()
        start = lines.index("sheet, row, column, reason")
        reported = [line.split(", ", 3) for line in lines[start + 1 :] if line.count(", ") >= 3]
        assert sorted(tuple(r[:3]) for r in reported) == sorted(
            [
                ("training", "3", "date"),
                ("customers", "3", "star_rating"),
                ("work_logs", "3", "employee_no"),
                ("work_logs", "4", "hours"),
                ("applications", "3", "energized_on"),
            ]
        )
        reasons = {tuple(r[:3]): r[3] for r in reported}
        assert "2025-02-30" in reasons[("training", "3", "date")]
        assert "7" in reasons[("customers", "3", "star_rating")]
        assert "M999" in reasons[("work_logs", "3", "employee_no")]
        assert "-2" in reasons[("work_logs", "4", "hours")]
        assert "applied_on" in reasons[("applications", "3", "energized_on")]
        assert "5 problem(s); nothing was written." in bad.stderr
        assert snapshot(engine) == before  # not even the valid rename of M003 or the new M004
    finally:
        engine.dispose()


def test_dry_run_validates_and_writes_nothing(engine):
    before = snapshot(engine)
    result = import_path(engine, GOOD, dry_run=True)
    assert result.errors == [] and result.dry_run and not result.committed
    assert result.counts["work_logs"] == (4, 0)
    assert snapshot(engine) == before


def test_reimport_updates_in_place_and_bumps_version(engine, tmp_path):
    import_path(engine, GOOD)
    changed = copy_fixture(tmp_path)
    edit_csv(changed / "派驻经理.csv", "M003,王强,,一班", "M003,王强强,,三班")
    edit_csv(changed / "customers.csv", "龙都街道,10,2500,8600000,3,", "龙都街道,10,2500,8600000,4,")

    result = import_path(engine, changed)
    assert result.errors == []
    assert result.counts["managers"] == (0, 1) and result.unchanged["managers"] == 2
    assert result.counts["customers"] == (0, 1)
    assert all(result.counts[s] == (0, 0) for s in FIXTURE_ROWS if s not in ("managers", "customers"))
    assert table_counts(engine) == FIXTURE_ROWS  # nothing duplicated

    managers = stored(engine, "managers")
    assert (managers[("M003",)]["name"], managers[("M003",)]["team"], managers[("M003",)]["_version"]) == (
        "王强强",
        "三班",
        2,
    )
    assert managers[("M001",)]["_version"] == 1
    assert stored(engine, "customers")[("C1001",)]["star_rating"] == 4
    assert stored(engine, "customers")[("C1001",)]["_version"] == 2

    again = import_path(engine, changed)  # identical rows are left alone
    assert all(again.counts[s] == (0, 0) for s in FIXTURE_ROWS)
    assert stored(engine, "managers")[("M003",)]["_version"] == 2


def test_import_writes_the_audit_trail(engine, tmp_path):
    office = Actor("office1", "office")
    import_path(engine, GOOD, actor=office)
    with engine.connect() as conn:
        audit_rows = conn.execute(select(AuditLog.__table__).order_by(AuditLog.id)).all()
    assert len(audit_rows) == sum(FIXTURE_ROWS.values())
    assert {(a.username, a.source, a.action) for a in audit_rows} == {("office1", "import", "insert")}
    first = next(a for a in audit_rows if a.table_name == "managers" and a.row_key == "M001")
    assert first.before is None
    assert json.loads(first.after) == {"employee_no": "M001", "name": "张伟", "phone": "13800000001", "team": "一班"}
    log = next(a for a in audit_rows if a.table_name == "work_logs")
    assert log.row_key == "M001|C1001|2025-02-03"

    changed = copy_fixture(tmp_path)
    edit_csv(changed / "派驻经理.csv", "M003,王强,,一班", "M003,王强强,,一班")
    import_path(engine, changed, actor=office)
    with engine.connect() as conn:
        updates = conn.execute(select(AuditLog.__table__).where(AuditLog.action == "update")).all()
    assert [(u.table_name, u.row_key) for u in updates] == [("managers", "M003")]
    assert json.loads(updates[0].before)["name"] == "王强"
    assert json.loads(updates[0].after)["name"] == "王强强"


@pytest.mark.parametrize("role,manager_id", [("leader", None), ("manager", 1)])
def test_only_the_office_may_import(engine, role, manager_id):
    before = snapshot(engine)
    with pytest.raises(PermissionDenied):
        import_path(engine, GOOD, actor=Actor("someone", role, manager_id))
    assert snapshot(engine) == before


def test_xlsx_with_chinese_sheet_names_and_excel_values(engine, tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet"  # an empty default sheet is ignored
    sheets = {
        "派驻经理": [("工号", "姓名", "电话"), (1001, "张伟", 13800000001), ("M2", "李娜", None)],
        "客户": [
            ("户号", "户名", "电压等级kV", "合同容量kVA", "星级", "流失风险"),
            ("C1", "华源纺织", 10, 2500, 3, True),
            ("C2", "康华食品", 0.4, 200, None, "否"),
        ],
        "工作日志": [
            ("工号", "户号", "日期", "是否现场", "工时", "服务内容"),
            ("1001", "C1", T(2025, 2, 3), True, 6, "巡视"),
            ("M2", "C2", "2025-02-04", "否", 2.5, "沟通"),
        ],
        "专家": [("专家编号", "姓名", "专业"), ("E1", "赵刚", "高压操作")],
        "专家调用": [
            ("调用编号", "专家编号", "方式", "请求时间", "响应时间"),
            ("K1", "E1", "现场", T(2025, 2, 10, 9, 0), "2025-02-10 09:30"),
        ],
        "月度用电": [("户号", "月份", "用电量kWh"), ("C1", T(2025, 3, 1), 700000), ("C1", "2025-04", 720000.5)],
    }
    for name, rows in sheets.items():
        worksheet = workbook.create_sheet(name)
        for row in rows:
            worksheet.append(row)
    path = tmp_path / "中文工作表.xlsx"
    workbook.save(path)

    result = import_path(engine, path)
    assert result.errors == []
    assert result.counts == {
        "managers": (2, 0),
        "customers": (2, 0),
        "work_logs": (2, 0),
        "experts": (1, 0),
        "expert_calls": (1, 0),
        "consumption": (2, 0),
    }
    assert stored(engine, "managers")[("1001",)]["phone"] == "13800000001"
    customers = stored(engine, "customers")
    assert (customers[("C1",)]["churn_risk"], customers[("C2",)]["billing_mode"]) == (True, "single")
    logs = stored(engine, "work_logs")
    assert logs[("1001", "C1", D(2025, 2, 3))]["on_site"] is True
    assert logs[("M2", "C2", D(2025, 2, 4))]["hours"] == 2.5
    call = stored(engine, "expert_calls")[("K1",)]
    assert (call["requested_at"], call["responded_at"]) == (T(2025, 2, 10, 9, 0), T(2025, 2, 10, 9, 30))
    assert set(stored(engine, "consumption")) == {("C1", D(2025, 3, 1)), ("C1", D(2025, 4, 1))}


def test_empty_template_is_nothing_to_import(engine, tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    before = snapshot(engine)
    result = import_path(engine, path)
    assert not result.committed and nothing_to_import(result)
    assert [(e.sheet, e.row, problem_text(e, "en")) for e in result.errors] == [
        (str(path), 0, "nothing to import: no sheet holds a data row; nothing was written")
    ]
    assert result.rows == {sheet.key: 0 for sheet in SHEETS}
    assert snapshot(engine) == before


def test_filled_template_row_numbers_count_the_label_row(engine, tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(path)
    workbook = openpyxl.load_workbook(path)
    managers = workbook["managers"]
    managers.append(["M1"])  # row 3: name missing
    managers.append(["M2", "李娜"])
    workbook.save(path)

    result = import_path(engine, path)
    assert [(e.sheet, e.row, e.column, problem_text(e, "en")) for e in result.errors] == [
        ("managers", 3, "name", "is required")
    ]
    assert problem_text(result.errors[0], "zh") == "必填，不能为空"

    managers["B3"] = "张伟"
    workbook.save(path)
    assert import_path(engine, path).counts["managers"] == (2, 0)


def test_structural_problems_are_reported(engine, tmp_path):
    folder = write_csvs(
        tmp_path / "in",
        {
            "managers.csv": "employee_no,name,nickname\nM1,张伟,小张\nM1,张伟,\n",
            "experts.csv": "expert_no,specialty\nE1,hv_fault\nE2,lv_fault\n",
            "customers.csv": "account_no,name,voltage_kv,capacity_kva,\nC1,甲,10,800,stray\n",
            "foo.csv": "a,b\n1,2\n",
            "notes.txt": "not a sheet: ignored",
            "说明.csv": "anything,goes\n1,2\n",
        },
    )
    result = import_path(engine, folder)
    assert problems_of(result) == {
        ("foo", 0, ""),  # unknown sheet
        ("managers", 1, "nickname"),  # unknown column
        ("managers", 3, "employee_no"),  # duplicate key
        ("experts", 1, "name"),  # required column missing (reported once, not per row)
        ("customers", 2, "E"),  # a value under no header
    }
    duplicate = next(e for e in result.errors if e.row == 3)
    assert "same as row 2" in problem_text(duplicate, "en")
    assert table_counts(engine)["managers"] == 0


def test_references_may_be_in_the_database_or_the_same_import(engine, tmp_path):
    with engine.begin() as conn:
        b.manager(conn, "M1")
        b.customer(conn, "C1")
    folder = write_csvs(
        tmp_path / "in",
        {
            "managers.csv": "employee_no,name\nM2,新经理\n",
            "work_logs.csv": "employee_no,account_no,date,on_site,content\n"
            "M1,C1,2025-02-03,yes,巡视\nM2,C1,2025-02-03,no,沟通\nM3,C1,2025-02-03,no,x\n",
            "expert_calls.csv": "call_no,expert_no,mode,requested_at\nK1,E9,onsite,2025-02-10 09:00\n",
        },
    )
    result = import_path(engine, folder)
    assert problems_of(result) == {("work_logs", 4, "employee_no"), ("expert_calls", 2, "expert_no")}

    folder.joinpath("expert_calls.csv").unlink()
    folder.joinpath("work_logs.csv").write_text(
        "employee_no,account_no,date,on_site,content\nM1,C1,2025-02-03,yes,巡视\nM2,C1,2025-02-03,no,沟通\n",
        encoding="utf-8",
    )
    result = import_path(engine, folder)
    assert result.errors == []
    logs = stored(engine, "work_logs")
    assert set(logs) == {("M1", "C1", D(2025, 2, 3)), ("M2", "C1", D(2025, 2, 3))}


def test_uploads_preview_then_import(engine):
    files = {
        "派驻经理.csv": (GOOD / "派驻经理.csv").read_bytes(),
        "customers.csv": (GOOD / "customers.csv").read_bytes(),
        "考察.csv": (GOOD / "考察.csv").read_bytes(),
    }
    source = read_uploads(files)
    with engine.connect() as conn:
        preview = validate_source(conn, source)
    assert preview.errors == []
    assert preview.rows == {"managers": 3, "customers": 3, "assessments": 3}
    assert preview.counts == {"managers": (3, 0), "customers": (3, 0), "assessments": (3, 0)}
    assert table_counts(engine)["managers"] == 0

    steps = []
    result = import_source(
        engine, source, actor=Actor("office1", "office"), progress=lambda step, fraction: steps.append(fraction)
    )
    assert result.committed
    assert table_counts(engine)["assessments"] == 3
    assert steps == sorted(steps) and steps[-1] == 1.0


def test_uploaded_workbook_and_mixed_uploads(engine):
    buffer = io.BytesIO()
    write_template(buffer)
    source = read_uploads({"模板.xlsx": buffer.getvalue()})
    assert source.problems == [] and len(source.sheets) == len(SHEETS)
    mixed = read_uploads({"模板.xlsx": buffer.getvalue(), "managers.csv": b"employee_no,name\n"})
    assert len(mixed.problems) == 1
    assert read_uploads({"bad.xlsx": b"not a zip"}).problems[0].row == 0


def test_gb18030_csv_from_chinese_excel(engine, tmp_path):
    folder = tmp_path / "gbk"
    folder.mkdir()
    (folder / "派驻经理.csv").write_bytes("工号,姓名\nM1,张伟\n".encode("gb18030"))
    assert import_path(engine, folder).errors == []
    assert stored(engine, "managers")[("M1",)]["name"] == "张伟"
