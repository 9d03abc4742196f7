"""群众诉求 (接诉即办 / 吹哨报到) — see ../shared/spec/domain.md §5 and docs/requests.md.

A `Request` keeps two things apart:

- the **workflow state** (`state`: received → accepted → in progress → resolved/answered →
  closed, plus assigned, returned, transferred, escalated, reopened, dismissed), changed only
  by `services/` (the engine) through the transition table in `rules.TRANSITIONS`, each change claimed
  with a conditional UPDATE on `version`;
- the **assignment** (who holds it: `holder_org` or `holder_department`, and the handler
  `holder_user`; who sent it: `sent_by_*`; whether the holder has signed for it:
  `accepted_at`; on which rung of the ladder it is: `level`).

Every step is an append-only `RequestEvent`. Deadlines per stage are stored on the request
when it is created, reassigned, escalated or reopened; "overdue" is an indexed comparison with
the clock, and lateness that has happened is frozen in the `*_late` flags (ADR 0012).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from jiceng.core.cases import AppendOnlyModel, PhotoModel, SettingsSingleton

from . import rules


class Category(models.Model):
    """A kind of matter (道路交通, 水电气暖 …); county admins edit the list. `code` is the
    Open311 service_code."""

    code = models.CharField("编码", max_length=20, unique=True, help_text="字母或数字，也是 Open311 的 service_code")
    name = models.CharField("名称", max_length=50, unique=True)
    description = models.CharField("说明", max_length=200, blank=True)
    group = models.CharField("分组", max_length=50, blank=True)
    keywords = models.CharField("关键词", max_length=200, blank=True, help_text="用逗号分隔")
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=50)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "诉求类别"

    def __str__(self):
        return self.name


class Department(models.Model):
    """A county department (县直部门) that townships "whistle" to (吹哨报到)."""

    scope_path = "county__path"

    code = models.CharField("编码", max_length=20, unique=True)
    name = models.CharField("名称", max_length=100)
    # The county (or city) committee whose requests the department handles; the department's
    # records are scoped by it.
    county = models.ForeignKey(
        "orgs.Organization", verbose_name="所属县（区）", on_delete=models.PROTECT, related_name="request_departments"
    )
    phone = models.CharField("联系电话", max_length=20, blank=True)
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=50)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = "县直部门"

    def __str__(self):
        return self.name


class DepartmentStaff(models.Model):
    """Links a user with the role 部门经办人 to their department (ADR 0012: a membership row in
    this app instead of a column on accounts.User, so the core user model does not depend on
    a domain app)."""

    scope_path = "department__county__path"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE, related_name="department_staff"
    )
    department = models.ForeignKey(Department, verbose_name="部门", on_delete=models.PROTECT, related_name="staff")

    class Meta:
        verbose_name = "部门经办人"

    def __str__(self):
        return f"{self.department} · {self.user}"


class RoutingRule(models.Model):
    """(organization, category) → who handles requests of that category from that
    organization's subtree.

    Two uses (`mode`): at intake (受理即交办), a resident's request goes straight to the
    target; for the whistle (吹哨), the target department is preselected when a township
    escalates. The deepest matching organization wins; within one organization a rule for the
    category beats a rule for any category. Without an intake rule the request stays with the
    organization where it was filed, or the nearest organization above it that has a handler.
    """

    scope_path = "organization__path"

    class Mode(models.TextChoices):
        INTAKE = "intake", "受理即交办"
        WHISTLE = "whistle", "吹哨默认部门"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="受理地（含下级）", on_delete=models.CASCADE, related_name="routing_rules"
    )
    category = models.ForeignKey(
        Category, verbose_name="类别", null=True, blank=True, on_delete=models.CASCADE, help_text="留空表示所有类别"
    )
    target_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="交由组织办理",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="routed_requests_rules",
    )
    target_department = models.ForeignKey(
        Department, verbose_name="交由部门办理", null=True, blank=True, on_delete=models.CASCADE
    )
    mode = models.CharField("用途", max_length=20, choices=Mode.choices, default=Mode.INTAKE)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["mode", "organization__path", "category__order"]
        verbose_name = "分派规则"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "category", "mode"], name="routing_once_per_org_category_mode"
            ),
            models.CheckConstraint(
                condition=(Q(target_org__isnull=False, target_department__isnull=True))
                | (Q(target_org__isnull=True, target_department__isnull=False)),
                name="routing_exactly_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.organization} / {self.category or '全部类别'} → {self.target_org or self.target_department}"


class DeadlineRule(models.Model):
    """Deadlines per stage for requests matching (category, tier, priority) [C].

    Blank keys match anything; blank amounts defer to a less specific rule. The evaluator is
    `rules.pick_deadlines`; the defaults (13710, urgent help 10 minutes, emergencies 2 hours,
    utilities 24 hours) are seeded by a migration.
    """

    category = models.ForeignKey(
        Category, verbose_name="类别", null=True, blank=True, on_delete=models.CASCADE, help_text="留空表示所有类别"
    )
    tier = models.CharField("办理方式", max_length=20, choices=rules.TIERS, blank=True)
    priority = models.CharField("紧急程度", max_length=20, choices=rules.PRIORITIES, blank=True)
    assign_amount = models.PositiveIntegerField("签收时限", null=True, blank=True)
    assign_unit = models.CharField("签收时限单位", max_length=20, choices=rules.UNITS, blank=True)
    response_amount = models.PositiveIntegerField("反馈时限", null=True, blank=True)
    response_unit = models.CharField("反馈时限单位", max_length=20, choices=rules.UNITS, blank=True)
    done_amount = models.PositiveIntegerField("办结时限", null=True, blank=True)
    done_unit = models.CharField("办结时限单位", max_length=20, choices=rules.UNITS, blank=True)
    note = models.CharField("依据或说明", max_length=200, blank=True)

    class Meta:
        ordering = ["priority", "category__order", "tier", "pk"]
        verbose_name = "办理时限规则"

    def __str__(self):
        parts = [str(self.category) if self.category_id else "全部类别"]
        parts.append(self.get_tier_display() if self.tier else "全部办理方式")
        parts.append(self.get_priority_display() if self.priority else "全部紧急程度")
        return " / ".join(parts)

    def as_rule(self) -> rules.DeadlineRuleData:
        return rules.DeadlineRuleData(
            pk=self.pk,
            category_id=self.category_id,
            tier=self.tier,
            priority=self.priority,
            stages={
                stage: (getattr(self, f"{stage}_amount"), getattr(self, f"{stage}_unit"))
                for stage in rules.STAGES
                if getattr(self, f"{stage}_amount") is not None and getattr(self, f"{stage}_unit")
            },
        )


class RequestSettings(SettingsSingleton, models.Model):
    """County practice settings of the request system [C], one row per installation."""

    weight_response = models.PositiveSmallIntegerField("响应率权重（%）", default=30)
    weight_resolution = models.PositiveSmallIntegerField("解决率权重（%）", default=35)
    weight_satisfaction = models.PositiveSmallIntegerField("满意率权重（%）", default=35)
    township_depth = models.PositiveSmallIntegerField(
        "乡镇（街道）层级",
        default=1,
        help_text="组织树中乡镇党委所在的层级：县委为 0 时填 1；全市部署、市委为 0 时填 2",
    )
    escalate_after_hours = models.PositiveIntegerField(
        "超期自动上报（小时）", default=24, help_text="办结超期多少小时后自动上报上一级；0 表示不自动上报"
    )
    auto_close_days = models.PositiveIntegerField(
        "自动关闭（天）", default=15, help_text="办结后群众多少天未评价即自动关闭；0 表示不自动关闭"
    )
    reopen_limit = models.PositiveSmallIntegerField("不满意可重办次数", default=1)
    max_photos = models.PositiveSmallIntegerField("每件诉求最多照片数", default=3)
    open311_keys = models.TextField(
        "Open311 接入密钥",
        blank=True,
        help_text="每行一个：密钥 空格 来源名称（如 12345热线）。留空表示 Open311 提交与网页一样无需密钥",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "诉求配置"

    @property
    def weights(self) -> dict[str, int]:
        return {
            "response": self.weight_response,
            "resolution": self.weight_resolution,
            "satisfaction": self.weight_satisfaction,
        }

    def open311_key_map(self) -> dict[str, str]:
        out = {}
        for line in self.open311_keys.splitlines():
            parts = line.strip().split(None, 1)
            if parts:
                out[parts[0]] = parts[1].strip() if len(parts) > 1 else "Open311"
        return out


class Request(models.Model):
    """A resident's request (群众诉求)."""

    scope_path = "organization__path"

    State = rules.State

    ticket = models.CharField("受理编号", max_length=20, unique=True)
    kind = models.CharField("诉求类型", max_length=20, choices=rules.KINDS)
    category = models.ForeignKey(Category, verbose_name="类别", on_delete=models.PROTECT, related_name="requests")
    priority = models.CharField("紧急程度", max_length=20, choices=rules.PRIORITIES, default="normal")
    tier = models.CharField("办理方式", max_length=20, choices=rules.TIERS, default="study")
    channel = models.CharField("来源渠道", max_length=20, choices=rules.CHANNELS)
    source_label = models.CharField("来源说明", max_length=100, blank=True)
    description = models.TextField("诉求内容")
    place = models.CharField("地点", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    name = models.CharField("群众姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20)

    # Where it was filed: the territory (属地) it counts for, and its data scope.
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="受理地", on_delete=models.PROTECT, related_name="resident_requests"
    )

    # Workflow state.
    state = models.CharField("状态", max_length=20, choices=rules.State.choices, default=rules.State.RECEIVED)
    version = models.PositiveIntegerField("版本", default=0)

    # Assignment (kept apart from the workflow state).
    level = models.CharField("所在层级", max_length=20, choices=rules.LEVELS, default="village")
    holder_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="承办组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_requests",
    )
    holder_department = models.ForeignKey(
        Department,
        verbose_name="承办部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_requests",
    )
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="held_requests",
    )
    sent_by_org = models.ForeignKey(
        "orgs.Organization", verbose_name="交办组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_by_department = models.ForeignKey(
        Department, verbose_name="交办部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_since = models.DateTimeField("交办时间", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)

    # Deadlines per stage (stored, see rules.pick_deadlines) and what happened to them.
    received_at = models.DateTimeField("受理时间")
    assign_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    response_due_at = models.DateTimeField("反馈时限", null=True, blank=True)
    done_due_at = models.DateTimeField("办结时限", null=True, blank=True)
    deadline_estimated = models.BooleanField("时限为估算", default=False)
    responded_at = models.DateTimeField("联系群众时间", null=True, blank=True)
    resolved_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True)
    assign_late = models.BooleanField("曾签收超期", default=False)
    response_late = models.BooleanField("曾反馈超期", default=False)
    done_late = models.BooleanField("曾办结超期", default=False)

    # Outcome.
    result = models.TextField("办理结果", blank=True)
    resolved_level = models.CharField("办结层级", max_length=20, choices=rules.LEVELS, blank=True)
    resolved_org = models.ForeignKey(
        "orgs.Organization", verbose_name="办结组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="办结人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    escalations = models.PositiveSmallIntegerField("上报次数", default=0)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)

    # Callback (回访) and rating by the resident.
    rating = models.CharField("评价", max_length=20, choices=rules.RATINGS, blank=True)
    solved = models.BooleanField("群众认为已解决", null=True, blank=True)
    rating_note = models.CharField("评价意见", max_length=500, blank=True)
    rating_channel = models.CharField("评价方式", max_length=20, choices=rules.RATING_CHANNELS, blank=True)
    rated_at = models.DateTimeField("评价时间", null=True, blank=True)

    # Public board (公开栏): texts written by staff, masked.
    published = models.BooleanField("已公开", default=False)
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    public_description = models.TextField("公开的诉求内容", blank=True)
    public_result = models.TextField("公开的办理结果", blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "群众诉求"
        indexes = [
            models.Index(fields=["received_at"], name="request_received_idx"),
            models.Index(fields=["organization", "received_at"], name="request_org_received_idx"),
            models.Index(fields=["holder_department", "received_at"], name="request_dept_received_idx"),
            models.Index(fields=["holder_user", "state"], name="request_handler_state_idx"),
            models.Index(fields=["holder_org", "state"], name="request_holder_state_idx"),
            # Overdue sweeps and "overdue" filters (like Healthchecks' alert_after): only open stages.
            models.Index(fields=["assign_due_at"], name="request_assign_open_idx", condition=Q(accepted_at=None)),
            models.Index(fields=["response_due_at"], name="request_response_open_idx", condition=Q(responded_at=None)),
            models.Index(fields=["done_due_at"], name="request_done_open_idx", condition=Q(resolved_at=None)),
            models.Index(fields=["published_at"], name="request_published_idx", condition=Q(published=True)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(holder_org__isnull=False) & Q(holder_department__isnull=False)),
                name="request_one_holder",
            ),
        ]

    def __str__(self):
        return f"{self.ticket} {self.category.name if self.category_id else ''}".strip()

    @property
    def masked_phone(self) -> str:
        return rules.mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        return rules.public_name(self.name)

    # What the public board and Open311 show: the published texts, masked again when read, so
    # that texts published before a masking rule was added are covered by it too.
    @property
    def board_description(self) -> str:
        return rules.mask_text(self.public_description, name=self.name, phone=self.phone)

    @property
    def board_result(self) -> str:
        return rules.mask_text(self.public_result, name=self.name, phone=self.phone)

    @property
    def is_open(self) -> bool:
        return self.state in rules.OPEN_STATES

    @property
    def holder_label(self) -> str:
        if self.holder_department_id:
            return self.holder_department.name
        if self.holder_org_id:
            return self.holder_org.name
        return ""

    def overdue_stages(self, now) -> list[str]:
        return rules.overdue_stages(
            now,
            state=self.state,
            accepted_at=self.accepted_at,
            responded_at=self.responded_at,
            resolved_at=self.resolved_at,
            dues={"assign": self.assign_due_at, "response": self.response_due_at, "done": self.done_due_at},
        )


class RequestPhoto(PhotoModel):
    """A photo sent with a request (by the resident) or with its result (by a handler)."""

    scope_path = "request__organization__path"

    photo_folder = "requests"

    class Kind(models.TextChoices):
        RESIDENT = "resident", "群众上传"
        RESULT = "result", "办理结果"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField("来源", max_length=20, choices=Kind.choices, default=Kind.RESIDENT)
    public = models.BooleanField("在公开栏展示", default=False)

    class Meta(PhotoModel.Meta):
        verbose_name = "诉求照片"


class RequestEvent(AppendOnlyModel):
    """One step of a request's timeline; append-only (like Saleor's OrderEvent)."""

    scope_path = "request__organization__path"

    append_only_label = "办理记录"

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # How the step is shown to the resident: a role, never a staff member's name.
    actor_role = models.CharField("操作方", max_length=50, blank=True)
    action = models.CharField("操作", max_length=20, choices=rules.ACTIONS)
    from_state = models.CharField("原状态", max_length=20, choices=rules.State.choices, blank=True)
    to_state = models.CharField("新状态", max_length=20, choices=rules.State.choices, blank=True)
    # Where the request went by this step (assign, transfer, escalate, return): also what
    # makes it visible to that organization or department (queries.visible_requests).
    target_org = models.ForeignKey(
        "orgs.Organization", verbose_name="交至组织", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    target_department = models.ForeignKey(
        Department, verbose_name="交至部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("群众可见", default=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "诉求办理记录"
        indexes = [
            models.Index(fields=["target_department", "request"], name="reqevent_dept_idx"),
            models.Index(fields=["target_org", "request"], name="reqevent_org_idx"),
        ]
