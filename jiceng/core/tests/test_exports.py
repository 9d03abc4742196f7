"""Background exports (jiceng/core/exports.py): above the row threshold a whole-list download is
queued and written later by replaying the same view as the same user, so the file holds exactly
the rows the synchronous download holds; only the requester can list or download it; it expires;
a failure is recorded with a readable message. The member register (`members:export`) is the
real export used here; the ratings exports have their own test in the ratings app."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.core import exports, jobs
from jiceng.core.models import AuditEntry, Export, Notification
from jiceng.members.models import Member
from jiceng.testing import add_member, client_for

NOW = "2026-11-20 10:00 +0800"


@pytest.fixture
def private_storage(settings, tmp_path):
    """Files of this test in a directory of its own; the runner left to the test (`run`)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "exports": {**settings.STORAGES["exports"], "OPTIONS": {"location": tmp_path}},
    }
    settings.JICENG_EXPORT_RUNNER = "sweep"
    settings.JICENG_EXPORT_DAYS = 7
    return tmp_path


def sheets(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet of a workbook as its rows of values."""
    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(c for c in row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def register_rows(content: bytes) -> list[tuple]:
    return sheets(content)["党员名册"][1:]


def queue_register(client, **query):
    response = client.get(reverse("members:export"), query)
    assert response.status_code == 302 and response.url == reverse("core:exports"), response
    return Export.objects.latest("id")


def test_small_list_answers_at_once_and_big_one_is_queued(county, private_storage, settings):
    admin = client_for(county.admin_a)
    visible_rows = Member.objects.filter(organization__path__startswith=county.town_a.path).count()
    settings.JICENG_EXPORT_THRESHOLD = visible_rows  # at the threshold: still at once
    response = admin.get(reverse("members:export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert len(register_rows(response.content)) == visible_rows
    assert not Export.objects.exists()

    settings.JICENG_EXPORT_THRESHOLD = visible_rows - 1  # one row more than the threshold: queued
    export = queue_register(admin)
    assert export.requester == county.admin_a and export.state == Export.State.QUEUED
    assert export.view_name == "members:export" and export.path == reverse("members:export")
    assert export.row_count == visible_rows and export.org_path == county.town_a.path
    assert queue_register(admin) == export  # asked again while it runs: the same export
    assert Export.objects.count() == 1
    page = admin.get(reverse("core:exports"))
    html = page.content.decode()
    assert "党员名册" in html and "排队中" in html and 'hx-trigger="every 3s"' in html
    assert f"共 {visible_rows:,} 行" in html  # the message says why it went to the background


def test_background_file_equals_the_synchronous_one_for_a_scoped_user(county, private_storage, settings):
    for name in ("甲一", "甲二", '=HYPERLINK("http://evil.example/","点我")'):
        add_member(county.branch_a, name)
    add_member(county.branch_b, "乙二秘密")
    admin = client_for(county.admin_a)
    query = {"status": "full"}
    settings.JICENG_EXPORT_THRESHOLD = 10_000
    direct = admin.get(reverse("members:export"), query).content

    settings.JICENG_EXPORT_THRESHOLD = 1
    export = queue_register(admin, **query)
    assert export.query == "status=full"
    assert exports.run(export.pk) == "done"
    assert exports.run(export.pk) is None  # claimed once: a second runner does nothing
    export.refresh_from_db()
    assert export.state == Export.State.DONE and export.error == ""
    assert export.finished_at and export.expires_at == export.finished_at + timedelta(days=7)

    response = admin.get(reverse("core:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and response["Content-Type"].startswith(
        "application/vnd.openxml"
    )
    background = b"".join(response.streaming_content)
    assert sheets(background) == sheets(direct)  # every sheet, row for row, cell for cell
    names = [row[0] for row in register_rows(background)]
    assert "甲一" in names and "乙二秘密" not in names and "赵秘密" not in names
    assert export.row_count == len(names)
    # Formula safety: the file is written through core.xlsx, the formula-looking name is text.
    raw = load_workbook(io.BytesIO(background)).worksheets[0]
    assert all(c.data_type != "f" for row in raw.iter_rows() for c in row)
    entry = AuditEntry.objects.get(action="export", object_id=str(export.pk))
    assert entry.actor == county.admin_a and entry.org_path == county.town_a.path and "党员名册" in entry.note
    notice = Notification.objects.get(recipient=county.admin_a, kind="export")
    assert "已生成" in notice.title and notice.url == reverse("core:exports")


def test_nobody_else_sees_or_downloads_it_not_even_the_county_admin(county, private_storage, settings):
    settings.JICENG_EXPORT_THRESHOLD = 1
    export = queue_register(client_for(county.admin_a))
    exports.run(export.pk)
    url = reverse("core:export_download", args=[export.pk])
    assert client_for(county.admin_a).get(url).status_code == 200
    for outsider in (county.county_admin, county.admin_b, county.secretary_a, county.member_user):
        c = client_for(outsider)
        assert c.get(url).status_code == 404
        assert f'data-export="{export.pk}"' not in c.get(reverse("core:exports")).content.decode()
    from django.test import Client

    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith("/login/")
    assert AuditEntry.objects.filter(action="export").count() == 1  # the owner's download only


def test_files_expire_and_the_sweep_deletes_them(county, private_storage, settings):
    settings.JICENG_EXPORT_THRESHOLD = 1
    admin = client_for(county.admin_a)
    with time_machine.travel(NOW):
        export = queue_register(admin)
        exports.run(export.pk)
        export.refresh_from_db()
        assert private_storage.joinpath(export.file_name).exists()
    url = reverse("core:export_download", args=[export.pk])
    with time_machine.travel(timezone.localtime(export.expires_at) - timedelta(minutes=1)):
        assert admin.get(url).status_code == 200
        assert "已删除 0" not in jobs.run_job("core.exports")
        assert private_storage.joinpath(export.file_name).exists()
    with time_machine.travel(export.expires_at):
        assert admin.get(url).status_code == 404
        assert jobs.run_job("core.exports").endswith("删除过期文件 1 个")
        assert not private_storage.joinpath(export.file_name).exists()
        html = admin.get(reverse("core:exports")).content.decode()
        assert "已过期删除" in html
    export.refresh_from_db()
    assert export.file_name == "" and export.state == Export.State.DONE


def test_failures_are_recorded_in_chinese(county, private_storage, settings, monkeypatch):
    settings.JICENG_EXPORT_THRESHOLD = 1
    admin = client_for(county.admin_a)

    # The requester's account was disabled between the request and the run.
    lost = queue_register(admin)
    county.admin_a.is_active = False
    county.admin_a.save(update_fields=["is_active"])
    assert exports.run(lost.pk) == "failed"
    lost.refresh_from_db()
    assert lost.state == Export.State.FAILED and lost.error == exports.FAILED_ACCESS and not lost.file_name
    county.admin_a.is_active = True
    county.admin_a.save(update_fields=["is_active"])

    # Writing the file fails: the error is logged, the user reads a plain message.
    broken = queue_register(admin)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("jiceng.core.xlsx.build_workbook", fail)
    assert exports.run(broken.pk) == "failed"
    broken.refresh_from_db()
    assert broken.error == exports.FAILED_ERROR and "disk" not in broken.error
    html = admin.get(reverse("core:exports")).content.decode()
    assert "失败" in html and exports.FAILED_ACCESS in html and exports.FAILED_ERROR in html
    assert admin.get(reverse("core:export_download", args=[broken.pk])).status_code == 404
    titles = set(Notification.objects.filter(recipient=county.admin_a, kind="export").values_list("title", flat=True))
    assert titles == {"导出失败：党员名册"} and Notification.objects.filter(kind="export").count() == 2


def test_sweep_runs_forgotten_exports_and_fails_cut_off_runs(county, private_storage, settings):
    settings.JICENG_EXPORT_THRESHOLD = 1
    admin = client_for(county.admin_a)
    with time_machine.travel(NOW, tick=False):
        forgotten = queue_register(admin)
        assert "运行 0 个" in jobs.run_job("core.exports")  # just queued: its own runner has it
    with time_machine.travel(timezone.localtime(forgotten.created_at) + timedelta(minutes=2), tick=False):
        assert jobs.run_job("core.exports").startswith("运行 1 个")
        forgotten.refresh_from_db()
        assert forgotten.state == Export.State.DONE
        cut = queue_register(admin)
        Export.objects.filter(pk=cut.pk).update(state=Export.State.RUNNING, started_at=timezone.now())
    with time_machine.travel(timezone.localtime(cut.created_at) + timedelta(minutes=61), tick=False):
        assert "中断 1 个" in jobs.run_job("core.exports")
        cut.refresh_from_db()
        assert cut.state == Export.State.FAILED and cut.error == exports.FAILED_STALE


def test_a_view_that_is_not_deferrable_is_never_replayed(county, private_storage):
    export = Export.objects.create(
        requester=county.admin_a, title="党组织", view_name="orgs:export", path=reverse("orgs:export")
    )
    assert exports.run(export.pk) == "failed"
    export.refresh_from_db()
    assert export.error == exports.FAILED_UNKNOWN


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_thread_writes_it_after_the_request(county, private_storage, settings):
    """`make run`: no broker, no extra step; the web process writes the file in a thread."""
    settings.JICENG_EXPORT_RUNNER = "thread"
    settings.JICENG_EXPORT_THRESHOLD = 1
    admin = client_for(county.admin_a)
    export = queue_register(admin)
    for _ in range(200):
        export.refresh_from_db()
        if not export.is_pending:
            break
        time.sleep(0.05)
    assert export.state == Export.State.DONE, export.error
    response = admin.get(reverse("core:export_download", args=[export.pk]))
    assert len(register_rows(b"".join(response.streaming_content))) == export.row_count


def test_with_a_broker_a_celery_task_writes_it(county, private_storage, settings, django_capture_on_commit_callbacks):
    """Production: the task is sent when the request's transaction commits (run eagerly here: the
    same task code, without a broker)."""
    from jiceng.celery import app

    settings.JICENG_EXPORT_RUNNER = "celery"
    settings.JICENG_EXPORT_THRESHOLD = 1
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            export = queue_register(client_for(county.admin_a))
    finally:
        app.conf.task_always_eager = eager
    export.refresh_from_db()
    assert export.state == Export.State.DONE and export.file_name
