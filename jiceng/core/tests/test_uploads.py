from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jiceng.core import qr, uploads


def jpeg_with_exif(size=(3000, 2000), orientation=6) -> bytes:
    img = Image.new("RGB", size, "red")
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° on display
    exif[0x010F] = "某品牌手机"  # camera make: personal metadata that must not survive
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_is_turned_upright_shrunk_and_stripped():
    upload = SimpleUploadedFile("现场.jpg", jpeg_with_exif(), content_type="image/jpeg")
    photo, thumb = uploads.clean_photo(upload)
    img = Image.open(io.BytesIO(photo.read()))
    assert img.format == "JPEG"
    assert img.size == (1067, 1600)  # portrait after EXIF rotation, longest side 1600
    assert not img.getexif()  # no GPS or other EXIF left
    assert max(Image.open(io.BytesIO(thumb.read())).size) == 400


def test_transparent_png_becomes_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, "PNG")
    photo, _ = uploads.clean_photo(SimpleUploadedFile("a.png", out.getvalue(), content_type="image/png"))
    assert Image.open(io.BytesIO(photo.read())).mode == "RGB"


@pytest.mark.parametrize(
    "name,data",
    [
        ("假照片.jpg", b"<script>alert(1)</script>" * 10),
        ("文档.jpg", b"%PDF-1.4 fake pdf body"),
        ("空.jpg", b""),
    ],
)
def test_non_photos_are_refused_by_content(name, data):
    with pytest.raises(ValidationError):
        uploads.clean_photo(SimpleUploadedFile(name, data, content_type="image/jpeg"))


def test_oversized_photo_is_refused(settings):
    settings.JICENG_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="大小限制"):
        uploads.clean_photo(SimpleUploadedFile("big.jpg", jpeg_with_exif((200, 200)), content_type="image/jpeg"))


def test_documents_are_checked_by_magic_bytes():
    assert uploads.clean_document(SimpleUploadedFile("申请书.pdf", b"%PDF-1.7\n%...", content_type="x")) == "pdf"
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    assert uploads.clean_document(SimpleUploadedFile("名单.xlsx", buf.getvalue())) == "xlsx"
    with pytest.raises(ValidationError, match="不允许"):
        uploads.clean_document(SimpleUploadedFile("病毒.pdf", b"MZ\x90\x00" + b"\x00" * 100))
    with pytest.raises(ValidationError, match="不允许"):
        uploads.clean_document(SimpleUploadedFile("a.pdf", b"%PDF-1.7"), allowed={"jpg"})


def test_qr_codes():
    svg = qr.svg("https://example.org/r/TA01/")
    assert svg.startswith("<svg") and "path" in svg
    response = qr.png_response("https://example.org/r/TA01/", "东村.png")
    assert response["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
