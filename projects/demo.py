"""Demo data: Ganzhou's units, an account for every role, projects, lists and three-list plans.

Two layers, so that the data is reproducible and the writes are fast:

- pure generators (`generate_units`, `generate_accounts`, `generate_projects`,
  `generate_list_entries`, `generate_year_plans`) turn a seed, a date and a
  count into plain dataclasses: same arguments, same result. Each kind of
  record draws from its own random stream (`"{seed}:{kind}"`), so adding a
  new kind later does not change the records of the existing ones;
- writers (`seed_*`, one per kind of record) bulk-insert those records with
  their history rows (history user and date set), avoiding per-row queries.

`seed_demo()` runs the writers listed in `STEPS` inside one transaction. To
add a kind of record (e.g. monthly reports), write a generator and a writer
taking the `SeedContext`, and append the writer to `STEPS`.

The history looks like the system has been in use for `months` months up to
`today`: units and accounts were set up at the start of that window, projects
were entered over it (many in the first fortnight, when the existing ledger
was taken over), and stage changes, list adjustments and plans follow on.
"""

from __future__ import annotations

import copy
import datetime
import math
import random
import time
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.test.utils import override_settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from . import roles
from .models import (
    MONTH_FIELDS,
    RESERVE_STAGES,
    AdjustmentAction,
    FundType,
    IndustryChain,
    ListAdjustment,
    ListEntry,
    ListKind,
    PolicyFundItem,
    Project,
    ProjectGroupObjectPermission,
    ProjectUserObjectPermission,
    ProjectYearPlan,
    Sector,
    SigningStatus,
    Stage,
    Unit,
    UnitType,
    User,
)

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo password, printed by bootstrap_demo
DEFAULT_SEED = 2026
DEFAULT_PROJECTS = 300
DEFAULT_MONTHS = 12
BATCH_SIZE = 2000
EMAIL_DOMAIN = "ganzhou.example"

CENT = Decimal("0.01")
ONE = Decimal("1")

# Chinese labels used in generated texts and in the accounts table; they do not
# depend on the translation catalogue being compiled.
STAGE_ZH = {
    Stage.CONCEPT: "策划",
    Stage.PLANNING: "规划",
    Stage.PRE_PREPARATORY: "拟开展前期",
    Stage.PREPARATORY: "正在开展前期",
    Stage.NEW_START: "新开工",
    Stage.UNDER_CONSTRUCTION: "续建",
    Stage.COMPLETED: "竣工",
    Stage.IN_OPERATION: "投产",
}
ROLE_ZH = {
    roles.REPORTER: "单位填报员",
    roles.DRC: "发改局审核员",
    roles.STATISTICS: "统计局",
    roles.FINANCE: "财政局",
    roles.LEADER: "区领导",
    roles.AUDITOR: "审计",
    roles.ADMINISTRATOR: "系统管理员",
}


# ---------------------------------------------------------------------------
# Units (DESIGN §5)
# ---------------------------------------------------------------------------

STREETS = [
    ("dongjie", "东街街道"),
    ("nanjie", "南街街道"),
    ("xijie", "西街街道"),
    ("beijie", "北街街道"),
    ("huochezhan", "火车站街道"),
]
TOWNS = [
    ("liangjiadun", "梁家墩镇"),
    ("shangqin", "上秦镇"),
    ("daman", "大满镇"),
    ("shajing", "沙井镇"),
    ("wujiang", "乌江镇"),
    ("ganjun", "甘浚镇"),
    ("xindun", "新墩镇"),
    ("dangzhai", "党寨镇"),
    ("jiantan", "碱滩镇"),
    ("sanzha", "三闸镇"),
    ("xiaoman", "小满镇"),
    ("mingyong", "明永镇"),
    ("changan", "长安镇"),
    ("longqu", "龙渠乡"),
    ("anyang", "安阳乡"),
    ("huazhai", "花寨乡"),
    ("jingan", "靖安乡"),
    ("pingshanhu", "平山湖蒙古族乡"),
]
DEPARTMENTS = [
    ("fagai", "区发展改革局"),
    ("tongji", "区统计局"),
    ("caizheng", "区财政局"),
    ("renshe", "区人社局"),
    ("ziranziyuan", "市自然资源局甘州分局"),
    ("shengtai", "市生态环境局甘州分局"),
    ("gongxin", "区工信局"),
    ("zhujian", "区住建局"),
    ("nongye", "区农业农村局"),
    ("shuiwu", "区水务局"),
    ("jiaotong", "区交通运输局"),
    ("wenlv", "区文体广电和旅游局"),
    ("jiaoyu", "区教育局"),
    ("weijian", "区卫健局"),
    ("shangwu", "区商务局"),
    ("minzheng", "区民政局"),
]
DRC_UNIT, STATISTICS_UNIT, FINANCE_UNIT = "fagai", "tongji", "caizheng"

# Villages of the towns and communities of the streets, for locations.
VILLAGES = {
    "liangjiadun": ["梁家墩村", "清凉寺村", "太平堡村", "五号村", "迎恩村", "四号村"],
    "shangqin": ["上秦村", "徐赵寨村", "金家湾村", "缪家堡村", "王家墩村", "东王堡村"],
    "daman": ["大满村", "李家墩村", "紫家寨村", "朱家庄村", "平顺村", "城北村"],
    "shajing": ["沙井村", "兴隆村", "东五村", "坝庙村", "小闸村", "南湾村"],
    "wujiang": ["乌江村", "大湾村", "敬依村", "平原村", "谢家湾村", "贾家寨村"],
    "ganjun": ["甘浚村", "星光村", "巴吉滩村", "东寺村", "高家庄村", "工农村"],
    "xindun": ["新墩村", "南华村", "双墩村", "流泉村", "城儿闸村", "隋家寺村"],
    "dangzhai": ["党寨村", "十号村", "陈家墩村", "汪家堡村", "小寨村", "廿里堡村"],
    "jiantan": ["碱滩村", "老仁坝村", "二坝村", "刘家庄村", "古城村", "草原村"],
    "sanzha": ["三闸村", "新建村", "红沙窝村", "杨家庄村", "瞭马墩村", "天乐村"],
    "xiaoman": ["小满村", "石子坝村", "店子闸村", "甘城村", "河满村", "金城村"],
    "mingyong": ["明永村", "上崖村", "沿河村", "燎烟村", "永和村", "孙家闸村"],
    "changan": ["长安村", "上头闸村", "南关村", "前进村", "万家墩村", "八一村"],
    "longqu": ["龙渠村", "木笼坝村", "白城村", "新胜村", "保安村", "墩源村"],
    "anyang": ["安阳村", "郎家城村", "金王庄村", "高寨村", "五一村", "贺家城村"],
    "huazhai": ["花寨村", "余家城村", "新城村", "西阳村", "滚家庄村", "柏杨树村"],
    "jingan": ["靖安村", "上堡村", "新沟村", "靖平村", "西湾村", "杨家寨村"],
    "pingshanhu": ["紫泥泉村", "红泉村", "平山湖村"],
    "dongjie": ["县府街社区", "东湖社区", "青年街社区", "东苑社区"],
    "nanjie": ["南关社区", "劳动街社区", "南湖社区", "仓后街社区"],
    "xijie": ["西关社区", "西来寺社区", "玉水苑社区", "北环路社区"],
    "beijie": ["北关社区", "马神庙街社区", "民勤街社区", "甘泉社区"],
    "huochezhan": ["站前社区", "车站社区", "滨河社区", "工业园社区"],
}

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余于杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪石金贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙史陶贺毛郝顾万武钱严常牛祁柴"
)
GIVEN_CHARS = "志国建文明华军平伟强磊洋勇刚杰涛斌超鹏辉峰龙海亮红芳丽娟敏静霞燕玲婷霞梅兰秀英玉晓晨宇新春瑞"
MOBILE_PREFIXES = ("130", "131", "133", "135", "136", "137", "138", "139", "150", "151", "153", "155", "158",
                   "159", "177", "180", "181", "186", "187", "189", "199")


def _person(rng: random.Random) -> str:
    given = rng.choice(GIVEN_CHARS) + (rng.choice(GIVEN_CHARS) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def _office_phone(rng: random.Random) -> str:
    return f"0936-82{rng.randrange(10**5):05d}"  # Zhangye's area code


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    unit_type: str
    sort_order: int
    head_name: str
    contact_name: str
    contact_phone: str

    @property
    def contact_email(self) -> str:
        return f"{self.code}@{EMAIL_DOMAIN}"

    @property
    def head_email(self) -> str:
        return f"{self.code}-head@{EMAIL_DOMAIN}"


def generate_units() -> list[UnitSpec]:
    """The 5 streets, 18 towns and townships and the departments, in that order (DESIGN §5)."""
    rng = random.Random("units")
    specs = []
    groups = [(STREETS, UnitType.STREET), (TOWNS, UnitType.TOWN), (DEPARTMENTS, UnitType.DEPARTMENT)]
    order = 0
    for entries, unit_type in groups:
        for code, name in entries:
            order += 10
            specs.append(
                UnitSpec(
                    code=code,
                    name=name,
                    unit_type=unit_type,
                    sort_order=order,
                    head_name=_person(rng),
                    contact_name=_person(rng),
                    contact_phone=_office_phone(rng),
                )
            )
    return specs


UNIT_NAMES = dict(STREETS + TOWNS + DEPARTMENTS)


# ---------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------

# (username, title, full name) of the district leaders: the first is the
# executive deputy head who chairs the dispatch meeting.
LEADERS = [
    ("leader", "常务副区长", "王志刚"),
    ("leader_quzhang", "区长", "赵国平"),
    ("leader_zhang", "副区长", "张红梅"),
    ("leader_li", "副区长", "李文斌"),
]


@dataclass(frozen=True)
class AccountSpec:
    username: str
    full_name: str
    role: str
    unit_code: str | None
    phone: str

    @property
    def is_administrator(self) -> bool:
        return self.role == roles.ADMINISTRATOR

    @property
    def email(self) -> str:
        return f"{self.username}@{EMAIL_DOMAIN}"


def reporter_username(unit_code: str) -> str:
    return f"reporter_{unit_code}"


def generate_accounts() -> list[AccountSpec]:
    """One account per role, plus a reporter for every unit and several leaders; all use DEMO_PASSWORD."""
    rng = random.Random("accounts")
    accounts = [
        AccountSpec("admin", "系统管理员", roles.ADMINISTRATOR, None, _mobile(rng)),
        AccountSpec("drc", _person(rng), roles.DRC, DRC_UNIT, _mobile(rng)),
        AccountSpec("stats", _person(rng), roles.STATISTICS, STATISTICS_UNIT, _mobile(rng)),
        AccountSpec("finance", _person(rng), roles.FINANCE, FINANCE_UNIT, _mobile(rng)),
    ]
    accounts += [AccountSpec(u, f"{title} {name}", roles.LEADER, None, _mobile(rng)) for u, title, name in LEADERS]
    accounts.append(AccountSpec("auditor", _person(rng), roles.AUDITOR, None, _mobile(rng)))
    accounts += [
        AccountSpec(reporter_username(unit.code), _person(rng), roles.REPORTER, unit.code, _mobile(rng))
        for unit in generate_units()
    ]
    return accounts


# ---------------------------------------------------------------------------
# Project templates
# ---------------------------------------------------------------------------

TOWN, STREET, DISTRICT = "town", "street", "district"


@dataclass(frozen=True, eq=False)
class Template:
    """One kind of project. `name`, `content` and `target` are format strings over `params`
    and {place} (the town, street or 甘州区), {village} and {year}."""

    key: str
    sector: str
    department: str  # code of the competent department
    scopes: tuple[str, ...]
    name: str
    content: str
    target: str
    invest: tuple[int, int]  # range of total investment, 10k yuan
    params: dict = field(default_factory=dict)  # name -> (lo, hi) for an int, or a list to choose from
    chains: tuple[str, ...] = ()
    owner: str = "gov"  # "gov", "company:<kind>|<kind>", or a format string naming the owner
    scale: tuple[str, int, int] | None = None  # investment = param × per-unit cost in [lo, hi]
    only: tuple[str, ...] = ()  # restricted to these unit codes
    weight: float = 1.0
    where: str = ""  # location (a format string) when it is not a village of the place


S, C = Sector, IndustryChain
IRRIGATION_DISTRICTS = ["盈科", "大满", "西浚", "上三", "安阳", "花寨"]

TEMPLATES = [
    # Agriculture and rural areas (区农业农村局)
    Template(
        "farmland", S.AGRICULTURE, "nongye", (TOWN, DISTRICT), "{place}高标准农田建设项目",
        "新建高标准农田{mu}万亩，配套建设斗农渠{km}公里、机耕道路{road}公里及农田防护林",
        "年底前建成高标准农田{mu}万亩，新增高效节水灌溉面积{save}万亩",
        (1500, 12000), {"mu": (1, 6), "km": (10, 60), "road": (5, 30), "save": (1, 3)}, weight=2,
    ),
    Template(
        "seed_base", S.AGRICULTURE, "nongye", (TOWN,), "{place}玉米制种基地建设项目",
        "建设标准化玉米制种基地{mu}万亩，配套建设种子晾晒场{m2}平方米、果穗烘干线{line}条",
        "年底前完成制种基地{mu}万亩建设，新增种子烘干能力{t}万吨",
        (2000, 30000), {"mu": (2, 10), "m2": (5000, 30000), "line": (2, 6), "t": (2, 8)},
        chains=(C.SEED,), owner="company:种业|农业科技", weight=2,
    ),
    Template(
        "beef_farm", S.AGRICULTURE, "nongye", (TOWN,), "{place}肉牛养殖小区建设项目",
        "新建标准化牛舍{n}栋{m2}平方米，配套建设青贮池{m3}立方米、饲草料库及粪污处理设施，达产后存栏肉牛{head}头",
        "年底前建成牛舍{n}栋，新增肉牛存栏{head}头",
        (800, 15000), {"n": (6, 30), "m2": (6000, 40000), "m3": (5000, 30000), "head": (1000, 8000)},
        chains=(C.LIVESTOCK,), owner="company:牧业|畜牧养殖", weight=2,
    ),
    Template(
        "dairy_farm", S.AGRICULTURE, "nongye", (TOWN,), "{place}规模化奶牛养殖场建设项目",
        "新建泌乳牛舍{n}栋、挤奶厅{k}座及饲草料库、粪污资源化利用设施，存栏奶牛{head}头",
        "年底前建成牛舍{n}栋，新增奶牛存栏{head}头",
        (10000, 80000), {"n": (8, 24), "k": (1, 3), "head": (3000, 10000)},
        chains=(C.LIVESTOCK,), owner="company:牧业|乳业", weight=0.6,
    ),
    Template(
        "greenhouse", S.AGRICULTURE, "nongye", (TOWN,), "{place}设施蔬菜产业园建设项目",
        "新建日光温室{n}座、钢架大棚{m}座，配套建设育苗中心及水肥一体化设施",
        "年底前建成日光温室{n}座，带动{hh}户农户增收",
        (1000, 20000), {"n": (100, 600), "m": (50, 400), "hh": (200, 1500)},
        chains=(C.VEGETABLES,), owner="company:农业发展|蔬菜产业", weight=2,
    ),
    Template(
        "summer_veg", S.AGRICULTURE, "nongye", (TOWN,), "{place}高原夏菜标准化生产基地建设项目",
        "建设高原夏菜标准化种植基地{mu}万亩，配套建设预冷库{m2}平方米及田间道路",
        "年底前建成高原夏菜基地{mu}万亩，新增预冷能力{t}万吨",
        (800, 8000), {"mu": (1, 5), "m2": (2000, 10000), "t": (1, 5)},
        chains=(C.VEGETABLES,), owner="company:农业发展|蔬菜产业",
    ),
    Template(
        "living_env", S.AGRICULTURE, "nongye", (TOWN,), "{place}农村人居环境整治提升项目",
        "实施农村户厕改造{hh}座，建设村内道路硬化{km}公里、垃圾收集点{k}处及村庄绿化亮化",
        "年底前完成改厕{hh}座、村内道路硬化{km}公里",
        (300, 3000), {"hh": (300, 2000), "km": (5, 30), "k": (10, 60)},
    ),
    Template(
        "harmony_village", S.AGRICULTURE, "nongye", (TOWN,), "{place}{village}和美乡村建设项目",
        "实施村庄道路、供排水、绿化亮化及村级综合服务设施提升改造，建设面积{m2}平方米",
        "年底前完成村庄基础设施提升改造，村级综合服务设施投入使用",
        (500, 5000), {"m2": (2000, 20000)},
    ),
    # Agricultural product processing
    Template(
        "seed_processing", S.AGRI_PROCESSING, "nongye", (TOWN,), "{place}年产{t}万吨玉米种子精深加工项目",
        "新建种子加工车间{m2}平方米，购置果穗烘干、精选包衣生产线{line}条及种子检验设备",
        "年底前建成加工生产线{line}条，新增种子加工能力{t}万吨",
        (3000, 40000), {"t": (1, 6), "m2": (5000, 30000), "line": (2, 6)},
        chains=(C.SEED,), owner="company:种业", weight=1.5,
    ),
    Template(
        "feed_mill", S.AGRI_PROCESSING, "gongxin", (TOWN,), "{place}年产{t}万吨饲料加工项目",
        "新建饲料生产车间及原料库{m2}平方米，购置饲料加工生产线{line}条",
        "年底前建成饲料生产线{line}条，新增饲料产能{t}万吨",
        (2000, 20000), {"t": (5, 30), "m2": (5000, 25000), "line": (1, 4)},
        chains=(C.LIVESTOCK,), owner="company:饲料|生物科技",
    ),
    Template(
        "beef_processing", S.AGRI_PROCESSING, "gongxin", (TOWN,), "{place}肉牛屠宰及精深加工项目",
        "新建屠宰车间、排酸库、冷冻库{m2}平方米，年屠宰肉牛{head}头",
        "年底前建成屠宰加工生产线，形成年屠宰肉牛{head}头能力",
        (8000, 60000), {"m2": (8000, 40000), "head": (50000, 200000)},
        chains=(C.FOOD, C.LIVESTOCK), owner="company:食品|清真食品", weight=0.7,
    ),
    Template(
        "veg_processing", S.AGRI_PROCESSING, "gongxin", (TOWN,), "{place}果蔬净菜加工及冷链仓储项目",
        "新建净菜加工车间{m2}平方米、冷藏保鲜库{m3}立方米，购置分拣包装生产线{line}条",
        "年底前建成冷藏保鲜库{m3}立方米，新增净菜加工能力{t}万吨",
        (1500, 15000), {"m2": (3000, 15000), "m3": (10000, 60000), "line": (2, 5), "t": (2, 10)},
        chains=(C.FOOD, C.VEGETABLES), owner="company:农产品|食品",
    ),
    Template(
        "herb_processing", S.AGRI_PROCESSING, "gongxin", (TOWN,), "{place}中药材初加工及仓储项目",
        "建设板蓝根、黄芪等中药材初加工车间{m2}平方米及仓储库房，配套烘干、切片生产线",
        "年底前建成中药材初加工生产线，年加工中药材{t}千吨",
        (1000, 10000), {"m2": (2000, 12000), "t": (2, 10)},
        chains=(C.MEDICINE,), owner="company:中药材|药业",
    ),
    Template(
        "dairy_processing", S.AGRI_PROCESSING, "gongxin", (TOWN, DISTRICT), "{place}年产{t}万吨乳制品加工项目",
        "新建液态奶及乳制品生产车间{m2}平方米，购置灌装生产线{line}条",
        "年底前完成主体工程，新增乳制品产能{t}万吨",
        (10000, 100000), {"t": (3, 20), "m2": (10000, 40000), "line": (2, 8)},
        chains=(C.FOOD,), owner="company:乳业", weight=0.4,
    ),
    # Water conservancy (区水务局)
    Template(
        "water_saving", S.WATER, "shuiwu", (TOWN,), "{place}高效节水灌溉项目",
        "改造干支渠{km}公里，配套渠系建筑物{k}座，新建高效节水灌溉{mu}万亩",
        "年底前完成渠道改造{km}公里，年节水{w}万立方米",
        (1000, 12000), {"km": (5, 40), "k": (20, 120), "mu": (1, 4), "w": (100, 800)},
    ),
    Template(
        "rural_water", S.WATER, "shuiwu", (TOWN,), "{place}农村供水保障工程",
        "新建改造供水管网{km}公里、蓄水池{k}座，受益人口{pop}人",
        "年底前完成管网敷设{km}公里，农村自来水普及率达到99%以上",
        (500, 6000), {"km": (10, 80), "k": (1, 5), "pop": (3000, 20000)},
    ),
    Template(
        "flood_control", S.WATER, "shuiwu", (DISTRICT,), "黑河{segment}段防洪治理工程",
        "治理河道{km}公里，新建加固堤防{dike}公里、护岸丁坝{k}座",
        "年底前完成堤防工程{dike}公里，防洪标准达到20年一遇",
        (3000, 50000), {"segment": ["甘州城区", "草滩庄至乌江", "龙渠至甘浚", "靖安"], "km": (5, 30),
                        "dike": (4, 25), "k": (20, 90)},
        where="甘州区黑河沿岸", weight=0.5,
    ),
    Template(
        "irrigation_district", S.WATER, "shuiwu", (DISTRICT,), "甘州区{canal}灌区续建配套与现代化改造项目",
        "改造干支斗渠{km}公里，新建改造渠系建筑物{k}座，配套建设灌区信息化管理系统",
        "年底前完成渠道改造{km}公里，灌溉水利用系数提高到0.6以上",
        (8000, 80000), {"canal": IRRIGATION_DISTRICTS, "km": (30, 150), "k": (100, 600)}, weight=0.6,
        where="甘州区{canal}灌区",
    ),
    # Ecology and environmental protection (市生态环境局甘州分局)
    Template(
        "sewer_town", S.ECOLOGY, "shengtai", (TOWN,), "{place}污水管网改造项目",
        "新建改造污水管网{km}公里、检查井{k}座，配套建设提升泵站1座",
        "年底前完成主体工程，新增污水处理能力{cap}万吨/日",
        (800, 15000), {"km": (5, 40), "k": (100, 800), "cap": ["0.5", "1", "2", "3"]}, weight=1.5,
    ),
    Template(
        "rural_sewage", S.ECOLOGY, "shengtai", (TOWN,), "{place}农村生活污水治理项目",
        "建设小型污水处理站{k}座，配套收集管网{km}公里，覆盖{n}个自然村",
        "年底前建成污水处理站{k}座，农村生活污水治理率提高{p}个百分点",
        (500, 5000), {"k": (2, 8), "km": (5, 30), "n": (3, 12), "p": (5, 15)},
    ),
    Template(
        "wetland", S.ECOLOGY, "shengtai", (DISTRICT,), "张掖国家湿地公园{part}生态保护修复项目",
        "实施湿地生态修复{mu}亩，补植补造{ha}公顷，建设生态监测站点{k}处",
        "年底前完成湿地修复{mu}亩，湿地保护率保持在{p}%以上",
        (2000, 20000), {"part": ["北郊", "润泉湖片区", "芦水湾片区", "玉水苑片区"], "mu": (1000, 8000),
                        "ha": (50, 400), "k": (3, 12), "p": (70, 85)},
        where="甘州区张掖国家湿地公园", weight=0.5,
    ),
    Template(
        "desertification", S.ECOLOGY, "shengtai", (TOWN,), "{place}防沙治沙及荒漠化综合治理项目",
        "完成荒漠化综合治理{mu}万亩，营造防风固沙林{ha}公顷，设置草方格沙障{km}公里",
        "年底前完成治理面积{mu}万亩，造林成活率达到85%以上",
        (1000, 12000), {"mu": (1, 6), "ha": (100, 800), "km": (10, 60)},
        only=("pingshanhu", "anyang", "huazhai", "jingan", "ganjun", "sanzha", "jiantan"),
    ),
    Template(
        "solid_waste", S.ECOLOGY, "shengtai", (DISTRICT,), "甘州区{kind}综合处置项目",
        "新建{kind}处置中心，配套建设资源化利用生产线{line}条，年处置能力{t}万吨",
        "年底前建成处置中心主体工程，形成年处置{t}万吨能力",
        (5000, 40000), {"kind": ["一般工业固体废物", "建筑垃圾", "餐厨垃圾", "农业废弃物"], "line": (1, 3),
                        "t": (5, 40)},
        owner="company:环保科技|再生资源", weight=0.5,
    ),
    # Energy (区发展改革局)
    Template(
        "solar", S.ENERGY, "fagai", (TOWN, DISTRICT), "{place}{mw}MW光伏发电项目",
        "建设装机容量{mw}MW光伏电站，配套建设110kV升压站1座及送出线路{km}公里",
        "年底前实现全容量并网发电，年发电量{gwh}万千瓦时",
        (8000, 150000), {"mw": [20, 50, 100, 200, 300], "km": (5, 30), "gwh": (3000, 45000)},
        chains=(C.NEW_ENERGY,), owner="company:新能源|光伏发电", scale=("mw", 380, 520), weight=1.5,
        only=("pingshanhu", "anyang", "huazhai", "jingan", "ganjun", "sanzha", "jiantan", "mingyong", "longqu"),
    ),
    Template(
        "wind", S.ENERGY, "fagai", (TOWN,), "{place}{mw}MW风电项目",
        "安装{k}台单机容量6.25MW风力发电机组，配套建设升压站及集电线路",
        "年底前完成风机吊装{k}台，实现首批机组并网发电",
        (30000, 180000), {"mw": [50, 100, 150, 200], "k": (8, 32)},
        chains=(C.NEW_ENERGY,), owner="company:新能源|风力发电", scale=("mw", 550, 700), weight=0.6,
        only=("pingshanhu", "anyang", "huazhai", "jingan"),
    ),
    Template(
        "storage", S.ENERGY, "fagai", (TOWN, DISTRICT), "{place}{mw}MW/{mwh}MWh独立储能电站项目",
        "建设{mw}MW/{mwh}MWh电化学储能电站，配套建设升压站及送出线路",
        "年底前完成设备安装调试并投入运行",
        (10000, 120000), {"mw": [50, 100, 200], "mwh": [200, 400, 800]},
        chains=(C.NEW_ENERGY,), owner="company:储能科技|新能源", scale=("mw", 500, 650), weight=0.5,
    ),
    Template(
        "hybrid", S.ENERGY, "fagai", (DISTRICT,), "甘州区{gw}万千瓦风光储一体化项目",
        "建设风电、光伏装机{gw}万千瓦，配套建设储能设施及330kV汇集站",
        "年底前完成首期{first}万千瓦并网发电",
        (60000, 300000), {"gw": [20, 50, 100], "first": [10, 20, 30]},
        chains=(C.NEW_ENERGY,), owner="company:新能源|能源投资", scale=("gw", 2600, 3200), weight=0.15,
        where="甘州区北部荒漠戈壁区域",
    ),
    Template(
        "gas", S.ENERGY, "fagai", (TOWN,), "{place}天然气管网延伸工程",
        "敷设中压燃气管道{km}公里，建设调压站{k}座，新增用户{hh}户",
        "年底前完成管网敷设{km}公里，新增通气用户{hh}户",
        (500, 6000), {"km": (10, 60), "k": (1, 4), "hh": (500, 5000)}, owner="company:燃气",
    ),
    # Emerging industry (区工信局)
    Template(
        "equipment", S.INDUSTRY, "gongxin", (TOWN, DISTRICT), "{place}新能源装备制造产业园项目",
        "新建标准化厂房{m2}平方米，建设光伏支架、风电塔筒生产线{line}条",
        "年底前完成厂房主体工程，{line}条生产线投产",
        (10000, 100000), {"m2": (20000, 120000), "line": (2, 6)},
        chains=(C.NEW_ENERGY,), owner="company:装备制造|新能源科技", weight=0.7,
    ),
    Template(
        "biomedicine", S.INDUSTRY, "gongxin", (TOWN, DISTRICT), "{place}生物医药产业园建设项目",
        "新建GMP标准生产车间、研发中心{m2}平方米，购置提取、制剂生产线{line}条",
        "年底前完成厂房建设，通过GMP认证",
        (8000, 80000), {"m2": (10000, 60000), "line": (2, 5)},
        chains=(C.MEDICINE,), owner="company:生物医药|药业", weight=0.5,
    ),
    Template(
        "building_materials", S.INDUSTRY, "gongxin", (TOWN,), "{place}新型建材生产项目",
        "建设年产{t}万立方米加气混凝土砌块及装配式建筑构件生产线",
        "年底前建成生产线并试生产，形成年产{t}万立方米能力",
        (3000, 30000), {"t": (10, 60)}, owner="company:新型建材|建材",
    ),
    # Transport (区交通运输局)
    Template(
        "rural_road", S.TRANSPORT, "jiaotong", (TOWN,), "{place}农村公路提质改造工程",
        "改造提升农村公路{km}公里，配套建设桥涵{k}座及安全防护设施",
        "年底前完成路面工程{km}公里",
        (500, 8000), {"km": (8, 60), "k": (2, 12)}, weight=1.5,
    ),
    Template(
        "highway", S.TRANSPORT, "jiaotong", (DISTRICT,), "甘州区{a}至{b}公路改建工程",
        "改建二级公路{km}公里，路基宽度12米，沥青混凝土路面，配套桥涵及交通安全设施",
        "年底前完成路基工程{km}公里、路面工程{half}公里",
        (5000, 60000), {"a": ["城区", "党寨", "碱滩", "乌江"], "b": ["三闸", "靖安", "安阳", "花寨", "平山湖"],
                        "km": (10, 40), "half": (5, 20)},
        owner="甘州区交通运输局", weight=0.5,
    ),
    # Culture, tourism and health (区文体广电和旅游局)
    Template(
        "wellness", S.TOURISM, "wenlv", (TOWN, DISTRICT), "{place}文旅康养综合体建设项目",
        "建设康养中心、特色民宿及游客服务中心{m2}平方米，配套停车场和景观绿化",
        "年底前完成主体工程，新增接待床位{bed}张",
        (5000, 80000), {"m2": (10000, 80000), "bed": (100, 600)},
        chains=(C.TOURISM,), owner="company:文化旅游|康养产业", weight=0.8,
    ),
    Template(
        "rural_tourism", S.TOURISM, "wenlv", (TOWN,), "{place}{village}乡村旅游示范村建设项目",
        "建设农家乐、民宿{k}处，游客服务中心及旅游步道{km}公里",
        "年底前建成民宿{k}处，年接待游客{v}万人次",
        (500, 5000), {"k": (5, 30), "km": (2, 10), "v": (2, 20)}, chains=(C.TOURISM,),
    ),
    Template(
        "canyon", S.TOURISM, "wenlv", (TOWN,), "平山湖大峡谷景区基础设施提升项目",
        "改造提升景区游览步道{km}公里、游客服务中心{m2}平方米及旅游厕所、停车场",
        "年底前完成景区步道和游客服务中心建设，景区承载能力提升{p}%",
        (3000, 30000), {"km": (5, 20), "m2": (2000, 8000), "p": (20, 50)},
        chains=(C.TOURISM,), only=("pingshanhu",), owner="company:文化旅游",
    ),
    Template(
        "old_town", S.TOURISM, "wenlv", (STREET,), "甘州古城{spot}历史文化街区保护提升项目",
        "保护修缮历史建筑{k}处，改造街区立面、给排水及亮化工程，建设面积{m2}平方米",
        "年底前完成历史建筑修缮{k}处，街区开街运营",
        (3000, 50000), {"spot": ["大佛寺", "镇远楼", "西来寺", "明清街", "万寿寺"], "k": (5, 30),
                        "m2": (10000, 60000)},
        chains=(C.TOURISM,), owner="company:文化旅游|城市建设投资", weight=0.8,
    ),
    # Urban renewal (区住建局)
    Template(
        "old_housing", S.URBAN, "zhujian", (STREET,), "{place}老旧小区改造项目",
        "改造老旧小区{k}个，涉及住户{hh}户，实施供热、供排水管网改造及外墙保温、加装电梯",
        "年底前完成{k}个老旧小区改造，惠及居民{hh}户",
        (800, 15000), {"k": (3, 20), "hh": (500, 4000)}, weight=3,
    ),
    Template(
        "back_lanes", S.URBAN, "zhujian", (STREET,), "{place}背街小巷改造提升项目",
        "改造背街小巷{k}条，总长{km}公里，实施路面、排水、照明及立面整治",
        "年底前完成背街小巷改造{k}条",
        (300, 3000), {"k": (5, 30), "km": (2, 10)}, weight=2,
    ),
    Template(
        "heating", S.URBAN, "zhujian", (DISTRICT,), "甘州区城区{part}供热管网改造项目",
        "改造供热一级管网{km}公里、二级管网{km2}公里，新建换热站{k}座",
        "年底前完成管网改造{km}公里，供暖季前投入运行",
        (3000, 30000), {"part": ["东片区", "南片区", "西片区", "北片区"], "km": (5, 30), "km2": (10, 60),
                        "k": (3, 15)},
        owner="company:热力|供热", where="甘州区城区", weight=0.6,
    ),
    Template(
        "rental_housing", S.URBAN, "zhujian", (STREET,), "{place}保障性租赁住房建设项目",
        "新建保障性租赁住房{k}套，建筑面积{m2}平方米，配套建设地下车库及附属设施",
        "年底前完成主体结构封顶，{year}年交付{k}套",
        (5000, 40000), {"k": (200, 1200), "m2": (15000, 80000)}, owner="company:城市建设投资",
    ),
    Template(
        "rain_sewer", S.URBAN, "zhujian", (STREET,), "{place}雨污分流改造项目",
        "新建雨水管网{km}公里、改造污水管网{km2}公里，配套检查井及路面恢复",
        "年底前完成雨污分流管网{km}公里，新增污水处理能力{cap}万吨/日",
        (1000, 15000), {"km": (3, 20), "km2": (3, 20), "cap": ["0.5", "1", "2"]},
    ),
    Template(
        "town_infra", S.URBAN, "zhujian", (TOWN,), "{place}集镇基础设施提升项目",
        "改造集镇道路{km}公里，配套建设给排水、路灯及农贸市场{m2}平方米",
        "年底前完成集镇道路改造{km}公里及农贸市场建设",
        (500, 6000), {"km": (2, 10), "m2": (1000, 6000)},
    ),
    # Social welfare (教育、卫健、民政、人社)
    Template(
        "school", S.SOCIAL, "jiaoyu", (TOWN, STREET), "{place}中心学校教学楼建设项目",
        "新建教学楼{m2}平方米及配套室外附属设施，新增学位{seat}个",
        "{year}年9月前完成主体结构封顶，新增学位{seat}个",
        (800, 8000), {"m2": (3000, 15000), "seat": (300, 1500)}, owner="甘州区教育局", weight=1.5,
    ),
    Template(
        "kindergarten", S.SOCIAL, "jiaoyu", (TOWN, STREET), "{place}幼儿园建设项目",
        "新建幼儿园教学及辅助用房{m2}平方米，设置{k}个班",
        "年底前完成主体工程，新增学位{seat}个",
        (500, 5000), {"m2": (2000, 8000), "k": (6, 18), "seat": (180, 540)}, owner="甘州区教育局",
    ),
    Template(
        "health_center", S.SOCIAL, "weijian", (TOWN,), "{place}卫生院业务用房建设项目",
        "新建业务用房{m2}平方米，购置医疗设备{k}台（套）",
        "年底前完成主体工程，新增床位{bed}张",
        (500, 5000), {"m2": (2000, 8000), "k": (20, 120), "bed": (20, 80)}, owner="甘州区{place}卫生院",
        weight=1.5,
    ),
    Template(
        "hospital", S.SOCIAL, "weijian", (DISTRICT,), "甘州区人民医院{building}建设项目",
        "新建{building}{m2}平方米，购置医疗设备及配套附属工程",
        "年底前完成主体工程，新增床位{bed}张",
        (8000, 60000), {"building": ["感染楼", "医技综合楼", "急诊急救中心", "康复医学中心"], "m2": (10000, 40000),
                        "bed": (100, 400)},
        owner="甘州区人民医院", where="甘州区城区", weight=0.4,
    ),
    Template(
        "elderly_care", S.SOCIAL, "minzheng", (TOWN, STREET), "{place}养老服务中心建设项目",
        "新建养老服务用房{m2}平方米，设置床位{bed}张，配套建设日间照料中心",
        "年底前建成养老服务中心，新增养老床位{bed}张",
        (500, 6000), {"m2": (2000, 10000), "bed": (50, 300)},
    ),
    Template(
        "incubator", S.SOCIAL, "renshe", (DISTRICT,), "甘州区{kind}就业创业孵化基地建设项目",
        "建设创业孵化用房{m2}平方米，配套建设技能培训中心",
        "年底前建成孵化基地，年培训劳动力{n}人次",
        (1000, 8000), {"kind": ["返乡", "青年", "电商"], "m2": (5000, 20000), "n": (1000, 5000)},
        owner="甘州区人社局", where="甘州区城区", weight=0.4,
    ),
    # Modern services (区商务局)
    Template(
        "logistics_park", S.SERVICES, "shangwu", (TOWN, DISTRICT), "{place}物流园建设项目",
        "新建仓储库房{m2}平方米、冷链仓储{m3}立方米，配套建设物流信息平台",
        "年底前建成仓储库房{m2}平方米，年物流吞吐量{t}万吨",
        (5000, 60000), {"m2": (20000, 100000), "m3": (10000, 80000), "t": (20, 150)},
        chains=(C.LOGISTICS,), owner="company:物流|供应链管理",
    ),
    Template(
        "wholesale_market", S.SERVICES, "shangwu", (TOWN,), "{place}农产品批发市场建设项目",
        "新建交易大厅{m2}平方米、冷藏库{m3}立方米及配套设施",
        "年底前建成交易大厅并投入运营，年交易额{v}亿元",
        (2000, 30000), {"m2": (10000, 50000), "m3": (5000, 30000), "v": (5, 30)},
        chains=(C.LOGISTICS,), owner="company:农产品市场|商贸",
    ),
    Template(
        "mall", S.SERVICES, "shangwu", (STREET,), "{place}商贸综合体建设项目",
        "新建商业综合体{m2}平方米，建设购物中心、特色餐饮街区及地下停车场",
        "年底前完成主体结构封顶",
        (10000, 100000), {"m2": (30000, 150000)}, owner="company:商贸|置业", weight=0.6,
    ),
    Template(
        "county_commerce", S.SERVICES, "shangwu", (TOWN,), "{place}县域商业体系建设项目",
        "建设乡镇商贸中心{m2}平方米、村级便民店{k}个及快递物流配送站点",
        "年底前建成乡镇商贸中心，村级便民店覆盖{k}个行政村",
        (300, 3000), {"m2": (1000, 6000), "k": (5, 20)},
    ),
    # New infrastructure and digital economy (区工信局)
    Template(
        "digital_village", S.DIGITAL, "gongxin", (DISTRICT,), "甘州区数字乡村建设项目",
        "建设数字乡村综合服务平台，覆盖{k}个行政村，配套建设村级信息服务站",
        "年底前平台上线运行，覆盖{k}个行政村",
        (1000, 10000), {"k": (50, 245)}, owner="company:信息技术|数字科技",
        weight=0.4,
    ),
    Template(
        "5g", S.DIGITAL, "gongxin", (TOWN,), "{place}5G基站及千兆光网建设项目",
        "新建5G基站{k}座，敷设光缆{km}公里，实现行政村5G网络全覆盖",
        "年底前建成5G基站{k}座",
        (500, 5000), {"k": (20, 120), "km": (20, 150)}, owner="company:通信技术|信息技术",
    ),
    Template(
        "smart_farming", S.DIGITAL, "gongxin", (TOWN,), "{place}智慧农业大数据中心建设项目",
        "建设智慧农业大数据中心及物联网监测点{k}处，覆盖制种基地{mu}万亩",
        "年底前建成大数据平台，接入物联网监测点{k}处",
        (1000, 10000), {"k": (50, 300), "mu": (2, 10)}, chains=(C.SEED,), owner="company:农业科技|数字科技",
        weight=0.6,
    ),
]
TEMPLATES_BY_KEY = {template.key: template for template in TEMPLATES}

COMPANY_PREFIXES = ("张掖市", "张掖市", "甘肃", "张掖", "甘州区")
COMPANY_BRANDS = (
    "甘州", "金张掖", "祁连", "黑河", "丝路", "润泽", "绿洲", "昊源", "恒达", "鑫源", "瑞丰", "丰源", "汇通",
    "宏泰", "弱水", "焉支", "合黎", "康宁", "金禾", "沃丰", "天成", "华源", "聚丰", "鸿盛", "博达",
)
COMPANY_SUFFIXES = ("有限公司", "有限公司", "有限责任公司", "股份有限公司")
COMMISSIONER_TITLES = ("局长", "副局长", "副局长", "四级调研员", "股长")

PROCEDURES = {
    Stage.CONCEPT: [
        "正在开展项目策划，初步明确建设内容和规模",
        "已完成项目初步策划，正在对接行业主管部门",
        "正在开展招商对接和选址踏勘",
    ],
    Stage.PLANNING: [
        "已纳入{year}年项目谋划清单，正在编制项目建议书",
        "已完成规划选址初步论证，正在编制项目建议书",
        "正在开展项目规划设计方案比选",
    ],
    Stage.PRE_PREPARATORY: [
        "项目建议书已批复，拟委托编制可行性研究报告",
        "已完成项目备案，正在开展勘察设计招标",
        "已确定前期咨询单位，正在编制可研报告和实施方案",
    ],
    Stage.PREPARATORY: [
        "可研报告已批复，正在办理用地预审与选址意见书",
        "已完成立项备案和用地预审，环评报告已报审",
        "初步设计已批复，正在办理建设工程规划许可和施工许可",
        "已取得用地规划许可证，正在开展施工图设计审查",
    ],
    Stage.NEW_START: [
        "审批核准备案、用地、规划、环评手续已办结，已取得施工许可证",
        "已办结立项、用地和规划手续，施工许可正在办理",
    ],
    Stage.UNDER_CONSTRUCTION: ["联审联批手续已全部办结", "各项手续已办结，正在加快主体工程建设"],
    Stage.COMPLETED: ["已完成竣工验收", "已完成竣工验收备案"],
    Stage.IN_OPERATION: ["已竣工投产，运行良好", "已投入运营"],
}
DEMOLITION_EARLY = ["不涉及拆迁", "不涉及拆迁", "初步摸排涉及拆迁约{n}户，尚未启动", "待选址确定后开展摸底调查"]
DEMOLITION = [
    "不涉及拆迁",
    "不涉及拆迁",
    "不涉及拆迁",
    "涉及拆迁{n}户，已完成入户调查和评估",
    "涉及拆迁{n}户，已签订补偿协议{m}户",
    "拆迁工作已全部完成",
]
PROBLEMS = [
    "建设用地指标不足，需协调自然资源部门解决",
    "项目资金缺口较大，需积极争取中央预算内资金和专项债券支持",
    "林地、草原征占用手续办理进度较慢",
    "项目选址涉及永久基本农田，需优化调整选址方案",
    "电网接入方案尚未批复，需协调供电公司加快办理",
    "部分群众对征地补偿标准有异议，需加强沟通协调",
    "环评审批进度较慢，需加快推进",
    "水资源论证尚未完成，取水指标需协调解决",
    "施工用水用电等要素保障需协调",
    "融资渠道单一，需协调金融机构给予信贷支持",
]
RESERVE_ADD_REASONS = [
    "经{department}初核，纳入{year}年第{quarter}季度行业储备库",
    "{year}年第{quarter}季度储备项目动态调整，新增入库",
    "按照“三谋两审一踏勘”机制审定，纳入项目储备库",
    "对接国家投资导向和产业政策谋划，经初核纳入储备库",
]

# Two-digit industry codes for the national major-project database code.
NATIONAL_INDUSTRY = {
    S.AGRICULTURE: "01", S.AGRI_PROCESSING: "13", S.INDUSTRY: "35", S.ENERGY: "44", S.URBAN: "47",
    S.TRANSPORT: "48", S.SERVICES: "59", S.DIGITAL: "63", S.WATER: "76", S.ECOLOGY: "77", S.SOCIAL: "83",
    S.TOURISM: "90",
}
GANZHOU_DIVISION = "620702"

# Share of each stage among the projects (DESIGN §2.1): most are new starts or
# under construction, a good number are in the reserve stages.
STAGE_WEIGHTS = {
    Stage.CONCEPT: 6,
    Stage.PLANNING: 7,
    Stage.PRE_PREPARATORY: 8,
    Stage.PREPARATORY: 11,
    Stage.NEW_START: 20,
    Stage.UNDER_CONSTRUCTION: 32,
    Stage.COMPLETED: 9,
    Stage.IN_OPERATION: 7,
}
UNIT_KIND_WEIGHTS = {TOWN: 58, STREET: 14, DISTRICT: 28}
SUFFIXES = ("（二期）", "（三期）", "（四期）", "（五期）")

# Share of each month in a year's investment: construction in Gansu stops in
# the winter, so the plan concentrates in April to October.
SEASON = (1, 1, 4, 8, 11, 12, 12, 12, 11, 10, 6, 2)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------


def _tz():
    return timezone.get_default_timezone()


def window_start(today: datetime.date, months: int) -> datetime.date:
    """First day of the history: `months` months before `today`."""
    return today - relativedelta(months=months)


def _at(day: datetime.date, rng: random.Random, first_hour: int = 8, last_hour: int = 17) -> datetime.datetime:
    """A working-hours moment of `day` in Asia/Shanghai."""
    moment = datetime.time(rng.randint(first_hour, last_hour), rng.randint(0, 59), rng.randint(0, 59))
    return datetime.datetime.combine(day, moment, tzinfo=_tz())


def _random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    """A day in [first, last], moved off the weekend when there is room to."""
    if last < first:
        return last
    day = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
    if day.weekday() >= 5:
        friday = day - datetime.timedelta(days=day.weekday() - 4)
        monday = day + datetime.timedelta(days=7 - day.weekday())
        if friday >= first:
            return friday
        if monday <= last:
            return monday
    return day


def _later(moment: datetime.datetime, rng: random.Random, low_minutes: int, high_minutes: int) -> datetime.datetime:
    return moment + datetime.timedelta(minutes=rng.randint(low_minutes, high_minutes))


def quarter_of(day: datetime.date) -> int:
    return (day.month - 1) // 3 + 1


def _chinese_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def annual_list_day(year: int) -> datetime.date:
    """The day the district issues the year's key-project plan (seed 001: in the first quarter)."""
    return datetime.date(year, 2, 26)


# ---------------------------------------------------------------------------
# Generators (pure: no database)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectSpec:
    index: int
    name: str
    template: str
    sector: str
    industry_chain: str
    content_scale: str
    performance_target: str
    start_year: int
    end_year: int
    location: str
    total_investment: Decimal
    opening_cumulative_investment: Decimal  # completed before the system was in use
    unit_code: str
    department_code: str
    owner_name: str
    owner_is_company: bool
    owner_contact: str
    owner_phone: str
    leader: str  # username, or "" for none
    commissioner: str
    stage: str
    signing_status: str
    procedure_progress: str
    demolition_progress: str
    existing_problems: str
    national_code: str
    creator: str  # username of the account that entered the project
    created_at: datetime.datetime
    initial_stage: str
    stage_changed_at: datetime.datetime | None

    @property
    def updated_at(self) -> datetime.datetime:
        return self.stage_changed_at or self.created_at


def _deck(rng: random.Random, weights: dict, count: int) -> list:
    """`count` items with the given shares exactly (largest remainder), shuffled; every item
    with a weight appears once count reaches the number of items."""
    total = sum(weights.values())
    quotas = {key: count * weight / total for key, weight in weights.items()}
    counts = {key: math.floor(quota) for key, quota in quotas.items()}
    if count >= len(weights):
        for key in weights:
            counts[key] = max(counts[key], 1)
    missing = count - sum(counts.values())
    by_remainder = sorted(weights, key=lambda key: quotas[key] - math.floor(quotas[key]), reverse=True)
    index = 0
    while missing > 0:
        counts[by_remainder[index % len(by_remainder)]] += 1
        missing -= 1
        index += 1
    while missing < 0:  # the minimum of one per item overshot: take from the largest
        largest = max(counts, key=counts.get)
        counts[largest] -= 1
        missing += 1
    deck = [key for key in weights for _ in range(counts[key])]
    rng.shuffle(deck)
    return deck


class _Cycler:
    """Hands out items round-robin, reshuffling each round, so every item is used about equally."""

    def __init__(self, rng: random.Random, items: list):
        self.rng, self.items, self.queue = rng, list(items), []

    def next(self):
        if not self.queue:
            self.queue = list(self.items)
            self.rng.shuffle(self.queue)
        return self.queue.pop()


def _draw_params(rng: random.Random, template: Template) -> dict:
    values = {}
    for name, spec in template.params.items():
        values[name] = rng.choice(spec) if isinstance(spec, list) else rng.randint(*spec)
    return values


def _round_investment(amount: float) -> Decimal:
    if amount >= 10000:
        value = Decimal(round(amount / 10) * 10)
    elif amount >= 1000:
        value = Decimal(round(amount))
    else:
        value = Decimal(f"{amount:.2f}")
    return value.quantize(CENT)


def _investment(rng: random.Random, template: Template, params: dict) -> Decimal:
    low, high = template.invest
    if template.scale:
        param, per_low, per_high = template.scale
        amount = params[param] * rng.uniform(per_low, per_high)
    else:
        # Log-normal within the template's range: many small projects, a few large ones.
        mu = (math.log(low) + math.log(high)) / 2
        sigma = (math.log(high) - math.log(low)) / 4
        for _attempt in range(5):
            amount = math.exp(rng.gauss(mu, sigma))
            if low <= amount <= high:
                break
    return _round_investment(min(max(amount, low * 0.9), high * 1.2))


def _share(amount: Decimal, share: float) -> Decimal:
    """`share` of `amount`, in whole 10k yuan."""
    return Decimal(round(float(amount) * share)).quantize(CENT)


def _company(rng: random.Random, kinds: str) -> str:
    kind = rng.choice(kinds.split("|"))
    return f"{rng.choice(COMPANY_PREFIXES)}{rng.choice(COMPANY_BRANDS)}{kind}{rng.choice(COMPANY_SUFFIXES)}"


def _department_body(code: str) -> str:
    name = UNIT_NAMES[code]
    return "甘州" + name if name.startswith("区") else name


def _years(rng: random.Random, stage: str, year: int, total: Decimal) -> tuple[int, int]:
    short = total < 3000
    length = rng.randint(0, 1) if short else rng.randint(1, 2)
    if stage in (Stage.CONCEPT, Stage.PLANNING):
        start = year + rng.randint(1, 2)
    elif stage == Stage.PRE_PREPARATORY:
        start = year + rng.randint(0, 1)
    elif stage == Stage.PREPARATORY:
        start = year + (0 if rng.random() < 0.5 else 1)
    elif stage == Stage.NEW_START:
        start = year
    elif stage == Stage.UNDER_CONSTRUCTION:
        start = year - rng.randint(1, 2)
        return start, max(year, start + length) + (rng.randint(0, 1) if not short else 0)
    elif stage == Stage.COMPLETED:
        start = year - rng.randint(1, 3)
        return start, min(year, start + max(length, 1))
    else:  # in operation
        start = year - rng.randint(2, 5)
        return start, min(year - 1, start + length)
    return start, start + length


def _leader_for(rng: random.Random, sector: str, total: Decimal) -> str:
    if rng.random() < 0.1:
        return ""
    if total >= 50000:
        return rng.choice(["leader", "leader_quzhang"])
    if sector in (S.AGRICULTURE, S.WATER, S.ECOLOGY, S.TOURISM, S.AGRI_PROCESSING):
        return rng.choice(["leader_zhang", "leader_zhang", "leader"])
    if sector in (S.INDUSTRY, S.ENERGY, S.TRANSPORT, S.DIGITAL, S.SERVICES):
        return rng.choice(["leader_li", "leader_li", "leader"])
    return rng.choice(["leader", "leader_zhang", "leader_li"])


def _stage_change(
    rng: random.Random, stage: str, created: datetime.datetime, year: int, last_day: datetime.date
) -> tuple[str, datetime.datetime | None]:
    """The stage the project was entered with, and when it moved to its current stage (if it did)."""
    earliest = created.date() + datetime.timedelta(days=3)
    if stage == Stage.UNDER_CONSTRUCTION:
        # Projects that started last year become continuing (续建) projects at the turn of the year.
        turn = datetime.date(year, 1, 4)
        if created.date() < turn <= last_day and rng.random() < 0.4:
            return Stage.NEW_START, datetime.datetime.combine(turn, datetime.time(9, rng.randint(0, 59)), tzinfo=_tz())
        return stage, None
    chances = {
        Stage.NEW_START: (Stage.PREPARATORY, 0.5),
        Stage.COMPLETED: (Stage.UNDER_CONSTRUCTION, 0.5),
        Stage.IN_OPERATION: (Stage.COMPLETED, 0.4),
        Stage.PREPARATORY: (Stage.PRE_PREPARATORY, 0.3),
        Stage.PRE_PREPARATORY: (Stage.PLANNING, 0.3),
        Stage.PLANNING: (Stage.CONCEPT, 0.3),
    }
    if stage not in chances:
        return stage, None
    previous, chance = chances[stage]
    if stage == Stage.NEW_START:
        earliest = max(earliest, datetime.date(year, 1, 1))  # a new start starts this year
    if rng.random() >= chance or earliest > last_day:
        return stage, None
    return previous, _at(_random_day(rng, earliest, last_day), rng)


def generate_projects(*, count: int, today: datetime.date, months: int, seed: int = DEFAULT_SEED) -> list[ProjectSpec]:
    """`count` projects spread over the units, stages and sectors, entered over `months` months up to `today`."""
    rng = random.Random(f"{seed}:projects")
    year = today.year
    first_day, last_day = window_start(today, months), today - datetime.timedelta(days=1)
    town_codes = [code for code, _name in TOWNS]
    cyclers = {
        TOWN: _Cycler(rng, town_codes),
        STREET: _Cycler(rng, [code for code, _name in STREETS]),
    }
    templates_for = {scope: [t for t in TEMPLATES if scope in t.scopes] for scope in (TOWN, STREET)}
    # A department runs district-wide projects, and now and then one in a town.
    district_templates = [t for t in TEMPLATES if DISTRICT in t.scopes or TOWN in t.scopes]
    district_weights = [t.weight * (3 if DISTRICT in t.scopes else 0.5) for t in district_templates]
    stages = _deck(rng, STAGE_WEIGHTS, count)
    kinds = _deck(rng, UNIT_KIND_WEIGHTS, count)
    name_counts: dict[str, int] = {}
    used_codes: set[str] = set()
    specs = []
    for index in range(count):
        stage, kind = stages[index], kinds[index]
        # Where: a town or street runs the project itself, or a department runs it somewhere in the district.
        if kind == DISTRICT:
            template = rng.choices(district_templates, weights=district_weights)[0]
            unit_code = template.department
            place_code = (
                rng.choice(list(template.only) or town_codes) if DISTRICT not in template.scopes else None
            )
        else:
            unit_code = cyclers[kind].next()
            candidates = [t for t in templates_for[kind] if not t.only or unit_code in t.only]
            template = rng.choices(candidates, weights=[t.weight for t in candidates])[0]
            place_code = unit_code
        place = UNIT_NAMES[place_code] if place_code else "甘州区"
        location_code = place_code or rng.choice(town_codes)
        village = rng.choice(VILLAGES[location_code])
        params = _draw_params(rng, template)
        words = {**params, "place": place, "village": village, "year": year}

        # Repeated names become later phases, then batches: names stay unique even for 50,000 projects.
        base = template.name.format(**words)
        repeat = name_counts[base] = name_counts.get(base, 0) + 1
        if repeat == 1:
            name = base
        elif repeat <= len(SUFFIXES) + 1:
            name = base + SUFFIXES[repeat - 2]
        else:
            name = f"{base}（第{repeat - len(SUFFIXES)}批）"

        total = _investment(rng, template, params)
        start_year, end_year = _years(rng, stage, year, total)
        # Many projects were entered in the first fortnight, when the existing ledger was taken over.
        if rng.random() < 0.45:
            created_day = _random_day(rng, first_day, min(first_day + datetime.timedelta(days=14), last_day))
        else:
            created_day = _random_day(rng, first_day, last_day)
        created = _at(created_day, rng)
        initial_stage, changed_at = _stage_change(rng, stage, created, year, last_day)
        if stage == Stage.COMPLETED and changed_at:
            end_year = changed_at.year
            start_year = min(start_year, end_year)
        if stage == Stage.IN_OPERATION and changed_at:
            end_year = min(end_year, changed_at.year)
            start_year = min(start_year, end_year)

        owner_is_company = template.owner.startswith("company:")
        if owner_is_company:
            owner = _company(rng, template.owner.removeprefix("company:"))
        elif template.owner == "gov":
            if kind == DISTRICT:
                owner = _department_body(unit_code)
            elif kind == STREET:
                owner = f"甘州区{place}办事处"
            else:
                owner = f"甘州区{place}人民政府"
        else:
            owner = template.owner.format(**words)

        reserve = stage in RESERVE_STAGES
        if owner_is_company and reserve:
            signing = rng.choices(
                [SigningStatus.SIGNED, SigningStatus.NEGOTIATING, SigningStatus.NOT_SIGNED], weights=[4, 4, 2]
            )[0]
        elif owner_is_company:
            signing = SigningStatus.SIGNED
        else:
            signing = SigningStatus.NONE
        demolition = ""
        if reserve:
            households = rng.randint(5, 80)
            choices = DEMOLITION_EARLY if stage in (Stage.CONCEPT, Stage.PLANNING) else DEMOLITION
            demolition = rng.choice(choices).format(n=households, m=rng.randint(1, households))
        problem_chance = 0.6 if reserve else 0.2 if stage in (Stage.NEW_START, Stage.UNDER_CONSTRUCTION) else 0
        problems = "；".join(rng.sample(PROBLEMS, rng.randint(1, 2))) if rng.random() < problem_chance else ""

        code_chance = {Stage.PREPARATORY: 0.6, Stage.PRE_PREPARATORY: 0.4, Stage.PLANNING: 0.1}.get(
            stage, 0.0 if stage == Stage.CONCEPT else 0.6
        )
        national_code = ""
        if rng.random() < code_chance:
            # Registered in the national database some months before it was entered here, and before it started.
            registered = min(
                created.date() - datetime.timedelta(days=rng.randint(30, 540)),
                datetime.date(start_year, 3, 1) - datetime.timedelta(days=rng.randint(30, 400)),
            )
            while True:
                serial = rng.randrange(100000, 1000000)
                national_code = (
                    f"{registered:%y%m}-{GANZHOU_DIVISION}-{NATIONAL_INDUSTRY[template.sector]}-"
                    f"{'03' if owner_is_company else '01'}-{serial:06d}"
                )
                if national_code not in used_codes:
                    break
            used_codes.add(national_code)

        if stage in (Stage.COMPLETED, Stage.IN_OPERATION) and end_year < year:
            opening = total
        elif stage == Stage.COMPLETED:
            opening = _share(total, rng.uniform(0.5, 0.85))
        elif stage == Stage.UNDER_CONSTRUCTION:
            opening = _share(total, rng.uniform(0.15, 0.5))
        else:
            opening = Decimal("0.00")

        commissioner = ""
        if rng.random() < 0.4:
            commissioner = f"{_person(rng)}（{UNIT_NAMES[template.department]}{rng.choice(COMMISSIONER_TITLES)}）"

        specs.append(
            ProjectSpec(
                index=index,
                name=name,
                template=template.key,
                sector=template.sector,
                industry_chain=rng.choice(template.chains) if template.chains and rng.random() < 0.85 else "",
                content_scale=template.content.format(**words),
                performance_target=template.target.format(**words),
                start_year=start_year,
                end_year=end_year,
                location=template.where.format(**words) or f"甘州区{UNIT_NAMES[location_code]}{village}",
                total_investment=total,
                opening_cumulative_investment=opening,
                unit_code=unit_code,
                department_code=template.department,
                owner_name=owner,
                owner_is_company=owner_is_company,
                owner_contact=_person(rng),
                owner_phone=_mobile(rng),
                leader=_leader_for(rng, template.sector, total),
                commissioner=commissioner,
                stage=stage,
                signing_status=signing,
                procedure_progress=rng.choice(PROCEDURES[stage]).format(year=year),
                demolition_progress=demolition,
                existing_problems=problems,
                national_code=national_code,
                creator=reporter_username(unit_code),
                created_at=created,
                initial_stage=initial_stage,
                stage_changed_at=changed_at,
            )
        )
    return specs


@dataclass(frozen=True)
class AdjustmentSpec:
    action: str
    quarter: int
    reason: str
    at: datetime.datetime


@dataclass(frozen=True)
class EntrySpec:
    project_index: int
    kind: str
    year: int | None
    in_comprehensive: bool
    joined_on: datetime.date
    joined_at: datetime.datetime  # when it was recorded
    left_on: datetime.date | None = None
    left_at: datetime.datetime | None = None
    adjustments: tuple[AdjustmentSpec, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.left_on is None


def generate_list_entries(
    projects: Iterable[ProjectSpec], *, today: datetime.date, months: int, seed: int = DEFAULT_SEED
) -> list[EntrySpec]:
    """Reserve-library and annual-list memberships with their adjustments (seed 001 §3, §14).

    Reserve-stage projects are in the reserve library; new starts and projects
    under construction (and those completed this year) are on this year's
    annual list, continuing ones often also on last year's; new starts and
    some completed projects left the reserve library when they started.
    """
    rng = random.Random(f"{seed}:lists")
    year = today.year
    list_day = annual_list_day(year)
    entries = []
    for project in projects:
        created = project.created_at
        department = UNIT_NAMES[project.department_code]

        def reserve_add(day: datetime.date, at: datetime.datetime, department=department) -> AdjustmentSpec:
            reason = rng.choice(RESERVE_ADD_REASONS).format(
                department=department, year=day.year, quarter=quarter_of(day)
            )
            return AdjustmentSpec(AdjustmentAction.ADD, quarter_of(day), reason, at)

        if project.stage in RESERVE_STAGES:
            joined_at = _later(created, rng, 10, 180)
            in_comprehensive = project.total_investment >= 50000 or rng.random() < (
                0.5 if project.stage in (Stage.PRE_PREPARATORY, Stage.PREPARATORY) else 0.2
            )
            entries.append(
                EntrySpec(
                    project.index, ListKind.RESERVE, None, in_comprehensive, joined_at.date(), joined_at,
                    adjustments=(reserve_add(joined_at.date(), joined_at),),
                )
            )
        elif project.stage == Stage.NEW_START and project.stage_changed_at:
            # Entered while still preparatory, left the reserve library when it started.
            joined_at = _later(created, rng, 10, 180)
            left_at = _later(project.stage_changed_at, rng, 5, 60)
            reason = (
                f"项目已于{_chinese_date(project.stage_changed_at)}开工建设，"
                "按照储备库只储备开工前项目的规定调出储备库"
            )
            entries.append(
                EntrySpec(
                    project.index, ListKind.RESERVE, None, rng.random() < 0.5, joined_at.date(), joined_at,
                    left_at.date(), left_at,
                    (
                        reserve_add(joined_at.date(), joined_at),
                        AdjustmentSpec(AdjustmentAction.REMOVE, quarter_of(left_at.date()), reason, left_at),
                    ),
                )
            )
        elif project.stage == Stage.COMPLETED and rng.random() < 0.5:
            # Left the reserve library when it started, before the system was in use: recorded when entered.
            joined_on = datetime.date(project.start_year - 1, rng.randint(3, 11), rng.randint(1, 28))
            left_on = datetime.date(project.start_year, rng.randint(3, 6), rng.randint(1, 28))
            joined_at, left_at = _later(created, rng, 5, 30), _later(created, rng, 31, 60)
            entries.append(
                EntrySpec(
                    project.index, ListKind.RESERVE, None, False, joined_on, joined_at, left_on, left_at,
                    (
                        reserve_add(joined_on, joined_at),
                        AdjustmentSpec(
                            AdjustmentAction.REMOVE, quarter_of(left_on),
                            f"{left_on.year}年第{quarter_of(left_on)}季度动态调整：项目已开工建设，调出储备库，"
                            "转入年度重点项目清单管理",
                            left_at,
                        ),
                    ),
                )
            )

        on_this_year = project.stage in (Stage.NEW_START, Stage.UNDER_CONSTRUCTION) or (
            project.stage == Stage.COMPLETED and project.end_year == year
        )
        if on_this_year:
            if created.date() < list_day < today:
                joined_on = list_day
                joined_at = max(_at(list_day, rng), _later(created, rng, 10, 120))
                reason = f"列入甘州区{year}年重点项目投资计划"
                quarter = 1
            else:
                started = project.stage == Stage.NEW_START and project.stage_changed_at
                moment = project.stage_changed_at if started else created
                joined_at = _later(moment, rng, 10, 120)
                joined_on = joined_at.date()
                quarter = quarter_of(joined_on)
                reason = f"{year}年第{quarter}季度动态调整，增补列入甘州区{year}年重点项目清单"
            entries.append(
                EntrySpec(
                    project.index, ListKind.ANNUAL, year, False, joined_on, joined_at,
                    adjustments=(AdjustmentSpec(AdjustmentAction.ADD, quarter, reason, joined_at),),
                )
            )
        on_last_year = project.start_year <= year - 1 <= project.end_year and (
            (project.stage == Stage.UNDER_CONSTRUCTION and rng.random() < 0.6)
            or (project.stage in (Stage.COMPLETED, Stage.IN_OPERATION) and rng.random() < 0.4)
        )
        if on_last_year:
            joined_at = _later(created, rng, 10, 120)
            entries.append(
                EntrySpec(
                    project.index, ListKind.ANNUAL, year - 1, False, annual_list_day(year - 1), joined_at,
                    adjustments=(
                        AdjustmentSpec(AdjustmentAction.ADD, 1, f"列入甘州区{year - 1}年重点项目投资计划", joined_at),
                    ),
                )
            )
    return entries


@dataclass(frozen=True)
class FundSpec:
    fund_type: str
    amount: Decimal
    performance_targets: str


@dataclass(frozen=True)
class PlanSpec:
    project_index: int
    year: int
    planned_start_date: datetime.date
    annual_target: Decimal
    monthly: tuple[Decimal, ...]
    funds: tuple[FundSpec, ...]
    at: datetime.datetime
    user: str


def spread_over_months(target: Decimal, weights: Iterable[float]) -> list[Decimal]:
    """Twelve amounts in proportion to `weights` that add up to `target` exactly.

    Each month is rounded down (to whole 10k yuan when the target is whole);
    the remainder goes to the last month with a weight, so the sum is exact.
    """
    weights = list(weights)
    step = ONE if target == target.to_integral_value() else CENT
    total_weight = sum(weights)
    amounts = [(target * Decimal(w) / Decimal(total_weight)).quantize(step, rounding=ROUND_DOWN) for w in weights]
    last = max(month for month, weight in enumerate(weights) if weight)
    amounts[last] += target - sum(amounts)
    return amounts


FUND_WEIGHTS = {
    FundType.CENTRAL_BUDGET: 3,
    FundType.TREASURY_BONDS: 2,
    FundType.SPECIAL_BONDS: 3,
    FundType.OTHER: 2,
}


def _fund_targets(rng: random.Random, project: ProjectSpec, fund_type: str, year: int) -> str:
    spend_month = rng.choice([9, 10, 11])
    spend_share = rng.choice([60, 70, 80, 90])
    extra = {
        FundType.CENTRAL_BUDGET: "中央预算内资金专款专用，",
        FundType.TREASURY_BONDS: "超长期特别国债资金按进度拨付，",
        FundType.SPECIAL_BONDS: "专项债券资金当年形成实物工作量，",
        FundType.OTHER: "",
    }[fund_type]
    return f"{project.performance_target}；{extra}{year}年{spend_month}月底前资金支出进度达到{spend_share}%以上"


def generate_year_plans(
    projects: list[ProjectSpec], entries: Iterable[EntrySpec], *, today: datetime.date, seed: int = DEFAULT_SEED
) -> list[PlanSpec]:
    """The three lists for every project on this year's annual list (DESIGN §2.2):
    planned start or resume date, twelve monthly amounts summing to the annual
    target, and policy funds with performance targets for about 30% of them."""
    rng = random.Random(f"{seed}:plans")
    year = today.year
    latest = datetime.datetime.combine(today, datetime.time(0, 0), tzinfo=_tz()) - datetime.timedelta(minutes=1)
    plans = []
    for entry in entries:
        if entry.kind != ListKind.ANNUAL or entry.year != year:
            continue
        project = projects[entry.project_index]
        total = project.total_investment
        if project.stage == Stage.NEW_START:
            if project.stage_changed_at and project.stage_changed_at.year == year:
                start = project.stage_changed_at.date() - datetime.timedelta(days=rng.randint(0, 20))
                start = max(start, datetime.date(year, 1, 1))
            else:
                upper = min(datetime.date(year, 7, 31), today)
                start = _random_day(rng, min(datetime.date(year, 3, 1), upper), upper)
            share = rng.uniform(0.2, 0.5)
        elif project.stage == Stage.UNDER_CONSTRUCTION:
            start = _random_day(rng, datetime.date(year, 2, 15), datetime.date(year, 4, 10))  # resumed after winter
            share = rng.uniform(0.35, 0.8)
        else:  # completed this year: the rest of the investment
            start = _random_day(rng, datetime.date(year, 2, 15), datetime.date(year, 4, 10))
            share = 1.0
        # A share of what remains to invest, in whole 10k yuan as plans are written; whole numbers also keep
        # the database check exact on SQLite, which stores decimals as floating point.
        remaining = (total - project.opening_cumulative_investment).to_integral_value(ROUND_DOWN)
        target = min(max(Decimal(math.floor(float(remaining) * share)), ONE), remaining)
        weights = [weight if month + 1 >= start.month else 0 for month, weight in enumerate(SEASON)]
        if project.stage == Stage.COMPLETED and project.stage_changed_at and project.stage_changed_at.year == year:
            finished = project.stage_changed_at.month
            weights = [weight if month + 1 <= finished else 0 for month, weight in enumerate(weights)]
            if not any(weights):
                weights = [0] * (finished - 1) + [1] + [0] * (12 - finished)
        monthly = tuple(spread_over_months(target, weights))

        funds = []
        if rng.random() < (0.45 if not project.owner_is_company else 0.1):
            types = rng.sample(list(FUND_WEIGHTS), k=2, counts=list(FUND_WEIGHTS.values()))
            types = types[:1] if rng.random() < 0.7 or types[0] == types[1] else types
            remaining = target
            for fund_type in types:
                amount = (remaining * Decimal(f"{rng.uniform(0.2, 0.6):.2f}")).quantize(ONE, rounding=ROUND_DOWN)
                if amount <= 0:
                    continue
                remaining -= amount
                funds.append(FundSpec(fund_type, amount, _fund_targets(rng, project, fund_type, year)))
        at = min(_later(entry.joined_at, rng, 60, 72 * 60), latest)
        at = max(at, entry.joined_at)
        plans.append(PlanSpec(entry.project_index, year, start, target, monthly, tuple(funds), at, project.creator))
    return plans


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------


class SeedRefused(Exception):
    """The database already has projects and no reset was asked for."""


@dataclass
class SeedContext:
    today: datetime.date
    months: int
    seed: int
    project_count: int
    batch_size: int = BATCH_SIZE
    log: Callable[[str], None] = lambda message: None
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    role_groups: dict[str, Group] = field(default_factory=dict)
    password_hash: str = ""
    project_specs: list[ProjectSpec] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)  # aligned with project_specs
    entry_specs: list[EntrySpec] = field(default_factory=list)
    plan_specs: list[PlanSpec] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"units created": 0, "users created": 0})

    @property
    def setup_at(self) -> datetime.datetime:
        """When units and accounts were set up: the day before the history window."""
        day = window_start(self.today, self.months) - datetime.timedelta(days=1)
        return datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=_tz())

    @property
    def administrator(self) -> User:
        return self.users["admin"]

    @property
    def drc(self) -> User:
        return self.users["drc"]


@contextmanager
def _explicit_timestamps(*model_classes: type[models.Model]):
    """Let bulk_create keep the created/updated times we set instead of stamping "now"."""
    fields = [
        f for model in model_classes for f in model._meta.concrete_fields if getattr(f, "auto_now", False)
        or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _with_history_attrs(obj, *, at: datetime.datetime, user: User | None, reason: str = ""):
    obj._history_date = at
    obj._history_user = user
    if reason:
        obj._change_reason = reason
    return obj


def seed_administrator(ctx: SeedContext) -> None:
    """The administrator comes first: it is the history user of the units and accounts."""
    ctx.role_groups = roles.ensure_role_groups()
    spec = next(a for a in generate_accounts() if a.username == "admin")
    _ensure_account(ctx, spec, history_user=None)


def seed_units(ctx: SeedContext) -> None:
    """All of Ganzhou's streets, towns and departments, get-or-create by code (or by name)."""
    existing = {unit.code: unit for unit in Unit.objects.all()}
    by_name = {unit.name: unit for unit in existing.values()}
    created = 0
    for spec in generate_units():
        unit = existing.get(spec.code) or by_name.get(spec.name)
        if unit is None:
            unit = Unit(
                code=spec.code,
                name=spec.name,
                unit_type=spec.unit_type,
                contact_name=spec.contact_name,
                contact_phone=spec.contact_phone,
                contact_email=spec.contact_email,
                head_name=spec.head_name,
                head_email=spec.head_email,
                sort_order=spec.sort_order,
            )
            _with_history_attrs(unit, at=ctx.setup_at, user=ctx.administrator)
            unit.save()
            created += 1
        ctx.units[spec.code] = unit
    ctx.counts["units created"] = created


def _ensure_account(ctx: SeedContext, spec: AccountSpec, *, history_user: User | None) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        if not ctx.password_hash:
            ctx.password_hash = make_password(DEMO_PASSWORD)  # hashed once: hashing is deliberately slow
        user = User(
            username=spec.username,
            full_name=spec.full_name,
            phone=spec.phone,
            email=spec.email,
            password=ctx.password_hash,
            unit=ctx.units.get(spec.unit_code) if spec.unit_code else None,
            is_staff=spec.is_administrator,
            is_superuser=spec.is_administrator,
            date_joined=ctx.setup_at,
        )
        _with_history_attrs(user, at=ctx.setup_at, user=history_user)
        user.save()  # the post_save signal puts the user in the unit's group
        ctx.counts["users created"] += 1
    user.groups.add(ctx.role_groups[spec.role])
    ctx.users[spec.username] = user
    return user


def seed_users(ctx: SeedContext) -> None:
    """A demo account for every role (password DEMO_PASSWORD), get-or-create by username."""
    for spec in generate_accounts():
        if spec.username not in ctx.users:
            _ensure_account(ctx, spec, history_user=ctx.administrator)


def _bulk_create_with_timeline(
    ctx: SeedContext,
    model: type[models.Model],
    objs: list[models.Model],
    first_states: list[models.Model],
    changes: list[models.Model],
) -> None:
    """Insert `objs` in their current state, then their history: a "+" row per object from
    `first_states` (as entered) and a "~" row for each of `changes` (the later change)."""
    with _explicit_timestamps(model):
        model._default_manager.bulk_create(objs, batch_size=ctx.batch_size)
    for first, obj in zip(first_states, objs, strict=True):
        first.pk = obj.pk
    history = get_history_manager_for_model(model)
    history.bulk_history_create(first_states, batch_size=ctx.batch_size)
    if changes:
        history.bulk_history_create(changes, update=True, batch_size=ctx.batch_size)


def seed_projects(ctx: SeedContext) -> None:
    """Projects with their history (entered, and the stage change if any) and the unit's object permissions."""
    specs = generate_projects(count=ctx.project_count, today=ctx.today, months=ctx.months, seed=ctx.seed)
    units, users = ctx.units, ctx.users
    objs, first_states, changes = [], [], []
    for spec in specs:
        obj = Project(
            name=spec.name,
            sector=spec.sector,
            industry_chain=spec.industry_chain,
            content_scale=spec.content_scale,
            start_year=spec.start_year,
            end_year=spec.end_year,
            location=spec.location,
            total_investment=spec.total_investment,
            responsible_unit=units[spec.unit_code],
            competent_department=units[spec.department_code],
            owner_name=spec.owner_name,
            owner_contact=spec.owner_contact,
            owner_phone=spec.owner_phone,
            leader=users[spec.leader] if spec.leader else None,
            commissioner=spec.commissioner,
            stage=spec.stage,
            signing_status=spec.signing_status,
            procedure_progress=spec.procedure_progress,
            demolition_progress=spec.demolition_progress,
            existing_problems=spec.existing_problems,
            national_code=spec.national_code,
            opening_cumulative_investment=spec.opening_cumulative_investment,
            created_at=spec.created_at,
            updated_at=spec.updated_at,
        )
        creator = users[spec.creator]
        first = copy.copy(obj)
        first.stage, first.updated_at = spec.initial_stage, spec.created_at
        first_states.append(_with_history_attrs(first, at=spec.created_at, user=creator))
        if spec.stage_changed_at:
            reason = f"项目阶段由“{STAGE_ZH[spec.initial_stage]}”调整为“{STAGE_ZH[spec.stage]}”"
            changes.append(_with_history_attrs(obj, at=spec.stage_changed_at, user=creator, reason=reason))
        objs.append(obj)
    _bulk_create_with_timeline(ctx, Project, objs, first_states, changes)

    # Object permissions of the responsible unit's group (what services.grant_unit_permissions does one by one).
    content_type = ContentType.objects.get_for_model(Project)
    permissions = list(
        Permission.objects.filter(content_type=content_type, codename__in=roles.UNIT_OBJECT_PERMISSIONS)
    )
    ProjectGroupObjectPermission.objects.bulk_create(
        [
            ProjectGroupObjectPermission(
                permission=permission, group_id=obj.responsible_unit.group_id, content_object=obj
            )
            for obj in objs
            for permission in permissions
        ],
        batch_size=ctx.batch_size,
    )
    ctx.project_specs, ctx.projects = specs, objs
    ctx.counts["projects"] = len(objs)


def seed_lists(ctx: SeedContext) -> None:
    """Reserve library and annual lists, each move kept as an adjustment by the DRC reviewer (seed 001 §14)."""
    specs = generate_list_entries(ctx.project_specs, today=ctx.today, months=ctx.months, seed=ctx.seed)
    drc = ctx.drc
    objs, first_states, changes = [], [], []
    for spec in specs:
        obj = ListEntry(
            project=ctx.projects[spec.project_index],
            kind=spec.kind,
            year=spec.year,
            in_comprehensive=spec.in_comprehensive,
            is_active=spec.is_active,
            joined_on=spec.joined_on,
            left_on=spec.left_on,
        )
        first = copy.copy(obj)
        first.is_active, first.left_on = True, None
        first_states.append(_with_history_attrs(first, at=spec.joined_at, user=drc))
        if not spec.is_active:
            changes.append(_with_history_attrs(obj, at=spec.left_at, user=drc))
        objs.append(obj)
    _bulk_create_with_timeline(ctx, ListEntry, objs, first_states, changes)

    adjustments = [
        _with_history_attrs(
            ListAdjustment(
                entry=entry,
                action=adjustment.action,
                quarter=adjustment.quarter,
                reason=adjustment.reason,
                acting_user=drc,
                created_at=adjustment.at,
            ),
            at=adjustment.at,
            user=drc,
        )
        for spec, entry in zip(specs, objs, strict=True)
        for adjustment in spec.adjustments
    ]
    with _explicit_timestamps(ListAdjustment):
        bulk_create_with_history(adjustments, ListAdjustment, batch_size=ctx.batch_size, default_user=drc)
    ctx.entry_specs = specs
    ctx.counts["list entries"] = len(objs)
    ctx.counts["list adjustments"] = len(adjustments)


def seed_plans(ctx: SeedContext) -> None:
    """The three lists of this year's annual-list projects, entered by the unit's reporter."""
    specs = generate_year_plans(ctx.project_specs, ctx.entry_specs, today=ctx.today, seed=ctx.seed)
    plans = []
    for spec in specs:
        plan = ProjectYearPlan(
            project=ctx.projects[spec.project_index],
            year=spec.year,
            planned_start_date=spec.planned_start_date,
            annual_target=spec.annual_target,
            **dict(zip(MONTH_FIELDS, spec.monthly, strict=True)),
        )
        plans.append(_with_history_attrs(plan, at=spec.at, user=ctx.users[spec.user]))
    bulk_create_with_history(plans, ProjectYearPlan, batch_size=ctx.batch_size)
    items = [
        _with_history_attrs(
            PolicyFundItem(
                year_plan=plan,
                fund_type=fund.fund_type,
                amount=fund.amount,
                performance_targets=fund.performance_targets,
            ),
            at=spec.at,
            user=ctx.users[spec.user],
        )
        for spec, plan in zip(specs, plans, strict=True)
        for fund in spec.funds
    ]
    bulk_create_with_history(items, PolicyFundItem, batch_size=ctx.batch_size)
    ctx.plan_specs = specs
    ctx.counts["year plans"] = len(plans)
    ctx.counts["policy fund items"] = len(items)


def seed_reports(ctx: SeedContext) -> None:
    """Monthly reports (dispatch/demo.py, imported here because it builds on this module)."""
    from dispatch.demo import write_reports

    write_reports(ctx)


def seed_warnings(ctx: SeedContext) -> None:
    """Ledger problems of the reports and the warning runs (early_warnings/demo.py, imported here likewise)."""
    from early_warnings.demo import write_ledger_and_warnings

    write_ledger_and_warnings(ctx)


# The writers in order. A later kind of record (monthly reports, problems,
# warnings, fee applications...) adds its writer here, after what it needs.
STEPS: list[Callable[[SeedContext], None]] = [
    seed_administrator,
    seed_units,
    seed_users,
    seed_projects,
    seed_lists,
    seed_plans,
    seed_reports,
    seed_warnings,
]


def delete_projects(log: Callable[[str], None] = lambda message: None) -> int:
    """Delete every project and what hangs off it, with the history of the project models.

    For demo and development databases only: it leaves no "-" history rows,
    because the whole demo history is being replaced.
    """
    from dispatch.demo import delete_reports  # reports protect their projects
    from early_warnings.demo import delete_warnings  # warnings and ledger problems protect projects, point at reports

    project_models = [PolicyFundItem, ProjectYearPlan, ListAdjustment, ListEntry, Project]
    count = Project.objects.count()
    with transaction.atomic(), override_settings(SIMPLE_HISTORY_ENABLED=False):
        delete_warnings(log)
        delete_reports(log)
        ProjectGroupObjectPermission.objects.all().delete()
        ProjectUserObjectPermission.objects.all().delete()
        for model in project_models:
            model._default_manager.all().delete()
            get_history_manager_for_model(model).model.objects.all().delete()
    log(f"Deleted {count} projects and their lists, plans and history.")
    return count


def seed_demo(
    *,
    projects: int = DEFAULT_PROJECTS,
    months: int = DEFAULT_MONTHS,
    today: datetime.date | None = None,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    batch_size: int = BATCH_SIZE,
    log: Callable[[str], None] = lambda message: None,
) -> SeedContext:
    """Create the demo units, accounts, projects, lists and plans.

    Units and accounts are get-or-create (never duplicated, never changed).
    Projects are only generated into a database without projects: with
    `reset`, existing projects are deleted first; without it, SeedRefused.
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    if projects < 0:
        raise ValueError("projects must not be negative")
    ctx = SeedContext(
        today=today or timezone.localdate(),
        months=months,
        seed=seed,
        project_count=projects,
        batch_size=batch_size,
        log=log,
    )
    existing = Project.objects.count()
    if existing and not reset:
        raise SeedRefused(
            f"The database already has {existing} projects; run with --reset to delete them and seed again."
        )
    with transaction.atomic():
        if existing:
            delete_projects(log)
        for step in STEPS:
            started = time.monotonic()
            step(ctx)
            log(f"{step.__name__}: {time.monotonic() - started:.1f}s")
    return ctx
