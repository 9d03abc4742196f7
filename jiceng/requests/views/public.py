"""Public pages, no account needed: the village's intake page (reached from its QR code), the
resident's follow-up and rating pages (ticket + phone), and the public board (公开栏).

Every POST here is rate-limited per client address (django-ratelimit on Django's cache; the
address as jiceng/core/client.py reads it behind a trusted proxy). A lookup is also limited per
(ticket, client) in a short window, so a phone number cannot be guessed for a known ticket, and
someone guessing wrong numbers from elsewhere cannot lock the resident out of their own ticket.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from jiceng.core import pages, params, uploads
from jiceng.core.client import client_address
from jiceng.core.pages import paginate
from jiceng.orgs.models import Organization

from .. import rules, services
from ..forms import IntakeForm, RatingForm, TrackForm
from ..models import Category, Request, RequestPhoto, RequestSettings

INTAKE_RATE = "20/h"  # per address: a village office behind one address files for several residents
LOOKUP_RATE = "60/h"  # per client, whatever the tickets: the overall cap on guessing
LOOKUP_TICKET_RATE = "5/10m"  # per (ticket, client): guessing a phone number for a known ticket
RATING_RATE = "20/h"
SESSION_KEY = "resident_tickets"
SESSION_MAX = 20


def _limited(request) -> bool:
    return bool(getattr(request, "limited", False))


def _too_many(request, template: str, context: dict):
    context = {**context, "limited": True}
    return render(request, template, context, status=429)


def grant(request, ticket: str) -> None:
    """Remember in the session that this browser proved ticket + phone."""
    tickets = [t for t in request.session.get(SESSION_KEY, []) if t != ticket]
    request.session[SESSION_KEY] = (tickets + [ticket])[-SESSION_MAX:]


def granted(request, ticket: str) -> bool:
    return ticket in request.session.get(SESSION_KEY, [])


def intake_org(code: str, depth: int | None = None) -> Organization:
    if params.has_control_chars(code):  # /r/%00/: PostgreSQL cannot compare text holding NUL
        raise Http404("没有这个受理点")
    org = Organization.objects.filter(code=code).first()
    if org is None or services.intake_organization_error(org, depth):
        raise Http404("没有这个受理点")
    return org


def _body_too_large(request, max_photos: int) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > max_photos * settings.JICENG_PHOTO_MAX_BYTES + 256 * 1024


@ratelimit(key="ip", rate=INTAKE_RATE, method="POST", block=False)
@require_http_methods(["GET", "POST"])
def intake(request, code):
    config = RequestSettings.current()
    org = intake_org(code, config.township_depth)
    context = {"org": org, "max_photos": config.max_photos}
    if request.method == "POST":
        if _limited(request):
            context["form"] = IntakeForm(max_photos=config.max_photos)
            return _too_many(request, "requests/public/intake.html", context)
        if _body_too_large(request, config.max_photos):
            # Keep what the resident typed; the photos are not read at all.
            form = IntakeForm(request.POST, max_photos=config.max_photos)
            form.is_valid()
            limit = max(1, settings.JICENG_PHOTO_MAX_BYTES // (1024 * 1024))
            form.add_error(None, f"上传的内容太大：最多 {config.max_photos} 张照片，每张不超过 {limit} MB")
            return render(request, "requests/public/intake.html", {**context, "form": form}, status=400)
        form = IntakeForm(request.POST, request.FILES, max_photos=config.max_photos)
        if form.is_valid() and form.cleaned_data["website"]:
            form.add_error(None, "提交失败，请刷新页面后重试")
            return render(request, "requests/public/intake.html", {**context, "form": form}, status=400)

        def file(data) -> Request:
            data = {name: value for name, value in data.items() if name != "website"}
            item = services.create_request(None, organization=org, channel="qr", **data)
            grant(request, item.ticket)
            return item

        if done := pages.form_action(
            request,
            form,
            file,
            success=None,
            to=lambda item: reverse("resident:progress", args=[item.ticket]) + "?new=1",
        ):
            return done
        return render(request, "requests/public/intake.html", {**context, "form": form}, status=400)
    context["form"] = IntakeForm(max_photos=config.max_photos)
    return render(request, "requests/public/intake.html", context)


def _ticket_key(group, request):
    return f"{rules.normalize_ticket(request.POST.get('ticket', ''))[:20]}|{client_address(request)}"


@ratelimit(key="ip", rate=LOOKUP_RATE, method="POST", block=False)
@ratelimit(key=_ticket_key, rate=LOOKUP_TICKET_RATE, method="POST", block=False)
@require_http_methods(["GET", "POST"])
def track(request):
    """Look a request up with its ticket number and the phone number given with it."""
    form = TrackForm(request.POST or None, initial={"ticket": request.GET.get("ticket", "")})
    if request.method == "POST":
        if _limited(request):
            return _too_many(request, "requests/public/track.html", {"form": TrackForm()})
        if form.is_valid():
            ticket = rules.normalize_ticket(form.cleaned_data["ticket"])
            phone = rules.normalize_phone(form.cleaned_data["phone"])
            if Request.objects.filter(ticket=ticket, phone=phone).exists():
                grant(request, ticket)
                return redirect("resident:progress", ticket=ticket)
            form.add_error(None, "受理编号或联系电话不对，请核对后再试")
        return render(request, "requests/public/track.html", {"form": form}, status=400)
    return render(request, "requests/public/track.html", {"form": form})


def _granted_request(request, ticket: str) -> Request | None:
    if not granted(request, ticket):
        return None
    return Request.objects.select_related("category", "organization").filter(ticket=ticket).first()


def progress(request, ticket):
    item = _granted_request(request, ticket)
    if item is None:
        return redirect(reverse("resident:track") + f"?ticket={ticket}")
    config = RequestSettings.current()
    can_reopen = item.reopen_count < config.reopen_limit
    form = RatingForm(initial={"version": item.version})
    if not can_reopen:
        del form.fields["reopen"]
    return render(request, "requests/public/progress.html", _progress_context(item, form, request))


def _progress_context(item: Request, form, request) -> dict:
    return {
        "item": item,
        "state_text": rules.RESIDENT_STATE_TEXT.get(item.state, item.get_state_display()),
        "events": item.events.filter(public=True).order_by("at", "pk"),
        "photos": list(item.photos.all()),
        "form": form,
        "can_rate": item.state in rules.DONE,
        "is_new": request.GET.get("new") == "1",
    }


@ratelimit(key="ip", rate=RATING_RATE, method="POST", block=False)
@require_POST
def rate(request, ticket):
    item = _granted_request(request, ticket)
    if item is None:
        return redirect(reverse("resident:track") + f"?ticket={ticket}")
    if _limited(request):
        return _too_many(request, "requests/public/progress.html", _progress_context(item, RatingForm(), request))
    form = RatingForm(request.POST)
    if item.reopen_count >= RequestSettings.current().reopen_limit:
        del form.fields["reopen"]
    if done := pages.form_action(
        request,
        form,
        lambda data: services.rate_request(
            item,
            rating=data["rating"],
            solved=data["solved"],
            note=data["note"],
            reopen=data.get("reopen", False),
            version=data.get("version"),
        ),
        success=lambda rated: (
            "已收到您的评价，我们会重新办理" if rated.state == rules.State.REOPENED else "感谢您的评价"
        ),
        to=lambda rated: reverse("resident:progress", args=[rated.ticket]),
    ):
        return done
    return render(request, "requests/public/progress.html", _progress_context(item, form, request), status=400)


def resident_photo(request, ticket, photo):
    item = _granted_request(request, ticket)
    obj = RequestPhoto.objects.filter(pk=photo, request=item).first() if item else None
    if obj is None:
        raise Http404("未找到照片")
    field = obj.thumbnail if request.GET.get("thumb") else obj.image
    return uploads.file_response(field, download_name=f"{item.ticket}-{obj.pk}.jpg")


# ---- the public board ---------------------------------------------------------------------------


def _published():
    return Request.objects.filter(published=True).exclude(kind="report")


def board(request):
    qs = _published().select_related("category", "organization").order_by("-published_at", "-pk")
    category = request.GET.get("category", "")
    category_id = params.int_or_none(category)
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    context = {"categories": Category.objects.filter(is_active=True), "category": category}
    context.update(paginate(request, qs, per_page=20))
    return render(request, "requests/public/board.html", context)


def board_detail(request, pk):
    item = _published().select_related("category", "organization").filter(pk=pk).first()
    if item is None:
        raise Http404("未找到或未公开")
    photos = list(item.photos.filter(public=True))
    return render(request, "requests/public/board_detail.html", {"item": item, "photos": photos})


def board_photo(request, photo):
    obj = RequestPhoto.objects.filter(pk=photo, public=True, request__in=_published()).first()
    if obj is None:
        raise Http404("未找到照片")
    field = obj.thumbnail if request.GET.get("thumb") else obj.image
    response = uploads.file_response(field, download_name=f"photo-{obj.pk}.jpg")
    response["Cache-Control"] = "public, max-age=600"
    return response
