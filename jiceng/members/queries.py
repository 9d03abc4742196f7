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


# ---- dual registration ------------------------------------------------------------------


def registered_members(user) -> QuerySet:
    """Members in office registered with a community in the user's scope.

    A community sees these members although they belong to other organizations, because the
    registration is with it; pages show them only the fields the registration needs (name,
    gender, work organization, masked phone, registration date and the year's records).
    """
    from jiceng.core.scoping import has_full_scope, path_q, scope_root

    from .models import Member

    qs = Member.objects.filter(registered_community__isnull=False, status__in=Member.ACTIVE_STATUSES)
    if has_full_scope(user):
        return qs
    root = scope_root(user)
    if root is None or user.role == "member":
        return qs.none()
    return qs.filter(path_q("registered_community__path", root.path))


def dual_progress(member_ids, year: int, records: QuerySet | None = None) -> dict[int, dict[str, int]]:
    """{member_id: {kind: number of records}} for the year (one query). `records` limits the
    records counted (a community counts what it can see, i.e. what it recorded)."""
    from django.db.models import Count

    from .models import DualRegistrationRecord

    records = DualRegistrationRecord.objects.all() if records is None else records
    out: dict[int, dict[str, int]] = {}
    rows = (
        records.filter(member_id__in=member_ids, year=year)
        .values("member_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        out.setdefault(row["member_id"], {})[row["kind"]] = row["n"]
    return out
