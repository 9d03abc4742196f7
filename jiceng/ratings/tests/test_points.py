"""Member points from records: every line names its source record, recomputing is idempotent,
the month totals agree with the ledger, caps hold at month and year boundaries, a scheme change
applies from its month only, claims count once approved, and the unqualified list applies the
three-year consequence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.core.point_sources import registered
from jiceng.life import services as life
from jiceng.life.models import Attendance
from jiceng.ratings import defaults, queries, services
from jiceng.ratings.models import PointsEntry, PointsMonth, PointsScheme
from jiceng.ratings.testing import item, meeting
from jiceng.testing import add_member

NOV = date(2026, 11, 1)


def month_points(member, month=NOV):
    return PointsMonth.objects.get(member=member, month=month).points


def lines(member, month=NOV):
    return list(PointsEntry.objects.filter(member=member, month=month).order_by("id"))


def test_every_default_item_names_a_registered_source():
    sources = registered()
    for code, _name, source, *_ in defaults.ITEMS:
        assert not source or source in sources, (code, source)
    assert {"life.present", "life.absent", "dues.on_time", "training.attended", "requests.resolved"} <= set(sources)


@time_machine.travel("2026-11-20 10:00 +0800")
def test_attendance_earns_points_and_recomputing_twice_appends_nothing(county):
    a = county.member_a
    li = item("life", NOV)
    record = meeting(county.secretary_a, county.branch_a, date(2026, 11, 5))
    services.recompute_month(NOV)
    (line,) = lines(a)
    assert (line.source, line.record_id, line.item_id, line.points) == ("life.present", record.pk, li.pk, li.points)
    assert month_points(a) == li.points
    again = services.recompute_month(NOV)
    assert again["added"] == again["reversed"] == 0
    assert len(lines(a)) == 1
    assert queries.month_differences() == [] and queries.year_differences() == []


@time_machine.travel("2026-11-20 10:00 +0800")
def test_a_corrected_mark_is_reversed_not_edited(county):
    a = county.member_a
    record = meeting(county.secretary_a, county.branch_a, date(2026, 11, 5))
    services.recompute_month(NOV)
    first = lines(a)[0]
    life.set_attendance(county.secretary_a, record, {a.pk: (Attendance.Status.ABSENT, False, False)})
    result = services.recompute_month(NOV)
    assert result["reversed"] >= 1
    ledger = lines(a)
    assert ledger[0].pk == first.pk and ledger[0].points == first.points  # untouched
    assert ledger[1].reversal and ledger[1].points == -first.points and ledger[1].record_id == record.pk
    assert ledger[2].source == "life.absent" and ledger[2].points == item("absent", NOV).points
    assert month_points(a) == item("absent", NOV).points
    assert services.recompute_month(NOV)["added"] == 0
    assert queries.month_differences() == [] and queries.year_differences() == []


@time_machine.travel("2026-11-20 10:00 +0800")
def test_a_deleted_record_takes_its_points_away(county):
    record = meeting(county.secretary_a, county.branch_a, date(2026, 11, 5))
    services.recompute_month(NOV)
    life.delete_record(county.secretary_a, record)
    services.recompute_month(NOV)
    assert month_points(county.member_a) == 0
    assert sum(x.points for x in lines(county.member_a)) == 0


@time_machine.travel("2026-11-20 10:00 +0800")
def test_monthly_cap_holds_across_sources(county):
    a = county.member_a
    rows = [
        {f: getattr(i, f) for f in ("code", "name", "source", "category", "points", "cap_month", "cap_year")}
        for i in services.scheme_for(NOV).items.all()
    ]
    for row in rows:
        if row["code"] in ("life", "good_deed"):
            row["points"], row["cap_month"] = D(3), None
    services.new_scheme_version(county.county_admin, valid_from=NOV, items=rows, name="无单项上限")
    for day in (2, 3, 4, 5, 6, 9, 10, 11):
        meeting(county.secretary_a, county.branch_a, date(2026, 11, day), topic=f"第{day}次")
    for day in (12, 13, 14):
        claim = services.submit_claim(
            county.member_user, member=a, item=item("good_deed", NOV), on=date(2026, 11, day), note="帮助邻居"
        )
        services.decide_claim(county.secretary_a, claim, approve=True)
    services.recompute_month(NOV)
    scheme = services.scheme_for(NOV)
    assert month_points(a) == scheme.monthly_cap
    assert any(line.note == "本月积分已达上限" for line in lines(a))


@time_machine.travel("2027-01-20 10:00 +0800")
def test_yearly_cap_of_an_item_resets_in_january(county):
    a = county.member_a
    pledge = item("pledge", date(2026, 12, 1))
    assert pledge.cap_year is not None
    # Enough pledges in 2026 to reach the yearly cap; one more in December counts nothing.
    n = int(pledge.cap_year / pledge.points)
    for m in range(1, n + 1):
        day = date(2026, m, 10)
        claim = services.submit_claim(county.member_user, member=a, item=item("pledge", day), on=day, note=f"承诺{m}")
        services.decide_claim(county.secretary_a, claim, approve=True)
    dec = services.submit_claim(
        county.member_user, member=a, item=item("pledge", date(2026, 12, 1)), on=date(2026, 12, 15), note="年底承诺"
    )
    services.decide_claim(county.secretary_a, dec, approve=True)
    december = PointsEntry.objects.get(member=a, source="claim", record_id=dec.pk)
    assert december.points == 0 and december.note == "本项全年已达上限"
    # From January 2027 pledges are counted from the branch's check (ratings.pledge_kept, the
    # scheme's second version); the yearly cap, kept by the item's code, starts again.
    jan = services.create_pledge(county.member_user, a, year=2027, content="新年承诺", due=date(2027, 1, 31))
    services.check_pledge(county.secretary_a, jan, state="fulfilled", on=date(2027, 1, 5), note="已兑现")
    assert PointsEntry.objects.get(member=a, source="ratings.pledge_kept", record_id=jan.pk).points == pledge.points
    assert queries.year_total(a, 2026) == pledge.cap_year


@time_machine.travel("2026-06-15 10:00 +0800")
def test_a_scheme_change_applies_from_its_month_and_leaves_earlier_months_as_they_were(county):
    a = county.member_a
    may = date(2026, 5, 1)
    meeting(county.secretary_a, county.branch_a, date(2026, 5, 8))
    services.recompute_month(may)
    old_item = item("life", may)
    assert month_points(a, may) == old_item.points
    with pytest.raises(ValidationError):  # not backwards
        services.new_scheme_version(county.county_admin, valid_from=may, items=[], name="x")
    with pytest.raises(PermissionDenied):
        services.new_scheme_version(county.admin_a, valid_from=date(2026, 7, 1), items=[], name="x")
    rows = [
        {f: getattr(i, f) for f in ("code", "name", "source", "category", "points", "cap_month", "cap_year")}
        for i in services.scheme_for(may).items.all()
    ]
    for row in rows:
        if row["code"] == "life":
            row["points"] = D(5)
    new = services.new_scheme_version(
        county.county_admin,
        valid_from=date(2026, 7, 1),
        items=rows,
        name="新办法",
        monthly_cap=D(10),
        unqualified_below=D(50),
    )
    services.recompute_month(may)
    assert month_points(a, may) == old_item.points  # May keeps the old version
    assert PointsMonth.objects.get(member=a, month=may).scheme_id == old_item.scheme_id
    with time_machine.travel("2026-07-20 10:00 +0800"):
        meeting(county.secretary_a, county.branch_a, date(2026, 7, 8))
        services.recompute_month(date(2026, 7, 1))
    july = PointsMonth.objects.get(member=a, month=date(2026, 7, 1))
    assert july.points == D(5) and july.scheme_id == new.pk
    assert queries.scheme_of_year(2026).unqualified_below == D(50)
    assert PointsScheme.objects.filter(valid_from__lt=defaults.POSTS_FROM).count() == 2  # and 2027 (migration 0007)


def test_scheme_items_are_checked(county):
    with time_machine.travel("2026-06-15 10:00 +0800"):
        bad = [
            {
                "code": "a",
                "name": "甲",
                "source": "no.such",
                "category": "study",
                "points": D(1),
                "cap_month": None,
                "cap_year": None,
            },
            {
                "code": "a",
                "name": "乙",
                "source": "",
                "category": "study",
                "points": D(-1),
                "cap_month": D(2),
                "cap_year": None,
            },
        ]
        with pytest.raises(ValidationError) as exc:
            services.new_scheme_version(county.county_admin, valid_from=date(2026, 8, 1), items=bad)
        text = " ".join(exc.value.messages)
        assert "no.such" in text and "重复" in text and "扣分项目不设上限" in text


@time_machine.travel("2026-11-20 10:00 +0800")
def test_claims_count_once_approved_and_a_secretary_cannot_approve_their_own(county):
    a = county.member_a
    claim = services.submit_claim(
        county.member_user, member=a, item=item("post", NOV), on=date(2026, 11, 3), note="政策宣讲"
    )
    services.recompute_month(NOV)
    assert month_points(a) == 0
    with pytest.raises(PermissionDenied):
        services.decide_claim(county.admin_b, claim, approve=True)
    own = add_member(county.branch_a, "书记本人")
    county.secretary_a.member = own
    county.secretary_a.save()
    mine = services.submit_claim(
        county.secretary_a, member=own, item=item("post", NOV), on=date(2026, 11, 3), note="宣讲"
    )
    with pytest.raises(ValidationError, match="本人"):
        services.decide_claim(county.secretary_a, mine, approve=True)
    with pytest.raises(ValidationError, match="理由"):
        services.decide_claim(county.admin_a, claim, approve=False)
    services.decide_claim(county.admin_a, claim, approve=True)
    assert month_points(a) == item("post", NOV).points
    (line,) = lines(a)
    assert (line.source, line.record_id) == ("claim", claim.pk)
    with pytest.raises(ValidationError, match="已通过"):
        services.decide_claim(county.admin_a, claim, approve=True)


@time_machine.travel("2026-11-20 10:00 +0800")
def test_claims_are_refused_for_automatic_items_the_future_and_outsiders(county):
    with pytest.raises(ValidationError):
        services.submit_claim(
            county.member_user, member=county.member_a, item=item("life", NOV), on=date(2026, 11, 3), note="x"
        )
    with pytest.raises(ValidationError):
        services.submit_claim(
            county.member_user, member=county.member_a, item=item("post", NOV), on=date(2026, 11, 30), note="x"
        )
    with pytest.raises(PermissionDenied):
        services.submit_claim(
            county.admin_a, member=county.member_b, item=item("post", NOV), on=date(2026, 11, 3), note="x"
        )
    with pytest.raises(PermissionDenied):  # a member claims only for themself
        services.submit_claim(
            county.member_user, member=county.member_b, item=item("post", NOV), on=date(2026, 11, 3), note="x"
        )


def _year_of_points(member, year, points):
    """Month totals for a computed year (one line per month through a claim-free path: the
    ledger itself, as a recompute would write it)."""
    scheme = services.scheme_for(date(year, 1, 1))
    item_ = scheme.items.get(code="good_deed")
    for m in range(1, 13):
        month = date(year, m, 1)
        share = (D(points) / 12).quantize(D("0.1"))
        pts = share if m < 12 else D(points) - share * 11
        PointsEntry.objects.create(
            member=member,
            month=month,
            item=item_,
            source="claim",
            record_id=10_000 + m,
            on=month,
            text="t",
            raw_points=pts,
            points=pts,
        )
        PointsMonth.objects.create(
            member=member, month=month, points=pts, scheme=scheme, computed_at=PointsEntry.objects.last().created_at
        )
    services.rebuild_years([member.pk], year)


@time_machine.travel("2027-02-10 10:00 +0800")
def test_three_unqualified_years_running_advise_the_member_to_leave(county):
    a, b = county.member_a, add_member(county.branch_a, "钱六")
    joined = add_member(county.branch_a, "孙七", join_date=date(2026, 10, 1), full_date=None, status="probationary")
    for year in (2024, 2025, 2026):
        _year_of_points(a, year, 30)
    _year_of_points(b, 2024, 70)
    _year_of_points(b, 2025, 30)
    _year_of_points(b, 2026, 30)
    _year_of_points(joined, 2026, 12)  # line prorated to 15 for October–December
    _year_of_points(county.member_b, 2026, 10)  # township 乙: not in 甲's list
    rows = {r.member_id: r for r in queries.with_members(queries.unqualified(county.town_a, 2026))}
    # Paged in pieces (the joiner judged in Python, the others in the database), the list is the
    # same, and the count of members to advise is the rows' own.
    paged = queries.unqualified_list(county.town_a, 2026)
    pieces = [r.member_id for start in range(0, len(paged), 2) for r in paged[start : start + 2]]
    assert pieces == [r.member_id for r in queries.unqualified(county.town_a, 2026)] and len(pieces) == len(rows)
    assert paged.advise == sum(1 for r in rows.values() if r.advise_leave) and paged[0].member_id == pieces[0]
    assert rows[a.pk].run == 3 and rows[a.pk].advise_leave
    assert rows[b.pk].run == 2 and not rows[b.pk].advise_leave
    assert rows[joined.pk].line == D(15) and rows[joined.pk].run == 1
    assert county.member_b.pk not in rows
    # A member with no computed months in the year is not judged (points were not kept yet).
    assert all(r.member.name != "李四" for r in rows.values())
    assert queries.month_differences() == [] and queries.year_differences() == []
