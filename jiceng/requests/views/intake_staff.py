"""Staff entry of a request on a resident's behalf, and the QR posters for the intake page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from jiceng.core import pages, qr
from jiceng.core.scoping import get_visible_or_404, scope_root
from jiceng.orgs.models import Organization

from .. import services
from ..forms import StaffEntryForm
from ..models import Request
from ._common import entry_organizations, require_request_staff


@login_required
@require_http_methods(["GET", "POST"])
def request_create(request):
    require_request_staff(request.user)
    organizations = entry_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied("您的账号不能登记诉求（仅村、社区、乡镇和县级管理员）")
    initial = {}
    root = scope_root(request.user)
    if root is not None and organizations.filter(pk=root.pk).exists():
        initial["organization"] = root.pk
    form = StaffEntryForm(request.POST or None, request.FILES or None, organizations=organizations, initial=initial)

    def enter(data) -> Request:
        data = dict(data)
        accept_now, result = data.pop("accept_now"), data.pop("result").strip()
        item = services.create_request(request.user, **data)
        if accept_now or result:
            item = services.accept_request(request.user, item, contacted=True)
        if result:
            item = services.resolve_request(request.user, item, result=result)
        return item

    if done := pages.form_action(
        request,
        form,
        enter,
        success=lambda item: f"已受理，受理编号 {item.ticket}（请告知群众，凭编号和电话查询进度）",
        to=lambda item: reverse("requests:detail", args=[item.pk]),
    ):
        return done
    return render(request, "requests/create.html", {"form": form, "active_nav": "requests_create"})


# ---- QR posters for the intake page -------------------------------------------------------------


def _intake_url(request, org: Organization) -> str:
    path = reverse("resident:intake", args=[org.code])
    base = settings.JICENG_SITE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def _intake_org(request, org_pk) -> Organization:
    require_request_staff(request.user)
    org = get_visible_or_404(request.user, Organization.objects.all(), pk=org_pk)
    message = services.intake_organization_error(org)
    if message:
        raise Http404(message)
    return org


@login_required
def qr_poster(request, org):
    org = _intake_org(request, org)
    url = _intake_url(request, org)
    return render(
        request,
        "requests/qr_poster.html",
        {"org": org, "url": url, "svg": qr.svg(url, scale=8), "active_nav": "requests"},
    )


@login_required
def qr_png(request, org):
    org = _intake_org(request, org)
    return qr.png_response(_intake_url(request, org), f"intake-{org.code}.png")
