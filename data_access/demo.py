"""Synthetic demo data for the dashboard at county, city or province scale.

`generate_demo(engine, scale, seed=2019, until=None, progress=None)` fills every
domain table with three years of realistic data ending at `until` (default:
today) and returns the rows written per table.

Scales (domain.md): county ~30 managers / ~60 posted customers / 4,000 HV
customers / 18 experts; city ~400 / ~900 / 50,000 / 200; province ~2,500 /
~5,000 / 300,000 / 2,000. "Posted customers" are the distinct customers that
had a resident manager at some time in the three years.

What the data looks like:
- Managers in teams (城区一班, 农村一班 ...; prefixed by the county above county
  scale), trained before their first posting (most compliant; a few short on
  hours, a few short on skill share, one or two who failed the assessment and
  passed a retake only after being posted), and a pipeline of candidates not
  posted yet (about 12 %, at least 4, in turn: in training, assessed and
  awaiting a posting, failed the assessment, not started). Postings of 5-17 months; when one ends the customer often gets a
  successor (the handover note names them); a few managers hold two
  customers at once; later cohorts start mid-window; a few withdraw.
- Work logs on the calendar of data_access.calendar.package_workday: two to
  three on-site days a week, remote logs on most other workdays, a few
  chronically non-compliant managers, more misses next to holidays,
  occasional weekend duty; problems with measures, older ones mostly done.
  Monthly plans mostly by the 5th, some late, some missing.
- Experts in all 8 specialties; exactly one specialty has a single active
  expert (coverage 7/8). Calls from managers about their posted customers,
  response median about 1.5 h, recent ones partly still open.
- Applications: lead time (application -> energization, calendar days)
  about 75 +- 18 without and 57 +- 12 with a resident manager (the
  applicant has a posting on the application day); dual supply about 20
  days more. Plan reply (from application) is within 15 / 30 working days
  and energization within 5 working days of the completion inspection for
  about 90 % of them. The gaps plan reply -> design review -> mid
  inspection -> completion inspection are mostly the customer's own design
  and construction time, so the State Grid limits of those stages (counted
  from the customer's submission, which is not recorded) cannot be read off
  these dates. Stage dates after `until` are left blank: the latest
  applications are not yet energized.
- Monthly consumption for the 24 complete months before `until`, only for
  two-part customers (>= 315 kVA) with a known annual kWh: all posted
  customers, a share of the segment customers (star / potential / risk) and
  a small sample of the others - county: all segment customers and 25 % of
  the others; city: all segment customers and 10 %; province: 45 % of the
  segment customers and 3 % of the others, about 1.16 M rows (county about
  41 k, city about 420 k). Some customers surge (a month >= 1.3 x the previous three), some
  run above capacity or at >= 85 % for months, some pay by capacity where
  demand would be cheaper (and the reverse).
- Outage plans for the customers posted on `until`, last month to next month (about two in three
  customer-months): past ones mostly done, future ones agreed or planned.
- Users `leader`, `office` and `manager` (linked to a manager posted on
  `until`), password `demo123!`.

Replacing existing data: everything runs in one transaction. All domain
tables (managers, training, assessments, customers, postings, work_logs, outage_plans,
monthly_plans, experts, expert_calls, applications, consumption) are
emptied first, children before parents (PostgreSQL: TRUNCATE, which makes
readers wait until the load commits). Settings, calendar overrides, the
calendar table, meetings and the audit log are kept. Users
other than the three demo users are kept; a user linked to a manager is
relinked to the new manager with the same employee_no, and when there is
none it is deactivated and parked on the demo manager (the schema requires
a manager account to have a manager; `manage.py users add ... --employee-no`
relinks and reactivates it).

Determinism: the same (scale, seed, until) gives the same rows and ids. Each
part draws from its own random.Random seeded with the seed and the part's
name; nothing depends on set or hash order.

Loading: rows are generated as plain tuples (work logs and consumption
streamed in chunks) and bulk-loaded: SQLite through the driver's
executemany with a larger page cache, PostgreSQL through psycopg COPY; ids
are assigned here and the PostgreSQL sequences are moved past them
afterwards. Load times and database sizes per scale: docs/performance.md,
"Design notes moved from code".
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Boolean, Date, DateTime, Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from data_access import demo_followup
from data_access.calendar import FIRST_YEAR, LAST_YEAR, ensure_calendar, package_workday
from data_access.db import refresh_statistics
from data_access.models import (
    SPECIALTIES,
    Application,
    Assessment,
    Consumption,
    Customer,
    Expert,
    ExpertCall,
    Manager,
    MonthlyPlan,
    OutagePlan,
    Posting,
    Training,
    User,
    WorkLog,
)
from data_access.settings import DEFAULTS
from data_access.users import hash_password, upsert_user

Progress = Callable[[str, float], None]
DAY = dt.timedelta(days=1)
DEMO_PASSWORD = "demo123!"
DEMO_USERS = ("leader", "office", "manager")
CHUNK_ROWS = 20_000
CONSUMPTION_MONTHS = 24
PLANNING_SHARE = 0.1  # of the progress bar


@dataclass(frozen=True)
class Scale:
    counties: int
    managers: int
    customers: int
    experts: int
    # Which customers get monthly consumption (see the module docstring).
    segment_consumption_share: float
    other_consumption_share: float


SCALES: dict[str, Scale] = {
    "county": Scale(
        counties=1,
        managers=30,
        customers=4_000,
        experts=18,
        segment_consumption_share=1.0,
        other_consumption_share=0.25,
    ),
    "city": Scale(
        counties=12,
        managers=400,
        customers=50_000,
        experts=200,
        segment_consumption_share=1.0,
        other_consumption_share=0.10,
    ),
    "province": Scale(
        counties=130,
        managers=2_500,
        customers=300_000,
        experts=2_000,
        segment_consumption_share=0.45,
        other_consumption_share=0.03,
    ),
}

# Domain tables, children before parents: the order to empty them in.
DOMAIN_TABLES: tuple[Table, ...] = tuple(
    model.__table__
    for model in (
        OutagePlan,
        Consumption,
        Application,
        ExpertCall,
        WorkLog,
        MonthlyPlan,
        Posting,
        Assessment,
        Training,
        Expert,
        Customer,
        Manager,
    )
)

# ---------------------------------------------------------------- vocabulary
SURNAMES = (
    "王",
    "张",
    "李",
    "刘",
    "孙",
    "杨",
    "赵",
    "徐",
    "陈",
    "高",
    "马",
    "于",
    "韩",
    "宋",
    "丁",
    "郭",
    "曹",
    "臧",
    "管",
    "隋",
    "葛",
    "孟",
    "朱",
    "胡",
    "董",
    "袁",
    "邱",
    "吕",
    "苏",
    "姜",
    "任",
    "郑",
    "周",
    "吴",
    "秦",
    "崔",
    "田",
    "王",
    "张",
    "李",
    "刘",
    "孙",
)
GIVEN = (
    "伟",
    "强",
    "磊",
    "军",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "刚",
    "平",
    "辉",
    "鹏",
    "华",
    "飞",
    "鑫",
    "波",
    "斌",
    "宇",
    "浩",
    "凯",
    "健",
    "俊",
    "帆",
    "旭",
    "宁",
    "龙",
    "林",
    "阳",
    "东",
    "峰",
    "亮",
    "建",
    "国",
    "志",
    "海",
    "玉",
    "红",
    "丽",
    "娟",
    "燕",
    "霞",
    "敏",
    "静",
    "芳",
    "婷",
    "雪",
    "琳",
    "晓",
    "文",
    "新",
    "立",
    "振",
    "庆",
    "春",
    "晨",
    "博",
    "昊",
    "金",
    "成",
)
ZHUCHENG_TOWNS = (
    "密州街道",
    "龙都街道",
    "舜王街道",
    "昌城镇",
    "相州镇",
    "枳沟镇",
    "贾悦镇",
    "石桥子镇",
    "辛兴镇",
    "林家村镇",
    "皇华镇",
    "桃林镇",
    "百尺河镇",
)
WEIFANG_COUNTIES = (
    "诸城市",
    "潍城区",
    "寒亭区",
    "坊子区",
    "奎文区",
    "青州市",
    "寿光市",
    "安丘市",
    "高密市",
    "昌邑市",
    "临朐县",
    "昌乐县",
)
PLACE_CHARS = (
    "东",
    "西",
    "南",
    "北",
    "大",
    "小",
    "柳",
    "杨",
    "石",
    "河",
    "山",
    "岭",
    "庄",
    "店",
    "集",
    "桥",
    "口",
    "台",
    "埠",
    "沟",
    "泉",
    "湖",
    "坡",
    "阳",
    "平",
    "安",
    "宁",
    "福",
    "兴",
    "丰",
    "高",
    "新",
    "古",
    "龙",
    "凤",
    "马",
    "牛",
    "金",
    "玉",
    "青",
    "白",
    "红",
    "黄",
    "塔",
    "营",
    "寨",
    "官",
    "堤",
    "屯",
    "林",
    "水",
    "田",
    "城",
    "坊",
    "铺",
    "港",
)
BRANDS = (
    "鑫源",
    "恒泰",
    "华盛",
    "宏达",
    "金通",
    "瑞丰",
    "永兴",
    "盛隆",
    "德润",
    "兴业",
    "东方",
    "昌盛",
    "汇通",
    "佳美",
    "信和",
    "鸿运",
    "泰和",
    "中兴",
    "新华",
    "广源",
    "福瑞",
    "天元",
    "润达",
    "金穗",
    "远大",
    "华宇",
    "宝丰",
    "正大",
    "海川",
    "三元",
    "万和",
    "恒信",
    "益民",
    "齐鲁",
    "琅琊",
    "超然",
    "常山",
    "潍河",
    "海源",
    "瑞祥",
    "隆盛",
    "新星",
    "利华",
    "鲁润",
    "金凯",
    "银河",
    "晨光",
    "向阳",
    "立新",
    "凯达",
    "众合",
    "润丰",
    "康达",
    "嘉禾",
    "祥瑞",
    "旭日",
    "友联",
    "亚泰",
    "安泰",
    "宏伟",
)
POTENTIAL_REASONS = ("政府重点工程", "省重点项目", "市重点项目", "县重点项目", "园区新上高压客户")
TEAMS = ("城区一班", "城区二班", "城区三班", "农村一班", "农村二班", "园区服务班")


@dataclass(frozen=True)
class Industry:
    name: str
    weight: float
    load_factor: float  # annual kWh / (capacity x 8760 h), before noise
    patterns: tuple[str, ...]  # {county} {town} {brand} {n}
    seasonal: tuple[float, ...]  # January .. December


FLAT = (1.0,) * 12
INDUSTRIES = (
    Industry(
        "食品加工",
        16,
        0.30,
        ("{county}{brand}食品有限公司", "{county}{brand}肉制品有限公司"),
        (1.05, 0.80, 0.95, 1.0, 1.0, 1.05, 1.1, 1.1, 1.05, 1.0, 1.0, 1.1),
    ),
    Industry(
        "机械制造",
        15,
        0.25,
        ("{county}{brand}机械有限公司", "{county}{brand}重工有限公司"),
        (1.0, 0.75, 1.0, 1.05, 1.05, 1.0, 1.0, 1.0, 1.05, 1.0, 1.05, 1.05),
    ),
    Industry(
        "汽车零部件",
        10,
        0.30,
        ("{county}{brand}汽车配件有限公司", "{county}{brand}车桥有限公司"),
        (1.0, 0.8, 1.0, 1.05, 1.05, 1.0, 0.95, 1.0, 1.05, 1.05, 1.05, 1.0),
    ),
    Industry(
        "纺织服装",
        8,
        0.35,
        ("{county}{brand}纺织有限公司", "{county}{brand}服饰有限公司"),
        (1.0, 0.75, 1.0, 1.05, 1.05, 1.05, 1.05, 1.0, 1.05, 1.0, 1.0, 1.0),
    ),
    Industry("化工", 6, 0.45, ("{county}{brand}化工有限公司", "{county}{brand}生物科技有限公司"), FLAT),
    Industry(
        "建材",
        7,
        0.40,
        ("{county}{brand}建材有限公司", "{county}{brand}新型建材有限公司"),
        (0.85, 0.75, 0.95, 1.05, 1.1, 1.1, 1.05, 1.05, 1.1, 1.1, 1.05, 0.95),
    ),
    Industry(
        "医疗卫生",
        4,
        0.25,
        ("{county}人民医院{town}分院", "{town}卫生院", "{county}{brand}医院"),
        (1.1, 1.0, 0.95, 0.9, 0.95, 1.05, 1.1, 1.15, 1.0, 0.9, 0.9, 1.05),
    ),
    Industry(
        "学校",
        5,
        0.10,
        ("{county}第{n}中学", "{town}中心小学", "{county}{brand}职业学校"),
        (1.0, 0.7, 1.05, 1.1, 1.1, 1.1, 0.8, 0.75, 1.05, 1.05, 1.1, 1.1),
    ),
    Industry("数据中心", 1, 0.60, ("{county}{brand}数据科技有限公司", "{county}{brand}云计算中心"), FLAT),
    Industry(
        "商业综合体",
        6,
        0.25,
        ("{county}{brand}商业广场", "{county}{brand}购物中心"),
        (1.05, 1.0, 0.9, 0.9, 0.95, 1.05, 1.15, 1.2, 1.05, 0.95, 0.9, 1.0),
    ),
    Industry(
        "农业灌溉",
        8,
        0.08,
        ("{town}{brand}灌溉站", "{county}{brand}农业专业合作社"),
        (0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.25, 1.2, 1.1, 1.0, 0.9, 0.85),
    ),
    Industry(
        "房地产",
        6,
        0.15,
        ("{county}{brand}置业有限公司", "{town}{brand}花园小区"),
        (1.15, 1.1, 0.95, 0.9, 0.9, 1.0, 1.1, 1.15, 0.95, 0.9, 0.95, 1.05),
    ),
    Industry("水务", 3, 0.50, ("{county}水务集团{town}水厂", "{county}{brand}污水处理有限公司"), FLAT),
    Industry(
        "政府机关",
        3,
        0.12,
        ("{county}{brand}行政服务中心", "{town}人民政府"),
        (1.1, 1.0, 0.9, 0.9, 0.9, 1.05, 1.15, 1.15, 1.0, 0.9, 0.9, 1.05),
    ),
)

SMALL_CAPACITIES = ((50, 1), (80, 1), (100, 2), (125, 1), (160, 3), (200, 3), (250, 3))
LARGE_CAPACITIES = (
    (315, 14),
    (400, 14),
    (500, 10),
    (630, 14),
    (800, 10),
    (1000, 9),
    (1250, 6),
    (1600, 6),
    (2000, 4),
    (2500, 3),
    (3150, 2.5),
    (4000, 1.8),
    (5000, 1.4),
    (6300, 1),
    (8000, 0.8),
    (10000, 0.5),
    (12500, 0.3),
    (16000, 0.2),
    (20000, 0.15),
)

TRAINING_TOPICS = {
    "skill": (
        "高压开关柜倒闸操作实训",
        "变压器巡视与维护实操",
        "10kV故障隔离与处置演练",
        "计量装置现场检查",
        "继电保护与自动装置基础",
        "低压配电故障排查实训",
    ),
    "other": ("供电服务规范", "电费电价政策解读", "业扩报装流程", "安全工作规程", "客户沟通技巧", "派驻经理工作手册"),
}
REFRESHER_TOPIC = "年度安全规程复训"

ONSITE_CONTENT = (
    "巡视配电室，检查变压器温度、油位及运行声音",
    "检查高压开关柜分合闸指示及带电显示装置",
    "跟踪业扩工程施工进度，协调中间检查时间",
    "协助客户电工开展倒闸操作演练",
    "开展用电安全检查，核对安全工器具试验日期",
    "核查无功补偿装置投切情况，指导提高功率因数",
    "与客户能源部门沟通下月生产计划及负荷变化",
    "现场讲解峰谷分时电价，指导错峰生产",
    "检查计量装置封印及互感器接线",
    "参加客户安全生产例会，通报计划停电安排",
    "协助客户编制有序用电方案",
    "检查应急发电机及双电源切换装置",
    "陪同专家开展能效诊断现场测试",
    "检查电缆沟、电缆夹层防小动物措施",
)
REMOTE_CONTENT = (
    "电话回访客户用电情况，解答电费账单疑问",
    "在客户服务群通报计划停电信息",
    "远程查看用电信息采集系统负荷曲线",
    "整理客户服务档案，更新用电设备台账",
    "协调营销部门办理基本电费计收方式变更",
    "整理业扩报装资料清单发客户确认",
    "电话提醒客户关注电费余额及缴费时间",
)
DUTY_CONTENT = ("节假日保电值守，巡视客户重要负荷", "配合客户检修停电，现场监护恢复送电")
PROBLEMS = (
    ("配电室消防器材过期", "督促客户更换灭火器并建立检查台账"),
    ("电缆沟积水", "协助客户疏通排水并加装盖板"),
    ("功率因数偏低，存在力调电费考核", "建议调整电容器投切定值，联系专家复核"),
    ("接地电阻测试超期", "联系试验单位开展接地电阻测试"),
    ("变压器油位偏低", "安排补油并跟踪油色谱分析"),
    ("值班电工操作票填写不规范", "组织客户电工开展两票培训"),
    ("配电室防小动物挡板缺失", "现场指导加装挡鼠板"),
    ("安全工器具试验超期", "督促送检并更换不合格工器具"),
    ("高压开关柜带电显示装置故障", "联系厂家更换带电显示器"),
    ("应急预案未演练", "协助客户制定演练计划"),
    ("负荷接近变压器额定容量", "建议客户办理增容，提供报装指引"),
    ("设计图纸与供电方案不符", "协调设计单位修改后重新送审"),
    ("受电工程施工进度滞后", "与施工单位约定节点并每周跟踪"),
)
PLAN_TASKS = (
    "跟踪在途业扩工程，协调中间检查",
    "开展配电室季节性安全检查",
    "督促整改上月遗留问题",
    "开展一次客户电工技能培训",
    "分析负荷曲线，提出错峰建议",
    "核对基本电费计收方式",
    "配合迎峰度夏（冬）保供电",
    "收集客户下季度用电需求",
    "组织双电源切换演练",
)
HANDOVER_ITEMS = (
    "在途业扩工程进度",
    "配电室钥匙与图纸资料",
    "客户联系人名单",
    "未闭环问题清单",
    "设备台账",
    "月度计划执行情况",
)
CLOSING_NOTES = (
    "受电工程已送电投运，服务转入常规维护，资料已归档",
    "客户用电需求已办结，派驻期满撤回，档案移交办公室",
    "客户生产调整，经协商结束派驻，未闭环问题已移交属地班组",
)
CALL_TOPICS = {
    "hv_operation": ("指导10kV进线倒闸操作", "双电源切换操作指导"),
    "hv_fault": ("10kV进线开关跳闸，协助查找故障点", "高压电缆终端放电，现场诊断"),
    "lv_fault": ("低压出线频繁跳闸排查", "低压母排发热处理"),
    "equipment_om": ("变压器渗油评估与处理建议", "开关柜检修方案会商"),
    "tariff_billing": ("基本电费计收方式测算", "力调电费考核解释与改进建议"),
    "energy_efficiency": ("空压机系统能效诊断", "无功补偿容量复核与节能分析"),
    "safety_assessment": ("配电室安全评价", "受电工程投运前安全检查"),
    "training": ("客户电工倒闸操作培训", "安全用电知识讲座"),
}
CALL_WEIGHTS = {
    "hv_operation": 12,
    "hv_fault": 18,
    "lv_fault": 7,
    "equipment_om": 18,
    "tariff_billing": 16,
    "energy_efficiency": 12,
    "safety_assessment": 12,
    "training": 5,
}


def _rng(seed: int, part: str) -> random.Random:
    """A generator per part, so parts do not shift each other's draws."""
    return random.Random(f"demo:{seed}:{part}")


def _weighted(rng: random.Random, pairs: tuple[tuple[object, float], ...]):
    return rng.choices([value for value, _ in pairs], [weight for _, weight in pairs])[0]


def _person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"


def _poisson(rng: random.Random, mean: float) -> int:
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _month_add(month: dt.date, months: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


# ------------------------------------------------------------------ calendar
class Workdays:
    """Workday arithmetic over a fixed span (chinese-calendar, Mon-Fri fallback)."""

    def __init__(self, first: dt.date, last: dt.date):
        self.base = first.toordinal()
        count = last.toordinal() - self.base + 1
        self.flags = [package_workday(first + i * DAY)[0] for i in range(count)]
        self.seq = list(itertools.accumulate(int(flag) for flag in self.flags))
        self.ordinals = [self.base + i for i, flag in enumerate(self.flags) if flag]
        holiday = [not flag and (first + i * DAY).weekday() < 5 for i, flag in enumerate(self.flags)]
        # Within two days of a statutory holiday on a weekday: more missed logs.
        self.near_holiday = [any(holiday[max(0, i - 2) : i + 3]) for i in range(count)]

    def is_workday(self, day: dt.date) -> bool:
        return self.flags[day.toordinal() - self.base]

    def is_near_holiday(self, day: dt.date) -> bool:
        return self.near_holiday[day.toordinal() - self.base]

    def next_workday(self, day: dt.date) -> dt.date:
        """The day itself when a workday, else the next one."""
        while not self.is_workday(day):
            day += DAY
        return day

    def nearest_workday(self, day: dt.date) -> dt.date:
        for offset in range(10):
            for candidate in (day + offset * DAY, day - offset * DAY):
                if self.is_workday(candidate):
                    return candidate
        return day

    def shift(self, day: dt.date, workdays: int) -> dt.date:
        """The workday `workdays` workdays after (or, negative, before) `day`."""
        done = self.seq[day.toordinal() - self.base]  # workdays up to and including day
        position = done + workdays - 1 if workdays > 0 else done - (1 if self.is_workday(day) else 0) + workdays
        return dt.date.fromordinal(self.ordinals[position])

    def workdays_after(self, start: dt.date, end: dt.date) -> int:
        """Workdays in (start, end]."""
        return self.seq[end.toordinal() - self.base] - self.seq[start.toordinal() - self.base]

    def has_workday(self, start: dt.date, end: dt.date) -> bool:
        if end < start:
            return False
        i, j = start.toordinal() - self.base, end.toordinal() - self.base
        return self.seq[j] - self.seq[i] + self.flags[i] > 0

    def random_workday(self, rng: random.Random, start: dt.date, end: dt.date) -> dt.date | None:
        i, j = start.toordinal() - self.base, end.toordinal() - self.base
        low = self.seq[i] - self.flags[i]  # index of the first workday >= start
        high = self.seq[j]  # one past the last workday <= end
        if high <= low:
            return None
        return dt.date.fromordinal(self.ordinals[rng.randrange(low, high)])


# ----------------------------------------------------------------- geography
@dataclass
class Geography:
    county_names: list[str]
    towns: list[list[str]]  # per county
    town_weights: list[list[float]]
    county_weights: list[float]
    teams: list[list[str]]


def _place_name(rng: random.Random, used: set[str], suffixes: tuple[str, ...]) -> str:
    while True:
        stem = rng.choice(PLACE_CHARS) + rng.choice(PLACE_CHARS)
        if stem[0] == stem[1]:
            continue
        name = stem + rng.choice(suffixes)
        if name not in used:
            used.add(name)
            return name


def _make_geography(rng: random.Random, scale: Scale) -> Geography:
    used: set[str] = set(ZHUCHENG_TOWNS) | set(WEIFANG_COUNTIES)
    counties = list(WEIFANG_COUNTIES[: scale.counties])
    while len(counties) < scale.counties:
        counties.append(_place_name(rng, used, ("县", "市", "区")))
    towns, town_weights, teams = [], [], []
    for index, county in enumerate(counties):
        if index == 0:
            names = list(ZHUCHENG_TOWNS)
        else:
            streets = [_place_name(rng, used, ("街道",)) for _ in range(rng.randint(2, 3))]
            names = streets + [_place_name(rng, used, ("镇", "镇", "乡")) for _ in range(rng.randint(8, 11))]
        towns.append(names)
        town_weights.append([3.0 if name.endswith("街道") else rng.uniform(0.6, 1.4) for name in names])
        prefix = "" if scale.counties == 1 else county[:-1]
        teams.append([prefix + team for team in TEAMS])
    county_weights = [1.0] + [rng.uniform(0.6, 1.4) for _ in counties[1:]]
    return Geography(counties, towns, town_weights, county_weights, teams)


# ----------------------------------------------------------------- customers
class CustomerRow(NamedTuple):
    id: int
    account_no: str
    name: str
    industry: str
    town: str
    voltage_kv: float
    capacity_kva: float
    annual_kwh: float | None
    star_rating: int
    potential_reason: str | None
    churn_risk: bool
    market_status: str
    billing_mode: str


CUSTOMER_COLUMNS = CustomerRow._fields


def _capacity(rng: random.Random, industry: Industry) -> float:
    if industry.name == "数据中心":
        return float(_weighted(rng, LARGE_CAPACITIES[10:]))
    small_share = 0.45 if industry.name in ("农业灌溉", "学校", "政府机关") else 0.12
    pairs = SMALL_CAPACITIES if rng.random() < small_share else LARGE_CAPACITIES
    return float(_weighted(rng, pairs))


def _voltage(rng: random.Random, capacity: float) -> float:
    if capacity >= 16000:
        return 110.0 if rng.random() < 0.5 else 35.0
    if capacity >= 6300:
        return 35.0 if rng.random() < 0.6 else 10.0
    if capacity >= 3150:
        return 35.0 if rng.random() < 0.15 else 10.0
    return 10.0


def _customer_name(rng: random.Random, industry: Industry, county: str, town: str) -> str:
    pattern = rng.choice(industry.patterns)
    return pattern.format(county=county, town=town, brand=rng.choice(BRANDS), n=rng.choice("一二三四五六七八九"))


def _market_status(rng: random.Random, annual_kwh: float | None) -> str:
    if annual_kwh is not None and annual_kwh >= DEFAULTS["trading_min_kwh"]:
        return _weighted(rng, (("agency", 45), ("retail", 40), ("direct", 15)))
    return _weighted(rng, (("agency", 88), ("retail", 11), ("direct", 1)))


def _make_customer(rng: random.Random, geo: Geography, customer_id: int, county: int) -> CustomerRow:
    industry = rng.choices(INDUSTRIES, [i.weight for i in INDUSTRIES])[0]
    town = rng.choices(geo.towns[county], geo.town_weights[county])[0]
    capacity = _capacity(rng, industry)
    load_factor = min(0.75, max(0.03, industry.load_factor * rng.uniform(0.6, 1.4)))
    annual_kwh = None if rng.random() < 0.02 else round(capacity * 8760 * load_factor, -2)
    star = rng.choices(range(6), (45, 30, 13, 7, 3.5, 1.5))[0]
    if capacity >= 2000 and rng.random() < 0.3:
        star = min(5, star + 1)
    potential = rng.choices(POTENTIAL_REASONS, (2, 1, 2, 2, 3))[0] if rng.random() < 0.05 else None
    big = annual_kwh is not None and annual_kwh >= DEFAULTS["trading_min_kwh"]
    churn = rng.random() < (0.04 if big else 0.015)
    if capacity < 315:
        billing = "single"
    else:
        billing = "capacity" if rng.random() < 0.72 else "demand"
    return CustomerRow(
        id=customer_id,
        account_no=f"37{customer_id:08d}",
        name=_customer_name(rng, industry, geo.county_names[county], town),
        industry=industry.name,
        town=town,
        voltage_kv=_voltage(rng, capacity),
        capacity_kva=capacity,
        annual_kwh=annual_kwh,
        star_rating=star,
        potential_reason=potential,
        churn_risk=churn,
        market_status=_market_status(rng, annual_kwh),
        billing_mode=billing,
    )


def _make_customers(rng: random.Random, geo: Geography, scale: Scale) -> tuple[list[CustomerRow], list[int]]:
    """Customers and the county index of each (same order)."""
    counties = rng.choices(range(scale.counties), geo.county_weights, k=scale.customers)
    counties[0] = 0  # every scale has the Zhucheng county
    counties.sort()
    rows = [_make_customer(rng, geo, i + 1, county) for i, county in enumerate(counties)]
    return rows, counties


def in_segment(customer: CustomerRow) -> bool:
    """Star, potential or risk with the contract's default thresholds."""
    kwh = customer.annual_kwh or 0
    market_eligible = (
        customer.voltage_kv >= 10 and kwh >= DEFAULTS["trading_min_kwh"] and customer.market_status == "agency"
    )
    large = customer.voltage_kv >= DEFAULTS["risk_min_kv"] and kwh >= DEFAULTS["risk_min_kwh"]
    return (
        customer.star_rating >= DEFAULTS["star_min"]
        or bool(customer.potential_reason)
        or customer.churn_risk
        or market_eligible
        or large
    )


# ------------------------------------------------------------------ managers
@dataclass
class ManagerPlan:
    id: int
    employee_no: str
    name: str
    phone: str
    team: str
    county: int
    join: dt.date | None  # first posting start; None: a candidate still in training
    leave: dt.date | None = None  # withdrawn from the program on this day
    chronic: bool = False  # chronically misses on-site days and logs
    training: str = "ok"  # ok / short_hours / low_skill / failed
    postings: list[PostingPlan] = field(default_factory=list)

    def row(self) -> tuple:
        return (self.id, self.employee_no, self.name, self.phone, self.team)


@dataclass
class PostingPlan:
    manager: ManagerPlan
    customer_id: int
    start: dt.date
    end: dt.date | None
    successor: ManagerPlan | None = None
    id: int = 0
    note: str | None = None

    def last_day(self, until: dt.date) -> dt.date:
        return min(self.end, until) if self.end else until

    def covers(self, day: dt.date, until: dt.date) -> bool:
        return self.start <= day <= self.last_day(until)

    def row(self) -> tuple:
        return (self.id, self.manager.id, self.customer_id, self.start, self.end, self.note)


def _pick(rng: random.Random, count: int, share: float, minimum: int) -> int:
    return min(count, max(minimum, round(count * share)))


def _make_managers(
    rng: random.Random,
    geo: Geography,
    scale: Scale,
    customer_counties: list[int],
    days: Workdays,
    start: dt.date,
    until: dt.date,
) -> list[ManagerPlan]:
    per_county = [customer_counties.count(c) for c in range(scale.counties)] if scale.counties > 1 else [1]
    counties = sorted(rng.choices(range(scale.counties), per_county, k=scale.managers))
    managers = []
    for i, county in enumerate(counties):
        if rng.random() < 0.6:
            join = start + rng.randint(20, 75) * DAY
        else:
            join = start + rng.randint(76, (until - start).days - 20) * DAY
        managers.append(
            ManagerPlan(
                id=i + 1,
                employee_no=f"PZ{i + 1:05d}",
                name=_person_name(rng),
                phone=_phone(rng),
                team=rng.choice(geo.teams[county]),
                county=county,
                join=days.next_workday(join),
            )
        )
    order = list(range(len(managers)))
    rng.shuffle(order)
    n = len(managers)
    cuts = list(
        itertools.accumulate(
            [
                _pick(rng, n, 0.12, 4),  # candidates: the pipeline (PIPELINE stages)
                _pick(rng, n, 0.05, 1),  # short on hours
                _pick(rng, n, 0.05, 1),  # short on skill share
                _pick(rng, n, 0.04, 1),  # failed the assessment
                _pick(rng, n, 0.07, 2),  # chronically non-compliant
                _pick(rng, n, 0.08, 2),  # withdrawn
            ]
        )
    )
    groups = [order[a:b] for a, b in zip([0] + cuts[:-1], cuts)]
    for i in groups[0]:
        managers[i].join = None
    for kind, group in zip(("short_hours", "low_skill", "failed"), groups[1:4]):
        for i in group:
            managers[i].training = kind
    for i in groups[4]:
        managers[i].chronic = True
    for i in groups[5]:
        manager = managers[i]
        latest = (until - manager.join).days - 10
        if latest > 180:
            manager.leave = manager.join + rng.randint(180, latest) * DAY
    return managers


# ------------------------------------------------------------------ postings
def _posting_pools(
    rng: random.Random, customers: list[CustomerRow], counties: list[int], county_count: int
) -> list[list[int]]:
    """Per county, customer ids in the order they get a manager (larger and segment ones first)."""
    pools: list[list[tuple[float, int]]] = [[] for _ in range(county_count)]
    for customer, county in zip(customers, counties):
        if customer.capacity_kva < 630:
            continue
        weight = 1.0 + 2.0 * (customer.star_rating >= 2) + 3.0 * bool(customer.potential_reason)
        weight += customer.capacity_kva / 2000
        pools[county].append((rng.random() ** (1 / weight), customer.id))
    return [[cid for _, cid in sorted(pool, reverse=True)] for pool in pools]


def _slots(rng: random.Random, manager: ManagerPlan, days: Workdays, until: dt.date) -> list[PostingPlan]:
    """Consecutive postings of one manager from joining until leaving (customers filled later)."""
    slots = []
    begin = manager.join
    stop = manager.leave or until
    while begin <= stop:
        end = begin + rng.randint(150, 520) * DAY
        if end >= stop:
            slots.append(PostingPlan(manager, 0, begin, manager.leave))
            break
        slots.append(PostingPlan(manager, 0, begin, end))
        begin = days.next_workday(end + rng.randint(1, 14) * DAY)
    return slots


def _make_postings(
    rng: random.Random, managers: list[ManagerPlan], pools: list[list[int]], days: Workdays, until: dt.date
) -> list[PostingPlan]:
    slots = [slot for m in managers if m.join for slot in _slots(rng, m, days, until)]
    slots.sort(key=lambda s: (s.start, s.manager.id))
    released: list[list[PostingPlan]] = [[] for _ in pools]  # ended postings awaiting a successor
    postings = []
    for slot in slots:
        county = slot.manager.county
        waiting = [p for p in released[county] if 0 < (slot.start - p.end).days <= 60]
        waiting = [p for p in waiting if p.manager is not slot.manager]
        if waiting and rng.random() < 0.45:
            previous = waiting[0]
            released[county].remove(previous)
            previous.successor = slot.manager
            slot.customer_id = previous.customer_id
        elif pools[county]:
            slot.customer_id = pools[county].pop(0)
        else:
            continue
        postings.append(slot)
        if slot.end is not None and rng.random() < 0.6:
            released[county].append(slot)
    postings += _concurrent_postings(rng, managers, postings, pools, until)
    for number, posting in enumerate(postings, start=1):
        posting.id = number
        posting.manager.postings.append(posting)
        posting.note = _handover_note(rng, posting)
    return postings


def _concurrent_postings(
    rng: random.Random, managers: list[ManagerPlan], postings: list[PostingPlan], pools: list[list[int]], until: dt.date
) -> list[PostingPlan]:
    """A few managers take a second customer for a few months."""
    long_ones = [p for p in postings if (p.last_day(until) - p.start).days >= 300]
    extra = []
    for posting in rng.sample(long_ones, min(len(long_ones), _pick(rng, len(managers), 0.06, 2))):
        pool = pools[posting.manager.county]
        if not pool:
            continue
        span = (posting.last_day(until) - posting.start).days
        start = posting.start + rng.randint(30, span - 200) * DAY
        end = start + rng.randint(90, 200) * DAY
        extra.append(PostingPlan(posting.manager, pool.pop(0), start, None if end >= until else end))
    return extra


def _handover_note(rng: random.Random, posting: PostingPlan) -> str | None:
    if posting.end is None:
        return None
    if posting.successor is not None:
        items = "、".join(rng.sample(HANDOVER_ITEMS, 3))
        return f"已向接任经理{posting.successor.name}（{posting.successor.employee_no}）移交：{items}"
    if posting.manager.leave == posting.end:
        return "经理调岗撤回，" + rng.choice(CLOSING_NOTES)
    return rng.choice(CLOSING_NOTES)


# ------------------------------------------------------- training, assessment
def _training_hours(rng: random.Random, kind: str) -> tuple[list[float], list[float]]:
    """Session hours (skill, other) for a manager's training profile."""
    if kind == "short_hours":
        total, share = rng.choice((8, 10, 12, 14)), rng.uniform(0.6, 0.75)
    elif kind == "low_skill":
        total, share = rng.choice((16, 18, 20)), rng.uniform(0.35, 0.5)
    else:
        total, share = rng.choice((16, 16, 18, 20, 24)), rng.uniform(0.62, 0.75)
    skill = max(2, 2 * round(total * share / 2))
    if kind != "low_skill" and skill / total < 0.62:
        skill += 2
    return _sessions(rng, skill), _sessions(rng, total - skill)


def _sessions(rng: random.Random, hours: int) -> list[float]:
    sessions = []
    while hours > 0:
        part = min(hours, rng.choice((2, 4, 4, 6, 8)))
        sessions.append(float(part))
        hours -= part
    return sessions


def _make_training(rng: random.Random, managers: list[ManagerPlan], until: dt.date) -> tuple[list[tuple], list[tuple]]:
    training, assessments = [], []
    candidates = 0
    for manager in managers:
        first = manager.postings[0].start if manager.postings else None
        if first is None:
            _pipeline(rng, manager, PIPELINE[candidates % len(PIPELINE)], until, training, assessments)
            candidates += 1
            continue
        posted_by = first or until + rng.randint(10, 40) * DAY  # candidates: posting still ahead
        skill, other = _training_hours(rng, manager.training)
        sessions = [("skill", h) for h in skill] + [("other", h) for h in other]
        rng.shuffle(sessions)
        last_day = posted_by - rng.randint(4, 8) * DAY
        dates = sorted(rng.sample(range(len(sessions) + 25), len(sessions)), reverse=True)
        for offset, (kind, hours) in zip(dates, sessions):
            day = last_day - offset * DAY
            if day <= until:
                topic = rng.choice(TRAINING_TOPICS[kind])
                training.append((len(training) + 1, manager.id, day, hours, kind, topic))
        if first is None:
            continue
        for year in range(1, 4):  # yearly refresher after posting
            day = first + (365 * year + rng.randint(-20, 20)) * DAY
            if day <= until:
                training.append((len(training) + 1, manager.id, day, 4.0, "other", REFRESHER_TOPIC))
        assessed = first - rng.randint(1, 3) * DAY
        if manager.training == "failed":
            assessments.append((len(assessments) + 1, manager.id, assessed, float(rng.randint(42, 58)), False))
            retake = first + rng.randint(20, 45) * DAY
            if retake <= until:
                assessments.append((len(assessments) + 1, manager.id, retake, float(rng.randint(65, 80)), True))
        else:
            assessments.append((len(assessments) + 1, manager.id, assessed, float(rng.randint(68, 98)), True))
    return training, assessments


# Lifecycle stages of the candidates (not posted yet), in turn: the roster shows each of them.
PIPELINE = ("in_training", "assessed_pass", "assessed_fail", "candidate")


def _pipeline(
    rng: random.Random,
    manager: ManagerPlan,
    stage: str,
    until: dt.date,
    training: list[tuple],
    assessments: list[tuple],
) -> None:
    """The records of a candidate at `stage` on `until`: none yet, half the training so far, or the
    whole course and an assessment a week ago (passed: awaiting a posting; failed: a retake ahead)."""
    if stage == "candidate":
        return
    skill, other = _training_hours(rng, "ok")
    sessions = [("skill", h) for h in skill] + [("other", h) for h in other]
    rng.shuffle(sessions)
    if stage == "in_training":
        sessions = sessions[: max(1, len(sessions) // 2)]
    last = until - (1 if stage == "in_training" else 14) * DAY
    for offset, (kind, hours) in enumerate(reversed(sessions)):
        training.append(
            (len(training) + 1, manager.id, last - 2 * offset * DAY, hours, kind, rng.choice(TRAINING_TOPICS[kind]))
        )
    if stage != "in_training":
        passed = stage == "assessed_pass"
        score = float(rng.randint(70, 95) if passed else rng.randint(40, 58))
        assessments.append((len(assessments) + 1, manager.id, until - 7 * DAY, score, passed))


# ----------------------------------------------------------------- work logs
def _week_onsite_days(
    rng: random.Random, manager: ManagerPlan, monday: dt.date, days: Workdays, until: dt.date
) -> set[dt.date]:
    posted = [
        d
        for d in (monday + i * DAY for i in range(7))
        if d <= until and days.is_workday(d) and any(p.covers(d, until) for p in manager.postings)
    ]
    if manager.chronic:
        target = rng.choice((0, 1, 1, 2))
    else:
        target = rng.choices((1, 2, 3, 4), (5, 50, 40, 5))[0]
    if any(days.is_near_holiday(d) for d in posted) and rng.random() < 0.25:
        target -= 1
    return set(rng.sample(posted, max(0, min(target, len(posted)))))


def _log_status(rng: random.Random, age_days: int) -> str:
    if age_days > 90:
        weights = (1, 3, 96)
    elif age_days > 30:
        weights = (8, 12, 80)
    else:
        weights = (25, 30, 45)
    return rng.choices(("open", "in_progress", "done"), weights)[0]


def _log_row(
    rng: random.Random, manager_id: int, customer_id: int, day: dt.date, on_site: bool, duty: bool, until: dt.date
) -> tuple:
    if duty:
        content = rng.choice(DUTY_CONTENT)
    else:
        content = rng.choice(ONSITE_CONTENT if on_site else REMOTE_CONTENT)
    hours = rng.choice((2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 8.0)) if on_site else rng.choice((0.5, 1.0, 1.0, 1.5, 2.0))
    if rng.random() < 0.03:
        hours = None
    problems = measures = None
    status = "done"
    if rng.random() < (0.12 if on_site else 0.04):
        problems, measures = rng.choice(PROBLEMS)
        status = _log_status(rng, (until - day).days)
    return (manager_id, customer_id, day, on_site, hours, content, problems, measures, status)


def _manager_logs(rng: random.Random, manager: ManagerPlan, days: Workdays, until: dt.date) -> Iterator[tuple]:
    postings = sorted(manager.postings, key=lambda p: (p.start, p.id))
    day = postings[0].start
    last = max(p.last_day(until) for p in postings)
    onsite: set[dt.date] = set()
    remote_rate = 0.5 if manager.chronic else 0.88
    while day <= last:
        if day == postings[0].start or day.weekday() == 0:
            onsite = _week_onsite_days(rng, manager, day - day.weekday() * DAY, days, until)
        active = [p for p in postings if p.covers(day, until)]
        if active:
            yield from _day_logs(rng, manager, active, day, day in onsite, remote_rate, days, until)
        day += DAY


def _day_logs(
    rng: random.Random,
    manager: ManagerPlan,
    active: list[PostingPlan],
    day: dt.date,
    on_site: bool,
    remote_rate: float,
    days: Workdays,
    until: dt.date,
) -> Iterator[tuple]:
    if days.is_workday(day):
        rate = remote_rate * (0.75 if days.is_near_holiday(day) else 1.0) * (0.85 if day.weekday() >= 5 else 1.0)
        if not (on_site or rng.random() < rate):
            return
        duty = False
    else:
        if rng.random() >= 0.03:
            return
        on_site, duty = rng.random() < 0.8, True
    main = active[0] if len(active) == 1 or rng.random() < 0.7 else active[1]
    yield _log_row(rng, manager.id, main.customer_id, day, on_site, duty, until)
    for other in active:
        if other is not main and rng.random() < 0.35:
            yield _log_row(rng, manager.id, other.customer_id, day, False, False, until)


def _work_logs(rng: random.Random, managers: list[ManagerPlan], days: Workdays, until: dt.date) -> Iterator[tuple]:
    number = 0
    for manager in managers:
        if manager.postings:
            for row in _manager_logs(rng, manager, days, until):
                number += 1
                yield (number, *row)


# ------------------------------------------------------------- monthly plans
def _posted_months(manager: ManagerPlan, days: Workdays, until: dt.date) -> list[dt.date]:
    months = set()
    for posting in manager.postings:
        month = posting.start.replace(day=1)
        while month <= posting.last_day(until):
            next_month = _month_add(month, 1)
            if days.has_workday(max(month, posting.start), min(next_month - DAY, posting.last_day(until))):
                months.add(month)
            month = next_month
    return sorted(months)


def _monthly_plans(rng: random.Random, managers: list[ManagerPlan], days: Workdays, until: dt.date) -> list[tuple]:
    plans = []
    for manager in managers:
        weights = (50, 30, 20) if manager.chronic else (82, 11, 7)
        for month in _posted_months(manager, days, until):
            outcome = rng.choices(("on_time", "late", "missing"), weights)[0]
            if outcome == "missing":
                continue
            offset = rng.randint(-5, 4) if outcome == "on_time" else rng.randint(5, 19)
            submitted = month + offset * DAY
            if submitted > until:
                continue
            tasks = "；".join(f"{i}. {task}" for i, task in enumerate(rng.sample(PLAN_TASKS, 3), start=2))
            content = f"{month:%Y年%m月}工作计划：1. 每周驻点不少于{rng.choice((2, 3))}天；{tasks}"
            plans.append((len(plans) + 1, manager.id, month, submitted, content))
    return plans


# ------------------------------------------------------------------- experts
@dataclass
class ExpertPlan:
    id: int
    specialty: str
    left_on: dt.date | None  # inactive experts left the pool on this day

    def available(self, day: dt.date) -> bool:
        return self.left_on is None or day < self.left_on


def _make_experts(
    rng: random.Random, scale: Scale, start: dt.date, until: dt.date
) -> tuple[list[tuple], list[ExpertPlan]]:
    """Experts in all 8 specialties; one thin specialty has a single active expert."""
    thin = rng.choice(SPECIALTIES)
    others = [s for s in SPECIALTIES if s != thin]
    rest = scale.experts - 2  # the thin specialty: one active, one who left
    counts = {s: rest // len(others) + (i < rest % len(others)) for i, s in enumerate(others)}
    rows, plans = [], []
    for specialty in SPECIALTIES:
        if specialty == thin:
            members = [True, False]
        else:
            inactive = min(counts[specialty] - 2, round(counts[specialty] * 0.05))
            members = [True] * (counts[specialty] - inactive) + [False] * inactive
        for active in members:
            expert_id = len(rows) + 1
            left_on = None if active else start + rng.randint(120, (until - start).days - 30) * DAY
            rows.append((expert_id, f"ZJ{expert_id:05d}", _person_name(rng), specialty, _phone(rng), active))
            plans.append(ExpertPlan(expert_id, specialty, left_on))
    return rows, plans


def _call_times(rng: random.Random, requested: dt.datetime, mode: str, now: dt.datetime):
    median = 120 if mode == "onsite" else 45
    responded = requested + dt.timedelta(minutes=max(3, round(rng.lognormvariate(math.log(median), 0.7))))
    work_hours = rng.uniform(1, 8) if mode == "onsite" else rng.uniform(0.3, 2)
    closed = responded + dt.timedelta(hours=work_hours)
    if rng.random() < 0.12:  # follow-up needed before closing
        closed += dt.timedelta(days=rng.randint(1, 10))
    if rng.random() < 0.01:  # forgotten to close
        closed = None
    hours = None if rng.random() < 0.05 else round(work_hours * 2) / 2 or 0.5
    return (
        responded if responded <= now else None,
        closed if closed is not None and closed <= now else None,
        hours if closed is not None and closed <= now else None,
    )


def _expert_calls(
    rng: random.Random, postings: list[PostingPlan], experts: list[ExpertPlan], days: Workdays, until: dt.date
) -> list[tuple]:
    by_specialty = {s: [e for e in experts if e.specialty == s] for s in SPECIALTIES}
    specialties, weights = list(CALL_WEIGHTS), list(CALL_WEIGHTS.values())
    now = dt.datetime.combine(until, dt.time(23, 59))
    calls = []
    for posting in postings:
        months = ((posting.last_day(until) - posting.start).days + 1) / 30.4
        for _ in range(_poisson(rng, 0.6 * months)):
            day = days.random_workday(rng, posting.start, posting.last_day(until))
            if day is None:
                continue
            specialty = rng.choices(specialties, weights)[0]
            candidates = [e for e in by_specialty[specialty] if e.available(day)]
            if not candidates:
                continue
            expert = rng.choice(candidates)
            if rng.random() < 0.1:  # a fault out of hours
                requested = dt.datetime.combine(day, dt.time(rng.choice((6, 19, 20, 21, 22)), rng.randrange(60)))
            else:
                requested = dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.randrange(60)))
            mode = "onsite" if rng.random() < 0.55 else "remote"
            responded, closed, hours = _call_times(rng, requested, mode, now)
            summary = rng.choice(CALL_TOPICS[specialty])
            calls.append(
                [expert.id, posting.manager.id, posting.customer_id, mode, requested, responded, closed, hours, summary]
            )
    calls.sort(key=lambda c: (c[4], c[1], c[0]))
    return [(i, f"DY{i:07d}", *call) for i, call in enumerate(calls, start=1)]


# -------------------------------------------------------------- applications
def _lead_days(rng: random.Random, resident: bool, dual: bool) -> float:
    lead = min(110, max(28, rng.gauss(57, 12))) if resident else min(150, max(35, rng.gauss(75, 18)))
    return lead + (rng.gauss(20, 5) if dual else 0)


def _stage_workdays(rng: random.Random, dual: bool) -> tuple[int, int, int, int]:
    """Working days of plan reply (from application), design review (from the plan reply),
    completion inspection (from the mid inspection) and energization: mostly within the
    State Grid limits, some over."""
    limit = 30 if dual else 15
    reply = rng.randint(limit * 2 // 5, limit) if rng.random() < 0.9 else rng.randint(limit + 1, limit + 8)
    design = rng.randint(4, 10) if rng.random() < 0.85 else rng.randint(11, 18)
    completion = rng.randint(2, 5) if rng.random() < 0.75 else rng.randint(6, 10)
    energize = rng.randint(1, 5) if rng.random() < 0.93 else rng.randint(6, 9)
    return reply, design, completion, energize


def _stage_dates(
    rng: random.Random, days: Workdays, applied: dt.date, lead: float, dual: bool, until: dt.date
) -> list[dt.date | None]:
    """Survey .. energization on workdays, in order; dates after `until` left blank.

    The customer's construction (design review -> mid inspection) takes what the
    lead time leaves; when it leaves too little, the other stages shrink first.
    """
    reply, design, completion, energize = _stage_workdays(rng, dual)
    energized = days.nearest_workday(applied + round(lead) * DAY)
    total = days.workdays_after(applied, energized)
    shortfall = reply + design + completion + energize + 1 - total
    if shortfall > 0:
        cut = min(shortfall, design - 1)
        design, shortfall = design - cut, shortfall - cut
        cut = min(shortfall, completion - 1)
        completion, shortfall = completion - cut, shortfall - cut
        total += max(0, shortfall)
    plan = days.shift(applied, reply)
    stages = [
        days.shift(applied, rng.randint(1, min(3, reply - 1))),  # survey
        plan,
        days.shift(plan, design),
        days.shift(applied, total - energize - completion),  # mid inspection
        days.shift(applied, total - energize),  # completion inspection
        days.shift(applied, total),  # energized
    ]
    return [d if d <= until else None for d in stages]


def _resident_on(
    postings_by_customer: dict[int, list[PostingPlan]], customer_id: int, day: dt.date, until: dt.date
) -> bool:
    return any(p.covers(day, until) for p in postings_by_customer.get(customer_id, ()))


def _application(
    rng: random.Random, days: Workdays, customer: CustomerRow, applied: dt.date, resident: bool, until: dt.date
) -> list:
    kind = "new" if rng.random() < (0.7 if resident else 0.6) else "increase"
    if kind == "new":
        capacity = customer.capacity_kva
    else:
        capacity = float(min(customer.capacity_kva, _weighted(rng, LARGE_CAPACITIES[:9])))
    dual = rng.random() < 0.12  # the same share with and without a resident manager
    stages = _stage_dates(rng, days, applied, _lead_days(rng, resident, dual), dual, until)
    return [customer.id, kind, capacity, "dual" if dual else "single", resident, applied, *stages]


def _applications(
    rng: random.Random,
    customers: list[CustomerRow],
    postings: list[PostingPlan],
    days: Workdays,
    start: dt.date,
    until: dt.date,
) -> list[tuple]:
    by_customer: dict[int, list[PostingPlan]] = {}
    for posting in postings:
        by_customer.setdefault(posting.customer_id, []).append(posting)
    apps = []
    for posting in postings:  # the connection projects resident managers are posted for
        for _ in range((rng.random() < 0.85) + (rng.random() < 0.2)):
            latest = min(posting.last_day(until), posting.start + 150 * DAY)
            applied = days.random_workday(rng, posting.start + 5 * DAY, latest)
            if applied is not None:
                apps.append(_application(rng, days, customers[posting.customer_id - 1], applied, True, until))
    for _ in range(round(0.075 * len(customers) * 3)):
        customer = rng.choice(customers)
        applied = days.random_workday(rng, start, until)
        resident = _resident_on(by_customer, customer.id, applied, until)
        apps.append(_application(rng, days, customer, applied, resident, until))
    apps.sort(key=lambda a: (a[5], a[0]))
    return [(i, f"YK{a[5]:%Y}{i:07d}", *a) for i, a in enumerate(apps, start=1)]


# --------------------------------------------------------------- consumption
def consumption_customers(
    rng: random.Random, customers: list[CustomerRow], postings: list[PostingPlan], scale: Scale
) -> list[CustomerRow]:
    posted = {p.customer_id for p in postings}
    chosen = []
    for customer in customers:
        if customer.capacity_kva < 315 or customer.annual_kwh is None:
            continue
        share = scale.segment_consumption_share if in_segment(customer) else scale.other_consumption_share
        draw = rng.random()
        if customer.id in posted or draw < share:
            chosen.append(customer)
    return chosen


@dataclass
class LoadProfile:
    ratio: float  # max demand / capacity, typical month
    watch_from: int | None = None  # month index from which it runs at >= 85 %
    over_months: tuple[int, ...] = ()
    surge_from: int | None = None
    surge_factor: float = 1.0


def _load_profile(rng: random.Random, customer: CustomerRow) -> LoadProfile:
    # Capacity billing pays off above ~70 % load (28 vs 38 yuan); one in ten is on the wrong mode.
    wrong_mode = rng.random() < 0.1
    if customer.billing_mode == "capacity":
        ratio = rng.uniform(0.3, 0.6) if wrong_mode else rng.uniform(0.72, 0.82)
    else:
        ratio = rng.uniform(0.76, 0.84) if wrong_mode else rng.uniform(0.35, 0.62)
    load_factor = customer.annual_kwh / (customer.capacity_kva * 8760)
    profile = LoadProfile(ratio=max(ratio, min(0.84, load_factor / 0.75)))
    draw = rng.random()
    if draw < 0.04:
        profile.watch_from = CONSUMPTION_MONTHS - rng.randint(3, 8)
    elif draw < 0.06:
        profile.over_months = tuple(rng.sample(range(CONSUMPTION_MONTHS), rng.randint(1, 3)))
    elif draw < 0.10:
        profile.surge_from = rng.randint(4, CONSUMPTION_MONTHS - 1)
        profile.surge_factor = rng.uniform(1.45, 1.9)
    return profile


def _customer_consumption(rng: random.Random, customer: CustomerRow, months: list[dt.date]) -> Iterator[tuple]:
    profile = _load_profile(rng, customer)
    seasonal = INDUSTRY_BY_NAME[customer.industry].seasonal
    capacity = customer.capacity_kva
    for index, month in enumerate(months):
        season = seasonal[month.month - 1]
        surge = profile.surge_factor if profile.surge_from is not None and index >= profile.surge_from else 1.0
        kwh = customer.annual_kwh / 12 * season * surge * rng.uniform(0.93, 1.07)
        ratio = profile.ratio * season**0.3 * rng.uniform(0.95, 1.05) * surge**0.5
        if profile.watch_from is not None and index >= profile.watch_from:
            ratio = rng.uniform(0.86, 0.98)
        if index in profile.over_months:
            ratio = rng.uniform(1.03, 1.2)
        demand = capacity * min(ratio, 0.99) if index not in profile.over_months else capacity * ratio
        kwh = min(kwh, demand * 720 * 0.95)  # energy cannot exceed the peak held all month
        yield (customer.id, month, round(kwh, -1), round(demand, 1))


INDUSTRY_BY_NAME = {industry.name: industry for industry in INDUSTRIES}


def _consumption(rng: random.Random, chosen: list[CustomerRow], until: dt.date) -> Iterator[tuple]:
    last = _month_add(until.replace(day=1), -1)
    months = [_month_add(last, -i) for i in range(CONSUMPTION_MONTHS - 1, -1, -1)]
    number = 0
    for customer in chosen:
        for row in _customer_consumption(rng, customer, months):
            number += 1
            yield (number, *row)


# ------------------------------------------------------------------- loading
def _sqlite_value(value):
    """The text SQLAlchemy's SQLite dialect stores for dates, datetimes and booleans."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return int(value)


def _sqlite_row(row: tuple, typed: list[int]) -> tuple:
    values = list(row)
    for i in typed:
        values[i] = _sqlite_value(values[i])
    return tuple(values)


class Loader:
    """Bulk inserts inside the caller's transaction, with progress per chunk."""

    def __init__(self, conn: Connection, expected_rows: int, progress: Progress):
        self.conn = conn
        self.raw = conn.connection.driver_connection
        self.postgres = conn.dialect.name == "postgresql"
        self.expected = max(1, expected_rows)
        self.done = 0
        self.progress = progress
        self.counts: dict[str, int] = {}

    def load(self, table: Table, columns: Iterable[str], rows: Iterable[tuple]) -> int:
        columns = tuple(columns)
        written = 0
        rows = iter(rows)
        while chunk := list(itertools.islice(rows, CHUNK_ROWS)):
            if self.postgres:
                self._copy(table.name, columns, chunk)
            else:
                self._executemany(table, columns, chunk)
            written += len(chunk)
            self.done += len(chunk)
            self.progress(f"{table.name} {written:,}", min(0.99, self.done / self.expected))
        self.counts[table.name] = written
        return written

    def _executemany(self, table: Table, columns: tuple[str, ...], chunk: list[tuple]) -> None:
        sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        typed = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, (Date, DateTime, Boolean))]
        if typed:
            chunk = [_sqlite_row(row, typed) for row in chunk]
        self.raw.executemany(sql, chunk)

    def _copy(self, name: str, columns: tuple[str, ...], chunk: list[tuple]) -> None:
        with self.raw.cursor() as cursor:
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in chunk:
                    copy.write_row(row)


def _clear_domain(conn: Connection) -> list[dict]:
    """Empty the domain tables; returns the users linked to managers (removed, to be restored)."""
    users = User.__table__
    linked = [
        dict(row._mapping)
        for row in conn.execute(
            select(users, Manager.employee_no)
            .join(Manager, Manager.id == users.c.manager_id)
            .where(users.c.username.not_in(DEMO_USERS))
            .order_by(users.c.id)
        )
    ]
    conn.execute(users.delete().where(users.c.manager_id.is_not(None)))
    if conn.dialect.name == "postgresql":
        # The needs cases point at customers and applications: PostgreSQL truncates them together
        # (demo_followup.clear has emptied them already).
        tables = ["need_case_months", "need_cases", *(t.name for t in DOMAIN_TABLES[:-1])]
        conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
        conn.execute(DOMAIN_TABLES[-1].delete())
    else:
        for table in DOMAIN_TABLES:
            conn.execute(table.delete())
    return linked


def _restore_users(conn: Connection, linked: list[dict], managers: list[ManagerPlan], fallback_id: int) -> None:
    by_employee_no = {m.employee_no: m.id for m in managers}
    for user in linked:
        employee_no = user.pop("employee_no")
        manager_id = by_employee_no.get(employee_no)
        user.update(manager_id=manager_id or fallback_id, version=user["version"] + 1)
        if manager_id is None:
            user["active"] = False
        conn.execute(User.__table__.insert().values(**user))


def _reset_sequences(conn: Connection, counts: dict[str, int]) -> None:
    for name in counts:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )


def _demo_users(conn: Connection, demo_manager: ManagerPlan) -> None:
    hashed = hash_password(DEMO_PASSWORD)  # bcrypt is slow by design: hash once
    upsert_user(conn, "leader", "演示领导", DEMO_PASSWORD, "leader", password_hash=hashed, created_by="demo")
    upsert_user(
        conn, "office", "派驻经理办公室（演示）", DEMO_PASSWORD, "office", password_hash=hashed, created_by="demo"
    )
    upsert_user(
        conn,
        "manager",
        demo_manager.name,
        DEMO_PASSWORD,
        "manager",
        demo_manager.id,
        password_hash=hashed,
        created_by="demo",
    )


def _demo_manager(managers: list[ManagerPlan], until: dt.date) -> ManagerPlan:
    """A manager posted on `until`, preferring a well-behaved one."""
    posted = [m for m in managers if any(p.covers(until, until) for p in m.postings)]
    good = [m for m in posted if not m.chronic and m.training == "ok"]
    return (good or posted)[0]


def _window(until: dt.date) -> dt.date:
    try:
        return until.replace(year=until.year - 3) + DAY
    except ValueError:  # 29 February
        return dt.date(until.year - 3, 3, 1)


def generate_demo(
    engine: Engine, scale: str, *, seed: int = 2019, until: dt.date | None = None, progress: Progress | None = None
) -> dict[str, int]:
    """Replace all domain data with a synthetic data set; returns rows written per table."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {', '.join(SCALES)}")
    until = until or dt.date.today()
    start = _window(until)
    earliest, latest = dt.date(FIRST_YEAR + 4, 1, 1), dt.date(LAST_YEAR, 12, 31)
    if not earliest <= until <= latest:  # the calendar table must hold the whole window
        raise ValueError(f"until must lie between {earliest} and {latest}")
    report = progress or (lambda step, fraction: None)
    report("planning", 0.0)
    plan = _plan(SCALES[scale], seed, start, until, report)
    with engine.begin() as conn:
        counts = _write(conn, plan, report)
    report("statistics", 0.99)
    refresh_statistics(engine)
    report("done", 1.0)
    return counts


@dataclass
class DemoPlan:
    seed: int
    scale: Scale
    until: dt.date
    days: Workdays
    customers: list[CustomerRow]
    managers: list[ManagerPlan]
    postings: list[PostingPlan]
    training: list[tuple]
    assessments: list[tuple]
    plans: list[tuple]
    experts: list[tuple]
    calls: list[tuple]
    applications: list[tuple]
    metered: list[CustomerRow]
    outages: list[tuple] = field(default_factory=list)


def _plan(scale: Scale, seed: int, start: dt.date, until: dt.date, report: Progress) -> DemoPlan:
    """Everything except the two big streamed tables (work logs, consumption)."""
    days = Workdays(start - 120 * DAY, until + 400 * DAY)
    geo = _make_geography(_rng(seed, "geography"), scale)
    report("planning customers", 0.01)
    customers, counties = _make_customers(_rng(seed, "customers"), geo, scale)
    report("planning managers and postings", PLANNING_SHARE * 0.6)
    managers = _make_managers(_rng(seed, "managers"), geo, scale, counties, days, start, until)
    pools = _posting_pools(_rng(seed, "pools"), customers, counties, scale.counties)
    postings = _make_postings(_rng(seed, "postings"), managers, pools, days, until)
    training, assessments = _make_training(_rng(seed, "training"), managers, until)
    experts, expert_plans = _make_experts(_rng(seed, "experts"), scale, start, until)
    report("planning calls and applications", PLANNING_SHARE * 0.7)
    calls = _expert_calls(_rng(seed, "calls"), postings, expert_plans, days, until)
    applications = _applications(_rng(seed, "applications"), customers, postings, days, start, until)
    return DemoPlan(
        seed=seed,
        scale=scale,
        until=until,
        days=days,
        customers=customers,
        managers=managers,
        postings=postings,
        training=training,
        assessments=assessments,
        plans=_monthly_plans(_rng(seed, "plans"), managers, days, until),
        experts=experts,
        calls=calls,
        applications=applications,
        metered=consumption_customers(_rng(seed, "metered"), customers, postings, scale),
        outages=_outage_plans(_rng(seed, "outages"), postings, days, until),
    )


OUTAGE_SCOPES = (
    "10kV 进线开关例行检修",
    "配电房变压器预防性试验",
    "低压母线改造",
    "高压柜清扫与紧固",
    "无功补偿装置更换",
    "新增负荷接入施工配合",
    "电缆终端头检修",
)


def _outage_plans(rng: random.Random, postings: list[PostingPlan], days: Workdays, until: dt.date) -> list[tuple]:
    """Outage windows agreed with the customers posted on `until`, last month to next month: about
    two in three customer-months have one; past ones mostly done, future ones agreed or planned."""
    customers = sorted({p.customer_id for p in postings if p.covers(until, until)})
    this_month = until.replace(day=1)
    rows = []
    for customer_id in customers:
        for month in (_month_add(this_month, -1), this_month, _month_add(this_month, 1)):
            if rng.random() > 0.65:
                continue
            candidates = [
                month + dt.timedelta(days=d) for d in range(28) if days.is_workday(month + dt.timedelta(days=d))
            ]
            day = rng.choice(candidates)
            if day < until:
                status = "done" if rng.random() < 0.85 else "cancelled"
            else:
                status = "agreed" if rng.random() < 0.6 else "planned"
            rows.append(
                (
                    len(rows) + 1,
                    customer_id,
                    day,
                    float(rng.choice((2, 4, 4, 6, 8))),
                    rng.choice(OUTAGE_SCOPES),
                    status,
                    "demo",
                )
            )
    return rows


def _expected_logs(plan: DemoPlan) -> int:
    posted_days = sum((p.last_day(plan.until) - p.start).days + 1 for p in plan.postings)
    return round(posted_days * 0.62)  # about 5/7 workdays, most of them logged


def _write(conn: Connection, plan: DemoPlan, report: Progress) -> dict[str, int]:
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB: index upkeep on big tables
    demo_followup.clear(conn)  # before the domain tables their rows point to
    linked = _clear_domain(conn)
    expected = (
        len(plan.managers)
        + len(plan.customers)
        + len(plan.experts)
        + len(plan.training)
        + len(plan.assessments)
        + len(plan.postings)
        + len(plan.plans)
        + len(plan.calls)
        + len(plan.applications)
        + _expected_logs(plan)
        + len(plan.metered) * CONSUMPTION_MONTHS
    )
    loader = Loader(
        conn, expected, lambda step, fraction: report(step, PLANNING_SHARE + (0.99 - PLANNING_SHARE) * fraction)
    )
    seed, until = plan.seed, plan.until
    loader.load(Manager.__table__, ("id", "employee_no", "name", "phone", "team"), (m.row() for m in plan.managers))
    loader.load(Customer.__table__, CUSTOMER_COLUMNS, plan.customers)
    loader.load(Expert.__table__, ("id", "expert_no", "name", "specialty", "phone", "active"), plan.experts)
    loader.load(Training.__table__, ("id", "manager_id", "date", "hours", "kind", "topic"), plan.training)
    loader.load(Assessment.__table__, ("id", "manager_id", "date", "score", "passed"), plan.assessments)
    loader.load(
        Posting.__table__,
        ("id", "manager_id", "customer_id", "start_date", "end_date", "handover_note"),
        (p.row() for p in plan.postings),
    )
    loader.load(MonthlyPlan.__table__, ("id", "manager_id", "month", "submitted_on", "content"), plan.plans)
    loader.load(
        WorkLog.__table__,
        ("id", "manager_id", "customer_id", "date", "on_site", "hours", "content", "problems", "measures", "status"),
        _work_logs(_rng(seed, "logs"), plan.managers, plan.days, until),
    )
    loader.load(
        ExpertCall.__table__,
        (
            "id",
            "call_no",
            "expert_id",
            "manager_id",
            "customer_id",
            "mode",
            "requested_at",
            "responded_at",
            "closed_at",
            "hours",
            "summary",
        ),
        plan.calls,
    )
    loader.load(
        Application.__table__,
        (
            "id",
            "app_no",
            "customer_id",
            "kind",
            "capacity_kva",
            "supply",
            "resident_served",
            "applied_on",
            "surveyed_on",
            "plan_replied_on",
            "design_reviewed_on",
            "mid_inspected_on",
            "completion_inspected_on",
            "energized_on",
        ),
        plan.applications,
    )
    loader.load(
        Consumption.__table__,
        ("id", "customer_id", "month", "kwh", "max_demand_kw"),
        _consumption(_rng(seed, "consumption"), plan.metered, until),
    )
    loader.load(
        OutagePlan.__table__,
        ("id", "customer_id", "planned_on", "hours", "scope", "status", "entered_by"),
        plan.outages,
    )
    if not sqlite:
        _reset_sequences(conn, loader.counts)
    report("users", 0.99)
    demo_manager = _demo_manager(plan.managers, until)
    _restore_users(conn, linked, plan.managers, demo_manager.id)
    _demo_users(conn, demo_manager)
    ensure_calendar(conn)
    report("needs cases and documents", 0.99)
    followup = demo_followup.write(conn, seed, until, demo_manager.id)
    if sqlite:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(cache_size)}")
    counts = {name: loader.counts[name] for name in (t.name for t in reversed(DOMAIN_TABLES))}
    counts["users"] = conn.execute(select(func.count()).select_from(User)).scalar()
    counts.update(followup)
    return counts
