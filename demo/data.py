"""The demo's data tables: Ganzhou's units and villages, names, leaders, project templates and the texts
the generators draw from. Plain data, no behaviour: the generators (`demo.inventory`, `demo.reports`,
`demo.ledger`) choose among these with their seeded random streams, so changing a table changes the demo
data of the same seed.
"""

from dataclasses import dataclass, field

from dispatch.models import ProblemCategory, SolvingLevel
from early_warnings.models import Colour
from projects import roles
from projects.models import FundType, IndustryChain, Sector, Stage

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


UNIT_NAMES = dict(STREETS + TOWNS + DEPARTMENTS)

# (username, title, full name) of the district leaders: the first is the
# executive deputy head who chairs the dispatch meeting.
LEADERS = [
    ("leader", "常务副区长", "王志刚"),
    ("leader_quzhang", "区长", "赵国平"),
    ("leader_zhang", "副区长", "张红梅"),
    ("leader_li", "副区长", "李文斌"),
]


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
PROJECT_PROBLEMS = [
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

FUND_WEIGHTS = {
    FundType.CENTRAL_BUDGET: 3,
    FundType.TREASURY_BONDS: 2,
    FundType.SPECIAL_BONDS: 3,
    FundType.OTHER: 2,
}


# ---------------------------------------------------------------------------
# Monthly reports (demo.reports)
# ---------------------------------------------------------------------------

# A moved deadline, by preference: October (National Day), February (Spring Festival), else the last past month.
DEADLINE_MOVES = {
    10: (23, "国庆假期顺延：{year}年10月项目进展报送截止时间顺延至10月23日"),
    2: (24, "春节假期顺延：{year}年2月项目进展报送截止时间顺延至2月24日"),
}
OTHER_MOVE = (22, "项目管理系统升级维护，{year}年{month}月报送截止时间顺延至{month}月22日")


# Which kind of works a project template is (for the progress texts); the rest are buildings.
WORKS = {
    "field": ("farmland", "seed_base", "summer_veg", "desertification", "wetland"),
    "linear": (
        "water_saving",
        "rural_water",
        "flood_control",
        "irrigation_district",
        "sewer_town",
        "rural_sewage",
        "rain_sewer",
        "heating",
        "gas",
        "rural_road",
        "highway",
        "back_lanes",
        "5g",
    ),
    "energy": ("solar", "wind", "storage", "hybrid"),
}
KIND_OF_TEMPLATE = {template: kind for kind, templates in WORKS.items() for template in templates}
# Physical progress by kind of works: (up to percent, texts), {p} is the percent.
PROGRESS_TEXTS = {
    "building": [
        (15, ["完成场地平整和施工临建，正在进行基础土方开挖", "桩基工程施工中，完成基础工程量的{p}%"]),
        (
            40,
            ["基础工程已完成，主体结构施工中，完成主体工程量的{p}%", "主体结构施工至第{floor}层，钢筋模板工程同步推进"],
        ),
        (70, ["主体结构已封顶，正在进行砌体和机电安装工程", "正在进行二次结构施工及水电暖管线预埋，完成{p}%"]),
        (90, ["正在进行内外装饰装修和设备安装", "外墙保温及室内装修基本完成，正在进行室外配套工程"]),
        (101, ["正在进行室外管网、道路及绿化等附属工程，准备竣工验收", "设备安装调试基本完成，正在开展竣工验收准备"]),
    ],
    "field": [
        (15, ["完成项目区测量放线，正在进行土地平整", "施工队伍和机械已进场，正在进行场地清理和土地平整"]),
        (40, ["完成土地平整，正在铺设输配水管道，完成工程量的{p}%", "田间工程全面施工，完成工程量的{p}%"]),
        (70, ["田间道路和渠系建筑物施工中，完成工程量的{p}%", "管网铺设基本完成，正在进行首部枢纽和配套设施建设"]),
        (90, ["主体工程基本完成，正在进行附属设施和防护林建设", "正在进行田间道路硬化和设备调试"]),
        (101, ["工程已基本完工，正在进行竣工前自查和资料整理", "已完成全部建设内容，正在组织初步验收"]),
    ],
    "linear": [
        (15, ["完成施工测量放线和临时便道，正在进行沟槽（路基）开挖", "施工单位已进场，正在进行管材和材料进场检验"]),
        (40, ["管线（路基）工程施工中，完成设计工程量的{p}%", "完成沟槽开挖和管道铺设约{p}%，同步进行检查井砌筑"]),
        (70, ["主体工程完成{p}%，正在同步进行附属构筑物施工", "管道（路面）主体工程大面积施工，完成工程量的{p}%"]),
        (90, ["主体工程基本完成，正在进行路面恢复和附属设施施工", "正在进行管道试压和闭水试验，附属设施施工中"]),
        (101, ["工程已基本完工，正在进行试运行和竣工验收准备", "已完成全部主体工程，正在进行扫尾和资料整理"]),
    ],
    "energy": [
        (15, ["完成场平和施工道路，正在进行基础施工", "施工单位已进场，正在进行桩基和场区道路施工"]),
        (40, ["基础施工完成{p}%，支架（塔筒）及设备陆续进场", "完成桩基施工，正在进行支架安装"]),
        (70, ["设备安装完成{p}%，升压站土建工程施工中", "组件（风机）安装持续推进，升压站主体已完成"]),
        (90, ["设备安装基本完成，正在进行集电线路和升压站电气安装", "升压站电气设备安装调试中，送出线路施工中"]),
        (101, ["已完成设备安装，正在开展调试及并网前验收", "已具备并网条件，正在办理并网手续"]),
    ],
}
NOT_STARTED_TEXTS = [
    "施工图设计已完成，正在办理施工许可，计划{m}月开工",
    "施工单位已确定，正在进行开工前准备，计划{m}月开工建设",
    "正在开展施工招标，计划{m}月开工建设",
]
WINTER_STOP_TEXTS = [
    "冬季停工，已做好成品保护和安全防护，形象进度完成{p}%，计划{m}月复工",
    "受低温天气影响冬季停工，现场安排专人值守，计划{m}月复工",
]
COMPLETED_TEXTS = ["项目已竣工，正在办理竣工验收和结算", "项目已竣工验收并投入使用"]
ZERO_REASONS = {
    "winter": ["冬季停工", "冬季停工，计划{m}月复工", "受冬季低温天气影响停工"],
    "not_started": ["项目尚未开工，正在办理施工许可等开工前手续", "项目尚未开工，正在开展施工招标"],
    "completed": ["项目已竣工，本月无新增投资", "项目已竣工验收，正在办理竣工结算"],
    "pause": [
        "本月以设备调试和内业资料整理为主，未形成新的实物工作量",
        "本月主要开展设计变更审查，现场暂停施工",
    ],
    "finished": ["项目投资已全部完成，本月无新增投资"],
}
OVER_PLAN = [
    "施工进度加快，提前完成年度投资计划，超出部分为下年度计划提前实施",
    "受设备集中到货影响，本年度完成投资超出年度计划",
]
WRONG_TEXT = ["正在施工", "按计划推进", "施工中"]
# What DRC returns a report for, and which part of the first submission was wrong (chosen only where the
# report has that part; "" none).
RETURN_REASONS = [
    ("形象进度描述过于简单，请补充主体工程完成情况和下月计划后重新报送", "progress_text"),
    ("零投资说明不充分，请补充停工原因和复工计划", "zero_reason"),
    ("本月完成投资与统计部门联网直报数据不一致，请核实", ""),
    ("实际开工日期与施工许可证载明日期不一致，请核实", "start_date"),
]
REPORTED_PROBLEMS = {
    ProblemCategory.LAND: [
        "用地指标未落实，需协调自然资源部门调剂解决",
        "项目用地涉及永久基本农田，调规手续尚未完成",
        "建设用地征收报批尚未获批，影响施工进场",
        "林地、草地征占用手续办理缓慢",
    ],
    ProblemCategory.FUNDS: [
        "专项债资金未到位，影响工程款支付",
        "中央预算内资金尚未下达，项目资金缺口约{n}万元",
        "企业融资未落实，银行贷款审批进展缓慢",
        "地方配套资金未落实，施工单位垫资压力大",
    ],
    ProblemCategory.APPROVALS: [
        "环评批复滞后，影响开工建设",
        "施工图审查未通过，施工许可无法办理",
        "水资源论证报告尚未批复",
        "节能审查意见尚未取得",
    ],
    ProblemCategory.DEMOLITION: [
        "征地拆迁补偿未谈妥，{h}户群众对补偿标准有异议",
        "地上附着物清表工作未完成，影响施工作业面",
        "涉及坟墓迁移{h}座，群众工作难度大",
    ],
    ProblemCategory.UTILITIES: [
        "施工用电未接入，需协调供电公司加快办理",
        "施工用水未接通，需协调水务部门解决",
        "电网接入系统方案尚未获批，影响并网",
        "天然气管网接入方案未批复",
    ],
    ProblemCategory.OTHER: [
        "受原材料价格上涨影响，施工单位人员机械投入不足，进度滞后",
        "设计变更尚未审定，部分工程暂停施工",
    ],
}
PROBLEM_WEIGHTS = {
    ProblemCategory.LAND: 3,
    ProblemCategory.FUNDS: 4,
    ProblemCategory.APPROVALS: 3,
    ProblemCategory.DEMOLITION: 2,
    ProblemCategory.UTILITIES: 2,
    ProblemCategory.OTHER: 1,
}
LEVEL_WEIGHTS = {SolvingLevel.UNIT: 2, SolvingLevel.DEPARTMENT: 4, SolvingLevel.DRC: 3, SolvingLevel.DISTRICT: 1}


# ---------------------------------------------------------------------------
# Ledger and warnings (demo.ledger)
# ---------------------------------------------------------------------------

# For each problem text of REPORTED_PROBLEMS (same category, same order): (progress update, closure evidence).
LEDGER_TEXTS = {
    ProblemCategory.LAND: [
        ("已向市自然资源局报送用地指标调剂申请，正在等待批复", "用地指标已于{date}下达，问题销号"),
        ("调规方案已通过专家论证，正在按程序上报审批", "国土空间规划调整方案已于{date}获批，问题销号"),
        ("征收报批材料已组卷上报市自然资源局", "建设用地征收已于{date}获批，施工单位已进场，问题销号"),
        ("林草地征占用可研报告已编制完成，已报林草部门审核", "使用林地审核同意书已于{date}取得，问题销号"),
    ],
    ProblemCategory.FUNDS: [
        ("区财政局已启动专项债资金拨付程序", "专项债券资金已于{date}拨付到位，问题销号"),
        ("已向市发展改革委报送资金申请，正在等待下达", "中央预算内投资已于{date}下达，资金缺口已落实，问题销号"),
        ("已组织召开政银企对接会，银行正在开展贷前调查", "银行贷款已于{date}审批通过并首笔放款，问题销号"),
        ("区财政局已将配套资金列入追加预算，正在履行审批程序", "地方配套资金已于{date}落实到位，问题销号"),
    ],
    ProblemCategory.APPROVALS: [
        ("环评报告已通过专家评审，正在按意见修改完善", "环评批复已于{date}取得，问题销号"),
        ("施工图已按审查意见修改完善，已重新提交审查", "施工许可证已于{date}核发，问题销号"),
        ("水资源论证报告已通过技术审查，正在办理批复", "水资源论证报告已于{date}批复，问题销号"),
        ("节能报告已按专家意见修改，已报送审查", "节能审查意见已于{date}出具，问题销号"),
    ],
    ProblemCategory.DEMOLITION: [
        ("镇村干部已逐户入户做群众工作，部分农户已签订补偿协议", "补偿协议已于{date}全部签订，问题销号"),
        ("地上附着物清点登记已完成，正在兑付补偿款", "地上附着物清表已于{date}完成，施工作业面已移交，问题销号"),
        ("已发布迁坟公告，正在逐户做好群众工作", "坟墓迁移已于{date}全部完成，问题销号"),
    ],
    ProblemCategory.UTILITIES: [
        ("已与供电公司对接，施工用电方案已确定，正在架设线路", "施工用电已于{date}接通，问题销号"),
        ("水务部门已批复临时供水方案，正在敷设管道", "施工用水已于{date}接通，问题销号"),
        ("接入系统方案已通过电网公司评审，正在办理批复", "电网接入系统方案已于{date}获批，问题销号"),
        ("已与燃气公司对接，接入方案正在审核", "天然气管网接入方案已于{date}批复，问题销号"),
    ],
    ProblemCategory.OTHER: [
        ("已约谈施工单位，督促增加人员和机械投入", "施工单位已增加人员和机械投入，{date}起进度恢复正常，问题销号"),
        ("设计变更方案已组织专家论证，正在报批", "设计变更已于{date}审定，工程恢复施工，问题销号"),
    ],
}
GENERIC_UPDATE = "已督促责任单位加快办理，每周报送办理进展"
GENERIC_EVIDENCE = "经核实，问题已于{date}解决，予以销号"
DRC_UPDATES = [
    "区发展改革局已召开专题协调会，明确责任单位和完成时限",
    "已纳入重点项目调度会议题，正在协调相关部门解决",
    "已督促责任单位加快办理，每周报送办理进展",
]
UNIT_FOLLOW_UPS = ["相关手续正在加快办理，预计按期完成", "已多次对接主管部门，正在按要求补充完善材料"]

# By the rule of the warning's highest reason: (measures stated by the unit, DRC's resolution). {month}: "9月".
WARNING_TEXTS = {
    "investment_lag": [
        (
            "已制定赶工计划，增加施工人员和机械投入，倒排工期，力争下月补齐投资缺口",
            "项目加快施工进度，投资完成情况已基本达到年度计划进度，予以解除预警",
        ),
        (
            "已召开项目推进会，挂图作战，每周调度投资完成情况",
            "经核实，项目{month}以来投资明显加快，滞后问题已整改到位，予以解除预警",
        ),
    ],
    "start_overdue": [
        ("正在加快办理施工许可等开工前手续，计划本月底前开工建设", "项目已开工建设，予以解除预警"),
        ("施工单位已确定，正在进行开工前准备", "项目已取得施工许可并开工，予以解除预警"),
    ],
    "report_missing": [
        ("已明确专人负责月度报送，正在补报{month}项目进展", "单位已补报{month}项目进展，予以解除预警"),
    ],
    "report_late": [
        ("已明确报送责任人，今后严格按时报送项目进展", "单位已按时报送后续月份项目进展，予以解除预警"),
    ],
    "problem_overdue": [
        ("已与相关部门对接，加快推进台账问题办理", "工作台账问题已办结销号，予以解除预警"),
    ],
    "manual": [
        ("已组织施工单位整改，并做好群众沟通解释工作", "经现场核实，问题已整改到位，予以解除预警"),
    ],
}
MANUAL_REASONS = [
    "项目现场停工，群众反映强烈",
    "施工现场安全文明施工措施不到位，群众多次投诉",
    "项目建设进度明显滞后于合同约定工期",
    "农民工工资支付不及时，引发信访",
    "施工扬尘治理不到位，被生态环境部门通报",
]
MANUAL_COLOURS = {Colour.BLUE: 2, Colour.YELLOW: 5, Colour.RED: 3}
