"""Every whole-list export that may run in the background writes, in the background, the very file
the synchronous download gives the same user with the same query string: every sheet, row for
row, cell for cell. On the tiny demo county, as a township admin (a scoped user) and, for the
register, a branch secretary."""

from __future__ import annotations

import io
import math
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.accounts.models import User
from jiceng.core import exports
from jiceng.core.models import Export
from jiceng.demo.testing import tiny_demo
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year

# (persona, URL name, query string): the exports that are deferrable.
CASES = [
    ("demo-township", "members:export", {}),
    ("demo-branch", "members:export", {}),
    ("demo-township", "requests:export", {}),
    ("demo-township", "life:export", {}),
    ("demo-township", "dues:ledger_export", {}),
    ("demo-township", "training:card_export", {}),
    ("demo-township", "ratings:vanguard_export", {}),
    ("demo-township", "ratings:pledges_export", {"year": YEAR}),
    ("demo-county", "core:audit_export", {"action": "create"}),
    ("demo-township", "ratings:ranking_export", {}),
    ("demo-township", "training:study_export", {}),
    ("demo-township", "life:attendance_export", {}),
    ("demo-township", "households:export", {"paired": "1"}),
    ("demo-township", "cadres:export", {"state": "active"}),
]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with kept_for_the_module(django_db_blocker):
        yield tiny_demo(3, password="demo-test-2468")


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": tmp_path}},
    }
    settings.JICENG_EXPORT_RUNNER = "sweep"


def sheets(content: bytes) -> dict[str, list[tuple]]:
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


@pytest.mark.parametrize(("persona", "name", "query"), CASES)
def test_the_background_file_is_the_synchronous_one(demo, private_storage, settings, persona, name, query):
    client = Client()
    client.force_login(User.objects.get(username=persona))
    url = reverse(name)
    settings.JICENG_EXPORT_THRESHOLD = 10_000_000
    direct = client.get(url, query)
    assert direct.status_code == 200
    expected = sheets(direct.content)
    assert sum(len(rows) for rows in expected.values()) > 2  # a list with rows, not only headers

    settings.JICENG_EXPORT_THRESHOLD = 0
    queued = client.get(url, query)
    assert queued.status_code == 302 and queued.url == reverse("core:exports")
    export = Export.objects.latest("id")
    assert export.view_name == name and export.row_count > 0
    assert exports.run(export.pk) == "done", Export.objects.get(pk=export.pk).error
    response = client.get(reverse("core:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert sheets(b"".join(response.streaming_content)) == expected
    same_name = quote(export.download_name)
    assert same_name in response["Content-Disposition"] and same_name in direct["Content-Disposition"]


def test_a_wide_ledger_weighs_more_than_its_rows(demo, private_storage, settings):
    """The request ledger (32 columns from model instances) counts 2.5 plain rows a row: at a
    threshold of its row count it is queued, at 2.5 times that it answers at once."""
    client = Client()
    client.force_login(User.objects.get(username="demo-township"))
    url = reverse("requests:export")
    settings.JICENG_EXPORT_THRESHOLD = 10_000_000
    rows = len(sheets(client.get(url).content)["群众诉求台账"]) - 1
    assert rows > 0
    settings.JICENG_EXPORT_THRESHOLD = math.ceil(rows * 2.5) - 1
    assert client.get(url).status_code == 302
    assert Export.objects.get().row_count == rows, (Export.objects.get().row_count, rows)
    Export.objects.all().delete()  # else the pending one would be offered again
    settings.JICENG_EXPORT_THRESHOLD = math.ceil(rows * 2.5)
    assert client.get(url).status_code == 200
