"""The demo's scales: a county's make-up (its organization tree and its members), and how many
counties under which roots.

Above a county the first county is generated with every app's data and copied in SQL under the
other county roots (jiceng/demo/replicate.py): the same volume per county.
"""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.orgs.demo import OrgSpec


@dataclass(frozen=True)
class CountySpec:
    orgs: OrgSpec  # the organization tree (jiceng/orgs/demo.py)
    lead_rate: float  # share of rural/community full members who are member-led households


COUNTY = CountySpec(
    orgs=OrgSpec(
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
    ),
    lead_rate=0.18,
)

TINY = CountySpec(
    orgs=OrgSpec(
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
    ),
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
    "city": Scale(15, COUNTY),
    "province": Scale(168, COUNTY, cities=14),
}

# The roots' names: the first county is generated, the others (and the city and province above
# them) only named here.
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
# fmt: on
