"""微心愿 — domain spec §5, docs/liaison-and-wishes.md, ADR 0014a.

A resident posts a wish (`Wish`) at a village or community (QR page, or staff record it);
staff accept it into the wish pool as a basic or key project; a member, a party organization
or a social organization claims it; it is fulfilled; the requester confirms with the ticket
and phone. Every step is an append-only `WishEvent`; the state is a column changed with a
conditional UPDATE on `version`, so two claimants at once never both win.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from jiceng.core.cases import AppendOnlyModel, PhotoModel, SettingsSingleton

from . import rules


class WishSettings(SettingsSingleton, models.Model):
    """County practice settings of the wish pool [C], one row per installation."""

    accept_working_days = models.PositiveSmallIntegerField(
        "审核入池时限（工作日）", default=3, help_text="群众提交后，村（社区）应在多少个工作日内审核入池或答复"
    )
    claim_days = models.PositiveSmallIntegerField(
        "待认领提醒（天）", default=15, help_text="入池多少天仍无人认领时提醒组织协调认领；0 表示不提醒"
    )
    fulfil_days = models.PositiveSmallIntegerField("完成时限（天）", default=30, help_text="认领后多少天内完成")
    member_open_claims = models.PositiveSmallIntegerField(
        "党员同时认领上限", default=3, help_text="每名党员认领后尚未完成的心愿最多几个；0 表示不限"
    )
    max_photos = models.PositiveSmallIntegerField("每次最多上传照片", default=3)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "微心愿配置"


class Wish(models.Model):
    """A resident's small wish (微心愿)."""

    scope_path = "organization__path"

    State = rules.State

    ticket = models.CharField("心愿编号", max_length=20, unique=True)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="wishes"
    )
    requester_name = models.CharField("群众姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20)
    address = models.CharField("住址", max_length=200, blank=True)
    category = models.CharField("类别", max_length=20, choices=rules.Category.choices, default=rules.Category.OTHER)
    description = models.TextField("心愿内容")
    channel = models.CharField("来源", max_length=20, choices=rules.Channel.choices, default=rules.Channel.QR)

    state = models.CharField("状态", max_length=20, choices=rules.State.choices, default=rules.State.POSTED)
    version = models.PositiveIntegerField("版本", default=0)

    posted_at = models.DateTimeField("提交时间")
    accept_due_at = models.DateTimeField("审核时限")
    accepted_at = models.DateTimeField("入池时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    project = models.CharField("项目类别", max_length=20, choices=rules.Project.choices, blank=True)
    # What public pages show (written or checked by staff when accepting; masked by default).
    public_description = models.CharField("公开的心愿内容", max_length=rules.PUBLIC_TEXT_MAX, blank=True)

    claimant_type = models.CharField("认领方类型", max_length=20, choices=rules.ClaimantType.choices, blank=True)
    claimed_member = models.ForeignKey(
        "members.Member",
        verbose_name="认领党员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
    )
    claimed_org = models.ForeignKey(
        "orgs.Organization",
        verbose_name="认领党组织",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
    )
    claimed_enterprise = models.ForeignKey(
        "orgs.Enterprise",
        verbose_name="认领社会组织（企业）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_wishes",
    )
    claimed_at = models.DateTimeField("认领时间", null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="认领登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    fulfil_due_at = models.DateTimeField("完成时限", null=True, blank=True)

    fulfilled_at = models.DateTimeField("实现时间", null=True, blank=True)
    fulfil_note = models.TextField("完成情况", blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="完成登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirm_channel = models.CharField(
        "确认方式", max_length=20, choices=[("online", "群众网上确认"), ("phone", "电话回访")], blank=True
    )
    rating = models.CharField("群众评价", max_length=20, choices=rules.Rating.choices, blank=True)
    confirm_note = models.CharField("群众留言", max_length=500, blank=True)

    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_reason = models.CharField("未采纳或撤回原因", max_length=500, blank=True)

    published = models.BooleanField("在心愿墙展示", default=False)
    published_at = models.DateTimeField("展示时间", null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-posted_at", "-pk"]
        verbose_name = "微心愿"
        indexes = [
            models.Index(fields=["posted_at"], name="wish_posted_idx"),
            models.Index(fields=["organization", "posted_at"], name="wish_org_posted_idx"),
            models.Index(fields=["state", "posted_at"], name="wish_state_idx"),
            models.Index(fields=["claimed_member", "state"], name="wish_member_state_idx"),
            # Overdue sweeps and filters: only the wishes still waiting for that step.
            models.Index(fields=["accept_due_at"], name="wish_accept_open_idx", condition=Q(state="posted")),
            models.Index(fields=["fulfil_due_at"], name="wish_fulfil_open_idx", condition=Q(state="claimed")),
            models.Index(fields=["accepted_at"], name="wish_pool_idx", condition=Q(state="pooled")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_member__isnull=True, claimed_org__isnull=True, claimed_enterprise__isnull=True)
                | Q(claimed_member__isnull=False, claimed_org__isnull=True, claimed_enterprise__isnull=True)
                | Q(claimed_member__isnull=True, claimed_org__isnull=False, claimed_enterprise__isnull=True)
                | Q(claimed_member__isnull=True, claimed_org__isnull=True, claimed_enterprise__isnull=False),
                name="wish_one_claimant",
            ),
        ]

    def __str__(self):
        return f"{self.ticket} {self.get_category_display()}"

    @property
    def masked_phone(self) -> str:
        return rules.mask_phone(self.phone)

    @property
    def masked_name(self) -> str:
        return rules.public_name(self.requester_name)

    @property
    def public_text(self) -> str:
        """What the public pool and wall show: the public text (masked again when read, so texts
        saved before a masking rule was added are covered by it too), or the wish masked."""
        return rules.mask_text(self.public_description or self.description, name=self.requester_name, phone=self.phone)

    @property
    def claimant_label(self) -> str:
        if self.claimed_member_id:
            return self.claimed_member.name
        if self.claimed_org_id:
            return self.claimed_org.name
        if self.claimed_enterprise_id:
            return self.claimed_enterprise.name
        return ""

    @property
    def public_claimant(self) -> str:
        """Organizations are named publicly; a member is shown as 「党员 张*」."""
        if self.claimed_member_id:
            return f"党员 {rules.public_name(self.claimed_member.name)}"
        return self.claimant_label

    @property
    def accept_due_day(self):
        """The last day to accept it (the deadline is 24:00 of that day)."""
        return rules.last_day(self.accept_due_at)

    @property
    def fulfil_due_day(self):
        return rules.last_day(self.fulfil_due_at)

    def overdue_step(self, now) -> str:
        if self.state == rules.State.POSTED and rules.is_overdue(self.accept_due_at, now):
            return "审核超期"
        if self.state == rules.State.CLAIMED and rules.is_overdue(self.fulfil_due_at, now):
            return "完成超期"
        return ""


class WishPhoto(PhotoModel):
    scope_path = "wish__organization__path"

    photo_folder = "wishes"

    class Kind(models.TextChoices):
        REQUESTER = "requester", "群众上传"
        FULFILMENT = "fulfilment", "完成照片"

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField("来源", max_length=20, choices=Kind.choices, default=Kind.REQUESTER)
    # Chosen by staff for the public wish wall; only with the wish published.
    public = models.BooleanField("公开展示", default=False)

    class Meta(PhotoModel.Meta):
        verbose_name = "心愿照片"


class WishEvent(AppendOnlyModel):
    """One step of a wish's timeline; append-only (like Saleor's OrderEvent)."""

    scope_path = "wish__organization__path"

    append_only_label = "心愿办理记录"

    wish = models.ForeignKey(Wish, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField("时间", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # How the step is shown to the requester: a role, never a staff member's name.
    actor_role = models.CharField("操作方", max_length=50, blank=True)
    action = models.CharField("操作", max_length=20, choices=rules.ACTIONS)
    from_state = models.CharField("原状态", max_length=20, choices=rules.State.choices, blank=True)
    to_state = models.CharField("新状态", max_length=20, choices=rules.State.choices, blank=True)
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("群众可见", default=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "心愿办理记录"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValidationError("心愿办理记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("心愿办理记录只能追加，不能删除")
