"""The six-month watch: months without dues as the clock crosses month ends, and the page."""

import io
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.dues import services
from jiceng.dues.models import DuesBase, DuesSettings
from jiceng.dues.queries import months_without_dues
from jiceng.dues.testing import SH, at, bulk_members
from jiceng.members import watch
from jiceng.members.models import Member
from jiceng.members.services import change_status
from jiceng.testing import client_for

pytestmark = pytest.mark.django_db


def missed(today) -> dict[str, int]:
    active = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    result = months_without_dues(active, today)
    assert all(result.values()), "members missing nothing are left out"
    return {m.name: result.get(m.pk, 0) for m in active}


@pytest.fixture
def paid_early(dues):
    """张三 paid January and February; 王五 (joined 10 January) paid January; 李四 and 赵秘密 nothing."""
    with at(2026, 2, 20):
        services.record_payment(None, dues.zhang, months=[date(2026, 1, 1), date(2026, 2, 1)], paid_on=date(2026, 2, 5))
        services.record_payment(None, dues.wang, months=[date(2026, 1, 1)], paid_on=date(2026, 1, 20))
    return dues


def test_the_current_month_never_counts_and_the_count_moves_at_local_midnight(paid_early):
    with time_machine.travel(datetime(2026, 6, 30, 23, 59, 59, tzinfo=SH), tick=False):
        from django.utils import timezone

        assert missed(timezone.localdate()) == {"张三": 3, "李四": 5, "王五": 4, "赵秘密": 5}
    # 16:00 UTC on 30 June is midnight in Shanghai: June is now a whole month behind.
    with time_machine.travel(datetime(2026, 6, 30, 16, 0, 0, tzinfo=UTC), tick=False):
        from django.utils import timezone

        assert timezone.localdate() == date(2026, 7, 1)
        assert missed(timezone.localdate()) == {"张三": 4, "李四": 6, "王五": 5, "赵秘密": 6}


def test_year_end_and_the_first_month(paid_early):
    assert missed(date(2026, 1, 31)) == {"张三": 0, "李四": 0, "王五": 0, "赵秘密": 0}
    assert missed(date(2026, 2, 1)) == {"张三": 0, "李四": 1, "王五": 0, "赵秘密": 1}
    assert missed(date(2027, 1, 1)) == {"张三": 10, "李四": 12, "王五": 11, "赵秘密": 12}


def test_paying_back_or_in_advance_and_exemption(paid_early):
    with at(2026, 7, 1):
        services.record_payment(
            None, paid_early.li, months=[date(2026, m, 1) for m in range(1, 7)], paid_on=date(2026, 7, 1)
        )
        services.set_base(
            None, paid_early.wang, year=2026, category="student", reduced_amount="0", reduction_note="批准"
        )
        result = missed(date(2026, 7, 1))
    assert result["李四"] == 0  # back payment (补交) covers the months
    assert result["王五"] == 0  # exempt (免交) for the year
    assert result["张三"] == 4
    # A payment for the current month does not cover the months before it.
    with at(2026, 7, 10):
        services.record_payment(None, paid_early.zhang, months=[date(2026, 7, 1)], paid_on=date(2026, 7, 10))
        assert missed(date(2026, 7, 10))["张三"] == 4


def test_missing_bases_never_hide_a_member_and_the_ledger_start_counts(paid_early):
    DuesBase.objects.filter(member=paid_early.zhao).delete()
    assert missed(date(2026, 7, 1))["赵秘密"] == 6  # no base, still owing
    DuesSettings.objects.update(ledger_start=date(2026, 3, 1))
    assert missed(date(2026, 7, 1))["李四"] == 4  # March to June: nothing before the ledger is on record
    DuesSettings.objects.update(ledger_start=None)
    DuesBase.objects.all().delete()
    # Nothing on record at all: the ledger starts this month, so nobody is counted.
    assert set(missed(date(2026, 7, 1)).values()) == {0}


def test_watch_lists_4_5_and_6_and_never_changes_a_status(paid_early):
    with at(2026, 7, 1):
        change_status(None, paid_early.zhao, to_status="deceased", on=date(2026, 6, 1))
        rows = watch.watch(Member.objects.filter(status__in=Member.ACTIVE_STATUSES), date(2026, 7, 1))
    assert [(Member.objects.get(pk=r.member_id).name, r.months["dues"], r.level) for r in rows] == [
        ("李四", 6, 6),
        ("王五", 5, 5),
        ("张三", 4, 4),
    ]
    assert Member.objects.get(pk=paid_early.li.pk).status == "full"


def test_watch_page(paid_early, client_as, monkeypatch):
    """Both halves of the rule from real records: the dues ledger, and six monthly themed party
    days of the branch (January to June) that 张三 missed and everybody else attended."""
    from jiceng.life import services as life_services
    from jiceng.life.defaults import seed
    from jiceng.life.models import ActivityType

    county = paid_early.county
    seed(ActivityType)
    themed_day = ActivityType.objects.get(code="themed_day")
    for month in range(1, 7):
        with at(2026, month, 15):
            record = life_services.create_record(
                county.secretary_a,
                organization=county.branch_a,
                activity_type=themed_day,
                held_on=date(2026, month, 15),
                topic="学习党章",
                place="村部会议室",
            )
            life_services.set_attendance(
                county.secretary_a,
                record,
                {
                    a.member_id: ("absent" if a.member_id == paid_early.zhang.pk else "present", False, False)
                    for a in record.attendance.all()
                },
            )
    with at(2026, 7, 1):
        response = client_as(county.admin_a).get(reverse("members:watch"))
    assert response.status_code == 200
    html = response.content.decode()
    assert watch.STATUTE in html and "平台不会自动变更任何党员的状态" in html
    # The only form that posts is the logout button of the header: nothing here changes a status.
    assert html.count('method="post"') == 1 and "/status/" not in html and "变更状态" not in html
    assert "未交党费（连续月数）" in html and "未参加组织生活（连续月数）" in html  # one column per source
    (group,) = response.context["groups"]
    assert group["unit"] == county.branch_a  # 王五 of the party group is listed with the branch
    assert [(r["member"].name, r["months"], r["level"]) for r in group["rows"]] == [
        ("李四", [6, 0], 6),
        ("张三", [4, 6], 6),
        ("王五", [5, 0], 5),
    ]
    assert response.context["counts"] == [(4, "4个月", 0), (5, "5个月", 1), (6, "6个月及以上", 2)]
    assert "赵秘密" not in html
    with at(2026, 7, 1):
        six = client_as(county.county_admin).get(reverse("members:watch"), {"level": 6})
        export = client_as(county.admin_a).get(reverse("members:watch"), {"export": "xlsx"})
    assert [r["member"].name for g in six.context["groups"] for r in g["rows"]] == ["李四", "张三", "赵秘密"]
    assert six.context["counts"] == [(4, "4个月", 0), (5, "5个月", 1), (6, "6个月及以上", 3)]  # all levels counted
    wb = load_workbook(io.BytesIO(export.content))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][-3:] == ("未交党费（月）", "未参加组织生活（月）", "预警级别")
    assert {r[1] for r in rows[1:]} == {"张三", "李四", "王五"}
    assert client_as(county.member_user).get(reverse("members:watch")).status_code == 403
    assert client_as(county.admin_a).get(reverse("members:watch"), {"org": county.town_b.pk}).status_code == 404
    # A county's list comes a few branches a page; the counts and the export cover everyone.
    from jiceng.members import watch_views

    monkeypatch.setattr(watch_views, "BRANCHES_PER_PAGE", 1)
    with at(2026, 7, 1):
        first = client_as(county.county_admin).get(reverse("members:watch"), {"level": 6})
        second = client_as(county.county_admin).get(reverse("members:watch"), {"level": 6, "page": 2})
    assert [g["unit"] for g in first.context["rows"]] == [county.branch_a]
    assert [g["unit"] for g in second.context["rows"]] == [county.branch_b]
    assert "赵秘密" not in first.content.decode() and "赵秘密" in second.content.decode()
    assert "共 3 人，分属 2 个支部" in first.content.decode() and "page=2" in first.content.decode()
    assert first.context["counts"] == six.context["counts"]


@pytest.mark.parametrize("rows", [10, 300])
def test_watch_page_has_a_fixed_query_count(dues, rows, django_assert_max_num_queries):
    bulk_members(dues.county.branch_a, rows, paid_months=[date(2026, 1, 1)])
    c = client_for(dues.county.county_admin)
    with at(2026, 7, 1):
        with django_assert_max_num_queries(12):
            response = c.get(reverse("members:watch"))
    assert sum(n for _, _, n in response.context["counts"]) == rows + 4


def months_without_dues_for_everyone(members, today):
    """The dues half as it was computed before (issue 10): the latest payment and exemption looked
    up for every member, not only for those whose last month is open."""
    from django.db.models import DateField, IntegerField, OuterRef, Subquery

    from jiceng.dues import rules as dues_rules
    from jiceng.dues.models import DuesBase, DuesPayment
    from jiceng.dues.queries import ledger_start

    start = ledger_start()
    last_month = dues_rules.add_months(dues_rules.month_start(today), -1)
    last_paid = DuesPayment.objects.filter(member=OuterRef("pk"), month__lte=last_month).order_by("-month")
    last_exempt = DuesBase.objects.filter(member=OuterRef("pk"), monthly_amount=0, year__lte=last_month.year)
    rows = (
        Member.objects.filter(pk__in=members.values("pk"))
        .values_list("pk", "join_date")
        .annotate(
            last_paid=Subquery(last_paid.values("month")[:1], output_field=DateField()),
            last_exempt=Subquery(last_exempt.order_by("-year").values("year")[:1], output_field=IntegerField()),
        )
    )
    out = {}
    for pk, join_date, paid, exempt_year in rows:
        covered = [m for m in (paid, date(exempt_year, 12, 1) if exempt_year else None) if m is not None]
        last_covered = min(max(covered), last_month) if covered else None
        out[pk] = dues_rules.months_missed(
            last_covered=last_covered, start=dues_rules.dues_start(join_date, start), today=today
        )
    return out


def test_the_demo_watch_equals_the_lookup_for_everyone():
    from jiceng.demo.testing import tiny_demo

    with time_machine.travel("2026-11-18 10:00 +0800"):
        tiny_demo(3, password="demo-test-2468")
    members = Member.objects.filter(status__in=Member.ACTIVE_STATUSES)
    for today in (date(2026, 11, 18), date(2026, 12, 1), date(2026, 8, 31), date(2027, 1, 10)):
        expected = months_without_dues_for_everyone(members, today)
        assert months_without_dues(members, today) == {pk: n for pk, n in expected.items() if n}
        assert any(v >= 4 for v in expected.values()) and any(v == 0 for v in expected.values())


def test_the_demo_month_completion_equals_the_lookup_per_member():
    """due_in_month joins the base and the payment (unique keys) instead of a subquery per member and
    aggregate (issue 10): the same completion figures for every township and the county, month by month."""
    from django.db.models import Count, OuterRef, Q, Subquery, Sum
    from django.db.models.functions import Substr

    from jiceng.demo.testing import tiny_demo
    from jiceng.dues import queries
    from jiceng.dues.models import DuesPayment

    with time_machine.travel("2026-11-18 10:00 +0800"):
        tiny_demo(3, password="demo-test-2468")
    start = queries.ledger_start()
    members = Member.objects.all()
    for month in (date(2026, 1, 1), date(2026, 6, 1), date(2026, 10, 1), date(2026, 11, 1)):
        base = DuesBase.objects.filter(member=OuterRef("pk"), year=month.year).values("monthly_amount")[:1]
        pay = DuesPayment.objects.filter(member=OuterRef("pk"), month=month).values("amount")[:1]
        old = (
            members.filter(status__in=Member.ACTIVE_STATUSES)
            .filter(Q(join_date__isnull=True) | Q(join_date__lt=queries.rules.add_months(month, 1)))
            .annotate(expected=Subquery(base, output_field=queries.MONEY), paid_amount=Subquery(pay))
            .annotate(unit=Substr("organization__path", 1, 8))
            .values("unit")
            .annotate(
                members=Count("pk"),
                exempt=Count("pk", filter=Q(expected=0)),
                paid=Count("pk", filter=queries.NOT_EXEMPT & queries.PAID),
                paid_sum=Sum("paid_amount", filter=queries.NOT_EXEMPT & queries.PAID),
                credited=Sum(queries.CREDITED, filter=Q(expected__gt=0)),
            )
            .order_by()
        )
        new = queries.month_completion(members, month, start, unit_width=8)
        assert new and len(new) == len(old)
        for row in old:
            c = new[row["unit"]]
            assert (c.due, c.paid, c.exempt) == (row["members"] - row["exempt"], row["paid"], row["exempt"])
            assert c.paid_amount == queries._money(row["paid_sum"])
            assert c.credited_amount == queries._money(row["credited"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans: PostgreSQL only")
def test_the_watch_reads_payments_and_exemptions_through_their_indexes(paid_early):
    """A city's watch asks, for every member, whether last month is paid and whether the year is
    exempt (免交): with sequential scans discouraged, the plan must find an index for each — the
    payments by month, the exempt bases by their partial index (a few hundred of a city's 670,000)."""
    from django.test.utils import CaptureQueriesContext

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as ctx:
        months_without_dues(Member.objects.filter(status__in=Member.ACTIVE_STATUSES), date(2026, 6, 10))
    sql = next(q["sql"] for q in ctx.captured_queries if "dues_duespayment" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        text = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on dues_duespayment" not in text, text
    assert "Seq Scan on dues_duesbase" not in text, text
    assert "dues_base_exempt_idx" in text, text
