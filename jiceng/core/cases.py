"""The residents'-case kit: the parts every app that takes a case from residents is made of.

Requests (诉求), wishes (微心愿), liaison visits (走访) and organizational life records share the
same pieces, and the next apps (households, volunteers, supervision) will too:

- ``AppendOnlyModel``: a timeline row that may be added, never changed or deleted through the
  ORM; ``append_only_trigger`` makes PostgreSQL refuse it too (for a migration's RunPython).
- ``PhotoModel``: a photo with its thumbnail, who uploaded it and when. Files are checked and
  shrunk by ``jiceng.core.uploads.clean_photo``; the owner FK and ``scope_path`` are the app's.
- ``save_with_ticket``: give a new case a random, unguessable ticket number and save it,
  drawing again on the (rare) collision.
- ``SettingsSingleton``: the one row of an app's settings, ``current()`` for reading and
  ``for_update()`` inside a service's transaction.

Masking of names, phones and ID numbers is in ``jiceng.core.masking``; checking and normalizing
phone numbers in ``jiceng.core.phones``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

# ---- append-only timelines --------------------------------------------------------------------


class AppendOnlyModel(models.Model):
    """A row that is written once. ``append_only_label`` names it in the refusal, e.g. 「办理记录」."""

    append_only_label = "记录"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.refuse_change(kwargs)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self.append_only_label}只能追加，不能删除")

    def refuse_change(self, save_kwargs: dict) -> None:
        """Raise unless this save adds the row (for a subclass that overrides ``save``)."""
        if self.pk is not None and not save_kwargs.get("force_insert"):
            raise ValidationError(f"{self.append_only_label}只能追加，不能修改")


def append_only_trigger(table: str, message: str, *, refuse_delete: bool = False):
    """A (forward, backward) pair for ``migrations.RunPython`` that installs on PostgreSQL a
    trigger refusing UPDATE (and DELETE when asked) on ``table``. Other databases rely on the
    model's guard. Deletes are usually left to cascades from the case itself."""
    function = f"jiceng_{table}_append_only"
    trigger = f"{table}_append_only"
    events = "UPDATE OR DELETE" if refuse_delete else "UPDATE"
    create = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{message}';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {trigger} BEFORE {events} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}();
"""
    drop = f"DROP TRIGGER IF EXISTS {trigger} ON {table}; DROP FUNCTION IF EXISTS {function}();"

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create)

    def backward(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(drop)

    return forward, backward


# ---- photos -----------------------------------------------------------------------------------


def photo_upload_to(instance: PhotoModel, filename: str) -> str:
    """``<photo_folder>/<year>/<month>/<name>`` (the name is already a random one)."""
    return f"{instance.photo_folder}/{timezone.localdate():%Y/%m}/{filename}"


class PhotoModel(models.Model):
    """A photo of a case and its thumbnail. Subclasses add the owner FK (and a ``kind`` or
    ``public`` flag where the case has them) and set ``photo_folder``."""

    photo_folder = "photos"

    image = models.FileField("照片", upload_to=photo_upload_to)
    thumbnail = models.FileField("缩略图", upload_to=photo_upload_to)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True
        ordering = ["pk"]

    @classmethod
    def save_uploads(cls, uploads, *, max_photos: int, already: int = 0, uploaded_by=None, **fields) -> int:
        """Check, shrink and save photos uploaded with a case, all or none: at most `max_photos`
        together with the `already` saved ones; a refusal names the form's 「photos」 field.
        `fields` are the owner and the rest (``request=req, kind="resident"``). Returns how many."""
        from jiceng.core.uploads import clean_photo

        uploads = [u for u in uploads if u]
        if not uploads:
            return 0
        if already + len(uploads) > max_photos:
            raise ValidationError({"photos": f"最多上传 {max_photos} 张照片"})
        cleaned = []
        for upload in uploads:
            try:
                cleaned.append(clean_photo(upload))
            except ValidationError as exc:
                raise ValidationError({"photos": exc.messages}) from exc
        for image, thumbnail in cleaned:
            cls.objects.create(image=image, thumbnail=thumbnail, uploaded_by=uploaded_by, **fields)
        return len(cleaned)


# ---- ticket numbers ---------------------------------------------------------------------------


def save_with_ticket(case: models.Model, at: datetime, new_ticket: Callable[[date], str], *, field="ticket") -> None:
    """Save a new case under a fresh ticket drawn by ``new_ticket(day of at)``. A collision with
    an existing ticket draws again (8 tries); any other integrity error is raised."""
    day = timezone.localtime(at).date()
    model = type(case)
    for _ in range(8):
        setattr(case, field, new_ticket(day))
        try:
            with transaction.atomic():
                case.save()
            return
        except IntegrityError:
            if model.objects.filter(**{field: getattr(case, field)}).exists():
                continue
            raise
    raise RuntimeError("could not draw a free ticket number")


# ---- settings ---------------------------------------------------------------------------------


class SettingsSingleton:
    """Mixin for a model holding one installation's settings of an app (one row, or none yet:
    then the defaults of an unsaved instance)."""

    @classmethod
    def current(cls):
        """The settings to read now."""
        return cls.objects.order_by("pk").first() or cls()

    @classmethod
    def for_update(cls):
        """The settings row locked for a change (call inside ``transaction.atomic``); an unsaved
        instance with the defaults when none is saved yet."""
        return cls.objects.select_for_update().order_by("pk").first() or cls()
