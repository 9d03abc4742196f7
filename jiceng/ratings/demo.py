"""Demo data: member points for the last six months of the demo county's records, from
those records through the same computation as the nightly job, plus claims (post duties,
pledges, good deeds) with photos left out: most approved, some rejected with a reason, and the
last weeks' still waiting for the branch (the demo branch's secretary has some to decide).
Claims are written with `bulk_create` (they are plain rows); the ledger by `recompute_month`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES

from . import rules, services
from .models import PointItem, PointsClaim, PointsEntry, PointsMonth

CLAIM_SHARE = 0.06  # of active members, each month
MONTHS = 6  # months of points computed by the demo
NOTES = {
    "post": [
        "到农户家中宣讲惠民政策",
        "调解邻里纠纷一起",
        "巡查村内环境卫生",
        "为群众代办社保认证",
        "检查河道垃圾清理情况",
    ],
    "pledge": ["兑现承诺：帮助困难户销售农产品", "兑现承诺：每月义务打扫村道", "兑现承诺：结对帮扶留守儿童学习"],
    "good_deed": ["参加防汛值守", "参加森林防火巡查", "为独居老人送米送油", "参加义务献血", "疫情防控志愿服务"],
}
CHANGE_REASONS = ["在防汛抗旱中表现突出，支部研究同意授星", "长期坚持义务巡河，群众认可"]
REJECT_REASONS = ["佐证材料不足，请补充照片后重新申报", "该事项已按组织生活自动计分，不重复计分"]


def _analyze(*models) -> None:
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" or not models:
            cursor.execute(f"ANALYZE {tables}")
        else:  # SQLite analyzes one table per statement
            for m in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(m._meta.db_table)}")


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("ratings")
    today = ctx.today
    this_month = rules.month_start(today)
    # The last six months (the records cover a year): a county's month takes a few seconds to
    # compute and the demo must load in under two minutes; earlier months are computed by
    # `manage.py points --month … --until …` like any backlog.
    first = add_months(this_month, -(MONTHS - 1))
    decider = ctx.users["demo-county"]
    members = list(
        Member.objects.filter(ctx.root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .values_list("pk", flat=True)
        .order_by("pk")
    )
    demo_member = ctx.users["demo-member"].member_id
    branch_members = list(
        Member.objects.filter(organization=ctx.branch, status__in=Member.ACTIVE_STATUSES).values_list("pk", flat=True)
    )
    claims = []
    month = first
    while month <= this_month:
        scheme = services.scheme_for(month)
        items = {i.code: i for i in PointItem.objects.filter(scheme=scheme, source="")}
        last_day = min(rules.month_end(month), today)
        recent = (today - month).days < 40
        chosen = rng.sample(members, int(len(members) * CLAIM_SHARE))
        if demo_member:
            chosen.append(demo_member)
        if recent:
            chosen += branch_members[:4]
        for member_id in chosen:
            code = rng.choice([c for c in ("post", "post", "pledge", "good_deed") if c in items])
            on = month + timedelta(days=rng.randrange((last_day - month).days + 1))
            at = timezone.make_aware(datetime.combine(on, time(20, rng.randrange(60))))
            roll = rng.random()
            if recent and (roll < 0.35 or member_id in branch_members):
                state, reason = PointsClaim.State.SUBMITTED, ""
            elif roll < 0.9:
                state, reason = PointsClaim.State.APPROVED, ""
            else:
                state, reason = PointsClaim.State.REJECTED, rng.choice(REJECT_REASONS)
            decided = state != PointsClaim.State.SUBMITTED
            claims.append(
                PointsClaim(
                    member_id=member_id,
                    item=items[code],
                    on=on,
                    note=rng.choice(NOTES[code]),
                    state=state,
                    submitted_by=decider,
                    decided_by=decider if decided else None,
                    decided_at=at + timedelta(days=2) if decided else None,
                    reason=reason,
                )
            )
        month = add_months(month, 1)
    PointsClaim.objects.bulk_create(claims, batch_size=2000)
    # Posts and pledges (their own section below) before the points, which count them.
    posts_figures = posts_and_pledges(ctx, ctx.rng("ratings.posts"))
    in_county = Member.objects.filter(ctx.root.subtree_filter("organization__"))
    # Statistics for the planner: the records the points are computed from were written a moment
    # ago (autovacuum has not seen them), and the ledger grows month by month.
    _analyze()
    month = first
    while month <= this_month:
        services.recompute_month(month, in_county)
        if month.month % 3 == 0:
            _analyze(PointsEntry, PointsMonth)
        month = add_months(month, 1)
    reviews = _star_reviews(ctx, rng)
    branches = services.compute_fortress(today.year, ctx.root)
    vanguard = services.compute_vanguard(today.year, ctx.root)  # 先锋指数 (posts section)
    weak = _weak_organizations(ctx, rng)
    states = dict(PointsClaim.objects.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "积分明细": PointsEntry.objects.count(),
        "积分申报": len(claims),
        "待审核申报": states.get(PointsClaim.State.SUBMITTED, 0),
        "季度评星": reviews,
        "堡垒指数": branches,
        "软弱涣散党组织": weak,
        **posts_figures,
        "先锋指数": vanguard,
    }


def _star_reviews(ctx, rng) -> int:
    """The last whole quarter's star reviews of every branch, through the services: decided by
    most branches (a few change a proposal with a reason); the demo branch's and some others are
    left for their secretaries to decide."""
    today = ctx.today
    this = rules.quarter_start(today)
    last = date(this.year - 1, 10, 1) if this.month == 1 else date(this.year, this.month - 3, 1)
    branches = list(Organization.objects.filter(ctx.root.subtree_filter(), type__in=BRANCH_TYPES).order_by("path"))
    decider = ctx.users["demo-county"]
    count = 0
    for quarter in (last,):
        for branch in branches:
            review = services.propose_review(None, branch, quarter)
            count += 1
            if quarter == last and (branch.pk == ctx.branch.pk or rng.random() < 0.15):
                continue
            changes = {}
            if rng.random() < 0.1:
                d = review.decisions.filter(proposed=rules.NONE).first()
                if d is not None:
                    changes[d.pk] = (rules.GRANT, rng.choice(CHANGE_REASONS))
            services.decide_review(decider, review, changes)
    return count


MEASURES = [
    ("选优配强支部书记", "乡镇组织委员"),
    ("规范“三会一课”，每月固定主题党日", "支部书记"),
    ("清理党费欠交，建立党员积分台账", "支部组织委员"),
    ("发展壮大村集体经济，制定增收方案", "驻村第一书记"),
    ("建立为民服务代办点，公开办事流程", "村委会主任"),
]


def _weak_organizations(ctx, rng) -> int:
    """This year's proposal designated by the county (all but one), each ledger with tasks and
    progress: some still rectifying with tasks overdue, some applied, some closed out."""
    from datetime import timedelta

    county = ctx.users["demo-county"]
    year = ctx.today.year
    proposal = services.propose_weak(county, ctx.root, year)
    count = 0
    for n, row in enumerate(proposal):
        if n == len(proposal) - 1 and n > 0:
            break  # the county leaves one proposed branch out
        leader = rng.choice(["县委常委、组织部部长", "县委副书记", "县人大常委会副主任", "副县长"])
        weak = services.designate_weak(
            county,
            row.organization,
            year=year,
            reason=row.reason,
            leader=leader,
            proposed=True,
            index_value=row.index,
            weak_economy=rng.random() < 0.4,
            weak_services=rng.random() < 0.3,
        )
        count += 1
        if rng.random() < 0.15:
            continue  # just designated
        services.move_weak(county, weak, rules.RECTIFYING)
        tasks = []
        for measure, owner in rng.sample(MEASURES, 3):
            due = ctx.today + timedelta(days=rng.randrange(-60, 120))
            tasks.append(services.add_task(county, weak, measure=measure, owner=owner, deadline=due))
        services.add_event(county, weak, kind="note", text="召开整顿工作推进会，逐项明确责任人和时限")
        if rng.random() < 0.3:
            services.add_event(county, weak, kind="interview", text="县委组织部约谈支部书记，指出问题、提出要求")
        stage = rng.random()
        if stage < 0.4:
            continue  # rectifying, some tasks overdue
        for task in tasks:
            done = min(ctx.today, task.deadline)
            services.complete_task(county, task, done_on=done, result="已按期完成，材料已归档")
        services.move_weak(county, weak, rules.APPLIED)
        if stage > 0.7:
            services.move_weak(county, weak, rules.ACCEPTED, reason="经县委组织部验收合格，同意销号")
    return count


# ---- posts and pledges (设岗定责、承诺践诺) ------------------------------------------------------

POSTS = [
    ("政策宣传岗", "policy", "每月入户宣讲惠民政策不少于3户，收集群众意见"),
    ("技术帮扶岗", "technical", "为种养殖户提供技术指导，每季度组织一次现场培训"),
    ("便民服务岗", "service", "为群众代办社保认证、医保缴费等事项"),
    ("矛盾调解岗", "mediation", "及时调解邻里、家庭纠纷，重大矛盾当天上报"),
    ("环境监督岗", "environment", "每周巡查村道、河道环境卫生，发现问题督促整改"),
    ("代办服务岗", "errand", "为留守老人、残疾人代购代办"),
]
PLEDGES = [
    "帮助困难户销售农产品",
    "每月义务打扫村道一次",
    "结对帮扶一名留守儿童学习",
    "带头参加人居环境整治",
    "为独居老人每周上门探望",
    "带头移风易俗，红白事简办",
]
UNFULFILLED = ["外出务工，本月未履职", "因病住院，本月未履职"]


def posts_and_pledges(ctx, rng) -> dict[str, int]:
    """Every branch's posts (three of the six kinds, two or three places each), about a third of
    its members on them since before the demo's months, the monthly fulfilment records of the
    months before this one (most fulfilled, a few not, with a note), this month's logged by some
    holders; in the demo branch two requests still waiting. This year's pledges of about four in ten
    members, those past their date checked (most kept, some partly, a few not). Bulk inserts; the
    points are computed afterwards with the rest (from January 2027 these records earn them)."""
    from jiceng.core.tree import SEGMENT

    from .models import Pledge, Post, PostDuty, PostHolding

    today = ctx.today
    this_month = rules.month_start(today)
    first = add_months(this_month, -(MONTHS - 1))
    decider = ctx.users["demo-county"]
    branches = list(
        Organization.objects.filter(ctx.root.subtree_filter(), type__in=BRANCH_TYPES).values_list("pk", "path")
    )
    by_path = {path: pk for pk, path in branches}
    members: dict[int, list[int]] = {pk: [] for pk, _ in branches}
    for member_id, path in (
        Member.objects.filter(ctx.root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
        .values_list("pk", "organization__path")
        .order_by("pk")
    ):
        for end in range(len(path), 0, -SEGMENT):
            branch = by_path.get(path[:end])
            if branch is not None:
                members[branch].append(member_id)
                break
    posts = []
    for branch_id, _ in branches:
        for name, kind, duties in rng.sample(POSTS, 3):
            posts.append(
                Post(organization_id=branch_id, name=name, kind=kind, duties=duties, capacity=rng.choice((2, 3)))
            )
    Post.objects.bulk_create(posts, batch_size=2000)
    holdings, taken = [], set()
    since = add_months(first, -1)
    for post in posts:
        pool = [m for m in members[post.organization_id] if m not in taken]
        for member_id in rng.sample(pool, min(len(pool), post.capacity - (1 if rng.random() < 0.3 else 0))):
            taken.add(member_id)
            holdings.append(
                PostHolding(
                    post=post,
                    member_id=member_id,
                    state=PostHolding.State.ACTIVE,
                    since=since + timedelta(days=rng.randrange(20)),
                    requested_by=decider,
                    decided_by=decider,
                )
            )
    waiting = [m for m in members.get(ctx.branch.pk, []) if m not in taken][:2]
    demo_posts = [p for p in posts if p.organization_id == ctx.branch.pk]
    for member_id, post in zip(waiting, demo_posts, strict=False):
        holdings.append(PostHolding(post=post, member_id=member_id, requested_by=decider))
    PostHolding.objects.bulk_create(holdings, batch_size=2000)
    duties = []
    month = first
    while month <= this_month:
        for h in holdings:
            if h.state != PostHolding.State.ACTIVE:
                continue
            roll = rng.random()
            if month == this_month:
                if roll < 0.3:
                    duties.append(PostDuty(holding=h, month=month, note=rng.choice(NOTES["post"])))
                continue
            if roll < 0.85:
                state, note = PostDuty.State.FULFILLED, rng.choice(NOTES["post"])
            elif roll < 0.92:
                state, note = PostDuty.State.UNFULFILLED, rng.choice(UNFULFILLED)
            else:
                continue  # not yet judged
            confirmed = min(today, rules.month_end(month) + timedelta(days=rng.randrange(1, 6)))
            duties.append(
                PostDuty(holding=h, month=month, state=state, note=note, confirmed_on=confirmed, confirmed_by=decider)
            )
        month = add_months(month, 1)
    PostDuty.objects.bulk_create(duties, batch_size=5000)
    pledges = []
    year_start = date(today.year, 1, 1)
    for branch_members in members.values():
        for member_id in branch_members:
            if rng.random() >= 0.4:
                continue
            for content in rng.sample(PLEDGES, rng.choice((1, 2))):
                due = year_start + timedelta(days=rng.randrange(365 if today.year % 4 else 366))
                pledge = Pledge(member_id=member_id, year=today.year, content=content, due=due, created_by=decider)
                if due < today:
                    roll = rng.random()
                    if roll < 0.9:
                        state = (
                            Pledge.State.FULFILLED
                            if roll < 0.7
                            else Pledge.State.PARTLY
                            if roll < 0.82
                            else Pledge.State.NOT
                        )
                        pledge.state, pledge.checked_by = state, decider
                        pledge.checked_on = min(today, due + timedelta(days=rng.randrange(1, 10)))
                        pledge.check_note = {
                            Pledge.State.FULFILLED: "经支部核查，已按期兑现",
                            Pledge.State.PARTLY: "已部分兑现，支部督促继续完成",
                            Pledge.State.NOT: "未按期兑现，支部已提醒",
                        }[state]
                pledges.append(pledge)
    Pledge.objects.bulk_create(pledges, batch_size=5000)
    return {"党员责任岗": len(posts), "在岗党员": len(taken), "履岗记录": len(duties), "承诺事项": len(pledges)}
