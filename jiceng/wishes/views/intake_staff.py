"""Staff entry of a wish on a resident's behalf (代录), and the QR posters of a village's
posting page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, params, qr
from jiceng.core.navigation import is_manager
from jiceng.core.scoping import get_visible_or_404, require_staff
from jiceng.orgs.models import Organization

from .. import services
from ..forms import StaffWishForm
from ._common import WISHES_STAFF_ONLY

_int = params.int_or_none


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
