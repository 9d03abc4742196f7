"""Elections renew terms; approved postponements move the term warnings."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.core.jobs import run_job
from jiceng.core.models import CountySettings, Notification
from jiceng.elections import services
from jiceng.elections.models import Election, Postponement
from jiceng.orgs import queries as org_queries
from jiceng.orgs import rules as org_rules
from jiceng.orgs.services import update_organization
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db

SEATS = [("张三", "secretary", ""), ("李四", "deputy", ""), ("王五", "member", "组织委员")]


def codes(org, today):
    org.refresh_from_db()
    return [w.code for w in org_queries.warnings_for(org, today).warnings if w.code in org_rules.TERM_CODES]


@time_machine.travel("2026-05-10 10:00 +0800")
def test_approved_election_renews_committee_secretary_and_term(county):
    e = services.submit_election(
        county.secretary_a,
        organization=county.branch_a,
        held_on=date(2026, 5, 8),
        kind="renewal",
        has_committee=True,
        secretary_name="张三",
        seats=SEATS,
    )
    assert e.term_end == date(2029, 5, 8)  # branches: 3 years by default
    assert {s.name: s.member_id for s in e.seats.all()}["张三"] == county.member_a.pk
    county.branch_a.refresh_from_db()
    assert not county.branch_a.has_committee  # nothing changes until the level above approves
    with pytest.raises(PermissionDenied):
        services.decide_election(county.secretary_a, e, approve=True)
    with pytest.raises(PermissionDenied):
        services.decide_election(county.admin_b, e, approve=True)
    services.decide_election(county.admin_a, e, approve=True, note="同意")
    county.branch_a.refresh_from_db()
    assert (county.branch_a.has_committee, county.branch_a.secretary_name) == (True, "张三")
    assert (county.branch_a.term_start, county.branch_a.term_end) == (date(2026, 5, 8), date(2029, 5, 8))
    with pytest.raises(ValidationError):
        services.decide_election(county.admin_a, e, approve=True)


@time_machine.travel("2026-05-10 10:00 +0800")
def test_village_term_follows_the_county_settings(county):
    CountySettings.objects.create(committee_term_years=4, branch_term_years=3)
    e = services.submit_election(
        county.admin_a,
        organization=county.village_a,
        held_on=date(2026, 2, 28),
        kind="renewal",
        has_committee=True,
        secretary_name="张三",
        seats=SEATS,
    )
    assert e.term_end == date(2030, 2, 28)  # village level: committee_term_years


@time_machine.travel("2026-05-10 10:00 +0800")
def test_election_input_errors(county):
    with pytest.raises(ValidationError) as exc:
        services.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 6, 1),
            kind="renewal",
            has_committee=True,
            secretary_name="",
            seats=[],
        )
    assert set(exc.value.message_dict) == {"held_on", "secretary_name", "seats"}
    with pytest.raises(ValidationError):
        services.submit_election(
            county.secretary_a,
            organization=county.group_a,
            held_on=date(2026, 5, 1),
            kind="renewal",
            has_committee=False,
            secretary_name="王五",
            seats=[],
        )


def test_postponement_moves_the_warning_and_the_election_clears_it(county):
    update_organization(None, county.branch_a, term_start=date(2023, 6, 1), term_end=date(2026, 6, 1))
    today = date(2026, 5, 10)
    assert codes(county.branch_a, today) == ["term_expiring"]
    with time_machine.travel("2026-05-10 10:00 +0800"):
        with pytest.raises(ValidationError) as exc:
            services.request_postponement(
                county.secretary_a, organization=county.branch_a, new_due=date(2027, 7, 1), reason="x"
            )
        assert "12个月" in str(exc.value)
        p = services.request_postponement(
            county.secretary_a, organization=county.branch_a, new_due=date(2026, 12, 1), reason="村“两委”换届统一安排"
        )
        with pytest.raises(PermissionDenied):
            services.decide_postponement(county.secretary_a, p, approve=True)
        services.decide_postponement(county.admin_a, p, approve=True, note="同意延期")
    assert codes(county.branch_a, today) == ["term_postponed"]
    assert codes(county.branch_a, date(2026, 7, 1)) == ["term_postponed"]  # past term_end, within the postponement
    assert codes(county.branch_a, date(2026, 12, 2)) == ["term_expired"]
    msg = org_queries.warnings_for(county.branch_a, date(2026, 12, 2)).warnings[-1].message
    assert "延期" in msg and "2026-12-01" in msg
    # The warnings list (and its filter) shows the postponed organization, judged on the day it is opened.
    with time_machine.travel("2026-07-01 10:00 +0800"):
        page = client_for(county.county_admin).get(reverse("orgs:warnings") + "?code=term_postponed").content.decode()
    assert "东村第一党支部" in page
    with time_machine.travel("2026-12-02 10:00 +0800"):
        page = client_for(county.county_admin).get(reverse("orgs:warnings") + "?code=term_postponed").content.decode()
    assert "东村第一党支部" not in page
    with time_machine.travel("2026-11-20 10:00 +0800"):
        e = services.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 11, 18),
            kind="renewal",
            has_committee=False,
            secretary_name="张三",
            seats=[],
        )
        services.decide_election(county.admin_a, e, approve=True)
    county.branch_a.refresh_from_db()
    assert county.branch_a.term_postponed_to is None and county.branch_a.term_end == date(2029, 11, 18)
    assert codes(county.branch_a, date(2026, 12, 2)) == []


def test_by_election_keeps_the_term(county):
    update_organization(
        None, county.branch_a, term_start=date(2025, 1, 1), term_end=date(2028, 1, 1), has_committee=True
    )
    with time_machine.travel("2026-05-10 10:00 +0800"):
        e = services.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 5, 1),
            kind="by_election",
            has_committee=True,
            secretary_name="李四",
            seats=SEATS,
        )
        services.decide_election(county.admin_a, e, approve=True)
    county.branch_a.refresh_from_db()
    assert (county.branch_a.secretary_name, county.branch_a.term_end) == ("李四", date(2028, 1, 1))


def test_term_reminders_once_per_due_date(county):
    update_organization(None, county.branch_a, term_start=date(2023, 6, 1), term_end=date(2026, 6, 1))
    with time_machine.travel("2026-05-10 10:00 +0800"):
        assert run_job("elections.term_reminders") != "sent 0"
        assert run_job("elections.term_reminders") == "sent 0"
    notices = Notification.objects.filter(kind="term_due", recipient=county.secretary_a)
    assert [n.title for n in notices] == ["东村第一党支部任期将于2026-06-01届满，请准备换届"]
    with time_machine.travel("2026-06-02 10:00 +0800"):
        run_job("elections.term_reminders")
    titles = set(
        Notification.objects.filter(kind="term_due", recipient=county.secretary_a).values_list("title", flat=True)
    )
    assert titles == {
        "东村第一党支部任期已于2026-06-01届满，请尽快换届",
        "东村第一党支部任期将于2026-06-01届满，请准备换届",
    }


def test_pages(county):
    update_organization(None, county.branch_a, term_start=date(2023, 6, 1), term_end=date(2026, 6, 1))
    with time_machine.travel("2026-05-10 10:00 +0800"):
        c = client_for(county.secretary_a)
        response = c.post(
            reverse("elections:create"),
            {
                "organization": county.branch_a.pk,
                "kind": "renewal",
                "held_on": "2026-05-09",
                "secretary_name": "张三",
                "has_committee": "on",
                "seats": "张三 书记\n李四 副书记\n王五 委员 宣传委员",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        e = Election.objects.get()
        response = c.post(
            reverse("elections:create"),
            {
                "organization": county.branch_a.pk,
                "kind": "renewal",
                "held_on": "2026-05-09",
                "secretary_name": "张三",
                "seats": "张三 主任",
            },
        )
        assert "职务应为书记、副书记或委员" in response.content.decode()
        assert "批准" not in c.get(reverse("elections:detail", args=[e.pk])).content.decode()
        a = client_for(county.admin_a)
        assert "批准" in a.get(reverse("elections:detail", args=[e.pk])).content.decode()
        a.post(reverse("elections:decide", args=[e.pk]), {"decision": "approve", "note": "同意"})
        e.refresh_from_db()
        assert e.state == "approved"
        c.post(
            reverse("elections:postponement_create"),
            {"organization": county.branch_a.pk, "new_due": "2029-09-01", "reason": "换届统一安排"},
        )
        p = Postponement.objects.get()
        a.post(reverse("elections:postponement_decide", args=[p.pk]), {"decision": "reject", "note": "不同意"})
        p.refresh_from_db()
        assert p.state == "rejected"
        assert "东村第一党支部" in a.get(reverse("elections:list")).content.decode()
        assert a.get(reverse("elections:export"))["Content-Type"].startswith("application/vnd")
        assert a.get(reverse("election-list")).json()["count"] == 1
        assert client_for(county.member_user).get(reverse("elections:list")).status_code == 403


def test_a_one_seat_by_election_keeps_the_committee_and_its_meetings(county):
    from jiceng.life import queries, rules
    from jiceng.life.defaults import seed
    from jiceng.life.models import ActivityType
    from jiceng.life.services import create_record
    from jiceng.testing import add_member

    seed(ActivityType)  # a transactional test elsewhere may have flushed the seeded rules
    committee_meeting = ActivityType.objects.get(code="committee_meeting")
    with time_machine.travel("2024-01-12 10:00 +0800"):
        renewal = services.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2024, 1, 10),
            kind="renewal",
            has_committee=True,
            secretary_name="张三",
            seats=SEATS,
        )
        services.decide_election(county.admin_a, renewal, approve=True)
    add_member(county.branch_a, "赵六")
    with time_machine.travel("2026-03-10 10:00 +0800"):
        # One seat filled, the committee box ticked: accepted (the 3-seat rule is for renewals).
        by = services.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 3, 5),
            kind="by_election",
            has_committee=True,
            secretary_name="张三",
            seats=[("赵六", "member", "组织委员")],
        )
        # The box unticked: a by-election does not dissolve the committee either.
        unticked = services.submit_election(
            county.secretary_a,
            organization=county.branch_a,
            held_on=date(2026, 3, 6),
            kind="by_election",
            has_committee=False,
            secretary_name="张三",
            seats=[("赵六", "member", "组织委员")],
        )
        assert unticked.has_committee  # the organization's flag, kept
        services.decide_election(county.admin_a, by, approve=True)
    # An older unticked by-election on record (before this fix) is read the same way.
    Election.objects.filter(pk=unticked.pk).update(state="approved", has_committee=False, had_committee_before=True)
    county.branch_a.refresh_from_db()
    assert county.branch_a.has_committee and county.branch_a.term_end == date(2027, 1, 10)
    result, _ = queries.org_compliance(county.branch_a, rules.parse_period("2026-Q2"), date(2026, 11, 25))
    periods = result.types[committee_meeting.id].periods
    assert [p.status for p in periods] == [rules.MISSING] * 3  # still owed every month
    assert queries.has_committee_on(county.branch_a, date(2026, 5, 1))
    # The committee meeting's roster: the renewal's committee plus the seat filled since.
    with time_machine.travel("2026-04-15 10:00 +0800"):
        meeting = create_record(
            county.secretary_a,
            organization=county.branch_a,
            activity_type=committee_meeting,
            held_on=date(2026, 4, 15),
            topic="支委会",
        )
    assert sorted(a.member.name for a in meeting.attendance.select_related("member")) == [
        "张三",
        "李四",
        "王五",
        "赵六",
    ]
