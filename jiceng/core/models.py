"""Shared models: audit log, import batches, county configuration."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class TimestampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Incremented by services on every update; an import batch can be undone only while
    # every record it created still has revision 0.
    revision = models.PositiveIntegerField("修订次数", default=0)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Append-only audit log: who did what to which object, and what changed."""

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        IMPORT = "import", "导入"
        UNDO_IMPORT = "undo_import", "撤销导入"
        VIEW_FULL_ID = "view_full_id", "查看完整身份证号"
        EXPORT = "export", "导出"
        LOGIN = "login", "登录"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # users who acted are deactivated, never deleted
        related_name="+",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField("对象类型", max_length=100, db_index=True)
    object_id = models.CharField("对象ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    # Path of the organization the object belongs to, so the log itself can be scoped.
    org_path = models.CharField("所属组织路径", max_length=64, blank=True, db_index=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    note = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "审计日志"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("审计日志只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("审计日志只能追加，不能删除")


class Configuration(models.Model):
    """County practice settings [C] with their reported defaults; one row per installation."""

    term_warning_months = models.PositiveSmallIntegerField("换届提前提醒（月）", default=3)
    committee_term_years = models.PositiveSmallIntegerField("党委及村（社区）党组织任期（年）", default=5)
    branch_term_years = models.PositiveSmallIntegerField("党总支、党支部任期（年）", default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "县级配置"

    @classmethod
    def current(cls) -> "Configuration":
        obj = cls.objects.order_by("pk").first()
        return obj or cls()


AuditEntry.scope_path = "org_path"
