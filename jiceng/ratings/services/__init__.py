"""Every write of ratings: points schemes, the points ledger and claims.

Points are recomputed from their sources (`jiceng.core.point_sources`) month by month:
`recompute_month` asks every source for the month's events of the members, counts them by the
scheme in force (`rules.count_month`) and compares the result, line by line (a line is keyed
by its source and record), with the net of what the ledger already holds. What no longer holds
is reversed, what is new is appended, what is equal is left alone: recomputing twice appends
nothing the second time. The month's totals (`PointsMonth`) change in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DecimalField, PositiveSmallIntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from jiceng.core import audit
from jiceng.core.importing import insert_rows, insert_select, insert_tuples
from jiceng.core.point_sources import registered
from jiceng.core.scoping import require_county_admin, require_level_above, require_manager
from jiceng.members.models import Member

from .. import defaults, rules
from ..models import (
    CLAIM,
    FollowUp,
    MemberStars,
    PointItem,
    PointsClaim,
    PointsEntry,
    PointsMonth,
    PointsScheme,
    PointsYear,
    RatingsSettings,
    RectificationEvent,
    RectificationTask,
    Star,
    StarDecision,
    StarReview,
    WeakOrganization,
)

# Members computed per transaction: each source is asked once per batch, so a county's month is
# one round of queries and a city's seven (docs/performance.md).
BATCH = 50_000
ZERO = Decimal(0)


# ---- schemes ----------------------------------------------------------------------------------


def scheme_for(month: date) -> PointsScheme:
    """The version in force in the month (the default scheme is loaded by migration)."""
    scheme = PointsScheme.objects.filter(valid_from__lte=month).order_by("-valid_from").first()
    if scheme is None:
        scheme = install_defaults()
        if scheme.valid_from > month:
            raise ValidationError(f"{month:%Y年%-m月}没有适用的积分办法")
    return scheme


@transaction.atomic
def install_defaults() -> PointsScheme:
    """The spec's default scheme (ratings/defaults.py), unless a scheme exists."""
    existing = PointsScheme.objects.order_by("valid_from").first()
    if existing is not None:
        return existing
    scheme = PointsScheme.objects.create(valid_from=defaults.VALID_FROM, **defaults.SCHEME)
    PointItem.objects.bulk_create(
        PointItem(
            scheme=scheme,
            code=code,
            name=name,
            source=source,
            category=category,
            points=points,
            cap_month=cap_month,
            cap_year=cap_year,
            order=n,
        )
        for n, (code, name, source, category, points, cap_month, cap_year) in enumerate(defaults.ITEMS)
    )
    return scheme


@transaction.atomic
def new_scheme_version(actor, *, valid_from: date, items: list[dict], **fields) -> PointsScheme:
    """A new version of the scheme from ``valid_from`` (a month's first day, this month or later:
    months already counted keep the version they used). ``items``: dicts of PointItem fields.
    A version not yet in force may be replaced by another from the same month."""
    require_county_admin(actor)
    today = timezone.localdate()
    if valid_from.day != 1:
        raise ValidationError({"valid_from": "积分办法按月起用，请选择某月1日"})
    if valid_from < rules.month_start(today):
        raise ValidationError({"valid_from": "不能追溯修改已计分月份的积分办法，起用月份最早为本月"})
    errors = item_errors(items)
    if errors:
        raise ValidationError({"items": errors})
    same = PointsScheme.objects.select_for_update().filter(valid_from=valid_from).first()
    if same is not None:
        if PointsEntry.objects.filter(item__scheme=same).exists():
            raise ValidationError({"valid_from": "该月起用的版本已用于计分，请选择以后的月份"})
        same.items.all().delete()
        same.delete()
    scheme = PointsScheme.objects.create(valid_from=valid_from, created_by=actor, **fields)
    PointItem.objects.bulk_create(PointItem(scheme=scheme, order=n, **item) for n, item in enumerate(items))
    audit.record(
        actor,
        "create",
        scheme,
        changes={"items": [None, [f"{i['name']} {i['points']}" for i in items]]},
        note=f"积分办法新版本，{valid_from:%Y年%-m月}起用",
    )
    return scheme


def item_errors(items: list[dict]) -> list[str]:
    """What is wrong with a version's items: codes repeated, unknown sources, caps on deductions."""
    errors = []
    sources = registered()
    seen = set()
    for n, item in enumerate(items, start=1):
        if item["code"] in seen:
            errors.append(f"第 {n} 项：代码「{item['code']}」重复")
        seen.add(item["code"])
        if item.get("source") and item["source"] not in sources:
            errors.append(f"第 {n} 项：没有名为「{item['source']}」的计分来源")
        if item["points"] == 0:
            errors.append(f"第 {n} 项「{item['name']}」：分值不能为 0")
        if item["points"] < 0 and (item.get("cap_month") is not None or item.get("cap_year") is not None):
            errors.append(f"第 {n} 项「{item['name']}」：扣分项目不设上限")
    if not items:
        errors.append("至少要有一个积分项目")
    return errors


# ---- the ledger -------------------------------------------------------------------------------


def _rule_item(item: PointItem) -> rules.Item:
    return rules.Item(item.pk, item.code, item.points, item.cap_month, item.cap_year)


def recompute_month(month: date, members: QuerySet | None = None, *, actor=None) -> dict:
    """Bring the ledger of ``month`` up to date for ``members`` (a Member queryset; default: every
    member on record), in batches of members, each in its own transaction. Returns counts."""
    month = rules.month_start(month)
    members = Member.objects.all() if members is None else members
    ids = list(members.order_by("pk").values_list("pk", flat=True))
    totals = {"members": len(ids), "added": 0, "reversed": 0}
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        # The batch as a range of keys within the members asked for: a short subquery for every
        # statement instead of a list of 2,000 ids in each.
        in_batch = members.filter(pk__gte=batch[0], pk__lte=batch[-1]).order_by().values("pk")
        done = _recompute_batch(month, batch, actor, in_batch)
        totals["added"] += done["added"]
        totals["reversed"] += done["reversed"]
    return totals


# A ledger line as `_recompute_batch` writes it (`insert_tuples`): PointsEntry's columns in order.
ENTRY_COLUMNS = [
    "member_id",
    "month",
    "item_id",
    "source",
    "record_id",
    "on",
    "text",
    "raw_points",
    "points",
    "note",
    "reversal",
    "created_by_id",
]
REVERSAL_NOTE = "重新计算：冲销原记分"


@transaction.atomic
def _recompute_batch(month: date, member_ids: list[int], actor, in_batch=None) -> dict:
    """One transaction: the month of the members ``member_ids`` (``in_batch``: the same members
    as a queryset of ids, for the statements)."""
    if in_batch is None:
        in_batch = Member.objects.filter(pk__in=member_ids).values("pk")
    scheme = scheme_for(month)
    last = rules.month_end(month)
    # Lock the members' rows so that two computations of the same month (the nightly job and a
    # claim's approval) queue up; every read below comes after the lock. In key order (not the
    # members' default order by organization and name: a join and a sort for nothing).
    list(Member.objects.select_for_update().filter(pk__in=in_batch).order_by("pk").values_list("pk", flat=True))
    items = list(scheme.items.all())
    by_source = {item.source: item for item in items if item.source}
    by_code = {item.code: item for item in items}
    sources = registered()
    events: dict[int, list[rules.Event]] = defaultdict(list)
    Event = rules.Event
    for code, item in by_source.items():
        source = sources.get(code)
        if source is None:
            continue  # a source whose app is not installed: the item earns nothing
        rule_item = _rule_item(item)
        for member_id, on, record_id, text, quantity in source.events(in_batch, month, last):
            events[member_id].append(Event(rule_item, code, record_id, on, text, quantity))
    claims = PointsClaim.objects.filter(
        member_id__in=in_batch, state=PointsClaim.State.APPROVED, on__gte=month, on__lte=last
    ).values_list("pk", "member_id", "on", "note", "item__code")
    for pk, member_id, on, note, code in claims:
        item = by_code.get(code)
        if item is None or item.source:
            continue  # the item is no longer claimable in this month's version
        events[member_id].append(Event(_rule_item(item), CLAIM, pk, on, f"{item.name}：{note[:200]}"))
    year_before = _year_before(in_batch, month)
    existing = _ledger_net(in_batch, month)
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    new_lines: list[tuple] = []
    reversals = []  # (position in new_lines, the line whose text and date the reversal repeats)
    added = 0
    month_totals = []
    count_month, monthly_cap, no_year = rules.count_month, scheme.monthly_cap, {}
    for member_id in member_ids:
        member_events = events.get(member_id)
        lines = count_month(member_events, monthly_cap, year_before.get(member_id, no_year)) if member_events else []
        have = existing.get(member_id)
        if have is None:  # nothing in the ledger yet (a first computation): every line is new
            for event, raw, pts, note in lines:
                new_lines.append(
                    (
                        member_id,
                        month,
                        event.item.id,
                        event.source,
                        event.record_id,
                        event.on,
                        event.text[:300],
                        raw,
                        pts,
                        note,
                        False,
                        actor_id,
                    )
                )
            added += len(lines)
        else:
            wanted = {(line.event.source, line.event.record_id): line for line in lines}
            for key, (item_id, raw, pts, line_id, _) in have.items():
                line = wanted.get(key)
                if line is not None and (line.event.item.id, line.raw_points, line.points) == (item_id, raw, pts):
                    continue
                if raw == 0 and pts == 0:
                    continue  # already reversed
                reversals.append((len(new_lines), line_id))
                new_lines.append(
                    (member_id, month, item_id, key[0], key[1], None, "", -raw, -pts, REVERSAL_NOTE, True, actor_id)
                )
            for key, line in wanted.items():
                old = have.get(key)
                event = line.event
                if old is not None and (old[0], old[1], old[2]) == (event.item.id, line.raw_points, line.points):
                    continue
                new_lines.append(
                    (
                        member_id,
                        month,
                        event.item.id,
                        key[0],
                        key[1],
                        event.on,
                        event.text[:300],
                        line.raw_points,
                        line.points,
                        line.note,
                        False,
                        actor_id,
                    )
                )
                added += 1
        month_totals.append((member_id, sum((line.points for line in lines), ZERO)))
    if reversals:  # a reversal repeats the text and date of the line it undoes: read for these only
        ids = [line_id for _, line_id in reversals]
        shown = {
            pk: (on, text) for pk, on, text in PointsEntry.objects.filter(pk__in=ids).values_list("pk", "on", "text")
        }
        for position, line_id in reversals:
            row = new_lines[position]
            new_lines[position] = (*row[:5], *shown[line_id], *row[7:])
    insert_tuples(PointsEntry, ENTRY_COLUMNS, new_lines)
    _write_month_totals(month, scheme, month_totals, in_batch)
    return {"added": added, "reversed": len(reversals)}


# Above this many members whose month total changed, a batch's totals are replaced as a whole
# (the batch as a subquery) instead of naming the members in a list of ids.
FEW_CHANGED = 500


def _write_month_totals(month: date, scheme: PointsScheme, totals: list[tuple[int, Decimal]], in_batch) -> None:
    """The batch's month totals (`PointsMonth`, a summary of the ledger) and year rows: a member
    whose total and scheme version are what the month row already says keeps both rows as they
    are (a recomputation that changes nothing writes nothing); the others' rows are replaced."""
    before = {
        m: (pts, scheme_id)
        for m, pts, scheme_id in PointsMonth.objects.filter(month=month, member_id__in=in_batch).values_list(
            "member_id", "points", "scheme_id"
        )
    }
    changed = [(m, pts) for m, pts in totals if before.get(m) != (pts, scheme.pk)]
    if not changed:
        return
    if len(changed) > FEW_CHANGED:
        changed, scope = totals, in_batch
    else:
        scope = [m for m, _ in changed]
    PointsMonth.objects.filter(month=month, member_id__in=scope).delete()
    now = timezone.now()
    insert_tuples(
        PointsMonth,
        ["member_id", "month", "points", "scheme_id", "computed_at"],
        [(m, month, pts, scheme.pk, now) for m, pts in changed],
    )
    rebuild_years(scope, month.year)


POINTS_FIELD = DecimalField(max_digits=9, decimal_places=1)
YEAR_COLUMNS = [PointsYear.through(m) for m in range(1, 13)]


def rebuild_years(members, year: int) -> int:
    """Replace the `PointsYear` rows of ``members`` (ids or a queryset of ids) for ``year`` with
    the running totals of their month totals: one delete and one ``INSERT … SELECT`` that groups
    the month totals in the database (the rows never come to Python). Called wherever month
    totals are written, in the same transaction."""
    PointsYear.objects.filter(member_id__in=members, year=year).delete()
    sums = {
        PointsYear.through(m): Coalesce(
            Sum("points", filter=Q(month__lte=date(year, m, 1))), Value(Decimal(0)), output_field=POINTS_FIELD
        )
        for m in range(1, 13)
    }
    rows = (
        PointsMonth.objects.filter(member_id__in=members, month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
        .values("member_id")
        .annotate(the_year=Value(year, output_field=PositiveSmallIntegerField()), **sums)
        .order_by()
    )
    return insert_select(PointsYear, ["member_id", "year", *YEAR_COLUMNS], rows)


def _ledger_net(member_ids, month) -> dict[int, dict[tuple[str, int], tuple]]:
    """{member: {(source, record): [item of the last forward line, Σ raw, Σ points, that line's
    id, whether it is a reversal]}}: what the ledger holds for each record of the month. A reversal repeats the text and
    date of the line it undoes; they are read only then (`_recompute_batch`)."""
    out: dict[int, dict] = defaultdict(dict)
    rows = PointsEntry.objects.filter(member_id__in=member_ids, month=month).values_list(
        "member_id", "source", "record_id", "item_id", "raw_points", "points", "reversal", "id"
    )
    for member_id, source, record_id, item_id, raw, pts, reversal, line_id in rows.order_by():
        held = out[member_id]
        old = held.get((source, record_id))
        if old is None:
            held[(source, record_id)] = [item_id, raw, pts, line_id, reversal]
            continue
        old[1] += raw
        old[2] += pts
        # The last forward line stands for the record (a reversal keeps the one it undoes); a
        # record with no forward line (never written so) keeps its first line.
        if not reversal and (old[4] or line_id > old[3]):
            old[0], old[3], old[4] = item_id, line_id, False
        elif reversal and old[4] and line_id < old[3]:
            old[0], old[3] = item_id, line_id
    return out


def _year_before(member_ids, month) -> dict[int, dict[str, Decimal]]:
    """Points counted per member and item code in the year's months before ``month``, for the
    items with a yearly cap (the only ones that need them)."""
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    if month.month == 1:
        return out
    capped = list(PointItem.objects.filter(cap_year__isnull=False).values_list("pk", flat=True))
    if not capped:
        return out
    rows = (
        PointsEntry.objects.filter(
            member_id__in=member_ids, month__gte=month.replace(month=1), month__lt=month, item_id__in=capped
        )
        .values_list("member_id", "item_id")
        .annotate(total=Sum("points"))
        .order_by()
    )
    codes = dict(PointItem.objects.values_list("pk", "code"))  # items of every version: a code spans them
    for member_id, item_id, total in rows:
        code = codes[item_id]
        out[member_id][code] = out[member_id].get(code, Decimal(0)) + total
    return out


def recompute_for_organization(actor, organization, month: date) -> dict:
    """A manager brings a month up to date for the members of their subtree (重新计算)."""
    require_manager(actor, organization)
    members = Member.objects.filter(organization.subtree_filter("organization__"))
    result = recompute_month(month, members, actor=actor)
    audit.record(
        actor,
        "update",
        organization,
        note=f"重新计算 {month:%Y年%-m月} 党员积分：{result['members']} 人，新增 {result['added']} 条，冲销 {result['reversed']} 条",
    )
    return result


# ---- claims -----------------------------------------------------------------------------------


@transaction.atomic
def submit_claim(actor, *, member, item: PointItem, on: date, note: str, photos=(), max_photos: int = 6) -> PointsClaim:
    """A member claims points for themself, or a manager for a member of their subtree."""
    if actor.member_id != member.pk:
        require_manager(actor, member.organization)
    if not item.is_claimed:
        raise ValidationError({"item": "该项目由系统根据记录自动计分，无需申报"})
    today = timezone.localdate()
    if on > today:
        raise ValidationError({"on": "发生日期不能晚于今天"})
    if item.scheme_id != scheme_for(rules.month_start(on)).pk:
        raise ValidationError({"item": f"该项目不属于{on:%Y年%-m月}适用的积分办法"})
    if not note.strip():
        raise ValidationError({"note": "请说明事项"})
    claim = PointsClaim.objects.create(member=member, item=item, on=on, note=note.strip(), submitted_by=actor)
    from ..models import ClaimPhoto

    ClaimPhoto.save_uploads(photos, max_photos=max_photos, uploaded_by=actor, claim=claim)
    audit.record(actor, "create", claim, org_path=member.organization.path)
    return claim


@transaction.atomic
def decide_claim(actor, claim: PointsClaim, *, approve: bool, reason: str = "") -> PointsClaim:
    """The branch (or a manager above) approves or rejects a claim; an approved claim counts at
    once (its month is recomputed for the member). Two managers deciding at once: the second is
    refused, the claim is decided once."""
    claim = PointsClaim.objects.select_for_update().select_related("member__organization", "item").get(pk=claim.pk)
    require_manager(actor, claim.member.organization)
    if actor.member_id and actor.member_id == claim.member_id:
        raise ValidationError("不能审核本人的积分申报")
    if claim.state != PointsClaim.State.SUBMITTED:
        raise ValidationError(f"该申报已{claim.get_state_display()}，不能再审核")
    if not approve and not reason.strip():
        raise ValidationError({"reason": "不通过时请写明理由"})
    claim.state = PointsClaim.State.APPROVED if approve else PointsClaim.State.REJECTED
    claim.decided_by, claim.decided_at, claim.reason = actor, timezone.now(), reason.strip()
    claim.revision += 1
    claim.save(update_fields=["state", "decided_by", "decided_at", "reason", "revision", "updated_at"])
    audit.record(
        actor, "update", claim, changes={"state": ["submitted", claim.state]}, org_path=claim.member.organization.path
    )
    if approve:
        _recompute_batch(rules.month_start(claim.on), [claim.member_id], actor)
        _recompute_later_months(claim.member_id, claim.on, actor)
    return claim


def _recompute_later_months(member_id: int, on: date, actor) -> None:
    """Yearly caps: a claim in an earlier month can change what later months of the year count."""
    month = rules.month_start(on)
    for later in PointsMonth.objects.filter(member_id=member_id, month__gt=month, month__year=month.year).values_list(
        "month", flat=True
    ):
        _recompute_batch(later, [member_id], actor)


# ---- member stars (评星定级) --------------------------------------------------------------------


def stars_held(member_ids, before: date | None = None) -> dict[int, set[int]]:
    """The stars each member holds: per star, the result of the latest decided review (of a
    quarter before ``before``, when given)."""
    qs = StarDecision.objects.filter(member_id__in=member_ids, review__state=StarReview.State.DECIDED)
    if before is not None:
        qs = qs.filter(review__quarter__lt=before)
    last: dict[tuple[int, int], str] = {}
    for member_id, star_id, final in qs.order_by("review__quarter", "review_id").values_list(
        "member_id", "star_id", "final"
    ):
        last[(member_id, star_id)] = final
    out: dict[int, set[int]] = defaultdict(set)
    for (member_id, star_id), final in last.items():
        if final in StarDecision.HOLDS:
            out[member_id].add(star_id)
    return out


def category_points(member_ids, quarter: date) -> dict[int, dict[str, Decimal]]:
    """Each member's points of the quarter by category (the items' categories, deductions net)."""
    months = rules.quarter_months(quarter)
    out: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for member_id, category, total in (
        PointsEntry.objects.filter(member_id__in=member_ids, month__gte=months[0], month__lte=months[-1])
        .values_list("member_id", "item__category")
        .annotate(total=Sum("points"))
        .order_by()
    ):
        out[member_id][category] = total
    return out


def review_members(organization) -> QuerySet:
    """The members a branch reviews: its own and its party groups' active members."""
    return Member.objects.filter(
        organization.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES
    ).order_by("organization__path", "name", "pk")


@transaction.atomic
def propose_review(actor, organization, quarter: date) -> StarReview:
    """The platform's proposal for a branch's quarter: for each member and each star, grant,
    keep, remove or nothing, from the quarter's points of the star's category against its
    threshold. Proposing again before the branch decides refreshes it from the latest points."""
    require_manager(actor, organization)
    if not organization.is_branch_like:
        raise ValidationError("评星定级以党支部为单位进行，请选择党支部")
    quarter = rules.quarter_start(quarter)
    if quarter > rules.quarter_start(timezone.localdate()):
        raise ValidationError("不能评定尚未开始的季度")
    review, _ = StarReview.objects.select_for_update().get_or_create(
        organization=organization, quarter=quarter, defaults={"proposed_by": _user(actor)}
    )
    if review.state == StarReview.State.DECIDED:
        raise ValidationError(f"{review.quarter_label}已评定，不能重新生成建议")
    review.decisions.all().delete()
    members = list(review_members(organization).values_list("pk", flat=True))
    stars = list(Star.objects.filter(active=True))
    if not stars:
        raise ValidationError("没有启用的星级，请先在评星设置中启用")
    points = category_points(members, quarter)
    held = stars_held(members, before=quarter)
    rows = []
    for member_id in members:
        for star in stars:
            pts = points.get(member_id, {}).get(star.category, Decimal(0))
            was = star.pk in held.get(member_id, set())
            action = rules.star_proposal(pts, star.threshold, was)
            rows.append(
                {
                    "review_id": review.pk,
                    "member_id": member_id,
                    "star_id": star.pk,
                    "held_before": was,
                    "points": pts,
                    "proposed": action,
                    "decision": action,
                    "final": action,
                }
            )
    insert_rows(StarDecision, rows)
    propose_model_posts(review, members, points)  # 党员示范岗 (posts and pledges section)
    review.proposed_by = _user(actor)
    review.revision += 1
    review.save(update_fields=["proposed_by", "revision", "updated_at"])
    audit.record(actor, "update", review, note=f"生成评星建议：{len(members)} 名党员")
    return review


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _allowed(held_before: bool) -> tuple[str, ...]:
    return (rules.KEEP, rules.REMOVE) if held_before else (rules.GRANT, rules.NONE)


@transaction.atomic
def decide_review(actor, review: StarReview, changes: dict[int, tuple[str, str]] | None = None) -> StarReview:
    """The branch decides: every proposal stands unless ``changes`` ({decision id: (action,
    reason)}) says otherwise, with a reason. Members left with few stars get a talk or a warning
    with a deadline (RatingsSettings)."""
    review = StarReview.objects.select_for_update().select_related("organization").get(pk=review.pk)
    require_manager(actor, review.organization)
    if review.state != StarReview.State.PROPOSED:
        raise ValidationError("本季度已评定")
    changes = changes or {}
    # A proposal stands unless changed: only the changed decisions are read and written (the
    # decision and the result were set to the proposal when it was made).
    decisions = list(review.decisions.filter(pk__in=list(changes)).select_related("member", "star"))
    if len(decisions) != len(changes):
        raise ValidationError("评定的项目不属于本季度本支部")
    errors = []
    for d in decisions:
        action, reason = changes[d.pk]
        if action not in _allowed(d.held_before):
            errors.append(
                f"{d.member.name}「{d.star.name}」：{'已持有的星只能保留或摘除' if d.held_before else '未持有的星只能授予或不授予'}"
            )
            continue
        if action != d.proposed and not reason.strip():
            errors.append(f"{d.member.name}「{d.star.name}」：改变系统建议须写明理由")
            continue
        d.decision = d.final = action
        d.reason = reason.strip() if action != d.proposed else ""
    if errors:
        raise ValidationError(errors)
    StarDecision.objects.bulk_update(decisions, ["decision", "final", "reason"], batch_size=1000)
    review.state = StarReview.State.DECIDED
    review.decided_by, review.decided_at = _user(actor), timezone.now()
    review.revision += 1
    review.save(update_fields=["state", "decided_by", "decided_at", "revision", "updated_at"])
    _follow_ups(review, actor)
    audit.record(actor, "update", review, changes={"state": ["proposed", "decided"]}, note="支部评定星级")
    return review


def _follow_ups(review: StarReview, actor, members=None) -> None:
    """Talks and warnings for the review's members (or ``members``) by the stars they end with."""
    config = RatingsSettings.current()
    counts: dict[int, int] = defaultdict(int)
    qs = review.decisions.all() if members is None else review.decisions.filter(member_id__in=members)
    for member_id, final in qs.values_list("member_id", "final"):
        counts[member_id] += final in StarDecision.HOLDS
    # The members' star counts of the quarter (MemberStars), replaced with the decisions.
    MemberStars.objects.filter(review=review, member_id__in=list(counts)).delete()
    MemberStars.objects.bulk_create(
        [MemberStars(review=review, member_id=m, quarter=review.quarter, stars=n) for m, n in counts.items()],
        batch_size=1000,
    )
    deadline = timezone.localdate() + timedelta(days=config.follow_up_days)
    existing = {f.member_id: f for f in FollowUp.objects.filter(review=review, member_id__in=list(counts))}
    new, gone = [], []
    for member_id, stars in counts.items():
        kind = rules.follow_up_kind(stars, config.talk_at_or_below, config.warning_at_or_below)
        current = existing.get(member_id)
        if kind is None:
            if current is not None and current.done_on is None:
                gone.append(current.pk)
            continue
        if current is None:
            new.append(
                FollowUp(
                    review=review,
                    member_id=member_id,
                    kind=kind,
                    stars=stars,
                    deadline=deadline,
                    recorded_by=_user(actor),
                )
            )
        elif current.done_on is None and (current.kind, current.stars) != (kind, stars):
            current.kind, current.stars = kind, stars
            current.revision += 1
            current.save(update_fields=["kind", "stars", "revision", "updated_at"])
    FollowUp.objects.filter(pk__in=gone).delete()
    FollowUp.objects.bulk_create(new, batch_size=1000)


@transaction.atomic
def overrule(actor, decision: StarDecision, *, action: str, reason: str) -> StarDecision:
    """The level above (a township) changes a branch's decision, with a reason."""
    decision = (
        StarDecision.objects.select_for_update()
        .select_related("review__organization", "member", "star")
        .get(pk=decision.pk)
    )
    review = decision.review
    require_level_above(actor, review.organization, "摘星授星由上级党组织改变，支部不能改变自己的评定")
    if review.state != StarReview.State.DECIDED:
        raise ValidationError("支部尚未评定，不能改变")
    if action not in _allowed(decision.held_before):
        raise ValidationError("已持有的星只能保留或摘除" if decision.held_before else "未持有的星只能授予或不授予")
    if not reason.strip():
        raise ValidationError({"reason": "请写明改变的理由"})
    old = decision.final
    decision.final, decision.overruled_by, decision.overrule_reason = action, actor, reason.strip()
    decision.save(update_fields=["final", "overruled_by", "overrule_reason"])
    _follow_ups(review, actor, members=[decision.member_id])
    audit.record(
        actor,
        "update",
        review,
        changes={"final": [old, action]},
        note=f"上级改变评定：{decision.member.name}「{decision.star.name}」",
    )
    return decision


@transaction.atomic
def record_follow_up(actor, follow_up: FollowUp, *, done_on: date, note: str) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().select_related("review__organization").get(pk=follow_up.pk)
    require_manager(actor, follow_up.review.organization)
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "完成日期不能晚于今天"})
    if not note.strip():
        raise ValidationError({"note": "请写明谈话或警示情况"})
    follow_up.done_on, follow_up.note, follow_up.recorded_by = done_on, note.strip(), actor
    follow_up.revision += 1
    follow_up.save(update_fields=["done_on", "note", "recorded_by", "revision", "updated_at"])
    audit.record(actor, "update", follow_up, org_path=follow_up.review.organization.path, note="记录谈话、警示情况")
    return follow_up


@transaction.atomic
def update_settings(actor, **values) -> RatingsSettings:
    """County admins change the county practice settings of stars [C]."""
    require_county_admin(actor)
    config = RatingsSettings.for_update()
    before = audit.snapshot(config, RatingsSettings.SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in RatingsSettings.SETTINGS_FIELDS:
            raise ValueError(f"不可修改的配置：{name}")
        setattr(config, name, value)
    if config.warning_at_or_below > config.talk_at_or_below:
        raise ValidationError({"warning_at_or_below": "警示星数不能大于谈话提醒星数"})
    for name in RatingsSettings.PERCENT_FIELDS:
        if not 0 <= int(getattr(config, name)) <= 100:
            raise ValidationError({name: "比例应在 0 到 100 之间"})
    config.save()
    changes = audit.diff(before, audit.snapshot(config, RatingsSettings.SETTINGS_FIELDS))
    if changes:
        root_path = actor.organization.path if getattr(actor, "organization", None) else ""
        audit.record(actor, "update", config, changes=changes, org_path=root_path, note="评星定级设置")
    return config


# ---- indices ----------------------------------------------------------------------------------


@transaction.atomic
def compute_fortress(year: int, root=None, *, actor=None) -> int:
    """Compute and store the fortress index of every branch under ``root`` (default: every tree
    of the installation) for ``year``; returns how many branches were stored. A manager may
    compute their own subtree."""
    from jiceng.core.indices import FORTRESS
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    from .. import queries
    from ..models import IndexScore

    if actor is not None:
        require_manager(actor, root)
    today = timezone.localdate()
    roots = [root] if root is not None else list(Organization.objects.filter(parent=None))
    now = timezone.now()
    stored = 0
    for top in roots:
        branches = list(Organization.objects.filter(top.subtree_filter(), type__in=BRANCH_TYPES).order_by("path"))
        rows = queries.compute_index(top, year, today, branches)
        IndexScore.objects.filter(index=FORTRESS, year=year, organization__in=[b.pk for b in branches]).delete()
        insert_rows(
            IndexScore,
            [
                {
                    "index": FORTRESS,
                    "organization_id": row.organization.pk,
                    "year": year,
                    "value": row.index,
                    "parts": [
                        {
                            "code": p.component.code,
                            "name": p.component.name,
                            "explain": p.component.explain,
                            "weight": p.weight,
                            "numerator": str(p.figure.numerator) if p.figure else None,
                            "denominator": str(p.figure.denominator) if p.figure else None,
                            "url": p.figure.url if p.figure else "",
                            "text": p.figure.text if p.figure else "",
                        }
                        for p in row.parts
                    ],
                    "computed_at": now,
                }
                for row in rows
            ],
        )
        stored += len(rows)
    if actor is not None:
        audit.record(actor, "update", root, note=f"计算 {year} 年堡垒指数：{stored} 个党支部")
    return stored


@transaction.atomic
def set_weights(actor, index: str, values: dict[str, int]) -> dict[str, int]:
    """A county admin sets the weights of an index's components (from the next computation)."""
    from jiceng.core.indices import registered

    from ..models import IndexWeight

    require_county_admin(actor)
    components = registered(index)
    unknown = set(values) - set(components)
    if unknown:
        raise ValidationError(f"没有这些组成项：{'、'.join(sorted(unknown))}")
    if any(w < 0 or w > 100 for w in values.values()):
        raise ValidationError("权重应在 0–100 之间")
    if not any(values.get(code, c.default_weight) for code, c in components.items()):
        raise ValidationError("至少要有一项权重大于 0")
    from .. import queries

    before = queries.weights(index)
    for code, weight in values.items():
        IndexWeight.objects.update_or_create(index=index, component=code, defaults={"weight": weight})
    after = queries.weights(index)
    root_path = actor.organization.path if getattr(actor, "organization", None) else ""
    audit.record(
        actor,
        "update",
        None,
        object_type="ratings.IndexWeight",
        object_repr=f"{index} 权重",
        changes={code: [before[code], after[code]] for code in after if before[code] != after[code]},
        org_path=root_path,
    )
    return after


# ---- weak organizations (软弱涣散党组织整顿) ----------------------------------------------------


def propose_weak(user, root, year: int) -> list:
    """The weakest organizations of the subtree by the year's stored fortress index and the
    organization star ratings (`rules.weak_proposal`): those rated one star or none first, then
    the bottom of the index — the county's share (RatingsSettings.weak_share, 10% by default) of
    the organizations with an index or a rating, rounded up. The ratings are the confirmed ones of
    the year, or of the latest earlier year that has confirmed ratings in the subtree (the reason
    says which year). Each row's reason names the index with its two weakest components and the
    rating with its unmet standards. Branches already designated for the year are marked. Not
    stored: a county admin designates. A fixed number of queries whatever the subtree."""
    from django.db.models import Max

    from .. import queries
    from ..models import OrgRating

    rows, _ = queries.fortress(user, root, year, parts=False)
    confirmed = OrgRating.objects.filter(
        root.subtree_filter("organization__"), state=OrgRating.State.CONFIRMED, year__lte=year
    )
    rated_year = confirmed.aggregate(y=Max("year"))["y"]
    stars = dict(confirmed.filter(year=rated_year).values_list("organization_id", "stars")) if rated_year else {}
    candidates = {
        r.organization.pk: rules.WeakCandidate(
            r.organization.pk, r.organization.path, r.index, stars.get(r.organization.pk)
        )
        for r in rows
    }
    chosen = rules.weak_proposal(candidates.values(), RatingsSettings.current().weak_share)
    by_pk = {r.organization.pk: r for r in rows}
    indexed = sum(1 for r in rows if r.index is not None)
    picked = queries.with_parts([by_pk[c.key] for c, _ in chosen], year)
    items = (
        dict(
            OrgRating.objects.filter(year=rated_year, organization__in=[c.key for c, _ in chosen]).values_list(
                "organization_id", "items"
            )
        )
        if rated_year
        else {}
    )
    taken = set(WeakOrganization.objects.filter(year=year).values_list("organization_id", flat=True))
    out = []
    for row, (candidate, why) in zip(picked, chosen, strict=True):
        row.stars, row.rated_year, row.why = candidate.stars, rated_year if candidate.stars is not None else None, why
        row.unmet = _unmet_standards(items.get(row.organization.pk) or [])
        row.reason = _weak_reason(row, year, indexed)
        row.designated = row.organization.pk in taken
        out.append(row)
    return out


def _unmet_standards(items: list[dict]) -> list[str]:
    met = set(rules.standards_met(items))
    names: dict[str, str] = {}
    for item in items:
        names.setdefault(item["standard"], item.get("standard_name", item["standard"]))
    return [name for code, name in names.items() if code not in met]


def _weak_reason(row, year: int, indexed: int) -> str:
    """Why an organization is proposed: the ground (rating or index), the index with its two
    weakest components, and the star rating with its unmet standards."""
    ground = f"星级评定{rules.WEAK_STARS}星及以下" if row.why == rules.BY_RATING else "堡垒指数排名靠后"
    if row.index is None:
        index = f"{year}年堡垒指数未计算"
    else:
        weakest = sorted((p for p in row.parts if p.score is not None), key=lambda p: p.score)[:2]
        index = f"{year}年堡垒指数 {row.index}，排名第 {row.rank}/{indexed}"
        if weakest:
            index += "（" + "，".join(f"{p.component.name} {p.score}：{p.figure.text}" for p in weakest) + "）"
    if row.stars is None:
        rating = "星级评定：未评定（无已确认的评定）"
    else:
        when = f"{row.rated_year}年" + ("" if row.rated_year == year else f"（{year}年尚未确认评定）")
        rating = f"{when}星级评定 {row.stars} 星"
        if row.unmet:
            rating += "，未达标准：" + "、".join(row.unmet)
    return f"入选依据：{ground}。{index}；{rating}"


@transaction.atomic
def designate_weak(
    actor, organization, *, year: int, reason: str, leader: str, proposed: bool = False, index_value=None, **flags
) -> WeakOrganization:
    """A county admin designates an organization weak for the year (with a reason; may add one
    the proposal did not name, or leave a proposed one out)."""
    require_county_admin(actor)
    if not reason.strip():
        raise ValidationError({"reason": "请写明确定为软弱涣散党组织的理由"})
    if not leader.strip():
        raise ValidationError({"leader": "请填写包联领导"})
    if WeakOrganization.objects.filter(organization=organization, year=year).exists():
        raise ValidationError(f"{organization.name} 已确定为 {year} 年软弱涣散党组织")
    from jiceng.core.dates import add_months

    months = RatingsSettings.current().weak_months
    weak = WeakOrganization.objects.create(
        organization=organization,
        year=year,
        reason=reason.strip(),
        leader=leader.strip(),
        proposed=proposed,
        index_value=index_value,
        deadline=add_months(timezone.localdate(), months),
        designated_by=_user(actor),
        **{k: bool(v) for k, v in flags.items() if k in ("weak_organization", "weak_economy", "weak_services")},
    )
    RectificationEvent.objects.create(
        weak=weak,
        kind=RectificationEvent.Kind.STATE,
        text=f"确定为软弱涣散党组织：{reason.strip()}",
        actor=_user(actor),
    )
    audit.record(actor, "create", weak, org_path=organization.path)
    return weak


def _lock_weak(weak) -> WeakOrganization:
    return WeakOrganization.objects.select_for_update().select_related("organization").get(pk=weak.pk)


@transaction.atomic
def add_task(actor, weak, *, measure: str, owner: str, deadline: date) -> RectificationTask:
    weak = _lock_weak(weak)
    require_manager(actor, weak.organization)
    if weak.state not in WeakOrganization.OPEN:
        raise ValidationError("已销号的台账不能再增加任务")
    if not measure.strip() or not owner.strip():
        raise ValidationError("请填写整顿措施和责任人")
    task = RectificationTask.objects.create(weak=weak, measure=measure.strip(), owner=owner.strip(), deadline=deadline)
    audit.record(actor, "create", task, org_path=weak.organization.path, note=f"整顿任务：{task.measure}")
    return task


@transaction.atomic
def complete_task(actor, task, *, done_on: date, result: str) -> RectificationTask:
    task = RectificationTask.objects.select_for_update().select_related("weak__organization").get(pk=task.pk)
    require_manager(actor, task.weak.organization)
    if task.done_on is not None:
        raise ValidationError("该任务已完成")
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": "完成日期不能晚于今天"})
    if not result.strip():
        raise ValidationError({"result": "请写明完成情况"})
    task.done_on, task.result = done_on, result.strip()
    task.revision += 1
    task.save(update_fields=["done_on", "result", "revision", "updated_at"])
    audit.record(actor, "update", task, org_path=task.weak.organization.path, note="整顿任务完成")
    return task


@transaction.atomic
def add_event(actor, weak, *, kind: str, text: str) -> RectificationEvent:
    """A progress note (by the organization's managers), or an interview of the secretary (约谈)
    or a replacement (调整) recorded by the level above."""
    weak = _lock_weak(weak)
    if kind == RectificationEvent.Kind.NOTE:
        require_manager(actor, weak.organization)
    elif kind in (RectificationEvent.Kind.INTERVIEW, RectificationEvent.Kind.REPLACEMENT):
        require_level_above(actor, weak.organization, "约谈、调整书记由上级党组织记录")
    else:
        raise ValidationError("不能直接记录状态变更")
    if not text.strip():
        raise ValidationError({"text": "请填写内容"})
    return RectificationEvent.objects.create(weak=weak, kind=kind, text=text.strip(), actor=_user(actor))


@transaction.atomic
def move_weak(actor, weak, to: str, *, reason: str = "", deadline: date | None = None) -> WeakOrganization:
    """A step of the ledger's states (rules.MOVES says who may take it). Applying for acceptance
    needs every task done; an extension needs a new deadline; acceptance closes the ledger (销号)."""
    weak = _lock_weak(weak)
    who = rules.MOVES.get((weak.state, to))
    if who is None:
        raise ValidationError(
            f"{weak.get_state_display()}的台账不能改为{WeakOrganization.State(to).label if to in WeakOrganization.State.values else to}"
        )
    if who == "county":
        require_county_admin(actor)
    else:
        require_manager(actor, weak.organization)
    if to == rules.APPLIED and weak.tasks.filter(done_on=None).exists():
        raise ValidationError("还有未完成的整顿任务，不能申请销号")
    if to == rules.APPLIED and not weak.tasks.exists():
        raise ValidationError("台账还没有整顿任务，不能申请销号")
    if to == rules.EXTENDED:
        if deadline is None or deadline <= weak.deadline:
            raise ValidationError({"deadline": "延期须给出晚于原期限的新期限"})
        weak.deadline = deadline
    if to in (rules.ACCEPTED, rules.EXTENDED) or (weak.state, to) == (rules.APPLIED, rules.RECTIFYING):
        if not reason.strip():
            raise ValidationError({"reason": "请写明理由"})
    old = weak.state
    weak.state = to
    if to == rules.ACCEPTED:
        weak.closed_by, weak.closed_on = _user(actor), timezone.localdate()
    weak.revision += 1
    weak.save()
    label = WeakOrganization.State(to).label
    RectificationEvent.objects.create(
        weak=weak,
        kind=RectificationEvent.Kind.STATE,
        text=f"{label}{'：' + reason.strip() if reason.strip() else ''}",
        actor=_user(actor),
    )
    audit.record(actor, "update", weak, changes={"state": [old, to]}, org_path=weak.organization.path)
    return weak


# ---- inspections (督查) and accountability (问责) ------------------------------------------------

MAX_INSPECTION_PHOTOS = 6


def _lock_round(round_):
    from ..models import InspectionRound

    return InspectionRound.objects.select_for_update().select_related("organizer").get(pk=round_.pk)


def may_organize_inspections(organizer) -> bool:
    """A township (street, sector) committee, the county or a level above it: a committee (党委)
    not under a village or community. Not a depth: a city's townships are one level deeper than
    a county's."""
    from jiceng.orgs.models import Organization
    from jiceng.orgs.queries import PLACE_DOMAINS

    if organizer.type != Organization.Type.COMMITTEE:
        return False
    return organizer.parent_id is None or organizer.parent.domain not in PLACE_DOMAINS


@transaction.atomic
def create_round(
    actor, organizer, *, name: str, kind: str, starts_on: date, ends_on: date, checklist: list[dict], organizations
):
    """A township or the county (``organizer``, see `may_organize_inspections`) opens an inspection
    round over organizations of its own subtree, with a scored checklist."""
    from ..models import InspectionResult, InspectionRound

    require_manager(actor, organizer)
    if not may_organize_inspections(organizer):
        raise ValidationError(rules.ORGANIZER_RULE)
    if not name.strip():
        raise ValidationError({"name": "请填写督查名称"})
    if kind not in InspectionRound.Kind.values:
        raise ValidationError({"kind": "请选择明察或暗访"})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "结束日期不能早于开始日期"})
    if not checklist:
        raise ValidationError({"checklist": "请至少填写一个评分项目"})
    organizations = list(organizations)
    if not organizations:
        raise ValidationError({"organizations": "请选择被督查的党组织"})
    outside = [o.name for o in organizations if o.pk == organizer.pk or not o.path.startswith(organizer.path)]
    if outside:
        raise ValidationError({"organizations": f"只能督查本组织所属的党组织：{'、'.join(outside)}"})
    round_ = InspectionRound.objects.create(
        organizer=organizer,
        name=name.strip(),
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        checklist=checklist,
        created_by=_user(actor),
    )
    InspectionResult.objects.bulk_create([InspectionResult(round=round_, organization=o) for o in organizations])
    audit.record(actor, "create", round_, org_path=organizer.path, note=f"督查 {len(organizations)} 个党组织")
    return round_


@transaction.atomic
def enter_result(actor, result, *, scores: dict, note: str = "", photos=()):
    """The organizer's inspector enters (or corrects, while the round is open) one organization's
    scores: every checklist item between 0 and its maximum."""
    from ..models import InspectionPhoto, InspectionResult

    round_ = _lock_round(result.round)
    require_manager(actor, round_.organizer)
    result = InspectionResult.objects.select_for_update().select_related("organization").get(pk=result.pk)
    if round_.state != round_.State.OPEN:
        raise ValidationError("督查已结束，结果不能再修改")
    clean = {}
    errors = []
    for item in round_.checklist:
        value = scores.get(item["code"])
        if value in (None, ""):
            errors.append(f"请填写“{item['name']}”的得分")
            continue
        value = Decimal(str(value))
        if value < 0 or value > Decimal(str(item["max"])):
            errors.append(f"“{item['name']}”的得分应在 0–{item['max']} 之间")
            continue
        clean[item["code"]] = str(value)
    if errors:
        raise ValidationError(errors)
    before = (result.scores, str(result.total) if result.total is not None else None)
    result.scores = clean
    result.total = sum((Decimal(v) for v in clean.values()), Decimal(0))
    result.note = note.strip()
    result.inspector = _user(actor)
    result.scored_at = timezone.now()
    result.revision += 1
    result.save()
    InspectionPhoto.save_uploads(
        photos,
        max_photos=MAX_INSPECTION_PHOTOS,
        already=result.photos.count(),
        uploaded_by=_user(actor),
        result=result,
    )
    audit.record(
        actor,
        "update",
        result,
        changes={"total": [before[1], str(result.total)]},
        org_path=result.organization.path,
        note=f"{round_.name}：{result.organization.name} 得分 {result.total}",
    )
    return result


@transaction.atomic
def close_round(actor, round_):
    """The organizer closes the round: results become final, and the bottom-3-twice rule runs
    over the organizer's closed rounds (accountability records are opened once). Returns the
    accountability records this closing opened."""
    round_ = _lock_round(round_)
    require_manager(actor, round_.organizer)
    if round_.state == round_.State.CLOSED:
        raise ValidationError("该督查已结束")
    missing = [r.organization.name for r in round_.results.filter(total=None).select_related("organization")]
    if missing:
        raise ValidationError(f"还有 {len(missing)} 个党组织未评分：{'、'.join(missing[:5])}")
    round_.state = round_.State.CLOSED
    round_.closed_by, round_.closed_at = _user(actor), timezone.now()
    round_.revision += 1
    round_.save()
    audit.record(actor, "update", round_, changes={"state": ["open", "closed"]}, org_path=round_.organizer.path)
    return apply_bottom_rule(round_.organizer)


def apply_bottom_rule(organizer) -> list:
    """Run rules.bottom_three_twice over ``organizer``'s closed rounds (by end date, then closing
    time) and open the accountability records not yet opened. Idempotent."""
    from jiceng.orgs.models import Organization

    from ..models import Accountability, InspectionResult, InspectionRound

    Organization.objects.select_for_update().filter(pk=organizer.pk).first()  # one rule run at a time
    rounds = list(
        InspectionRound.objects.filter(organizer=organizer, state=InspectionRound.State.CLOSED).order_by(
            "ends_on", "closed_at", "pk"
        )
    )
    totals: dict[int, dict[int, Decimal]] = {r.pk: {} for r in rounds}
    for round_id, org_id, total in InspectionResult.objects.filter(round__in=[r.pk for r in rounds]).values_list(
        "round_id", "organization_id", "total"
    ):
        totals[round_id][org_id] = total
    flagged = rules.bottom_three_twice([(r, totals[r.pk]) for r in rounds])
    have = set(
        Accountability.objects.filter(round__in=[r.pk for r in rounds]).values_list("organization_id", "round_id")
    )
    todo = [(org, prev, later) for org, prev, later in flagged if (org, later.pk) not in have]
    orgs = Organization.objects.in_bulk([org for org, _, _ in todo])
    opened = []
    for org_id, prev, later in todo:
        org = orgs[org_id]
        ranks_prev = rules.competition_ranks(totals[prev.pk])
        ranks_later = rules.competition_ranks(totals[later.pk])
        reason = (
            f"在{prev.name}（第{ranks_prev[org_id]}名/共{len(ranks_prev)}个）和"
            f"{later.name}（第{ranks_later[org_id]}名/共{len(ranks_later)}个）中连续排名后三位"
        )
        record = Accountability.objects.create(
            organization=org, round=later, previous=prev, secretary_name=org.secretary_name, reason=reason[:300]
        )
        audit.record(None, "create", record, org_path=org.path, note="连续两次督查排名后三位，启动问责")
        opened.append(record)
    return opened


@transaction.atomic
def handle_accountability(actor, record, *, outcome: str):
    """The organizer's managers record how the accountability was handled (谈话提醒、通报批评、
    调整书记…): open → handled, with the outcome."""
    from ..models import Accountability

    record = (
        Accountability.objects.select_for_update().select_related("round__organizer", "organization").get(pk=record.pk)
    )
    require_manager(actor, record.round.organizer)
    if record.state != Accountability.State.OPEN:
        raise ValidationError("该问责记录已处理")
    if not outcome.strip():
        raise ValidationError({"outcome": "请写明处理结果"})
    record.state = Accountability.State.HANDLED
    record.outcome = outcome.strip()
    record.handled_by, record.handled_at = _user(actor), timezone.now()
    record.revision += 1
    record.save()
    audit.record(actor, "update", record, changes={"state": ["open", "handled"]}, org_path=record.organization.path)
    return record


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------


def _full_or_county(actor) -> bool:
    from jiceng.core.scoping import has_full_scope

    return actor is None or has_full_scope(actor) or bool(getattr(actor, "is_county_admin", False))


@transaction.atomic
def save_org_checklist(actor, *, kind: str, valid_from: int, name: str, text: str, note: str = ""):
    """A county admin writes a version of a kind's checklist, in force from ``valid_from`` (a
    year). Ratings keep the version they used: a version already used by a rating cannot be
    rewritten — write one from a later year instead."""
    from .. import queries
    from ..models import OrgChecklist, OrgRating

    if actor is not None:
        require_county_admin(actor)
    if kind not in OrgChecklist.Kind.values:
        raise ValidationError({"kind": "请选择适用类别"})
    this_year = timezone.localdate().year
    if not 2000 <= valid_from <= this_year + 1:
        raise ValidationError({"valid_from": f"起用年度应在 2000–{this_year + 1} 年之间"})
    if not name.strip():
        raise ValidationError({"name": "请填写标准名称"})
    try:
        standards = rules.parse_org_checklist(text, queries.orgrating_components())
    except ValueError as exc:
        raise ValidationError({"text": str(exc)}) from exc
    existing = OrgChecklist.objects.select_for_update().filter(kind=kind, valid_from=valid_from).first()
    if existing is not None:
        if OrgRating.objects.filter(checklist=existing).exists():
            raise ValidationError(
                {"valid_from": f"{valid_from}年起的版本已用于评定，不能改写；请从以后的年度起制定新版本"}
            )
        before = audit.snapshot(existing, ["name", "standards", "note"])
        existing.name, existing.standards, existing.note = name.strip(), standards, note.strip()
        existing.save()
        audit.record(
            actor,
            "update",
            existing,
            changes=audit.diff(before, audit.snapshot(existing, ["name", "standards", "note"])),
        )
        return existing
    checklist = OrgChecklist.objects.create(
        kind=kind,
        valid_from=valid_from,
        name=name.strip(),
        standards=standards,
        note=note.strip(),
        created_by=_user(actor),
    )
    audit.record(actor, "create", checklist, note=f"{checklist.get_kind_display()}评定标准 {valid_from}年起")
    return checklist


def _rating_items(checklist, org_id: int, figures: dict, before: list[dict] | None) -> list[dict]:
    """Every item of ``checklist`` for one organization: automatic ones from the components'
    figures (as computed now), manual ones (and automatic ones the component could not judge)
    keeping the reviewer's decision of an earlier proposal with the same checklist."""
    kept = {i["code"]: i for i in before or []}
    items = []
    for standard in checklist.standards:
        for item in standard["items"]:
            row = {
                "code": item["code"],
                "standard": standard["code"],
                "standard_name": standard["name"],
                "name": item["name"],
                "mode": item["mode"],
                "component": item["component"],
                "threshold": item["threshold"],
                "value": None,
                "numerator": None,
                "denominator": None,
                "text": "",
                "url": "",
                "passed": None,
                "note": "",
                "scored_by": None,
                "scored_by_name": "",
                "scored_at": "",
            }
            if item["mode"] == rules.AUTO:
                figure = figures.get(item["component"], {}).get(org_id)
                value = figure.value if figure is not None else None
                if value is not None:
                    row.update(
                        value=f"{(value * 100).quantize(Decimal('0.1')):f}",
                        numerator=f"{Decimal(figure.numerator).normalize():f}",
                        denominator=f"{Decimal(figure.denominator).normalize():f}",
                        text=figure.text,
                        url=figure.url,
                        passed=rules.auto_passes(value, item["threshold"]),
                    )
            if row["passed"] is None and kept.get(item["code"], {}).get("scored_by") is not None:
                old = kept[item["code"]]
                for key in ("passed", "note", "scored_by", "scored_by_name", "scored_at"):
                    row[key] = old[key]
            items.append(row)
    return items


@transaction.atomic
def propose_org_ratings(actor, root, year: int) -> int:
    """Compute (or refresh) the year's star ratings of the branches of ``root``'s subtree from the
    records, each on its domain's checklist in force that year. A confirmed rating is left as it
    was; a proposed one is recomputed and keeps the reviewer's scores. Returns how many were
    written."""
    from jiceng.orgs.models import Organization
    from jiceng.orgs.rules import BRANCH_TYPES

    from .. import queries
    from ..models import OrgRating

    if actor is not None:
        require_manager(actor, root)
    today = timezone.localdate()
    if year > today.year:
        raise ValidationError({"year": "不能评定将来的年度"})
    branches = list(Organization.objects.filter(root.subtree_filter(), type__in=BRANCH_TYPES).order_by("path"))
    in_force = queries.org_checklists_in_force(year)
    current = {
        r.organization_id: r
        for r in OrgRating.objects.select_for_update().filter(year=year, organization__in=[b.pk for b in branches])
    }
    todo = [b for b in branches if not (b.pk in current and current[b.pk].state == OrgRating.State.CONFIRMED)]
    needed = {
        item["component"]
        for b in todo
        if (c := in_force.get(rules.checklist_kind(b.domain)))
        for s in c.standards
        for item in s["items"]
        if item["mode"] == rules.AUTO
    }
    components = queries.orgrating_components()
    figures = {code: components[code].compute(root, year, today) for code in sorted(needed) if code in components}
    now = timezone.now()
    new, changed = [], []
    for branch in todo:
        checklist = in_force.get(rules.checklist_kind(branch.domain))
        if checklist is None:
            continue
        rating = current.get(branch.pk)
        before = rating.items if rating is not None and rating.checklist_id == checklist.pk else None
        items = _rating_items(checklist, branch.pk, figures, before)
        if rating is None:
            new.append(
                OrgRating(
                    organization=branch,
                    year=year,
                    checklist=checklist,
                    items=items,
                    stars=rules.count_stars(items),
                    computed_at=now,
                )
            )
        else:
            rating.checklist, rating.items, rating.stars, rating.computed_at = (
                checklist,
                items,
                rules.count_stars(items),
                now,
            )
            rating.revision += 1
            changed.append(rating)
    OrgRating.objects.bulk_create(new, batch_size=1000)
    OrgRating.objects.bulk_update(
        changed, ["checklist", "items", "stars", "computed_at", "revision", "updated_at"], batch_size=1000
    )
    if actor is not None:
        audit.record(actor, "update", root, note=f"计算 {year} 年星级评定：{len(new) + len(changed)} 个党支部")
    return len(new) + len(changed)


def _lock_rating(rating):
    from ..models import OrgRating

    return OrgRating.objects.select_for_update().select_related("organization").get(pk=rating.pk)


def _may_change(actor, rating) -> None:
    from ..models import OrgRating

    require_level_above(actor, rating.organization, "星级评定由上级党组织评审、确认，本组织不能评定自己")
    if rating.state == OrgRating.State.CONFIRMED and not _full_or_county(actor):
        raise ValidationError("评定已确认，只有县委组织部可以改变")


MAX_ORG_RATING_PHOTOS = 6


@transaction.atomic
def score_org_item(actor, rating, code: str, *, passed: bool, note: str, photos=()):
    """The level above scores one item by review (a manual item, or an automatic one whose
    component had nothing to judge), with the evidence; the stars are counted again."""
    from ..models import OrgRatingPhoto

    rating = _lock_rating(rating)
    _may_change(actor, rating)
    item = next((i for i in rating.items if i["code"] == code), None)
    if item is None:
        raise ValidationError("没有这条细则")
    if item["mode"] == rules.AUTO and item["value"] is not None:
        raise ValidationError("这条细则按记录自动计算，不能人工评定")
    if not note.strip():
        raise ValidationError({"note": "请写明评审依据（查看了哪些材料、发现了什么）"})
    old = item["passed"]
    item.update(
        passed=bool(passed),
        note=note.strip()[:500],
        scored_by=actor.pk if actor is not None else None,
        scored_by_name=(actor.get_full_name() or actor.get_username()) if actor is not None else "系统",
        scored_at=timezone.localtime().isoformat(timespec="minutes"),
    )
    rating.stars = rules.count_stars(rating.items)
    rating.revision += 1
    rating.save(update_fields=["items", "stars", "revision", "updated_at"])
    OrgRatingPhoto.save_uploads(
        photos,
        max_photos=MAX_ORG_RATING_PHOTOS,
        already=rating.photos.filter(item=code).count(),
        uploaded_by=_user(actor),
        rating=rating,
        item=code,
    )
    audit.record(
        actor,
        "update",
        rating,
        changes={code: [old, item["passed"]]},
        org_path=rating.organization.path,
        note=f"{rating.year}年星级评定：{item['name']} {'达标' if passed else '未达标'}",
    )
    return rating


@transaction.atomic
def confirm_org_rating(actor, rating):
    """The level above confirms a rating once every item is decided; the stars are final."""
    from ..models import OrgRating

    rating = _lock_rating(rating)
    _may_change(actor, rating)
    if rating.state == OrgRating.State.CONFIRMED:
        raise ValidationError("该评定已确认")
    open_items = [i["name"] for i in rating.items if i["passed"] is None]
    if open_items:
        raise ValidationError(f"还有 {len(open_items)} 条细则未评定：{'、'.join(open_items[:5])}")
    rating.stars = rules.count_stars(rating.items)
    rating.state = OrgRating.State.CONFIRMED
    rating.confirmed_by, rating.confirmed_at = _user(actor), timezone.now()
    rating.revision += 1
    rating.save()
    audit.record(
        actor,
        "update",
        rating,
        changes={"state": ["proposed", "confirmed"]},
        org_path=rating.organization.path,
        note=f"确认 {rating.year} 年星级评定：{rating.stars} 星",
    )
    return rating


@transaction.atomic
def set_org_star_target(actor, percent: int):
    """A county admin sets the county's target share of five-star organizations (percent)."""
    require_county_admin(actor)
    if not 0 <= percent <= 100:
        raise ValidationError({"org_star_target": "目标比例应在 0–100 之间"})
    config = RatingsSettings.for_update()
    old = config.org_star_target
    config.org_star_target = percent
    config.save()
    if old != percent:
        root_path = actor.organization.path if getattr(actor, "organization", None) else ""
        audit.record(
            actor,
            "update",
            config,
            changes={"org_star_target": [old, percent]},
            org_path=root_path,
            note="五星党组织目标比例",
        )
    return config


# ---- posts and pledges (设岗定责、承诺践诺) ------------------------------------------------------
#
# A post's holders are members of the post's organization (or of its party groups). A member asks
# for a post (认岗) and a manager approves, or a manager assigns a member at once; nobody decides
# their own request. Each month the branch records for every holder whether the duties were done
# (a holder may log what they did first); a confirmed fulfilment earns points through the source
# ``ratings.post_duty``. A member's pledges for a year (承诺) are public to the organization; the
# branch checks each (践诺: fulfilled, partly, not) and a kept pledge earns points through
# ``ratings.pledge_kept``. Every confirmation recomputes the member's month at once (and the later
# months of the year, for the yearly caps), like an approved claim.

from ..models import Pledge, Post, PostDuty, PostHolding  # noqa: E402

POST_FIELDS = ["name", "kind", "duties", "capacity", "active"]


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _in_subtree(member, organization) -> bool:
    from jiceng.core.tree import path_upper_bound

    path = member.organization.path
    return organization.path <= path < path_upper_bound(organization.path)


def _recompute_members(month: date, member_ids: list[int], actor) -> None:
    """Recompute ``month`` for the members, and the later months of the year already computed."""
    if not member_ids:
        return
    month = rules.month_start(month)
    _recompute_batch(month, member_ids, actor)
    later = (
        PointsMonth.objects.filter(member_id__in=member_ids, month__gt=month, month__year=month.year)
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    for each in list(later):
        _recompute_batch(each, member_ids, actor)


@transaction.atomic
def create_post(actor, organization, *, name: str, kind: str, duties: str, capacity: int = 1) -> Post:
    require_manager(actor, organization)
    if kind not in Post.Kind.values:
        raise ValidationError({"kind": "请选择岗位类别"})
    if capacity < 1:
        raise ValidationError({"capacity": "定岗人数至少为 1"})
    post = Post.objects.create(
        organization=organization,
        name=_text(name, "name", "请填写岗位名称"),
        kind=kind,
        duties=_text(duties, "duties", "请写明岗位职责"),
        capacity=capacity,
    )
    audit.record(actor, "create", post, org_path=organization.path)
    return post


@transaction.atomic
def update_post(actor, post: Post, **values) -> Post:
    post = Post.objects.select_for_update().select_related("organization").get(pk=post.pk)
    require_manager(actor, post.organization)
    before = audit.snapshot(post, POST_FIELDS)
    for name, value in values.items():
        if name not in POST_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(post, name, value.strip() if isinstance(value, str) else value)
    if not post.name or not post.duties:
        raise ValidationError("请填写岗位名称和岗位职责")
    if post.kind not in Post.Kind.values:
        raise ValidationError({"kind": "请选择岗位类别"})
    taken = post.holdings.filter(state=PostHolding.State.ACTIVE).count()
    if post.capacity < max(1, taken):
        raise ValidationError({"capacity": f"定岗人数不能少于 1，也不能少于在岗人数（{taken} 人）"})
    post.revision += 1
    post.save()
    changes = audit.diff(before, audit.snapshot(post, POST_FIELDS))
    if changes:
        audit.record(actor, "update", post, changes=changes, org_path=post.organization.path)
    return post


def _room(post: Post) -> None:
    taken = post.holdings.filter(state=PostHolding.State.ACTIVE).count()
    if taken >= post.capacity:
        raise ValidationError(f"「{post.name}」定岗 {post.capacity} 人，已满")


def _lock_post(post) -> Post:
    return Post.objects.select_for_update().select_related("organization").get(pk=post.pk)


@transaction.atomic
def request_post(actor, post: Post) -> PostHolding:
    """认岗: a member asks for a post of their organization; a manager decides."""
    post = _lock_post(post)
    member = Member.objects.select_related("organization").filter(pk=actor.member_id).first()
    if member is None:
        raise ValidationError("您的账号没有关联党员档案，不能认岗")
    if not _in_subtree(member, post.organization) or member.status not in Member.ACTIVE_STATUSES:
        raise ValidationError("只能认领本党组织设立的岗位")
    if not post.active:
        raise ValidationError("该岗位已停用")
    if PostHolding.objects.filter(
        post=post, member=member, state__in=(PostHolding.State.REQUESTED, PostHolding.State.ACTIVE)
    ).exists():
        raise ValidationError("您已认领或申请了该岗位")
    _room(post)
    holding = PostHolding.objects.create(post=post, member=member, requested_by=actor)
    audit.record(actor, "create", holding, org_path=post.organization.path, note=f"申请认岗：{post.name}")
    return holding


@transaction.atomic
def assign_post(actor, post: Post, member, *, since: date) -> PostHolding:
    """A manager puts a member of the organization on a post at once (定岗到人)."""
    post = _lock_post(post)
    require_manager(actor, post.organization)
    member = Member.objects.select_related("organization").get(pk=member.pk)
    if not _in_subtree(member, post.organization) or member.status not in Member.ACTIVE_STATUSES:
        raise ValidationError({"member": "只能安排本党组织的在册党员上岗"})
    if not post.active:
        raise ValidationError("该岗位已停用")
    if since > timezone.localdate():
        raise ValidationError({"since": "上岗日期不能晚于今天"})
    if PostHolding.objects.filter(post=post, member=member, state=PostHolding.State.ACTIVE).exists():
        raise ValidationError({"member": f"{member.name} 已在该岗位"})
    _room(post)
    PostHolding.objects.filter(post=post, member=member, state=PostHolding.State.REQUESTED).update(
        state=PostHolding.State.REJECTED, reason="已由支部直接定岗", decided_by=actor
    )
    holding = PostHolding.objects.create(
        post=post, member=member, state=PostHolding.State.ACTIVE, since=since, requested_by=actor, decided_by=actor
    )
    audit.record(actor, "create", holding, org_path=post.organization.path, note=f"定岗：{member.name}·{post.name}")
    return holding


@transaction.atomic
def decide_holding(actor, holding: PostHolding, *, approve: bool, since: date | None = None, reason: str = ""):
    """A manager approves a member's request (from ``since``, default today) or rejects it with a
    reason. Nobody decides their own request; two managers at once decide it once."""
    holding = PostHolding.objects.select_for_update().select_related("post__organization", "member").get(pk=holding.pk)
    post = _lock_post(holding.post)
    require_manager(actor, post.organization)
    if actor.member_id and actor.member_id == holding.member_id:
        raise ValidationError("不能审核本人的认岗申请")
    if holding.state != PostHolding.State.REQUESTED:
        raise ValidationError(f"该申请已{holding.get_state_display()}，不能再审核")
    if approve:
        since = since or timezone.localdate()
        if since > timezone.localdate():
            raise ValidationError({"since": "上岗日期不能晚于今天"})
        _room(post)
        holding.state, holding.since = PostHolding.State.ACTIVE, since
    else:
        holding.state = PostHolding.State.REJECTED
        holding.reason = _text(reason, "reason", "不同意时请写明理由")
    holding.decided_by = actor
    holding.revision += 1
    holding.save()
    audit.record(
        actor, "update", holding, changes={"state": ["requested", holding.state]}, org_path=post.organization.path
    )
    return holding


@transaction.atomic
def end_holding(actor, holding: PostHolding, *, until: date, reason: str) -> PostHolding:
    """离岗: a manager ends a member's holding on a date (with a reason). Months already recorded
    keep their records."""
    holding = PostHolding.objects.select_for_update().select_related("post__organization").get(pk=holding.pk)
    require_manager(actor, holding.post.organization)
    if holding.state != PostHolding.State.ACTIVE:
        raise ValidationError("该党员不在岗")
    if until < holding.since or until > timezone.localdate():
        raise ValidationError({"until": "离岗日期应在上岗日期之后、今天之前"})
    holding.state, holding.until = PostHolding.State.ENDED, until
    holding.reason = _text(reason, "reason", "请写明离岗原因")
    holding.decided_by = actor
    holding.revision += 1
    holding.save()
    audit.record(
        actor, "update", holding, changes={"state": ["active", "ended"]}, org_path=holding.post.organization.path
    )
    return holding


def _duty_month(month: date) -> date:
    month = rules.month_start(month)
    if month > rules.month_start(timezone.localdate()):
        raise ValidationError({"month": "不能记录尚未开始的月份"})
    return month


@transaction.atomic
def log_duty(actor, holding: PostHolding, *, month: date, note: str) -> PostDuty:
    """The holder logs what they did on the post in a month (待确认), for the branch to confirm."""
    holding = PostHolding.objects.select_for_update().select_related("post__organization").get(pk=holding.pk)
    if not actor.member_id or actor.member_id != holding.member_id:
        raise ValidationError("只能填写本人的履岗情况")
    month = _duty_month(month)
    if not holding.held_in(month):
        raise ValidationError({"month": "该月不在岗"})
    note = _text(note, "note", "请写明本月履职情况")
    duty = PostDuty.objects.filter(holding=holding, month=month).first()
    if duty is not None and duty.state != PostDuty.State.LOGGED:
        raise ValidationError("支部已确认该月的履岗情况，不能再修改")
    if duty is None:
        duty = PostDuty.objects.create(holding=holding, month=month, note=note[:300])
    else:
        duty.note = note[:300]
        duty.revision += 1
        duty.save(update_fields=["note", "revision", "updated_at"])
    return duty


def duty_holdings_qs(organization, month: date) -> QuerySet:
    """The holdings of the organization's posts (its subtree's) held for some day of the month,
    in the form's order (a page of them for the pages of an organization with many)."""
    month = rules.month_start(month)
    return (
        PostHolding.objects.filter(
            organization.subtree_filter("post__organization__"),
            state__in=(PostHolding.State.ACTIVE, PostHolding.State.ENDED),
            since__lte=rules.month_end(month),
        )
        .exclude(until__lt=month)
        .select_related("post", "member")
        .order_by("post__name", "post_id", "member__name", "pk")
    )


def duty_holdings(organization, month: date) -> list[PostHolding]:
    return list(duty_holdings_qs(organization, month))


@transaction.atomic
def record_duties(actor, organization, month: date, marks: dict[int, tuple[str, str]]) -> dict:
    """The branch's monthly fulfilment entry (履岗记录), one form for every holder: ``marks`` is
    {holding id: (state, note)} with state 「fulfilled」, 「unfulfilled」 or 「」 (not judged
    yet). A manager does not confirm their own post. The holdings are locked, so two managers
    entering the same month queue; the later entry corrects the earlier (one record per holder
    and month). The members whose points change are recomputed at once."""
    require_manager(actor, organization)
    month = _duty_month(month)
    # Only the holdings marked (a page of the form): a city's form is read a page at a time.
    holdings = {h.pk: h for h in duty_holdings_qs(organization, month).filter(pk__in=list(marks))}
    unknown = set(marks) - set(holdings)
    if unknown:
        raise ValidationError("所填岗位不属于本组织本月的在岗党员")
    list(PostHolding.objects.select_for_update().filter(pk__in=list(marks)).values_list("pk", flat=True))
    existing = {d.holding_id: d for d in PostDuty.objects.filter(holding_id__in=list(marks), month=month)}
    today = timezone.localdate()
    errors, changed_members, new, updated = [], set(), [], []
    for holding_id, (state, note) in marks.items():
        h = holdings[holding_id]
        note = (note or "").strip()[:300]
        if not state:
            continue
        if state not in (PostDuty.State.FULFILLED, PostDuty.State.UNFULFILLED):
            errors.append(f"{h.member.name}「{h.post.name}」：请选择已履职或未履职")
            continue
        if actor.member_id and actor.member_id == h.member_id:
            errors.append(f"{h.member.name}「{h.post.name}」：不能确认本人的履岗情况")
            continue
        if state == PostDuty.State.UNFULFILLED and not note:
            errors.append(f"{h.member.name}「{h.post.name}」：未履职请写明情况")
            continue
        duty = existing.get(holding_id)
        if duty is None:
            new.append(
                PostDuty(
                    holding_id=holding_id, month=month, state=state, note=note, confirmed_on=today, confirmed_by=actor
                )
            )
            changed_members.add(h.member_id)
        elif (duty.state, duty.note) != (state, note or duty.note):
            if duty.state == PostDuty.State.FULFILLED or state == PostDuty.State.FULFILLED:
                changed_members.add(h.member_id)
            duty.state, duty.note = state, note or duty.note
            duty.confirmed_on, duty.confirmed_by = today, actor
            duty.revision += 1
            updated.append(duty)
    if errors:
        raise ValidationError(errors)
    PostDuty.objects.bulk_create(new, batch_size=1000)
    PostDuty.objects.bulk_update(
        updated, ["state", "note", "confirmed_on", "confirmed_by", "revision"], batch_size=1000
    )
    if new or updated:
        audit.record(
            actor,
            "update",
            organization,
            note=f"{month:%Y年%-m月}履岗记录：新增 {len(new)} 条，更正 {len(updated)} 条",
        )
    _recompute_members(month, sorted(changed_members), actor)
    return {"new": len(new), "updated": len(updated)}


@transaction.atomic
def create_pledge(actor, member, *, year: int, content: str, due: date) -> Pledge:
    """承诺: a member makes a pledge for a year (a manager may enter it for a member)."""
    member = Member.objects.select_related("organization").get(pk=member.pk)
    if actor.member_id != member.pk:
        require_manager(actor, member.organization)
    today = timezone.localdate()
    if year < today.year or year > today.year + 1:
        raise ValidationError({"year": "只能填写今年或明年的承诺"})
    if due.year != year:
        raise ValidationError({"due": f"承诺完成日期应在{year}年内"})
    pledge = Pledge.objects.create(
        member=member, year=year, content=_text(content, "content", "请填写承诺事项")[:300], due=due, created_by=actor
    )
    audit.record(actor, "create", pledge, org_path=member.organization.path)
    return pledge


@transaction.atomic
def withdraw_pledge(actor, pledge: Pledge) -> None:
    """A pledge not yet checked may be withdrawn by its member or a manager (with confirmation)."""
    pledge = Pledge.objects.select_for_update().select_related("member__organization").get(pk=pledge.pk)
    if actor.member_id != pledge.member_id:
        require_manager(actor, pledge.member.organization)
    if pledge.state != Pledge.State.PLEDGED:
        raise ValidationError("已核查的承诺不能撤回")
    audit.record(actor, "delete", pledge, org_path=pledge.member.organization.path)
    pledge.delete()


@transaction.atomic
def check_pledge(actor, pledge: Pledge, *, state: str, on: date, note: str) -> Pledge:
    """践诺: the branch checks a pledge — fulfilled, partly or not — with a note, on a date. A
    second check corrects the first (both months are recomputed). Nobody checks their own."""
    pledge = Pledge.objects.select_for_update().select_related("member__organization").get(pk=pledge.pk)
    require_manager(actor, pledge.member.organization)
    if actor.member_id and actor.member_id == pledge.member_id:
        raise ValidationError("不能核查本人的承诺")
    if state not in Pledge.CHECKED:
        raise ValidationError({"state": "请选择已兑现、部分兑现或未兑现"})
    if on > timezone.localdate():
        raise ValidationError({"on": "核查日期不能晚于今天"})
    if on.year < pledge.year:
        raise ValidationError({"on": f"核查日期不能早于{pledge.year}年"})
    note = _text(note, "note", "请写明核查情况")
    old_state, old_on = pledge.state, pledge.checked_on
    pledge.state, pledge.checked_on, pledge.check_note, pledge.checked_by = state, on, note[:300], actor
    pledge.revision += 1
    pledge.save()
    audit.record(
        actor, "update", pledge, changes={"state": [old_state, state]}, org_path=pledge.member.organization.path
    )
    months = sorted({rules.month_start(d) for d in (old_on, on) if d is not None})
    for month in months:
        _recompute_members(month, [pledge.member_id], actor)
    return pledge


# ---- model posts (党员示范岗) --------------------------------------------------------------------
#
# Proposed with the quarter's star review (propose_review calls propose_model_posts), decided with
# it (decide_review_and_model_posts), overruled by the level above like a star.

from ..models import ModelPost  # noqa: E402


def propose_model_posts(review: StarReview, member_ids: list[int], points: dict[int, dict[str, Decimal]]) -> int:
    """Every member of the review ranked by the quarter's points (all categories, deductions net;
    ties by name order of the review's members, then id); the top share of the members
    (RatingsSettings.model_post_share, rounded up) with points above zero is proposed. Replaces
    an earlier proposal of the same review. Returns how many are proposed."""
    totals = {m: sum(points.get(m, {}).values(), Decimal(0)) for m in member_ids}
    order = {m: n for n, m in enumerate(member_ids)}
    ranked = sorted(member_ids, key=lambda m: (-totals[m], order[m]))
    size = rules.proposal_size(len(member_ids), RatingsSettings.current().model_post_share)
    chosen = {m for m in ranked[:size] if totals[m] > 0}
    ModelPost.objects.filter(review=review).delete()
    rows, rank, previous = [], 0, None
    for n, member_id in enumerate(ranked, start=1):
        if totals[member_id] != previous:
            rank, previous = n, totals[member_id]
        yes = member_id in chosen
        rows.append(
            {
                "review_id": review.pk,
                "member_id": member_id,
                "points": totals[member_id],
                "rank": rank,
                "proposed": yes,
                "decision": yes,
                "final": yes,
            }
        )
    insert_rows(ModelPost, rows)
    return len(chosen)


@transaction.atomic
def decide_review_and_model_posts(
    actor, review: StarReview, changes: dict | None = None, model_changes: dict[int, tuple[bool, str]] | None = None
) -> StarReview:
    """The branch decides the quarter: the stars (``changes``, see decide_review) and the model
    posts (``model_changes``: {ModelPost id: (chosen, reason)}; a change of the proposal needs a
    reason)."""
    locked = StarReview.objects.select_for_update().select_related("organization").get(pk=review.pk)
    require_manager(actor, locked.organization)
    if locked.state != StarReview.State.PROPOSED:
        raise ValidationError("本季度已评定")
    model_changes = model_changes or {}
    rows = list(locked.model_posts.filter(pk__in=list(model_changes)).select_related("member"))
    if len(rows) != len(model_changes):
        raise ValidationError("评定的示范岗不属于本季度本支部")
    errors = []
    for row in rows:
        chosen, reason = model_changes[row.pk]
        if chosen != row.proposed and not reason.strip():
            errors.append(f"{row.member.name}「党员示范岗」：改变系统建议须写明理由")
            continue
        row.decision = row.final = chosen
        row.reason = reason.strip() if chosen != row.proposed else ""
    if errors:
        raise ValidationError(errors)
    ModelPost.objects.bulk_update(rows, ["decision", "final", "reason"], batch_size=1000)
    return decide_review(actor, locked, changes)


@transaction.atomic
def overrule_model_post(actor, row: ModelPost, *, chosen: bool, reason: str) -> ModelPost:
    """The level above changes a branch's model-post decision afterwards, with a reason."""
    row = ModelPost.objects.select_for_update().select_related("review__organization", "member").get(pk=row.pk)
    review = row.review
    require_level_above(actor, review.organization, "党员示范岗由上级党组织改变，支部不能改变自己的评定")
    if review.state != StarReview.State.DECIDED:
        raise ValidationError("支部尚未评定，不能改变")
    if not reason.strip():
        raise ValidationError({"reason": "请写明改变的理由"})
    old = row.final
    row.final, row.overruled_by, row.overrule_reason = chosen, actor, reason.strip()
    row.save(update_fields=["final", "overruled_by", "overrule_reason"])
    audit.record(
        actor, "update", review, changes={"model_post": [old, chosen]}, note=f"上级改变示范岗评定：{row.member.name}"
    )
    return row


# ---- the vanguard index (先锋指数) -----------------------------------------------------------------


@transaction.atomic
def compute_vanguard(year: int, root=None, *, actor=None) -> int:
    """Compute and store the vanguard index of every active member under ``root`` (default: every
    tree of the installation) for ``year``; returns how many members were stored. A manager may
    compute their own subtree. Like the fortress index: each component a figure with its link, a
    component that cannot judge a member left out and the others weighted over their weights."""
    from jiceng.core.indices import VANGUARD, registered
    from jiceng.orgs.models import Organization

    from .. import queries
    from ..models import MemberIndexScore

    if actor is not None:
        require_manager(actor, root)
    today = timezone.localdate()
    roots = [root] if root is not None else list(Organization.objects.filter(parent=None))
    components = registered(VANGUARD)
    weight = queries.weights(VANGUARD)
    now = timezone.now()
    stored = 0
    for top in roots:
        members = list(
            Member.objects.filter(top.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES)
            .order_by("pk")
            .values_list("pk", "organization_id")
        )
        figures = {code: c.compute(top, year, today) for code, c in components.items()}
        rows = []
        for member_id, org_id in members:
            parts = [queries.IndexPart(c, weight[code], figures[code].get(member_id)) for code, c in components.items()]
            rows.append(
                {
                    "index": VANGUARD,
                    "member_id": member_id,
                    "organization_id": org_id,
                    "year": year,
                    "value": queries.weighted(parts),
                    "parts": [
                        {
                            "code": p.component.code,
                            "name": p.component.name,
                            "explain": p.component.explain,
                            "weight": p.weight,
                            "numerator": str(p.figure.numerator) if p.figure else None,
                            "denominator": str(p.figure.denominator) if p.figure else None,
                            "url": p.figure.url if p.figure else "",
                            "text": p.figure.text if p.figure else "",
                        }
                        for p in parts
                    ],
                    "computed_at": now,
                }
            )
        # The subtree's rows as stored, and its members' rows stored under another organization.
        in_subtree = Member.objects.filter(top.subtree_filter("organization__")).values("pk")
        MemberIndexScore.objects.filter(index=VANGUARD, year=year).filter(
            top.subtree_filter("organization__") | Q(member__in=in_subtree)
        ).delete()
        insert_rows(MemberIndexScore, rows)
        stored += len(rows)
    if actor is not None:
        audit.record(actor, "update", root, note=f"计算 {year} 年先锋指数：{stored} 名党员")
    return stored
