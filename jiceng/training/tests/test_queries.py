"""Query budgets: the course page, the attendance matrix, cards, summaries and panels make a
fixed number of queries whatever the number of trainees."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.core import idnumbers
from jiceng.members.models import Member
from jiceng.testing import SHANGHAI, client_for
from jiceng.training import queries, services
from jiceng.training.models import Attendance, Enrollment, Exam, ExamResult, StudyRecord
from jiceng.training.testing import make_sessions

pytestmark = pytest.mark.django_db


def sheet_rows(response) -> list[tuple]:
    return list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))


def bulk_trainees(county, course, sessions, n: int, start: int = 0) -> list[Enrollment]:
    """n members of branch A, enrolled, with attendance at every session and a score."""
    members = []
    for i in range(start, start + n):
        number = idnumbers.make("420101", date(1980, 1, 1) + timedelta(days=i), i % 100, "male")
        members.append(
            Member(
                name=f"学员{i}",
                gender="male",
                birth_date=date(1980, 1, 1),
                id_number_encrypted="x",
                id_number_digest=idnumbers.digest(number)[:-6] + f"{i:06d}",
                id_number_masked=idnumbers.mask(number),
                organization=county.branch_a if i % 2 else county.group_a,
                status="full",
                join_date=date(2000, 1, 1),
                full_date=date(2001, 1, 1),
            )
        )
    Member.objects.bulk_create(members)
    enrollments = Enrollment.objects.bulk_create(
        [Enrollment(course=course, member=m, organization_id=m.organization_id) for m in members]
    )
    statuses = ["present", "late", "early_leave", "excused", "unexcused"]
    Attendance.objects.bulk_create(
        [
            Attendance(session=s, enrollment=e, status=statuses[(i + j) % 5])
            for i, e in enumerate(enrollments)
            for j, s in enumerate(sessions)
        ]
    )
    exam = Exam.objects.filter(course=course).first()
    ExamResult.objects.bulk_create(
        [ExamResult(exam=exam, enrollment=e, score=Decimal(50 + i % 50)) for i, e in enumerate(enrollments)]
    )
    StudyRecord.objects.bulk_create(
        [
            StudyRecord(
                member=m, organization_id=m.organization_id, on=date(2026, 2, 1), hours=Decimal("2"), title="网上学习"
            )
            for m in members
        ]
    )
    return enrollments


@pytest.fixture
def big(county):
    course = services.create_course(county.admin_a, title="大班冬训", kind="winter", organizer=county.town_a, year=2026)
    sessions = make_sessions(county.admin_a, course, [date(2026, 1, 5) + timedelta(days=7 * i) for i in range(6)])
    services.create_exam(county.admin_a, course, title="测试", held_on=date(2026, 3, 1))
    return course, sessions


@pytest.mark.parametrize("rows", [5, 150])
def test_course_pages_have_fixed_query_counts(county, big, rows, django_assert_max_num_queries):
    course, sessions = big
    bulk_trainees(county, course, sessions, rows)
    c = client_for(county.admin_a)
    with django_assert_max_num_queries(14):
        response = c.get(reverse("training:course_detail", args=[course.pk]))
    assert len(response.context["matrix"].rows) == rows
    with django_assert_max_num_queries(12):
        matrix = c.get(reverse("training:course_export_matrix", args=[course.pk]))
    assert matrix.status_code == 200
    trainees = [row[1] for row in sheet_rows(matrix)[1:]]
    assert len(trainees) == rows and all(name.startswith("学员") for name in trainees)
    with django_assert_max_num_queries(10):
        courses = c.get(reverse("training:courses"))
    assert courses.status_code == 200 and [x.title for x in courses.context["rows"]] == ["大班冬训"]
    with django_assert_max_num_queries(10):
        session = c.get(reverse("training:session_detail", args=[sessions[0].pk]))
    assert session.status_code == 200
    assert (len(session.context["rows"]), session.context["unrecorded"]) == (rows, 0)  # every mark is shown
    with django_assert_max_num_queries(10):
        roster = c.get(reverse("training:attendance", args=[sessions[0].pk]))
    assert roster.status_code == 200 and len(roster.context["rows"]) == rows
    exam = course.exams.get()
    with django_assert_max_num_queries(10):
        scores = c.get(reverse("training:exam_detail", args=[exam.pk]))
    assert scores.status_code == 200 and len(scores.context["rows"]) == rows


@pytest.mark.parametrize("rows", [5, 150])
def test_cards_and_summaries_have_fixed_query_counts(county, big, rows, django_assert_max_num_queries):
    course, sessions = big
    bulk_trainees(county, course, sessions, rows)
    c = client_for(county.admin_a)
    members = rows + 3  # and 张三, 李四, 王五 of township 甲
    with django_assert_max_num_queries(12):
        cards = c.get(reverse("training:cards"), {"year": 2026})
    assert cards.status_code == 200 and cards.context["page_obj"].paginator.count == members
    with django_assert_max_num_queries(10):
        export = c.get(reverse("training:card_export"), {"year": 2026})
    assert export.status_code == 200 and len(sheet_rows(export)) == 1 + members
    with django_assert_max_num_queries(14):
        response = c.get(reverse("training:org_summary", args=[county.town_a.pk]), {"year": 2026})
    assert response.context["summary"].totals.trainees == rows
    with django_assert_max_num_queries(10):
        api_cards = c.get(reverse("training-card-list"), {"year": 2026})
    assert api_cards.status_code == 200 and api_cards.json()["count"] == members
    with django_assert_max_num_queries(10):
        api_courses = c.get(reverse("training-course-list"))
    assert api_courses.status_code == 200
    assert [(x["title"], x["trainee_count"]) for x in api_courses.json()["results"]] == [("大班冬训", rows)]


@pytest.mark.parametrize("rows", [5, 150])
def test_panels_use_a_fixed_number_of_queries(county, big, rows, django_assert_num_queries):
    course, sessions = big
    bulk_trainees(county, course, sessions, rows)
    today = date(2026, 11, 20)
    with django_assert_num_queries(8):  # rules + five for the totals + courses + demerits
        figures = queries.command_figures(county.admin_a, county.town_a, today)
    assert figures["totals"].trainees == rows
    with django_assert_num_queries(8):
        queries.panel_figures(county.admin_a, county.branch_a, 2026)
    c = client_for(county.admin_a)
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False):  # the course's year
        with django_assert_num_queries(13):  # session, user, organization, the eight, the header (notices, calendar)
            command = c.get(reverse("training:panel_command", args=[county.town_a.pk]))
        with django_assert_num_queries(13):
            org = c.get(reverse("training:panel_org", args=[county.town_a.pk]))
    assert command.status_code == 200 and command.context["panel"]["root"] == county.town_a
    assert (command.context["panel"]["totals"].trainees, command.context["panel"]["courses"]) == (rows, 1)
    assert org.status_code == 200 and org.context["panel"]["org"] == county.town_a
    assert org.context["panel"]["totals"].trainees == rows


def test_grouped_totals_equal_the_sum_of_the_cards(county, big):
    """The command screen's figures (grouped in the database) and the cards agree exactly."""
    course, sessions = big
    bulk_trainees(county, course, sessions, 37)
    # A second course with its own credit rate, shared by the same people.
    other = services.create_course(
        county.admin_a,
        title="专题",
        kind="special",
        organizer=county.town_a,
        year=2026,
        credits_per_class_hour=Decimal("1.5"),
    )
    extra = make_sessions(county.admin_a, other, [date(2026, 4, 1), date(2026, 4, 8)], hours=Decimal("2.5"))
    people = list(Enrollment.objects.filter(course=course).select_related("member")[:20])
    enrolled = Enrollment.objects.bulk_create(
        [Enrollment(course=other, member=e.member, organization_id=e.organization_id) for e in people]
    )
    Attendance.objects.bulk_create(
        [
            Attendance(session=s, enrollment=e, status=("late", "present", "unexcused")[(i + j) % 3])
            for i, e in enumerate(enrolled)
            for j, s in enumerate(extra)
        ]
    )
    rule_set = queries.current_settings()
    expected = queries.Totals()
    for card in queries.cards_from(
        queries.facts_in_subtree(county.admin_a, county.town_a.path, 2026), 2026, rule_set
    ).values():
        expected.add(card)
    got = queries.scope_totals(county.admin_a, county.town_a.path, 2026, rule_set)
    got.target_met = expected.target_met
    assert vars(got) == vars(expected)
    assert got.credits > 0 and got.missed_lessons > 0


def test_command_screen_query_count_does_not_grow(county, big, django_assert_max_num_queries):
    course, sessions = big
    c = client_for(county.county_admin)
    bulk_trainees(county, course, sessions, 5)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        c.get(reverse("dashboard:command"))
    bulk_trainees(county, course, sessions, 120, start=1000)
    with django_assert_max_num_queries(len(small)):
        c.get(reverse("dashboard:command"))
