"""Pages of the wish pool: staff ledger and steps, the report, the public posting page, pool
and follow-up page, and the member's claim pages.

Staff pages go through `visible()` / `get_visible_or_404()`. Public pages show public fields
only (masked requester, staff-written text, photos staff chose) and are rate-limited
(django-ratelimit on Django's cache, ADR 0005). Members see the pool (public data) and their
own claims.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from jiceng.core import pages, params, qr, uploads, xlsx
from jiceng.core.navigation import is_manager
from jiceng.core.pages import paginate
from jiceng.core.scoping import (
    get_visible_or_404,
    page_root,
    path_q,
    require_county_admin,
    require_staff,
    scope_root,
    visible,
)
from jiceng.liaison.forms import period_from, period_problem
from jiceng.liaison.queries import scope_label
from jiceng.orgs.models import Organization

from . import queries, rules, services
from .forms import (
    AcceptForm,
    ClaimForm,
    ConfirmForm,
    EditForm,
    FollowForm,
    FulfilForm,
    NoteForm,
    PostForm,
    SettingsForm,
    StaffWishForm,
)
from .models import Wish, WishPhoto, WishSettings

S = rules.State

# Public pages (ADR 0014a): posting 10 an hour per address and 5 a day per phone number;
# looking a wish up by ticket and phone 20 an hour per address (against guessing).
POST_RATE_IP = "10/h"
POST_RATE_PHONE = "5/d"
FOLLOW_RATE_IP = "20/h"
FOLLOW_SESSION_SECONDS = 3600


WISHES_STAFF_ONLY = "党员请使用「认领微心愿」和「我认领的心愿」"


_int = params.int_or_none


def _render(request, template: str, context: dict):
    """A page, with a message (and 400) when its ?start= / ?end= could not be used."""
    problem = period_problem(request)
    if problem:
        messages.error(request, problem)
    return render(request, template, context, status=400 if problem else 200)


def _limited(request, template: str, context: dict):
    context = {**context, "limited": True}
    return render(request, template, context, status=429)


# ---- staff: ledger, report ---------------------------------------------------------------------


def _filtered(request):
    user, g = request.user, request.GET
    qs = visible(user, Wish.objects.all())
    if _int(g.get("org")):
        root = get_visible_or_404(user, Organization.objects.all(), pk=_int(g["org"]))
        qs = qs.filter(path_q("organization__path", root.path))
    if g.get("start") or g.get("end"):
        start, end, _ = period_from(request)
        lo, hi = queries.period_bounds(start, end)
        qs = qs.filter(posted_at__gte=lo, posted_at__lt=hi)
    if g.get("state") in S.values:
        qs = qs.filter(state=g["state"])
    if g.get("project") in rules.Project.values:
        qs = qs.filter(project=g["project"])
    if g.get("category") in rules.Category.values:
        qs = qs.filter(category=g["category"])
    if g.get("claimant_type") in rules.ClaimantType.values:
        qs = qs.filter(claimant_type=g["claimant_type"])
    if g.get("figure") in queries.FIGURE_LABELS:
        qs = qs.filter(queries.figure_q(g["figure"], timezone.now()))
    text = (g.get("q") or "").strip()
    if params.has_control_chars(text):  # no record holds one; PostgreSQL cannot compare NUL
        qs = qs.none()
    elif text:
        match = Q(ticket=rules.normalize_ticket(text)) | Q(description__contains=text) | Q(requester_name=text)
        if len(text) >= 4 and text.isascii() and text.isdigit():
            match |= Q(phone__endswith=text)
        qs = qs.filter(match)
    return qs.select_related(
        "organization", "organization__parent", "claimed_member", "claimed_org", "claimed_enterprise"
    )


@login_required
def wish_list(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    qs = _filtered(request).order_by("-posted_at", "-pk")
    context = {
        "states": S.choices,
        "projects": rules.Project.choices,
        "categories": rules.Category.choices,
        "claimant_types": rules.ClaimantType.choices,
        "figure_label": queries.FIGURE_LABELS.get(request.GET.get("figure", "")),
        "now": timezone.now(),
        "can_manage": is_manager(request.user),
        "active_nav": "wishes",
    }
    context.update(paginate(request, qs))
    return _render(request, "wishes/list.html", context)


@login_required
def wish_export(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    qs = _filtered(request).order_by("-posted_at", "-pk")
    headers = [
        "心愿编号",
        "提交时间",
        "村（社区）",
        "所属乡镇（街道）",
        "群众",
        "联系电话",
        "类别",
        "心愿内容",
        "状态",
        "项目类别",
        "认领方类型",
        "认领方",
        "认领时间",
        "实现时间",
        "确认时间",
        "群众评价",
    ]
    rows = (
        (
            w.ticket,
            w.posted_at,
            w.organization.name,
            w.organization.parent.name if w.organization.parent_id else "",
            w.masked_name,
            w.masked_phone,
            w.get_category_display(),
            w.description,
            w.get_state_display(),
            w.get_project_display(),
            w.get_claimant_type_display(),
            w.claimant_label,
            w.claimed_at,
            w.fulfilled_at,
            w.confirmed_at,
            w.get_rating_display(),
        )
        for w in qs.iterator(chunk_size=2000)
    )
    return xlsx.xlsx_response(
        "微心愿台账", xlsx.build_workbook("微心愿台账", headers, rows, notes=["群众姓名和联系电话已脱敏。"])
    )


@login_required
def report(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    root = page_root(request)
    start, end, form = period_from(request)
    data = queries.report(request.user, root, start, end)
    return _render(
        request,
        "wishes/report.html",
        {
            **data,
            "root": root,
            "start": start,
            "end": end,
            "form": form,
            "parent": root.parent if root.parent_id and root != scope_root(request.user) else None,
            "active_nav": "wishes",
        },
    )


@login_required
def report_export(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    root = page_root(request)
    start, end, _ = period_from(request)
    data = queries.report(request.user, root, start, end)
    keys = queries.Figures.keys()
    headers = ["单位"] + [queries.FIGURE_LABELS[k] for k in keys]
    rows = [[row.label] + [getattr(row.figures, k) for k in keys] for row in data["rows"]]
    rows.append([f"合计（{root.short_name or root.name}）"] + [getattr(data["total"], k) for k in keys])
    notes = [
        f"{root.name} {start:%Y-%m-%d} 至 {end:%Y-%m-%d} 微心愿情况（按群众提交心愿的日期统计）",
        data["sentence"],
        "收集心愿：期间提交的心愿（含未采纳、已撤回）。待审核、心愿池待认领：这些心愿目前的状态。",
        "已认领：目前已认领、已实现或已确认的；放弃认领后回到心愿池的不计。已实现含群众已确认。",
        "党员、党组织、社会组织认领：已认领心愿按认领方类型分列。超期：目前超过审核时限或完成时限的。",
    ]
    return xlsx.xlsx_response("微心愿报表", xlsx.build_workbook("报表", headers, rows, notes=notes))


# ---- staff: one wish ----------------------------------------------------------------------------


def _detail_context(request, wish: Wish, **forms) -> dict:
    manager = services.is_manager_of(request.user, wish)
    actions = [a for a, t in rules.TRANSITIONS.items() if wish.state in t.sources]
    photos = list(wish.photos.all())
    return {
        "wish": wish,
        "events": wish.events.select_related("actor"),
        "photos": photos,
        "manager": manager,
        "actions": actions if manager else [],
        "overdue": wish.overdue_step(timezone.now()),
        "accept_form": forms.get("accept") or AcceptForm(initial={"category": wish.category}, prefix="accept"),
        "edit_form": forms.get("edit")
        or EditForm(
            initial={"category": wish.category, "project": wish.project, "public_description": wish.public_description},
            prefix="edit",
        ),
        # What the public pool shows if the text is left blank, and what the wall will show.
        "default_public_text": services.public_text_for(wish),
        "claim_form": forms.get("claim") or ClaimForm(user=request.user, prefix="claim"),
        "fulfil_form": forms.get("fulfil") or FulfilForm(prefix="fulfil"),
        "confirm_form": forms.get("confirm") or ConfirmForm(prefix="confirm"),
        "note_form": NoteForm(),
        "active_nav": "wishes",
    }


@login_required
def wish_detail(request, pk):
    require_staff(request.user, WISHES_STAFF_ONLY)
    wish = get_visible_or_404(
        request.user,
        Wish.objects.select_related("organization", "claimed_member", "claimed_org", "claimed_enterprise"),
        pk=pk,
    )
    return render(request, "wishes/detail.html", _detail_context(request, wish))


@login_required
@require_POST
def wish_act(request, pk, action):
    require_staff(request.user, WISHES_STAFF_ONLY)
    wish = get_visible_or_404(request.user, Wish.objects.select_related("organization"), pk=pk)
    if action not in rules.TRANSITIONS:
        raise Http404("未知的操作")
    version = request.POST.get("version")
    user = request.user
    done_text = f"已{rules.TRANSITIONS[action].label}"
    detail = reverse("wishes:detail", args=[wish.pk])
    if action == "publish":
        return pages.button_action(
            request,
            lambda: services.publish_wish(user, wish, photo_ids=request.POST.getlist("photo"), version=version),
            success=done_text,
            to=detail,
        )
    if action == "unpublish":
        return pages.button_action(
            request, lambda: services.unpublish_wish(user, wish, version=version), success=done_text, to=detail
        )
    # A form shown in a dialogue on the detail page: its errors show there again (status 400).
    with_form = {
        "accept": (AcceptForm, {}, lambda data: services.accept_wish(user, wish, version=version, **data)),
        "edit": (EditForm, {}, lambda data: services.edit_wish(user, wish, **data)),
        "claim": (
            ClaimForm,
            {"user": user},
            lambda data: services.claim_wish(user, wish, version=version, **data["claimant"]),
        ),
        "fulfil": (
            FulfilForm,
            {"files": request.FILES},
            lambda data: services.fulfil_wish(user, wish, version=version, **data),
        ),
        "confirm": (ConfirmForm, {}, lambda data: services.confirm_wish(user, wish, version=version, **data)),
    }
    if action in with_form:
        form_class, extra, run = with_form[action]
        form = form_class(request.POST, prefix=action, **extra)
        if done := pages.form_action(request, form, run, success=done_text, to=detail):
            return done
        wish.refresh_from_db()
        context = _detail_context(request, wish, **{action: form})
        context["open_action"] = action
        return render(request, "wishes/detail.html", context, status=400)
    # reject, release, dispute, withdraw: a reason
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"请填写{rules.TRANSITIONS[action].note_label}")
        return redirect("wishes:detail", pk=wish.pk)
    step = {
        "reject": services.reject_wish,
        "release": services.release_wish,
        "dispute": services.dispute_wish,
        "withdraw": services.withdraw_wish,
    }[action]
    return pages.button_action(
        request,
        lambda: step(user, wish, note=form.cleaned_data["note"], version=version),
        success=done_text,
        to=detail,
    )


@login_required
@require_http_methods(["GET", "POST"])
def wish_create(request):
    require_staff(request.user, WISHES_STAFF_ONLY)
    if not is_manager(request.user):
        raise PermissionDenied("当前角色只能查看，不能修改")
    initial = {}
    if _int(request.GET.get("org")):
        initial["organization"] = _int(request.GET["org"])
    form = StaffWishForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if done := pages.form_action(
        request,
        form,
        lambda data: services.post_wish(request.user, **data),
        success=lambda wish: f"已登记心愿，编号 {wish.ticket}（请告知群众，凭编号和电话查询、确认）",
        to=lambda wish: reverse("wishes:detail", args=[wish.pk]),
    ):
        return done
    return render(request, "wishes/form.html", {"form": form, "title": "代群众登记心愿", "active_nav": "wishes"})


@login_required
def photo(request, pk):
    require_staff(request.user, WISHES_STAFF_ONLY)
    item = get_visible_or_404(request.user, WishPhoto.objects.all(), pk=pk)
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)


def _post_url(request, org: Organization) -> str:
    path = reverse("wishes:post", args=[org.pk])
    base = (
        settings.JICENG_SITE_URL.rstrip("/")
        if settings.JICENG_SITE_URL
        else request.build_absolute_uri("/").rstrip("/")
    )
    return base + path


@login_required
def qr_poster(request, org_id):
    require_staff(request.user, WISHES_STAFF_ONLY)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=org_id)
    message = services.wish_organization_error(org)
    url = _post_url(request, org)
    return render(
        request,
        "wishes/qr.html",
        {"org": org, "url": url, "svg": qr.svg(url) if not message else "", "error": message, "active_nav": "wishes"},
    )


@login_required
def qr_png(request, org_id):
    require_staff(request.user, WISHES_STAFF_ONLY)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=org_id)
    if services.wish_organization_error(org):
        raise Http404("该组织不收集微心愿")
    return qr.png_response(_post_url(request, org), filename=f"wish-{org.code}.png")


@login_required
@require_http_methods(["GET", "POST"])
def wish_settings(request):
    require_county_admin(request.user)
    form = SettingsForm(request.POST or None, instance=WishSettings.current())
    if request.method == "POST" and form.is_valid():
        services.update_settings(request.user, **form.cleaned_data)
        messages.success(request, "微心愿配置已保存")
        return redirect("wishes:settings")
    return render(request, "wishes/settings.html", {"form": form, "active_nav": "wishes"})


# ---- public: post, pool, follow -----------------------------------------------------------------


def _public_org(org_id) -> Organization:
    org = Organization.objects.filter(pk=org_id).select_related("parent").first()
    if org is None or services.wish_organization_error(org):
        raise Http404("没有找到这个村（社区）的心愿征集页")
    return org


def _posted_phone(group, request) -> str:
    # The same number however it is typed (spaces, dashes, +86).
    return rules.normalize_phone(request.POST.get("phone", "")) or "-"


@ratelimit(key="ip", rate=POST_RATE_IP, method="POST", block=False)
@ratelimit(key=_posted_phone, rate=POST_RATE_PHONE, method="POST", block=False)
@require_http_methods(["GET", "POST"])
def post(request, org_id):
    org = _public_org(org_id)
    form = PostForm(request.POST or None, request.FILES or None)
    max_photos = WishSettings.current().max_photos
    form.fields["photos"].help_text = f"最多 {max_photos} 张，JPG、PNG 或 WebP"
    context = {"org": org, "form": form}
    if request.method == "POST" and getattr(request, "limited", False):
        return _limited(request, "wishes/public_post.html", context)

    def posted(data):
        wish = services.post_wish(None, organization=org, **{k: v for k, v in data.items() if k != "agree"})
        request.session["wish_posted"] = {"ticket": wish.ticket, "org": org.pk}
        _remember(request, wish)
        return wish

    if done := pages.form_action(request, form, posted, success=None, to="wishes:post_done"):
        return done
    return render(request, "wishes/public_post.html", context)


def post_done(request):
    posted = request.session.get("wish_posted")
    if not posted:
        return redirect("wishes:pool")
    org = Organization.objects.filter(pk=posted["org"]).first()
    return render(request, "wishes/public_done.html", {"ticket": posted["ticket"], "org": org})


def _remember(request, wish: Wish) -> None:
    """The requester may act on this wish from this browser for an hour (after ticket + phone)."""
    now = int(time.time())
    allowed = {k: v for k, v in request.session.get("wish_follow", {}).items() if v > now}
    allowed[str(wish.pk)] = now + FOLLOW_SESSION_SECONDS
    request.session["wish_follow"] = allowed


def _remembered(request, pk) -> bool:
    expires = request.session.get("wish_follow", {}).get(str(pk))
    return bool(expires and expires > time.time())


def township_like():
    """Townships and streets: village-level organizations' parents, whatever the tree's depth
    (a rural or community organization whose parent is not one)."""
    return Organization.objects.filter(domain__in=services.WISH_DOMAINS, parent__isnull=False).exclude(
        parent__domain__in=services.WISH_DOMAINS
    )


def _area(request) -> Organization | None:
    pk = _int(request.GET.get("area"))
    return Organization.objects.filter(pk=pk).first() if pk is not None else None


def pool(request):
    """The public wish pool and the wall of fulfilled wishes (masked, public fields only)."""
    area = _area(request)
    tab = "wall" if request.GET.get("tab") == "wall" else "pool"
    qs = queries.public_wall(area) if tab == "wall" else queries.public_pool(area)
    if tab == "wall":
        qs = qs.prefetch_related(
            Prefetch("photos", queryset=WishPhoto.objects.filter(public=True), to_attr="public_photos")
        )
    townships = township_like().order_by("path")
    context = {"area": area, "tab": tab, "townships": townships}
    context.update(paginate(request, qs, per_page=20))
    return render(request, "wishes/public_pool.html", context)


def public_photo(request, pk):
    """A photo staff chose for the public wall of a published, fulfilled wish."""
    item = WishPhoto.objects.filter(
        pk=pk, public=True, wish__published=True, wish__state__in=[S.FULFILLED, S.CONFIRMED]
    ).first()
    if item is None:
        raise Http404("没有这张公开照片")
    response = uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@ratelimit(key="ip", rate=FOLLOW_RATE_IP, method="POST", block=False)
@require_http_methods(["GET", "POST"])
def follow(request):
    """The requester looks a wish up with ticket and phone, then confirms, says it is not done
    yet, or withdraws it."""
    form = FollowForm(request.POST if request.POST.get("step") == "lookup" else None)
    wish = None
    pk = _int(request.GET.get("w") or request.POST.get("w"))
    if pk is not None and _remembered(request, pk):
        wish = Wish.objects.select_related("organization").filter(pk=pk).first()
    context = {"form": form, "wish": wish, "confirm_form": ConfirmForm(prefix="confirm"), "note_form": NoteForm()}
    if request.method == "POST":
        if getattr(request, "limited", False):
            return _limited(request, "wishes/public_follow.html", context)
        if request.POST.get("step") == "lookup":
            if form.is_valid():
                found = services.find_for_requester(form.cleaned_data["ticket"], form.cleaned_data["phone"])
                if found is None:
                    form.add_error(None, "没有找到：请核对心愿编号和提交时填写的电话")
                else:
                    _remember(request, found)
                    return redirect(reverse("wishes:follow") + f"?w={found.pk}")
            return render(request, "wishes/public_follow.html", context)
        if wish is None:
            messages.error(request, "请先输入心愿编号和电话查询")
            return redirect("wishes:follow")
        action = request.POST.get("action")

        def act() -> str:
            if action == "confirm":
                cf = ConfirmForm(request.POST, prefix="confirm")
                if not cf.is_valid():
                    raise ValidationError("请检查评价内容")
                services.confirm_wish(
                    None, wish, version=request.POST.get("version"), by_requester=True, **cf.cleaned_data
                )
                return "感谢您的确认！"
            if action in ("dispute", "withdraw"):
                nf = NoteForm(request.POST)
                if not nf.is_valid():
                    raise ValidationError(f"请填写{rules.TRANSITIONS[action].note_label}")
                step = services.dispute_wish if action == "dispute" else services.withdraw_wish
                step(None, wish, note=nf.cleaned_data["note"], version=request.POST.get("version"), by_requester=True)
                return "已收到，工作人员会尽快联系您" if action == "dispute" else "心愿已撤回"
            raise ValidationError("未知的操作")

        return pages.button_action(
            request, act, success=lambda text: text, to=reverse("wishes:follow") + f"?w={wish.pk}"
        )
    if wish is not None:
        context["events"] = wish.events.filter(public=True)
        context["can_confirm"] = wish.state == S.FULFILLED
        context["can_withdraw"] = wish.state in (S.POSTED, S.POOLED, S.CLAIMED)
        context["fulfil_photos"] = wish.photos.filter(kind=WishPhoto.Kind.FULFILMENT)
    return render(request, "wishes/public_follow.html", context)


@require_http_methods(["GET"])
def follow_photo(request, pk):
    """A fulfilment photo shown to the requester on the follow-up page (ticket + phone checked
    in this browser within the hour)."""
    item = WishPhoto.objects.filter(pk=pk).first()
    if item is None or not _remembered(request, item.wish_id):
        raise Http404("没有这张照片")
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)


# ---- members: claim from the pool, my claims ----------------------------------------------------


def _member_of(user):
    if not user.member_id:
        raise PermissionDenied("您的账号没有关联党员档案，不能以党员身份认领心愿")
    return user.member


def member_areas(member) -> list[tuple[str, Organization]]:
    """Where a member looks for wishes: their registered community's township (dual
    registration, 在职党员到社区报到), their own organization's township, the whole county."""
    out = []
    seen = set()

    def township(org):
        return (
            township_like().filter(path__in=[org.path[:end] for end in range(4, len(org.path) + 1, 4)]).first() or org
        )

    if member.registered_community_id:
        t = township(member.registered_community)
        out.append(("报到社区所在乡镇（街道）", t))
        seen.add(t.pk)
    t = township(member.organization)
    if t.pk not in seen and t.domain in services.WISH_DOMAINS:
        out.append(("本人所在乡镇（街道）", t))
        seen.add(t.pk)
    county = Organization.objects.filter(path=member.organization.path[:4]).first()
    if county is not None:
        out.append((scope_label(county), county))
    return out


@login_required
def claim_pool(request):
    member = _member_of(request.user)
    areas = member_areas(member)
    raw = request.GET.get("area", "")
    area = next((a for _, a in areas if str(a.pk) == raw), areas[0][1] if areas else None)
    qs = queries.public_pool(area).filter(project=rules.Project.BASIC)
    config = WishSettings.current()
    open_claims = Wish.objects.filter(claimed_member=member, state=S.CLAIMED).count()
    context = {
        "areas": areas,
        "area": area,
        "open_claims": open_claims,
        "limit": config.member_open_claims,
        "active_nav": "wishes-claim",
    }
    context.update(paginate(request, qs, per_page=20))
    return render(request, "wishes/claim_pool.html", context)


@login_required
@require_POST
def claim(request, pk):
    member = _member_of(request.user)
    wish = Wish.objects.filter(pk=pk, state__in=[S.POOLED, S.CLAIMED]).select_related("organization").first()
    if wish is None:
        raise Http404("心愿不在心愿池中")
    return pages.button_action(
        request,
        lambda: services.claim_wish(request.user, wish, member=member, version=request.POST.get("version")),
        success="认领成功！请尽快联系群众，完成后在这里报告",
        to="wishes:mine",
        back=reverse("wishes:claim_pool")
        + (f"?area={_int(request.POST['area'])}" if _int(request.POST.get("area")) is not None else ""),
    )


@login_required
def mine(request):
    member = _member_of(request.user)
    rows = list(queries.member_claims(member).prefetch_related("photos"))
    return render(
        request,
        "wishes/mine.html",
        {
            "rows": rows,
            "fulfil_form": FulfilForm(prefix="fulfil"),
            "note_form": NoteForm(),
            "now": timezone.now(),
            "active_nav": "wishes-mine",
        },
    )


@login_required
@require_POST
def mine_act(request, pk, action):
    member = _member_of(request.user)
    wish = Wish.objects.filter(pk=pk, claimed_member=member).select_related("organization").first()
    if wish is None:
        raise Http404("这不是您认领的心愿")
    if action not in ("fulfil", "release"):
        raise Http404("未知的操作")

    def act() -> str:
        if action == "fulfil":
            form = FulfilForm(request.POST, request.FILES, prefix="fulfil")
            if not form.is_valid():
                raise ValidationError([e for errs in form.errors.values() for e in errs])
            services.fulfil_wish(request.user, wish, version=request.POST.get("version"), **form.cleaned_data)
            return "已报告完成，等待群众确认"
        form = NoteForm(request.POST)
        if not form.is_valid():
            raise ValidationError("请填写放弃的原因")
        services.release_wish(request.user, wish, note=form.cleaned_data["note"], version=request.POST.get("version"))
        return "已放弃认领，心愿回到心愿池"

    return pages.button_action(request, act, success=lambda text: text, to="wishes:mine")


@login_required
def mine_photo(request, pk):
    """Photos of a wish the member claimed (the requester's photos help to prepare)."""
    member = _member_of(request.user)
    item = WishPhoto.objects.filter(pk=pk, wish__claimed_member=member).first()
    if item is None:
        raise Http404("没有这张照片")
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)


@login_required
def panel(request):
    """The figures card of the organization page and the command screen (loaded by htmx)."""
    from .panels import figures_card

    require_staff(request.user, WISHES_STAFF_ONLY)
    root = page_root(request)
    today = timezone.localdate()
    return render(
        request,
        "wishes/panel_figures.html",
        {"panel": figures_card(request, root, today), "title": f"微心愿（{today.year}年）"},
    )
