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
    appraisals = _appraisals(ctx, ctx.rng("ratings.appraisal"))
    states = dict(PointsClaim.objects.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "积分明细": PointsEntry.objects.count(),
        "积分申报": len(claims),
        "待审核申报": states.get(PointsClaim.State.SUBMITTED, 0),
        "季度评星": reviews,
        "堡垒指数": branches,
        "软弱涣散党组织": weak,
        "书记述职评议": appraisals,
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


# ---- secretaries' annual report and appraisal (书记述职评议) ----------------------------------

REPORT_TEXT = {
    "work_done": [
        "全年召开党委会专题研究党建工作{n}次，落实“三会一课”和主题党日制度，推动党建与产业发展深度融合。",
        "坚持书记抓、抓书记，带头讲党课{n}次，整顿软弱涣散党组织，村级阵地全部达标。",
    ],
    "problems": ["个别支部组织生活质量不高，党员教育针对性不强。", "发展党员结构有待优化，青年党员占比偏低。"],
    "causes": ["抓党建的精力投入不够，督促指导不到位。", "重业务、轻党建的思想仍然存在。"],
    "plans": ["明年重点抓好支部标准化规范化建设，选优配强村党组织书记。", "推进党员积分管理，提升组织生活质量。"],
}


def _report_fields(rng, n: int) -> dict:
    return {name: rng.choice(texts).format(n=n) for name, texts in REPORT_TEXT.items()}


def _appraisals(ctx, rng) -> int:
    """Last full year's appraisal of the county's township secretaries, closed (reports with
    their figures, a few online votes and the paper ballots of the meeting, the kept results),
    and this year's appraisal of the demo township's branch secretaries, open: some reports
    submitted, the demo branch's left for its secretary to write. Plain rows (bulk) where the
    services would check today's date against a past voting window; the results by the service."""
    from . import appraisal_figures
    from .models import AppraisalReport, AppraisalReviewer, AppraisalVote
    from .services import appraisal

    today = ctx.today
    county, township = ctx.users["demo-county"], ctx.users["demo-township"]
    last = today.year - 1
    closed = appraisal.create_round(
        None, ctx.root, year=last, vote_from=date(last, 12, 20), vote_until=date(last, 12, 31)
    )
    AppraisalReviewer.objects.bulk_create(
        [AppraisalReviewer(round=closed, user=u, added_by=county) for u in (county, township)]
    )
    reports = list(closed.reports.select_related("organization"))
    submitted_at = timezone.make_aware(datetime.combine(date(last, 12, 18), time(16, 0)))
    votes = []
    for n, report in enumerate(reports):
        for name, value in _report_fields(rng, 6 + n % 5).items():
            setattr(report, name, value)
        report.state = AppraisalReport.State.SUBMITTED
        report.submitted_at = submitted_at
        report.figures = appraisal_figures.figures_for(report.organization, last, today)
        voters = 25 + rng.randrange(10)
        weights = rng.choice([(0.7, 0.2, 0.08, 0.02), (0.45, 0.35, 0.15, 0.05), (0.25, 0.35, 0.3, 0.1)])
        counts = [int(voters * w) for w in weights]
        report.paper_good, report.paper_fair, report.paper_average, report.paper_poor = counts
        for user in (county, township):
            votes.append(AppraisalVote(report=report, reviewer=user, grade=rng.choice(rules.GRADES[:3])))
    AppraisalReport.objects.bulk_update(
        reports,
        [
            "work_done",
            "problems",
            "causes",
            "plans",
            "state",
            "submitted_at",
            "figures",
            *(f"paper_{g}" for g in rules.GRADES),
        ],
    )
    AppraisalVote.objects.bulk_create(votes)
    appraisal.close_round(None, closed)

    current = appraisal.create_round(
        None,
        ctx.township,
        year=today.year,
        vote_from=today,
        vote_until=today + timedelta(days=30),
    )
    AppraisalReviewer.objects.bulk_create(
        [AppraisalReviewer(round=current, user=u, added_by=township) for u in (county, township)]
    )
    ready = [r for r in current.reports.select_related("organization") if r.organization_id != ctx.branch.pk][:3]
    now = timezone.now()
    for n, report in enumerate(ready):
        for name, value in _report_fields(rng, 3 + n).items():
            setattr(report, name, value)
        report.state = AppraisalReport.State.SUBMITTED
        report.submitted_at = now
        report.figures = appraisal_figures.figures_for(report.organization, today.year, today)
    AppraisalReport.objects.bulk_update(
        ready, ["work_done", "problems", "causes", "plans", "state", "submitted_at", "figures"]
    )
    return len(reports) + current.reports.count()


# ---- inspections (督查) -------------------------------------------------------------------------
# Two closed rounds of demo-township's township over its branches (the first on site, the later
# one unannounced), one branch scored low in both, so the bottom-3-twice rule opens accountability
# records when the later round closes; and an open county round over a few branches of the
# township, half scored, for demo-county to carry on.

INSPECTION_CHECKLIST = [
    {"code": "i1", "name": "“三会一课”落实", "max": "30"},
    {"code": "i2", "name": "党员教育管理", "max": "20"},
    {"code": "i3", "name": "阵地建设与台账", "max": "20"},
    {"code": "i4", "name": "党费收缴", "max": "15"},
    {"code": "i5", "name": "群众满意度", "max": "15"},
]
INSPECTION_NOTES = ["会议记录不全", "主题党日缺少影像资料", "党员积分台账未及时更新", "阵地标识陈旧", "", ""]

_generate_before_inspections = generate


def generate(ctx) -> dict[str, int]:  # noqa: F811
    out = _generate_before_inspections(ctx)
    rounds, accountability = _inspections(ctx, ctx.rng("ratings.inspections"))
    out["督查"] = rounds
    out["督查问责"] = accountability
    return out


def _scores(rng, low: bool) -> dict[str, int]:
    share = (0.35, 0.55) if low else (0.6, 1.0)
    return {i["code"]: round(int(i["max"]) * rng.uniform(*share)) for i in INSPECTION_CHECKLIST}


def _inspections(ctx, rng) -> tuple[int, int]:
    township = ctx.township
    branches = list(Organization.objects.filter(township.subtree_filter(), type__in=BRANCH_TYPES).order_by("path"))
    if len(branches) < 4:
        return 0, 0
    actor = ctx.users["demo-township"]
    weak = next(b for b in reversed(branches) if b.pk != ctx.branch.pk)
    plan = [
        ("上半年党建工作督查", "on_site", ctx.today - timedelta(days=150)),
        ("下半年党建工作暗访督查", "unannounced", ctx.today - timedelta(days=40)),
    ]
    opened = 0
    for name, kind, ends_on in plan:
        round_ = services.create_round(
            actor,
            township,
            name=name,
            kind=kind,
            starts_on=ends_on - timedelta(days=6),
            ends_on=ends_on,
            checklist=INSPECTION_CHECKLIST,
            organizations=branches,
        )
        for result in round_.results.all():
            low = result.organization_id == weak.pk
            services.enter_result(actor, result, scores=_scores(rng, low), note=rng.choice(INSPECTION_NOTES))
        opened += len(services.close_round(actor, round_))
    county = ctx.users["demo-county"]
    sample = branches[: min(len(branches), 8)]
    ends_on = ctx.today + timedelta(days=7)
    open_round = services.create_round(
        county,
        ctx.root,
        name="县委组织部基层党建专项督查",
        kind="on_site",
        starts_on=ctx.today - timedelta(days=3),
        ends_on=ends_on,
        checklist=INSPECTION_CHECKLIST,
        organizations=sample,
    )
    for result in list(open_round.results.all())[: len(sample) // 2]:
        services.enter_result(county, result, scores=_scores(rng, False), note=rng.choice(INSPECTION_NOTES))
    return 3, opened


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
# The last full year's ratings of every branch, computed from the records by the same service a
# manager uses (propose_org_ratings); the level above has reviewed the items the records cannot
# judge, with evidence notes, and confirmed, except demo-township's township whose ratings wait
# for demo-township to review and confirm. Written in bulk (one UPDATE batch) to stay fast.

ORG_RATING_NOTES = {
    True: ["查阅会议记录和班子分工，履职到位", "实地查看阵地和台账，资料齐全", "走访群众 5 户，评价较好"],
    False: ["班子成员分工不明确，记录缺失", "群众反映问题未及时办理", "年度重点任务未完成"],
}

_generate_before_orgratings = generate


def generate(ctx) -> dict[str, int]:  # noqa: F811
    out = _generate_before_orgratings(ctx)
    out["星级评定"] = _org_ratings(ctx, ctx.rng("ratings.orgratings"))
    return out


def _org_ratings(ctx, rng) -> int:
    from .models import OrgRating

    year = ctx.today.year - 1
    services.propose_org_ratings(None, ctx.root, year)
    county = ctx.users["demo-county"]
    township = ctx.users["demo-township"]
    at = timezone.make_aware(datetime.combine(date(year + 1, 1, 20), time(10)))
    ratings = list(OrgRating.objects.filter(year=year).select_related("organization").order_by("organization__path"))
    for rating in ratings:
        waiting = rating.organization.path.startswith(ctx.township.path)
        reviewer = township if waiting else county
        for item in rating.items:
            if item["passed"] is not None:
                continue
            if waiting and rng.random() < 0.5:
                continue  # left for demo-township
            passed = rng.random() < 0.85
            item.update(
                passed=passed,
                note=rng.choice(ORG_RATING_NOTES[passed]),
                scored_by=reviewer.pk,
                scored_by_name=reviewer.get_full_name() or reviewer.get_username(),
                scored_at=timezone.localtime(at).isoformat(timespec="minutes"),
            )
        rating.stars = rules.count_stars(rating.items)
        if not waiting and all(i["passed"] is not None for i in rating.items):
            rating.state, rating.confirmed_by, rating.confirmed_at = OrgRating.State.CONFIRMED, county, at
    OrgRating.objects.bulk_update(ratings, ["items", "stars", "state", "confirmed_by", "confirmed_at"], batch_size=500)
    return len(ratings)


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
