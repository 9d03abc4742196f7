"""Overdue and near rectification tasks reach the to-do list (本月待办, through core.todo) and
the reminders (the daily job `ratings.rectification`): the organization's managers get a notice
once when a task is due soon and once when it is late, the levels above the day's digest, an
outsider nothing; talks and warnings after a star review and claims waiting also reach the list."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from jiceng.core.jobs import run_job
from jiceng.core.models import Notification
from jiceng.orgs.services import create_organization
from jiceng.ratings import services
from jiceng.testing import client_for, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ledger(county):
    with time_machine.travel("2026-11-20 10:00 +0800"):
        branch = create_organization(
            None, parent=county.village_a, code="WK1", name="整顿测试支部", type="branch", domain="rural"
        )
        secretary = make_user("weak-secretary", branch, "branch_secretary")
        weak = services.designate_weak(
            county.county_admin, branch, year=2026, reason="堡垒指数末位", leader="县委常委 张书记"
        )
        near = services.add_task(county.admin_a, weak, measure="配强班子", owner="李委员", deadline=date(2026, 11, 30))
        later = services.add_task(county.admin_a, weak, measure="建立制度", owner="王委员", deadline=date(2027, 3, 31))
        done = services.add_task(county.admin_a, weak, measure="整理台账", owner="王委员", deadline=date(2026, 11, 25))
        services.complete_task(county.admin_a, done, done_on=date(2026, 11, 20), result="已完成")
    return {"branch": branch, "secretary": secretary, "weak": weak, "near": near, "later": later, "done": done}


def _todo_page(user, org, day):
    with time_machine.travel(f"{day} 10:00 +0800"):
        return client_for(user).get(reverse("life:todo"), {"org": org.pk}).content.decode()


def test_an_overdue_task_is_on_the_to_do_list_marked_late_and_a_far_one_is_not(county, ledger):
    page = _todo_page(ledger["secretary"], ledger["branch"], "2026-11-25")
    assert "其他待办" in page and "配强班子" in page and "即将到期" in page
    assert "建立制度" not in page and "整理台账" not in page  # due in four months; done
    page = _todo_page(ledger["secretary"], ledger["branch"], "2026-12-02")
    assert 'data-other-todo="整顿任务" data-overdue' in page and "已超期" in page
    # The township's manager sees it on the branch's list too; a manager elsewhere cannot open it.
    assert "配强班子" in _todo_page(county.admin_a, ledger["branch"], "2026-12-02")
    with time_machine.travel("2026-12-02 10:00 +0800"):
        assert client_for(county.admin_b).get(reverse("life:todo"), {"org": ledger["branch"].pk}).status_code in (
            403,
            404,
        )


def test_reminders_are_sent_once_when_due_and_once_when_late_and_roll_up_above(county, ledger):
    def run(day):
        with time_machine.travel(datetime(*day, 9, tzinfo=SHANGHAI)):
            return run_job("ratings.rectification")

    def notices(user):
        return list(Notification.objects.filter(recipient=user, kind="ratings_task").values_list("key", flat=True))

    near = ledger["near"].pk
    run((2026, 11, 20))  # ten days ahead: nothing yet
    assert notices(ledger["secretary"]) == []
    run((2026, 11, 28))
    run((2026, 11, 29))  # a second day: nothing new
    assert notices(ledger["secretary"]) == [f"ratings:task:{near}:due"]
    run((2026, 12, 1))
    assert sorted(notices(ledger["secretary"])) == [f"ratings:task:{near}:due", f"ratings:task:{near}:overdue"]
    # Above the branch the notices are rolled into the day's digest; outside, nothing.
    assert Notification.objects.filter(recipient=county.admin_a, key__startswith="ratings:task:").count() == 2
    assert Notification.objects.filter(recipient=county.admin_a, digest__isnull=False, kind="ratings_task").count() == 2
    assert not Notification.objects.filter(recipient=county.admin_b, key__startswith="ratings:task:").exists()
    # A finished task is not announced again.
    with time_machine.travel("2026-12-01 12:00 +0800"):
        services.complete_task(county.admin_a, ledger["near"], done_on=date(2026, 12, 1), result="已配强")
    before = Notification.objects.count()
    run((2026, 12, 2))
    assert Notification.objects.count() == before


def test_claims_waiting_and_follow_ups_reach_the_list(county):
    from jiceng.ratings.models import FollowUp, StarReview

    member = county.member_a
    with time_machine.travel("2026-11-20 10:00 +0800"):
        item = services.scheme_for(date(2026, 11, 1)).items.filter(source="").first()
        services.submit_claim(county.member_user, member=member, item=item, on=date(2026, 11, 18), note="帮扶困难户")
        review = StarReview.objects.create(
            organization=county.branch_a, quarter=date(2026, 7, 1), state=StarReview.State.DECIDED
        )
        FollowUp.objects.create(review=review, member=member, kind="talk", stars=2, deadline=date(2026, 11, 30))
    page = _todo_page(county.secretary_a, county.branch_a, "2026-11-25")
    assert "1 条积分申报待审核" in page and f"{member.name}（评定后 2 星）" in page
