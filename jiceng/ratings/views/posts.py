"""Posts and pledges pages (设岗定责、承诺践诺): the catalogue of an organization's posts with their
holders (members see their own organization's and claim a post there), a post's page (duties,
holders, requests, the month-by-month fulfilment records), the branch's monthly fulfilment entry
in one form for every holder, and a year's pledges of an organization, public to its members,
with the branch's check of each. Every write goes through ratings.services."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import exports, pages, params, xlsx
from jiceng.core.pages import style_form
from jiceng.core.scoping import can_manage, get_visible_or_404, page_root, visible
from jiceng.members.models import Member

from .. import rules, services
from ..models import Pledge, Post, PostDuty, PostHolding
from .points import FIRST_YEAR, crumbs

OPEN = (PostHolding.State.REQUESTED, PostHolding.State.ACTIVE)


class PostForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["name", "kind", "duties", "capacity", "active"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["active"]  # a new post is active
        else:
            self.fields["active"].help_text = "停用后不再接受认岗，在岗党员照常记录"
        style_form(self)


class PledgeForm(forms.Form):
    content = forms.CharField(label="承诺事项", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    due = forms.DateField(label="承诺完成日期", widget=forms.DateInput(attrs={"type": "date"}))
    member = forms.ModelChoiceField(label="党员", queryset=Member.objects.none(), required=False)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["member"]
        else:
            self.fields["member"].queryset = members
            self.fields["member"].required = True
        style_form(self)


class CheckForm(forms.Form):
    state = forms.ChoiceField(label="践诺情况", choices=[(s, Pledge.State(s).label) for s in Pledge.CHECKED])
    on = forms.DateField(label="核查日期", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="核查说明", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


def month_of(text: str | None, today: date) -> date:
    """``2027-01`` → the month's first day (not after this month); default this month."""
    this = rules.month_start(today)
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        day = date(year, month, 1)
    except ValueError:
        return this
    return day if FIRST_YEAR <= year and day <= this else this


def months_offered(today: date, n: int = 12) -> list[date]:
    from jiceng.core.dates import add_months

    this = rules.month_start(today)
    return [add_months(this, -k) for k in range(n)]


def _own_member(user):
    if not user.member_id:
        return None
    return Member.objects.select_related("organization").filter(pk=user.member_id).first()


# ---- the catalogue --------------------------------------------------------------------------------


def _catalogue(request):
    root = page_root(request)
    kind = request.GET.get("kind", "")
    kind = kind if kind in Post.Kind.values else ""
    show = request.GET.get("show", "active")
    show = show if show in ("active", "all") else "active"
    posts = visible(request.user, Post.objects.filter(root.subtree_filter("organization__"))).select_related(
        "organization"
    )
    if kind:
        posts = posts.filter(kind=kind)
    if show == "active":
        posts = posts.filter(active=True)
    q = (request.GET.get("q") or "").strip()
    if q:
        posts = posts.filter(name__icontains=q)
    return root, kind, show, q, posts.order_by("organization__path", "kind", "name", "pk")


def _with_holders(user, posts) -> list:
    """``posts`` (a page, or every post for the export) with their open holdings. One query."""
    posts = list(posts)
    holdings: dict[int, list] = {}
    for h in (
        visible(user, PostHolding.objects.filter(post__in=[p.pk for p in posts], state__in=OPEN))
        .select_related("member")
        .order_by("since", "pk")
    ):
        holdings.setdefault(h.post_id, []).append(h)
    for post in posts:
        post.open = holdings.get(post.pk, [])
        post.holders = [h for h in post.open if h.state == PostHolding.State.ACTIVE]
        post.requests = [h for h in post.open if h.state == PostHolding.State.REQUESTED]
        post.room = post.capacity - len(post.holders)
    return posts


@login_required
def post_list(request):
    root, kind, show, q, listed = _catalogue(request)
    page = pages.paginate(request, listed)
    posts = page["rows"] = _with_holders(request.user, page["rows"])
    me = _own_member(request.user)
    for post in posts:
        post.mine = bool(me) and any(h.member_id == me.pk for h in post.open)
        post.can_claim = bool(me) and post.active and post.room > 0 and not post.mine
    manager = can_manage(request.user, root)
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "posts": posts,
        **page,
        "kind": kind,
        "kinds": Post.Kind.choices,
        "show": show,
        "q": q,
        "manager": manager,
        "form": PostForm() if manager else None,
        "this_month": timezone.localdate().strftime("%Y-%m"),
        "active_nav": "ratings-posts",
    }
    return render(request, "ratings/posts.html", context)


@login_required
def post_export(request):
    root, _kind, _show, _q, listed = _catalogue(request)
    posts = _with_holders(request.user, listed)
    headers = ["党组织", "岗位名称", "岗位类别", "岗位职责", "定岗人数", "在岗党员", "待审核", "状态"]
    data = [
        [
            p.organization.name,
            p.name,
            p.get_kind_display(),
            p.duties,
            p.capacity,
            "、".join(h.member.name for h in p.holders),
            "、".join(h.member.name for h in p.requests),
            "启用" if p.active else "停用",
        ]
        for p in posts
    ]
    return xlsx.xlsx_response(
        "党员责任岗", xlsx.build_workbook("设岗定责", headers, data, [f"{root.name} 党员责任岗及在岗党员"])
    )


@login_required
@require_POST
def post_create(request):
    root = page_root(request, posted=True)
    form = PostForm(request.POST)
    back = f"{reverse('ratings:posts')}?org={root.pk}"
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    return pages.button_action(
        request,
        lambda: services.create_post(request.user, root, **form.cleaned_data),
        success=lambda post: f"已设立岗位：{post.name}",
        to=lambda post: reverse("ratings:post", args=[post.pk]),
        back=back,
    )


@login_required
def post_detail(request, pk):
    post = get_visible_or_404(request.user, Post.objects.select_related("organization"), pk=pk)
    manager = can_manage(request.user, post.organization)
    holdings = list(
        visible(request.user, PostHolding.objects.filter(post=post))
        .select_related("member", "decided_by")
        .order_by("state", "since", "pk")
    )
    duties = list(
        visible(request.user, PostDuty.objects.filter(holding__post=post))
        .select_related("holding__member", "confirmed_by")
        .order_by("-month", "holding__member__name")[:200]
    )
    me = request.user.member_id
    mine = [h for h in holdings if h.member_id == me and h.state == PostHolding.State.ACTIVE]
    form = PostForm(request.POST or None, instance=post) if manager else None
    if form is not None and (
        done := pages.form_action(
            request,
            form,
            lambda data: services.update_post(request.user, post, **data),
            success="已保存岗位",
            to=reverse("ratings:post", args=[post.pk]),
        )
    ):
        return done
    if request.method == "POST" and form is None:
        raise PermissionDenied("当前角色只能查看，不能修改")
    members = []
    if manager:
        taken = {h.member_id for h in holdings if h.state == PostHolding.State.ACTIVE}
        members = [
            m
            for m in visible(
                request.user,
                Member.objects.filter(
                    post.organization.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES
                ),
            ).order_by("name", "pk")[:500]
            if m.pk not in taken
        ]
    today = timezone.localdate()
    context = {
        "post": post,
        "manager": manager,
        "form": form,
        "holders": [h for h in holdings if h.state == PostHolding.State.ACTIVE],
        "requests": [h for h in holdings if h.state == PostHolding.State.REQUESTED],
        "past": [h for h in holdings if h.state in (PostHolding.State.ENDED, PostHolding.State.REJECTED)],
        "duties": duties,
        "mine": mine,
        "members": members,
        "today": today,
        "this_month": today.strftime("%Y-%m"),
        "can_claim": bool(me)
        and post.active
        and not any(h.member_id == me and h.state in OPEN for h in holdings)
        and not manager,
        "active_nav": "ratings-posts",
    }
    return render(request, "ratings/post_detail.html", context)


@login_required
@require_POST
def post_request(request, pk):
    post = get_visible_or_404(request.user, Post.objects.all(), pk=pk)
    return pages.button_action(
        request,
        lambda: services.request_post(request.user, post),
        success="已提交认岗申请，等待支部审核",
        to=reverse("ratings:post", args=[post.pk]),
    )


@login_required
@require_POST
def post_assign(request, pk):
    post = get_visible_or_404(request.user, Post.objects.select_related("organization"), pk=pk)
    here = reverse("ratings:post", args=[post.pk])
    member = (
        visible(request.user, Member.objects.all()).filter(pk=params.int_or_none(request.POST.get("member"))).first()
    )
    since = params.parse_date(request.POST.get("since")) or timezone.localdate()
    if member is None:
        messages.error(request, "请选择上岗党员")
        return redirect(here)
    return pages.button_action(
        request,
        lambda: services.assign_post(request.user, post, member, since=since),
        success=f"已安排 {member.name} 上岗",
        to=here,
    )


@login_required
@require_POST
def holding_decide(request, pk):
    holding = get_visible_or_404(request.user, PostHolding.objects.select_related("post"), pk=pk)
    here = reverse("ratings:post", args=[holding.post_id])
    action = request.POST.get("decision", "")
    reason = request.POST.get("reason", "")
    day = params.parse_date(request.POST.get("on"))
    if action == "end":
        run = lambda: services.end_holding(  # noqa: E731
            request.user, holding, until=day or timezone.localdate(), reason=reason
        )
        text = "已办理离岗"
    elif action in ("approve", "reject"):
        run = lambda: services.decide_holding(  # noqa: E731
            request.user, holding, approve=action == "approve", since=day, reason=reason
        )
        text = "已同意认岗" if action == "approve" else "已退回认岗申请"
    else:
        messages.error(request, "请选择同意、不同意或离岗")
        return redirect(here)
    return pages.button_action(request, run, success=text, to=here)


@login_required
@require_POST
def duty_log(request, pk):
    holding = get_visible_or_404(request.user, PostHolding.objects.all(), pk=pk)
    month = month_of(request.POST.get("month"), timezone.localdate())
    return pages.button_action(
        request,
        lambda: services.log_duty(request.user, holding, month=month, note=request.POST.get("note", "")),
        success="已填写本月履岗情况，等待支部确认",
        to=reverse("ratings:post", args=[holding.post_id]),
    )


@login_required
def post_duty(request, pk):
    """The page of a fulfilment record (where a ledger line links): its post's page, at the record."""
    duty = get_visible_or_404(request.user, PostDuty.objects.select_related("holding"), pk=pk)
    return redirect(f"{reverse('ratings:post', args=[duty.holding.post_id])}#duty-{duty.pk}")


@login_required
def duties(request):
    """The branch's monthly fulfilment entry: every holder of the organization's posts in the
    month, one row each (fulfilled / not / not yet judged, with a note), in one form."""
    root = page_root(request, posted=True)
    today = timezone.localdate()
    month = month_of(request.POST.get("month") or request.GET.get("month"), today)
    if not can_manage(request.user, root):
        raise PermissionDenied("履岗记录由党组织书记、管理员确认")
    listed = services.duty_holdings_qs(root, month)
    here = f"{reverse('ratings:duties')}?org={root.pk}&month={month:%Y-%m}"
    if request.method == "POST":
        # The rows of the page posted (s-<holding id>); the service checks they are the
        # organization's holdings of the month.
        marks = {}
        for key, state in request.POST.items():
            holding_id = params.int_or_none(key[2:]) if key.startswith("s-") else None
            if holding_id is not None and state:
                marks[holding_id] = (state, request.POST.get(f"n-{holding_id}", ""))
        page = params.int_or_none(request.POST.get("page"))
        back = f"{here}&page={page}" if page and page > 1 else here
        return pages.button_action(
            request,
            lambda: services.record_duties(request.user, root, month, marks),
            success=lambda r: f"已保存履岗记录：新增 {r['new']} 条，更正 {r['updated']} 条；积分已更新",
            to=back,
            back=back,
        )
    page = pages.paginate(request, listed)
    holdings = list(page["rows"])
    existing = {d.holding_id: d for d in PostDuty.objects.filter(holding__in=[h.pk for h in holdings], month=month)}
    for h in holdings:
        h.duty = existing.get(h.pk)
    done = (
        PostDuty.objects.filter(holding__in=listed.order_by().values("pk"), month=month)
        .exclude(state=PostDuty.State.LOGGED)
        .count()
    )
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "month": month,
        "months": months_offered(today),
        **page,
        "holdings": holdings,
        "done": done,
        "active_nav": "ratings-posts",
    }
    return render(request, "ratings/post_duties.html", context)


# ---- pledges ----------------------------------------------------------------------------------------


def _year(request) -> int:
    today = timezone.localdate()
    year = params.int_or_none(request.GET.get("year"))
    return year if year is not None and FIRST_YEAR <= year <= today.year + 1 else today.year


def _pledges(request):
    root = page_root(request)
    year = _year(request)
    state = request.GET.get("state", "")
    state = state if state in Pledge.State.values else ""
    qs = visible(
        request.user, Pledge.objects.filter(root.subtree_filter("member__organization__"), year=year)
    ).select_related("member__organization", "checked_by")
    if state:
        qs = qs.filter(state=state)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(member__name__icontains=q)
    sort = request.GET.get("sort", "member")
    order = {"member": ["member__organization__path", "member__name", "due", "pk"], "due": ["due", "pk"]}
    sort = sort if sort in order else "member"
    return root, year, state, q, sort, qs.order_by(*order[sort])


@login_required
def pledge_list(request):
    from django.db.models import Count

    root, year, state, q, sort, listed = _pledges(request)
    page = pages.paginate(request, listed)
    me = _own_member(request.user)
    manager = can_manage(request.user, root)
    members = None
    if manager and root.is_branch_like:
        members = visible(
            request.user,
            Member.objects.filter(root.subtree_filter("organization__"), status__in=Member.ACTIVE_STATUSES),
        ).order_by("name", "pk")
    counts = {s: 0 for s in Pledge.State.values}
    counts.update(listed.order_by().values_list("state").annotate(n=Count("pk")))
    today = timezone.localdate()
    context = {
        "root": root,
        "crumbs": crumbs(request.user, root),
        "year": year,
        "years": list(range(today.year + 1, today.year - 4, -1)),
        "state": state,
        "states": Pledge.State.choices,
        "q": q,
        "sort": sort,
        **page,
        "counts": [(Pledge.State(s).label, n) for s, n in counts.items()],
        "manager": manager,
        "form": PledgeForm(members=members) if (me or members is not None) else None,
        "today": today,
        "active_nav": "ratings-pledges",
    }
    return render(request, "ratings/pledges.html", context)


@login_required
@exports.deferrable
def pledge_export(request):
    root, year, _state, _q, _sort, rows = _pledges(request)
    headers = ["党员", "所在党组织", "年度", "承诺事项", "承诺完成日期", "践诺情况", "核查日期", "核查说明"]
    labels = dict(Pledge.State.choices)
    # Plain columns, not model instances (a city's year is hundreds of thousands of pledges).
    columns = rows.values_list(
        "member__name", "member__organization__name", "year", "content", "due", "state", "checked_on", "check_note"
    )
    data = (
        [name, organization, y, content, due, labels.get(state, state), checked_on, note]
        for name, organization, y, content, due, state, checked_on, note in columns.iterator(chunk_size=5000)
    )
    return exports.ExportFile(
        f"党员承诺-{year}",
        rows=rows,
        build=lambda: xlsx.build_workbook("承诺践诺", headers, data, [f"{root.name} {year}年党员公开承诺及践诺情况"]),
    )


@login_required
@require_POST
def pledge_create(request):
    root = page_root(request, posted=True)
    year = params.int_or_none(request.POST.get("year")) or timezone.localdate().year
    back = f"{reverse('ratings:pledges')}?org={root.pk}&year={year}"
    me = _own_member(request.user)
    members = None
    if request.POST.get("member") and can_manage(request.user, root):
        members = visible(request.user, Member.objects.filter(root.subtree_filter("organization__")))
    form = PledgeForm(request.POST, members=members)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect(back)
    member = form.cleaned_data.get("member") or me
    if member is None:
        messages.error(request, "您的账号没有关联党员档案，请选择党员")
        return redirect(back)
    return pages.button_action(
        request,
        lambda: services.create_pledge(
            request.user, member, year=year, content=form.cleaned_data["content"], due=form.cleaned_data["due"]
        ),
        success="已公开承诺，年内由支部核查践诺情况",
        to=back,
    )


@login_required
def pledge_detail(request, pk):
    pledge = get_visible_or_404(
        request.user, Pledge.objects.select_related("member__organization", "checked_by"), pk=pk
    )
    manager = can_manage(request.user, pledge.member.organization) and request.user.member_id != pledge.member_id
    initial = {"on": timezone.localdate(), "state": Pledge.State.FULFILLED}
    if pledge.checked_on:
        initial = {"on": pledge.checked_on, "state": pledge.state, "note": pledge.check_note}
    form = CheckForm(request.POST or None, initial=initial) if manager else None
    if request.method == "POST" and form is None:
        raise PermissionDenied("践诺情况由党组织书记、管理员核查")
    if form is not None and (
        done := pages.form_action(
            request,
            form,
            lambda data: services.check_pledge(request.user, pledge, **data),
            success="已记录践诺情况，积分已更新",
            to=reverse("ratings:pledge", args=[pledge.pk]),
        )
    ):
        return done
    context = {
        "pledge": pledge,
        "form": form,
        "can_withdraw": pledge.state == Pledge.State.PLEDGED
        and (request.user.member_id == pledge.member_id or can_manage(request.user, pledge.member.organization)),
        "active_nav": "ratings-pledges",
    }
    return render(request, "ratings/pledge_detail.html", context)


@login_required
@require_POST
def pledge_withdraw(request, pk):
    pledge = get_visible_or_404(request.user, Pledge.objects.select_related("member__organization"), pk=pk)
    back = f"{reverse('ratings:pledges')}?org={pledge.member.organization_id}&year={pledge.year}"
    return pages.button_action(
        request,
        lambda: services.withdraw_pledge(request.user, pledge),
        success="已撤回承诺",
        to=back,
        back=reverse("ratings:pledge", args=[pledge.pk]),
    )


# ---- model posts (党员示范岗) -----------------------------------------------------------------------


@login_required
@require_POST
def model_post_overrule(request, pk):
    """The level above changes a branch's model-post decision (the star review's page)."""
    from jiceng.core.scoping import require_staff

    from ..models import ModelPost
    from .points import STAFF_ONLY

    require_staff(request.user, STAFF_ONLY)
    row = get_visible_or_404(request.user, ModelPost.objects.all(), pk=pk)
    here = f"{reverse('ratings:star_review', args=[row.review_id])}#model-posts"
    return pages.button_action(
        request,
        lambda: services.overrule_model_post(
            request.user, row, chosen=request.POST.get("chosen") == "1", reason=request.POST.get("reason", "")
        ),
        success="已改变示范岗评定",
        to=here,
    )
