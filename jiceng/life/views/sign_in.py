"""QR sign-in (扫码签到): the signed link of a record and its QR code, shown at the meeting, and the
page a member's phone opens from it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from jiceng.core import qr

from .. import rules, services
from ..models import Record
from ._common import record_or_404

SIGN_SALT = "jiceng.life.sign-in"


def sign_token(record: Record) -> str:
    return signing.dumps({"r": record.pk}, salt=SIGN_SALT)


@login_required
def record_qr(request, pk):
    record = record_or_404(request, pk)
    services.require_manager(request.user, record.organization)
    url = request.build_absolute_uri(reverse("life:sign", args=[sign_token(record)]))
    opens = closes = None
    if record.starts_at and record.ends_at:
        opens, closes = rules.sign_in_window(record.starts_at, record.ends_at, services.sign_in_early_minutes())
    return render(
        request,
        "life/qr.html",
        {"record": record, "svg": qr.svg(url), "url": url, "opens": opens, "closes": closes, "active_nav": "life"},
    )


@login_required
def sign(request, token):
    """The page a member's phone opens from the QR code; signing in is a POST from it."""
    try:
        pk = signing.loads(token, salt=SIGN_SALT)["r"]
        record = Record.objects.select_related("organization", "activity_type").get(pk=pk)
    except (signing.BadSignature, KeyError, TypeError, Record.DoesNotExist) as exc:
        raise Http404("签到码无效") from exc
    on_roster = bool(request.user.member_id) and record.attendance.filter(member_id=request.user.member_id).exists()
    if not on_roster:
        # Nothing about the meeting is shown to someone who is not expected at it.
        return render(
            request,
            "life/sign.html",
            {"error": "您不在本次活动的应到名单中，无法签到。如有疑问请联系记录人。"},
            status=403,
        )
    done = error = None
    if request.method == "POST":
        try:
            done = services.sign_in(request.user, record)
        except (ValidationError, PermissionDenied) as exc:
            error = "；".join(getattr(exc, "messages", None) or [str(exc)])
    attendance = record.attendance.get(member_id=request.user.member_id)
    return render(request, "life/sign.html", {"record": record, "attendance": attendance, "done": done, "error": error})
