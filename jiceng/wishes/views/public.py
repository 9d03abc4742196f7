"""Public pages, no account needed: the village's posting page (reached from its QR code),
the public wish pool and wall, and the requester's follow-up page (ticket + phone).

They show public fields only (masked requester, staff-written text, photos staff chose) and
are rate-limited (django-ratelimit on Django's cache, ADR 0005). `requested_area` is also the
public API's."""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from jiceng.core import pages, params, uploads
from jiceng.core.pages import paginate
from jiceng.orgs.models import Organization

from .. import queries, rules, services
from ..forms import ConfirmForm, FollowForm, NoteForm, PostForm
from ..models import Wish, WishPhoto, WishSettings
from ._common import township_like

S = rules.State

# Public pages (ADR 0014a): posting 10 an hour per address and 5 a day per phone number;
# looking a wish up by ticket and phone 20 an hour per address (against guessing).
POST_RATE_IP = "10/h"
POST_RATE_PHONE = "5/d"
FOLLOW_RATE_IP = "20/h"
FOLLOW_SESSION_SECONDS = 3600


_int = params.int_or_none


def _limited(request, template: str, context: dict):
    context = {**context, "limited": True}
    return render(request, template, context, status=429)


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


def requested_area(request) -> Organization | None:
    pk = _int(request.GET.get("area"))
    return Organization.objects.filter(pk=pk).first() if pk is not None else None


def pool(request):
    """The public wish pool and the wall of fulfilled wishes (masked, public fields only)."""
    area = requested_area(request)
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
