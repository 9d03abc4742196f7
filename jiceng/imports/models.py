from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One confirmed upload of the shared import pages; `kind` is an importer's kind in the
    registry (jiceng.core.importing: each app's imports.IMPORTERS)."""

    scope_path = "org_path"

    class Status(models.TextChoices):
        DONE = "done", "已导入"
        UNDONE = "undone", "已撤销"

    kind = models.CharField("类型", max_length=20)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DONE)
    file_name = models.CharField("文件名", max_length=255, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # Scope of whoever imported: only they (or someone above) may undo it.
    org_path = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "导入批次"

    def __str__(self):
        return f"{self.kind_label}导入 #{self.pk}（{self.row_count} 行）"

    @property
    def kind_label(self) -> str:
        from .services import kind_label

        return kind_label(self.kind)
