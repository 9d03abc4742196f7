"""Two people record the same member's month at the same moment: exactly one payment is kept.

The service, the import and the API are raced. Real threads with their own database
connections, so this runs on PostgreSQL only (SQLite serializes writers on the whole file and
has no row locks to test)."""

import threading
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jiceng.dues import imports, services
from jiceng.dues.models import DuesPayment
from jiceng.dues.testing import at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency"),
]


def race(*actions) -> list:
    barrier = threading.Barrier(len(actions))
    results: list = [None] * len(actions)

    def run(i, action):
        from django.db import connection as thread_connection

        try:
            barrier.wait()
            results[i] = action()
        except Exception as exc:  # collected and asserted below
            results[i] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_two_recordings_of_the_same_month_keep_one(dues):
    secretary, admin = dues.county.secretary_a, dues.county.admin_a
    march = [date(2026, 3, 1)]
    with at(2026, 3, 20):
        for _ in range(3):
            DuesPayment.objects.all().delete()
            results = race(
                lambda: services.record_payment(secretary, dues.zhang, months=march, paid_on=date(2026, 3, 20)),
                lambda: services.record_payment(admin, dues.zhang, months=march, paid_on=date(2026, 3, 19)),
            )
            assert sum(isinstance(r, list) for r in results) == 1, results
            assert sum(isinstance(r, ValidationError) for r in results) == 1, results
            assert DuesPayment.objects.filter(member=dues.zhang, month=march[0]).count() == 1


def test_an_import_racing_a_recording_never_doubles_a_month(dues):
    import io

    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["党员编号", "姓名", "所属月份", "实交金额（元）", "交纳日期"])
    wb.active.append([dues.zhang.pk, "张三", "2026-03", 50, "2026-03-05"])
    wb.active.append([dues.li.pk, "李四", "2026-03", 50, "2026-03-05"])
    data = io.BytesIO()
    wb.save(data)
    with at(2026, 3, 20):
        results = race(
            lambda: imports.run_import(io.BytesIO(data.getvalue()), actor=dues.county.secretary_a),
            lambda: services.record_payment(None, dues.li, months=[date(2026, 3, 1)], paid_on=date(2026, 3, 6)),
        )
    assert DuesPayment.objects.filter(member=dues.li).count() == 1
    outcome = results[0]
    if outcome.ok:  # the import won: the recording was refused
        assert isinstance(results[1], ValidationError)
        assert DuesPayment.objects.count() == 2
    else:  # the recording won: the import kept nothing at all
        assert DuesPayment.objects.count() == 1


def test_two_api_recordings_of_the_same_month_keep_one(dues):
    """The API goes through the same service: one 201, one 400 in Chinese, one row."""
    from django.urls import reverse

    from jiceng.dues.tests.test_api import api

    body = {"member": dues.zhang.pk, "month": "2026-03", "paid_on": "2026-03-05"}
    url = reverse("dues-payment-list")
    with at(2026, 3, 20):
        for _ in range(3):
            DuesPayment.objects.all().delete()
            clients = [api(dues.county.secretary_a), api(dues.county.admin_a)]
            results = race(*(lambda c=c: c.post(url, body, format="json") for c in clients))
            assert sorted(r.status_code for r in results) == [201, 400], results
            refused = next(r for r in results if r.status_code == 400).json()
            assert "登记" in " ".join(refused["non_field_errors"])
            assert DuesPayment.objects.filter(member=dues.zhang, month=date(2026, 3, 1)).count() == 1
