"""The residents'-case kit (core.cases) and the one phone module (core.phones)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from jiceng.core import cases, masking, phones
from jiceng.core.models import CountySettings
from jiceng.requests.models import RequestPhoto, RequestSettings
from jiceng.wishes.models import Wish, WishEvent, WishPhoto

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 6, 9, tzinfo=SHANGHAI)


def test_every_case_app_uses_the_kit():
    for photo in ("requests.RequestPhoto", "wishes.WishPhoto", "liaison.VisitPhoto", "life.RecordPhoto"):
        from django.apps import apps

        model = apps.get_model(photo)
        assert issubclass(model, cases.PhotoModel), photo
        assert model._meta.ordering == ["pk"]
        assert {"image", "thumbnail", "uploaded_at", "uploaded_by"} <= {f.name for f in model._meta.fields}
    assert issubclass(WishEvent, cases.AppendOnlyModel)
    for settings_model in (CountySettings, RequestSettings):
        assert issubclass(settings_model, cases.SettingsSingleton)


def test_photo_path_is_the_app_folder_and_the_local_month(monkeypatch):
    monkeypatch.setattr(cases.timezone, "localdate", lambda: datetime(2026, 12, 6).date())
    assert cases.photo_upload_to(RequestPhoto(), "abc.jpg") == "requests/2026/12/abc.jpg"
    assert cases.photo_upload_to(WishPhoto(), "abc.jpg") == "wishes/2026/12/abc.jpg"


@pytest.mark.django_db
def test_settings_singleton_reads_defaults_then_the_saved_row():
    unsaved = RequestSettings.current()
    assert unsaved.pk is None
    saved = RequestSettings.objects.create()
    assert RequestSettings.current().pk == saved.pk
    assert RequestSettings.for_update().pk == saved.pk


@pytest.mark.django_db
def test_save_with_ticket_draws_again_on_a_collision(county):
    village = county.village_a
    taken = Wish.objects.create(
        ticket="W261206AAAAAA",
        organization=village,
        description="修路灯",
        requester_name="张三",
        phone="13800001111",
        posted_at=NOW,
        accept_due_at=NOW,
    )
    draws, days = iter(["W261206AAAAAA", "W261206AAAAAA", "W261206BBBBBB"]), []
    at = datetime(2026, 12, 5, 17, tzinfo=ZoneInfo("UTC"))  # 01:00 on the 6th in Shanghai
    wish = Wish(
        organization=village,
        description="送书",
        requester_name="李四",
        phone="13800002222",
        posted_at=at,
        accept_due_at=at,
    )
    cases.save_with_ticket(wish, at, lambda day: days.append(day) or next(draws))
    assert wish.pk and wish.ticket == "W261206BBBBBB" and taken.ticket == "W261206AAAAAA"
    assert [str(d) for d in days] == ["2026-12-06"] * 3


@pytest.mark.django_db
def test_append_only_refuses_change_and_delete(county):
    wish = Wish.objects.create(
        ticket="W261206CCCCCC",
        organization=county.village_a,
        description="d",
        requester_name="王五",
        phone="13800003333",
        posted_at=NOW,
        accept_due_at=NOW,
    )
    event = WishEvent.objects.create(wish=wish, at=datetime(2026, 12, 6, tzinfo=SHANGHAI), action="post")
    event.note = "改"
    with pytest.raises(ValidationError, match="心愿办理记录只能追加，不能修改"):
        event.save()
    with pytest.raises(ValidationError, match="只能追加，不能删除"):
        event.delete()


@pytest.mark.parametrize(
    "raw,required,expected",
    [
        ("", False, None),
        ("", True, phones.PHONE_MISSING_ERROR),
        ("138 1234 5678", True, None),
        ("+86 138-1234-5678", True, None),
        ("0731-12345678", True, None),
        ("12812345678", True, phones.PHONE_FORMAT_ERROR),
        ("1381234567", False, phones.PHONE_FORMAT_ERROR),
    ],
)
def test_phone_error(raw, required, expected):
    assert phones.phone_error(raw, required=required) == expected


@pytest.mark.parametrize(
    "raw,ok",
    [("", True), ("13812345678", True), ("12012345678", True), ("138 1234 5678", False), ("1381234567", False)],
)
def test_member_mobile(raw, ok):
    assert (phones.mobile_error(raw) is None) is ok


def test_one_name_mask_for_every_app():
    from jiceng.liaison import rules as liaison_rules
    from jiceng.requests import rules as request_rules
    from jiceng.wishes import rules as wish_rules

    assert masking.mask_name("欧阳小明") == "欧***" and masking.mask_name(" 王五 ") == "王*"
    assert masking.mask_name("") == masking.mask_name("  ") == ""
    assert liaison_rules.mask_name is wish_rules.mask_name is request_rules.mask_name is masking.mask_name
    assert request_rules.public_name("") == "匿名" and wish_rules.public_name("") == "群众"


@pytest.mark.django_db
def test_append_only_trigger_refuses_updates_on_postgresql():
    from django.db import DatabaseError, connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only; other databases rely on the model's guard")

    class Editor:  # what RunPython hands over: the connection and a way to execute SQL
        def __init__(self):
            self.connection = connection

        def execute(self, sql):
            with connection.cursor() as cursor:
                cursor.execute(sql)

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE kit_probe (id integer PRIMARY KEY, note text)")
        cursor.execute("INSERT INTO kit_probe VALUES (1, 'a')")
    forward, backward = cases.append_only_trigger("kit_probe", "探针记录只能追加")
    forward(None, Editor())
    with pytest.raises(DatabaseError, match="探针记录只能追加"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE kit_probe SET note = 'b' WHERE id = 1")
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO kit_probe VALUES (2, 'c')")  # adding stays allowed
    backward(None, Editor())
    with connection.cursor() as cursor:
        cursor.execute("UPDATE kit_probe SET note = 'b' WHERE id = 1")
        cursor.execute("SELECT note FROM kit_probe ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["b", "c"]
