"""The points computation against a plain reference (the code before it was made fast, kept
here): on the tiny demo county (generated in March 2027, so its months cross a year and the
scheme's 2027 version), a first computation of a month and a recomputation after records
changed append exactly the lines the reference appends — same member, item, source record,
date, text, value, points, cap note and reversal flag — and the month totals are the
reference's; a second run appends and rewrites nothing; and a computation asks a fixed number of
queries whatever the number of members."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.core.point_sources import registered
from jiceng.demo.testing import tiny_demo
from jiceng.dues.models import DuesPayment
from jiceng.life.models import Attendance, Record
from jiceng.members.models import Member
from jiceng.ratings import queries, rules, services
from jiceng.ratings.models import CLAIM, PointItem, PointsClaim, PointsEntry, PointsMonth
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db

ZERO = Decimal(0)
MARCH, FEBRUARY = date(2027, 3, 1), date(2027, 2, 1)


@pytest.fixture(scope="module")
def tiny(django_db_setup, django_db_blocker) -> dict:
    with kept_for_the_module(django_db_blocker), time_machine.travel("2027-03-20 10:00 +0800"):
        yield tiny_demo(3, password="demo-test-2468")


class _Event:
    def __init__(self, item, source, record_id, on, text, quantity):
        self.item, self.source, self.record_id, self.on, self.text, self.quantity = (
            item,
            source,
            record_id,
            on,
            text,
            quantity,
        )


def _count_month(events, monthly_cap, year_before):
    """rules.count_month as it was first written (frozen dataclasses, one pass)."""
    lines = []
    month_awards = ZERO
    per_item = {}
    for event in sorted(events, key=lambda e: (e.on, e.source, e.record_id)):
        item = event.item
        raw = item.points * event.quantity
        if raw < 0:
            lines.append((event, raw, raw, ""))
            continue
        room, note = raw, ""
        if item.cap_month is not None and per_item.get(item.code, ZERO) + room > item.cap_month:
            room, note = max(ZERO, item.cap_month - per_item.get(item.code, ZERO)), "本项本月已达上限"
        used_year = year_before.get(item.code, ZERO) + per_item.get(item.code, ZERO)
        if item.cap_year is not None and used_year + room > item.cap_year:
            room, note = max(ZERO, item.cap_year - used_year), "本项全年已达上限"
        if month_awards + room > monthly_cap:
            room, note = max(ZERO, monthly_cap - month_awards), "本月积分已达上限"
        per_item[item.code] = per_item.get(item.code, ZERO) + room
        month_awards += room
        lines.append((event, raw, room, note))
    return lines


def reference(month: date) -> tuple[Counter, dict[int, Decimal]]:
    """What a computation of ``month`` for every member must append (a Counter of lines as
    tuples) and the month totals it must leave: the sources, the approved claims, the year's
    earlier months and the ledger read plainly, line by line, as the first code did."""
    scheme = services.scheme_for(month)
    last = rules.month_end(month)
    items = list(scheme.items.all())
    by_source = {i.source: i for i in items if i.source}
    by_code = {i.code: i for i in items}
    member_ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    members = Member.objects.filter(pk__in=member_ids).values("pk")
    events = defaultdict(list)
    sources = registered()
    for code, item in by_source.items():
        if code in sources:
            for ev in sources[code].events(members, month, last):
                events[ev.member_id].append(_Event(item, code, ev.record_id, ev.on, ev.text, ev.quantity))
    approved = PointsClaim.objects.filter(state=PointsClaim.State.APPROVED, on__gte=month, on__lte=last)
    for claim in approved.select_related("item"):
        item = by_code.get(claim.item.code)
        if item is not None and not item.source:
            text = f"{item.name}：{claim.note[:200]}"
            events[claim.member_id].append(_Event(item, CLAIM, claim.pk, claim.on, text, Decimal(1)))
    codes = dict(PointItem.objects.values_list("pk", "code"))
    capped = set(PointItem.objects.filter(cap_year__isnull=False).values_list("pk", flat=True))
    year_before = defaultdict(lambda: defaultdict(lambda: ZERO))
    if month.month > 1:
        for e in PointsEntry.objects.filter(month__gte=month.replace(month=1), month__lt=month, item_id__in=capped):
            year_before[e.member_id][codes[e.item_id]] += e.points
    net = defaultdict(dict)  # member -> (source, record) -> [item, Σ raw, Σ points, text, date]
    for e in PointsEntry.objects.filter(month=month).order_by("id"):
        held = net[e.member_id].get((e.source, e.record_id))
        if held is None:
            net[e.member_id][(e.source, e.record_id)] = [e.item_id, e.raw_points, e.points, e.text, e.on]
        else:
            held[1] += e.raw_points
            held[2] += e.points
            if not e.reversal:
                held[0], held[3], held[4] = e.item_id, e.text, e.on
    appended, totals = Counter(), {}
    for m in member_ids:
        lines = _count_month(events[m], scheme.monthly_cap, year_before[m])
        wanted = {(ev.source, ev.record_id): (ev, raw, pts, note) for ev, raw, pts, note in lines}
        for key, (item_id, raw, pts, text, on) in net[m].items():
            line = wanted.get(key)
            if line is not None and (line[0].item.pk, line[1], line[2]) == (item_id, raw, pts):
                continue
            if raw == 0 and pts == 0:
                continue
            appended[(m, month, item_id, *key, on, text, -raw, -pts, "重新计算：冲销原记分", True)] += 1
        for key, (ev, raw, pts, note) in wanted.items():
            held = net[m].get(key)
            if held is not None and (held[0], held[1], held[2]) == (ev.item.pk, raw, pts):
                continue
            appended[(m, month, ev.item.pk, *key, ev.on, ev.text[:300], raw, pts, note, False)] += 1
        totals[m] = sum((pts for _, _, pts, _ in lines), ZERO)
    return appended, totals


LINE = [
    "member_id",
    "month",
    "item_id",
    "source",
    "record_id",
    "on",
    "text",
    "raw_points",
    "points",
    "note",
    "reversal",
]


def appended_since(last_id: int) -> Counter:
    return Counter(PointsEntry.objects.filter(pk__gt=last_id).values_list(*LINE))


def last_line() -> int:
    return PointsEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def check(month: date) -> Counter:
    """Compute ``month`` through the service and compare it with the reference."""
    expected, totals = reference(month)
    before = last_line()
    result = services.recompute_month(month)
    got = appended_since(before)
    assert got == expected, (sorted(got - expected)[:5], sorted(expected - got)[:5])
    assert result["added"] + result["reversed"] == sum(expected.values())
    stored = dict(PointsMonth.objects.filter(month=month).values_list("member_id", "points"))
    assert stored == totals
    assert queries.month_differences() == [] and queries.year_differences() == []
    return got


def test_a_first_computation_appends_the_reference_lines(tiny):
    assert PointsMonth.objects.filter(month=MARCH).exists()  # the demo computed it
    PointsEntry.objects.filter(month=MARCH).delete()
    PointsMonth.objects.filter(month=MARCH).delete()
    got = check(MARCH)
    notes = Counter(note for (*_, note, _reversal) in got.elements())
    sources = {source for (_, _, _, source, *_) in got}
    # Varied enough to mean something: several sources, claims, deductions and lines cut by a cap.
    assert len(sources) >= 5 and CLAIM in sources and "life.absent" in sources
    assert notes[""] and notes["本项本月已达上限"], notes
    assert sum(got.values()) > 200


def test_a_recomputation_after_changes_appends_the_reference_reversals_and_lines(tiny):
    # Records change after the month was computed (as the nightly job finds them): a present
    # mark becomes absent, a meeting goes back to planned, a claim is approved, a payment is short.
    for month in (FEBRUARY, MARCH):
        marks = Attendance.objects.filter(
            record__held_on__gte=month, record__held_on__lte=rules.month_end(month), status="present"
        ).order_by("pk")
        Attendance.objects.filter(pk__in=list(marks.values_list("pk", flat=True)[:15])).update(status="absent")
        record = Record.objects.filter(
            held_on__gte=month, held_on__lte=rules.month_end(month), state__in=Record.HELD_STATES
        ).order_by("-pk")[0]
        Record.objects.filter(pk=record.pk).update(state=Record.State.PLANNED)
        waiting = PointsClaim.objects.filter(
            state=PointsClaim.State.SUBMITTED, on__gte=month, on__lte=rules.month_end(month)
        ).order_by("pk")
        PointsClaim.objects.filter(pk__in=list(waiting.values_list("pk", flat=True)[:5])).update(
            state=PointsClaim.State.APPROVED
        )
        paid = DuesPayment.objects.filter(month=month, due_amount__gt=0).order_by("pk")
        for payment in paid[:5]:
            DuesPayment.objects.filter(pk=payment.pk).update(amount=payment.due_amount - Decimal("0.01"))
    february = check(FEBRUARY)  # February first: March's yearly caps read it
    march = check(MARCH)
    for got in (february, march):
        assert any(line[-1] for line in got) and any(not line[-1] for line in got)  # reversals and lines
    # Nothing changed since: nothing is appended and the month rows are not rewritten.
    written = dict(PointsMonth.objects.filter(month=MARCH).values_list("member_id", "computed_at"))
    before = last_line()
    again = services.recompute_month(MARCH)
    assert again["added"] == again["reversed"] == 0 and last_line() == before
    assert dict(PointsMonth.objects.filter(month=MARCH).values_list("member_id", "computed_at")) == written


def test_a_computation_asks_the_same_queries_for_a_branch_and_for_the_county(tiny):
    branch = Member.objects.filter(status="full").order_by("pk").first().organization
    counts = []
    for members in (Member.objects.filter(organization=branch), Member.objects.all()):
        services.recompute_month(MARCH, members)  # up to date first: the runs below change nothing
        with CaptureQueriesContext(connection) as run:
            services.recompute_month(MARCH, members)
        counts.append(len(run))
    # The members' ids, the scheme and its items, the lock, one query per source, the claims, the
    # year's earlier months (items with a yearly cap, their codes), the ledger, the month totals,
    # and the transaction's savepoint: none per member.
    assert counts[0] == counts[1] <= 25, counts
