"""Every write of the secretaries' annual report and appraisal (书记抓基层党建述职评议考核).

Kept beside `services.py` in a module of its own so the feature reads in one place. A round
belongs to its organizer (the county, or a township); its managers create it, add the
reviewers, enter paper votes and close it. Each reportee secretary files and submits their own
report; submitting freezes the organization's figures (`appraisal_figures.figures_for`). Each
reviewer votes once per secretary inside the voting window; a vote is final (like a paper
ballot; the unique constraint and the row lock of the report keep it once). Closing stores every
report's tally and grade; a closed round is read-only.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.notifications import notify
from jiceng.core.scoping import in_scope, require_manager
from jiceng.orgs.models import Organization
from jiceng.orgs.rules import BRANCH_TYPES

from .. import appraisal_figures, rules
from ..models import AppraisalReport, AppraisalReviewer, AppraisalRound, AppraisalVote

CLOSED = "本轮述职评议已结束，记录只读"
RULE_FIELDS = ("good_at_least", "fair_at_least", "poor_over")
SECTIONS = ("work_done", "problems", "causes", "plans")
MANAGER_ROLES = ("county_admin", "township_admin", "branch_secretary")


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def post_of(org: Organization) -> str:
    return {
        "committee": "党委书记",
        "general_branch": "党总支书记",
    }.get(org.type, "党支部书记" if org.type in BRANCH_TYPES else "书记")


def default_reportees(organizer: Organization) -> list[Organization]:
    """The organizer's direct children that are party organizations with a secretary of their
    own (party groups have a leader, not a secretary)."""
    return list(Organization.objects.filter(parent=organizer).exclude(type="group").order_by("path"))


def secretary_accounts(orgs: list[Organization]) -> dict[int, object]:
    """The account that files each organization's report: a managing account of that very
    organization whose name (display name or linked member's name) is the recorded secretary's
    (`Organization.secretary_name`), else its first managing account. One query."""
    found: dict[int, object] = {}
    names = {o.pk: o.secretary_name for o in orgs}
    users = (
        get_user_model()
        .objects.filter(organization__in=list(names), role__in=MANAGER_ROLES, is_active=True)
        .select_related("member")
        .order_by("pk")
    )
    for u in users:
        name = names[u.organization_id]
        matches = bool(name) and name in (u.display_name, getattr(u.member, "name", None))
        if u.organization_id not in found or (matches and not getattr(found[u.organization_id], "_matches", False)):
            u._matches = matches
            found[u.organization_id] = u
    return found


@transaction.atomic
def create_round(
    actor,
    organizer: Organization,
    *,
    year: int,
    vote_from: date,
    vote_until: date,
    organizations: list[Organization] | None = None,
    **rule,
) -> AppraisalRound:
    """The organizer's managers open the year's round; the reportees are the secretaries of
    `organizations` in the organizer's subtree (default: its direct children)."""
    require_manager(actor, organizer)
    if vote_until < vote_from:
        raise ValidationError({"vote_until": "测评截止日期不能早于开始日期"})
    if AppraisalRound.objects.filter(organizer=organizer, year=year).exists():
        raise ValidationError(f"{organizer.name} 已有 {year} 年度的述职评议")
    orgs = default_reportees(organizer) if organizations is None else list(organizations)
    if not orgs:
        raise ValidationError("没有可述职的下级党组织：请先在组织架构中建立下级党组织")
    for org in orgs:
        if org.pk == organizer.pk or not (organizer.path < org.path < organizer.path_end):
            raise ValidationError(f"{org.name} 不是 {organizer.name} 的下级党组织")
    fields = {**county_rule(), **{k: int(v) for k, v in rule.items() if k in RULE_FIELDS and v is not None}}
    for name, value in fields.items():
        if not 0 <= value <= 100:
            raise ValidationError({name: "比例应在 0 到 100 之间"})
    round_ = AppraisalRound.objects.create(
        organizer=organizer,
        year=year,
        vote_from=vote_from,
        vote_until=vote_until,
        created_by=_user(actor),
        **fields,
    )
    accounts = secretary_accounts(orgs)
    AppraisalReport.objects.bulk_create(
        [
            AppraisalReport(
                round=round_,
                organization=org,
                secretary_name=org.secretary_name or "（未登记书记）",
                post=post_of(org),
                secretary_user=accounts.get(org.pk),
            )
            for org in orgs
        ]
    )
    audit.record(actor, "create", round_, org_path=organizer.path, note=f"述职单位 {len(orgs)} 个")
    for report in round_.reports.filter(secretary_user__isnull=False).select_related("secretary_user", "organization"):
        _notify_secretary(
            report,
            title=f"请提交 {year} 年度抓基层党建工作述职报告",
            body=f"{organizer.name}已开展 {year} 年度书记述职评议，测评时间 {_day(vote_from)} 至 {_day(vote_until)}，"
            "请在测评开始前提交述职报告，工作数据在提交时自动附带。",
            key="open",
        )
    return round_


def county_rule() -> dict[str, int]:
    """The county's default grade rule (考核评价设置), which a new round starts from."""
    from ..models import RatingsSettings

    config = RatingsSettings.current()
    return {name: getattr(config, f"appraisal_{name}") for name in RULE_FIELDS}


def _day(d: date) -> str:
    return f"{d:%Y年%-m月%-d日}"


def _notify_secretary(report, *, title: str, body: str, key: str) -> bool:
    """A notice to the secretary's account of the report (none when no account was found: the
    organizer's staff see the report's state on the round's page). True when newly stored."""
    if report.secretary_user_id is None:
        return False
    _, created = notify(
        report.secretary_user,
        kind="ratings_appraisal",
        title=title,
        body=body,
        key=f"ratings:appraisal:{report.round_id}:report:{report.pk}:{key}",
        url=reverse("ratings:appraisal_report", args=[report.pk]),
        org_path=report.organization.path,
    )
    return created


def _lock_round(round_) -> AppraisalRound:
    locked = AppraisalRound.objects.select_for_update().select_related("organizer").get(pk=round_.pk)
    if not locked.is_open:
        raise ValidationError(CLOSED)
    return locked


def _lock_report(report) -> AppraisalReport:
    """The round's row first, then the report's: every writer locks in that order (closing
    locks the round, then its reports), so a vote and the closing queue instead of deadlocking."""
    round_ = _lock_round(AppraisalRound(pk=report.round_id))
    locked = AppraisalReport.objects.select_for_update(of=("self",)).select_related("organization").get(pk=report.pk)
    locked.round = round_
    return locked


@transaction.atomic
def add_reviewer(actor, round_, user) -> AppraisalReviewer:
    """A manager of the organizer adds an account of the organizer's subtree as a reviewer."""
    round_ = _lock_round(round_)
    require_manager(actor, round_.organizer)
    if user is None or not user.is_active or (actor is not None and not in_scope(actor, user)):
        raise ValidationError("评议人须为本组织范围内的有效账号")
    reviewer, created = AppraisalReviewer.objects.get_or_create(
        round=round_, user=user, defaults={"added_by": _user(actor)}
    )
    if not created:
        raise ValidationError(f"{user} 已是本轮评议人")
    audit.record(actor, "create", reviewer, org_path=round_.organizer.path, note=f"评议人 {user}")
    notify(
        user,
        kind="ratings_appraisal",
        title=f"请参加{round_.organizer.name} {round_.year} 年度书记述职评议测评",
        body=f"测评时间 {_day(round_.vote_from)} 至 {_day(round_.vote_until)}，每位书记投一票，投出后不能更改。",
        key=f"ratings:appraisal:{round_.pk}:reviewer",
        url=reverse("ratings:appraisal_vote", args=[round_.pk]),
        org_path=round_.organizer.path,
    )
    return reviewer


def can_file(user, report) -> bool:
    """Only the secretary files their report: the account recorded for it, or, when none was
    found, a managing account of that very organization."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if report.secretary_user_id is not None:
        return report.secretary_user_id == user.pk
    return user.organization_id == report.organization_id and user.role in MANAGER_ROLES


@transaction.atomic
def save_report(actor, report, *, submit: bool = False, **sections) -> AppraisalReport:
    """The secretary writes the report; `submit` freezes it with the organization's figures of
    the year as they are now. A submitted report is not changed."""
    report = _lock_report(report)
    if not can_file(actor, report):
        raise PermissionDenied("只有述职书记本人可以填写述职报告")
    if report.state == AppraisalReport.State.SUBMITTED:
        raise ValidationError("述职报告已提交，不能再修改")
    for name in SECTIONS:
        if name in sections:
            setattr(report, name, (sections[name] or "").strip())
    if submit:
        missing = [AppraisalReport._meta.get_field(n).verbose_name for n in SECTIONS if not getattr(report, n)]
        if missing:
            raise ValidationError("提交前请填写：" + "、".join(missing))
        report.state = AppraisalReport.State.SUBMITTED
        report.submitted_at = timezone.now()
        report.figures = appraisal_figures.figures_for(report.organization, report.round.year, timezone.localdate())
    report.save()
    audit.record(
        actor, "update", report, org_path=report.organization.path, note="提交述职报告" if submit else "保存述职报告"
    )
    return report


def has_votes(report) -> bool:
    """Any vote on the report, online or on paper."""
    paper = sum(getattr(report, f"paper_{g}") for g in rules.GRADES)
    return bool(paper) or AppraisalVote.objects.filter(report=report).exists()


@transaction.atomic
def return_report(actor, report, *, reason: str) -> AppraisalReport:
    """The organizer's staff return a submitted report to its secretary (退回修改) with a reason,
    while the round is open and before any vote on it, online or on paper: a vote is cast on the
    report as submitted, so a report with votes stays as it is. The report is a draft again; its
    figures are frozen anew when it is submitted again."""
    report = _lock_report(report)
    require_manager(actor, report.round.organizer)
    if report.state != AppraisalReport.State.SUBMITTED:
        raise ValidationError("该述职报告尚未提交，无需退回")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请写明退回原因，书记将看到"})
    if has_votes(report):
        raise ValidationError(
            "已有评议票（网上或纸质），述职报告不能退回：投票针对提交的报告，退回会使已投的票失去依据"
        )
    report.state = AppraisalReport.State.DRAFT
    report.returned_at = timezone.now()
    report.returned_by = _user(actor)
    report.returned_reason = reason.strip()[:500]
    report.submitted_at = None
    report.figures = []
    report.save()
    audit.record(
        actor, "update", report, org_path=report.organization.path, note=f"退回述职报告：{report.returned_reason}"
    )
    _notify_secretary(
        report,
        title=f"{report.round.year} 年度述职报告被退回，请修改后重新提交",
        body=f"退回原因：{report.returned_reason}",
        key=f"returned:{report.returned_at:%Y%m%d%H%M%S%f}",
    )
    return report


# Reminders go out this many days before the last voting day (the daily job ratings.appraisal).
REMIND_DAYS = 3


def remind_before_close(today: date) -> int:
    """Remind, once per round, the secretaries whose report is still a draft and the reviewers who
    have not voted on every submitted report, when an open round's last voting day is within
    `REMIND_DAYS`. Returns the number of notices newly stored."""
    rounds = list(
        AppraisalRound.objects.filter(
            state=AppraisalRound.State.OPEN, vote_until__gte=today, vote_until__lte=today + timedelta(days=REMIND_DAYS)
        ).select_related("organizer")
    )
    sent = 0
    for round_ in rounds:
        until = _day(round_.vote_until)
        for report in round_.reports.filter(
            state=AppraisalReport.State.DRAFT, secretary_user__isnull=False
        ).select_related("secretary_user", "organization"):
            sent += _notify_secretary(
                report,
                title=f"{round_.year} 年度述职报告尚未提交，测评 {until} 截止",
                body="请尽快填写并提交述职报告；截止后仍未提交的，评议人无法对您测评。",
                key="remind",
            )
        submitted = set(round_.reports.filter(state=AppraisalReport.State.SUBMITTED).values_list("pk", flat=True))
        if not submitted:
            continue
        voted = Counter(
            AppraisalVote.objects.filter(report_id__in=submitted).values_list("reviewer_id", flat=True).order_by()
        )
        for reviewer in round_.reviewers.select_related("user"):
            missing = len(submitted) - voted.get(reviewer.user_id, 0)
            if missing <= 0 or not reviewer.user.is_active:
                continue
            _, created = notify(
                reviewer.user,
                kind="ratings_appraisal",
                title=f"述职评议测评 {until} 截止，您还有 {missing} 位书记未测评",
                body=f"{round_.organizer.name} {round_.year} 年度书记述职评议，请在截止前完成测评。",
                key=f"ratings:appraisal:{round_.pk}:reviewer:remind",
                url=reverse("ratings:appraisal_vote", args=[round_.pk]),
                org_path=round_.organizer.path,
            )
            sent += created
    return sent


def is_reviewer(user, round_) -> bool:
    return (
        bool(getattr(user, "is_authenticated", False))
        and AppraisalReviewer.objects.filter(round=round_, user=user).exists()
    )


@transaction.atomic
def cast_vote(actor, report, grade: str) -> AppraisalVote:
    """A reviewer's vote on a submitted report, once, inside the voting window."""
    report = _lock_report(report)
    if not is_reviewer(actor, report.round):
        raise PermissionDenied("您不是本轮述职评议的评议人")
    if grade not in rules.GRADES:
        raise ValidationError("请选择 好、较好、一般 或 差")
    today = timezone.localdate()
    if not report.round.vote_from <= today <= report.round.vote_until:
        raise ValidationError(
            f"测评时间为 {report.round.vote_from:%Y年%-m月%-d日} 至 {report.round.vote_until:%Y年%-m月%-d日}"
        )
    if report.state != AppraisalReport.State.SUBMITTED:
        raise ValidationError("该书记尚未提交述职报告，暂不能测评")
    try:
        with transaction.atomic():
            vote = AppraisalVote.objects.create(report=report, reviewer=actor, grade=grade)
    except IntegrityError as exc:
        raise ValidationError("您已对该书记投过票，每人只能投一次，投出后不能更改") from exc
    return vote


@transaction.atomic
def record_paper_votes(actor, report, counts: dict) -> AppraisalReport:
    """Staff of the organizer enter the paper ballots' counts per grade (audited)."""
    report = _lock_report(report)
    require_manager(actor, report.round.organizer)
    before = {g: getattr(report, f"paper_{g}") for g in rules.GRADES}
    for g in rules.GRADES:
        try:
            value = int(counts.get(g, 0) or 0)
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"「{rules.GRADE_LABELS[g]}」票数应为整数") from exc
        if value < 0:
            raise ValidationError(f"「{rules.GRADE_LABELS[g]}」票数不能为负数")
        setattr(report, f"paper_{g}", value)
    report.save()
    after = {g: getattr(report, f"paper_{g}") for g in rules.GRADES}
    audit.record(actor, "update", report, org_path=report.round.organizer.path, changes={"纸质票": [before, after]})
    return report


def online_counts(reports) -> dict[int, dict[str, int]]:
    """{report id: {grade: online votes}} in one query."""
    out: dict[int, dict[str, int]] = {}
    for report_id, grade, n in (
        AppraisalVote.objects.filter(report__in=reports)
        .values_list("report_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out.setdefault(report_id, {})[grade] = n
    return out


def tally_of(report, online: dict[str, int]) -> rules.Tally:
    counts = {g: online.get(g, 0) + getattr(report, f"paper_{g}") for g in rules.GRADES}
    r = report.round
    return rules.appraisal_tally(
        counts, good_at_least=r.good_at_least, fair_at_least=r.fair_at_least, poor_over=r.poor_over
    )


@transaction.atomic
def close_round(actor, round_) -> AppraisalRound:
    """Closing keeps every report's result (counts per grade, 满意率, grade); then read-only."""
    round_ = _lock_round(round_)
    require_manager(actor, round_.organizer)
    reports = list(round_.reports.select_for_update())
    online = online_counts([r.pk for r in reports])
    for report in reports:
        report.round = round_
        t = tally_of(report, online.get(report.pk, {}))
        report.good, report.fair, report.average, report.poor = (t.counts[g] for g in rules.GRADES)
        report.satisfaction = t.satisfaction
        report.grade = t.grade
    AppraisalReport.objects.bulk_update(reports, ["good", "fair", "average", "poor", "satisfaction", "grade"])
    round_.state = AppraisalRound.State.CLOSED
    round_.closed_at = timezone.now()
    round_.closed_by = _user(actor)
    round_.save()
    audit.record(actor, "update", round_, org_path=round_.organizer.path, note="结束述职评议，保存评议结果")
    return round_


# ---- reads shared by the pages, the exports and the API ------------------------------------


def stored_tally(report) -> rules.Tally:
    counts = {g: getattr(report, g) or 0 for g in rules.GRADES}
    return rules.Tally(counts, sum(counts.values()), report.satisfaction, report.grade)


def results(round_, reports=None) -> list[tuple[AppraisalReport, rules.Tally]]:
    """Each report of the round with its tally: the kept result once the round is closed, the
    running count (online and paper votes) while it is open. Two queries."""
    if reports is None:
        reports = list(round_.reports.select_related("organization", "round__organizer"))
    if not round_.is_open:
        return [(r, stored_tally(r)) for r in reports]
    online = online_counts([r.pk for r in reports])
    return [(r, tally_of(r, online.get(r.pk, {}))) for r in reports]


def votes_of(user, reports) -> dict[int, str]:
    """{report id: grade} of the user's own votes. One query."""
    return dict(AppraisalVote.objects.filter(reviewer=user, report__in=reports).values_list("report_id", "grade"))


def reports_to_file(user):
    """The reports the user files (open rounds first)."""
    if not getattr(user, "is_authenticated", False):
        return AppraisalReport.objects.none()
    mine = Q(secretary_user=user)
    if user.role in MANAGER_ROLES and user.organization_id:
        mine |= Q(secretary_user__isnull=True, organization_id=user.organization_id)
    return AppraisalReport.objects.filter(mine).select_related("round__organizer", "organization")


def rounds_reviewed_by(user):
    if not getattr(user, "is_authenticated", False):
        return AppraisalRound.objects.none()
    return AppraisalRound.objects.filter(reviewers__user=user).select_related("organizer")


def results_of_rounds(rounds) -> dict[int, list[tuple[AppraisalReport, rules.Tally]]]:
    """`results` for several rounds in two queries (the API)."""
    by_round: dict[int, list] = {r.pk: [] for r in rounds}
    reports = list(AppraisalReport.objects.filter(round__in=list(by_round)).select_related("organization"))
    rounds_by_pk = {r.pk: r for r in rounds}
    for report in reports:
        report.round = rounds_by_pk[report.round_id]
    open_ids = [r.pk for r in reports if r.round.is_open]
    online = online_counts(open_ids) if open_ids else {}
    for report in reports:
        tally = tally_of(report, online.get(report.pk, {})) if report.round.is_open else stored_tally(report)
        by_round[report.round_id].append((report, tally))
    for rows in by_round.values():
        rows.sort(key=lambda pair: pair[0].organization.path)
    return by_round
