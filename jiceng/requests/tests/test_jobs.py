"""Sweeps with the clock moved: overdue notices once per request, stage and deadline;
automatic escalation after the grace period, once; automatic closing; all run twice."""

from __future__ import annotations

import time_machine
from django.utils import timezone

from jiceng.core import jobs
from jiceng.core.models import Notification
from jiceng.requests import services
from jiceng.requests.models import Request, RequestSettings, RoutingRule
from jiceng.requests.testing import file_request
from jiceng.testing import at


def overdue_notices(user):
    return Notification.objects.filter(recipient=user, kind="requests_overdue")


def test_overdue_notices_are_sent_once_per_stage_and_deadline(desk):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):  # Monday; sign by Tue 24:00
        req = file_request(desk)
    with time_machine.travel(at(2026, 11, 3, 23, 59), tick=False):
        assert services.notify_overdue(at(2026, 11, 3, 23, 59)) == 0
    with time_machine.travel(at(2026, 11, 4, 0, 1), tick=False):
        assert services.notify_overdue(at(2026, 11, 4, 0, 1)) == 1
        assert services.notify_overdue(at(2026, 11, 4, 0, 1)) == 0  # twice: nothing new
    notice = overdue_notices(desk.village_clerk).get()
    assert "签收超期" in notice.title and req.ticket in notice.title
    with time_machine.travel(at(2026, 11, 6, 1), tick=False):  # response due Thu 24:00 has passed too
        assert jobs.run_job("requests.overdue_notices", at(2026, 11, 6, 1)) == "超期提醒 1 条"
        assert jobs.run_job("requests.overdue_notices", at(2026, 11, 6, 1)) == "超期提醒 0 条"
    # Escalated: new holder, new deadlines, and later new notices for them.
    with time_machine.travel(at(2026, 11, 6, 9), tick=False):
        req = services.escalate_request(desk.village_clerk, req, note="上报")
    with time_machine.travel(at(2026, 11, 10, 9), tick=False):
        assert services.notify_overdue(at(2026, 11, 10, 9)) == 1
    # The township holds a village's request: its notice is rolled into the day's digest
    # (issue 11 item 14), which links to the overdue list.
    item = overdue_notices(desk.county.admin_a).get(digest__isnull=False)
    assert item.digest is not None and item.read_at is not None
    assert "诉求签收超期（今日 1 条）" in item.digest.title and item.digest.url.endswith("?box=overdue")
    assert item.digest.read_at is None


def test_automatic_escalation_after_the_grace_period(desk):
    RoutingRule.objects.create(
        organization=desk.county.root, category=desk.road, target_department=desk.housing, mode="whistle"
    )
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        req = services.accept_request(desk.village_clerk, file_request(desk), contacted=True)
    assert req.done_due_at == at(2026, 11, 12)
    with time_machine.travel(at(2026, 11, 12, 23), tick=False):  # 23 hours after: within the 24-hour grace
        assert services.auto_escalate(at(2026, 11, 12, 23)) == 0
    with time_machine.travel(at(2026, 11, 13, 1), tick=False):
        assert jobs.run_job("requests.auto_escalate", at(2026, 11, 13, 1)) == "自动上报 1 件"
        assert jobs.run_job("requests.auto_escalate", at(2026, 11, 13, 1)) == "自动上报 0 件"
    req.refresh_from_db()
    assert (req.state, req.level, req.holder_org, req.escalations) == ("escalated", "township", desk.county.town_a, 1)
    assert req.done_late  # frozen before the new deadline
    event = req.events.last()
    assert event.actor is None and event.actor_role == "系统（超期自动上报）"
    # The township does not sign either: next rung is the department the whistle rule names.
    later = at(2026, 11, 26, 1)  # the township's 7 working days end 24 Nov 24:00, plus 24 hours
    with time_machine.travel(later, tick=False):
        assert services.auto_escalate(later) == 1
        assert services.auto_escalate(later) == 0
    req.refresh_from_db()
    assert req.holder_department == desk.housing and req.escalations == 2
    with time_machine.travel(at(2027, 1, 30), tick=False):
        assert services.auto_escalate(at(2027, 1, 30)) == 0  # a department is the top rung


def test_no_automatic_escalation_when_switched_off(desk):
    RequestSettings.objects.create(escalate_after_hours=0)
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        file_request(desk)
    assert services.auto_escalate(at(2026, 12, 30)) == 0


def test_resolved_requests_close_when_nobody_rates_them(desk):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        req = services.resolve_request(
            desk.village_clerk, services.accept_request(desk.village_clerk, file_request(desk)), result="好"
        )
    with time_machine.travel(at(2026, 11, 17, 8), tick=False):
        assert services.auto_close(at(2026, 11, 17, 8)) == 0
    with time_machine.travel(at(2026, 11, 17, 10), tick=False):
        assert services.auto_close(at(2026, 11, 17, 10)) == 1
        assert services.auto_close(at(2026, 11, 17, 10)) == 0
    req = Request.objects.get(pk=req.pk)
    assert req.state == "closed" and req.rating == "" and "未评价" in req.events.last().note


def test_jobs_are_registered(desk):
    names = set(jobs.all_jobs())
    assert {"requests.overdue_notices", "requests.auto_escalate", "requests.auto_close"} <= names


def test_a_request_that_cannot_be_escalated_does_not_hold_up_the_others(desk):
    """A township-level request with no whistle department fails to escalate on every run; it
    is the oldest, so it came first in the sweep's batch, and with a batch of one an overdue
    village request behind it was never escalated."""
    county = desk.county
    with time_machine.travel(at(2026, 9, 1, 9), tick=False):
        stuck = file_request(desk, org=county.town_a)  # township level, no whistle rule
    with time_machine.travel(at(2026, 9, 2, 9), tick=False):
        village = file_request(desk)
    assert (stuck.level, village.level) == ("township", "village")
    later = at(2026, 11, 2, 9)  # both long past their done deadlines and the grace
    with time_machine.travel(later, tick=False):
        assert services.auto_escalate(timezone.now(), limit=1) == 1
        assert jobs.run_job("requests.auto_escalate", timezone.now()) == "自动上报 0 件"  # idempotent
        assert services.auto_escalate(timezone.now(), limit=1) == 0
    village.refresh_from_db()
    stuck.refresh_from_db()
    assert (village.state, village.level, village.holder_org, village.escalations) == (
        "escalated",
        "township",
        county.town_a,
        1,
    )
    # The township keeps its own request (and its overdue notices) until someone names a department.
    assert (stuck.state, stuck.level, stuck.escalations) == ("received", "township", 0)
    RoutingRule.objects.create(organization=county.root, category=None, target_department=desk.housing, mode="whistle")
    with time_machine.travel(later, tick=False):
        assert services.auto_escalate(timezone.now(), limit=1) == 1
    stuck.refresh_from_db()
    assert (stuck.holder_department, stuck.escalations) == (desk.housing, 1)
