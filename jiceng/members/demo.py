"""The demo county's party members, and the synthetic people's names, ID numbers and phones.

Run by the demo generator (jiceng/demo/generator.py) after the organization tree is planned
(jiceng/orgs/demo.py) and before the other apps' demos, so there is no `generate(ctx)` here.
`MemberPlanner.plan` staffs every unit of a county's plan: secretaries, committees and the posts
of the organizations above, party groups, member-led households, 设岗定责 posts, and a few
transferred-out or deceased records; `MemberPlan.save` writes them with their status history.
Every member has a valid synthetic ID number, join dates after the 18th birthday and a phone.

The name, ID-number and phone tables (and `People`) are also used by the domain apps' demos
(development, liaison), which is why they live here: members is below the domain apps.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from jiceng.core import idnumbers
from jiceng.core.dates import add_years
from jiceng.core.text import pinyin_keys
from jiceng.orgs.demo import BATCH_SIZE, CountyPlan, Unit, cn_number
from jiceng.orgs.models import Organization

from .models import LeadHousehold, Member, StatusChange

Domain = Organization.Domain
Status = Member.Status

# --------------------------------------------------------------------------------------------
# People: names, ID numbers and phones (all fictional combinations)
# --------------------------------------------------------------------------------------------

# fmt: off
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
PHONE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155", "156", "157",
    "158", "159", "180", "181", "182", "183", "185", "186", "187", "188", "189",
)
MOBILE_STATIONS = (
    "广东省深圳市流动党员服务站", "广东省东莞市流动党员服务站", "广东省广州市流动党员服务站",
    "浙江省杭州市流动党员服务站", "浙江省宁波市流动党员服务站", "江苏省苏州市流动党员服务站",
    "上海市流动党员服务站", "北京市流动党员服务站", "福建省厦门市流动党员服务站", "湖北省武汉市流动党员服务站",
    "湖南省长沙市流动党员服务站", "广东省佛山市流动党员服务站",
)
MINORITIES = ("土家族", "苗族", "侗族", "瑶族", "回族", "白族")
# fmt: on


@functools.cache
def _pinyin(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


class People:
    """Names, ID numbers and phones drawn from one random stream; no ID number or phone twice."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = set()

    def surname(self) -> str:
        return self.rng.choices(SURNAME_VALUES, cum_weights=SURNAME_CUMULATIVE)[0]

    def given_name(self, male: bool) -> str:
        chars = MALE_CHARS if male else FEMALE_CHARS
        if self.rng.random() < 0.25:
            return self.rng.choice(chars)
        return self.rng.choice(chars) + self.rng.choice(chars)

    def name(self, male: bool) -> str:
        return self.surname() + self.given_name(male)

    def id_number(self, area: str, birth: date, gender: str) -> str:
        while True:
            number = idnumbers.make(area, birth, self.rng.randrange(500), gender)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self, age: int) -> str:
        if age > 78 and self.rng.random() < 0.35:
            return ""
        while True:
            phone = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone


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
INACTIVE_RATE = 0.015  # transferred out or deceased rows kept on record


# --------------------------------------------------------------------------------------------
# Staffing a county
# --------------------------------------------------------------------------------------------


@dataclass
class UnitStaff:
    secretary: Member
    plain_member: Member | None  # a full member without post, directly in the branch


@dataclass
class MemberPlan:
    """A county's member records, in the order they are written."""

    members: list[Member] = field(default_factory=list)
    leads: list[tuple[Member, int, str]] = field(default_factory=list)  # member-led households: head, size, area
    staff: dict[str, UnitStaff] = field(default_factory=dict)  # by the path of the unit's organization

    @property
    def active(self) -> int:
        return sum(1 for m in self.members if m.status in Member.ACTIVE_STATUSES)

    def save(self, say: Callable[[str], None]) -> None:
        """The members with their first status change (建档), then the member-led households.
        The organizations must be saved first."""
        members = self.members
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
            say(f"  党员 {min(start + BATCH_SIZE, len(members)):,}/{len(members):,}")
        LeadHousehold.objects.bulk_create(
            [LeadHousehold(member=m, households=h, area=area) for m, h, area in self.leads], batch_size=BATCH_SIZE
        )


class MemberPlanner:
    def __init__(self, people: People, today: date):
        self.people = people
        self.rng = people.rng  # one stream for the names and the rest
        self.today = today

    def plan(self, county: CountyPlan, lead_rate: float) -> MemberPlan:
        """Members for every unit of the county, in the units' order. Writes the secretaries' and
        group leaders' names and phones onto the (not yet saved) organizations."""
        out = MemberPlan()
        for unit in county.units:
            self._make_members(county, out, unit, lead_rate)
        return out

    def _statuses(self, unit: Unit) -> list[str]:
        n = unit.size
        if unit.few_full:
            full = 2 if n == 2 else self.rng.choice((1, 2))
        else:
            rate = PROBATIONARY_RATE if PROFILES[unit.profile].probationary else 0.0
            probationary = min(sum(self.rng.random() < rate for _ in range(n)), max(0, n - 3))
            full = n - probationary
        return [Status.FULL] * full + [Status.PROBATIONARY] * (n - full)

    def _make_members(self, county: CountyPlan, out: MemberPlan, unit: Unit, lead_rate: float) -> None:
        profile = PROFILES[unit.profile]
        roll = [self._person(county, unit, status) for status in self._statuses(unit)]
        leaders = self._assign_leaders(unit, roll)
        self._attach_to_groups(unit, roll[leaders:])
        if profile.households:
            for person in roll:
                if person.status == Status.FULL and not person.is_mobile and self.rng.random() < lead_rate:
                    out.leads.append((person, self.rng.randint(3, 10), self._household_area(unit)))
                    person.post = person.post or "党员中心户户长"
        for person in roll[leaders:]:
            if not person.post and self.rng.random() < profile.post_rate:
                person.post = self.rng.choice(profile.posts)
        out.staff[unit.org.path] = UnitStaff(
            secretary=roll[0],
            plain_member=next(
                (p for p in roll if p.organization is unit.org and p.status == Status.FULL and not p.post), None
            ),
        )
        inactive = sum(self.rng.random() < INACTIVE_RATE for _ in range(unit.size))
        for _ in range(inactive):
            died = profile.can_die and self.rng.random() < 0.6
            roll.append(self._person(county, unit, Status.DECEASED if died else Status.TRANSFERRED_OUT))
        out.members += roll

    def _assign_leaders(self, unit: Unit, roll: list[Member]) -> int:
        """Secretary (the first), committee and the posts of the organizations above; returns how many."""
        titles = ["党支部书记"]
        if unit.org.has_committee:
            titles += ["组织委员", "宣传委员"] + (["党支部副书记", "纪检委员"] if unit.size >= 20 else [])
        titles = titles[: len(roll)]
        for person, title in zip(roll, titles, strict=False):
            person.post = title
        unit.org.secretary_name, unit.org.contact_phone = roll[0].name, roll[0].phone
        count = len(titles)
        for org, title in unit.extra_posts:
            person = roll[count]
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

    def _person(self, county: CountyPlan, unit: Unit, status: str) -> Member:
        profile = PROFILES[unit.profile]
        rng = self.rng
        gender = Member.Gender.MALE if rng.random() < profile.male_share else Member.Gender.FEMALE
        age = self._age(profile, status)
        birth = add_years(self.today, -age) - timedelta(days=rng.randint(0, 364))
        area = rng.choice(OTHER_AREAS) if rng.random() < profile.other_area_share else county.area
        number = self.people.id_number(area, birth, gender)
        surname = unit.clan if unit.clan and rng.random() < 0.35 else self.people.surname()
        name = surname + self.people.given_name(gender == Member.Gender.MALE)
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
        if active and profile.dual_rate and county.communities and rng.random() < profile.dual_rate:
            community = rng.choice(county.communities)
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
            phone=self.people.phone(age),
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
        adult = add_years(birth, 18)
        if status == Status.PROBATIONARY:
            start = max(adult, self.today - timedelta(days=364))
            return start + timedelta(days=self.rng.randint(0, (self.today - start).days)), None
        latest = add_years(self.today, -1)
        join_age = int(self.rng.triangular(18, 46, 25))
        join = add_years(birth, join_age) + timedelta(days=self.rng.randint(0, 364))
        if join > latest and adult < latest:
            # Redraw rather than clamp: clamping piled thousands of joins onto one day a year
            # ago (and their political birthdays onto this month).
            join = adult + timedelta(days=self.rng.randint(0, (latest - adult).days))
        join = min(max(join, adult), latest)
        return join, add_years(join, 1)

    def _pick(self, options: Weighted) -> str:
        return self.rng.choices([v for v, _ in options], weights=[w for _, w in options])[0]


# ---- residents (requests, wishes and visits of the other demos) ------------------------------


def resident_name(rng) -> str:
    """A resident's name: the surname table and given-name characters of the members."""
    chars = MALE_CHARS if rng.random() < 0.7 else FEMALE_CHARS
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.75 else "")
    return rng.choices(SURNAME_VALUES, cum_weights=SURNAME_CUMULATIVE)[0] + given


def resident_phone(rng) -> str:
    return rng.choice(["138", "139", "150", "151", "158", "186", "187", "133"]) + f"{rng.randrange(10**8):08d}"
