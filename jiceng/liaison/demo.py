"""Demo data: party representatives in service teams, stations, and two years of visits (the
records' window of jiceng/demo/context.py) with households and problems.

At county scale: 1,229 representatives in one service team per township (12, as in spec §10),
a studio (工作室) in every township and liaison stations in about a fifth of the villages,
about two visits per representative a year, problems solved on the spot, pending,
and passed on — a few hundred of them through the request system's own intake
(`create_request`, channel 党代表走访), so the report figures and the request ledger agree.
Everything else is written with `bulk_create`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from jiceng.members.demo import resident_name, resident_phone
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import PLACE_DOMAINS, township_like
from jiceng.requests import queries as requests
from jiceng.requests.services import create_request

from . import rules
from .models import LiaisonStation, Problem, Representative, ServiceTeam, Visit, VisitHousehold

PLACES = PLACE_DOMAINS
# Representatives per county, visits per representative a year, and how many problems are
# passed on through the request system (the rest of "passed" would need it too, so the demo
# keeps the others solved on the spot or pending).
VOLUME = {
    "tiny": {"reps": 40, "visits_per_rep": 2.0, "pass_on": 12},
    "county": {"reps": 1229, "visits_per_rep": 2.0, "pass_on": 300},
}

PROBLEMS = {
    "road": ["村道坑洼积水，雨天出行困难", "路灯不亮，晚上出行不安全", "桥面护栏松动", "组道需要硬化"],
    "utilities": ["自来水水压不足", "电压不稳，家电经常跳闸", "饮水井需要清淤"],
    "sanitation": ["垃圾清运不及时", "沟渠堵塞有异味", "公厕需要维修"],
    "dispute": ["邻里宅基地界线有争议", "噪音扰民引发矛盾", "土地流转费用有分歧"],
    "welfare": ["咨询城乡居民医保缴费", "咨询高龄津贴申领", "低保复核结果有疑问", "残疾人补贴申请"],
    "other": ["希望村里增加健身器材", "建议开设老年人智能手机培训", "咨询农技补贴政策"],
}
SOLUTIONS = [
    "当场解释政策，群众表示理解",
    "联系村干部当场处理",
    "现场协调双方达成一致",
    "帮助群众在手机上办理",
    "组织党员志愿者当天修好",
]
GROUPS = "一二三四五六七八九十"


def _split(total: int, weights: list[int]) -> list[int]:
    whole = sum(weights) or 1
    shares = [total * w // whole for w in weights]
    for i in range(total - sum(shares)):
        shares[i % len(shares)] += 1
    return shares


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("liaison")
    volume = VOLUME.get(ctx.scale, VOLUME["county"])
    townships = list(township_like(ctx.root).select_related("parent"))
    if not townships:
        return {}
    villages_of = defaultdict(list)
    for org in Organization.objects.filter(parent__in=townships, domain__in=PLACES).order_by("path"):
        villages_of[org.parent_id].append(org)
    counties = defaultdict(list)
    for t in townships:
        counties[t.parent_id].append(t)
    categories = {c.code: c for c in requests.active_categories()}
    recorder = ctx.users.get("demo-county")
    demo_member = getattr(ctx.users.get("demo-member"), "member", None)
    totals = defaultdict(int)
    first = True
    for county_towns in counties.values():
        _county(
            ctx,
            rng,
            volume,
            county_towns,
            villages_of,
            categories,
            recorder,
            demo_member if first else None,
            totals,
            first,
        )
        first = False
    ctx.say(
        f"党代表联系群众：党代表 {totals['reps']} 名，走访 {totals['visits']} 次，问题 {totals['problems']} 个"
        f"（其中转为群众诉求 {totals['passed']} 个）"
    )
    return {
        "党代表": totals["reps"],
        "服务队": totals["teams"],
        "工作室（联络站）": totals["stations"],
        "走访": totals["visits"],
        "走访户次": totals["households"],
        "收集问题": totals["problems"],
        "转为群众诉求": totals["passed"],
    }


def _county(ctx, rng, volume, towns, villages_of, categories, recorder, demo_member, totals, first: bool) -> None:
    county_root = towns[0].parent
    teams = ServiceTeam.objects.bulk_create(
        [
            ServiceTeam(name=f"{t.short_name or t.name}党代表服务队", organization=t, leader_name=resident_name(rng))
            for t in towns
        ]
    )
    stations = []
    for t in towns:
        stations.append(
            LiaisonStation(
                name=f"{t.short_name or t.name}党代表工作室",
                kind=LiaisonStation.Kind.STUDIO,
                organization=t,
                address=f"{t.short_name or t.name}党群服务中心",
                reception="每月15日全天",
            )
        )
        for village in villages_of[t.pk]:
            if rng.random() < 0.2:
                stations.append(
                    LiaisonStation(
                        name=f"{village.short_name or village.name}党代表联络站",
                        kind=LiaisonStation.Kind.STATION,
                        organization=village,
                        address=f"{village.short_name or village.name}党群服务中心",
                        reception="每周二上午",
                    )
                )
    stations = LiaisonStation.objects.bulk_create(stations)
    studio_of = {s.organization_id: s for s in stations if s.kind == LiaisonStation.Kind.STUDIO}
    stations_of_village = {s.organization_id: s for s in stations if s.kind == LiaisonStation.Kind.STATION}
    totals["teams"] += len(teams)
    totals["stations"] += len(stations)

    # Representatives: a share per township by its number of villages; about 60 % of them are
    # linked to a member of the township (the rest are county cadres and others).
    weights = [max(1, len(villages_of[t.pk])) for t in towns]
    shares = _split(volume["reps"], weights)
    members_by_town = defaultdict(list)
    town_paths = {t.path: t for t in towns}
    for pk, name, phone, path in (
        Member.objects.filter(county_root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .values_list("pk", "name", "phone", "organization__path")
        .order_by("pk")
        .iterator(chunk_size=5000)
    ):
        town = town_paths.get(path[: len(county_root.path) + 4])
        if town is not None:
            members_by_town[town.pk].append((pk, name, phone))
    reps = []
    for team, town, share in zip(teams, towns, shares, strict=True):
        pool = members_by_town[town.pk]
        picks = rng.sample(pool, min(len(pool), int(share * 0.6)))
        village_stations = [stations_of_village[v.pk] for v in villages_of[town.pk] if v.pk in stations_of_village]
        for i in range(share):
            if i < len(picks):
                member_pk, name, phone = picks[i]
            else:
                member_pk, name, phone = None, resident_name(rng), resident_phone(rng)
            station = (
                studio_of.get(town.pk) if rng.random() < 0.5 or not village_stations else rng.choice(village_stations)
            )
            reps.append(
                Representative(
                    name=name,
                    level=Representative.Level.COUNTY if rng.random() < 0.8 else Representative.Level.TOWNSHIP,
                    congress=f"{county_root.short_name or county_root.name}第十五次党代表大会",
                    phone=phone or resident_phone(rng),
                    member_id=member_pk,
                    organization=town,
                    team=team,
                    station=station,
                    unit_post=rng.choice(
                        ["村党组织书记", "乡镇干部", "教师", "医生", "企业负责人", "种养大户", "社区工作者"]
                    ),
                )
            )
    if demo_member is not None and not any(r.member_id == demo_member.pk for r in reps):
        # The demo member is a representative too (their member page shows their visits).
        town = next((t for t in towns if demo_member.organization.path.startswith(t.path)), None)
        slot = next((r for r in reps if town is not None and r.organization is town and r.member_id is None), None)
        if slot is not None:
            slot.name, slot.member_id, slot.phone = demo_member.name, demo_member.pk, demo_member.phone or slot.phone
    # A few more left the register (term ended or moved away); their visits stay in the records.
    for town, team, share in zip(towns, teams, shares, strict=True):
        for _ in range(share // 60 + (1 if share else 0)):
            reps.append(
                Representative(
                    name=resident_name(rng),
                    level=Representative.Level.COUNTY,
                    congress=f"{county_root.short_name or county_root.name}第十五次党代表大会",
                    phone=resident_phone(rng),
                    organization=town,
                    team=team,
                    is_active=False,
                    note="任期内调离",
                )
            )
    reps = Representative.objects.bulk_create(reps)
    totals["reps"] += sum(1 for r in reps if r.is_active)
    reps_by_town = defaultdict(list)
    for rep in reps:
        reps_by_town[rep.organization_id].append(rep)

    # Visits over the records' window.
    today = ctx.today
    span = (today - ctx.first_month).days
    n_visits = int(volume["reps"] * volume["visits_per_rep"] * span / 365)
    visits, visit_reps, visit_lists, visit_problems = [], [], [], []
    demo_town = None
    if demo_member is not None:
        demo_town = next((t for t in towns if demo_member.organization.path.startswith(t.path)), None)
    for i in range(n_visits):
        town = rng.choices(towns, weights=weights)[0]
        if demo_town is not None and i % 97 == 0:
            town = demo_town
        places = villages_of[town.pk] or [town]
        village = rng.choice(places)
        town_reps = reps_by_town[town.pk]
        if not town_reps:
            continue
        day = today - timedelta(days=int(rng.triangular(0, span - 1, 120)))
        kind = rng.choices(["household", "reception", "forum", "other"], weights=[70, 15, 12, 3])[0]
        station = stations_of_village.get(village.pk) or studio_of.get(town.pk) if kind == "reception" else None
        households = {"household": rng.randint(1, 8), "reception": rng.randint(1, 4), "forum": rng.randint(5, 20)}.get(
            kind, rng.randint(1, 3)
        )
        labels = []
        if kind == "household" and rng.random() < 0.3:
            labels = [
                f"{resident_name(rng)} {rng.choice(GROUPS)}组{rng.randint(1, 40)}号"
                for _ in range(min(households, rng.randint(1, 4)))
            ]
        who = rng.sample(town_reps, min(len(town_reps), rng.choices([1, 2, 3], weights=[50, 35, 15])[0]))
        if demo_member is not None and i % 97 == 0:
            mine = [r for r in town_reps if r.member_id == demo_member.pk]
            who = list({*who, *mine})
        visits.append(
            Visit(
                date=day,
                organization=village,
                kind=kind,
                station=station,
                place=f"{village.short_name or village.name}{rng.choice(['村部', '农户家中', '田间地头', '党群服务中心'])}",
                households_reached=households,
                note=rng.choice(["了解群众生产生活情况，宣讲惠民政策", "走访困难群众和老党员", "收集群众意见建议", ""]),
                recorded_by=recorder,
            )
        )
        visit_reps.append(who)
        visit_lists.append(labels)
        visit_problems.append([_problem(rng, categories, day, today) for _ in range(_problem_count(rng))])
    order = sorted(range(len(visits)), key=lambda k: (visits[k].date, k))
    visits = [visits[k] for k in order]
    visit_reps = [visit_reps[k] for k in order]
    visit_lists = [visit_lists[k] for k in order]
    visit_problems = [visit_problems[k] for k in order]
    Visit.objects.bulk_create(visits, batch_size=2000)
    through = Visit.representatives.through
    through.objects.bulk_create(
        [
            through(visit_id=v.pk, representative_id=r.pk)
            for v, who in zip(visits, visit_reps, strict=True)
            for r in who
        ],
        batch_size=5000,
    )
    households = []
    for v, labels in zip(visits, visit_lists, strict=True):
        for label in labels:
            # Demo visits are at villages, the level households are told apart at.
            households.append(
                VisitHousehold(visit=v, label=label, key=f"{v.organization_id}:{rules.household_key(label)}")
            )
    VisitHousehold.objects.bulk_create(households, batch_size=5000)

    # Problems: the passed-on ones go through the request system's intake.
    problems = []
    to_pass = []
    for v, items in zip(visits, visit_problems, strict=True):
        for item in items:
            problem = Problem(visit=v, **item["fields"])
            if item["outcome"] == rules.PASSED:
                to_pass.append((problem, v))
            else:
                problems.append(problem)
    budget = volume["pass_on"]
    rng.shuffle(to_pass)
    passed, overflow = to_pass[:budget], to_pass[budget:]
    for problem, _visit in overflow:
        # Beyond the budget: recorded as solved on the spot, so figures stay consistent.
        problem.outcome = rules.SOLVED
        problem.solution = rng.choice(SOLUTIONS)
        problems.append(problem)
    names = {v.pk: [r.name for r in who] for v, who in zip(visits, visit_reps, strict=True)}
    for problem, v in sorted(passed, key=lambda p: (p[1].date, p[1].pk)):
        received = timezone.make_aware(datetime.combine(v.date, time(10, 0))) + timedelta(minutes=rng.randint(0, 480))
        req = create_request(
            None,
            organization=v.organization,
            category=problem.category,
            kind=problem.kind,
            description=problem.description,
            channel="liaison",
            phone=problem.phone,
            name=problem.resident_name,
            place=v.place,
            source_label=rules.source_label(names[v.pk]),
            recorded_by=recorder,
            received_at=received,
        )
        problem.outcome = rules.PASSED
        problem.request = req
        problem.outcome_at = received
        problems.append(problem)
    Problem.objects.bulk_create(problems, batch_size=2000)
    totals["visits"] += len(visits)
    totals["households"] += sum(v.households_reached for v in visits)
    totals["problems"] += len(problems)
    totals["passed"] += len(passed)


def _problem_count(rng) -> int:
    return rng.choices([0, 1, 2], weights=[60, 33, 7])[0]


def _problem(rng, categories: dict, day: date, today: date) -> dict:
    code = rng.choices(list(PROBLEMS), weights=[25, 10, 15, 10, 25, 15])[0]
    category = categories.get(code) or next(iter(categories.values()))
    description = rng.choice(PROBLEMS[code])
    age = (today - day).days
    roll = rng.random()
    pending_share = 0.25 if age < 14 else 0.03
    if roll < pending_share:
        outcome = rules.PENDING
    elif roll < pending_share + 0.27:
        outcome = rules.PASSED
    else:
        outcome = rules.SOLVED
    resident = resident_name(rng) if rng.random() < 0.7 else ""
    fields = {
        "description": description,
        "category": category,
        "kind": "consult"
        if code == "welfare" and "咨询" in description
        else ("suggestion" if code == "other" else "help"),
        "resident_name": resident,
        "phone": resident_phone(rng) if resident and rng.random() < 0.8 else "",
        "outcome": outcome if outcome != rules.PASSED else rules.PENDING,
        "solution": rng.choice(SOLUTIONS) if outcome == rules.SOLVED else "",
        "outcome_at": timezone.make_aware(datetime.combine(day, time(17, 0))) if outcome == rules.SOLVED else None,
    }
    return {"outcome": outcome, "fields": fields}
