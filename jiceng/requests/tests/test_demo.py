"""The demo county's requests (tiny scale): a year of them, consistent with the rules."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from jiceng.demo.testing import tiny_demo
from jiceng.requests import queries, rules
from jiceng.requests.models import Department, Request, RequestEvent, RequestSettings


def test_demo_requests_are_consistent(db):
    result = tiny_demo(3, password="demo-test-2468")
    figures = dict(result["apps"])["requests"]
    # The liaison demo, which runs after this one, passes some problems on as requests too.
    own = Request.objects.exclude(channel="liaison")
    total = own.count()
    assert figures["群众诉求"] == total > 100
    assert figures["办理记录"] == RequestEvent.objects.filter(request__in=own).count() > total
    assert Department.objects.count() == figures["县直部门"] == 12
    assert RequestSettings.current().township_depth == 1
    now = timezone.now()
    assert not Request.objects.filter(received_at__gt=now).exists()
    # Deadlines in order, results only on finished requests, the states the table knows.
    for r in Request.objects.all():
        assert r.received_at <= r.assign_due_at <= r.response_due_at <= r.done_due_at or r.escalations
        assert (r.resolved_at is not None) == (r.state in rules.DONE | {"closed"}) or r.state == "closed"
        assert r.state in rules.State.values
    states = set(Request.objects.values_list("state", flat=True))
    assert {"closed", "accepted"} <= states
    assert Request.objects.filter(level="department").exists()
    assert Request.objects.filter(queries.overdue_q(now)).exists()
    assert Request.objects.exclude(rating="").exists()
    handler = get_user_model().objects.get(username="demo-department")
    assert handler.check_password("demo-test-2468")  # the same password as the generator's accounts
    assert handler.role == "department_handler"
    assert queries.department_of(handler).name.endswith("住房和城乡建设局")
    assert queries.visible_requests(handler).filter(holder_department=queries.department_of(handler)).exists()
    # Every event belongs to its request's story in time.
    assert not RequestEvent.objects.filter(at__lt=queries.F("request__received_at")).exists()
