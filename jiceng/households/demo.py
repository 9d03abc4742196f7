"""Demo data: registered and monitored households in the rural villages of the demo county, with
their people (valid ID numbers, stored as the services store them), two years of income, the
checks of 两不愁三保障 and drinking water, help-plan measures, help cadres, pairs (a few changed, a
few households left unpaired so the coverage page has gaps to show) and the responsibility chain.

At county scale about 20 households per rural village (some 3,000–4,000 households and 10,000
people); everything is written with ``insert_tuples`` (one round per table), so the app adds
a few seconds to ``demo_county``. Random choices come from ``ctx.rng("households")``.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from jiceng.core import idnumbers
from jiceng.core.dates import add_months
from jiceng.core.importing import insert_tuples
from jiceng.members.demo import resident_name, resident_phone
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import township_like

from .models import (
    Cadre,
    GuaranteeCheck,
    Household,
    HouseholdExpense,
    HouseholdMember,
    HouseholdStatusChange,
    Income,
    Measure,
    Pair,
    RelapseFlag,
    RelapseReview,
    Responsibility,
    Visit,
    VisitProblem,
)

VOLUME = {"tiny": (3, 6), "county": (12, 28)}  # households per rural village (low, high)
UNPAIRED_SHARE = 0.04
CHANGED_PAIR_SHARE = 0.06
CAUSES = ["illness", "disability", "schooling", "disaster", "land", "water", "skills", "labour", "capital"]
CAUSE_WEIGHTS = [28, 14, 8, 5, 4, 3, 14, 14, 10]
UNITS = ["县农业农村局", "县人社局", "县教育局", "县卫健局", "县住建局", "县民政局", "县财政局", "县交通运输局"]
UNITS += ["县供销社", "县林业局", "县水利局", "县医保局", "乡镇党委", "乡镇政府", "县信用联社", "县自然资源局"]
MEASURES = {
    "industry": ["发放产业奖补资金，发展养殖", "入股村合作社，年底分红", "提供果树苗木和技术指导"],
    "employment": ["推荐到县工业园就业", "安排公益性岗位（护林员）", "参加电工技能培训"],
    "education": ["落实义务教育阶段资助", "申请雨露计划补助", "协调生源地助学贷款"],
    "health": ["落实家庭医生签约服务", "慢性病门诊报销", "大病救助申请"],
    "housing": ["危房改造补助", "房屋安全鉴定"],
    "social": ["纳入农村低保", "落实残疾人两项补贴", "办理特困供养"],
}
RELATIONS = ["spouse", "child", "child", "parent", "grandchild"]


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("households")
    low, high = VOLUME.get(ctx.scale, VOLUME["county"])
    townships = list(township_like(ctx.root))
    villages = list(
        Organization.objects.filter(parent__in=townships, domain=Organization.Domain.RURAL).order_by("path")
    )
    if not villages:
        return {}
    today = ctx.today
    this_year = today.year
    households, statuses, people, incomes, checks, measures = [], [], [], [], [], []
    # The relapse watch's examples come from their own stream, so the rest of the demo is as before:
    # the first household out of poverty in each township (and one in a hundred more) earns below
    # the line; the others out of poverty earn above it and pass their checks, so that the daily
    # scan finds only the flags the demo wrote.
    relapse_rng = ctx.rng("households-relapse")
    examples: list[str] = []
    towns_with_example: set[int] = set()
    seq = 0
    for village in villages:
        for k in range(1, rng.randint(low, high) + 1):
            number = f"{village.code}-{k:03d}"
            monitored_kind = rng.random() < 0.15
            cause = rng.choices(CAUSES, weights=CAUSE_WEIGHTS)[0]
            others = sorted({rng.choice(CAUSES) for _ in range(rng.randint(0, 2))} - {cause})
            if monitored_kind:
                year = rng.randint(2021, this_year - 1)
                status = "risk_removed" if rng.random() < 0.4 else "monitored"
                history = [("", "monitored", date(year, rng.randint(3, 11), 15), "纳入防返贫监测")]
                if status == "risk_removed":
                    history.append(("monitored", "risk_removed", date(year + 1, 6, 30), "收入稳定，风险消除"))
            else:
                year = rng.randint(2014, 2018)
                exit_year = rng.randint(max(year + 1, 2016), 2020)
                history = [
                    ("", "poor", date(year, 10, 1), "建档立卡"),
                    ("poor", "out", date(exit_year, 12, 20), "达到脱贫标准，退出"),
                ]
                status = "out"
                if rng.random() < 0.1:
                    status = "monitored"
                    on = date(rng.randint(2021, this_year - 1), rng.randint(1, 12), 10)
                    history.append(("out", "monitored", on, "因病支出骤增，纳入监测"))
            head = resident_name(rng)
            households.append(
                (
                    number,
                    village.pk,
                    "monitored" if monitored_kind else "registered",
                    status,
                    head,
                    f"{village.short_name or village.name}{rng.randint(1, 9)}组{rng.randint(1, 60)}号",
                    resident_phone(rng) if rng.random() < 0.8 else "",
                    cause,
                    others,
                    year,
                    "",
                    None,
                )
            )
            statuses.append((number, history))
            size = rng.choices([1, 2, 3, 4, 5, 6], weights=[8, 20, 25, 25, 15, 7])[0]
            head_birth = date(rng.randint(1950, 1990), rng.randint(1, 12), rng.randint(1, 28))
            for i in range(size):
                seq += 1
                relation = "head" if i == 0 else rng.choice(RELATIONS)
                if relation == "head":
                    name, birth = head, head_birth
                elif relation == "spouse":
                    name, birth = resident_name(rng), head_birth + timedelta(days=rng.randint(-1500, 1500))
                elif relation == "parent":
                    name, birth = resident_name(rng), head_birth - timedelta(days=rng.randint(7500, 11000))
                else:
                    name, birth = resident_name(rng), head_birth + timedelta(days=rng.randint(7000, 12000))
                birth = min(birth, today - timedelta(days=200))
                gender = "male" if rng.random() < 0.52 else "female"
                number_id = idnumbers.make(f"43{(seq // 100) % 10000:04d}", birth, seq % 100, gender)
                age = (today - birth).days // 365
                health = rng.choices(["healthy", "chronic", "serious", "disabled"], weights=[70, 18, 6, 6])[0]
                if cause == "illness" and i == 0:
                    health = "serious"
                schooling = (
                    "preschool" if age < 6 else "in_school" if age < 18 else rng.choice(["primary", "junior", "senior"])
                )
                work = "none" if age < 16 or age > 70 else rng.choice(["ordinary", "ordinary", "skilled", "weak"])
                people.append(
                    (
                        number,
                        name,
                        relation,
                        gender,
                        birth,
                        idnumbers.encrypt(number_id),
                        idnumbers.digest(number_id),
                        idnumbers.mask(number_id),
                        health,
                        schooling,
                        work,
                        "外出务工" if work != "none" and rng.random() < 0.3 else "",
                    )
                )
            per_person = Decimal(rng.randint(5200, 16000))
            watched = status in ("out", "risk_removed")
            example = watched and (village.parent_id not in towns_with_example or relapse_rng.random() < 0.01)
            if example:
                towns_with_example.add(village.parent_id)
                examples.append(number)
                per_person = Decimal(relapse_rng.randint(4800, 6000))  # below 7,000 even at 115%
            elif watched:
                per_person = max(per_person, Decimal(7800))  # above 7,000 even at 90%
            for y in (this_year - 2, this_year - 1):
                total = per_person * size * Decimal(rng.randint(90, 115)) / 100
                shares = {"wages": 55, "business": 20, "property": 3, "transfer": 22}
                for source, share in shares.items():
                    amount = (total * share / 100).quantize(Decimal("1.00"))
                    incomes.append((number, y, source, amount))
            check_day = date(this_year - 1, rng.randint(3, 11), rng.randint(1, 28))
            for item in GuaranteeCheck.Item.values:
                met = rng.random() > 0.02 or (watched and not example)
                checks.append((number, item, check_day, met, "村帮扶工作队", "" if met else "需跟进整改"))
            for _ in range(rng.randint(1, 3)):
                category = rng.choice(list(MEASURES))
                start = date(rng.randint(this_year - 3, this_year - 1), rng.randint(1, 12), 1)
                done = start < today - timedelta(days=300)
                money = Decimal(rng.choice([0, 500, 1000, 2000, 3000, 5000]))
                measures.append(
                    (
                        number,
                        category,
                        rng.choice(MEASURES[category]),
                        rng.choice(["村委会", "乡镇农业服务中心", "帮扶责任人", "县人社局"]),
                        start,
                        start + timedelta(days=180),
                        money or None,
                        "done" if done else "ongoing",
                        "已落实，群众满意" if done else "",
                    )
                )
    insert_tuples(
        Household,
        ["number", "village_id", "kind", "status", "head_name", "address", "phone", "cause", "other_causes"]
        + ["identified_year", "note", "import_batch_id"],
        households,
    )
    ids = dict(Household.objects.filter(village__in=villages).values_list("number", "id"))
    insert_tuples(
        HouseholdStatusChange,
        ["household_id", "from_status", "to_status", "on", "reason", "recorded_by_id"],
        [(ids[n], *step, None) for n, history in statuses for step in history],
    )
    insert_tuples(
        HouseholdMember,
        ["household_id", "name", "relation", "gender", "birth_date", "id_number_encrypted", "id_number_digest"]
        + ["id_number_masked", "health", "schooling", "work", "work_place"],
        [(ids[p[0]], *p[1:]) for p in people],
    )
    insert_tuples(Income, ["household_id", "year", "source", "amount"], [(ids[i[0]], *i[1:]) for i in incomes])
    insert_tuples(
        GuaranteeCheck,
        ["household_id", "item", "checked_on", "met", "checked_by", "note", "recorded_by_id"],
        [(ids[c[0]], *c[1:], None) for c in checks],
    )
    insert_tuples(
        Measure,
        ["household_id", "category", "content", "owner", "starts_on", "ends_on", "money", "state", "outcome"],
        [(ids[m[0]], *m[1:]) for m in measures],
    )
    cadres, pairs = _pairing(ctx, rng, townships, villages, ids)
    visits = _visits(ctx, rng)
    village_cadres, universal = _universal_visits(ctx, rng, villages, ids)
    responsibilities = _responsibilities(ctx, rng, townships, villages)
    expenses, flags = _relapse(ctx, relapse_rng, [ids[n] for n in examples])
    return {
        "帮扶户": len(households),
        "家庭成员": len(people),
        "帮扶干部": cadres + village_cadres,
        "结对（含历史）": pairs,
        "走访记录": visits + universal,
        "包联责任": responsibilities,
        "突发支出": expenses,
        "返贫风险预警": flags,
    }


def _pairing(ctx, rng, townships, villages, ids) -> tuple[int, int]:
    """Cadres filed under each township, up to 4 households each (the cap is 5), paired with the
    township's households; a few households unpaired, a few with a changed pair."""
    today = ctx.today
    village_town = {v.code: v.parent_id for v in villages}
    town_households: dict[int, list[int]] = {}
    for number, household_id in sorted(ids.items()):
        town_households.setdefault(village_town[number.rsplit("-", 1)[0]], []).append(household_id)
    cadre_rows, plan = [], []
    for town in townships:
        households = town_households.get(town.pk, [])
        if not households:
            continue
        count = (len(households) + 3) // 4
        for c in range(count):
            cadre_rows.append(
                (town.pk, resident_name(rng), rng.choice(UNITS), rng.choice(["科员", "副主任", "站长", ""]), "", None)
            )
            plan.append((town.pk, households[c * 4 : c * 4 + 4]))
    # demo-member is the first cadre of demo-township's township: 我的帮扶户 has households to show.
    member = getattr(ctx.users.get("demo-member"), "member_id", None)
    first = next((i for i, (_town, households) in enumerate(plan) if _town == ctx.township.pk), None)
    if member and first is not None:
        cadre_rows[first] = (*cadre_rows[first][:5], member)
    insert_tuples(Cadre, ["organization_id", "name", "unit", "post", "phone", "member_id"], cadre_rows)
    cadre_ids = list(Cadre.objects.filter(organization__in=townships).order_by("pk").values_list("pk", flat=True))[
        -len(cadre_rows) :
    ]
    # demo-cadre is the next cadre of that township, not a party member: a resident's account
    # (群众账号, ADR 0033) reaches the same page.
    if first is not None and first + 1 < len(plan) and plan[first + 1][0] == ctx.township.pk:
        _resident_account(ctx, cadre_ids[first + 1])
    pair_rows = []
    for cadre_id, (_town, household_ids) in zip(cadre_ids, plan, strict=True):
        for household_id in household_ids:
            if rng.random() < UNPAIRED_SHARE:
                continue
            start = date(rng.randint(2018, today.year - 2), rng.randint(1, 12), 1)
            if rng.random() < CHANGED_PAIR_SHARE:
                previous = rng.choice(cadre_ids)
                changed = start + timedelta(days=rng.randint(200, 500))
                pair_rows.append((previous, household_id, start, changed, "干部岗位调整"))
                start = changed
            pair_rows.append((cadre_id, household_id, start, None, ""))
    insert_tuples(Pair, ["cadre_id", "household_id", "starts_on", "ends_on", "end_reason"], pair_rows)
    return len(cadre_rows), len(pair_rows)


def _resident_account(ctx, cadre_id: int) -> None:
    from jiceng.accounts.models import User

    cadre = Cadre.objects.get(pk=cadre_id)
    user = User.objects.filter(username="demo-cadre").first() or User(username="demo-cadre")
    user.role, user.organization_id, user.display_name, user.member = (
        User.Role.RESIDENT,
        cadre.organization_id,
        cadre.name,
        None,
    )
    user.set_password(ctx.password)
    user.save()
    Cadre.objects.filter(user=user).update(user=None)
    Cadre.objects.filter(pk=cadre_id).update(user=user)


def _responsibilities(ctx, rng, townships, villages) -> int:
    start = date(ctx.today.year - 1, 1, 1)
    rows = [("leader_township", t.pk, resident_name(rng), "县委常委、副县长", start, None) for t in townships]
    rows += [("department_village", v.pk, resident_name(rng), rng.choice(UNITS), start, None) for v in villages]
    insert_tuples(Responsibility, ["kind", "organization_id", "person", "unit", "starts_on", "ends_on"], rows)
    return len(rows)


PROBLEMS = ["反映村道路灯不亮", "自来水水压不足", "咨询医保报销比例", "希望提供种植技术培训", "房屋漏雨需要维修"]
VISIT_TEXTS = [
    "了解家庭收入和务工情况，宣讲防返贫监测政策",
    "核实医保缴费和慢性病报销情况",
    "帮助申请产业奖补资金",
    "查看住房和饮水情况",
    "了解孩子上学和资助落实情况",
    "协助办理养老保险待遇认证",
]


def _visits(ctx, rng) -> int:
    """A year of visits by each household's current cadre: about monthly, with gaps (a fifth of
    the months missed, a few cadres who stopped visiting), a few entered late."""
    zone = ZoneInfo("Asia/Shanghai")
    today = ctx.today
    first = add_months(today.replace(day=1), -12)
    rows = []
    pairs = Pair.objects.filter(ends_on__isnull=True).values_list("pk", "household_id", "cadre_id")
    for pair_id, household_id, cadre_id in pairs.order_by("pk"):
        if rng.random() < 0.05:  # a cadre who stopped visiting
            continue
        month = first
        while month <= today:
            if rng.random() < 0.8:
                day = month.replace(day=rng.randint(1, 28))
                if day <= today:
                    at = datetime.combine(day, time(rng.randint(8, 17), rng.choice([0, 15, 30, 45])), tzinfo=zone)
                    late = rng.random() < 0.05
                    recorded = at + (
                        timedelta(days=rng.randint(4, 20)) if late else timedelta(hours=rng.randint(1, 30))
                    )
                    # Nothing after now: today's visit at 15:00 is not there at 07:00.
                    now = timezone.now()
                    if at > now:
                        continue
                    recorded = min(recorded, datetime.combine(today, time(20), tzinfo=zone), now)
                    rows.append(
                        (household_id, pair_id, cadre_id, at, rng.choice(VISIT_TEXTS), "", late, None)
                        + (recorded, recorded)
                    )
            month = add_months(month, 1)
    insert_tuples(
        Visit,
        ["household_id", "pair_id", "cadre_id", "visited_at", "content", "location", "late"]
        + ["recorded_by_id", "created_at", "updated_at"],
        rows,
    )
    # One visit in twenty heard a problem (none passed on: the requests demo keeps its own figures).
    visit_ids = Visit.objects.filter(pair__isnull=False).order_by("pk").values_list("pk", flat=True)
    problems = [(pk, rng.choice(PROBLEMS), None, None, None) for pk in visit_ids.iterator() if rng.random() < 0.05]
    insert_tuples(VisitProblem, ["visit_id", "description", "request_id", "passed_at", "passed_by_id"], problems)
    return len(rows)


OUTCOMES = [None, "watch", "dismiss", "monitor"]  # open, 继续观察, 排除风险, 纳入监测, in turn


def _relapse(ctx, rng, example_ids: list[int]) -> tuple[int, int]:
    """The relapse watch on the examples: every other one also met a large expense from illness
    this autumn; their flags are what ``services.scan`` would open (the same rules), opened some
    days ago, and reviewed in turn (open, 继续观察, 排除风险, 纳入监测 with its status change)."""
    from . import services
    from .models import HouseholdsSettings

    today = ctx.today
    zone = ZoneInfo("Asia/Shanghai")
    expense_rows = [
        (hid, "illness", today - timedelta(days=rng.randint(10, 60)), Decimal(rng.choice([26000, 38000, 52000])))
        for hid in example_ids[::2]
    ]
    insert_tuples(
        HouseholdExpense,
        ["household_id", "kind", "on", "amount", "note", "recorded_by_id"],
        [(*row, "住院治疗，自付部分", None) for row in expense_rows],
    )
    households = list(Household.objects.filter(pk__in=example_ids).order_by("pk"))
    now = timezone.now()
    crossings = services.crossings_of(
        households, services.active_thresholds(today), today, HouseholdsSettings.current().income_line
    )
    last_change = dict(
        HouseholdStatusChange.objects.filter(household_id__in=example_ids)
        .order_by("household", "on")
        .values_list("household", "on")
    )
    flag_rows, plan = [], []
    for household in households:
        for c in crossings[household.pk]:
            opened = datetime.combine(today - timedelta(days=rng.randint(3, 9)), time(6, 30), tzinfo=zone)
            outcome = OUTCOMES[len(flag_rows) % len(OUTCOMES)]
            if outcome == "monitor" and last_change[household.pk] > opened.date():
                outcome = "watch"
            state = "open" if outcome is None else "watching" if outcome == "watch" else "closed"
            closed = opened + timedelta(days=2) if state == "closed" else None
            flag_rows.append(
                (household.pk, c.kind, c.threshold_id, c.key, c.reason[:300], min(opened, now), state)
                + (outcome or "", closed and min(closed, now), c.income_year, c.expense_id, c.check_id)
            )
            plan.append((household.pk, c.key, outcome, opened.date() + timedelta(days=2)))
    insert_tuples(
        RelapseFlag,
        ["household_id", "kind", "threshold_id", "key", "reason", "opened_at", "state", "outcome", "closed_at"]
        + ["income_year", "expense_id", "guarantee_check_id"],
        flag_rows,
    )
    flag_ids = dict(
        ((hid, key), pk)
        for pk, hid, key in RelapseFlag.objects.filter(household_id__in=example_ids).values_list(
            "pk", "household", "key"
        )
    )
    notes = {
        "watch": "入户核实，收入有所减少，继续观察",
        "dismiss": "入户核实，已外出务工，风险排除",
        "monitor": "经村民代表评议，纳入监测",
    }
    reviews, monitored = [], []
    status = {h.pk: h.status for h in households}
    for hid, key, outcome, on in plan:
        if outcome is None:
            continue
        on = min(on, today)
        at = min(datetime.combine(on, time(16), tzinfo=zone), now)
        reviews.append((flag_ids[(hid, key)], outcome, notes[outcome], on, None, at))
        if outcome == "monitor":
            if status[hid] != "monitored":  # one change for a household with two flags to monitor
                monitored.append((hid, status[hid], "monitored", on, "返贫风险预警核实：纳入监测", None))
                status[hid] = "monitored"
    insert_tuples(
        RelapseReview, ["flag_id", "outcome", "note", "reviewed_on", "reviewed_by_id", "recorded_at"], reviews
    )
    insert_tuples(
        HouseholdStatusChange, ["household_id", "from_status", "to_status", "on", "reason", "recorded_by_id"], monitored
    )
    Household.objects.filter(pk__in=[m[0] for m in monitored]).update(status="monitored")
    return len(expense_rows), len(flag_rows)


def _universal_visits(ctx, rng, villages, ids) -> tuple[int, int]:
    """A village cadre filed under each village (the village cadres of the cadence rules, ADR
    0027), who visits most of the village's households once in the last quarter and so far in
    this one (the universal visit, 普访), on a few days a week: no pair."""
    zone = ZoneInfo("Asia/Shanghai")
    today = ctx.today
    now = timezone.now()
    rows = [(v.pk, resident_name(rng), "村民委员会", "村委委员", "", None) for v in villages]
    insert_tuples(Cadre, ["organization_id", "name", "unit", "post", "phone", "member_id"], rows)
    cadre_of = dict(Cadre.objects.filter(organization__in=villages).values_list("organization_id", "pk"))
    village_of = {v.code: v.pk for v in villages}
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    previous_start = add_months(quarter_start, -3)
    visits = []
    for number, household_id in sorted(ids.items()):
        cadre_id = cadre_of[village_of[number.rsplit("-", 1)[0]]]
        for start, end in ((previous_start, quarter_start - timedelta(days=1)), (quarter_start, today)):
            if rng.random() >= 0.85:
                continue
            day = start + timedelta(days=rng.randint(0, (end - start).days))
            at = datetime.combine(day, time(rng.randint(8, 17), rng.choice([0, 30])), tzinfo=zone)
            if at > now:
                continue
            recorded = min(at + timedelta(hours=rng.randint(1, 30)), now)
            visits.append((household_id, None, cadre_id, at, "普访：了解家庭情况，宣讲政策", "", False, None))
            visits[-1] += (recorded, recorded)
    insert_tuples(
        Visit,
        ["household_id", "pair_id", "cadre_id", "visited_at", "content", "location", "late"]
        + ["recorded_by_id", "created_at", "updated_at"],
        visits,
    )
    return len(rows), len(visits)
