"""Services: intake and routing, the ladder with visibility at each level, return, transfer,
reopen once, deadlines stored on reassignment with frozen lateness, permissions, the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from jiceng.core.models import AuditEntry, Notification
from jiceng.requests import queries, rules, services
from jiceng.requests.models import DeadlineRule, Request, RequestEvent, RoutingRule
from jiceng.requests.testing import file_request
from jiceng.testing import at


def visible_to(user, req) -> bool:
    return queries.visible_requests(user).filter(pk=req.pk).exists()


# ---- intake and routing ---------------------------------------------------------------------


def test_resident_request_stays_with_a_staffed_village(desk):
    req = file_request(desk)
    assert req.state == "received" and req.level == "village"
    assert req.holder_org == desk.county.village_a and req.holder_user is None
    assert len(req.ticket) == 12
    assert req.events.get().actor_role == "群众"
    # The village's handler is told.
    assert Notification.objects.filter(recipient=desk.village_clerk, title__contains=req.ticket).exists()


def test_unstaffed_village_goes_to_its_township(desk):
    req = file_request(desk, org=desk.county.branch_b)
    assert req.holder_org == desk.county.town_b and req.level == "township"


def test_routing_table_deepest_organization_and_category_first(desk):
    c = desk.county
    RoutingRule.objects.create(organization=c.root, category=None, target_department=desk.water)
    assert file_request(desk).holder_department == desk.water  # the county-wide rule
    RoutingRule.objects.create(organization=c.town_a, category=None, target_org=c.town_a)
    assert file_request(desk).holder_org == c.town_a  # the township's rule is deeper
    RoutingRule.objects.create(organization=c.town_a, category=desk.road, target_department=desk.housing)
    req = file_request(desk)
    assert req.holder_department == desk.housing and req.level == "department"
    assert file_request(desk, category=desk.dispute).holder_org == c.town_a  # other categories
    # A whistle rule does not route intake; it preselects the township's department.
    RoutingRule.objects.create(organization=c.root, category=desk.dispute, target_department=desk.water, mode="whistle")
    assert file_request(desk, category=desk.dispute).holder_org == c.town_a
    assert queries.default_department(c.town_a, desk.dispute) == desk.water


def test_staff_entry_owns_the_request(desk):
    c = desk.county
    req = services.create_request(
        c.admin_a, organization=c.village_a, category=desk.road, kind="help", description="来访", channel="walk_in"
    )
    assert req.holder_org == c.town_a and req.holder_user == c.admin_a and req.level == "township"
    assert req.created_by == c.admin_a
    with pytest.raises(PermissionDenied):
        services.create_request(
            c.admin_a, organization=c.branch_b, category=desk.road, kind="help", description="越界", channel="phone"
        )


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("phone", "12345", "电话号码格式不对"),
        ("phone", "", "请填写联系电话"),
        ("description", "", "请填写诉求内容"),
        ("description", "长" * 2001, "诉求内容最多 2000 个字"),
        ("kind", "gossip", "请选择诉求类型"),
        ("latitude", "北纬", "纬度不是数字"),
        ("latitude", "91", "纬度应在 -90 到 90 之间"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(desk, field, value, message):
    before = Request.objects.count()
    with pytest.raises(ValidationError) as exc:
        file_request(desk, **{field: value})
    assert any(message in m for m in exc.value.message_dict[field])
    assert Request.objects.count() == before


def test_county_and_agencies_take_no_requests(desk):
    with pytest.raises(ValidationError, match="该组织不受理群众诉求"):
        file_request(desk, org=desk.county.root)


# ---- the ladder ------------------------------------------------------------------------------


def test_escalation_chain_with_visibility_at_each_level(desk):
    c = desk.county
    req = file_request(desk)
    # Village level: the village and everyone above see it; the sibling township and departments do not.
    assert visible_to(desk.village_clerk, req) and visible_to(c.admin_a, req) and visible_to(c.county_admin, req)
    assert not visible_to(c.admin_b, req) and not visible_to(desk.handler, req) and not visible_to(c.member_user, req)
    assert not visible_to(c.secretary_a, req)  # a branch below the village sees only its own subtree

    req = services.accept_request(desk.village_clerk, req, contacted=True)
    req = services.escalate_request(desk.village_clerk, req, note="需要乡镇协调")
    assert (req.state, req.level, req.holder_org, req.holder_user) == ("escalated", "township", c.town_a, None)
    assert req.escalations == 1 and req.tier == "study"

    req = services.accept_request(c.admin_a, req)
    assert req.holder_user == c.admin_a
    with pytest.raises(ValidationError, match="请选择要“吹哨”的县直部门"):
        services.escalate_request(c.admin_a, req, note="部门职责")
    req = services.escalate_request(c.admin_a, req, note="涉及住建部门", department=desk.housing)
    assert (req.level, req.holder_department, req.tier) == ("department", desk.housing, "coordinate")
    assert req.sent_by_org == c.town_a
    # The department sees it now; another department and the sibling township still do not.
    assert visible_to(desk.handler, req) and not visible_to(desk.water_handler, req)
    assert not visible_to(c.admin_b, req)
    # The village still sees it (territory), but can no longer act for the department.
    assert visible_to(desk.village_clerk, req) and not queries.can_handle(desk.village_clerk, req)
    with pytest.raises(PermissionDenied):
        services.accept_request(desk.village_clerk, req)

    req = services.accept_request(desk.handler, req)
    with pytest.raises(ValidationError, match="县直部门已是最高层级"):
        services.escalate_request(desk.handler, req, note="再上报")
    req = services.resolve_request(desk.handler, req, result="已修复路灯")
    assert (req.state, req.resolved_level, req.resolved_by) == ("resolved", "department", desk.handler)
    actions = list(req.events.values_list("action", "actor_role"))
    assert actions == [
        ("receive", "群众"),
        ("accept", "村（社区）工作人员"),
        ("contact", "村（社区）工作人员"),
        ("escalate", "村（社区）工作人员"),
        ("accept", "乡镇（街道）工作人员"),
        ("escalate", "乡镇（街道）工作人员"),
        ("accept", "县直部门"),
        ("resolve", "县直部门"),
    ]


def test_department_returns_with_a_reason_and_keeps_seeing_it(desk):
    c = desk.county
    req = services.create_request(
        c.admin_a, organization=c.village_a, category=desk.road, kind="help", description="来电", channel="phone"
    )
    req = services.escalate_request(c.admin_a, req, note="部门职责", department=desk.housing)
    with pytest.raises(ValidationError, match="请填写退回理由"):
        services.return_request(desk.handler, req, note=" ")
    req = services.return_request(desk.handler, req, note="不属于住建职责，应由水利局办理")
    assert (req.state, req.holder_org, req.holder_department, req.level) == ("returned", c.town_a, None, "township")
    assert visible_to(desk.handler, req)  # each level it reached keeps seeing it
    assert not queries.can_handle(desk.handler, req)
    # The township reassigns it.
    req = services.transfer_request(c.admin_a, req, department=desk.water, note="转水利局")
    assert req.state == "transferred" and req.holder_department == desk.water
    assert visible_to(desk.water_handler, req)


def test_return_needs_someone_who_sent_it(desk):
    req = services.accept_request(desk.village_clerk, file_request(desk))
    with pytest.raises(ValidationError, match="没有交办单位可退回"):
        services.return_request(desk.village_clerk, req, note="不归我们")


def test_assign_down_and_return_up(desk):
    c = desk.county
    req = services.create_request(
        c.admin_a, organization=c.village_a, category=desk.road, kind="help", description="来访", channel="walk_in"
    )
    with pytest.raises(ValidationError, match="派单只能派给本单位或下级组织"):
        services.assign_request(c.admin_a, req, org=c.branch_b)
    req = services.assign_request(c.admin_a, req, org=c.village_a)
    assert (req.state, req.holder_org, req.level) == ("assigned", c.village_a, "village")
    req = services.return_request(desk.village_clerk, req, note="涉及两个村，请乡镇协调")
    assert req.holder_org == c.town_a and req.state == "returned"
    req = services.assign_request(c.admin_a, req, user=desk.village_clerk)
    assert req.holder_user == desk.village_clerk and req.holder_org == c.village_a


# ---- callback and reopen ------------------------------------------------------------------------


def _resolved(desk):
    req = services.accept_request(desk.village_clerk, file_request(desk), contacted=True)
    return services.resolve_request(desk.village_clerk, req, result="已修好")


def test_unsatisfied_reopens_once(desk):
    req = _resolved(desk)
    req = services.rate_request(req, rating="unsatisfied", solved=False, note="没修好", reopen=True)
    assert req.state == "reopened" and req.reopen_count == 1 and req.resolved_at is None
    assert req.accepted_at is None and req.holder_org == desk.county.village_a
    req = services.accept_request(desk.village_clerk, req)
    req = services.resolve_request(desk.village_clerk, req, result="换了新灯")
    assert req.rating == ""  # the new result waits for a new rating
    with pytest.raises(ValidationError, match="不能再次重办"):
        services.rate_request(req, rating="unsatisfied", solved=False, reopen=True)
    req = services.rate_request(req, rating="unsatisfied", solved=False)
    assert req.state == "closed" and req.rating == "unsatisfied" and req.closed_at
    with pytest.raises(ValidationError, match="当前状态为「已关闭」"):
        services.rate_request(req, rating="satisfied", solved=True)
    assert list(req.events.filter(action="rate").values_list("to_state", flat=True)) == ["reopened", "closed"]


def test_satisfied_rating_closes_and_phone_callback_is_recorded(desk):
    req = services.rate_request(_resolved(desk), rating="basic", solved=True)
    assert (req.state, req.rating_channel, req.solved) == ("closed", "online", True)
    other = _resolved(desk)
    with pytest.raises(PermissionDenied):
        services.record_callback(desk.county.admin_b, other, rating="satisfied", solved=True)
    other = services.record_callback(desk.county.admin_a, other, rating="satisfied", solved=True, note="电话回访")
    assert other.rating_channel == "phone" and other.events.last().action == "callback"


def test_answer_only_for_consultations_and_suggestions(desk):
    req = services.accept_request(desk.village_clerk, file_request(desk))
    with pytest.raises(ValidationError, match="只有咨询和建议类诉求可以“答复”"):
        services.answer_request(desk.village_clerk, req, result="已答复")
    req = services.accept_request(desk.village_clerk, file_request(desk, kind="consult"))
    assert services.answer_request(desk.village_clerk, req, result="低保政策如下").state == "answered"


def test_dismissal_needs_the_township(desk):
    req = file_request(desk)
    with pytest.raises(PermissionDenied, match="乡镇"):
        services.dismiss_request(desk.village_clerk, req, note="重复提交")
    req = services.dismiss_request(desk.county.admin_a, req, note="重复提交")
    assert req.state == "dismissed" and req.closed_at


# ---- who may act, stale pages, the audit and the timeline ---------------------------------------


def test_outsiders_and_members_cannot_act(desk):
    req = file_request(desk)
    for user in (desk.county.admin_b, desk.county.member_user, desk.handler, desk.county.secretary_a):
        with pytest.raises(PermissionDenied):
            services.accept_request(user, req)
    assert Request.objects.get(pk=req.pk).state == "received"


def test_a_stale_page_cannot_act(desk):
    req = file_request(desk)
    stale = Request.objects.get(pk=req.pk)
    services.accept_request(desk.village_clerk, req, version=req.version)
    with pytest.raises(ValidationError, match="已被他人处理"):
        services.escalate_request(desk.county.admin_a, stale, note="上报", version=stale.version)
    # Two handlers holding the same copy: the second conditional UPDATE matches no row.
    fresh = Request.objects.get(pk=req.pk)
    services.start_request(desk.village_clerk, fresh)
    with pytest.raises(ValidationError):
        services.start_request(desk.county.admin_a, fresh, version=fresh.version)
    assert Request.objects.get(pk=req.pk).events.filter(action="start").count() == 1


def test_steps_are_audited_and_the_timeline_is_append_only(desk):
    req = services.accept_request(desk.village_clerk, file_request(desk))
    assert AuditEntry.objects.filter(object_type="requests.Request", object_id=str(req.pk)).count() == 2
    event = req.events.first()
    event.note = "改写"
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):
        event.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
def test_database_refuses_to_rewrite_the_timeline(desk):
    from django.db import DatabaseError

    req = file_request(desk)
    with pytest.raises(DatabaseError), transaction.atomic():
        RequestEvent.objects.filter(request=req).update(note="改写")


# ---- deadlines stored with the request ---------------------------------------------------------


def test_deadlines_over_national_day_from_the_database_calendar(desk):
    with time_machine.travel(at(2026, 9, 30, 23, 59), tick=False):
        req = file_request(desk)
    assert (req.assign_due_at, req.response_due_at, req.done_due_at) == (
        at(2026, 10, 9),  # Thursday 8 October, 24:00
        at(2026, 10, 11),  # Saturday 10 October (make-up working day), 24:00
        at(2026, 10, 16),  # Thursday 15 October, 24:00
    )
    assert not req.deadline_estimated


def test_category_and_priority_rules_from_the_table(desk):
    with time_machine.travel(at(2026, 10, 3, 21, 0), tick=False):
        utilities = file_request(desk, category=desk.utilities)
        urgent = file_request(desk, priority="urgent")
    assert utilities.done_due_at == at(2026, 10, 4, 21, 0)
    assert urgent.response_due_at == at(2026, 10, 3, 21, 10) and urgent.assign_due_at == at(2026, 10, 3, 21, 10)


def test_an_edited_rule_applies_to_new_requests_only(desk):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        old = file_request(desk)
        rule = DeadlineRule.objects.get(category=None, tier="", priority="")
        services.save_deadline_rule(None, rule, done_amount=5, done_unit="working_days")
        new = file_request(desk)
    assert old.done_due_at == at(2026, 11, 12) and new.done_due_at == at(2026, 11, 10)
    assert Request.objects.get(pk=old.pk).done_due_at == at(2026, 11, 12)


def test_next_years_requests_are_estimated_until_the_schedule_is_loaded(desk):
    with time_machine.travel(at(2026, 12, 29, 10), tick=False):
        req = file_request(desk)
    assert req.deadline_estimated  # 2027 is not in the calendar yet


def test_escalation_restarts_open_stages_and_freezes_lateness(desk):
    c = desk.county
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):  # Monday
        req = file_request(desk)
    assert req.assign_due_at == at(2026, 11, 4)
    with time_machine.travel(at(2026, 11, 5, 10), tick=False):  # signed a day late
        req = services.accept_request(desk.village_clerk, req)
        assert req.assign_late and req.overdue_stages(at(2026, 11, 5, 10)) == []
    with time_machine.travel(at(2026, 11, 9, 10), tick=False):  # response (due 6 Nov) still open: late
        assert req.overdue_stages(at(2026, 11, 9, 10)) == ["response"]
        req = services.escalate_request(desk.village_clerk, req, note="上报")
    assert req.response_late and not req.done_late
    assert req.response_due_at == at(2026, 11, 13) and req.done_due_at == at(2026, 11, 19)
    assert req.assign_due_at == at(2026, 11, 11)
    with time_machine.travel(at(2026, 11, 10, 9), tick=False):
        req = services.accept_request(c.admin_a, req, contacted=True)
        req = services.resolve_request(c.admin_a, req, result="已解决")
    # The new deadlines were met, but the frozen flags keep what happened.
    assert req.assign_late and req.response_late and not req.done_late
    assert req.resolved_level == "township"


def test_reopen_gives_a_new_done_deadline(desk):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        req = _resolved(desk)
    with time_machine.travel(at(2026, 11, 3, 9), tick=False):
        req = services.rate_request(req, rating="unsatisfied", solved=False, reopen=True)
    assert req.done_due_at == at(2026, 11, 13) and req.assign_due_at == at(2026, 11, 5)
    assert req.responded_at is not None  # the resident was reached already


def test_overdue_query_matches_the_rule(desk):
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        late = file_request(desk)
        fresh = file_request(desk, category=desk.dispute)
    fresh.done_due_at = at(2026, 12, 1)
    Request.objects.filter(pk=fresh.pk).update(
        assign_due_at=at(2026, 12, 1), response_due_at=at(2026, 12, 1), done_due_at=at(2026, 12, 1)
    )
    now = at(2026, 11, 5)
    assert list(Request.objects.filter(queries.overdue_q(now)).values_list("pk", flat=True)) == [late.pk]
    assert list(Request.objects.filter(queries.overdue_q(now, "done"))) == []
    assert Request.objects.filter(queries.overdue_q(now + timedelta(days=30), "done")).count() == 2


def test_state_labels_for_the_resident_cover_every_state():
    assert set(rules.RESIDENT_STATE_TEXT) == set(rules.State.values)
