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

from jiceng.core.cases import AppendOnlyModel, PhotoModel, SettingsSingleton
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

    # Indexed by (member, month) below; a member-only index would be a fifth index to write for
    # each of a county month's 80,000 lines (docs/performance.md, "Points several times faster").
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+", db_index=False)
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
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["member_id", "month", "on", "id"]
        verbose_name = "积分明细"
        indexes = [
            models.Index(fields=["member", "month"], name="ratings_entry_member_month"),
            # Lines by a person (a manager's recomputation): the nightly job's lines have none.
            models.Index(fields=["created_by"], name="ratings_entry_by", condition=models.Q(created_by__isnull=False)),
        ]


class PointsMonth(models.Model):
    """A member's points for one month: the sum of the month's ledger lines."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.ForeignKey(  # indexed by the unique (member, month)
        "members.Member", on_delete=models.CASCADE, related_name="points_months", db_index=False
    )
    month = models.DateField("月份")
    points = models.DecimalField("积分", **POINTS)
    scheme = models.ForeignKey(PointsScheme, on_delete=models.PROTECT, related_name="+")
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        ordering = ["member_id", "month"]
        verbose_name = "月度积分"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="ratings_month_once")]
        indexes = [models.Index(fields=["month", "member"], name="ratings_month_idx")]


class PointsYear(models.Model):
    """A member's points of a year as running totals of the month totals: ``c01`` is January,
    ``c06`` January–June, ``c12`` the year. Rebuilt from `PointsMonth` with it, in the same
    transaction (services.rebuild_years; `manage.py points --check` compares them), so that the
    ranking, the unqualified list and the cards read one row per member instead of adding up
    months (a city: 349,000 members × 12 months)."""

    scope_path = "member__organization__path"
    member_scope = "member_id"

    member = models.ForeignKey(  # indexed by the unique (member, year)
        "members.Member", on_delete=models.CASCADE, related_name="points_years", db_index=False
    )
    year = models.PositiveSmallIntegerField("年度")
    c01 = models.DecimalField("1–1月", default=Decimal(0), **POINTS)
    c02 = models.DecimalField("1–2月", default=Decimal(0), **POINTS)
    c03 = models.DecimalField("1–3月", default=Decimal(0), **POINTS)
    c04 = models.DecimalField("1–4月", default=Decimal(0), **POINTS)
    c05 = models.DecimalField("1–5月", default=Decimal(0), **POINTS)
    c06 = models.DecimalField("1–6月", default=Decimal(0), **POINTS)
    c07 = models.DecimalField("1–7月", default=Decimal(0), **POINTS)
    c08 = models.DecimalField("1–8月", default=Decimal(0), **POINTS)
    c09 = models.DecimalField("1–9月", default=Decimal(0), **POINTS)
    c10 = models.DecimalField("1–10月", default=Decimal(0), **POINTS)
    c11 = models.DecimalField("1–11月", default=Decimal(0), **POINTS)
    c12 = models.DecimalField("1–12月", default=Decimal(0), **POINTS)

    class Meta:
        verbose_name = "年度积分"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="ratings_year_once")]

    @staticmethod
    def through(months: int) -> str:
        """The column of months 1..``months``."""
        return f"c{months:02d}"


# ---- member stars (评星定级) --------------------------------------------------------------------


class Star(models.Model):
    """One star of the county's member star scale, as data: earned in a quarter when the member's
    points of its category reach the threshold (net of that category's deductions)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("星名", max_length=20)
    category = models.CharField("积分类别", max_length=20, choices=list(CATEGORIES.items()))
    threshold = models.DecimalField("季度积分门槛", help_text="本类别季度积分达到此分即可评为该星", **POINTS)
    order = models.PositiveSmallIntegerField("顺序", default=0)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "星级"

    def __str__(self):
        return self.name


class RatingsSettings(SettingsSingleton, models.Model):
    """The county's settings of ratings [C] (domain spec §4, Member stars)."""

    talk_at_or_below = models.PositiveSmallIntegerField(
        "谈话提醒星数", default=3, help_text="评定后星数不超过此数的党员，支部安排谈心谈话"
    )
    warning_at_or_below = models.PositiveSmallIntegerField(
        "警示星数", default=1, help_text="评定后星数不超过此数的党员，给予警示"
    )
    follow_up_days = models.PositiveSmallIntegerField("谈话、警示完成期限（天）", default=30)
    top_share_target = models.PositiveSmallIntegerField("满星党员目标比例（%）", default=10)
    weak_share = models.PositiveSmallIntegerField(
        "软弱涣散建议比例（%）", default=10, help_text="每年按堡垒指数从低到高建议的党支部比例"
    )
    weak_months = models.PositiveSmallIntegerField("整顿期限（月）", default=12)
    # Set on the organization checklists page (services.set_org_star_target), not on the stars
    # settings form.
    org_star_target = models.PositiveSmallIntegerField(
        "五星党组织目标比例（%）", default=60, help_text="年度星级评定中达到五星的党组织应占的比例"
    )
    model_post_share = models.PositiveSmallIntegerField(
        "党员示范岗建议比例（%）", default=10, help_text="每季度按积分从高到低建议的示范岗党员比例，向上取整"
    )

    # The county's grade rule of the secretaries' appraisal (述职评议): a new round starts from it
    # and keeps its own copy (AppraisalRound), so changing it never touches a round already open.
    appraisal_good_at_least = models.PositiveSmallIntegerField(
        "述职评议「好」票比例（%）", default=50, help_text="「好」票占有效票的比例不低于此数，评为好"
    )
    appraisal_fair_at_least = models.PositiveSmallIntegerField(
        "述职评议满意率（%）", default=70, help_text="满意率（好+较好）不低于此数，评为较好"
    )
    appraisal_poor_over = models.PositiveSmallIntegerField(
        "述职评议「差」票比例（%）", default=30, help_text="「差」票占有效票的比例超过此数，评为差（优先于其他等次）"
    )

    SETTINGS_FIELDS = [
        "talk_at_or_below",
        "warning_at_or_below",
        "follow_up_days",
        "top_share_target",
        "weak_share",
        "weak_months",
        "model_post_share",
        "appraisal_good_at_least",
        "appraisal_fair_at_least",
        "appraisal_poor_over",
    ]
    # The settings fields that are percentages (0–100).
    PERCENT_FIELDS = ("appraisal_good_at_least", "appraisal_fair_at_least", "appraisal_poor_over")

    class Meta:
        verbose_name = "考核评价设置"


class StarReview(TimestampedModel):
    """One quarter's star review of one branch: the platform proposes, the branch decides."""

    scope_path = "organization__path"

    class State(models.TextChoices):
        PROPOSED = "proposed", "待支部评定"
        DECIDED = "decided", "已评定"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="star_reviews"
    )
    quarter = models.DateField("季度")  # the quarter's first day
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("评定时间", null=True, blank=True)

    class Meta:
        ordering = ["-quarter", "organization__path"]
        verbose_name = "季度评星"
        constraints = [models.UniqueConstraint(fields=["organization", "quarter"], name="ratings_review_once")]

    def __str__(self):
        return f"{self.organization} {self.quarter_label}评星"

    @property
    def quarter_label(self) -> str:
        return f"{self.quarter.year}年第{(self.quarter.month - 1) // 3 + 1}季度"


class StarDecision(models.Model):
    """摘星授星: one star of one member in one review — what the platform proposed from the
    points (``basis``), what the branch decided, and a township's overruling, each with a reason."""

    scope_path = "review__organization__path"
    member_scope = "member_id"

    class Action(models.TextChoices):
        GRANT = "grant", "授星"
        KEEP = "keep", "保留"
        REMOVE = "remove", "摘星"
        NONE = "none", "不授星"

    HOLDS = (Action.GRANT, Action.KEEP)

    review = models.ForeignKey(StarReview, on_delete=models.CASCADE, related_name="decisions")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    star = models.ForeignKey(Star, on_delete=models.PROTECT, related_name="+")
    held_before = models.BooleanField("评定前持有")
    points = models.DecimalField("季度本类积分", **POINTS)
    proposed = models.CharField("系统建议", max_length=10, choices=Action.choices)
    decision = models.CharField("支部评定", max_length=10, choices=Action.choices)
    reason = models.CharField("改变建议的理由", max_length=200, blank=True)
    overruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overrule_reason = models.CharField("上级改变理由", max_length=200, blank=True)
    final = models.CharField("结果", max_length=10, choices=Action.choices)

    class Meta:
        ordering = ["review", "member_id", "star__order"]
        verbose_name = "摘星授星"
        constraints = [models.UniqueConstraint(fields=["review", "member", "star"], name="ratings_decision_once")]
        indexes = [models.Index(fields=["member", "star"], name="ratings_decision_member_idx")]

    @property
    def holds(self) -> bool:
        return self.final in self.HOLDS


class MemberStars(models.Model):
    """How many stars a member ends a decided review's quarter with (the decisions' final results
    that hold a star), kept with the decisions: written when the branch decides and when the level
    above overrules (services._follow_ups), in the same transaction. The command card, the list of
    members by number of stars and the trend count these rows instead of grouping the decisions
    (a city: 349,000 members × 5 stars a quarter)."""

    scope_path = "review__organization__path"
    member_scope = "member_id"

    review = models.ForeignKey("StarReview", on_delete=models.CASCADE, related_name="member_stars")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    quarter = models.DateField("季度")  # the review's quarter, kept here to filter without a join
    stars = models.PositiveSmallIntegerField("星数")

    class Meta:
        verbose_name = "党员季度星数"
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="ratings_member_stars_once")]
        indexes = [models.Index(fields=["quarter", "stars"], name="ratings_member_stars_q")]


class FollowUp(TimestampedModel):
    """A talk (谈心谈话) or a formal warning (警示) for a member left with few stars, with a deadline."""

    scope_path = "review__organization__path"
    member_scope = "member_id"

    class Kind(models.TextChoices):
        TALK = "talk", "谈心谈话"
        WARNING = "warning", "警示"

    review = models.ForeignKey(StarReview, on_delete=models.CASCADE, related_name="follow_ups")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField("方式", max_length=10, choices=Kind.choices)
    stars = models.PositiveSmallIntegerField("评定后星数")
    deadline = models.DateField("完成期限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    note = models.CharField("情况", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = "谈话警示"
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="ratings_follow_up_once")]


class IndexWeight(models.Model):
    """The county's weight of one component of an index (堡垒指数); a component without a row
    weighs its default (jiceng/core/indices.py)."""

    index = models.CharField("指数", max_length=20)
    component = models.CharField("组成项", max_length=40)
    weight = models.PositiveSmallIntegerField("权重")

    class Meta:
        verbose_name = "指数权重"
        constraints = [models.UniqueConstraint(fields=["index", "component"], name="ratings_weight_once")]


class IndexScore(models.Model):
    """An organization's index for a year as last computed (nightly, or on a manager's request),
    with every component as it was: weight, numerator, denominator, how it reads and the link to
    its records. The page reads these rows; `manage.py` and the job write them."""

    scope_path = "organization__path"

    index = models.CharField("指数", max_length=20)
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("指数", null=True, blank=True, **POINTS)
    parts = models.JSONField("组成项", default=list)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "指数"
        constraints = [
            models.UniqueConstraint(fields=["index", "organization", "year"], name="ratings_index_score_once")
        ]


# ---- weak organizations (软弱涣散党组织整顿) ----------------------------------------------------


class WeakOrganization(TimestampedModel):
    """One organization designated weak for a year, and its rectification ledger (整顿台账):
    designated → rectifying → applied for acceptance → accepted (销号), or extended."""

    scope_path = "organization__path"

    class State(models.TextChoices):
        DESIGNATED = "designated", "已确定"
        RECTIFYING = "rectifying", "整顿中"
        APPLIED = "applied", "申请销号"
        ACCEPTED = "accepted", "已销号"
        EXTENDED = "extended", "延期整顿"

    OPEN = (State.DESIGNATED, State.RECTIFYING, State.APPLIED, State.EXTENDED)

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="weak_designations"
    )
    year = models.PositiveSmallIntegerField("年度")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.DESIGNATED)
    reason = models.TextField("确定理由")
    index_value = models.DecimalField("确定时堡垒指数", null=True, blank=True, **POINTS)
    proposed = models.BooleanField("系统建议", default=False)
    weak_organization = models.BooleanField("组织软弱", default=True)
    weak_economy = models.BooleanField("经济薄弱", default=False)
    weak_services = models.BooleanField("服务能力弱", default=False)
    leader = models.CharField("包联领导", max_length=100)
    deadline = models.DateField("整顿期限")
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_on = models.DateField("销号日期", null=True, blank=True)

    class Meta:
        ordering = ["-year", "organization__path"]
        verbose_name = "软弱涣散党组织"
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="ratings_weak_once")]

    def __str__(self):
        return f"{self.organization} {self.year}年整顿"

    @property
    def three_weak(self) -> bool:
        return self.weak_organization and self.weak_economy and self.weak_services


class RectificationTask(TimestampedModel):
    """A measure of the ledger with its owner and deadline (整改任务)."""

    scope_path = "weak__organization__path"

    weak = models.ForeignKey(WeakOrganization, on_delete=models.CASCADE, related_name="tasks")
    measure = models.CharField("整顿措施", max_length=300)
    owner = models.CharField("责任人", max_length=100)
    deadline = models.DateField("完成期限")
    done_on = models.DateField("完成日期", null=True, blank=True)
    result = models.CharField("完成情况", max_length=300, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = "整顿任务"


class RectificationEvent(AppendOnlyModel):
    """The ledger's timeline: progress notes, state changes, interviews (约谈) and replacements
    (调整), each with who and when."""

    append_only_label = "整顿记录"
    scope_path = "weak__organization__path"

    class Kind(models.TextChoices):
        NOTE = "note", "进展"
        STATE = "state", "状态变更"
        INTERVIEW = "interview", "约谈书记"
        REPLACEMENT = "replacement", "调整书记"

    weak = models.ForeignKey(WeakOrganization, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    text = models.TextField("内容")
    at = models.DateTimeField("时间", auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = "整顿记录"


# ---- secretaries' annual report and appraisal (书记抓基层党建述职评议考核) ----------------------


class AppraisalRound(TimestampedModel):
    """One year's appraisal run by an organizer (the county appraises the secretaries of its
    townships, a township those of its branches): each reportee secretary files a report, the
    reviewers vote 好 / 较好 / 一般 / 差, closing keeps the results. The grade rule is stored with
    the round (county practice [C], defaults below), so a closed round keeps the rule it used."""

    scope_path = "organizer__path"

    class State(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    organizer = models.ForeignKey(
        "orgs.Organization", verbose_name="组织单位", on_delete=models.PROTECT, related_name="appraisal_rounds"
    )
    year = models.PositiveSmallIntegerField("年度")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    vote_from = models.DateField("测评开始日期")
    vote_until = models.DateField("测评截止日期")
    good_at_least = models.PositiveSmallIntegerField(
        "评为「好」的好票比例（%）", default=50, help_text="「好」票占有效票的比例不低于此数，评为好"
    )
    fair_at_least = models.PositiveSmallIntegerField(
        "评为「较好」的满意率（%）", default=70, help_text="满意率（好+较好）不低于此数，评为较好"
    )
    poor_over = models.PositiveSmallIntegerField(
        "评为「差」的差票比例（%）", default=30, help_text="「差」票占有效票的比例超过此数，评为差（优先于其他等次）"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-year", "organizer__path"]
        verbose_name = "述职评议"
        constraints = [models.UniqueConstraint(fields=["organizer", "year"], name="ratings_appraisal_round_once")]

    def __str__(self):
        return f"{self.organizer} {self.year}年度书记述职评议"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class AppraisalReviewer(models.Model):
    """A user account the organizer's managers added to vote in the round (评议人)."""

    scope_path = "round__organizer__path"

    round = models.ForeignKey(AppraisalRound, on_delete=models.CASCADE, related_name="reviewers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="评议人", on_delete=models.PROTECT, related_name="+"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["round", "id"]
        verbose_name = "评议人"
        constraints = [models.UniqueConstraint(fields=["round", "user"], name="ratings_appraisal_reviewer_once")]


class AppraisalReport(TimestampedModel):
    """One secretary's report (述职报告) in a round, with the organization's figures frozen at
    submission (`figures`), the paper votes entered by staff and, once the round closes, the
    kept result (counts per grade, 满意率, grade)."""

    scope_path = "organization__path"

    class State(models.TextChoices):
        DRAFT = "draft", "待提交"
        SUBMITTED = "submitted", "已提交"

    round = models.ForeignKey(AppraisalRound, on_delete=models.CASCADE, related_name="reports")
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    secretary_name = models.CharField("书记", max_length=50)
    post = models.CharField("职务", max_length=50)
    secretary_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="述职人账号",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)
    work_done = models.TextField("履职情况及成效", blank=True)
    problems = models.TextField("存在的问题", blank=True)
    causes = models.TextField("原因分析", blank=True)
    plans = models.TextField("下一步工作打算", blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # The organizer's staff may return a submitted report before anybody has voted on it
    # (services.appraisal.return_report): it is a draft again, with the reason shown to the secretary.
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    returned_reason = models.CharField("退回原因", max_length=500, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    figures = models.JSONField("提交时的工作数据", default=list)
    paper_good = models.PositiveIntegerField("纸质票·好", default=0)
    paper_fair = models.PositiveIntegerField("纸质票·较好", default=0)
    paper_average = models.PositiveIntegerField("纸质票·一般", default=0)
    paper_poor = models.PositiveIntegerField("纸质票·差", default=0)
    good = models.PositiveIntegerField("好", null=True, blank=True)
    fair = models.PositiveIntegerField("较好", null=True, blank=True)
    average = models.PositiveIntegerField("一般", null=True, blank=True)
    poor = models.PositiveIntegerField("差", null=True, blank=True)
    satisfaction = models.DecimalField("满意率（%）", max_digits=5, decimal_places=1, null=True, blank=True)
    grade = models.CharField("评议等次", max_length=10, blank=True)

    class Meta:
        ordering = ["round", "organization__path"]
        verbose_name = "书记述职"
        constraints = [models.UniqueConstraint(fields=["round", "organization"], name="ratings_appraisal_report_once")]

    def __str__(self):
        return f"{self.secretary_name}（{self.organization}）述职"


class AppraisalVote(models.Model):
    """One reviewer's vote on one secretary: cast once, never changed (like a paper ballot)."""

    scope_path = "report__round__organizer__path"

    class Grade(models.TextChoices):
        GOOD = "good", "好"
        FAIR = "fair", "较好"
        AVERAGE = "average", "一般"
        POOR = "poor", "差"

    report = models.ForeignKey(AppraisalReport, on_delete=models.CASCADE, related_name="votes")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField("评价", max_length=10, choices=Grade.choices)
    at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        verbose_name = "评议票"
        constraints = [models.UniqueConstraint(fields=["report", "reviewer"], name="ratings_appraisal_vote_once")]


# ---- inspections (督查) and accountability (问责) ------------------------------------------------


class InspectionRound(TimestampedModel):
    """One inspection round (督查) run by a township or the county over a set of organizations
    of its subtree, with a scored checklist (data: ``[{"code", "name", "max"}]``). Results are
    entered while the round is open; closing makes them final, ranks the organizations and runs
    the bottom-3-twice rule (rules.bottom_three_twice)."""

    scope_path = "organizer__path"

    class Kind(models.TextChoices):
        ON_SITE = "on_site", "明察"
        UNANNOUNCED = "unannounced", "暗访"

    class State(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    organizer = models.ForeignKey(
        "orgs.Organization", verbose_name="组织单位", on_delete=models.PROTECT, related_name="inspection_rounds"
    )
    name = models.CharField("督查名称", max_length=100)
    kind = models.CharField("方式", max_length=20, choices=Kind.choices, default=Kind.ON_SITE)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    checklist = models.JSONField("评分细则", default=list)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    class Meta:
        ordering = ["-ends_on", "-pk"]
        verbose_name = "督查"
        indexes = [models.Index(fields=["organizer", "state", "ends_on"], name="ratings_inspection_org_idx")]

    def __str__(self):
        return self.name

    @property
    def max_total(self) -> Decimal:
        return sum((Decimal(str(i["max"])) for i in self.checklist), Decimal(0))


class InspectionResult(TimestampedModel):
    """One inspected organization of a round: the score of each checklist item (``scores``:
    code → points, as strings), the total, a note, photos and the inspector. ``total`` is None
    until the result is entered."""

    # The organizer sees its round; the inspected organization (and those above it) its own row.
    scope_paths = ("round__organizer__path", "organization__path")

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="results")
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="被督查组织", on_delete=models.PROTECT, related_name="+"
    )
    scores = models.JSONField("各项得分", default=dict)
    total = models.DecimalField("总分", null=True, blank=True, **POINTS)
    note = models.TextField("发现问题", blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="督查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scored_at = models.DateTimeField("评分时间", null=True, blank=True)

    class Meta:
        ordering = ["round", "organization__path"]
        verbose_name = "督查结果"
        constraints = [models.UniqueConstraint(fields=["round", "organization"], name="ratings_inspection_result_once")]
        indexes = [models.Index(fields=["organization", "round"], name="ratings_inspection_res_org")]


class InspectionPhoto(PhotoModel):
    photo_folder = "inspections"
    scope_paths = ("result__round__organizer__path", "result__organization__path")

    result = models.ForeignKey(InspectionResult, on_delete=models.CASCADE, related_name="photos")

    class Meta(PhotoModel.Meta):
        verbose_name = "督查照片"


class Accountability(TimestampedModel):
    """问责记录: opened for an organization's secretary when the organization is in the bottom 3
    of two consecutive closed rounds of the same organizer (``round`` the later, ``previous``
    the earlier); the organizer's managers record how it was handled."""

    scope_paths = ("round__organizer__path", "organization__path")

    class State(models.TextChoices):
        OPEN = "open", "待处理"
        HANDLED = "handled", "已处理"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    round = models.ForeignKey(InspectionRound, verbose_name="督查", on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(InspectionRound, verbose_name="上一轮督查", on_delete=models.PROTECT, related_name="+")
    secretary_name = models.CharField("书记", max_length=50, blank=True)
    reason = models.CharField("问责原因", max_length=300)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    outcome = models.TextField("处理结果", blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "问责记录"
        constraints = [models.UniqueConstraint(fields=["organization", "round"], name="ratings_accountability_once")]


# ---- organization star ratings (星级党组织评定) ---------------------------------------------------


class OrgChecklist(models.Model):
    """One version of an organization checklist (评星标准) for one kind of organization (五个好、
    五强、五优、五有), in force from ``valid_from`` (a year) until the kind's next version. A change
    is a new version, so a rating keeps the version it used. ``standards`` is data:
    ``[{"code", "name", "items": [{"code", "name", "mode": "auto"|"manual", "component",
    "threshold"}]}]`` (rules.parse_org_checklist); an automatic item passes when its component's
    figure reaches the threshold (percent), a manual one when the reviewer says so."""

    class Kind(models.TextChoices):
        FIVE_GOOD = "five_good", "五个好"
        FIVE_STRONG = "five_strong", "五强"
        FIVE_EXCELLENT = "five_excellent", "五优"
        FIVE_HAVES = "five_haves", "五有"

    kind = models.CharField("适用类别", max_length=20, choices=Kind.choices)
    valid_from = models.PositiveSmallIntegerField("起用年度", help_text="该年度起的评定按本版本")
    name = models.CharField("名称", max_length=100)
    standards = models.JSONField("标准与细则", default=list)
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("制定时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "-valid_from"]
        verbose_name = "星级评定标准"
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"], name="ratings_org_checklist_once")]

    def __str__(self):
        return f"{self.name}（{self.valid_from}年起）"


class OrgRating(TimestampedModel):
    """An organization's star rating for a year (星级评定): every item of the checklist version it
    used, with the figure as it was computed (``items``: code, standard, name, mode, component,
    threshold, value, numerator, denominator, text, url, passed, note, scored_by, scored_at),
    and the stars (standards whose items all pass). The platform proposes, the level above
    scores the manual items and confirms."""

    scope_path = "organization__path"

    class State(models.TextChoices):
        PROPOSED = "proposed", "待评审"
        CONFIRMED = "confirmed", "已确认"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("年度")
    checklist = models.ForeignKey(OrgChecklist, verbose_name="评定标准", on_delete=models.PROTECT, related_name="+")
    items = models.JSONField("各项结果", default=list)
    stars = models.PositiveSmallIntegerField("星级", default=0)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PROPOSED)
    computed_at = models.DateTimeField("计算时间")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    class Meta:
        ordering = ["year", "organization__path"]
        verbose_name = "星级评定"
        constraints = [models.UniqueConstraint(fields=["organization", "year"], name="ratings_org_rating_once")]
        indexes = [models.Index(fields=["year", "stars"], name="ratings_org_rating_stars")]


class OrgRatingPhoto(PhotoModel):
    """A reviewer's evidence photo for one manual item of a rating."""

    photo_folder = "orgratings"
    scope_path = "rating__organization__path"

    rating = models.ForeignKey(OrgRating, on_delete=models.CASCADE, related_name="photos")
    item = models.CharField("细则代码", max_length=20)

    class Meta(PhotoModel.Meta):
        verbose_name = "星级评定佐证照片"


# ---- posts and pledges (设岗定责、承诺践诺) ------------------------------------------------------


class Post(TimestampedModel):
    """A post of an organization's catalogue (设岗定责): what it asks of its holders, and how many
    members it takes. Members claim a post (认岗领责, `PostHolding`); each month the branch records
    whether each holder fulfilled its duties (`PostDuty`), and a fulfilled month earns points."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        POLICY = "policy", "政策宣传岗"
        TECHNICAL = "technical", "技术帮扶岗"
        SERVICE = "service", "便民服务岗"
        MEDIATION = "mediation", "矛盾调解岗"
        ENVIRONMENT = "environment", "环境监督岗"
        ERRAND = "errand", "代办服务岗"
        OTHER = "other", "其他岗位"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="ratings_posts"
    )
    name = models.CharField("岗位名称", max_length=100)
    kind = models.CharField("岗位类别", max_length=20, choices=Kind.choices)
    duties = models.TextField("岗位职责")
    capacity = models.PositiveSmallIntegerField("定岗人数", default=1)
    active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["organization__path", "kind", "name", "pk"]
        verbose_name = "党员责任岗"

    def __str__(self):
        return self.name


class PostHolding(TimestampedModel):
    """认岗: a member on a post, from a date until a date. A member asks for a post (待审核) and a
    manager of the post's organization approves or rejects it; a manager may also assign a member
    at once. Holders are public to the organization's members (no member scope)."""

    scope_path = "post__organization__path"

    class State(models.TextChoices):
        REQUESTED = "requested", "待审核"
        ACTIVE = "active", "在岗"
        REJECTED = "rejected", "未通过"
        ENDED = "ended", "已离岗"

    post = models.ForeignKey(Post, verbose_name="岗位", on_delete=models.PROTECT, related_name="holdings")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.REQUESTED)
    since = models.DateField("上岗日期", null=True, blank=True)
    until = models.DateField("离岗日期", null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField("意见", max_length=200, blank=True)

    class Meta:
        ordering = ["post_id", "since", "pk"]
        verbose_name = "认岗"
        indexes = [models.Index(fields=["member", "state"], name="ratings_holding_member_idx")]

    def __str__(self):
        return f"{self.member} · {self.post}"

    def held_in(self, month) -> bool:
        """On the post for some day of ``month`` (a month's first day)."""
        from .rules import month_end

        return (
            self.state in (self.State.ACTIVE, self.State.ENDED)
            and self.since is not None
            and self.since <= month_end(month)
            and (self.until is None or self.until >= month)
        )


class PostDuty(TimestampedModel):
    """履岗记录: whether a holder fulfilled the post's duties in a month. The holder may log what
    they did (待确认); a manager of the post's organization confirms it fulfilled (已履职) or not
    (未履职). Only a confirmed fulfilment earns points (source ``ratings.post_duty``)."""

    scope_path = "holding__post__organization__path"
    member_scope = "holding__member_id"

    class State(models.TextChoices):
        LOGGED = "logged", "待确认"
        FULFILLED = "fulfilled", "已履职"
        UNFULFILLED = "unfulfilled", "未履职"

    holding = models.ForeignKey(PostHolding, on_delete=models.CASCADE, related_name="duties")
    month = models.DateField("月份")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.LOGGED)
    note = models.CharField("履职情况", max_length=300, blank=True)
    confirmed_on = models.DateField("确认日期", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["month", "holding_id"]
        verbose_name = "履岗记录"
        constraints = [models.UniqueConstraint(fields=["holding", "month"], name="ratings_duty_once")]
        indexes = [models.Index(fields=["month", "state"], name="ratings_duty_month_idx")]


class Pledge(TimestampedModel):
    """承诺事项: what a member publicly pledges for a year, with the date promised, and the branch's
    check (践诺): fulfilled, partly or not, with a note, on a date. A fulfilled pledge earns the
    item's points, a partly fulfilled one half (source ``ratings.pledge_kept``). Public to the
    organization's members (no member scope)."""

    scope_path = "member__organization__path"

    class State(models.TextChoices):
        PLEDGED = "pledged", "践诺中"
        FULFILLED = "fulfilled", "已兑现"
        PARTLY = "partly", "部分兑现"
        NOT = "not", "未兑现"

    CHECKED = (State.FULFILLED, State.PARTLY, State.NOT)

    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    content = models.CharField("承诺事项", max_length=300)
    due = models.DateField("承诺完成日期")
    state = models.CharField("践诺情况", max_length=20, choices=State.choices, default=State.PLEDGED)
    checked_on = models.DateField("核查日期", null=True, blank=True)
    check_note = models.CharField("核查说明", max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["member_id", "due", "pk"]
        verbose_name = "承诺事项"
        indexes = [
            models.Index(fields=["member", "year"], name="ratings_pledge_member_idx"),
            models.Index(fields=["checked_on", "state"], name="ratings_pledge_checked_idx"),
        ]

    def __str__(self):
        return f"{self.member} · {self.content}"


# ---- model posts (党员示范岗) --------------------------------------------------------------------


class ModelPost(models.Model):
    """党员示范岗: one member's standing in one quarter's star review of the branch. The platform
    proposes the top of the branch by the quarter's points (`RatingsSettings.model_post_share`,
    10% rounded up), the branch decides with the review (a change needs a reason), the level above
    may overrule afterwards. A member is a model post of the quarter when ``final`` is true in a
    decided review."""

    scope_path = "review__organization__path"

    review = models.ForeignKey(StarReview, on_delete=models.CASCADE, related_name="model_posts")
    member = models.ForeignKey("members.Member", verbose_name="党员", on_delete=models.CASCADE, related_name="+")
    points = models.DecimalField("季度积分", **POINTS)
    rank = models.PositiveIntegerField("支部排名")
    proposed = models.BooleanField("系统建议")
    decision = models.BooleanField("支部评定")
    reason = models.CharField("改变建议的理由", max_length=200, blank=True)
    final = models.BooleanField("结果")
    overruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overrule_reason = models.CharField("上级改变理由", max_length=200, blank=True)

    class Meta:
        ordering = ["review", "rank", "member_id"]
        verbose_name = "党员示范岗"
        constraints = [models.UniqueConstraint(fields=["review", "member"], name="ratings_model_post_once")]
        indexes = [models.Index(fields=["member", "final"], name="ratings_model_post_member_idx")]


# ---- the vanguard index (先锋指数) -----------------------------------------------------------------


class MemberIndexScore(models.Model):
    """A member's index for a year as last computed (the vanguard index), with every component as
    it was. A table of its own rather than a member column on `IndexScore`: the branch rows keep
    their key, and the member rows (twenty times as many) are filtered by the member's
    organization at the time of computing (``organization``) and ranked by ``value``."""

    scope_path = "organization__path"
    member_scope = "member_id"

    index = models.CharField("指数", max_length=20)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("指数", null=True, blank=True, **POINTS)
    parts = models.JSONField("组成项", default=list)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "党员指数"
        constraints = [models.UniqueConstraint(fields=["index", "member", "year"], name="ratings_member_index_once")]
        indexes = [models.Index(fields=["index", "year", "value"], name="ratings_member_index_rank")]
