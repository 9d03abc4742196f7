"""Reads about members shared by pages, API, exports and the command screen."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Q, QuerySet

from jiceng.core.idnumbers import digest, normalize

from . import rules

CLASSES = {
    "no_post": "无职党员",
    "retired": "离退休党员",
    "farmer": "农民党员",
    "mobile": "流动党员",
    "dual_registered": "到社区报到的在职党员",
    "lead_household": "党员中心户",
}


def search(qs: QuerySet, text: str) -> QuerySet:
    """Name, pinyin, pinyin initials (`zs` finds 张三), last digits of phone or ID number,
    or a whole ID number (matched by its keyed digest, never in clear)."""
    text = (text or "").strip()
    if not text:
        return qs
    if len(text) == 18 and re.fullmatch(r"\d{17}[\dXx]", text):
        return qs.filter(id_number_digest=digest(normalize(text)))
    if re.fullmatch(r"\d{3,11}|\d{1,3}[Xx]", text):
        # An ID number may end with the check character X: "551X" is the last 4 characters.
        q = Q(phone__endswith=text)
        if len(text) <= 4:
            q |= Q(id_number_masked__endswith=text.upper())
        return qs.filter(q)
    if re.fullmatch(r"[A-Za-z]+", text):
        low = text.lower()
        return qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
    return qs.filter(name__contains=text)


def filter_class(qs: QuerySet, klass: str) -> QuerySet:
    if klass == "no_post":
        return qs.filter(post="")
    if klass == "retired":
        return qs.filter(occupation="retired")
    if klass == "farmer":
        return qs.filter(occupation="farmer")
    if klass == "mobile":
        return qs.filter(is_mobile=True)
    if klass == "dual_registered":
        return qs.filter(registered_community__isnull=False)
    if klass == "lead_household":
        return qs.filter(lead_household__isnull=False)
    return qs


def filter_age_band(qs: QuerySet, band: str, today: date) -> QuerySet:
    after, on_or_before = rules.birth_range_for_band(band, today)
    if after is not None:
        qs = qs.filter(birth_date__gt=after)
    if on_or_before is not None:
        qs = qs.filter(birth_date__lte=on_or_before)
    return qs


# ---- political birthdays ----------------------------------------------------------------


def birthdays_in_month(qs: QuerySet, year: int, month: int) -> QuerySet:
    """Members of `qs` in office (正式、预备) whose join-date anniversary falls in the month;
    those admitted in `year` itself have no anniversary yet."""
    from .models import Member

    return qs.filter(status__in=Member.ACTIVE_STATUSES, join_date__month=month, join_date__year__lt=year)


# ---- registration with a residential community ------------------------------------------


def registrable_communities(user) -> QuerySet:
    """Organizations a member can register with (villages, communities and the branches and
    grids below them) in the user's scope: the member form's choices and the dual-registration
    desk's (jiceng.dual)."""
    from jiceng.core.scoping import visible
    from jiceng.orgs.models import Organization

    return (
        visible(
            user,
            Organization.objects.filter(
                domain__in=rules.VILLAGE_DOMAINS, parent__domain__in=rules.VILLAGE_DOMAINS
            ).exclude(type=Organization.Type.GROUP),
        )
        .select_related("parent")
        .order_by("path")
    )
