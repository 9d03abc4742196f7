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
from jiceng.orgs.models import Organization
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
    # A township's screen: one statement; the top of the only tree: one range for each band
    # open at one end (the youngest, the oldest), the band between them from the tally's total.
    for root, statements in ((county.town_a, 1), (county.root, 2)):
        with CaptureQueriesContext(connection) as captured:
            command_screen(county.county_admin, root, date(2026, 12, 7))
        over_members = [q["sql"] for q in captured.captured_queries if 'FROM "members_member"' in q["sql"]]
        assert len(over_members) == statements and all("birth_date" in sql for sql in over_members)


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

    # The county's screen (the top of the only tree: `member_active_birth_date_idx`, no join
    # with the organizations' paths) and a township's.
    for root, joined in ((county.root, False), (county.town_a, True)):
        with CaptureQueriesContext(connection) as captured:
            command_screen(county.county_admin, root, date(2026, 12, 7))
        for sql in [q["sql"] for q in captured.captured_queries if 'FROM "members_member"' in q["sql"]]:
            columns = set(re.findall(r'"members_member"\."(\w+)"', sql))
            assert columns == {"birth_date", "status"} | ({"organization_id"} if joined else set()), columns


def test_the_whole_trees_age_bands_from_the_ends_equal_the_counted_bands(county):
    """The top of the only tree counts the youngest and the oldest band as ranges and takes the
    band between them from the tally's total: the same as counting each member's band, also on
    the edges (the 36th and the 61st birthday today, and the day after)."""
    from jiceng.dashboard.queries import _bands_from_the_ends
    from jiceng.members import rules as member_rules

    today = date(2026, 12, 7)
    births = [date(1990, 12, 7), date(1990, 12, 8), date(1965, 12, 7), date(1965, 12, 8), date(2000, 1, 1)]
    for i, birth in enumerate(births):
        add_member(county.village_a, f"边界{i}", birth=birth, join_date=date(2021, 7, 1), full_date=date(2022, 7, 1))
    add_member(county.town_b, "预备", status="probationary", birth=date(1965, 12, 6), full_date=None)
    gone = add_member(county.town_b, "去世", birth=date(1950, 1, 1))
    services.change_status(None, gone, to_status=Member.Status.DECEASED, on=date(2026, 2, 1), reason="病故")
    active = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    counted = dict.fromkeys(member_rules.AGE_BANDS, 0)
    for member in active:
        counted[member_rules.age_band(member.birth_date, today)] += 1
    total = tally.active_total(tally.figures(county.root.path))
    assert total == active.count()
    assert _bands_from_the_ends(today, total) == {f"band_{band}": n for band, n in counted.items()}


def test_members_per_child_equal_the_members_of_each_childs_subtree(county):
    """The screen's members per child (the tally's status rows, summed by the child's path
    prefix) equal the active members of each child's subtree, from every root."""
    add_member(county.group_a, "组里", education="bachelor", is_mobile=True)
    add_member(county.village_a, "总支", status="probationary", gender="female")
    add_member(county.root, "县直属")
    gone = add_member(county.town_b, "乡直属")
    services.change_status(None, gone, to_status=Member.Status.DECEASED, on=date(2026, 2, 1), reason="病故")
    for root in (county.root, county.town_a, county.village_a, county.branch_a, county.group_a):
        width = len(root.path) + 4
        by_prefix = tally.active_by_prefix(root.path, width)
        children = Organization.objects.filter(parent=root)
        for child in children:
            active = Member.objects.filter(path_q("organization__path", child.path), status__in=Member.ACTIVE_STATUSES)
            assert by_prefix.get(child.path, 0) == active.count(), child.name
        own = Member.objects.filter(organization=root, status__in=Member.ACTIVE_STATUSES).count()
        assert by_prefix.get(root.path, 0) == own
        assert set(by_prefix) <= {root.path, *children.values_list("path", flat=True)}


def test_one_read_per_screen_answers_every_read_of_the_subtree_from_the_first(county):
    """The command screen and its care and transfer cards read a subtree's figures once."""

    def tally_reads(captured) -> int:
        return sum("members_membertally" in q["sql"] for q in captured.captured_queries)

    add_member(county.village_a, "甲", join_date=date(2001, 12, 1))
    add_member(county.town_b, "乙", status="probationary", join_date=date(2015, 12, 3))
    root = county.root.path
    alone = {month: tally.figures(root, join_month=month) for month in (None, 12)}
    alone_b = tally.figures(county.town_b.path)
    with tally.one_read_per_screen():
        with CaptureQueriesContext(connection) as captured:
            first = tally.figures(root, join_month=12)
            first["status"]["full"] = -1  # a reader changing its copy changes nothing kept
            kept = {month: tally.figures(root, join_month=month) for month in (12, None)}
        assert tally_reads(captured) == 1
        # Another subtree is read on its own.
        assert tally.figures(county.town_b.path) == alone_b
    assert kept == alone
    # Outside the block nothing is kept.
    with CaptureQueriesContext(connection) as captured:
        tally.figures(root)
        tally.figures(root)
    assert len(captured.captured_queries) == tally_reads(captured) == 2


def test_the_whole_trees_figures_skip_the_path_join_and_equal_the_subtrees(county):
    """The county is the only tree here: its figures read with `everything` (every tally row,
    without joining the organizations' paths) equal the sum over the path range."""
    from jiceng.orgs.queries import subtree_is_everything

    add_member(county.village_a, "甲", education="bachelor", is_mobile=True, join_date=date(2001, 12, 1))
    add_member(county.town_b, "乙", status="probationary", gender="female")
    assert subtree_is_everything(county.root.path) and not subtree_is_everything(county.town_a.path)
    with CaptureQueriesContext(connection) as captured:
        fast = tally.figures(county.root.path, join_month=12, everything=True)
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert "orgs_organization" not in sql
    with CaptureQueriesContext(connection) as captured:
        ranged = tally.figures(county.root.path, join_month=12)
    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert "orgs_organization" in sql
    assert fast == ranged
