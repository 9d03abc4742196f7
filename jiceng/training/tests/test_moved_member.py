"""A trainee who moves: the credit card follows the member, the session rows stay with the
organization that ran them (ADR 0011, "Who sees what").

周调动 belongs to town A's branch, trains in town A's course (late once, absent once, a test,
a study record), then moves through a confirmed transfer to town B's branch. Each township is
the outsider of the other's side.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.accounts.models import User
from jiceng.testing import PASSWORD, add_member, at, client_for
from jiceng.training import queries, services
from jiceng.transfers import services as transfer_services

pytestmark = pytest.mark.django_db

NAME = "周调动"


@pytest.fixture
def moved(county, training):
    with time_machine.travel(at(2026, 8, 20, 10), tick=False):
        member = add_member(county.branch_a, NAME)
        (enrollment,) = services.enroll(county.admin_a, training.course, [member])
        first, second = training.sessions[:2]
        services.record_attendance(county.admin_a, first, {enrollment.pk: ("late", "")}, now=at(2026, 8, 1))
        services.record_attendance(county.admin_a, second, {enrollment.pk: ("unexcused", "")}, now=at(2026, 8, 1))
        exam = services.create_exam(county.admin_a, training.course, title="结业测试", held_on=date(2026, 7, 10))
        services.record_results(county.admin_a, exam, {enrollment.pk: Decimal("90")})
        services.add_study_record(
            county.admin_a, member, on=date(2026, 5, 1), hours=Decimal("2"), title="调动前网上学习"
        )
        transfer = transfer_services.issue_transfer(
            county.admin_a, member, kind="within", to_org=county.branch_b, issued_on=date(2026, 8, 10)
        )
        transfer_services.confirm_transfer(county.admin_b, transfer, on=date(2026, 8, 15))
    member.refresh_from_db()
    assert member.organization == county.branch_b and member.status == "full"
    enrollment.refresh_from_db()
    assert enrollment.organization == county.branch_a  # the enrollment keeps where they were
    return member


def names_in_card_list(client) -> set[str]:
    return {m.name for m, _ in client.get(reverse("training:cards"), {"year": 2026}).context["rows"]}


def exported_names(client) -> set[str]:
    wb = load_workbook(io.BytesIO(client.get(reverse("training:card_export"), {"year": 2026}).content))
    return {row[0] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}


def test_the_new_branch_and_its_ancestors_see_the_card_with_the_records_from_before_the_move(county, training, moved):
    secretary_b = User.objects.create_user(
        username="secretary-b", password=PASSWORD, organization=county.branch_b, role="branch_secretary"
    )
    for user in (secretary_b, county.admin_b, county.county_admin):
        c = client_for(user)
        response = c.get(reverse("training:card", args=[moved.pk]), {"year": 2026})
        assert response.status_code == 200, user
        card = response.context["card"]
        assert (card.sessions_recorded, card.lateness, card.unexcused) == (2, 1, 1), user
        assert (card.study_hours, card.exams_passed) == (Decimal("2"), 1), user
        html = response.content.decode()
        assert "第1讲" in html and "调动前网上学习" in html and "结业测试" in html
        assert NAME in names_in_card_list(c) and NAME in exported_names(c)
        api = c.get(reverse("training-card-detail", args=[moved.pk]), {"year": 2026}).json()
        assert len(api["lines"]) == 4 and api["unexcused"] == 1
        assert NAME in {r["name"] for r in c.get(reverse("training-card-list"), {"year": 2026}).json()["results"]}
        assert "调动前网上学习" in c.get(reverse("training:study")).content.decode()
    # Town B's summary counts the person; the organization card and the command screen agree.
    b = client_for(county.admin_b)
    summary = b.get(reverse("training:org_summary", args=[county.town_b.pk]), {"year": 2026}).context["summary"]
    assert [p.name for p in summary.people] == [NAME] and summary.totals.unexcused == 1
    assert summary.people[0].org_name == county.branch_b.name
    assert [(c.pk, t.trainees) for c, t in summary.children] == [(county.branch_b.pk, 1)]
    totals = queries.scope_totals(county.admin_b, county.town_b.path, 2026, queries.current_settings())
    assert (totals.trainees, totals.recorded, totals.unexcused) == (1, 2, 1)
    # The new branch sees the card, not town A's course pages.
    assert b.get(reverse("training:session_detail", args=[training.sessions[0].pk])).status_code == 404
    assert b.get(reverse("training:course_detail", args=[training.course.pk])).status_code == 404
    # A study record added after the move is the new branch's to manage.
    record = services.add_study_record(
        county.admin_b, moved, on=date(2026, 9, 1), hours=Decimal("1"), title="调动后自学"
    )
    old = moved.training_study_records.get(title="调动前网上学习")
    services.delete_study_record(county.admin_b, old)
    assert list(moved.training_study_records.values_list("pk", flat=True)) == [record.pk]


def test_the_old_branch_keeps_its_session_rows_but_not_the_card(county, training, moved):
    a = client_for(county.admin_a)
    # The sessions it ran: the attendance rows stay, with the person's name and status.
    session = a.get(reverse("training:session_detail", args=[training.sessions[0].pk]))
    assert session.status_code == 200 and NAME in session.content.decode()
    matrix = a.get(reverse("training:course_detail", args=[training.course.pk])).context["matrix"]
    row = next(r for r in matrix.rows if r.enrollment.member_id == moved.pk)
    assert [c.status if c else None for c in row.cells[:2]] == ["late", "unexcused"]
    # The person's own card has left with them.
    assert a.get(reverse("training:card", args=[moved.pk]), {"year": 2026}).status_code == 404
    assert a.get(reverse("training-card-detail", args=[moved.pk]), {"year": 2026}).status_code == 404
    assert NAME not in names_in_card_list(a) and NAME not in exported_names(a)
    assert NAME not in {r["name"] for r in a.get(reverse("training-card-list"), {"year": 2026}).json()["results"]}
    assert "调动前网上学习" not in a.get(reverse("training:study")).content.decode()
    summary = a.get(reverse("training:org_summary", args=[county.town_a.pk]), {"year": 2026}).context["summary"]
    assert NAME not in [p.name for p in summary.people]
    assert summary.totals.trainees == 0 and summary.totals.unexcused == 0
    totals = queries.scope_totals(county.admin_a, county.town_a.path, 2026, queries.current_settings())
    assert (totals.trainees, totals.recorded, totals.unexcused) == (0, 0, 0)
    panel = a.get(reverse("training:panel_org", args=[county.branch_a.pk])).content.decode()
    assert NAME not in panel
    # Nor can it change the person's study records any more.
    old = moved.training_study_records.get()
    assert a.post(reverse("training:study_delete", args=[old.pk])).status_code == 404
    secretary_a = client_for(county.secretary_a)
    assert secretary_a.get(reverse("training:card", args=[moved.pk]), {"year": 2026}).status_code == 404
