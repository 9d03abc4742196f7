"""The recruitment component of the organization star rating (development.on_schedule): open
development files without an overdue step over the open files, equal to what its link (the file
list) lists; left out where no file is open. One grouped read for a whole subtree."""

from __future__ import annotations

from datetime import date

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jiceng.core.indices import ORGRATING, registered
from jiceng.development.models import DevelopmentFile
from jiceng.development.testing import open_applicant
from jiceng.testing import client_for

TODAY = date(2026, 11, 20)


def _compute(root, today=TODAY):
    return registered(ORGRATING)["development.on_schedule"].compute(root, 2026, today)


def test_no_open_file_leaves_the_organization_to_the_reviewer(dev):
    assert _compute(dev.root) == {}


def test_files_on_schedule_equal_the_list_it_links_to(dev):
    with time_machine.travel("2026-11-20 10:00 +0800"):
        late = open_applicant(dev, "申请人甲", on=date(2023, 1, 10))  # the talk was due in February 2023
        open_applicant(dev, "申请人乙", on=date(2026, 11, 10))  # the talk is due within a month
        closed = open_applicant(dev, "申请人丙", on=date(2026, 11, 12))
        DevelopmentFile.objects.filter(pk=closed.pk).update(status=DevelopmentFile.Status.CANCELLED)
        with CaptureQueriesContext(connection) as queries:
            figures = _compute(dev.root)
        assert len(queries) <= 2  # the whole county: not one query per organization
        figure = figures[dev.branch_a.pk]
        assert (figure.numerator, figure.denominator) == (1, 2)
        assert figure.text == "截至 2026-11-20 在培养 2 人，1 人有逾期事项"
        assert figures[dev.town_a.pk].denominator == 2 and dev.branch_b.pk not in figures
        # The link lists the open files (the denominator); with due=overdue, the late ones.
        client = client_for(dev.county_admin)
        listed = client.get(figure.url)
        assert listed.status_code == 200 and listed.context["page_obj"].paginator.count == figure.denominator
        overdue = client.get(figure.url + "&due=overdue").context["page_obj"].paginator.count
        assert overdue == figure.denominator - figure.numerator == 1
        assert late.name in listed.content.decode()
    # The state on the day of computation: a month later the second talk is overdue too.
    assert _compute(dev.root, date(2026, 12, 20))[dev.branch_a.pk].numerator == 0
