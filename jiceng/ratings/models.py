"""Ratings (评星定级与积分): member points first.

- `PointsScheme` is one version of the county's points scheme (党员积分管理办法): the monthly cap,
  the qualifying line, the consequence, and its `PointItem`s. A version is in force from its
  `valid_from` (a month's first day) until the next version; a change is a new version, so a
  month already computed keeps the version it used (each ledger line names its item, and the
  item its version).
- `PointsEntry` is the points ledger (积分明细): append-only, one line per event, each naming its
  source record (``source`` + ``record_id``: an attendance mark, a dues payment, an approved
  claim…). A recomputation appends a reversal line for what no longer holds and a line for
  what is new, never edits; recomputing twice appends nothing the second time.
- `PointsMonth` is the member's total for one month, kept in the same transaction as the
  ledger lines it sums (`manage.py points --check` recounts it).
- `PointsClaim` is a claimed item (申报积分) with evidence, approved by the branch before it
  counts.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from jiceng.core.cases import AppendOnlyModel, PhotoModel
from jiceng.core.models import TimestampedModel
from jiceng.core.point_sources import CATEGORIES

POINTS = {"max_digits": 7, "decimal_places": 1}
CLAIM = "claim"  # the source of a claimed item's ledger lines


class PointsScheme(models.Model):
    """One version of the member points scheme, in force from `valid_from`."""

    valid_from = models.DateField("起用月份", unique=True, help_text="该月1日起按本版本计分")
    name = models.CharField("名称", max_length=100, default="党员积分管理办法")
    monthly_cap = models.DecimalField("每月积分上限", default=Decimal(10), **POINTS)
    unqualified_below = models.DecimalField(
        "年度不合格线", default=Decimal(60), help_text="全年积分低于此分为不合格", **POINTS
    )
    leave_after_years = models.PositiveSmallIntegerField(
        "连续不合格年数", default=3, help_text="连续几年不合格，支部应劝其退党"
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "积分办法"

    def __str__(self):
        return f"{self.name}（{self.valid_from:%Y年%-m月}起）"

    @property
    def yearly_total(self) -> Decimal:
        return self.monthly_cap * 12


class PointItem(models.Model):
    """One item of a scheme version: automatic from a point source, or claimed with evidence."""

    scheme = models.ForeignKey(PointsScheme, on_delete=models.CASCADE, related_name="items")
    code = models.SlugField("代码", max_length=40)
    name = models.CharField("积分项目", max_length=100)
    source = models.CharField(
        "来源", max_length=40, blank=True, help_text="自动计分的记录来源；留空为党员申报、支部审核的项目"
    )
    category = models.CharField("类别（对应星）", max_length=20, choices=list(CATEGORIES.items()))
    points = models.DecimalField("每次分值", help_text="负数为扣分", **POINTS)
    cap_month = models.DecimalField("每月上限", null=True, blank=True, **POINTS)
    cap_year = models.DecimalField("每年上限", null=True, blank=True, **POINTS)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = "积分项目"
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="ratings_item_code_once")]

    def __str__(self):
        return self.name

    @property
    def is_claimed(self) -> bool:
        return not self.source

    @property
    def is_deduction(self) -> bool:
        return self.points < 0


class PointsClaim(TimestampedModel):
    """申报积分: a claimed item with a note and photos, counted once the branch approves it."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待审核"
        APPROVED = "approved", "已通过"
        REJECTED = "rejected", "未通过"

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(PointItem, verbose_name="积分项目", on_delete=models.PROTECT, related_name="claims")
    on = models.DateField("发生日期")
    note = models.TextField("事项说明")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    reason = models.CharField("审核意见", max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "积分申报"
        indexes = [models.Index(fields=["member", "on"], name="ratings_claim_member_idx")]

    def __str__(self):
        return f"{self.member} · {self.item} · {self.on:%Y-%m-%d}"


class ClaimPhoto(PhotoModel):
    photo_folder = "ratings"
    scope_path = "claim__member__organization__path"
    member_scope = "claim__member_id"

    claim = models.ForeignKey(PointsClaim, on_delete=models.CASCADE, related_name="photos")

    class Meta(PhotoModel.Meta):
        verbose_name = "申报佐证照片"


class PointsEntry(AppendOnlyModel):
    """One line of the points ledger. ``raw_points`` is what the item gives for the event,
    ``points`` what counts after the caps (``note`` says which cap). A reversal line carries
    the opposite of the lines it undoes for the same source record."""

    append_only_label = "积分明细"
    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    item = models.ForeignKey(PointItem, verbose_name="积分项目", on_delete=models.PROTECT, related_name="+")
    source = models.CharField("来源", max_length=40)
    record_id = models.BigIntegerField("来源记录")
    on = models.DateField("日期")
    text = models.CharField("事项", max_length=300)
    raw_points = models.DecimalField("分值", **POINTS)
    points = models.DecimalField("计分", **POINTS)
    note = models.CharField("说明", max_length=100, blank=True)
    reversal = models.BooleanField("冲销", default=False)
    created_at = models.DateTimeField("记账时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["member_id", "month", "on", "id"]
        verbose_name = "积分明细"
        indexes = [models.Index(fields=["member", "month"], name="ratings_entry_member_month")]


class PointsMonth(models.Model):
    """A member's points for one month: the sum of the month's ledger lines."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="points_months")
    month = models.DateField("月份")
    points = models.DecimalField("积分", **POINTS)
    scheme = models.ForeignKey(PointsScheme, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        ordering = ["member_id", "month"]
        verbose_name = "月度积分"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="ratings_month_once")]
        indexes = [models.Index(fields=["month", "member"], name="ratings_month_idx")]
