"""The empty import template, and the sheet layout the exporter shares.

Layout of every data sheet (named by its English key):
- row 1: the English column keys (the importer's header);
- row 2: the Chinese labels, `*` when required (e.g. 工号*). The importer
  skips it because it only repeats the column names (contract.is_label_row);
- row 3 on: data. Header cells carry a comment with the column's rules;
  enum and yes/no columns have drop-down lists (codes and Chinese labels).
The first sheet, "说明 Instructions", explains everything in Chinese and
English; its name is reserved and the importer ignores it.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from data_access.contract import (
    FIRST_DATE,
    INSTRUCTIONS_SHEET,
    LAST_DATE,
    SHEETS,
    Column,
    Sheet,
    label_cell,
    rule_text,
)
from data_access.limits import MAX_BLANK_RUN, MAX_COLUMNS, MAX_TEXT_CHARS, max_file_bytes, max_rows

FIRST_DATA_ROW = 3
LAST_ROW = 1_048_576  # Excel's last row: drop-downs cover the whole column
HEADER_FONT = Font(bold=True)
REQUIRED_FILL = PatternFill("solid", fgColor="FDE9D9")
LABEL_FONT = Font(italic=True, color="595959")

GENERAL_RULES = (
    (
        "每个工作表对应一张数据表，表名用英文键或中文名；缺少的工作表表示不导入该类数据。",
        "One sheet per table, named by its English key or Chinese label; a missing sheet imports nothing of that kind.",
    ),
    (
        "第 1 行为列名（英文键或中文名均可），第 2 行为中文名（导入时自动跳过），数据从第 3 行开始。",
        (
            "Row 1 holds the column names (English key or Chinese label); row 2 the Chinese labels "
            "(skipped on import); data starts in row 3."
        ),
    ),
    (
        "带 * 的列必填。日期 YYYY-MM-DD，时间 YYYY-MM-DD HH:MM，月份 YYYY-MM。",
        "Columns marked * are required. Dates YYYY-MM-DD, times YYYY-MM-DD HH:MM, months YYYY-MM.",
    ),
    (
        "是/否列接受 是/否、yes/no、true/false、1/0；代码列接受代码或其中文名。",
        "Yes/no columns accept 是/否, yes/no, true/false, 1/0; code columns accept the code or its Chinese label.",
    ),
    (
        "按键列匹配：已存在的键更新该行，新键新增一行；与库中完全相同的行不变。",
        (
            "Rows are matched on their key columns: an existing key updates the row, a new key inserts it; "
            "identical rows are left as they are."
        ),
    ),
    (
        "引用的工号、户号、专家编号必须已在库中或在本次导入中。",
        "Referenced employee_no, account_no and expert_no must exist in the database or in the same import.",
    ),
    (
        (
            "节假日安排（calendar）：按国务院办公厅的放假通知，每个放假日一行（是否上班 = 否），每个调休上班日一行"
            "（是否上班 = 是）。导入某年的任何一天，该年即按办公室的安排计算：未列出的周一至周五上班，周六、周日休息，"
            "且优先于 chinesecalendar 包；单日调整（看板“节假日日历”页）又优先于它。"
        ),
        (
            "calendar (holiday arrangement): from the State Council's notice, one row per day off (is_workday = no) and "
            "one per make-up workday (is_workday = yes). Loading any day of a year makes the office's arrangement decide "
            "that year: unlisted weekdays are workdays, unlisted Saturdays and Sundays are not, and it wins over the "
            "chinesecalendar package; single-day overrides (the dashboard's holiday calendar screen) win over it."
        ),
    ),
    (
        "导入是“全部或全不”：只要有一行有错，就不写入任何数据，并列出每个错误（工作表、行号、列、原因）。",
        (
            "An import is all or nothing: any bad row and nothing is written; every problem is listed "
            "(sheet, row, column, reason)."
        ),
    ),
    (
        f"本工作表（{INSTRUCTIONS_SHEET}）导入时忽略。也可以用 CSV 文件夹导入：每个工作表一个 <键>.csv（UTF-8）。",
        f"This sheet ({INSTRUCTIONS_SHEET}) is ignored on import. A folder of <key>.csv files (UTF-8) works too.",
    ),
)


def limit_rules() -> tuple[tuple[str, str], ...]:
    """The import's limits (data_access.limits, contract date range), as the notes state them."""
    first, last = FIRST_DATE.isoformat(), LAST_DATE.isoformat()
    megabytes, rows = max_file_bytes() // (1024 * 1024), max_rows()
    return (
        (
            (
                f"日期、时间和月份须在 {first} 至 {last} 之间；数值须在各列规则所列范围内"
                "（电压 kV、容量 kVA、需量 kW、电量 kWh、工时均有物理上限，见下表）。"
            ),
            (
                f"Dates, times and months lie between {first} and {last}; numbers within each column's range "
                "(voltage kV, capacity kVA, demand kW, energy kWh and hours have physical upper bounds, listed below)."
            ),
        ),
        (
            (
                f"上限：每个文件 {megabytes} MB，每次导入 {rows:,} 个数据行，每个文字单元格 {MAX_TEXT_CHARS:,} 个字符"
                f"（有的列更短，见下表），每个工作表 {MAX_COLUMNS} 列。"
            ),
            (
                f"Limits: {megabytes} MB a file, {rows:,} data rows an import, {MAX_TEXT_CHARS:,} characters a text "
                f"cell (some columns fewer, see below), {MAX_COLUMNS} columns a sheet."
            ),
        ),
        (
            (
                f"最后一个数据行之后的空行不影响导入；数据中间不能有超过 {MAX_BLANK_RUN:,} 个连续空行。"
                "没有任何数据行的文件不会导入（提示“没有可导入的数据”）。"
            ),
            (
                f"Blank rows after the last data row are ignored; more than {MAX_BLANK_RUN:,} blank rows in a row "
                'between data are refused. A file without a single data row imports nothing ("nothing to import").'
            ),
        ),
    )


def _comment_text(column: Column) -> str:
    required = "必填 required" if column.required else "选填 optional"
    return "\n".join((f"{column.zh} / {column.en}", required, rule_text(column, "zh"), rule_text(column, "en")))


def _drop_down(column: Column) -> DataValidation | None:
    if column.type == "yesno":
        options = ["是", "否", "yes", "no"]
    elif column.type == "enum":
        options = list(column.codes) + [choice.zh for choice in column.choices]
    else:
        return None
    formula = '"' + ",".join(options) + '"'
    if len(formula) > 255:  # Excel's limit for an inline list
        formula = '"' + ",".join(column.codes) + '"'
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="warning",
        errorTitle="取值不在列表中 / Not in the list",
        error=f"{column.zh}：{rule_text(column, 'zh')}\n{column.en}: {rule_text(column, 'en')}",
    )


def add_data_sheet(workbook: Workbook, sheet: Sheet, data_rows: int = 0):
    """A write-only worksheet named by the sheet key with the header, label row and
    drop-downs; the caller appends `data_rows` data rows.
    """
    worksheet = workbook.create_sheet(sheet.key)
    # Write-only sheets have no <dimension> element, and without one openpyxl's
    # read-only reader parses the whole sheet twice. The importer does not
    # trust it (it reads every row), so a count that is off does no harm.
    last = f"{get_column_letter(len(sheet.columns))}{FIRST_DATA_ROW - 1 + data_rows}"
    worksheet.calculate_dimension = lambda: f"A1:{last}"
    header, labels = [], []
    for index, column in enumerate(sheet.columns, start=1):
        letter = get_column_letter(index)
        worksheet.column_dimensions[letter].width = max(12, min(40, 2 * len(column.zh) + 4, len(column.key) + 4))
        cell = WriteOnlyCell(worksheet, value=column.key)
        cell.font = HEADER_FONT
        if column.required:
            cell.fill = REQUIRED_FILL
        cell.comment = Comment(_comment_text(column), "template", width=320, height=160)
        header.append(cell)
        label = WriteOnlyCell(worksheet, value=label_cell(column))
        label.font = LABEL_FONT
        labels.append(label)
        validation = _drop_down(column)
        if validation is not None:
            validation.add(f"{letter}{FIRST_DATA_ROW}:{letter}{LAST_ROW}")
            worksheet.data_validations.append(validation)
    worksheet.freeze_panes = f"A{FIRST_DATA_ROW}"
    worksheet.append(header)
    worksheet.append(labels)
    return worksheet


def add_instructions(workbook: Workbook) -> None:
    """The bilingual 说明 Instructions sheet: general rules, then every column."""
    worksheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    for letter, width in zip("ABCDEFGH", (16, 14, 22, 22, 18, 10, 40, 40)):
        worksheet.column_dimensions[letter].width = width
    title = WriteOnlyCell(worksheet, value="派驻经理服务看板 · 导入模板 / Resident Manager Dashboard · import template")
    title.font = Font(bold=True, size=14)
    worksheet.append([title])
    worksheet.append([])
    for zh, en in (*GENERAL_RULES, *limit_rules()):
        worksheet.append([zh, None, None, None, en])
    worksheet.append([])
    headings = ("工作表 sheet", "中文名", "键列 key", "列 column", "中文", "必填 required", "规则", "rules")
    worksheet.append([_bold(worksheet, text) for text in headings])
    for sheet in SHEETS:
        for column in sheet.columns:
            worksheet.append(
                [
                    sheet.key,
                    sheet.zh,
                    ", ".join(sheet.key_columns),
                    column.key,
                    column.zh,
                    "*" if column.required else "",
                    rule_text(column, "zh"),
                    rule_text(column, "en"),
                ]
            )


def _bold(worksheet, text: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(worksheet, value=text)
    cell.font = HEADER_FONT
    return cell


def new_workbook() -> Workbook:
    """A write-only workbook that starts with the instructions sheet."""
    workbook = Workbook(write_only=True)
    add_instructions(workbook)
    return workbook


def write_template(path: Path | BinaryIO) -> None:
    """Write the empty template: instructions plus one sheet per table."""
    workbook = new_workbook()
    for sheet in SHEETS:
        add_data_sheet(workbook, sheet)
    workbook.save(path)
