"""What several life page modules share: the one visible record by primary key (members only
published ones), the organizations a manager records for, the period asked for and the periods
offered, the year asked for, and the 400 of an export that cannot be made."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponseBadRequest
from django.utils import timezone

from jiceng.core.navigation import is_manager
from jiceng.core.scoping import get_visible_or_404, visible
from jiceng.orgs.models import Organization

from .. import queries, rules
from ..models import Record


def record_or_404(request, pk) -> Record:
    record = get_visible_or_404(request.user, Record.objects.select_related("organization", "activity_type"), pk=pk)
    if record.state != Record.State.PUBLISHED and not is_manager(request.user):
        raise Http404("未找到或无权查看")
    return record


def manageable_orgs(user):
    return visible(user, Organization.objects.filter(type__in=queries.EVALUATED_TYPES)).order_by("path")


def window_asked(request, default_kind: str = "quarter", *, strict: bool = False) -> rules.Period:
    """?period= (2026, 2026-Q3, 2026-07), else the last whole window of `default_kind`.

    A period that cannot be used (not a period, or a year outside rules.MIN_YEAR..MAX_YEAR) is
    said on the page, which shows the default window instead; with `strict` (exports) it raises
    ValueError, so that no file of another period is handed out."""
    default = rules.previous_window(default_kind, timezone.localdate())
    text = request.GET.get("period")
    if not text:
        return default
    try:
        return rules.parse_period(text)
    except ValueError as exc:
        if strict:
            raise
        messages.error(request, f"{exc}。下面显示{default.label}。")
        return default


def period_choices(today) -> list[rules.Period]:
    out = [rules.month_of(today), rules.previous_window("month", today)]
    q = rules.quarter_of(today)
    for _ in range(4):
        out.append(q)
        q = rules.quarter_of(q.start - timedelta(days=1))
    out += [rules.year_of(today), rules.year_of(today.replace(year=today.year - 1, day=1))]
    return out


def year_asked(request) -> tuple[int, str | None]:
    """?year= (or the posted year), else this year. A year that is not ASCII digits or lies
    outside rules.MIN_YEAR..MAX_YEAR gives this year and the reason, for the page to say."""
    this_year = timezone.localdate().year
    raw = (request.GET.get("year") or request.POST.get("year") or "").strip()
    if not raw:
        return this_year, None
    year = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 4 else None
    error = rules.year_error(year)
    if error:
        return this_year, f"{error}（收到：{raw[:20]}）"
    return year, None


def refused(exc: Exception) -> HttpResponseBadRequest:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
