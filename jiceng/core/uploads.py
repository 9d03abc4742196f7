"""Checking, shrinking and serving uploaded files.

Uploads are judged by their content, never by the name or the browser's content type:
photos must open as JPEG, PNG or WebP in Pillow; documents must carry the magic bytes of an
allowed type (filetype). Photos are turned upright, shrunk to at most PHOTO_MAX_SIDE pixels
and saved again as JPEG, which also drops EXIF data such as the place a phone recorded.

Files live in Django's default storage (local disk or S3-compatible) under paths that are
never served directly: every download goes through a view that first finds the owning
record with `visible()` (or checks it is published) and then calls `file_response()`.
"""

from __future__ import annotations

import io
import uuid
from pathlib import PurePath

import filetype
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_MAX_SIDE = 1600
THUMB_MAX_SIDE = 400
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: JPEG from some phone cameras

DOCUMENT_TYPES = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
DOCUMENT_LABEL = "PDF、JPG、PNG、Word（.docx）或 Excel（.xlsx）"

# Pillow refuses images above this many pixels (decompression bombs).
Image.MAX_IMAGE_PIXELS = 60_000_000


def _size_check(upload, limit: int, what: str) -> None:
    if upload.size is not None and upload.size > limit:
        raise ValidationError(f"{what}「{upload.name}」超过 {limit // (1024 * 1024)} MB 的大小限制")
    if not upload.size:
        raise ValidationError(f"{what}「{upload.name}」是空文件")


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def clean_photo(upload, max_bytes: int | None = None) -> tuple[ContentFile, ContentFile]:
    """Validate an uploaded photo; returns (photo, thumbnail) as new JPEG files."""
    _size_check(upload, max_bytes or settings.JICENG_PHOTO_MAX_BYTES, "照片")
    data = _read(upload)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in PHOTO_FORMATS:
            raise ValidationError(f"「{upload.name}」不是 JPG、PNG 或 WebP 照片")
        image = ImageOps.exif_transpose(image)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(f"「{upload.name}」不是可以识别的照片（支持 JPG、PNG、WebP）") from exc
    stem = uuid.uuid4().hex
    return _jpeg(image, PHOTO_MAX_SIDE, f"{stem}.jpg"), _jpeg(image, THUMB_MAX_SIDE, f"{stem}-thumb.jpg")


def _jpeg(image: Image.Image, max_side: int, name: str) -> ContentFile:
    copy = image.copy()
    copy.thumbnail((max_side, max_side))
    if copy.mode not in ("RGB", "L"):
        background = Image.new("RGB", copy.size, "white")
        background.paste(copy, mask=copy.getchannel("A") if "A" in copy.getbands() else None)
        copy = background
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name=name)


def clean_document(upload, allowed: set[str] | None = None, max_bytes: int | None = None) -> str:
    """Validate an uploaded document by its content; returns its real extension."""
    allowed = allowed or set(DOCUMENT_TYPES)
    _size_check(upload, max_bytes or settings.JICENG_DOCUMENT_MAX_BYTES, "文件")
    head = _read(upload)[:8192]
    kind = filetype.guess(head)
    ext = kind.extension if kind else ""
    if ext == "zip":  # .docx and .xlsx are zip files; tell them apart by the declared name
        declared = PurePath(upload.name).suffix.lower().lstrip(".")
        ext = declared if declared in {"docx", "xlsx"} else ext
    if ext == "jpeg":
        ext = "jpg"
    if ext not in allowed:
        raise ValidationError(f"「{upload.name}」的文件类型不允许，只接受 {DOCUMENT_LABEL}")
    return ext


def stored_name(prefix: str, ext: str) -> str:
    """A random name under `prefix`; the original name is kept on the record, never in the path."""
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}.{ext}"


def file_response(fieldfile, *, download_name: str = "", as_attachment: bool = False) -> FileResponse:
    """Stream a stored file; call only after the caller has checked the owning record's scope."""
    name = download_name or PurePath(fieldfile.name).name
    ext = PurePath(fieldfile.name).suffix.lower().lstrip(".")
    content_type = DOCUMENT_TYPES.get(ext, "image/jpeg" if ext in ("jpg", "jpeg") else "application/octet-stream")
    response = FileResponse(fieldfile.open("rb"), as_attachment=as_attachment, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ---- the photo input of a case --------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each is checked by the service (jiceng.core.uploads)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*", "multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultiplePhotoField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []
