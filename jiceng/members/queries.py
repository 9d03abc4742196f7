"""Reads about members shared by pages, API, exports and the command screen."""

from __future__ import annotations

import re
from datetime import date

from django.db.models import Count, Q, QuerySet

from jiceng.core.idnumbers import digest, normalize
from jiceng.core.scoping import path_q

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


THEMED_DAY = "themed_day"  # jiceng.life's 主题党日 activity type


def _themed_day_q(prefix: str = ""):
    """A themed party day, or a county's own type that counts as one."""
    return Q(**{f"{prefix}activity_type__code": THEMED_DAY}) | Q(
        **{f"{prefix}activity_type__counts_for__code": THEMED_DAY}
    )


def dual_progress(members, year: int, records: QuerySet | None = None) -> dict[int, dict[str, int]]:
    """{member_id: {kind: count}} for the year, from records (five queries, whatever the number
    of members; members may be a Member queryset or a list of ids):

    - ``party_day``: themed party days (主题党日, jiceng.life) held in the year, on or after the
      registration date, by the member's registered community or an organization below it,
      where the member is recorded present;
    - ``wish``: wishes the member claimed in the year and did not give back
      (jiceng.wishes.queries.wishes_claimed_by_members);
    - ``service_project``: the community's entries (DualRegistrationRecord); `records` limits
      those counted (a community counts what it recorded).

    Every member is in the result, with zeros where nothing was done.
    """
    from .models import Member

    ids = members.values("pk") if isinstance(members, QuerySet) else list(members)
    registration = {
        pk: (path, since)
        for pk, path, since in Member.objects.filter(pk__in=ids).values_list(
            "pk", "registered_community__path", "registered_on"
        )
    }
    return dual_progress_of(registration, year, records)


def dual_progress_of(registration: dict, year: int, records: QuerySet | None = None) -> dict[int, dict[str, int]]:
    """`dual_progress` for members already read: {member_id: (registered community path,
    registration date)}. Four queries (one more per 5,000 party days in the year)."""
    from jiceng.life.models import Attendance, Record
    from jiceng.wishes.queries import wishes_claimed_by_members

    from .models import DualRegistrationRecord

    out = {pk: dict.fromkeys(rules.DUAL_KINDS, 0) for pk in registration}
    if not out:
        return out
    member_ids = list(out)
    first, last = date(year, 1, 1), date(year, 12, 31)
    # Records first: the year's themed party days held in the registered communities' subtrees
    # (the Record (held_on) index bounds the scan to the year), then their present marks. Driving
    # from the members' attendance instead makes a planner walk every year of records.
    communities = {path for path, _ in registration.values() if path}
    if communities:
        in_communities = Q()
        for path in communities:
            in_communities |= path_q("organization__path", path)
        party_days = {
            pk: (org_path, held_on)
            for pk, org_path, held_on in Record.objects.filter(
                in_communities, state__in=Record.HELD_STATES, held_on__gte=first, held_on__lte=last
            )
            .filter(_themed_day_q())
            .values_list("pk", "organization__path", "held_on")
            .order_by()
        }
        wanted = set(member_ids)
        record_ids = list(party_days)
        marks = (
            row
            for start in range(0, len(record_ids), 5000)  # SQLite's bound on query parameters
            for row in Attendance.objects.filter(
                record_id__in=record_ids[start : start + 5000], status=Attendance.Status.PRESENT
            )
            .values_list("record_id", "member_id")
            .order_by()
        )
        for record_id, member_id in marks:
            if member_id not in wanted:
                continue
            org_path, held_on = party_days[record_id]
            path, since = registration[member_id]
            if path and org_path.startswith(path) and (since is None or held_on >= since):
                out[member_id]["party_day"] += 1
    for member_id, n in wishes_claimed_by_members(member_ids, year).items():
        out[member_id]["wish"] = n
    records = DualRegistrationRecord.objects.all() if records is None else records
    for row in (
        records.filter(member_id__in=member_ids, year=year, kind=DualRegistrationRecord.Kind.SERVICE_PROJECT)
        .values("member_id")
        .annotate(n=Count("id"))
        .order_by()
    ):
        out[row["member_id"]]["service_project"] = row["n"]
    return out


def community_party_days(member, since: date, until: date) -> QuerySet:
    """Held themed party days of the member's registered community (and the organizations
    below it) between the dates, on or after the registration: the ones the community can
    record the member at (jiceng.life.services.add_to_roster)."""
    from jiceng.life.models import Record

    community = member.registered_community
    if community is None:
        return Record.objects.none()
    since = max(since, member.registered_on) if member.registered_on else since
    return (
        Record.objects.filter(
            community.subtree_filter("organization__"),
            state__in=Record.HELD_STATES,
            held_on__gte=since,
            held_on__lte=until,
        )
        .filter(_themed_day_q())
        .select_related("organization", "activity_type")
        .order_by("-held_on", "-id")
    )
