"""Words of the import screen (数据导入): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "imp_caption": (
        "上传导入模板（一个 .xlsx 工作簿或多个 CSV 文件），先检查并预览，无错误后再导入；导入全部成功或全部不写入。",
        "Upload the import template (one .xlsx workbook or several CSV files); it is checked and previewed first, then imported as a whole or not at all.",
    ),
    "imp_template": ("下载导入模板", "Download the template"),
    "imp_template_file": ("导入模板", "import_template"),
    "imp_upload": ("上传文件", "Files"),
    "imp_upload_button": ("选择文件", "Browse"),
    "imp_upload_limit": ("每个文件不超过 {mb} MB · .xlsx 或 .csv", "at most {mb} MB per file · .xlsx or .csv"),
    "imp_upload_help": (
        "一个 .xlsx 工作簿，或多个以表名命名的 CSV 文件（如 customers.csv、客户.csv）。",
        "One .xlsx workbook, or CSV files named after their sheet (e.g. customers.csv).",
    ),
    "imp_nothing": ("请上传要导入的文件。", "Upload the files to import."),
    "imp_checking": ("正在检查……", "Checking…"),
    "imp_progress": ("{step}（{percent}%）", "{step} ({percent}%)"),
    "imp_preview": ("预览", "Preview"),
    "imp_empty": ("文件中没有可导入的数据行。", "The files hold no data rows."),
    "imp_col_sheet": ("工作表", "Sheet"),
    "imp_col_rows": ("数据行", "Data rows"),
    "imp_col_insert": ("新增", "Insert"),
    "imp_col_update": ("更新", "Update"),
    "imp_col_unchanged": ("不变", "Unchanged"),
    "imp_col_row": ("行号", "Row"),
    "imp_col_column": ("列", "Column"),
    "imp_col_reason": ("问题", "Problem"),
    "imp_clean": ("检查通过，可以导入。", "No problems: ready to import."),
    "imp_errors": (
        "发现 {count} 个问题，修改文件后重新上传；问题清单可下载。",
        "{count} problem(s): correct the files and upload them again; the list can be downloaded.",
    ),
    "imp_errors_file": ("导入问题清单", "import_problems"),
    "imp_commit": ("导入", "Import"),
    "imp_writing": ("正在导入……", "Importing…"),
    "imp_not_committed": (
        "未导入：数据已有变化或存在问题，见问题清单。",
        "Not imported: the data changed or there are problems; see the list.",
    ),
    "imp_done": (
        "导入完成：新增 {inserted} 行，更新 {updated} 行。",
        "Imported: {inserted} rows added, {updated} updated.",
    ),
}
