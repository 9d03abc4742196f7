"""A record's photos: upload, the photo and its thumbnail (served after the record's scope is
checked; members only see photos of published records), delete."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from jiceng.core import pages
from jiceng.core.scoping import get_visible_or_404
from jiceng.core.uploads import file_response

from .. import services
from ..models import RecordPhoto
from ._common import record_or_404


@login_required
@require_POST
def photo_upload(request, pk):
    record = record_or_404(request, pk)
    uploads = request.FILES.getlist("photos")
    if not uploads:
        messages.error(request, "请选择照片")
    for upload in uploads:
        try:
            services.add_photo(request.user, record, upload, request.POST.get("caption", ""))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, f"已上传「{upload.name}」")
    return redirect(reverse("life:detail", args=[record.pk]) + "#photos")


def _photo(request, pk) -> RecordPhoto:
    photo = get_visible_or_404(request.user, RecordPhoto.objects.select_related("record"), pk=pk)
    record_or_404(request, photo.record_id)  # members only see photos of published records
    return photo


@login_required
def photo(request, pk):
    return file_response(_photo(request, pk).image)


@login_required
def photo_thumb(request, pk):
    return file_response(_photo(request, pk).thumbnail)


@login_required
@require_POST
def photo_delete(request, pk):
    p = _photo(request, pk)
    return pages.button_action(
        request,
        lambda: services.delete_photo(request.user, p),
        success=None,
        to=reverse("life:detail", args=[p.record_id]) + "#photos",
    )
