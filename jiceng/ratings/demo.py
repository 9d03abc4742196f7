"""Demo data of the ratings app, over the records' window of jiceng/demo/context.py (the last
eight whole quarters and this one so far), one section after another in `generate`:

- member points of every month of the window, from the other apps' records through the same
  computation as the nightly job (`services.recompute_month`), with claims (post duties, pledges,
  good deeds; photos left out) spread over the window: most approved, some rejected with a reason,
  the last weeks' still waiting for the branch (the demo branch's secretary has some to decide).
  Claims are plain rows (`bulk_create`); the ledger is written by `recompute_month`;
- posts and pledges (设岗定责、承诺践诺);
- star reviews of the eight whole quarters, in order (proposed from the points, decided by the
  branches, a few changes with reasons, a few overruled by the township, the talks and warnings
  recorded), the last quarter's demo branch left for its secretary;
- the fortress and vanguard indices of last year and this year;
- weak organizations: last year's designation with a year of rectification, and this year's;
- inspections;
- the organization star ratings of the last two full years (an item reads the inspections);
- the secretaries' appraisal (which attaches the ratings and the ledgers).

The services stamp the present time; a record that happened months ago gets its real date: the
reviews' decisions and follow-ups are updated after the services made them, and last year's
rectification ledgers, whose timeline is append-only, are written as plain rows with their dates
(as the closed appraisal round below is).
"""

from __future__ import annotations

import time as clock
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from jiceng.core.dates import add_months
from jiceng.core.importing import insert_rows
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES

from . import rules, services
from .models import (
    FollowUp,
    MemberStars,
    PointItem,
    PointsClaim,
    PointsEntry,
    PointsMonth,
    RatingsSettings,
    RectificationEvent,
    RectificationTask,
    StarDecision,
    StarReview,
    WeakOrganization,
)

CLAIM_SHARE = 0.06  # of active members, each month
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
OVERRULE_REASONS = {
    rules.GRANT: "经镇党委核实，该党员本季度在急难险重任务中表现突出，同意授星",
    rules.KEEP: "经镇党委复核，扣分事项已说明情况，保留该星",
    rules.REMOVE: "群众反映该党员本季度履行义务不到位，经镇党委研究摘除该星",
    rules.NONE: "经镇党委复核，佐证材料不足，暂不授星",
}
FOLLOW_UP_NOTES = {
    "talk": ["支部书记已谈话提醒，本人表示积极参加组织生活", "已谈心谈话，指出不足，明确改进措施"],
    "warning": ["支部委员会已进行诫勉警示，本人作出书面承诺", "已警示谈话并报镇党委备案"],
}
REJECT_REASONS = ["佐证材料不足，请补充照片后重新申报", "该事项已按组织生活自动计分，不重复计分"]


def _analyze(*models) -> None:
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # a table autovacuum is analysing is not waited for
            cursor.execute(f"ANALYZE (SKIP_LOCKED) {tables}")
        elif not models:
            cursor.execute("ANALYZE")
        else:  # SQLite analyzes one table per statement
            for m in models:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(m._meta.db_table)}")


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """The time of day on ``day``, never later than now (a record of today happened already)."""
    return min(timezone.make_aware(datetime.combine(day, time(hour, minute))), timezone.now())


def generate(ctx) -> dict[str, int]:
    """The sections in order (each reads what the ones before it wrote); each one's time is told."""
    out: dict[str, int] = {}
    sections = [
        ("claims", lambda: _claims(ctx, ctx.rng("ratings"))),
        ("posts", lambda: posts_and_pledges(ctx, ctx.rng("ratings.posts"))),  # before the points, which count them
        ("points", lambda: _points(ctx)),
        ("stars", lambda: _star_reviews(ctx, ctx.rng("ratings.stars"))),
        ("indices", lambda: _indices(ctx)),
        ("weak", lambda: _weak_organizations(ctx, ctx.rng("ratings.weak"))),
        ("inspections", lambda: _inspections(ctx, ctx.rng("ratings.inspections"))),
        # After the inspections, whose results are an item of the ratings.
        ("orgratings", lambda: {"星级评定": _org_ratings(ctx, ctx.rng("ratings.orgratings"))}),
        ("appraisal", lambda: {"书记述职评议": _appraisals(ctx, ctx.rng("ratings.appraisal"))}),
    ]
    for name, section in sections:
        started = clock.monotonic()
        out.update(section())
        ctx.say(f"    [ratings.{name}] 用时 {clock.monotonic() - started:.1f} 秒")
    return out


def _months(ctx) -> list[date]:
    """The first day of every month of the records' window, this month included."""
    this_month = rules.month_start(ctx.today)
    months, month = [], ctx.first_month
    while month <= this_month:
        months.append(month)
        month = add_months(month, 1)
    return months


def _claims(ctx, rng) -> dict[str, int]:
    today = ctx.today
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
    for month in _months(ctx):
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
            at = _at(on, 20, rng.randrange(60))
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
                    decided_at=min(at + timedelta(days=2), timezone.now()) if decided else None,
                    reason=reason,
                )
            )
    PointsClaim.objects.bulk_create(claims, batch_size=2000)
    return {"积分申报": len(claims)}


def _points(ctx) -> dict[str, int]:
    """Every month of the window, oldest first (a month's yearly caps read the months before it)."""
    in_county = Member.objects.filter(ctx.root.subtree_filter("organization__"))
    # Statistics for the planner: the records the points are computed from were written a moment
    # ago (autovacuum has not seen them), and the ledger grows month by month.
    _analyze()
    for n, month in enumerate(_months(ctx), start=1):
        services.recompute_month(month, in_county)
        if n % 3 == 0:
            _analyze(PointsEntry, PointsMonth)
    states = dict(PointsClaim.objects.values_list("state").annotate(n=Count("id")).order_by())
    return {
        "积分明细": PointsEntry.objects.count(),
        "待审核申报": states.get(PointsClaim.State.SUBMITTED, 0),
    }


def _indices(ctx) -> dict[str, int]:
    """The fortress index (堡垒指数) and the vanguard index (先锋指数) of last year and this year."""
    year = ctx.today.year
    branches = sum(services.compute_fortress(y, ctx.root) for y in (year - 1, year))
    members = sum(services.compute_vanguard(y, ctx.root) for y in (year - 1, year))
    return {"堡垒指数": branches, "先锋指数": members}


def _star_reviews(ctx, rng) -> dict[str, int]:
    """The star reviews of the window's whole quarters, oldest first (a proposal reads the stars
    held after the quarters before it), every branch through the services: decided by the branch
    (a few change a proposal with a reason), a few decisions of demo-township's branches overruled
    by the township, the talks and warnings of the earlier quarters recorded. Of the last quarter,
    the demo branch's review and a few others are left for their secretaries to decide, and some
    talks are still to be held. The decisions are dated some days after their quarter's end."""
    today = ctx.today
    this = rules.quarter_start(today)
    quarters, quarter = [], rules.quarter_start(ctx.first_month)
    while quarter < this:
        quarters.append(quarter)
        quarter = add_months(quarter, 3)
    branches = list(Organization.objects.filter(ctx.root.subtree_filter(), type__in=BRANCH_TYPES).order_by("path"))
    county, township = ctx.users["demo-county"], ctx.users["demo-township"]
    secretary = ctx.users["demo-branch"]
    in_township = [b for b in branches if b.path.startswith(ctx.township.path)]
    days = RatingsSettings.current().follow_up_days
    count = overruled = 0
    for quarter in quarters:
        last = quarter == quarters[-1]
        decided_on = min(today, add_months(quarter, 3) + timedelta(days=rng.randrange(3, 15)))
        decided, own = [], None
        for branch in branches:
            review = services.propose_review(None, branch, quarter)
            count += 1
            if last and (branch.pk == ctx.branch.pk or rng.random() < 0.15):
                continue
            changes = {}
            if rng.random() < 0.1:
                d = review.decisions.filter(proposed=rules.NONE).first()
                if d is not None:
                    changes[d.pk] = (rules.GRANT, rng.choice(CHANGE_REASONS))
            if branch.pk == ctx.branch.pk:
                own = review.pk
            services.decide_review(secretary if branch.pk == ctx.branch.pk else county, review, changes)
            decided.append(review.pk)
        # The township reviews its branches' results and changes one or two.
        candidates = list(
            StarDecision.objects.filter(review_id__in=decided, review__organization__in=in_township)
            .exclude(member__organization=ctx.branch)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        for pk in rng.sample(candidates, min(len(candidates), rng.choice((1, 2)))):
            decision = StarDecision.objects.get(pk=pk)
            action = {rules.GRANT: rules.NONE, rules.NONE: rules.GRANT, rules.KEEP: rules.REMOVE}.get(
                decision.final, rules.KEEP
            )
            services.overrule(township, decision, action=action, reason=OVERRULE_REASONS[action])
            overruled += 1
        at = _at(decided_on, 16)
        StarReview.objects.filter(pk__in=decided).update(decided_at=at, created_at=at - timedelta(days=2))
        follow_ups = FollowUp.objects.filter(review_id__in=decided)
        follow_ups.update(deadline=decided_on + timedelta(days=days), created_at=at)
        # Recorded by the branch before the deadline: one UPDATE per (day, note, recorder), not one
        # per talk (nearly every member has a talk or a warning with the default thresholds).
        done = defaultdict(list)
        for pk, kind, review_id in follow_ups.order_by("pk").values_list("pk", "kind", "review_id"):
            if last and rng.random() < 0.4:
                continue  # still to be held (some overdue: the to-do lists show them)
            on = min(today, decided_on + timedelta(days=days - rng.choice((3, 7, 12, 20, 25))))
            note = rng.choice(FOLLOW_UP_NOTES.get(kind, FOLLOW_UP_NOTES["talk"]))
            done[(on, note, secretary if review_id == own else county)].append(pk)
        for (on, note, user), pks in done.items():
            FollowUp.objects.filter(pk__in=pks).update(done_on=on, note=note, recorded_by=user)
        # The next quarter reads these tables (the stars held, the decisions): planned for the
        # sizes of an earlier quarter, its reads scanned; the county's eight quarters took 494 s
        # on PostgreSQL (65 s on SQLite), 216 s with an ANALYZE after the first and fifth quarter.
        _analyze(StarReview, StarDecision, MemberStars, FollowUp)
    # Statistics for the planner: eight quarters of decisions were written a moment ago, and the
    # appraisal's figures read them by subtree (planned for empty tables, one such read of the
    # tiny demo ran for minutes on PostgreSQL with autovacuum off, as in the tests).
    _analyze(StarReview, StarDecision, MemberStars, FollowUp)
    return {"季度评星": count, "上级改变评定": overruled}


MEASURES = [
    ("选优配强支部书记", "乡镇组织委员"),
    ("规范“三会一课”，每月固定主题党日", "支部书记"),
    ("清理党费欠交，建立党员积分台账", "支部组织委员"),
    ("发展壮大村集体经济，制定增收方案", "驻村第一书记"),
    ("建立为民服务代办点，公开办事流程", "村委会主任"),
]
LEADERS = ["县委常委、组织部部长", "县委副书记", "县人大常委会副主任", "副县长"]
PROGRESS_NOTES = [
    "召开整顿工作推进会，逐项明确责任人和时限",
    "包联领导到村督导，查看整改台账",
    "补齐“三会一课”记录，规范主题党日流程",
    "清理党费欠交，欠交党员全部补交",
    "召开党员大会，通报整顿进展，征求群众意见",
    "村集体经济项目落地，制定收益分配方案",
    "为民服务代办点投入使用，公开办事流程",
]
TASK_RESULTS = ["已按期完成，材料已归档", "已完成，经乡镇党委核查属实", "已完成，群众满意"]


def _weak_organizations(ctx, rng) -> dict[str, int]:
    last = _last_years_ledgers(ctx, rng)
    return {"软弱涣散党组织": _this_years_designation(ctx, rng), "上年整顿台账": last}


def _last_years_ledgers(ctx, rng) -> int:
    """Last year's designation, made about a year ago from last year's fortress index (the proposal
    of the same service, all but one designated), and the year of rectification since: tasks,
    progress notes, interviews and a few replacements of secretaries, the state moves of
    `rules.MOVES` with their dates. By now most ledgers are closed out (销号) or extended, a few
    wait for acceptance and one or two are still rectifying, past their deadline. Plain rows with
    their real dates: the timeline is append-only and the services stamp the present time."""
    county = ctx.users["demo-county"]
    today = ctx.today
    year = today.year - 1
    months = RatingsSettings.current().weak_months
    proposal = services.propose_weak(county, ctx.root, year)
    if len(proposal) > 1:
        proposal = proposal[:-1]  # the county left one proposed branch out
    designated_on = max(date(year, 1, 1), min(date(year, 12, 31), add_months(today, -12)))
    weaks, plans = [], []
    for row in proposal:
        on = max(date(year, 1, 1), designated_on - timedelta(days=rng.randrange(0, 20)))
        weaks.append(
            WeakOrganization(
                organization=row.organization,
                year=year,
                reason=row.reason,
                leader=rng.choice(LEADERS),
                proposed=True,
                index_value=row.index,
                deadline=add_months(on, months),
                designated_by=county,
                weak_economy=rng.random() < 0.4,
                weak_services=rng.random() < 0.3,
            )
        )
        plans.append(on)
    WeakOrganization.objects.bulk_create(weaks)
    tasks, events = [], []

    def event(weak, kind, on, text, hour=10):
        events.append(
            {"weak_id": weak.pk, "kind": kind, "text": text, "at": _at(min(on, today), hour), "actor_id": county.pk}
        )

    def move(weak, to, on, reason=""):
        assert (weak.state, to) in rules.MOVES, (weak.state, to)
        weak.state = to
        label = WeakOrganization.State(to).label
        event(weak, RectificationEvent.Kind.STATE, on, f"{label}{'：' + reason if reason else ''}", 15)

    for weak, on in zip(weaks, plans, strict=True):
        weak.created_at = weak.updated_at = _at(on, 9)
        event(weak, RectificationEvent.Kind.STATE, on, f"确定为软弱涣散党组织：{weak.reason}", 9)
        started = on + timedelta(days=rng.randrange(5, 15))
        move(weak, rules.RECTIFYING, started)
        event(weak, RectificationEvent.Kind.NOTE, started + timedelta(days=2), PROGRESS_NOTES[0])
        if rng.random() < 0.4:
            event(
                weak,
                RectificationEvent.Kind.INTERVIEW,
                started + timedelta(days=rng.randrange(10, 60)),
                "县委组织部约谈支部书记，指出问题、提出要求",
            )
        if rng.random() < 0.15:
            event(
                weak,
                RectificationEvent.Kind.REPLACEMENT,
                started + timedelta(days=rng.randrange(60, 120)),
                "经乡镇党委研究，调整支部书记，选派致富带头人担任",
            )
        outcome = rng.choices(["accepted", "extended", "applied", "rectifying"], weights=(65, 20, 10, 5))[0]
        ends = today - timedelta(days=rng.randrange(0, 20))
        for note_on in range(1, 10, rng.choice((2, 3))):  # progress notes every two or three months
            day = add_months(started, note_on) + timedelta(days=rng.randrange(0, 10))
            if day < ends:
                event(weak, RectificationEvent.Kind.NOTE, day, rng.choice(PROGRESS_NOTES[1:]))
        plan = rng.sample(MEASURES, rng.choice((3, 4)))
        for n, (measure, owner) in enumerate(plan):
            deadline = add_months(started, rng.randrange(3, 10))
            open_task = outcome in ("extended", "rectifying") and n == len(plan) - 1
            done_on = None if open_task else min(ends, deadline + timedelta(days=rng.randrange(-40, 10)))
            tasks.append(
                {
                    "weak_id": weak.pk,
                    "measure": measure,
                    "owner": owner,
                    "deadline": deadline,
                    "done_on": done_on,
                    "result": rng.choice(TASK_RESULTS) if done_on else "",
                    "created_at": _at(started, 11),
                    "updated_at": _at(done_on or started, 17),
                }
            )
        applied_on = min(ends, add_months(on, rng.randrange(9, 12)))
        if outcome in ("accepted", "applied"):
            move(weak, rules.APPLIED, applied_on)
        if outcome == "accepted":
            weak.closed_on = min(today, applied_on + timedelta(days=rng.randrange(7, 30)))
            weak.closed_by = county
            move(weak, rules.ACCEPTED, weak.closed_on, "经县委组织部验收合格，同意销号")
        if outcome == "rectifying":
            event(weak, RectificationEvent.Kind.NOTE, ends, "整顿期限已到，仍有任务未完成，乡镇党委督促加快进度")
        if outcome == "extended":
            weak.deadline = add_months(weak.deadline, 6)
            move(weak, rules.EXTENDED, ends, "村集体经济增收项目尚未见效，延期半年继续整顿")
        weak.updated_at = _at(weak.closed_on or ends, 16)
    WeakOrganization.objects.bulk_update(
        weaks, ["state", "deadline", "closed_on", "closed_by", "created_at", "updated_at"], batch_size=500
    )
    insert_rows(RectificationTask, tasks)
    insert_rows(RectificationEvent, sorted(events, key=lambda e: (e["at"], e["weak_id"])))
    return len(weaks)


def _this_years_designation(ctx, rng) -> int:
    """This year's proposal designated by the county (all but one), each ledger with tasks and
    progress: some still rectifying with tasks overdue, some applied, some closed out."""
    county = ctx.users["demo-county"]
    year = ctx.today.year
    proposal = services.propose_weak(county, ctx.root, year)
    count = 0
    for n, row in enumerate(proposal):
        if n == len(proposal) - 1 and n > 0:
            break  # the county leaves one proposed branch out
        weak = services.designate_weak(
            county,
            row.organization,
            year=year,
            reason=row.reason,
            leader=rng.choice(LEADERS),
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
        services.add_event(county, weak, kind="note", text=PROGRESS_NOTES[0])
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


def _scores(rng, low: bool) -> dict[str, int]:
    share = (0.35, 0.55) if low else (0.6, 1.0)
    return {i["code"]: round(int(i["max"]) * rng.uniform(*share)) for i in INSPECTION_CHECKLIST}


def _inspections(ctx, rng) -> dict[str, int]:
    township = ctx.township
    branches = list(Organization.objects.filter(township.subtree_filter(), type__in=BRANCH_TYPES).order_by("path"))
    if len(branches) < 4:
        return {"督查": 0, "督查问责": 0}
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
    return {"督查": 3, "督查问责": opened}


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------
# The last full year's ratings of every branch, computed from the records by the same service a
# manager uses (propose_org_ratings); the level above has reviewed the items the records cannot
# judge, with evidence notes, and confirmed, except demo-township's township whose ratings wait
# for demo-township to review and confirm. Written in bulk (one UPDATE batch) to stay fast.

ORG_RATING_NOTES = {
    True: ["查阅会议记录和班子分工，履职到位", "实地查看阵地和台账，资料齐全", "走访群众 5 户，评价较好"],
    False: ["班子成员分工不明确，记录缺失", "群众反映问题未及时办理", "年度重点任务未完成"],
}


def _org_ratings(ctx, rng) -> int:
    """The last two full years, the earlier first. The records' window begins eight whole quarters
    before this one, so the year before last has records for its last quarters only (from January
    when the demo is generated in the first quarter): its automatic items say so in their figures."""
    return sum(_org_ratings_of(ctx, rng, year) for year in (ctx.today.year - 2, ctx.today.year - 1))


def _org_ratings_of(ctx, rng, year: int) -> int:
    from .models import OrgRating

    services.propose_org_ratings(None, ctx.root, year)
    county = ctx.users["demo-county"]
    township = ctx.users["demo-township"]
    at = min(_at(date(year + 1, 1, 20)), timezone.now())  # reviewed in January
    latest = year == ctx.today.year - 1
    ratings = list(OrgRating.objects.filter(year=year).select_related("organization").order_by("organization__path"))
    for rating in ratings:
        in_township = rating.organization.path.startswith(ctx.township.path)
        waiting = latest and in_township
        reviewer = township if in_township else county
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
    its members on them since before the records' window, the monthly fulfilment records of the
    months before this one (most fulfilled, a few not, with a note), this month's logged by some
    holders; in the demo branch two requests still waiting. This year's pledges of about four in ten
    members, those past their date checked (most kept, some partly, a few not). Bulk inserts; the
    points are computed afterwards with the rest (from January 2027 these records earn them)."""
    from jiceng.core.tree import SEGMENT

    from .models import Pledge, Post, PostDuty, PostHolding

    today = ctx.today
    this_month = rules.month_start(today)
    first = ctx.first_month
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
