"""Deterministic synthetic county (演示县) for demonstrations, training and load tests.

`generate(seed, scale)` builds the organization tree of a county (or of a prefecture city made
of such counties), its members with valid synthetic ID numbers, member-led households,
non-public enterprises and social organizations, and four demo accounts.

Every random choice comes from one `random.Random(seed)`; the only outside input is today's
date, so the same seed on the same day gives the same records. (The ID ciphertexts differ
between runs because Fernet uses a random IV, but they decrypt to the same numbers.)

The figures follow the reported county in domain spec §10: 12 townships, about 200 villages
and communities, 800–1,000 organizations, about 22,000 members. A few organizations break
the structure rules on purpose, so the warning pages have something to show.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TextIO

from django.contrib.auth import get_user_model
from django.core.management.base import OutputWrapper
from django.db import transaction
from django.utils import timezone

from jiceng.core import idnumbers
from jiceng.core.text import pinyin_keys
from jiceng.members.models import LeadHousehold, Member, StatusChange
from jiceng.orgs import rules
from jiceng.orgs.models import Enterprise, Organization

from .replicate import Target, replicate

DEFAULT_PASSWORD = "demo12345"
BATCH_SIZE = 2000

OrgType = Organization.Type
Domain = Organization.Domain
Status = Member.Status


class DemoDataExists(Exception):
    """The database already holds organizations; the demo county is only for an empty database."""


# --------------------------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CountySpec:
    towns: int  # 镇/乡 party committees, the county seat (城关镇) first
    streets: int  # 街道党工委
    villages_per_town: tuple[int, int]
    seat_communities: int  # communities of the county seat town
    town_communities: tuple[int, int]  # communities of the other towns
    street_communities: tuple[int, int]
    village_members: tuple[int, int, int]  # active members of a village: low, high, mode
    community_members: tuple[int, int, int]
    agency_units: int
    institution_units: int
    county_schools: int
    big_school: bool  # 县第一中学党总支 with branches
    big_hospital: bool  # 县人民医院党总支 with branches
    township_units: bool  # a central school and a health centre in every town
    private_enterprises: int
    private_branches: int
    private_joint_branches: int
    social_orgs: int
    social_branches: int
    social_joint_branches: int
    few_full_branches: int  # branches left with fewer than 3 full members
    no_committee_branches: int  # branches with 7 or more members and no committee
    oversized_village_branches: int  # village branches left with more than 50 members
    lead_rate: float  # share of rural/community full members who are member-led households


COUNTY = CountySpec(
    towns=11,
    streets=1,
    villages_per_town=(15, 18),
    seat_communities=4,
    town_communities=(0, 1),
    street_communities=(7, 9),
    village_members=(40, 155, 108),
    community_members=(25, 130, 75),
    agency_units=36,
    institution_units=4,
    county_schools=9,
    big_school=True,
    big_hospital=True,
    township_units=True,
    private_enterprises=144,
    private_branches=36,
    private_joint_branches=9,
    social_orgs=60,
    social_branches=10,
    social_joint_branches=5,
    few_full_branches=4,
    no_committee_branches=5,
    oversized_village_branches=1,
    lead_rate=0.18,
)

TINY = CountySpec(
    towns=1,
    streets=1,
    villages_per_town=(3, 3),
    seat_communities=1,
    town_communities=(0, 0),
    street_communities=(2, 2),
    village_members=(20, 90, 45),
    community_members=(15, 60, 35),
    agency_units=3,
    institution_units=1,
    county_schools=1,
    big_school=False,
    big_hospital=False,
    township_units=True,
    private_enterprises=8,
    private_branches=2,
    private_joint_branches=1,
    social_orgs=4,
    social_branches=1,
    social_joint_branches=0,
    few_full_branches=1,
    no_committee_branches=1,
    oversized_village_branches=0,
    lead_rate=0.19,
)


@dataclass(frozen=True)
class Scale:
    counties: int  # 1: the root is the county; more: a city (or province) root with that many counties
    spec: CountySpec
    cities: int = 0  # more than 0: a province root with that many cities, the counties shared among them


SCALES = {
    "tiny": Scale(1, TINY),
    "county": Scale(1, COUNTY),
    # Above a county the first county is generated with every app's data and copied in SQL
    # under the other county roots (jiceng/demo/replicate.py): the same volume per county.
    "city": Scale(15, COUNTY),
    "province": Scale(168, COUNTY, cities=14),
}

# --------------------------------------------------------------------------------------------
# Word pools (all fictional combinations)
# --------------------------------------------------------------------------------------------

# fmt: off
CITY_NAME = "云州市"
PROVINCE_NAME = "云岭省"
CITY_NAMES = (
    "云州市", "岚山市", "白水市", "临江市", "安阳市", "永州市", "长河市", "桃江市", "凤城市", "龙川市",
    "平湖市", "双峰市", "金城市", "清源市",
)
COUNTY_NAMES = (
    "云溪县", "青岚县", "白沙县", "临川县", "安平县", "永宁县", "长乐县", "桃源县", "凤鸣县", "龙泉县",
    "平江县", "双溪县", "金坪县", "清水县", "梅岭县", "松阳县", "石城县", "柳江县", "望城县", "宁远县",
)
COUNTY_AREA_PREFIX = "4312"  # synthetic ID-number area codes 431221, 431222, ...
OTHER_AREAS = (
    "430102", "430104", "430111", "430521", "431102", "431121", "420106", "420111", "360102",
    "440305", "440106", "500101", "520102", "450103", "330106", "320106",
)

SURNAMES = (
    ("王", 71), ("李", 70), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 22), ("赵", 21), ("吴", 20),
    ("周", 19), ("徐", 15), ("孙", 15), ("马", 12), ("朱", 12), ("胡", 11), ("郭", 11), ("何", 10), ("高", 9),
    ("林", 9), ("罗", 9), ("郑", 8), ("梁", 7), ("谢", 6), ("宋", 5), ("唐", 5), ("许", 4), ("韩", 4), ("冯", 4),
    ("邓", 4), ("曹", 4), ("彭", 4), ("曾", 4), ("肖", 4), ("田", 4), ("董", 4), ("袁", 3), ("潘", 3), ("于", 3),
    ("蒋", 3), ("蔡", 3), ("余", 3), ("杜", 3), ("叶", 3), ("程", 3), ("苏", 3), ("魏", 3), ("吕", 2), ("丁", 2),
    ("任", 2), ("沈", 2), ("姚", 2), ("卢", 2), ("姜", 2), ("崔", 2), ("钟", 2), ("谭", 2), ("陆", 2), ("汪", 2),
    ("范", 2), ("金", 2), ("石", 2), ("廖", 2), ("贾", 1), ("夏", 1), ("韦", 1), ("付", 1), ("方", 1), ("白", 1),
    ("邹", 1), ("孟", 1), ("熊", 1), ("秦", 1), ("邱", 1), ("江", 1), ("尹", 1), ("薛", 1), ("段", 1), ("雷", 1),
    ("侯", 1), ("龙", 1), ("史", 1), ("陶", 1), ("黎", 1), ("贺", 1), ("顾", 1), ("毛", 1), ("郝", 1), ("龚", 1),
)
SURNAME_VALUES = tuple(s for s, _ in SURNAMES)
SURNAME_CUMULATIVE = tuple(itertools.accumulate(w for _, w in SURNAMES))

MALE_CHARS = (
    "伟强军勇磊涛明超刚平辉杰鹏斌波华建国志文春林海峰新成东兵宇浩俊飞洪德福贵生荣学云江龙山忠义清光金宝发顺"
    "长庆全兴良亮松柏永祥林树立正卫民安胜利富红军振家武"
)
FEMALE_CHARS = (
    "芳娟敏静丽艳霞玲燕红梅兰英华秀琴萍莉娜婷雪慧丹洁颖倩琳晶月凤桂珍玉翠香莲春菊云晓欣佳悦蓉琼秋冬彩霞慧茜"
)

TOWN_STEMS = (
    "桃源", "石桥", "白沙", "龙潭", "清水", "杨柳", "高坪", "马家", "青山", "黄土", "双河", "新田", "大桥", "江口",
    "太平", "长兴", "柳林", "金塘", "三岔", "茶园", "梅花", "凤凰", "花桥", "竹林", "松柏", "河口", "官庄", "板桥",
)
STREET_NAMES = ("城东街道", "城西街道", "城南街道", "城北街道")
VILLAGE_FIRST = "石黄李杨柳桃龙凤高新大小东西南北上下中前后长清白红青金马牛花竹松梅枫荷田山河湖塘坪岭溪湾桥"
VILLAGE_SECOND = "家山坪溪湾桥塘冲岭坡庄岗铺园田河洲口头源湖林峰岩"
COMMUNITY_WORDS = (
    "和平", "幸福", "建设", "解放", "人民", "新华", "朝阳", "东风", "文化", "振兴", "锦绣", "滨江", "书院", "南门",
    "北门", "东门", "西门", "育才", "向阳", "光明", "长青", "民主", "团结", "兴业", "红星", "桂花", "金山", "花园",
)
DEPARTMENTS = (
    "县委办公室", "县人大常委会办公室", "县政府办公室", "县政协办公室", "县纪委监委机关", "县委组织部", "县委宣传部",
    "县委统战部", "县委政法委", "县发展和改革局", "县教育局", "县财政局", "县公安局", "县民政局",
    "县人力资源和社会保障局", "县自然资源局", "县住房和城乡建设局", "县交通运输局", "县水利局", "县农业农村局",
    "县林业局", "县商务局", "县文化旅游广电体育局", "县卫生健康局", "县退役军人事务局", "县应急管理局", "县审计局",
    "县市场监督管理局", "县统计局", "县医疗保障局", "县乡村振兴局", "县信访局", "县司法局", "县税务局", "县总工会",
    "团县委", "县妇联", "县科协", "县供销合作社", "县人民法院", "县人民检察院", "县气象局", "县城市管理和综合执法局",
    "县行政审批服务局", "县生态环境分局",
)
INSTITUTIONS = ("县融媒体中心", "县档案馆", "县农业技术推广中心", "县城乡规划设计院", "县图书馆", "县公共资源交易中心")
COUNTY_SCHOOLS = (
    "县第二中学", "县第三中学", "县职业中等专业学校", "县实验小学", "县第一完全小学", "县第二完全小学",
    "县实验幼儿园", "县特殊教育学校", "县教师发展中心", "县第四中学", "县民族中学",
)
HOSPITAL_BRANCHES = ("内科党支部", "外科党支部", "医技党支部", "行政后勤党支部")
COUNTY_HEALTH_UNITS = ("县中医医院", "县妇幼保健院", "县疾病预防控制中心")
FIRM_WORDS = (
    "宏达", "鑫源", "金石", "华泰", "恒信", "瑞丰", "永盛", "兴隆", "腾飞", "顺达", "天成", "富民", "绿源", "山河",
    "锦程", "佳和", "鸿运", "新峰", "利民", "众诚", "博远", "盛世", "长青", "汇通", "嘉禾", "同创", "中和", "正大",
    "聚福", "安泰", "金穗", "丰源", "润泽", "力拓", "昌盛", "康达",
)
INDUSTRIES = (
    "建材", "农业开发", "食品", "茶业", "竹木制品", "物流", "电子科技", "服装", "机械制造", "商贸", "建筑工程",
    "生态农业", "矿业", "酒业", "中药材", "水产养殖", "旅游开发", "新能源", "包装", "家具", "米业", "油脂",
)
FIRM_SUFFIXES = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司")
ASSOCIATION_TOPICS = (
    "个体劳动者", "私营企业", "慈善", "老年人", "志愿者", "青年企业家", "书法家", "摄影家", "烹饪", "物流", "茶业",
    "律师", "会计", "养殖业", "种植业", "电子商务", "退役军人", "家庭教育", "体育", "诗词", "民间文艺", "餐饮",
    "建筑业", "旅游", "健康服务", "乡村医生", "收藏", "太极拳", "农机", "花卉",
)
SOCIAL_PLACES = (
    ("幼儿园", "{county}{word}幼儿园"),
    ("培训学校", "{county}{word}职业培训学校"),
    ("养老院", "{town}{word}养老院"),
    ("社工站", "{county}{word}社会工作服务中心"),
)
MOBILE_STATIONS = (
    "广东省深圳市流动党员服务站", "广东省东莞市流动党员服务站", "广东省广州市流动党员服务站",
    "浙江省杭州市流动党员服务站", "浙江省宁波市流动党员服务站", "江苏省苏州市流动党员服务站",
    "上海市流动党员服务站", "北京市流动党员服务站", "福建省厦门市流动党员服务站", "湖北省武汉市流动党员服务站",
    "湖南省长沙市流动党员服务站", "广东省佛山市流动党员服务站",
)
MINORITIES = ("土家族", "苗族", "侗族", "瑶族", "回族", "白族")
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "180", "181", "182", "183", "185", "186", "187", "188", "189",
)
# fmt: on
CN_DIGITS = "零一二三四五六七八九"
CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def cn_number(n: int) -> str:
    """Chinese numeral for 1..99: 一, 十, 十二, 二十三."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    head = "十" if tens == 1 else CN_DIGITS[tens] + "十"
    return head + (CN_DIGITS[ones] if ones else "")


def credit_code(prefix: str, area: str, body: str) -> str:
    """Unified social credit code (GB 32100-2015) with its check character."""
    first17 = f"{prefix}{area}{body}"
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


@functools.cache
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


# --------------------------------------------------------------------------------------------
# Member profiles
# --------------------------------------------------------------------------------------------

Weighted = tuple[tuple[str, int], ...]
E = Member.Education
O = Member.Occupation  # noqa: E741


@dataclass(frozen=True)
class Profile:
    male_share: float
    ages: tuple[tuple[int, int, int, int], ...]  # (low, high, mode, weight) bands of full members
    education: Weighted
    education_old: Weighted  # over 60
    occupation: Weighted
    occupation_old: Weighted
    posts: tuple[str, ...]
    post_rate: float  # share of the remaining members given a 设岗定责 post
    other_area_share: float = 0.05  # born outside the county
    minority_share: float = 0.03
    mobile_rate: float = 0.0  # of members aged 20-55
    dual_rate: float = 0.0  # in-office members registered with a residential community
    households: bool = False  # may be member-led households
    probationary: bool = True
    can_die: bool = True


# fmt: off
RURAL_POSTS = (
    "政策宣传岗", "矛盾调解岗", "环境卫生监督岗", "产业发展带头岗", "帮扶济困岗", "治安巡逻岗", "文明新风岗", "村民小组长",
    "村务监督委员会委员", "红白理事会成员",
)
COMMUNITY_POSTS = ("楼栋长", "网格员", "政策宣传岗", "矛盾调解岗", "志愿服务岗", "环境卫生监督岗", "治安巡逻岗", "关爱帮扶岗")
# fmt: on
OFFICE_POSTS = ("党员示范岗", "志愿服务岗", "政策宣讲岗", "结对帮扶岗", "窗口服务岗")
OLD_EDUCATION: Weighted = ((E.JUNIOR_HIGH, 55), (E.SECONDARY, 30), (E.JUNIOR_COLLEGE, 10), (E.BACHELOR, 5))
OFFICE_EDUCATION: Weighted = ((E.POSTGRADUATE, 10), (E.BACHELOR, 62), (E.JUNIOR_COLLEGE, 24), (E.SECONDARY, 4))
IN_OFFICE_AGES = ((23, 35, 30, 30), (36, 59, 47, 70))

PROFILES: dict[str, Profile] = {
    "rural": Profile(
        male_share=0.74,
        ages=((19, 35, 30, 16), (36, 60, 50, 49), (61, 95, 67, 35)),
        education=((E.JUNIOR_HIGH, 42), (E.SECONDARY, 34), (E.JUNIOR_COLLEGE, 15), (E.BACHELOR, 9)),
        education_old=((E.JUNIOR_HIGH, 82), (E.SECONDARY, 16), (E.JUNIOR_COLLEGE, 2)),
        occupation=(
            (O.FARMER, 60),
            (O.WORKER, 14),
            (O.OTHER, 10),
            (O.MANAGER, 5),
            (O.UNEMPLOYED, 5),
            (O.PROFESSIONAL, 4),
            (O.STUDENT, 2),
        ),
        occupation_old=((O.FARMER, 82), (O.RETIRED, 12), (O.OTHER, 6)),
        posts=RURAL_POSTS,
        post_rate=0.16,
        other_area_share=0.04,
        minority_share=0.06,
        mobile_rate=0.08,
        households=True,
    ),
    "community": Profile(
        male_share=0.58,
        ages=((19, 35, 30, 20), (36, 60, 48, 42), (61, 95, 68, 38)),
        education=((E.BACHELOR, 25), (E.JUNIOR_COLLEGE, 30), (E.SECONDARY, 30), (E.JUNIOR_HIGH, 15)),
        education_old=((E.JUNIOR_HIGH, 45), (E.SECONDARY, 35), (E.JUNIOR_COLLEGE, 12), (E.BACHELOR, 8)),
        occupation=(
            (O.WORKER, 22),
            (O.OTHER, 25),
            (O.MANAGER, 14),
            (O.PROFESSIONAL, 14),
            (O.UNEMPLOYED, 10),
            (O.STUDENT, 3),
            (O.CIVIL_SERVANT, 2),
        ),
        occupation_old=((O.RETIRED, 85), (O.OTHER, 10), (O.UNEMPLOYED, 5)),
        posts=COMMUNITY_POSTS,
        post_rate=0.18,
        other_area_share=0.10,
        mobile_rate=0.06,
        households=True,
    ),
    "agency": Profile(
        male_share=0.66,
        ages=IN_OFFICE_AGES,
        education=OFFICE_EDUCATION,
        education_old=OFFICE_EDUCATION,
        occupation=((O.CIVIL_SERVANT, 88), (O.MANAGER, 6), (O.PROFESSIONAL, 6)),
        occupation_old=((O.CIVIL_SERVANT, 1),),
        posts=OFFICE_POSTS,
        post_rate=0.28,
        other_area_share=0.20,
        dual_rate=0.40,
        can_die=False,
    ),
    "institution": Profile(
        male_share=0.55,
        ages=IN_OFFICE_AGES,
        education=OFFICE_EDUCATION,
        education_old=OFFICE_EDUCATION,
        occupation=((O.PROFESSIONAL, 70), (O.MANAGER, 30)),
        occupation_old=((O.PROFESSIONAL, 1),),
        posts=OFFICE_POSTS,
        post_rate=0.28,
        other_area_share=0.15,
        dual_rate=0.35,
        can_die=False,
    ),
    "retired": Profile(
        male_share=0.70,
        ages=((60, 95, 70, 1),),
        education=((E.JUNIOR_COLLEGE, 35), (E.SECONDARY, 30), (E.BACHELOR, 20), (E.JUNIOR_HIGH, 15)),
        education_old=((E.JUNIOR_COLLEGE, 35), (E.SECONDARY, 30), (E.BACHELOR, 20), (E.JUNIOR_HIGH, 15)),
        occupation=((O.RETIRED, 1),),
        occupation_old=((O.RETIRED, 1),),
        posts=("政策宣讲岗", "关心下一代工作岗", "志愿服务岗", "矛盾调解岗"),
        post_rate=0.20,
        other_area_share=0.15,
        probationary=False,
    ),
    "school": Profile(
        male_share=0.45,
        ages=IN_OFFICE_AGES,
        education=((E.POSTGRADUATE, 8), (E.BACHELOR, 70), (E.JUNIOR_COLLEGE, 20), (E.SECONDARY, 2)),
        education_old=((E.BACHELOR, 70), (E.JUNIOR_COLLEGE, 30)),
        occupation=((O.PROFESSIONAL, 90), (O.MANAGER, 10)),
        occupation_old=((O.PROFESSIONAL, 1),),
        posts=("党员示范岗", "师德标兵岗", "结对帮扶岗", "志愿服务岗"),
        post_rate=0.28,
        other_area_share=0.15,
        dual_rate=0.30,
        can_die=False,
    ),
    "hospital": Profile(
        male_share=0.40,
        ages=IN_OFFICE_AGES,
        education=((E.POSTGRADUATE, 12), (E.BACHELOR, 58), (E.JUNIOR_COLLEGE, 26), (E.SECONDARY, 4)),
        education_old=((E.BACHELOR, 60), (E.JUNIOR_COLLEGE, 40)),
        occupation=((O.PROFESSIONAL, 88), (O.MANAGER, 12)),
        occupation_old=((O.PROFESSIONAL, 1),),
        posts=("党员示范岗", "党员先锋岗", "志愿服务岗", "义诊服务岗"),
        post_rate=0.28,
        other_area_share=0.15,
        dual_rate=0.30,
        can_die=False,
    ),
    "enterprise": Profile(
        male_share=0.65,
        ages=((22, 35, 30, 45), (36, 59, 44, 55)),
        education=((E.BACHELOR, 25), (E.JUNIOR_COLLEGE, 32), (E.SECONDARY, 33), (E.JUNIOR_HIGH, 10)),
        education_old=((E.SECONDARY, 50), (E.JUNIOR_HIGH, 50)),
        occupation=((O.WORKER, 40), (O.MANAGER, 30), (O.PROFESSIONAL, 30)),
        occupation_old=((O.MANAGER, 1),),
        posts=("党员先锋岗", "安全生产监督岗", "技术攻关岗", "党员示范岗"),
        post_rate=0.25,
        other_area_share=0.12,
        can_die=False,
    ),
    "social": Profile(
        male_share=0.50,
        ages=((22, 35, 30, 40), (36, 60, 45, 45), (61, 80, 65, 15)),
        education=(
            (E.POSTGRADUATE, 3),
            (E.BACHELOR, 35),
            (E.JUNIOR_COLLEGE, 35),
            (E.SECONDARY, 20),
            (E.JUNIOR_HIGH, 7),
        ),
        education_old=((E.JUNIOR_COLLEGE, 40), (E.SECONDARY, 40), (E.JUNIOR_HIGH, 20)),
        occupation=((O.OTHER, 40), (O.PROFESSIONAL, 35), (O.MANAGER, 25)),
        occupation_old=((O.RETIRED, 1),),
        posts=("志愿服务岗", "党员示范岗", "关爱帮扶岗"),
        post_rate=0.25,
        other_area_share=0.10,
        can_die=False,
    ),
}

PROBATIONARY_RATE = 0.032
VILLAGE_COMMITTEE_SIZE = 130  # villages this big have a 村党委 instead of a 党总支
INACTIVE_RATE = 0.015  # transferred out or deceased rows kept on record


# --------------------------------------------------------------------------------------------
# Plan structures
# --------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """A branch-like organization holding members; its party groups hold some of them."""

    org: Organization
    profile: str
    size: int  # active members in the branch's subtree
    place: str  # village, community or unit name (for member-led household areas)
    village_level: bool = False
    groups: list[Organization] = field(default_factory=list)
    extra_posts: list[tuple[Organization, str]] = field(default_factory=list)
    clan: str = ""  # a village's common surname
    few_full: bool = False
    breaker: bool = False
    secretary: Member | None = None
    plain_member: Member | None = None  # a full member without post, directly in the branch


@dataclass
class CountyPlan:
    name: str  # 云溪县
    area: str  # ID-number area code of the county
    root: Organization
    orgs: list[Organization] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    townships: list[Organization] = field(default_factory=list)
    villages: list[Organization] = field(default_factory=list)  # village and community organizations
    communities: list[Organization] = field(default_factory=list)
    two_new: Organization | None = None
    members: list[Member] = field(default_factory=list)
    leads: list[tuple[Member, int, str]] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    child_counts: Counter = field(default_factory=Counter)


# --------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------


class Generator:
    def __init__(self, seed: int, scale: str, stdout: TextIO | None = None):
        if scale not in SCALES:
            raise ValueError(f"未知规模：{scale}（可选 {', '.join(SCALES)}）")
        self.seed = seed
        self.scale_name = scale
        self.scale = SCALES[scale]
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.stdout = stdout
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()
        self.totals: Counter = Counter()
        self.first_county: CountyPlan | None = None

    # ---- entry point --------------------------------------------------------------------

    def run(self, password: str) -> dict:
        if Organization.objects.exists():
            raise DemoDataExists("数据库已有党组织数据，不能生成演示县")
        self.copies: list[Target] = []
        with transaction.atomic():
            root = self._build()
            accounts = self._create_accounts(root, password)
        county = self.first_county.root
        # A province is measured on its organizations and members: the other apps' demo data
        # (about 1.2 million rows per county) is generated up to city scale.
        apps = [] if self.scale.cities else self._run_app_demos(county, password)
        if self.copies:
            self._say(f"正在复制 {county.name} 到其余 {len(self.copies)} 个县……")
            replicate(county, self.copies, say=self._say)
        result = self._result(root, accounts, password)
        result["apps"] = apps
        return result

    def _run_app_demos(self, root: Organization, password: str) -> list[tuple[str, dict]]:
        """Each domain app's demo data (jiceng/<app>/demo.py), see jiceng/demo/context.py."""
        from jiceng.core.registry import app_modules

        from .context import DemoContext

        User = get_user_model()
        plan = self.first_county
        ctx = DemoContext(
            seed=self.seed,
            scale=self.scale_name if self.scale.counties == 1 else "county",
            today=self.today,
            root=root,
            township=min(plan.townships, key=lambda t: t.path),
            branch=self._demo_branch().org,
            users={u.username: u for u in User.objects.filter(username__startswith="demo-")},
            say=self._say,
            password=password,
        )
        figures = []
        for module in app_modules("demo"):
            label = module.__name__.split(".")[1]
            with transaction.atomic():
                figures.append((label, module.generate(ctx) or {}))
        return figures

    def _build(self) -> Organization:
        """The root and the first county, generated; the other counties become `self.copies`."""
        if self.scale.counties == 1:
            root = self._new_org(
                None,
                code="C",
                path=rules.child_path("", 1),
                name=f"{COUNTY_NAMES[0]}委",
                short_name=COUNTY_NAMES[0],
                org_type=OrgType.COMMITTEE,
                domain=Domain.AGENCY,
            )
            self._build_county(COUNTY_NAMES[0], f"{COUNTY_AREA_PREFIX}21", root)
            return root
        if self.scale.cities:
            root = self._saved_committee(None, "P", PROVINCE_NAME, 1)
            cities = [
                self._saved_committee(root, f"P{j:02d}", CITY_NAMES[j - 1], j) for j in range(1, self.scale.cities + 1)
            ]
        else:
            root = self._saved_committee(None, "S", CITY_NAME, 1)
            cities = [root]
        per_city = self.scale.counties // len(cities)
        slots = [(city, i) for city in cities for i in range(1, per_city + 1)]
        (first_parent, _), rest = slots[0], slots[1:]
        county_root = self._new_org(
            first_parent,
            code=f"{first_parent.code}01",
            path=rules.child_path(first_parent.path, 1),
            name=f"{COUNTY_NAMES[0]}委",
            short_name=COUNTY_NAMES[0],
            org_type=OrgType.COMMITTEE,
            domain=Domain.AGENCY,
        )
        self._build_county(COUNTY_NAMES[0], f"{COUNTY_AREA_PREFIX}21", county_root)
        self.copies = [
            Target(
                parent=parent,
                path=rules.child_path(parent.path, i),
                code=f"{parent.code}{i:02d}",
                name=f"{COUNTY_NAMES[i - 1]}委",
                short_name=COUNTY_NAMES[i - 1],
            )
            for parent, i in rest
        ]
        return root

    def _saved_committee(self, parent: Organization | None, code: str, name: str, position: int) -> Organization:
        org = self._new_org(
            parent,
            code=code,
            path=rules.child_path(parent.path if parent else "", position),
            name=f"{name}委",
            short_name=name,
            org_type=OrgType.COMMITTEE,
            domain=Domain.AGENCY,
        )
        org.secretary_name = self._person_name(self.rng.random() < 0.8)
        Organization.objects.bulk_create([org])
        self.totals["organizations"] += 1
        return org

    def _build_county(self, name: str, area: str, root: Organization) -> None:
        spec = self.scale.spec
        self._say(f"正在生成 {name}……")
        plan = CountyPlan(name=name, area=area, root=root, orgs=[root])
        self._plan_townships(plan, spec)
        self._plan_working_committees(plan, spec)
        self._plan_enterprises(plan, spec)
        self._pick_breakers(plan, spec)
        self._ensure_term_warnings(plan)
        for unit in plan.units:
            self._make_members(plan, unit, spec)
        self._save(plan)
        if self.first_county is None:
            self.first_county = plan

    def _say(self, message: str) -> None:
        if self.stdout is not None:
            # Django's OutputWrapper ends lines itself; a plain stream needs the newline.
            self.stdout.write(message if isinstance(self.stdout, OutputWrapper) else message + "\n")

    # ---- organizations ------------------------------------------------------------------

    def _new_org(
        self,
        parent: Organization | None,
        *,
        code: str,
        path: str,
        name: str,
        org_type: str,
        domain: str,
        short_name: str = "",
        village_level: bool = False,
        founded: tuple[int, int] = (1950, 2000),
        venue: str = "",
        grid: str = "",
        grid_households: int | None = None,
    ) -> Organization:
        org = Organization(
            code=code,
            name=name,
            short_name=short_name,
            type=org_type,
            domain=domain,
            parent=parent,
            path=path,
            depth=0 if parent is None else parent.depth + 1,
            founded_on=self._some_day(*founded),
            has_committee=org_type in (OrgType.COMMITTEE, OrgType.GENERAL_BRANCH),
            venue=venue,
            grid=grid,
            grid_households=grid_households,
        )
        if org_type in rules.TERM_TYPES:
            self._set_term(org, village_level)
        return org

    def _add(
        self, plan: CountyPlan, parent: Organization, name: str, org_type: str, domain: str, **fields
    ) -> Organization:
        plan.child_counts[parent.path] += 1
        index = plan.child_counts[parent.path]
        if index > 99:
            raise ValueError(f"{parent.name} 的下级组织超过99个")
        org = self._new_org(
            parent,
            code=f"{parent.code}{index:02d}",
            path=rules.child_path(parent.path, index),
            name=name,
            org_type=org_type,
            domain=domain,
            **fields,
        )
        plan.orgs.append(org)
        return org

    def _set_term(self, org: Organization, village_level: bool, bucket: str = "") -> None:
        """Terms spread so that about 5% have expired and 7% expire within three months."""
        years = rules.term_years(org.type, village_level)
        roll = self.rng.random()
        bucket = bucket or ("expired" if roll < 0.05 else "expiring" if roll < 0.12 else "current")
        if bucket == "expired":
            end = self.today - timedelta(days=self.rng.randint(1, 420))
        elif bucket == "expiring":
            end = self.today + timedelta(days=self.rng.randint(1, 85))
        else:
            end = self.today + timedelta(days=self.rng.randint(100, years * 365 - 10))
        org.term_start = rules.add_years(end, -years)
        org.term_end = rules.add_years(org.term_start, years)
        if org.founded_on and org.founded_on > org.term_start:
            org.founded_on = org.term_start

    def _ensure_term_warnings(self, plan: CountyPlan) -> None:
        """Every county shows at least one expired and one expiring term."""
        termed = [o for o in plan.orgs if o.term_end is not None and o.depth > plan.root.depth]
        horizon = rules.add_months(self.today, 3)
        if not any(o.term_end < self.today for o in termed):
            org = self.rng.choice(termed)
            self._set_term(org, org.domain in (Domain.RURAL, Domain.COMMUNITY), "expired")
        if not any(self.today <= o.term_end <= horizon for o in termed):
            org = self.rng.choice([o for o in termed if o.term_end >= self.today])
            self._set_term(org, org.domain in (Domain.RURAL, Domain.COMMUNITY), "expiring")

    def _some_day(self, first_year: int, last_year: int) -> date:
        last_year = min(last_year, self.today.year - 1)
        return date(
            self.rng.randint(min(first_year, last_year), last_year), self.rng.randint(1, 12), self.rng.randint(1, 28)
        )

    def _unit(
        self,
        plan: CountyPlan,
        org: Organization,
        profile: str,
        size: int,
        place: str,
        *,
        group_chance: float = 0.0,
        village_level: bool = False,
        clan: str = "",
    ) -> Unit:
        unit = Unit(org=org, profile=profile, size=size, place=place, village_level=village_level, clan=clan)
        org.has_committee = size >= 7
        if size >= 20 and self.rng.random() < group_chance:
            urban = org.domain == Domain.COMMUNITY
            for index in range(1, (2 if size < 35 else 3) + 1):
                label = f"第{cn_number(index)}楼栋党小组" if urban else f"第{cn_number(index)}党小组"
                unit.groups.append(
                    self._add(plan, org, f"{org.name}{label}", OrgType.GROUP, org.domain, founded=(2005, 2020))
                )
        plan.units.append(unit)
        return unit

    def _split(self, total: int, parts: int, cap: int = 49) -> list[int]:
        weights = [self.rng.uniform(0.85, 1.15) for _ in range(parts)]
        sizes = [max(7, int(total * w / sum(weights))) for w in weights]
        sizes[-1] += total - sum(sizes)
        for i in range(parts):
            while sizes[i] > cap:
                j = sizes.index(min(sizes))
                moved = min(sizes[i] - cap, cap - sizes[j])
                sizes[i] -= moved
                sizes[j] += moved
        return sizes

    def _size(self, low: int, high: int, mode: int) -> int:
        return int(self.rng.triangular(low, high + 1, mode))

    # ---- townships and villages --------------------------------------------------------

    def _plan_townships(self, plan: CountyPlan, spec: CountySpec) -> None:
        stems = self.rng.sample(TOWN_STEMS, spec.towns - 1)
        town_cut = round((spec.towns - 1) * 0.6)
        names = ["城关镇"] + [f"{stem}{'镇' if i < town_cut else '乡'}" for i, stem in enumerate(stems)]
        oversized = set(self.rng.sample(range(1, spec.towns), min(spec.oversized_village_branches, spec.towns - 1)))
        for index, name in enumerate(names):
            self._plan_town(plan, spec, name, seat=index == 0, oversized=index in oversized)
        for name in STREET_NAMES[: spec.streets]:
            self._plan_street(plan, spec, name)

    def _plan_town(self, plan: CountyPlan, spec: CountySpec, name: str, *, seat: bool, oversized: bool) -> None:
        town = self._add(
            plan,
            plan.root,
            f"{name}党委",
            OrgType.COMMITTEE,
            Domain.RURAL,
            short_name=name,
            founded=(1949, 1958),
            venue=f"{name}党群服务中心",
        )
        plan.townships.append(town)
        villages = self.rng.randint(*spec.villages_per_town)
        communities = spec.seat_communities if seat else self.rng.randint(*spec.town_communities)
        used: set[str] = set()
        for index in range(villages):
            size = self._size(*spec.village_members)
            if oversized and index == villages - 1:
                size = self.rng.randint(52, 60)
            self._plan_village(
                plan, town, self._place_name(used, "村"), "village", size, single=oversized and index == villages - 1
            )
        for _ in range(communities):
            self._plan_village(
                plan, town, self._place_name(used, "社区"), "community", self._size(*spec.community_members)
            )
        self._plan_office(plan, town, name, "党委书记")

    def _plan_street(self, plan: CountyPlan, spec: CountySpec, name: str) -> None:
        street = self._add(
            plan,
            plan.root,
            f"{name}党工委",
            OrgType.COMMITTEE,
            Domain.COMMUNITY,
            short_name=name,
            founded=(1980, 2015),
            venue=f"{name}党群服务中心",
        )
        plan.townships.append(street)
        used: set[str] = set()
        for _ in range(self.rng.randint(*spec.street_communities)):
            self._plan_village(
                plan, street, self._place_name(used, "社区"), "community", self._size(*spec.community_members)
            )
        self._plan_office(plan, street, name, "党工委书记")

    def _plan_office(self, plan: CountyPlan, township: Organization, name: str, title: str) -> None:
        office = self._add(plan, township, f"{name}机关党支部", OrgType.BRANCH, Domain.AGENCY, founded=(1960, 2000))
        unit = self._unit(plan, office, "agency", self._size(18, 45, 28), name, group_chance=0.3)
        unit.extra_posts.append((township, title))

    def _place_name(self, used: set[str], suffix: str) -> str:
        while True:
            if suffix == "村":
                stem = self.rng.choice(VILLAGE_FIRST) + self.rng.choice(VILLAGE_SECOND)
            else:
                stem = self.rng.choice(COMMUNITY_WORDS)
            if stem not in used:
                used.add(stem)
                return stem + suffix

    def _plan_village(
        self, plan: CountyPlan, township: Organization, place: str, kind: str, size: int, *, single: bool = False
    ) -> None:
        urban = kind == "community"
        domain = Domain.COMMUNITY if urban else Domain.RURAL
        profile = "community" if urban else "rural"
        clan = "" if urban or self.rng.random() < 0.4 else self._surname()
        venue = f"{place}党群服务中心"
        if size < 50 or single:
            top = self._add(
                plan,
                township,
                f"{place}党支部",
                OrgType.BRANCH,
                domain,
                short_name=place,
                village_level=True,
                venue=venue,
            )
            self._unit(plan, top, profile, size, place, group_chance=0.5, village_level=True, clan=clan)
        else:
            # The largest villages run a village party committee (村党委), the others a general branch.
            committee = size >= VILLAGE_COMMITTEE_SIZE
            org_type, suffix = (OrgType.COMMITTEE, "党委") if committee else (OrgType.GENERAL_BRANCH, "党总支")
            top = self._add(
                plan, township, f"{place}{suffix}", org_type, domain, short_name=place, village_level=True, venue=venue
            )
            parts = max(2, math.ceil(size / self.rng.randint(47, 49)))
            for index, part in enumerate(self._split(size, parts), start=1):
                label = f"第{cn_number(index)}网格" if urban else f"第{cn_number(index)}"
                branch = self._add(
                    plan,
                    top,
                    f"{place}{label}党支部",
                    OrgType.BRANCH,
                    domain,
                    village_level=True,
                    founded=(1990, 2018),
                    grid=f"第{cn_number(index)}网格" if urban else "",
                    grid_households=self.rng.randint(180, 600) if urban else None,
                )
                unit = self._unit(plan, branch, profile, part, place, group_chance=0.04, village_level=True, clan=clan)
                if index == 1:
                    unit.extra_posts.append((top, f"{suffix}书记"))
        plan.villages.append(top)
        if urban:
            plan.communities.append(top)

    # ---- county-level working committees -----------------------------------------------

    def _plan_working_committees(self, plan: CountyPlan, spec: CountySpec) -> None:
        county = plan.name
        towns = [t.short_name for t in plan.townships if t.domain == Domain.RURAL]
        agency = self._add(
            plan,
            plan.root,
            f"{county}直机关工委",
            OrgType.COMMITTEE,
            Domain.AGENCY,
            short_name="机关工委",
            founded=(1950, 1985),
        )
        for index, dept in enumerate(DEPARTMENTS[: spec.agency_units]):
            unit_name = dept.replace("县", county, 1)
            org = self._add(plan, agency, f"{unit_name}党支部", OrgType.BRANCH, Domain.AGENCY, founded=(1955, 2015))
            unit = self._unit(plan, org, "agency", self._size(6, 45, 20), unit_name, group_chance=0.1)
            if index == 0:
                unit.extra_posts += [(plan.root, "县委书记"), (agency, "工委书记")]
        for unit_name in INSTITUTIONS[: spec.institution_units]:
            unit_name = unit_name.replace("县", county, 1)
            org = self._add(
                plan, agency, f"{unit_name}党支部", OrgType.BRANCH, Domain.INSTITUTION, founded=(1980, 2018)
            )
            self._unit(plan, org, "institution", self._size(5, 30, 12), unit_name)
        retired = self._add(
            plan, agency, f"{county}直机关离退休干部党支部", OrgType.BRANCH, Domain.AGENCY, founded=(1985, 2005)
        )
        self._unit(plan, retired, "retired", self.rng.randint(52, 60), "离退休干部", group_chance=1.0)

        education = self._add(
            plan,
            plan.root,
            f"{county}委教育工委",
            OrgType.COMMITTEE,
            Domain.SCHOOL,
            short_name="教育工委",
            founded=(1985, 2010),
        )
        school_sites = []
        if spec.big_school:
            school_sites.append(
                self._general_branch(
                    plan,
                    education,
                    f"{county}第一中学",
                    Domain.SCHOOL,
                    "school",
                    ("高中部党支部", "初中部党支部", "退休教师党支部"),
                )
            )
        for unit_name in COUNTY_SCHOOLS[: spec.county_schools]:
            unit_name = unit_name.replace("县", county, 1)
            org = self._add(plan, education, f"{unit_name}党支部", OrgType.BRANCH, Domain.SCHOOL, founded=(1960, 2015))
            school_sites.append(self._unit(plan, org, "school", self._size(8, 46, 24), unit_name, group_chance=0.2))
        if spec.township_units:
            for town in towns:
                org = self._add(plan, education, f"{town}中心学校党支部", OrgType.BRANCH, Domain.SCHOOL)
                school_sites.append(self._unit(plan, org, "school", self._size(8, 40, 18), f"{town}中心学校"))
        school_sites[0].extra_posts.append((education, "工委书记"))

        health = self._add(
            plan,
            plan.root,
            f"{county}卫生健康工委",
            OrgType.COMMITTEE,
            Domain.HOSPITAL,
            short_name="卫健工委",
            founded=(1990, 2015),
        )
        health_sites = []
        if spec.big_hospital:
            health_sites.append(
                self._general_branch(plan, health, f"{county}人民医院", Domain.HOSPITAL, "hospital", HOSPITAL_BRANCHES)
            )
        for unit_name in COUNTY_HEALTH_UNITS:
            unit_name = unit_name.replace("县", county, 1)
            org = self._add(plan, health, f"{unit_name}党支部", OrgType.BRANCH, Domain.HOSPITAL, founded=(1960, 2010))
            health_sites.append(self._unit(plan, org, "hospital", self._size(8, 40, 18), unit_name))
        if spec.township_units:
            for town in towns:
                org = self._add(plan, health, f"{town}卫生院党支部", OrgType.BRANCH, Domain.HOSPITAL)
                health_sites.append(self._unit(plan, org, "hospital", self._size(4, 16, 8), f"{town}卫生院"))
        health_sites[0].extra_posts.append((health, "工委书记"))

        plan.two_new = self._add(
            plan,
            plan.root,
            f"{county}非公有制经济组织和社会组织综合党委",
            OrgType.COMMITTEE,
            Domain.PRIVATE_ENTERPRISE,
            short_name="两新党委",
            founded=(2005, 2015),
        )

    def _general_branch(
        self, plan: CountyPlan, parent: Organization, name: str, domain: str, profile: str, branches: tuple[str, ...]
    ) -> Unit:
        top = self._add(
            plan, parent, f"{name}党总支", OrgType.GENERAL_BRANCH, domain, short_name=name, founded=(1960, 1995)
        )
        units = []
        for label in branches:
            org = self._add(plan, top, f"{name}{label}", OrgType.BRANCH, domain, founded=(1985, 2015))
            branch_profile = "retired" if label.startswith("退休") else profile
            size = self._size(10, 22, 15) if branch_profile == "retired" else self._size(22, 46, 34)
            units.append(self._unit(plan, org, branch_profile, size, name, group_chance=0.3))
        units[0].extra_posts.append((top, "党总支书记"))
        return units[0]

    # ---- non-public enterprises and social organizations -------------------------------

    def _plan_enterprises(self, plan: CountyPlan, spec: CountySpec) -> None:
        used: set[str] = set()
        for kind, total, single, joint in (
            (
                Enterprise.Kind.PRIVATE_ENTERPRISE,
                spec.private_enterprises,
                spec.private_branches,
                spec.private_joint_branches,
            ),
            (Enterprise.Kind.SOCIAL_ORG, spec.social_orgs, spec.social_branches, spec.social_joint_branches),
        ):
            records = [self._enterprise(plan, kind, used) for _ in range(total)]
            uncovered = list(records)
            self._plan_joint_branches(plan, kind, joint, uncovered)
            self._plan_enterprise_branches(plan, kind, single, uncovered)
            for record in uncovered:
                if self.rng.random() < 0.6:
                    record.instructor_name = self._person_name(self.rng.random() < 0.7)
            plan.enterprises += records

    def _enterprise(self, plan: CountyPlan, kind: str, used: set[str]) -> Enterprise:
        weights = [3 if i == 0 or t.domain == Domain.COMMUNITY else 1 for i, t in enumerate(plan.townships)]
        township = self.rng.choices(plan.townships, weights=weights)[0]
        private = kind == Enterprise.Kind.PRIVATE_ENTERPRISE
        while True:
            name = self._firm_name(plan, township) if private else self._social_org_name(plan, township)
            if name not in used:
                used.add(name)
                break
        body = "".join(self.rng.choice(CREDIT_CHARS) for _ in range(9))
        if private:
            employees = min(800, max(5, int(self.rng.lognormvariate(3.4, 0.9))))
        else:
            employees = self.rng.randint(3, 60)
        return Enterprise(
            name=name,
            kind=kind,
            township=township,
            employees=employees,
            credit_code=credit_code("91" if private else "52", plan.area, body),
        )

    def _firm_name(self, plan: CountyPlan, township: Organization) -> str:
        words = self.rng.choice(FIRM_WORDS) + self.rng.choice(INDUSTRIES)
        if self.rng.random() < 0.15:
            return f"{plan.name}{township.short_name}{words}专业合作社"
        return f"{plan.name}{words}{self.rng.choice(FIRM_SUFFIXES)}"

    def _social_org_name(self, plan: CountyPlan, township: Organization) -> str:
        if self.rng.random() < 0.45:
            return f"{plan.name}{self.rng.choice(ASSOCIATION_TOPICS)}协会"
        _, template = self.rng.choice(SOCIAL_PLACES)
        return template.format(county=plan.name, town=township.short_name, word=self.rng.choice(FIRM_WORDS))

    def _plan_joint_branches(self, plan: CountyPlan, kind: str, count: int, uncovered: list[Enterprise]) -> None:
        private = kind == Enterprise.Kind.PRIVATE_ENTERPRISE
        label = "非公企业" if private else "社会组织"
        per_township: Counter = Counter()
        for _ in range(count):
            by_township: dict[str, list[Enterprise]] = {}
            for record in uncovered:
                by_township.setdefault(record.township.path, []).append(record)
            candidates = sorted((p for p, items in by_township.items() if len(items) >= 2))
            if not candidates:
                return
            path = self.rng.choice(candidates)
            covered = by_township[path][: self.rng.randint(3, 5)]
            township = covered[0].township
            per_township[path] += 1
            ordinal = "" if per_township[path] == 1 else f"第{cn_number(per_township[path])}"
            org = self._add(
                plan,
                township,
                f"{township.short_name}{label}{ordinal}联合党支部",
                OrgType.JOINT_BRANCH,
                kind,
                founded=(2008, 2022),
            )
            self._unit(plan, org, "enterprise" if private else "social", self._size(5, 20, 9), township.short_name)
            for record in covered:
                record.party_organization = org
                uncovered.remove(record)

    def _plan_enterprise_branches(self, plan: CountyPlan, kind: str, count: int, uncovered: list[Enterprise]) -> None:
        private = kind == Enterprise.Kind.PRIVATE_ENTERPRISE
        for _ in range(min(count, len(uncovered))):
            larger = sorted(uncovered, key=lambda r: (-r.employees, r.name))[: max(1, len(uncovered) // 2)]
            record = self.rng.choice(larger)
            record.employees = max(record.employees, 15)
            org = self._add(plan, plan.two_new, f"{record.name}党支部", OrgType.BRANCH, kind, founded=(2006, 2022))
            size = min(self._size(3, 18, 6), record.employees // 3)
            self._unit(plan, org, "enterprise" if private else "social", max(3, size), record.name)
            record.party_organization = org
            uncovered.remove(record)

    # ---- deliberate rule breakers ------------------------------------------------------

    def _pick_breakers(self, plan: CountyPlan, spec: CountySpec) -> None:
        first_township = plan.townships[0].path
        small = [
            u
            for u in plan.units
            if u.profile in ("enterprise", "social", "hospital", "institution")
            and not u.groups
            and not u.extra_posts
            and not u.org.path.startswith(first_township)
        ]
        for unit in self.rng.sample(small, min(spec.few_full_branches, len(small))):
            unit.size = self.rng.randint(2, 4)
            unit.few_full = unit.breaker = True
            unit.org.has_committee = False
        large = [u for u in plan.units if u.size >= 7 and not u.breaker and not u.org.path.startswith(first_township)]
        for unit in self.rng.sample(large, min(spec.no_committee_branches, len(large))):
            unit.org.has_committee = False
            unit.breaker = True

    # ---- members -----------------------------------------------------------------------

    def _statuses(self, unit: Unit) -> list[str]:
        n = unit.size
        if unit.few_full:
            full = 2 if n == 2 else self.rng.choice((1, 2))
        else:
            rate = PROBATIONARY_RATE if PROFILES[unit.profile].probationary else 0.0
            probationary = min(sum(self.rng.random() < rate for _ in range(n)), max(0, n - 3))
            full = n - probationary
        return [Status.FULL] * full + [Status.PROBATIONARY] * (n - full)

    def _make_members(self, plan: CountyPlan, unit: Unit, spec: CountySpec) -> None:
        profile = PROFILES[unit.profile]
        people = [self._person(plan, unit, status) for status in self._statuses(unit)]
        leaders = self._assign_leaders(unit, people)
        self._attach_to_groups(unit, people[leaders:])
        if profile.households:
            for person in people:
                if person.status == Status.FULL and not person.is_mobile and self.rng.random() < spec.lead_rate:
                    plan.leads.append((person, self.rng.randint(3, 10), self._household_area(unit)))
                    person.post = person.post or "党员中心户户长"
        for person in people[leaders:]:
            if not person.post and self.rng.random() < profile.post_rate:
                person.post = self.rng.choice(profile.posts)
        unit.plain_member = next(
            (p for p in people if p.organization is unit.org and p.status == Status.FULL and not p.post), None
        )
        inactive = sum(self.rng.random() < INACTIVE_RATE for _ in range(unit.size))
        for _ in range(inactive):
            died = profile.can_die and self.rng.random() < 0.6
            people.append(self._person(plan, unit, Status.DECEASED if died else Status.TRANSFERRED_OUT))
        plan.members += people

    def _assign_leaders(self, unit: Unit, people: list[Member]) -> int:
        """Secretary, committee and the posts of the organizations above; returns how many."""
        titles = ["党支部书记"]
        if unit.org.has_committee:
            titles += ["组织委员", "宣传委员"] + (["党支部副书记", "纪检委员"] if unit.size >= 20 else [])
        titles = titles[: len(people)]
        for person, title in zip(people, titles, strict=False):
            person.post = title
        unit.secretary = people[0]
        unit.org.secretary_name, unit.org.contact_phone = people[0].name, people[0].phone
        count = len(titles)
        for org, title in unit.extra_posts:
            person = people[count]
            person.post = title
            org.secretary_name, org.contact_phone = person.name, person.phone
            count += 1
        return count

    def _attach_to_groups(self, unit: Unit, rest: list[Member]) -> None:
        if not unit.groups:
            return
        self.rng.shuffle(rest)
        keep = int(len(rest) * self.rng.uniform(0.3, 0.5))
        for index, person in enumerate(rest[keep:]):
            group = unit.groups[index % len(unit.groups)]
            person.organization = group
            if index < len(unit.groups):
                person.post = "党小组组长"
                group.secretary_name, group.contact_phone = person.name, person.phone

    def _household_area(self, unit: Unit) -> str:
        if unit.org.domain == Domain.COMMUNITY:
            return f"{unit.place}{self.rng.randint(1, 24)}栋"
        return f"{unit.place}{cn_number(self.rng.randint(1, 12))}组"

    def _person(self, plan: CountyPlan, unit: Unit, status: str) -> Member:
        profile = PROFILES[unit.profile]
        rng = self.rng
        gender = Member.Gender.MALE if rng.random() < profile.male_share else Member.Gender.FEMALE
        age = self._age(profile, status)
        birth = rules.add_years(self.today, -age) - timedelta(days=rng.randint(0, 364))
        area = rng.choice(OTHER_AREAS) if rng.random() < profile.other_area_share else plan.area
        number = self._id_number(area, birth, gender)
        surname = unit.clan if unit.clan and rng.random() < 0.35 else self._surname()
        name = surname + self._given_name(gender == Member.Gender.MALE)
        pinyin, initials = _pinyin(name)
        join_date, full_date = self._join_dates(birth, status)
        old = age > 60
        education = self._pick(profile.education_old if old else profile.education)
        occupation = self._pick(profile.occupation_old if old else profile.occupation)
        if occupation == O.STUDENT and age > 26:
            occupation = O.OTHER
        active = status in Member.ACTIVE_STATUSES
        mobile = active and profile.mobile_rate > 0 and 20 <= age <= 55 and rng.random() < profile.mobile_rate
        if mobile:
            occupation = rng.choice((O.WORKER, O.WORKER, O.OTHER, O.MANAGER))
        community = None
        if active and profile.dual_rate and plan.communities and rng.random() < profile.dual_rate:
            community = rng.choice(plan.communities)
        return Member(
            name=name,
            name_pinyin=pinyin,
            name_initials=initials,
            gender=gender,
            ethnicity=rng.choice(MINORITIES) if rng.random() < profile.minority_share else "汉族",
            birth_date=birth,
            id_number_encrypted=idnumbers.encrypt(number),
            id_number_digest=idnumbers.digest(number),
            id_number_masked=idnumbers.mask(number),
            phone=self._phone(age),
            education=education,
            occupation=occupation,
            join_date=join_date,
            full_date=full_date,
            organization=unit.org,
            post="",
            status=status,
            is_mobile=mobile,
            mobile_destination=rng.choice(MOBILE_STATIONS) if mobile else "",
            registered_community=community,
        )

    def _age(self, profile: Profile, status: str) -> int:
        if status == Status.PROBATIONARY:
            return self.rng.randint(20, 38) if profile.ages[0][0] < 38 else self.rng.randint(38, 50)
        if status == Status.DECEASED:
            return self.rng.randint(70, 95)
        bands = profile.ages
        low, high, mode, _ = self.rng.choices(bands, weights=[b[3] for b in bands])[0]
        return max(19, min(high, int(self.rng.triangular(low, high + 1, mode))))

    def _join_dates(self, birth: date, status: str) -> tuple[date, date | None]:
        """Join after the 18th birthday and not in the future; full a year after joining."""
        adult = rules.add_years(birth, 18)
        if status == Status.PROBATIONARY:
            start = max(adult, self.today - timedelta(days=364))
            return start + timedelta(days=self.rng.randint(0, (self.today - start).days)), None
        latest = rules.add_years(self.today, -1)
        join_age = int(self.rng.triangular(18, 46, 25))
        join = rules.add_years(birth, join_age) + timedelta(days=self.rng.randint(0, 364))
        if join > latest and adult < latest:
            # Redraw rather than clamp: clamping piled thousands of joins onto one day a year
            # ago (and their political birthdays onto this month).
            join = adult + timedelta(days=self.rng.randint(0, (latest - adult).days))
        join = min(max(join, adult), latest)
        return join, rules.add_years(join, 1)

    def _id_number(self, area: str, birth: date, gender: str) -> str:
        while True:
            number = idnumbers.make(area, birth, self.rng.randrange(500), gender)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def _phone(self, age: int) -> str:
        if age > 78 and self.rng.random() < 0.35:
            return ""
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def _surname(self) -> str:
        return self.rng.choices(SURNAME_VALUES, cum_weights=SURNAME_CUMULATIVE)[0]

    def _given_name(self, male: bool) -> str:
        chars = MALE_CHARS if male else FEMALE_CHARS
        if self.rng.random() < 0.25:
            return self.rng.choice(chars)
        return self.rng.choice(chars) + self.rng.choice(chars)

    def _person_name(self, male: bool) -> str:
        return self._surname() + self._given_name(male)

    def _pick(self, options: Weighted) -> str:
        return self.rng.choices([v for v, _ in options], weights=[w for _, w in options])[0]

    # ---- writing -----------------------------------------------------------------------

    def _save(self, plan: CountyPlan) -> None:
        orgs = sorted(plan.orgs, key=lambda o: (o.depth, o.path))
        for _, level in itertools.groupby(orgs, key=lambda o: o.depth):
            Organization.objects.bulk_create(list(level), batch_size=BATCH_SIZE)
        self._say(f"  党组织 {len(orgs):,} 个已写入")
        members = plan.members
        for start in range(0, len(members), BATCH_SIZE):
            chunk = members[start : start + BATCH_SIZE]
            Member.objects.bulk_create(chunk, batch_size=BATCH_SIZE)
            StatusChange.objects.bulk_create(
                [
                    StatusChange(member=m, from_status="", to_status=m.status, on=m.join_date, reason="建档")
                    for m in chunk
                ],
                batch_size=BATCH_SIZE,
            )
            self._say(f"  党员 {min(start + BATCH_SIZE, len(members)):,}/{len(members):,}")
        LeadHousehold.objects.bulk_create(
            [LeadHousehold(member=m, households=h, area=area) for m, h, area in plan.leads], batch_size=BATCH_SIZE
        )
        Enterprise.objects.bulk_create(plan.enterprises, batch_size=BATCH_SIZE)
        active = sum(1 for m in members if m.status in Member.ACTIVE_STATUSES)
        self.totals.update(
            organizations=len(orgs),
            members=active,
            member_records=len(members),
            townships=len(plan.townships),
            villages=len(plan.villages),
            communities=len(plan.communities),
            lead_households=len(plan.leads),
            enterprises=sum(1 for e in plan.enterprises if e.kind == Enterprise.Kind.PRIVATE_ENTERPRISE),
            social_orgs=sum(1 for e in plan.enterprises if e.kind == Enterprise.Kind.SOCIAL_ORG),
        )
        self._say(
            f"  {plan.name}：党员 {active:,} 名，党员中心户 {len(plan.leads):,} 户，两新组织 {len(plan.enterprises)} 个"
        )

    # ---- accounts ----------------------------------------------------------------------

    def _demo_branch(self) -> Unit:
        plan = self.first_county
        township = min(plan.townships, key=lambda t: t.path)
        candidates = [
            u
            for u in plan.units
            if u.org.type == OrgType.BRANCH
            and u.org.path.startswith(township.path)
            and u.size >= 3
            and not u.few_full
            and u.plain_member is not None
        ]
        return min(candidates, key=lambda u: u.org.path)

    def _create_accounts(self, root: Organization, password: str) -> list[dict]:
        plan = self.first_county
        township = min(plan.townships, key=lambda t: t.path)
        branch = self._demo_branch()
        Role = get_user_model().Role
        specs = [
            ("demo-county", Role.COUNTY_ADMIN, root, self._person_name(self.rng.random() < 0.5), None),
            ("demo-township", Role.TOWNSHIP_ADMIN, township, self._person_name(self.rng.random() < 0.5), None),
            ("demo-branch", Role.BRANCH_SECRETARY, branch.org, branch.secretary.name, branch.secretary),
            ("demo-member", Role.MEMBER, branch.org, branch.plain_member.name, branch.plain_member),
        ]
        accounts = []
        for username, role, org, display_name, member in specs:
            self._account(username, password, role=role, organization=org, display_name=display_name, member=member)
            accounts.append(
                {"username": username, "role": role.label, "organization": org.name, "display_name": display_name}
            )
        return accounts

    @staticmethod
    def _account(username: str, password: str, **fields):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            return User.objects.create_user(username, password=password, **fields)
        for name, value in fields.items():
            setattr(user, name, value)
        user.set_password(password)
        user.save()
        return user

    def _result(self, root: Organization, accounts: list[dict], password: str) -> dict:
        copies = 1 + len(self.copies)  # every county the same as the first
        figures = {
            key: self.totals[key] * copies
            for key in (
                "members",
                "member_records",
                "townships",
                "villages",
                "communities",
                "lead_households",
                "enterprises",
                "social_orgs",
            )
        }
        figures["organizations"] = Organization.objects.count() if self.copies else self.totals["organizations"]
        return {
            "seed": self.seed,
            "scale": self.scale_name,
            "today": self.today.isoformat(),
            "root": root.name,
            "counties": copies,
            **figures,
            "accounts": accounts,
            "password": password,
        }


def generate(seed: int, scale: str = "county", password: str = DEFAULT_PASSWORD, stdout: TextIO | None = None) -> dict:
    """Build the demo county (or city) in an empty database; returns counts and the demo accounts."""
    return Generator(seed, scale, stdout).run(password)
