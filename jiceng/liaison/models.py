"""党代表联系服务群众 ("先锋基层行") — domain spec §5, docs/liaison-and-wishes.md, ADR 0014.

Party congress representatives (`Representative`) are grouped in service teams by township
(`ServiceTeam`), staff liaison stations (`LiaisonStation`, 党代表工作室/联络站) and visit
households (`Visit`). A visit records the households reached (a number, and optionally a
list, `VisitHousehold`) and the problems collected (`Problem`); each problem is solved on the
spot, passed on as a request (`requests.Request`, channel 党代表走访) or still pending.

Scope: a team, station or representative belongs to its organization's subtree; a visit and
everything recorded at it belongs to the organization where the visit happened.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from jiceng.core.cases import PhotoModel
from jiceng.core.models import TimestampedModel

from . import rules


class ServiceTeam(TimestampedModel):
    """党代表服务队: the representatives of one township (or street)."""

    scope_path = "organization__path"

    name = models.CharField("服务队名称", max_length=100)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所在乡镇（街道）", on_delete=models.PROTECT, related_name="liaison_teams"
    )
    leader_name = models.CharField("队长", max_length=50, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = "党代表服务队"

    def __str__(self):
        return self.name


class LiaisonStation(TimestampedModel):
    """党代表工作室 (usually at the township's service centre) or 联络站 (in a village or community)."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        STUDIO = "studio", "党代表工作室"
        STATION = "station", "党代表联络站"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.STUDIO)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所在组织", on_delete=models.PROTECT, related_name="liaison_stations"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    reception = models.CharField("接待安排", max_length=100, blank=True, help_text="如：每月15日上午")
    phone = models.CharField("联系电话", max_length=20, blank=True, help_text="工作室的公开联系电话")
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = "党代表工作室（联络站）"

    def __str__(self):
        return self.name


class Representative(TimestampedModel):
    """A party congress representative (党代表) on the liaison register."""

    scope_path = "organization__path"

    class Level(models.TextChoices):
        PROVINCE = "province", "省党代表"
        CITY = "city", "市党代表"
        COUNTY = "county", "县党代表"
        TOWNSHIP = "township", "乡镇党代表"

    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=[("male", "男"), ("female", "女")], blank=True)
    level = models.CharField("代表层级", max_length=20, choices=Level.choices, default=Level.COUNTY)
    congress = models.CharField("届次", max_length=50, blank=True, help_text="如：中共某县第十五次代表大会")
    unit_post = models.CharField("工作单位及职务", max_length=100, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    member = models.ForeignKey(
        "members.Member",
        verbose_name="对应党员档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="representative_records",
    )
    # The township (or other organization) whose register the representative is on; the
    # team's organization when a team is set.
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所属乡镇（单位）", on_delete=models.PROTECT, related_name="representatives"
    )
    team = models.ForeignKey(
        ServiceTeam,
        verbose_name="服务队",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="representatives",
    )
    station = models.ForeignKey(
        LiaisonStation,
        verbose_name="进驻工作室（联络站）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="representatives",
    )
    is_active = models.BooleanField("在册", default=True, help_text="任期结束或调离后取消勾选；历史走访记录保留")
    note = models.CharField("备注", max_length=200, blank=True)

    class Meta:
        ordering = ["organization__path", "team__name", "name", "pk"]
        verbose_name = "党代表"
        indexes = [models.Index(fields=["organization", "is_active"], name="rep_org_active_idx")]

    def __str__(self):
        return self.name

    @property
    def masked_phone(self) -> str:
        return rules.mask_phone(self.phone)


class Visit(TimestampedModel):
    """One visit (走访) by one or more representatives."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", "入户走访"
        RECEPTION = "reception", "工作室接待"
        FORUM = "forum", "座谈恳谈"
        OTHER = "other", "其他"

    date = models.DateField("走访日期")
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="走访地（村、社区）", on_delete=models.PROTECT, related_name="liaison_visits"
    )
    kind = models.CharField("形式", max_length=20, choices=Kind.choices, default=Kind.HOUSEHOLD)
    station = models.ForeignKey(
        LiaisonStation,
        verbose_name="工作室（联络站）",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="visits",
    )
    representatives = models.ManyToManyField(Representative, verbose_name="参加党代表", related_name="visits")
    place = models.CharField("地点", max_length=200, blank=True)
    households_reached = models.PositiveIntegerField("走访户数")
    note = models.TextField("走访情况", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = "党代表走访"
        indexes = [
            models.Index(fields=["date"], name="visit_date_idx"),
            models.Index(fields=["organization", "date"], name="visit_org_date_idx"),
        ]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.organization.short_name or self.organization.name}走访"


class VisitHousehold(models.Model):
    """One line of a visit's optional household list. `key` identifies the household within
    the village for the distinct count (rules.household_key)."""

    scope_path = "visit__organization__path"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="households")
    label = models.CharField(
        "住户", max_length=rules.HOUSEHOLD_LINE_MAX, help_text="户主姓名及地址，如：王大山 3组12号"
    )
    key = models.CharField("去重键", max_length=rules.HOUSEHOLD_LINE_MAX)

    class Meta:
        ordering = ["pk"]
        verbose_name = "走访户"
        indexes = [models.Index(fields=["key"], name="visithousehold_key_idx")]

    def __str__(self):
        return self.label


class VisitPhoto(PhotoModel):
    scope_path = "visit__organization__path"

    photo_folder = "liaison"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")

    class Meta(PhotoModel.Meta):
        verbose_name = "走访照片"


class Problem(TimestampedModel):
    """A problem collected at a visit: solved on the spot, passed on as a request, or pending."""

    scope_path = "visit__organization__path"

    visit = models.ForeignKey(Visit, verbose_name="走访", on_delete=models.PROTECT, related_name="problems")
    description = models.TextField("问题内容")
    category = models.ForeignKey(
        "requests.Category", verbose_name="类别", on_delete=models.PROTECT, related_name="liaison_problems"
    )
    kind = models.CharField("诉求类型", max_length=20, default="help")
    resident_name = models.CharField("群众姓名", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    place = models.CharField("地点", max_length=200, blank=True)
    outcome = models.CharField("处理结果", max_length=20, choices=rules.OUTCOMES, default=rules.PENDING)
    solution = models.TextField("解决情况", blank=True)
    outcome_at = models.DateTimeField("处理时间", null=True, blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.OneToOneField(
        "requests.Request",
        verbose_name="转交的诉求",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="liaison_problem",
    )

    class Meta:
        ordering = ["visit", "pk"]
        verbose_name = "走访收集的问题"
        indexes = [models.Index(fields=["outcome"], name="problem_outcome_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome=rules.PASSED, request__isnull=False)
                | (~models.Q(outcome=rules.PASSED) & models.Q(request__isnull=True)),
                name="problem_passed_has_request",
            )
        ]

    def __str__(self):
        return self.description[:30]

    @property
    def masked_phone(self) -> str:
        return rules.mask_phone(self.phone)
