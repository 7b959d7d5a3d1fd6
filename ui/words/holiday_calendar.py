"""Words of the holiday calendar (节假日安排): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "cal_caption": (
        "驻点考勤、日志填报、月度计划和业扩环节时限都按这里的工作日计算。每年秋季国务院办公厅发布下一年的放假安排后，请导入并在此与通知核对。",
        "Attendance, log completeness, monthly plans and stage working-day limits all count the workdays shown here. Each autumn, when the State Council publishes next year's holiday arrangement, load it and check it here against the notice.",
    ),
    "cal_precedence": (
        "优先级：① 单日调整优先于一切；② 办公室导入的某年放假安排优先于 chinesecalendar 包（该年内一律如此，包升级后也一样）；③ chinesecalendar {version}（覆盖 {first}–{last} 年）；④ 都没有时按周一至周五计算。",
        "Precedence: ① a single-day override wins over everything; ② a year's arrangement loaded by the office wins over the chinesecalendar package for that whole year (also after the package is upgraded); ③ chinesecalendar {version} (covers {first}-{last}); ④ otherwise Monday to Friday.",
    ),
    "cal_coverage": (
        "chinesecalendar 覆盖 {first}–{last} 年；办公室已导入：{office}。",
        "chinesecalendar covers {first}-{last}; loaded by the office: {office}.",
    ),
    "cal_none": ("无", "none"),
    "cal_reminder": (
        "节假日日历未覆盖 {years} 年：chinesecalendar 包和办公室都没有该年的放假安排，考勤、日志等指标将按周一至周五计算工作日（春节、国庆假期会被算作工作日）。请按国务院办公厅的放假通知导入。",
        "The holiday calendar does not cover {years}: neither the chinesecalendar package nor the office has the year's holiday arrangement, so attendance, log completeness and the other KPIs will count Monday to Friday as workdays (the Spring Festival and National Day weeks become workdays). Load the State Council's arrangement.",
    ),
    "cal_reminder_link": ("去节假日日历导入", "Load it on the holiday calendar"),
    "cal_reminder_others": (
        "由派驻经理工作办公室在“节假日日历”页处理。",
        "The resident-manager office loads it on the holiday calendar screen.",
    ),
    "cal_year": ("年份", "Year"),
    "cal_source_office": (
        "{year} 年按办公室导入的放假安排计算（列明 {listed} 天；未列明的周一至周五上班，周六、周日休息）。",
        "{year} follows the arrangement loaded by the office ({listed} days listed; unlisted weekdays are workdays, unlisted Saturdays and Sundays are not).",
    ),
    "cal_source_package": ("{year} 年按 chinesecalendar 包计算。", "{year} follows the chinesecalendar package."),
    "cal_source_fallback": (
        "{year} 年没有放假安排，按周一至周五计算。",
        "{year} has no holiday arrangement: Monday to Friday are workdays.",
    ),
    "cal_fallback_year": (
        "{year} 年的春节、国庆等假期目前被算作工作日。请导入该年的放假安排。",
        "The Spring Festival and National Day weeks of {year} are counted as workdays for now. Load the year's holiday arrangement.",
    ),
    "cal_agree": (
        "chinesecalendar 也覆盖 {year} 年，与办公室导入的安排完全一致。",
        "chinesecalendar covers {year} too and agrees with the office's arrangement on every day.",
    ),
    "cal_disagree": (
        "chinesecalendar 也覆盖 {year} 年，有 {count} 天与办公室导入的安排不同（标 ≠）：按办公室的安排计算。如果包是对的，可在下方删除办公室的 {year} 年安排。",
        "chinesecalendar covers {year} too and differs from the office's arrangement on {count} day(s) (marked ≠): the office's arrangement counts. If the package is right, remove the office's {year} arrangement below.",
    ),
    "cal_total_workdays": ("工作日", "Workdays"),
    "cal_total_workdays_help": (
        "全年上班的天数（含调休上班日）。",
        "Days of the year that are workdays (make-up workdays included).",
    ),
    "cal_total_days_off": ("休息日", "Days off"),
    "cal_total_days_off_help": (
        "全年不上班的天数（周末和节假日）。",
        "Days of the year that are not workdays (weekends and holidays).",
    ),
    "cal_total_holidays": ("工作日放假", "Weekday holidays"),
    "cal_total_holidays_help": ("落在周一至周五的放假天数。", "Days off falling on Monday to Friday."),
    "cal_total_makeup_days": ("调休上班", "Make-up workdays"),
    "cal_total_makeup_days_help": ("落在周六、周日的上班天数。", "Workdays falling on a Saturday or Sunday."),
    "cal_total_overrides": ("单日调整", "Overrides"),
    "cal_total_overrides_help": ("本年由单日调整决定的天数。", "Days of the year decided by a single-day override."),
    "cal_totals_check": (
        "全年 {days} 天。与放假通知核对：工作日放假天数、调休上班天数应与通知一致。",
        "{days} days in the year. Check against the notice: the weekday holidays and the make-up workdays should match it.",
    ),
    "cal_grid": ("{year} 年一览", "{year} at a glance"),
    "cal_months": (
        "1月,2月,3月,4月,5月,6月,7月,8月,9月,10月,11月,12月",
        "Jan,Feb,Mar,Apr,May,Jun,Jul,Aug,Sep,Oct,Nov,Dec",
    ),
    "cal_weekdays": ("一,二,三,四,五,六,日", "Mo,Tu,We,Th,Fr,Sa,Su"),
    "cal_cell_holiday": ("休", "H"),
    "cal_cell_makeup": ("班", "W"),
    "cal_legend": (
        "白色：工作日；灰色：周末；红色“休”：节假日放假；黄色“班”：调休上班；* 单日调整；≠ 与 chinesecalendar 不同。",
        "White: workday; grey: weekend; red H: holiday; yellow W: make-up workday; * a single-day override; ≠ differs from chinesecalendar.",
    ),
    "cal_special": ("{year} 年的节假日、调休和调整", "Holidays, make-up days and overrides of {year}"),
    "cal_special_file": ("{year}年节假日安排", "holiday arrangement {year}"),
    "cal_no_special": ("{year} 年没有节假日、调休或调整。", "{year} has no holidays, make-up days or overrides."),
    "cal_col_date": ("日期", "Date"),
    "cal_col_weekday": ("星期", "Day"),
    "cal_col_workday": ("是否上班", "Workday?"),
    "cal_col_name": ("名称 / 说明", "Name / note"),
    "cal_col_source": ("来源", "Source"),
    "cal_col_package": ("chinesecalendar 包", "chinesecalendar"),
    "cal_col_office": ("办公室安排", "Office's arrangement"),
    "cal_col_differs": ("不同", "Differs"),
    "cal_col_note": ("说明", "Note"),
    "cal_yes": ("上班", "workday"),
    "cal_no": ("休息", "day off"),
    "cal_src_override": ("单日调整", "single-day override"),
    "cal_src_office": ("办公室安排", "office's arrangement"),
    "cal_src_package": ("chinesecalendar 包", "chinesecalendar"),
    "cal_src_fallback": ("周一至周五", "Monday to Friday"),
    "cal_day_title": ("单日调整", "Single-day overrides"),
    "cal_day_caption": (
        "只涉及个别日子的变动（如停电检修放假、值班上班）：它优先于年度安排和 chinesecalendar，不会让该年算作已覆盖。",
        "Changes to single days (a day off for a planned outage, a duty workday): they win over the year's arrangement and chinesecalendar, and do not make the year covered.",
    ),
    "cal_workday_toggle": ("上班", "Workday"),
    "cal_workday_help": ("打开：该日上班；关闭：该日休息。", "On: the day is a workday; off: a day off."),
    "cal_day_save": ("保存单日调整", "Save the override"),
    "cal_day_saved": ("已保存 {day} 的单日调整。", "Saved the override of {day}."),
    "cal_no_overrides": ("{year} 年没有单日调整。", "No single-day overrides in {year}."),
    "cal_remove_pick": ("删除一项单日调整", "Remove a single-day override"),
    "cal_day_remove": ("删除", "Remove"),
    "cal_day_removed": ("已删除 {day} 的单日调整。", "Removed the override of {day}."),
    "cal_office_title": ("年度放假安排", "The year's holiday arrangement"),
    "cal_office_how": (
        "按国务院办公厅的放假通知填写导入模板的“节假日安排”（calendar）工作表：每个放假日一行（是否上班 = 否），每个调休上班日一行（是否上班 = 是），名称写假日名称。在“数据导入”页上传，或运行 python manage.py calendar import 文件。导入某年任何一天，该年即按办公室的安排计算。",
        "Fill in the calendar sheet (节假日安排) of the import template from the State Council's notice: one row per day off (is_workday = no) and one per make-up workday (is_workday = yes), with the holiday's name. Upload it on the import screen, or run python manage.py calendar import FILE. Loading any day of a year makes the whole year follow the office's arrangement.",
    ),
    "cal_import_link": ("打开数据导入", "Open the import screen"),
    "cal_template_download": ("下载空白表（CSV）", "Blank sheet (CSV)"),
    "cal_template_file": ("节假日安排.csv", "calendar.csv"),
    "cal_no_office_year": (
        "办公室没有导入 {year} 年的放假安排。",
        "The office has not loaded an arrangement for {year}.",
    ),
    "cal_remove_confirm": (
        "确认删除办公室的 {year} 年安排（该年改按 chinesecalendar 或周一至周五计算）",
        "Yes, remove the office's {year} arrangement ({year} then follows chinesecalendar or Monday to Friday)",
    ),
    "cal_remove_year": (
        "删除 {year} 年的办公室安排（{count} 天）",
        "Remove the office's {year} arrangement ({count} days)",
    ),
    "cal_year_removed": (
        "已删除办公室的 {year} 年安排（{count} 天）。",
        "Removed the office's {year} arrangement ({count} days).",
    ),
}
