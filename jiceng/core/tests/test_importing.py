"""A previewed upload kept until it is confirmed (core.importing: keep_pending, take_pending,
opened_pending), shared by the organization/member, dues and representatives imports."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory

from jiceng.core.importing import keep_pending, opened_pending, take_pending


@pytest.fixture
def request_with_session(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    request = RequestFactory().post("/x/")
    request.session = SessionStore()
    return request


@pytest.mark.django_db
def test_kept_upload_is_taken_once_read_and_deleted(request_with_session):
    upload = SimpleUploadedFile("名册.xlsx", b"PK-not-really-a-workbook")
    upload.read()  # the preview read it to the end
    token = keep_pending(request_with_session, "pending_test", upload, "imports/pending", kind="members")
    item = take_pending(request_with_session, "pending_test", token)
    assert item["name"] == "名册.xlsx" and item["kind"] == "members" and item["path"].startswith("imports/pending/")
    with opened_pending(item) as fh:
        assert fh.read() == b"PK-not-really-a-workbook"  # from the start, not where the preview stopped
    assert not default_storage.exists(item["path"])
    assert take_pending(request_with_session, "pending_test", token) is None  # a token is used once


@pytest.mark.django_db
def test_unknown_token_or_missing_file_is_an_expired_preview(request_with_session):
    assert take_pending(request_with_session, "pending_test", "") is None
    assert take_pending(request_with_session, "pending_test", "nope") is None
    token = keep_pending(request_with_session, "pending_test", SimpleUploadedFile("a.xlsx", b"x"), "imports/pending")
    default_storage.delete(request_with_session.session["pending_test"][token]["path"])
    assert take_pending(request_with_session, "pending_test", token) is None


@pytest.mark.django_db
def test_the_kept_file_is_deleted_even_when_reading_fails(request_with_session):
    token = keep_pending(request_with_session, "pending_test", SimpleUploadedFile("a.xlsx", b"x"), "imports/pending")
    item = take_pending(request_with_session, "pending_test", token)
    with pytest.raises(RuntimeError), opened_pending(item):
        raise RuntimeError("the importer failed")
    assert not default_storage.exists(item["path"])
