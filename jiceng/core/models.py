"""Shared models: audit log, import batches, county settings."""

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from . import auditchain
from .cases import AppendOnlyModel, SettingsSingleton


class TimestampedModel(models.Model):
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # Incremented by services on every update; an import batch can be undone only while
    # every record it created still has revision 0.
    revision = models.PositiveIntegerField("修订次数", default=0)

    class Meta:
        abstract = True


class AuditEntry(AppendOnlyModel):
    """Append-only audit log: who did what to which object, and what changed."""

    scope_path = "org_path"

    class Action(models.TextChoices):
        CREATE = "create", "新增"
        UPDATE = "update", "修改"
        DELETE = "delete", "删除"
        IMPORT = "import", "导入"
        UNDO_IMPORT = "undo_import", "撤销导入"
        VIEW_FULL_ID = "view_full_id", "查看完整身份证号"
        EXPORT = "export", "导出"
        LOGIN = "login", "登录"

    # Set before the hash is taken (not auto_now_add, which would set it after).
    at = models.DateTimeField("时间", default=timezone.now, editable=False, db_index=True)
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
    # The hash chain (jiceng/core/auditchain.py): the previous entry's hash, and this entry's.
    prev_hash = models.CharField("上一条哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "审计日志"

    append_only_label = "审计日志"

    def save(self, *args, **kwargs):
        self.refuse_change(kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            auditchain.lock_chain()
            last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
            self.prev_hash = last or auditchain.GENESIS
            self.hash = auditchain.digest(self.prev_hash, self)
            super().save(*args, **kwargs)


class CountySettings(SettingsSingleton, models.Model):
    """County practice settings [C] with their reported defaults; one row per installation."""

    # Audit entries written before the rename name the model by its old label (core.auditview).
    former_labels = ("core.Configuration",)

    term_warning_months = models.PositiveSmallIntegerField("换届提前提醒（月）", default=3)
    committee_term_years = models.PositiveSmallIntegerField("党委及村（社区）党组织任期（年）", default=5)
    branch_term_years = models.PositiveSmallIntegerField("党总支、党支部任期（年）", default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "县级配置"


class CalendarYear(models.Model):
    """A year whose holiday schedule (State Council notice) is on record.

    For a year with no row, the working-day calendar counts weekends only and the
    platform shows a warning until a county admin loads the year.
    """

    class Source(models.TextChoices):
        LIBRARY = "library", "chinesecalendar 库"
        ADMIN = "admin", "管理员录入"

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=20, choices=Source.choices)
    note = models.CharField(
        "依据", max_length=200, blank=True, help_text="如：国务院办公厅关于2027年部分节假日安排的通知"
    )
    loaded_at = models.DateTimeField("录入时间", auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "节假日年度"

    def __str__(self):
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day that is not what the weekend rule says: a public holiday, or a make-up
    working day (调休上班) on a Saturday or Sunday. Holidays falling on a weekend are
    kept too, so the holiday's name shows for every day of it."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班")
    name = models.CharField("名称", max_length=50, blank=True)

    class Meta:
        ordering = ["day"]
        verbose_name = "节假日与调休"

    def __str__(self):
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '休息'} {self.name}"


class Notification(models.Model):
    """An in-app notice to one user (and an email where configured).

    `key` makes sending idempotent: the same (recipient, key) is stored and mailed once, so
    a reminder sweep that runs twice sends nothing twice.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField("类别", max_length=50, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    key = models.CharField("去重键", max_length=200)
    # The organization the notice is about, so that the notices can be counted per organization.
    org_path = models.CharField("所属组织路径", max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    # Notices to a level above about lower organizations roll up into one digest per kind and
    # day (core/notifications.py): each item keeps its row for idempotence, under the digest.
    digest = models.ForeignKey(
        "self", verbose_name="汇总通知", null=True, blank=True, on_delete=models.CASCADE, related_name="items"
    )
    item_count = models.PositiveIntegerField("汇总条数", default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "通知"
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"], name="notification_unread_idx", condition=models.Q(read_at=None)
            )
        ]

    def __str__(self):
        return self.title


class JobState(models.Model):
    """When each periodic job last ran and is next due; a run is claimed by a conditional
    UPDATE of `next_run_at`, so two schedulers never run the same job twice."""

    name = models.CharField("任务", max_length=100, unique=True)
    next_run_at = models.DateTimeField("下次运行", null=True, blank=True)
    last_started_at = models.DateTimeField("上次开始", null=True, blank=True)
    last_finished_at = models.DateTimeField("上次结束", null=True, blank=True)
    last_result = models.TextField("上次结果", blank=True)
    last_error = models.TextField("上次错误", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "定时任务"

    def __str__(self):
        return self.name


class Export(models.Model):
    """A whole-list download too big to write inside the request (jiceng/core/exports.py): the
    list asked for (its URL and query string), who asked and the subtree it is scoped to, the
    state of the background run, and the file once written. Only the user who asked sees it."""

    class State(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "生成中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="导出人", on_delete=models.PROTECT, related_name="exports"
    )
    title = models.CharField("清单", max_length=200)
    view_name = models.CharField("导出视图", max_length=100)
    path = models.CharField("地址", max_length=300)
    query = models.TextField("筛选条件", blank=True)
    # The subtree the file is scoped to (the requester's organization), for the audit entry.
    org_path = models.CharField("数据范围路径", max_length=64, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.QUEUED)
    row_count = models.PositiveIntegerField("行数", null=True, blank=True)
    error = models.TextField("失败原因", blank=True)
    created_at = models.DateTimeField("申请时间", default=timezone.now)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    # Name of the file in the private "exports" storage (settings.STORAGES), never a public URL.
    file_name = models.CharField("文件", max_length=300, blank=True)
    download_name = models.CharField("下载文件名", max_length=200, blank=True)
    size = models.PositiveBigIntegerField("文件大小", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "后台导出"
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="export_requester_idx"),
            models.Index(fields=["state", "created_at"], name="export_state_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)
