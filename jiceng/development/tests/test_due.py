"""Due and overdue lists are computed when read: they are right as the clock moves."""

from datetime import date

import time_machine
from django.urls import reverse

from jiceng.core.models import Notification
from jiceng.development import queries
from jiceng.development.jobs import reminders
from jiceng.development.testing import open_applicant, walk


def due(county, user=None, kind=None):
    items = queries.due_items(user or county.county_admin, county.root, date.today(), 15)
    return [(i.kind, i.state, i.due_on) for i in items if kind is None or i.kind == kind]


def at(day):
    return time_machine.travel(day, tick=False)


def test_talk_within_one_month_month_end(dev):
    open_applicant(dev, on=date(2025, 1, 31))
    with at(date(2025, 2, 12)):
        assert due(dev, kind="talk") == []  # 28 Feb is more than 15 days away
    with at(date(2025, 2, 13)):
        assert due(dev, kind="talk") == [("talk", "soon", date(2025, 2, 28))]
    with at(date(2025, 2, 28)):
        assert due(dev, kind="talk") == [("talk", "soon", date(2025, 2, 28))]  # the last day is still in time
    with at(date(2025, 3, 1)):
        assert due(dev, kind="talk") == [("talk", "overdue", date(2025, 2, 28))]
        item = queries.due_items(dev.county_admin, dev.root, date.today(), 15)[0]
        assert item.days == 1 and "应于2025-02-28前派人谈话" in item.message


def test_six_monthly_review_moves_with_each_review(dev):
    file = walk(dev, open_applicant(dev), 5)  # activist 2023-03-10
    # Six months end on Sunday 2023-09-10: the review is due on Monday 2023-09-11 (民法典第二百零三条).
    with at(date(2023, 9, 10)):
        assert due(dev, kind="review") == [("review", "soon", date(2023, 9, 11))]
    with at(date(2023, 9, 11)):
        assert due(dev, kind="review") == [("review", "soon", date(2023, 9, 11))]
    with at(date(2023, 9, 12)):
        assert due(dev, kind="review") == [("review", "overdue", date(2023, 9, 11))]
    walk(dev, file, 6)  # reviewed 2023-09-01
    with at(date(2023, 9, 11)):
        assert due(dev, kind="review") == []
    with at(date(2024, 3, 2)):
        assert due(dev, kind="review") == [("review", "overdue", date(2024, 3, 1))]


def test_votes_awaiting_approval_with_the_three_and_six_month_deadlines(dev):
    # Vote 2024-06-01. Three months end on Sunday 2024-09-01 and six on Sunday 2024-12-01: both
    # deadlines are the following Mondays (民法典第二百零三条).
    walk(dev, open_applicant(dev), 16)
    with at(date(2024, 7, 1)):
        assert due(dev, kind="approval") == [("approval", "waiting", date(2024, 9, 2))]
    with at(date(2024, 8, 20)):
        assert due(dev, kind="approval") == [("approval", "soon", date(2024, 9, 2))]
    with at(date(2024, 9, 2)):
        assert due(dev, kind="approval") == [("approval", "soon", date(2024, 9, 2))]
    with at(date(2024, 9, 3)):
        assert due(dev, kind="approval") == [("approval", "overdue", date(2024, 9, 2))]
    with at(date(2024, 12, 2)):
        assert due(dev, kind="approval")[0][1] == "overdue"
    with at(date(2024, 12, 3)):
        (item,) = [i for i in queries.due_items(dev.county_admin, dev.root, date.today(), 15)]
        assert item.state == "lapsed" and item.limit_on == date(2024, 12, 2)
        assert "须重新提交支部大会讨论" in item.message


def test_talk_due_on_national_day_rolls_to_the_first_working_day(dev):
    """One month from 2024-09-01 ends on 1 October, National Day; 1–7 October are days off, so the
    talk is due on 8 October (民法典第二百零三条), and a talk that day is not late."""
    file = open_applicant(dev, on=date(2024, 9, 1))
    assert file.talk_due_on == date(2024, 10, 8)
    with at(date(2024, 10, 8)):
        assert due(dev, kind="talk") == [("talk", "soon", date(2024, 10, 8))]
        assert queries.panel_figures(dev.root.path, date.today())["overdue"]["talk"] == 0
    with at(date(2024, 10, 9)):
        assert due(dev, kind="talk") == [("talk", "overdue", date(2024, 10, 8))]
    with at(date(2024, 10, 8)):
        walk(dev, file, 2, dates={2: date(2024, 10, 8)})
    file.refresh_from_db()
    assert not file.talk_late and not file.steps.get(number=2).is_late


def test_probation_end_on_a_holiday_does_not_roll(dev):
    """Probation is a minimum period: it ends on the anniversary of the vote even on a Sunday."""
    walk(dev, open_applicant(dev), 21)  # vote 2024-06-01, probation ends Sunday 2025-06-01
    with at(date(2025, 6, 2)):
        assert due(dev, kind="probation") == [("probation", "overdue", date(2025, 6, 1))]


def test_probations_ending_this_month(dev):
    walk(dev, open_applicant(dev), 21)  # probation ends 2025-06-01
    with at(date(2025, 5, 16)):
        assert due(dev, kind="probation") == []  # 16 days ahead, and in another month
    with at(date(2025, 5, 17)):
        assert due(dev, kind="probation") == [("probation", "soon", date(2025, 6, 1))]
    with at(date(2025, 6, 1)):
        assert due(dev, kind="probation") == [("probation", "soon", date(2025, 6, 1))]
    with at(date(2025, 6, 2)):
        assert due(dev, kind="probation") == [("probation", "overdue", date(2025, 6, 1))]


def test_probations_ending_this_month_count_those_ended_earlier_this_month_until_handled(dev, client_as):
    """本月预备期满: every probation that ends in the current month and still waits for the
    full-membership meeting, whether it ended before today or ends later this month."""
    file = walk(dev, open_applicant(dev), 22)  # vote 2024-06-01: probation ends 2025-06-01
    figures = lambda day: queries.panel_figures(dev.root.path, day)  # noqa: E731
    assert figures(date(2025, 5, 31))["probation_month"] == 0  # another month
    assert figures(date(2025, 6, 1))["probation_month"] == 1
    assert figures(date(2025, 6, 20))["probation_month"] == 1  # ended on the 1st, not yet handled
    assert figures(date(2025, 6, 20))["overdue"]["probation"] == 1
    assert figures(date(2025, 6, 30))["probation_month"] == 1
    assert figures(date(2025, 7, 1))["probation_month"] == 0  # last month's: overdue, not "this month"
    with at(date(2025, 6, 20)):
        html = client_as(dev.county_admin).get(reverse("development:panel", args=[dev.root.pk])).content.decode()
        assert "data-dev-probation-month>1<" in html
    walk(dev, file, 23, dates={23: date(2025, 6, 10)})  # handled: the meeting was held
    assert figures(date(2025, 6, 20))["probation_month"] == 0


def test_probation_at_the_end_of_a_month_is_listed_from_the_first_of_the_month(dev):
    from jiceng.development.testing import DATES

    dates = dict(DATES)
    dates.update({15: date(2024, 7, 31), 16: date(2024, 8, 1), 17: date(2024, 8, 2), 18: date(2024, 8, 3)})
    dates.update({19: date(2024, 8, 4), 20: date(2024, 8, 5), 21: date(2024, 8, 6)})
    walk(dev, open_applicant(dev), 21, dates=dates)  # ends 2025-07-31
    with at(date(2025, 6, 30)):
        assert due(dev, kind="probation") == []
    with at(date(2025, 7, 1)):
        assert due(dev, kind="probation") == [("probation", "soon", date(2025, 7, 31))]


def test_outsiders_and_members_see_no_due_items(dev):
    walk(dev, open_applicant(dev), 16)
    with at(date(2024, 9, 2)):
        assert queries.due_items(dev.admin_b, dev.root, date.today(), 15) == []
        assert queries.due_items(dev.member_user, dev.root, date.today(), 15) == []
        assert len(queries.due_items(dev.admin_a, dev.town_a, date.today(), 15)) == 1


def test_due_page_follows_the_clock(dev, client_as):
    walk(dev, open_applicant(dev, "赵谈话"), 1)
    c = client_as(dev.admin_a)
    with at(date(2023, 1, 28)):
        html = c.get(reverse("development:due")).content.decode()
        assert "赵谈话" in html and "即将到期" in html and "已逾期" not in html
    with at(date(2023, 2, 11)):
        response = c.get(reverse("development:due"), {"state": "overdue"})
        html = response.content.decode()
        assert "赵谈话" in html and "已逾期" in html
        summary = response.context["summary"]
        assert [(r.organization.name, r.total, r.total_overdue) for r in summary] == [("甲镇东村党总支", 1, 1)]
    with at(date(2023, 1, 11)):
        assert "赵谈话" not in c.get(reverse("development:due")).content.decode()


def test_overdue_filter_on_the_list(dev, client_as):
    walk(dev, open_applicant(dev, "逾期甲"), 1)
    walk(dev, open_applicant(dev, "按时乙"), 2)
    c = client_as(dev.secretary_a)
    with at(date(2023, 3, 1)):
        html = c.get(reverse("development:list"), {"due": "overdue"}).content.decode()
        assert "逾期甲" in html and "按时乙" not in html
        assert "逾期甲" in c.get(reverse("development:list"), {"due": "talk"}).content.decode()


def test_reminder_job_is_idempotent_and_escalates_overdue_items(dev):
    file = walk(dev, open_applicant(dev, "提醒甲"), 1)
    with at(date(2023, 2, 1)):
        assert reminders(date.today(), 15) == 1  # due soon: the branch secretary
        assert reminders(date.today(), 15) == 0
    notice = Notification.objects.get(recipient=dev.secretary_a)
    assert "即将到期" in notice.title and notice.url == reverse("development:detail", args=[file.pk])
    with at(date(2023, 2, 11)):
        assert reminders(date.today(), 15) == 2  # overdue: the branch and its township
        assert reminders(date.today(), 15) == 0
    assert Notification.objects.filter(recipient=dev.admin_a, title__contains="已逾期").count() == 1
    assert not Notification.objects.filter(recipient=dev.admin_b).exists()


def test_reminder_job_runs_through_the_scheduler(dev):
    from jiceng.core.jobs import run_job

    walk(dev, open_applicant(dev), 1)
    with at(date(2023, 2, 11)):
        assert run_job("development.reminders") == "发出通知 2 条"
        assert run_job("development.reminders") == "发出通知 0 条"
