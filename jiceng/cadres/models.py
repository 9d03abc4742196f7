"""Village cadres (村干部, domain spec §4 "Village cadres" [C]): the two committees (村两委) of each
village and community on record with their posts and terms, reserve cadres and the secretary
talent pool (书记人才库), mentors paired with new secretaries (导师帮带), the county's filing of
village secretaries (备案管理); the township's quarterly assessment on a versioned scheme of
dimensions (weights as data), the streak tasks it raises (commendation, replacement) with a person
who decides; and the pay (报酬) figures: the county's rural disposable income per person per year
and the post coefficients. The pay sheet itself is computed when read (queries.pay_sheet).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from jiceng.core.cases import AppendOnlyModel
from jiceng.core.masking import mask_phone
from jiceng.core.models import TimestampedModel
from jiceng.members.models import Member

MONEY = {"max_digits": 12, "decimal_places": 2}
POINTS = {"max_digits": 6, "decimal_places": 2}


class Post(models.TextChoices):
    SECRETARY = "secretary", "村（社区）党组织书记"
    ONE_SHOULDER = "one_shoulder", "书记、主任“一肩挑”"
    DIRECTOR = "director", "村（居）委会主任"
    DEPUTY_SECRETARY = "deputy_secretary", "党组织副书记"
    DEPUTY_DIRECTOR = "deputy_director", "村（居）委会副主任"
    COMMITTEE_MEMBER = "committee_member", "两委委员"
    RESERVE = "reserve", "后备干部"


SECRETARY_POSTS = (Post.SECRETARY, Post.ONE_SHOULDER)
POST_ORDER = list(Post.values)  # the order of a committee on a list: secretary first, reserve last


class VillageCadre(TimestampedModel):
    """A member of a village's two committees, or a reserve cadre of the village. A cadre may be
    a party member (``member``) or not. The ID number is stored as for members and household
    people (encrypted, keyed digest, masked form; jiceng.core.idnumbers)."""

    scope_path = "village__path"

    class State(models.TextChoices):
        ACTIVE = "active", "在任"
        LEFT = "left", "已离任"

    village = models.ForeignKey(
        "orgs.Organization", verbose_name="村（社区）", on_delete=models.PROTECT, related_name="village_cadres"
    )
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=10, choices=[("male", "男"), ("female", "女")])
    birth_date = models.DateField("出生日期")
    education = models.CharField("学历", max_length=20, choices=Member.Education.choices, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    id_number_encrypted = models.TextField("公民身份号码（加密）", editable=False)
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("公民身份号码", max_length=18, editable=False)
    member = models.ForeignKey(
        "members.Member",
        verbose_name="党员档案",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="village_cadre_posts",
        help_text="是党员的，关联其党员档案；非党员留空",
    )
    post = models.CharField("职务", max_length=20, choices=Post.choices)
    term_starts_on = models.DateField("任职（届期）开始")
    term_ends_on = models.DateField("届期结束", null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.ACTIVE)
    left_on = models.DateField("离任日期", null=True, blank=True)
    in_talent_pool = models.BooleanField("纳入书记人才库", default=False)
    filed_on = models.DateField("县级备案日期", null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filing_note = models.CharField("备案说明", max_length=200, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        ordering = ["village__path", "post", "name"]
        verbose_name = "村干部"
        indexes = [models.Index(fields=["village", "state", "post"], name="cadre_village_state_post_idx")]

    def __str__(self):
        return f"{self.name}（{self.get_post_display()}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def is_secretary(self) -> bool:
        return self.post in SECRETARY_POSTS


class CadreChange(AppendOnlyModel):
    """Every change of a cadre's post or state (history), kept in step with the cadre row."""

    append_only_label = "任职变动记录"
    scope_path = "cadre__village__path"

    cadre = models.ForeignKey(VillageCadre, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField("变动项", max_length=10, choices=[("post", "职务"), ("state", "状态")])
    from_value = models.CharField("原值", max_length=20, blank=True)
    to_value = models.CharField("新值", max_length=20)
    on = models.DateField("日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "任职变动"

    def _label(self, value: str) -> str:
        choices = dict(Post.choices) if self.field == "post" else dict(VillageCadre.State.choices)
        return choices.get(value, value or "—")

    @property
    def from_label(self) -> str:
        return self._label(self.from_value)

    @property
    def to_label(self) -> str:
        return self._label(self.to_value)


class Mentorship(TimestampedModel):
    """A mentor paired with a new secretary (导师帮带). The mentor is named with a unit: often an
    experienced secretary of another village or a township cadre."""

    scope_path = "mentee__village__path"

    mentee = models.ForeignKey(VillageCadre, on_delete=models.CASCADE, related_name="mentorships")
    mentor_name = models.CharField("导师姓名", max_length=50)
    mentor_unit = models.CharField("导师单位及职务", max_length=100)
    starts_on = models.DateField("帮带开始")
    ends_on = models.DateField("帮带结束", null=True, blank=True)
    note = models.CharField("帮带内容", max_length=200, blank=True)

    class Meta:
        ordering = ["-starts_on", "id"]
        verbose_name = "导师帮带"


# ---- quarterly assessment ------------------------------------------------------------------------


class AssessmentScheme(models.Model):
    """One version of the quarterly assessment scheme, in force from the quarter of
    ``valid_from`` (the first day of a quarter). A round keeps the version it was opened with."""

    valid_from = models.DateField("起用季度", unique=True, help_text="该季度1日起按本版本考核")
    name = models.CharField("名称", max_length=100, default="村干部季度考核办法")
    excellent_from = models.DecimalField("优秀分数线", default=Decimal(90), **POINTS)
    competent_from = models.DecimalField("称职分数线", default=Decimal(75), **POINTS)
    basic_from = models.DecimalField("基本称职分数线", default=Decimal(60), **POINTS)
    streak = models.PositiveSmallIntegerField(
        "连续季度数", default=3, help_text="连续几个季度优秀（不称职）列入表彰（调整）"
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = "村干部考核办法"

    def __str__(self):
        return f"{self.name}（{self.valid_from.year}年第{(self.valid_from.month - 1) // 3 + 1}季度起）"


class Dimension(models.Model):
    """One dimension of a scheme, worth ``weight`` points of 100. With a ``source`` (the code of
    an index component registered in an app's ``index_sources``, jiceng.core.indices) its points
    are computed from the records: the component's value (0–1) for the village × weight; without
    one, the township scores it by hand with evidence."""

    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.CASCADE, related_name="dimensions")
    code = models.CharField("代码", max_length=30)
    name = models.CharField("考核维度", max_length=50)
    weight = models.DecimalField("分值", **POINTS)
    source = models.CharField("数据来源", max_length=50, blank=True, help_text="留空为人工评分")
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        ordering = ["scheme", "order", "id"]
        verbose_name = "考核维度"
        constraints = [models.UniqueConstraint(fields=["scheme", "code"], name="cadre_dimension_code_once")]

    def __str__(self):
        return self.name


class AssessmentRound(TimestampedModel):
    """A township's assessment of its villages' cadres for one quarter."""

    scope_path = "township__path"

    class State(models.TextChoices):
        OPEN = "open", "评分中"
        CLOSED = "closed", "已完成"

    township = models.ForeignKey(
        "orgs.Organization", verbose_name="乡镇（街道）", on_delete=models.PROTECT, related_name="cadre_rounds"
    )
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField(
        "季度", choices=[(1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")]
    )
    scheme = models.ForeignKey(AssessmentScheme, on_delete=models.PROTECT, related_name="rounds")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        ordering = ["-year", "-quarter", "township__path"]
        verbose_name = "村干部季度考核"
        constraints = [
            models.UniqueConstraint(fields=["township", "year", "quarter"], name="cadre_round_once_a_quarter")
        ]

    def __str__(self):
        return f"{self.township.short_name or self.township.name} {self.year}年第{self.quarter}季度村干部考核"

    @property
    def label(self) -> str:
        return f"{self.year}年第{self.quarter}季度"


class Assessment(TimestampedModel):
    """One cadre's result in a round: the total of the dimension scores and the grade."""

    scope_path = "cadre__village__path"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        COMPETENT = "competent", "称职"
        BASIC = "basic", "基本称职"
        INCOMPETENT = "incompetent", "不称职"

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="assessments")
    cadre = models.ForeignKey(VillageCadre, on_delete=models.PROTECT, related_name="assessments")
    total = models.DecimalField("得分", **POINTS)
    grade = models.CharField("等次", max_length=20, choices=Grade.choices)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["round", "cadre__village__path", "cadre__name"]
        verbose_name = "村干部考核结果"
        constraints = [models.UniqueConstraint(fields=["round", "cadre"], name="cadre_assessed_once_a_round")]


class Score(models.Model):
    """The points of one dimension in one assessment, computed or scored with evidence."""

    scope_path = "assessment__cadre__village__path"

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    dimension = models.ForeignKey(Dimension, on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField("得分", **POINTS)
    computed = models.BooleanField("由系统计算", default=False)
    evidence = models.CharField("评分依据", max_length=300, blank=True)

    class Meta:
        ordering = ["assessment", "dimension__order"]
        verbose_name = "维度得分"
        constraints = [models.UniqueConstraint(fields=["assessment", "dimension"], name="cadre_score_once")]


class StreakTask(TimestampedModel):
    """Raised when a cadre's grade is the same for ``scheme.streak`` quarters running: excellent
    → recommended for commendation, incompetent → replacement by procedure. A person decides."""

    scope_path = "cadre__village__path"

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", "推荐表彰"
        REPLACEMENT = "replacement", "按程序调整"

    class Decision(models.TextChoices):
        PENDING = "pending", "待决定"
        AGREED = "agreed", "同意"
        DECLINED = "declined", "不同意"

    cadre = models.ForeignKey(VillageCadre, on_delete=models.CASCADE, related_name="streak_tasks")
    kind = models.CharField("事项", max_length=20, choices=Kind.choices)
    round = models.ForeignKey(AssessmentRound, on_delete=models.PROTECT, related_name="streak_tasks")
    quarters = models.CharField("连续季度", max_length=100)
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="决定人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cadre_tasks",
    )
    decision = models.CharField("决定", max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_note = models.CharField("决定说明", max_length=300, blank=True)

    class Meta:
        ordering = ["decision", "-round__year", "-round__quarter", "id"]
        verbose_name = "村干部连续等次事项"
        constraints = [models.UniqueConstraint(fields=["cadre", "kind", "round"], name="cadre_task_once")]


# ---- pay --------------------------------------------------------------------------------------------


class CountyIncome(models.Model):
    """The county's rural disposable income per person of one year (农村居民人均可支配收入),
    entered by a county admin; the pay basis of the next year is twice it."""

    scope_path = "county__path"

    county = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    amount = models.DecimalField("农村居民人均可支配收入（元）", **MONEY)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = "农村居民人均可支配收入"
        constraints = [models.UniqueConstraint(fields=["county", "year"], name="cadre_income_once_a_year")]


class PostCoefficient(models.Model):
    """The pay coefficient of a post (the secretary's and 一肩挑 1.10, the others 1.00 by
    default; reserve cadres are not paid)."""

    post = models.CharField("职务", max_length=20, choices=Post.choices, unique=True)
    coefficient = models.DecimalField("报酬系数", max_digits=4, decimal_places=2)

    class Meta:
        ordering = ["post"]
        verbose_name = "职务报酬系数"
