"""Member stars pages: the quarter's reviews of the branches in scope, a branch's review (the
proposal, the branch's decisions, the township's overruling, talks and warnings)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from jiceng.core import pages, params, xlsx
from jiceng.core.scoping import (
    can_manage,
    can_review,
    get_visible_or_404,
    has_full_scope,
    page_root,
    require_county_admin,
    require_staff,
    visible,
)

from .. import queries, services
from ..forms import SettingsForm
from ..models import FollowUp, RatingsSettings, StarDecision, StarReview
from .points import STAFF_ONLY, crumbs, year_of, years_offered


@login_required
def overview(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    quarter = queries.quarter_of(request.GET.get("quarter"), today)
    rows, n_stars = queries.star_overview(request.user, root, quarter)
    decided = [r for r in rows if r.review is not None and r.review.state == StarReview.State.DECIDED]
    members = sum(r.members for r in decided)
    full = sum(r.full for r in decided)
    config = RatingsSettings.current()
    decided_ids = {r.review.pk for r in decided}
    model_posts = queries.model_post_counts(decided_ids)  # 党员示范岗
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "quarter": quarter,
        "quarter_code": queries.quarter_code(quarter),
        "quarters": queries.quarters_offered(today),
        "rows": rows,
        "n_stars": n_stars,
        "star_range": range(n_stars + 1),
        "decided": len(decided),
        "members": members,
        "full": full,
        "full_share": round(100 * full / members, 1) if members else None,
        "target": config.top_share_target,
        "model_posts": sum(model_posts.values()),
        "active_nav": "ratings-stars",
    }
    # The totals above are the subtree's; the table shows 50 branches a page (a city has 10,000).
    context.update(pages.paginate(request, rows))
    for row in context["rows"]:
        in_decided = row.review is not None and row.review.pk in decided_ids
        row.model_posts = model_posts.get(row.review.pk, 0) if in_decided else None
        row.can_propose = can_manage(request.user, row.organization) and (
            row.review is None or row.review.state == StarReview.State.PROPOSED
        )
    return render(request, "ratings/stars.html", context)


@login_required
@require_POST
def propose(request):
    require_staff(request.user, STAFF_ONLY)
    org = page_root(request, posted=True)
    quarter = queries.quarter_of(request.POST.get("quarter"), timezone.localdate())
    return pages.button_action(
        request,
        lambda: services.propose_review(request.user, org, quarter),
        success="已按积分生成评星建议，请支部逐人评定",
        to=lambda review: reverse("ratings:star_review", args=[review.pk]),
        back=f"{reverse('ratings:stars')}?org={org.pk}&quarter={queries.quarter_code(quarter)}",
    )


@login_required
def review(request, pk):
    require_staff(request.user, STAFF_ONLY)
    review = get_visible_or_404(request.user, StarReview.objects.select_related("organization"), pk=pk)
    decisions = list(
        review.decisions.select_related("member", "star", "overruled_by").order_by(
            "member__name", "member_id", "star__order"
        )
    )
    by_member: dict = {}
    for d in decisions:
        entry = by_member.setdefault(d.member_id, {"member": d.member, "decisions": [], "stars": 0})
        entry["decisions"].append(d)
        entry["stars"] += d.final in StarDecision.HOLDS
    follow_up_list = list(review.follow_ups.select_related("member"))
    follow_ups = {f.member_id: f for f in follow_up_list}
    for entry in by_member.values():
        entry["follow_up"] = follow_ups.get(entry["member"].pk)
    context = {
        "review": review,
        "rows": list(by_member.values()),
        "stars": sorted({d.star for d in decisions}, key=lambda s: s.order),
        "can_decide": review.state == StarReview.State.PROPOSED and can_manage(request.user, review.organization),
        "can_overrule": review.state == StarReview.State.DECIDED and can_review(request.user, review.organization),
        "can_follow_up": can_manage(request.user, review.organization),
        "model_posts": list(review.model_posts.select_related("member", "overruled_by").order_by("rank", "member_id")),
        "follow_up_list": follow_up_list,
        "today": timezone.localdate(),
        "active_nav": "ratings-stars",
    }
    return render(request, "ratings/star_review.html", context)


@login_required
@require_POST
def decide(request, pk):
    require_staff(request.user, STAFF_ONLY)
    review = get_visible_or_404(request.user, StarReview.objects.all(), pk=pk)
    changes = {}
    for key, value in request.POST.items():
        if key.startswith("d-") and (pk_ := params.int_or_none(key[2:])) is not None:
            changes[pk_] = (value, request.POST.get(f"r-{pk_}", ""))
    model_changes = {}  # 党员示范岗: mp-<id> = 1 or 0, mr-<id> the reason of a change
    for key, value in request.POST.items():
        if key.startswith("mp-") and (pk_ := params.int_or_none(key[3:])) is not None:
            model_changes[pk_] = (value == "1", request.POST.get(f"mr-{pk_}", ""))
    here = reverse("ratings:star_review", args=[review.pk])
    return pages.button_action(
        request,
        lambda: services.decide_review_and_model_posts(request.user, review, changes, model_changes),
        success="已完成本季度评星；星数较少的党员已列入谈话、警示",
        to=here,
    )


@login_required
@require_POST
def overrule(request, pk):
    require_staff(request.user, STAFF_ONLY)
    decision = get_visible_or_404(request.user, StarDecision.objects.select_related("review"), pk=pk)
    here = reverse("ratings:star_review", args=[decision.review_id])
    return pages.button_action(
        request,
        lambda: services.overrule(
            request.user, decision, action=request.POST.get("action", ""), reason=request.POST.get("reason", "")
        ),
        success="已改变该项评定",
        to=here,
    )


@login_required
@require_POST
def follow_up(request, pk):
    require_staff(request.user, STAFF_ONLY)
    item = get_visible_or_404(request.user, visible(request.user, FollowUp.objects.all()), pk=pk)
    here = reverse("ratings:star_review", args=[item.review_id])
    done_on = parse_date(request.POST.get("done_on", "") or "")
    if done_on is None:
        messages.error(request, "请填写完成日期")
        return redirect(here)
    return pages.button_action(
        request,
        lambda: services.record_follow_up(request.user, item, done_on=done_on, note=request.POST.get("note", "")),
        success="已记录",
        to=here,
    )


@login_required
def settings_page(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=RatingsSettings.current())
    if done := pages.form_action(
        request,
        form,
        lambda data: services.update_settings(request.user, **data),
        success="评星定级设置已保存",
        to="ratings:settings",
    ):
        return done
    return render(request, "ratings/settings.html", {"form": form, "active_nav": "ratings-stars"})


@login_required
def fortress(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    rows, computed = queries.fortress(request.user, root, year, parts=False)
    # ?band= keeps the branches of one band of the command card (ranks stay those of the subtree).
    band = request.GET.get("band", "")
    if band in {code for code, _, _ in queries.INDEX_BANDS}:
        rows = [r for r in rows if queries.index_band(r.index) == band]
    else:
        band = ""
    context = {
        "band": band,
        "bands": [(code, label) for code, _, label in queries.INDEX_BANDS],
        "root": root,
        "crumbs": crumbs(request.user, root),
        "year": year,
        "years": years_offered(),
        "computed": computed,
        "can_compute": can_manage(request.user, root),
        "weights": _weights_form(request.user),
        "active_nav": "ratings-fortress",
    }
    # The ranks are the subtree's; the components are read for the page's 50 rows only.
    context.update(pages.paginate(request, rows))
    context["rows"] = queries.with_parts(list(context["rows"]), year)
    parts = next((r.parts for r in context["rows"] if r.parts), [])
    context["components"] = [(p.component, p.weight) for p in parts]
    return render(request, "ratings/fortress.html", context)


def _weights_form(user):
    """The county admin's weight of each component (None for other users)."""
    from jiceng.core.indices import FORTRESS, registered

    if not (has_full_scope(user) or getattr(user, "is_county_admin", False)):
        return None
    weights = queries.weights(FORTRESS)
    return [(c, weights[code]) for code, c in registered(FORTRESS).items()]


@login_required
@require_POST
def fortress_compute(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request, posted=True)
    year = params.int_or_none(request.POST.get("year")) or timezone.localdate().year
    here = f"{reverse('ratings:fortress')}?org={root.pk}&year={year}"
    return pages.button_action(
        request,
        lambda: services.compute_fortress(year, root, actor=request.user),
        success=lambda n: f"已按最新记录计算 {n} 个党支部的堡垒指数",
        to=here,
    )


@login_required
@require_POST
def fortress_weights(request):
    from jiceng.core.indices import FORTRESS, registered

    require_county_admin(request.user)
    values = {}
    for code in registered(FORTRESS):
        value = params.int_or_none(request.POST.get(f"w-{code}"))
        if value is not None:
            values[code] = value
    return pages.button_action(
        request,
        lambda: services.set_weights(request.user, FORTRESS, values),
        success="权重已保存，下次计算（今晚或立即重新计算）起生效",
        to=reverse("ratings:fortress"),
    )


@login_required
def fortress_export(request):
    require_staff(request.user, STAFF_ONLY)
    root = page_root(request)
    year = year_of(request)
    rows, _ = queries.fortress(request.user, root, year)
    parts = next((r.parts for r in rows if r.parts), [])
    names = [p.component.name for p in parts]
    headers = ["名次", "党组织", "堡垒指数"] + [f"{n}（分）" for n in names] + [f"{n}（依据）" for n in names]
    data = [
        [r.rank, r.organization.name, r.index]
        + [p.score for p in r.parts]
        + [p.figure.text if p.figure else "无可评项目" for p in r.parts]
        for r in rows
    ]
    notes = [f"{root.name} {year}年党组织堡垒指数"] + [
        f"{p.component.name}：权重 {p.weight}；{p.component.explain}" for p in parts
    ]
    return xlsx.xlsx_response(f"堡垒指数-{year}", xlsx.build_workbook("堡垒指数", headers, data, notes))
