"""党费 (party dues): the yearly base of each member, the monthly payment ledger, the branch's
consent to quarterly payment, import batches, and the county's dues settings [C].

Rules and their sources are in rules.py (《关于中国共产党党费收缴、使用和管理的规定》, 2008).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from jiceng.core.cases import SettingsSingleton
from jiceng.core.models import TimestampedModel

from . import rules

MONEY = {"max_digits": 12, "decimal_places": 2}


class DuesSettings(SettingsSingleton, models.Model):
    """County practice for dues [C]; one row per installation, edited by county admins."""

    farmer_amount = models.DecimalField(
        "农民党员默认月交纳额（元）",
        max_digits=4,
        decimal_places=2,
        default=rules.DEFAULT_FARMER_AMOUNT,
        validators=[MinValueValidator(rules.FARMER_MIN), MaxValueValidator(rules.FARMER_MAX)],
        help_text="规定为每月0.2元至1元，具体标准由各地确定；核定基数时可按人在此范围内调整",
    )
    ledger_start = models.DateField(
        "党费台账起始月份",
        null=True,
        blank=True,
        help_text="平台从哪个月开始记账；此前的月份不计入应交、不计入六个月预警。留空则取最早核定基数年度的1月",
    )
    reminder_day = models.PositiveSmallIntegerField(
        "月末提醒日",
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text="每月这一天起，提醒各支部本月尚未交纳党费的党员",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "党费设置"


class DuesBase(TimestampedModel):
    """A member's dues base for one year (每年核定一次): category, income and the monthly amount,
    computed by rules.monthly_dues when it is saved and stored, with who set it and when."""

    scope_path = "member__organization__path"
    # A plain member sees only their own dues (jiceng.core.scoping).
    member_scope = "member_id"

    class Category(models.TextChoices):
        EMPLOYED = rules.EMPLOYED, rules.CATEGORY_LABELS[rules.EMPLOYED]
        RETIRED = rules.RETIRED, rules.CATEGORY_LABELS[rules.RETIRED]
        FARMER = rules.FARMER, rules.CATEGORY_LABELS[rules.FARMER]
        STUDENT = rules.STUDENT, rules.CATEGORY_LABELS[rules.STUDENT]
        UNEMPLOYED = rules.UNEMPLOYED, rules.CATEGORY_LABELS[rules.UNEMPLOYED]
        RELIEF = rules.RELIEF, rules.CATEGORY_LABELS[rules.RELIEF]
        OTHER = rules.OTHER, rules.CATEGORY_LABELS[rules.OTHER]

    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_bases"
    )
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("交纳类别", max_length=20, choices=Category.choices)
    income = models.DecimalField("计算基数（月收入，元）", null=True, blank=True, **MONEY)
    rate = models.DecimalField("比例", max_digits=6, decimal_places=4, null=True, blank=True)
    standard_amount = models.DecimalField("按规定月交纳额（元）", **MONEY)
    # What the member owes each month: the standard amount, or less (even 0) when the member
    # has difficulty and the higher committee approved it (少交或免交).
    monthly_amount = models.DecimalField("月应交纳额（元）", **MONEY)
    reduction_note = models.CharField(
        "少交或免交批准情况", max_length=200, blank=True, help_text="经党支部研究、上一级党委批准的文号或说明"
    )
    note = models.CharField("备注", max_length=200, blank=True)
    # When: `updated_at` (TimestampedModel); every change is also in the audit log.
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核定人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-year", "member_id"]
        verbose_name = "党费基数"
        indexes = [
            # The exempt (免交) bases, a few hundred of a city's 670,000: the six-month watch
            # looks them up for every member who missed last month's dues.
            models.Index(fields=["member", "year"], name="dues_base_exempt_idx", condition=models.Q(monthly_amount=0)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["member", "year"], name="dues_base_once_per_year"),
            models.CheckConstraint(condition=models.Q(monthly_amount__gte=0), name="dues_base_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.member} {self.year}年党费基数"

    @property
    def is_exempt(self) -> bool:
        return self.monthly_amount == 0

    @property
    def is_reduced(self) -> bool:
        return self.monthly_amount < self.standard_amount

    @property
    def rate_display(self) -> str:
        return rules.rate_display(self.rate)


class DuesConsent(TimestampedModel):
    """The branch's consent that a member pays once a quarter (第十二条), for a span of months.
    Paying months ahead of the month of payment (预交) needs one; back payment (补交) does not."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_consents"
    )
    first_month = models.DateField("起始月份")
    last_month = models.DateField("截止月份")
    decided_on = models.DateField("支部同意日期")
    decision = models.CharField("同意依据", max_length=200, help_text="如：支部委员会2026年1月8日会议研究同意")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_on = models.DateField("撤销日期", null=True, blank=True)

    class Meta:
        ordering = ["-first_month", "member_id"]
        verbose_name = "按季度交纳党费的支部同意"

    def __str__(self):
        return f"{self.member} 按季度交纳（{self.first_month:%Y-%m}至{self.last_month:%Y-%m}）"

    def covers(self, month: date, on: date) -> bool:
        active = self.decided_on <= on and (self.revoked_on is None or self.revoked_on > on)
        return active and self.first_month <= month <= self.last_month


class DuesImportBatch(models.Model):
    """One Excel import of payments (all-or-nothing); the last one can be undone."""

    scope_path = "org_path"

    class Status(models.TextChoices):
        DONE = "done", "已导入"
        UNDONE = "undone", "已撤销"

    file_name = models.CharField("文件名", max_length=255, blank=True)
    row_count = models.PositiveIntegerField("行数", default=0)
    total = models.DecimalField("合计金额", default=Decimal("0"), **MONEY)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DONE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    # Scope of whoever imported: only they (or someone above) see and undo it.
    org_path = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "党费导入批次"

    def __str__(self):
        return f"党费导入 #{self.pk}（{self.row_count} 行）"


class DuesPayment(models.Model):
    """One member's dues for one month (the ledger row). A quarter paid at once is three rows
    sharing `paid_on`; the unique constraint makes a double payment of a month impossible,
    even when two people record it at the same moment."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    class Method(models.TextChoices):
        CASH = "cash", "现金"
        TRANSFER = "transfer", "银行转账"
        ONLINE = "online", "线上支付"
        PROXY = "proxy", "委托代交"

    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="dues_payments"
    )
    month = models.DateField("所属月份")  # first day of the month
    amount = models.DecimalField("实交金额（元）", **MONEY)
    due_amount = models.DecimalField("应交金额（元）", **MONEY)
    paid_on = models.DateField("交纳日期")
    method = models.CharField("交纳方式", max_length=20, choices=Method.choices, default=Method.CASH)
    receipt = models.CharField("收据号", max_length=50, blank=True)
    note = models.CharField("备注", max_length=200, blank=True)
    consent = models.ForeignKey(
        DuesConsent, verbose_name="支部同意", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    batch = models.ForeignKey(
        DuesImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        ordering = ["-month", "member_id"]
        verbose_name = "党费交纳记录"
        constraints = [
            models.UniqueConstraint(fields=["member", "month"], name="dues_payment_once_per_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="dues_payment_amount_not_negative"),
        ]
        indexes = [models.Index(fields=["month", "member"], name="dues_payment_month_idx")]

    def __str__(self):
        return f"{self.member} {self.month:%Y年%m月}党费"

    @property
    def is_advance(self) -> bool:
        return self.month > rules.month_start(self.paid_on)

    @property
    def is_backpay(self) -> bool:
        return self.month < rules.month_start(self.paid_on)


class DuesYear(models.Model):
    """One member's payments of one year as running totals from January, a column per month:
    `paid_MM` months paid, `amount_MM` paid and `credited_MM` = Σ min(amount, amount due), each
    for January to month MM. The year's completion reads one row per member instead of every
    payment (a city: 342,000 rows instead of 3.7 million), and the months first..last are the
    difference of two columns.

    Kept by jiceng.dues.summary.recount in the same transaction as every payment written or
    removed (services, the import and its undo); `manage.py dues_summary --check` compares it
    with a recount of the payments and `--rebuild` rebuilds it. See ADR 0015."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="dues_years")
    year = models.PositiveSmallIntegerField("年度")
    for _m in range(1, 13):
        locals()[f"paid_{_m:02d}"] = models.PositiveSmallIntegerField(default=0)
        locals()[f"amount_{_m:02d}"] = models.DecimalField(default=0, **MONEY)
        locals()[f"credited_{_m:02d}"] = models.DecimalField(default=0, **MONEY)
    del _m

    class Meta:
        verbose_name = "党员年度党费汇总"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="dues_year_once")]
