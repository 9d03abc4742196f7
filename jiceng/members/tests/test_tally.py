"""The member tallies (jiceng.members.tally, ADR 0019): kept by the database in the writing
transaction, equal to a recount after every kind of write, and what the command screen reads."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext

from jiceng.core.scoping import path_q
from jiceng.members import services, tally
from jiceng.members.models import Member, MemberTally
from jiceng.testing import add_member, make_id

pytestmark = pytest.mark.django_db


def assert_equal_to_recount():
    assert tally.differences() == []
    assert tally.stored() == tally.recount()


def test_the_triggers_are_installed_after_migrate():
    assert tally.installed() == set(tally.TRIGGER_NAMES)


def test_every_kind_of_write_keeps_the_tally_equal_to_a_recount(county):
    village, town_b = county.village_a, county.town_b
    assert_equal_to_recount()
    a = add_member(village, "甲", education="bachelor", post="", join_date=date(2001, 12, 1))
    b = add_member(village, "乙", status="probationary", gender="female", education="", is_mobile=True)
    assert_equal_to_recount()
    # Each column the tally reads, changed through the service.
    services.update_member(None, a, education="postgraduate", post="支部委员", join_date=date(2003, 6, 1))
    services.update_member(None, b, gender="male", is_mobile=False)
    services.update_member(None, a, organization=town_b)
    assert_equal_to_recount()
    services.change_status(None, b, to_status=Member.Status.DECEASED, on=date(2026, 3, 1), reason="病故")
    assert_equal_to_recount()
    # Writes that bypass the services: a queryset update, a bulk insert, deletes.
    Member.objects.filter(pk=a.pk).update(status=Member.Status.PROBATIONARY, education="secondary")
    assert_equal_to_recount()
    Member.objects.bulk_create(
        [
            Member(
                name=f"批量{i}",
                gender="female" if i % 2 else "male",
                birth_date=date(1990, 1, 1 + i),
                id_number_digest=f"bulk-{i}",
                id_number_masked="x",
                organization=village if i % 3 else town_b,
                education="junior_high",
                is_mobile=bool(i % 4 == 0),
                join_date=date(2010 + i, 1 + i, 1) if i % 5 else None,
                status="full" if i % 6 else "in_transit",
            )
            for i in range(12)
        ]
    )
    assert_equal_to_recount()
    Member.objects.filter(name__startswith="批量", gender="male").update(organization=village, post="组长")
    assert_equal_to_recount()
    Member.objects.filter(name__startswith="批量").delete()
    b.delete()
    assert_equal_to_recount()
    # Rows of organizations whose members all left stay at zero; the figures do not show them.
    assert MemberTally.objects.filter(n__lt=0).count() == 0


def test_the_check_command_finds_a_difference_and_rebuild_repairs_it(county, capsys):
    add_member(county.village_a, "甲")
    call_command("member_tally", "--check")
    MemberTally.objects.filter(dimension="status", value="full").update(n=99)
    with pytest.raises(CommandError, match="不一致"):
        call_command("member_tally", "--check")
    assert "汇总 99" in capsys.readouterr().out
    call_command("member_tally", "--rebuild", "--check")
    assert_equal_to_recount()


def recounted_screen(root_path: str) -> dict:
    """The command screen's member figures as the members say them (the code before the tallies)."""
    members = Member.objects.filter(path_q("organization__path", root_path))
    active = members.filter(status__in=Member.ACTIVE_STATUSES)
    return {
        "status": {r["status"]: r["n"] for r in members.values("status").annotate(n=Count("id")).order_by()},
        "education": {r["education"]: r["n"] for r in active.values("education").annotate(n=Count("id")).order_by()},
        **active.aggregate(
            total=Count("id"),
            male=Count("id", filter=Q(gender="male")),
            female=Count("id", filter=Q(gender="female")),
            mobile=Count("id", filter=Q(is_mobile=True)),
            no_post=Count("id", filter=Q(post="")),
        ),
    }


def test_tally_figures_equal_the_members_for_every_subtree(county):
    add_member(county.village_a, "甲", education="bachelor", is_mobile=True)
    add_member(county.village_a, "乙", status="probationary", gender="female", post="委员")
    add_member(county.town_b, "丙", education="")
    services.change_status(
        None,
        add_member(county.town_b, "丁"),
        to_status=Member.Status.REMOVED,
        on=date(2026, 1, 5),
        reason="除名",
        removal_reason="struck_off",
    )
    for org in (county.root, county.town_a, county.village_a, county.town_b):
        tallied = tally.figures(org.path)
        want = recounted_screen(org.path)
        assert {k: v for k, v in tallied["status"].items() if v} == want["status"]
        assert {k: v for k, v in tallied["education"].items() if v} == want["education"]
        assert tally.active_total(tallied) == want["total"]
        assert tallied["gender"].get("male", 0) == want["male"]
        assert tallied["gender"].get("female", 0) == want["female"]
        assert tallied["mobile"].get("", 0) == want["mobile"]
        assert tallied["no_post"].get("", 0) == want["no_post"]


def test_the_command_screen_reads_members_once_for_the_age_bands(county):
    """The screen's member figures come from the tallies: the only statement over the members
    table is the age bands' (they move with the calendar)."""
    from jiceng.dashboard.queries import command_screen

    add_member(county.village_a, "甲")
    with CaptureQueriesContext(connection) as captured:
        command_screen(county.county_admin, county.root, date(2026, 12, 7))
    over_members = [q["sql"] for q in captured.captured_queries if 'FROM "members_member"' in q["sql"]]
    assert len(over_members) == 1 and "birth_date" in over_members[0]


def test_political_birthdays_of_the_month_leave_out_this_years_joiners(county):
    from jiceng.transfers.queries import care_figures

    today = date(2026, 12, 7)
    add_member(county.village_a, "十二月老党员", join_date=date(1999, 12, 20))
    add_member(county.village_a, "十二月老党员二", status="probationary", join_date=date(2025, 12, 1), full_date=None)
    add_member(county.village_a, "今年十二月", status="probationary", join_date=date(2026, 12, 1))
    add_member(county.village_a, "十一月", join_date=date(2001, 11, 30))
    gone = add_member(county.village_a, "已去世", join_date=date(2000, 12, 3))
    services.change_status(None, gone, to_status=Member.Status.DECEASED, on=date(2026, 2, 1), reason="病故")
    Member.objects.create(
        name="日期填错",
        gender="male",
        birth_date=date(1980, 1, 1),
        id_number_digest=make_id(),
        id_number_masked="x",
        organization=county.village_a,
        join_date=date(2027, 12, 1),
    )
    care = care_figures(county.root.path, today)
    expected = Member.objects.filter(
        status__in=Member.ACTIVE_STATUSES, join_date__month=today.month, join_date__year__lt=today.year
    ).count()
    assert care["birthdays"] == expected == 2


def test_the_triggers_count_the_statutes_active_statuses():
    """The trigger SQL names the active statuses itself: it must name exactly Member.ACTIVE_STATUSES."""
    import re

    assert set(re.findall(r"'(\w+)'", tally.ACTIVE_SQL)) == set(Member.ACTIVE_STATUSES)


def test_the_age_band_index_covers_exactly_the_active_members():
    """The partial index the age bands are read from names the active statuses itself."""
    (index,) = [i for i in Member._meta.indexes if i.name == "member_active_birth_idx"]
    assert set(dict(index.condition.children)["status__in"]) == set(Member.ACTIVE_STATUSES)


def test_the_age_band_statement_needs_only_the_index_columns(county):
    """The age bands can be read from `member_active_birth_idx` alone (an index-only scan; at
    province scale the table is ten times the index, 726 → 327 ms): the statement names no
    column of the members table but the index's and the status of its condition."""
    from jiceng.dashboard.queries import command_screen

    with CaptureQueriesContext(connection) as captured:
        command_screen(county.county_admin, county.root, date(2026, 12, 7))
    (sql,) = [q["sql"] for q in captured.captured_queries if 'FROM "members_member"' in q["sql"]]
    columns = set(re.findall(r'"members_member"\."(\w+)"', sql))
    assert columns == {"organization_id", "birth_date", "status"}, columns
