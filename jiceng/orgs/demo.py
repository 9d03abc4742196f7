"""The demo county's organization tree: townships, villages and communities, the county's
working committees, non-public enterprises and social organizations, and the terms of office.

Run by the demo generator (jiceng/demo/generator.py) before the members (jiceng/members/demo.py)
and the other apps' demos, so there is no `generate(ctx)` here. `OrgPlanner.plan_county` plans a
county in memory; the members demo staffs its `units` (and names the secretaries on the
organizations), then `save_county` writes it. Random choices come from the generator's one
`random.Random`, in a fixed order; people's names come from the `Names` it hands over
(jiceng.members.demo.People), as this layer does not import members.

The figures follow the reported county in domain spec §10: 12 townships, about 200 villages and
communities, 800–1,000 organizations. A few organizations break the structure rules on purpose,
so the warning pages have something to show.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Protocol

from . import rules
from .models import Enterprise, Organization

BATCH_SIZE = 2000

OrgType = Organization.Type
Domain = Organization.Domain


class Names(Protocol):
    """Where the tree gets people's names from (jiceng.members.demo.People)."""

    def surname(self) -> str: ...

    def name(self, male: bool) -> str: ...


# --------------------------------------------------------------------------------------------
# The county's structure (a scale's organization part, see jiceng/demo/scales.py)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
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


# --------------------------------------------------------------------------------------------
# Word pools (all fictional combinations)
# --------------------------------------------------------------------------------------------

# fmt: off
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
# fmt: on
VILLAGE_COMMITTEE_SIZE = 130  # villages this big have a 村党委 instead of a 党总支
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


# --------------------------------------------------------------------------------------------
# Plan structures
# --------------------------------------------------------------------------------------------


@dataclass
class Unit:
    """A branch-like organization holding members; its party groups hold some of them."""

    org: Organization
    profile: str  # the kind of members (jiceng.members.demo.PROFILES)
    size: int  # active members in the branch's subtree
    place: str  # village, community or unit name (for member-led household areas)
    village_level: bool = False
    groups: list[Organization] = field(default_factory=list)
    extra_posts: list[tuple[Organization, str]] = field(default_factory=list)
    clan: str = ""  # a village's common surname
    few_full: bool = False
    breaker: bool = False


@dataclass
class CountyPlan:
    name: str  # 云溪县
    area: str  # ID-number area code of the county (also in its enterprises' credit codes)
    root: Organization
    orgs: list[Organization] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    townships: list[Organization] = field(default_factory=list)
    villages: list[Organization] = field(default_factory=list)  # village and community organizations
    communities: list[Organization] = field(default_factory=list)
    two_new: Organization | None = None
    enterprises: list[Enterprise] = field(default_factory=list)
    child_counts: Counter = field(default_factory=Counter)


# --------------------------------------------------------------------------------------------
# The planner
# --------------------------------------------------------------------------------------------


class OrgPlanner:
    def __init__(self, rng: random.Random, today: date, names: Names):
        self.rng = rng
        self.today = today
        self.names = names

    # ---- a county ----------------------------------------------------------------------

    def plan_county(self, name: str, area: str, root: Organization, spec: OrgSpec) -> CountyPlan:
        """The county's tree under `root`, in memory; its units are not staffed yet."""
        plan = CountyPlan(name=name, area=area, root=root, orgs=[root])
        self._plan_townships(plan, spec)
        self._plan_working_committees(plan, spec)
        self._plan_enterprises(plan, spec)
        self._pick_breakers(plan, spec)
        self._ensure_term_warnings(plan)
        return plan

    # ---- organizations ------------------------------------------------------------------

    def new_org(
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
        org = self.new_org(
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

    def _plan_townships(self, plan: CountyPlan, spec: OrgSpec) -> None:
        stems = self.rng.sample(TOWN_STEMS, spec.towns - 1)
        town_cut = round((spec.towns - 1) * 0.6)
        names = ["城关镇"] + [f"{stem}{'镇' if i < town_cut else '乡'}" for i, stem in enumerate(stems)]
        oversized = set(self.rng.sample(range(1, spec.towns), min(spec.oversized_village_branches, spec.towns - 1)))
        for index, name in enumerate(names):
            self._plan_town(plan, spec, name, seat=index == 0, oversized=index in oversized)
        for name in STREET_NAMES[: spec.streets]:
            self._plan_street(plan, spec, name)

    def _plan_town(self, plan: CountyPlan, spec: OrgSpec, name: str, *, seat: bool, oversized: bool) -> None:
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

    def _plan_street(self, plan: CountyPlan, spec: OrgSpec, name: str) -> None:
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
        clan = "" if urban or self.rng.random() < 0.4 else self.names.surname()
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

    def _plan_working_committees(self, plan: CountyPlan, spec: OrgSpec) -> None:
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

    def _plan_enterprises(self, plan: CountyPlan, spec: OrgSpec) -> None:
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
                    record.instructor_name = self.names.name(self.rng.random() < 0.7)
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

    def _pick_breakers(self, plan: CountyPlan, spec: OrgSpec) -> None:
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


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def save_county(plan: CountyPlan, say: Callable[[str], None]) -> None:
    """The county's organizations, level by level (parents first), and its enterprises."""
    orgs = sorted(plan.orgs, key=lambda o: (o.depth, o.path))
    for _, level in itertools.groupby(orgs, key=lambda o: o.depth):
        Organization.objects.bulk_create(list(level), batch_size=BATCH_SIZE)
    say(f"  党组织 {len(orgs):,} 个已写入")
    Enterprise.objects.bulk_create(plan.enterprises, batch_size=BATCH_SIZE)
