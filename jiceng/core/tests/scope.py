"""Rows of the outsider walk (jiceng/core/tests/test_scope_walk.py) for the core pages.

Every app with URLs has a ``tests/scope.py`` like this one. The walk logs in as three
personas of the sibling township (town A: its admin, a plain member, a county department's
handler) and, separately, as nobody, and visits every URL with the arguments below, which
point at the victim township's (town B) objects. Names:

- ``samples(county, victim)``: URL name → URL kwargs. ``victim`` holds what every module's
  ``setup()`` returned (ids of victim objects), merged.
- ``QUERIES``: URL name → query string; ``{town_b}``, ``{branch_b}`` and ``victim`` keys are filled in.
- ``POSTS``: URL name → POST body (same placeholders).
- ``ANONYMOUS_OPEN``: names an anonymous visitor may open (login, public pages).
- ``PUBLIC``: names whose pages are public by design (they may show town B's organization
  names); for these only private markers (PRIVATE_MARKERS) must not appear.
- ``COUNTY_WIDE_FOR_MEMBERS``: names whose POST a plain member may make anywhere in the county
  by design (claiming a wish from the county's public pool); the member persona does not post
  to them.
- ``setup(county) -> dict`` (optional): create victim records in town B. Put "秘密" in their
  text and use phone 13900009999 for private details, so a leak is seen.
- ``invariants(county) -> object`` (optional): a snapshot of victim data that the walk must
  leave unchanged.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jiceng.core.models import CountySettings


def samples(county, victim):
    return {
        "core:audit": {},
        "core:audit_export": {},
        "core:settings": {},
        "core:notifications": {},
        "core:notifications_read": {},
        "core:calendar": {},
        "core:jobs": {},
        "core:exports": {},
        "core:export_download": {"pk": victim["victim_export"]},
        "core:favicon": {},
        "api-token": {},
        "api-schema": {},
        "api-root": {},
    }


QUERIES = {"core:calendar": "?year=2027"}
POSTS = {
    "core:settings": {"term_warning_months": "9", "committee_term_years": "5", "branch_term_years": "3"},
    "core:notifications_read": {"id": "{victim_notice}"},
    "core:calendar": {"action": "day", "day-day": "2027-01-04", "day-is_workday": "0", "day-name": "外来"},
    "core:jobs": {"name": "core.nothing"},
}
ANONYMOUS_OPEN = {"api-token", "core:favicon"}
PUBLIC: set[str] = set()


def setup(county):
    from jiceng.core.models import Export
    from jiceng.core.notifications import notify

    notice, _ = notify(county.admin_b, kind="test", title="乙乡秘密通知", key="scope-walk", org_path=county.town_b.path)
    # A finished background export of township 乙's admin: nobody else may list or download it.
    # A row only (its file is never written): the download answers 404 before opening anything.
    export = Export.objects.create(
        requester=county.admin_b,
        title="乙乡秘密名册",
        view_name="members:export",
        path="/members/export/",
        org_path=county.town_b.path,
        state=Export.State.DONE,
        row_count=1,
        file_name="secret/乙乡秘密名册.xlsx",
        download_name="乙乡秘密名册.xlsx",
        expires_at=timezone.now() + timedelta(days=7),
    )
    return {"victim_notice": notice.pk, "victim_export": export.pk}


def invariants(county):
    from jiceng.core.models import CalendarDay, Notification

    return (
        CountySettings.current().term_warning_months,
        CalendarDay.objects.filter(day__year=2027).count(),
        list(Notification.objects.filter(recipient=county.admin_b).values_list("read_at", flat=True)),
    )
