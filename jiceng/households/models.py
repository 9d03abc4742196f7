"""Registered and monitored households (建档立卡户, 防返贫监测户), their people, income, the checks of
"two no-worries, three guarantees" and safe drinking water, the help plan (一户一策) and the pairing
of cadres with households (结对帮扶) with the responsibility chain above it (包联).

Domain spec §7. Visit logs and relapse flags (the next part of issue 14) attach to a Household and
a Pair: both keep their rows when a pair ends (``ends_on``), so a visit can name the pair it was
made under.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from jiceng.core.cases import AppendOnlyModel, PhotoModel, SettingsSingleton
from jiceng.core.masking import mask_phone
from jiceng.core.models import TimestampedModel


class Household(TimestampedModel):
    """One household on record in a village (or community)."""

    scope_path = "village__path"

    class Kind(models.TextChoices):
        REGISTERED = "registered", "建档立卡户"
        MONITORED = "monitored", "防返贫监测户"

    class Status(models.TextChoices):
        POOR = "poor", "未脱贫"
        OUT = "out", "已脱贫"
        MONITORED = "monitored", "监测帮扶中"
        RISK_REMOVED = "risk_removed", "风险已消除"

    class Cause(models.TextChoices):
        ILLNESS = "illness", "因病"
        DISABILITY = "disability", "因残"
        SCHOOLING = "schooling", "因学"
        DISASTER = "disaster", "因灾"
        LAND = "land", "缺土地"
        WATER = "water", "缺水"
        SKILLS = "skills", "缺技术"
        LABOUR = "labour", "缺劳动力"
        CAPITAL = "capital", "缺资金"
        TRANSPORT = "transport", "交通条件落后"
        MOTIVATION = "motivation", "自身发展动力不足"
        OTHER = "other", "其他"

    number = models.CharField("户编号", max_length=30, unique=True)
    village = models.ForeignKey(
        "orgs.Organization", verbose_name="所在村（社区）", on_delete=models.PROTECT, related_name="households"
    )
    kind = models.CharField("户类别", max_length=20, choices=Kind.choices, default=Kind.REGISTERED)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.POOR)
    head_name = models.CharField("户主姓名", max_length=50)
    address = models.CharField("家庭住址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    cause = models.CharField("主要致贫（返贫）原因", max_length=20, choices=Cause.choices)
    other_causes = models.JSONField("其他致贫原因", default=list, blank=True)
    identified_year = models.PositiveSmallIntegerField("识别（纳入）年度", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    import_batch = models.ForeignKey(
        "imports.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="households"
    )

    class Meta:
        ordering = ["village__path", "number"]
        verbose_name = "帮扶户"
        indexes = [
            models.Index(fields=["village", "status"], name="household_village_status_idx"),
            models.Index(fields=["status"], name="household_status_idx"),
        ]

    def __str__(self):
        return f"{self.head_name}户（{self.number}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def other_cause_labels(self) -> list[str]:
        labels = dict(self.Cause.choices)
        return [labels.get(c, c) for c in self.other_causes or []]


class HouseholdStatusChange(AppendOnlyModel):
    """Every status change of a household, kept in step with Household.status."""

    append_only_label = "帮扶户状态记录"
    scope_path = "household__village__path"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("原状态", max_length=20, choices=Household.Status.choices, blank=True)
    to_status = models.CharField("新状态", max_length=20, choices=Household.Status.choices)
    on = models.DateField("日期")
    reason = models.CharField("原因", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = "帮扶户状态变更"


class HouseholdMember(TimestampedModel):
    """A person of a household. The ID number is stored as for party members (encrypted, keyed
    digest, masked form; jiceng.core.idnumbers): lists, exports and the API show the masked form."""

    scope_path = "household__village__path"

    class Relation(models.TextChoices):
        HEAD = "head", "户主"
        SPOUSE = "spouse", "配偶"
        CHILD = "child", "子女"
        PARENT = "parent", "父母"
        GRANDCHILD = "grandchild", "孙子女"
        SIBLING = "sibling", "兄弟姐妹"
        OTHER = "other", "其他"

    class Health(models.TextChoices):
        HEALTHY = "healthy", "健康"
        CHRONIC = "chronic", "长期慢性病"
        SERIOUS = "serious", "患有大病"
        DISABLED = "disabled", "残疾"

    class Schooling(models.TextChoices):
        PRESCHOOL = "preschool", "学龄前儿童"
        IN_SCHOOL = "in_school", "在校生"
        ILLITERATE = "illiterate", "文盲或半文盲"
        PRIMARY = "primary", "小学"
        JUNIOR = "junior", "初中"
        SENIOR = "senior", "高中（中专）"
        COLLEGE = "college", "大专及以上"

    class Work(models.TextChoices):
        SKILLED = "skilled", "技能劳动力"
        ORDINARY = "ordinary", "普通劳动力"
        WEAK = "weak", "弱劳动力或半劳动力"
        LOST = "lost", "丧失劳动力"
        NONE = "none", "无劳动力"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="people")
    name = models.CharField("姓名", max_length=50)
    relation = models.CharField("与户主关系", max_length=20, choices=Relation.choices)
    gender = models.CharField("性别", max_length=10, choices=[("male", "男"), ("female", "女")])
    birth_date = models.DateField("出生日期")
    id_number_encrypted = models.TextField("公民身份号码（加密）", editable=False)
    id_number_digest = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField("公民身份号码", max_length=18, editable=False)
    health = models.CharField("健康状况", max_length=20, choices=Health.choices, default=Health.HEALTHY)
    schooling = models.CharField("文化程度", max_length=20, choices=Schooling.choices, blank=True)
    work = models.CharField("劳动技能", max_length=20, choices=Work.choices, blank=True)
    work_place = models.CharField("务工情况", max_length=100, blank=True, help_text="如：本地务工、外出务工（广东）")

    class Meta:
        ordering = ["household", "id"]
        verbose_name = "家庭成员"

    def __str__(self):
        return self.name


class Income(models.Model):
    """A household's income of one year from one source (yuan)."""

    scope_path = "household__village__path"

    class Source(models.TextChoices):
        WAGES = "wages", "工资性收入"
        BUSINESS = "business", "生产经营性收入"
        PROPERTY = "property", "财产性收入"
        TRANSFER = "transfer", "转移性收入"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField("年度")
    source = models.CharField("收入来源", max_length=20, choices=Source.choices)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2, default=Decimal("0.00"))

    class Meta:
        ordering = ["household", "-year", "source"]
        verbose_name = "家庭收入"
        constraints = [
            models.UniqueConstraint(fields=["household", "year", "source"], name="household_income_once"),
        ]


class GuaranteeCheck(AppendOnlyModel):
    """One check of one item of 两不愁三保障 or of safe drinking water. Checks are added, never
    changed: a household's current state of an item is its latest check."""

    append_only_label = "核查记录"
    scope_path = "household__village__path"

    class Item(models.TextChoices):
        FOOD = "food", "不愁吃"
        CLOTHING = "clothing", "不愁穿"
        EDUCATION = "education", "义务教育有保障"
        MEDICAL = "medical", "基本医疗有保障"
        HOUSING = "housing", "住房安全有保障"
        WATER = "water", "饮水安全有保障"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="checks")
    item = models.CharField("核查项目", max_length=20, choices=Item.choices)
    checked_on = models.DateField("核查日期")
    met = models.BooleanField("是否达标")
    checked_by = models.CharField("核查人", max_length=50)
    note = models.CharField("情况说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["household", "-checked_on", "-id"]
        verbose_name = "两不愁三保障核查"
        indexes = [models.Index(fields=["household", "item", "checked_on"], name="household_check_item_idx")]


class Measure(TimestampedModel):
    """One measure of a household's help plan (一户一策)."""

    scope_path = "household__village__path"

    class Category(models.TextChoices):
        INDUSTRY = "industry", "产业帮扶"
        EMPLOYMENT = "employment", "就业帮扶"
        EDUCATION = "education", "教育帮扶"
        HEALTH = "health", "健康帮扶"
        HOUSING = "housing", "住房保障"
        SOCIAL = "social", "社会保障兜底"
        FINANCE = "finance", "金融帮扶"
        OTHER = "other", "其他"

    class State(models.TextChoices):
        PLANNED = "planned", "计划中"
        ONGOING = "ongoing", "实施中"
        DONE = "done", "已完成"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="measures")
    category = models.CharField("措施类别", max_length=20, choices=Category.choices)
    content = models.CharField("帮扶内容", max_length=300)
    owner = models.CharField("责任人（单位）", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("完成期限", null=True, blank=True)
    money = models.DecimalField("投入资金（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    state = models.CharField("进展", max_length=20, choices=State.choices, default=State.PLANNED)
    outcome = models.CharField("成效", max_length=300, blank=True)

    class Meta:
        ordering = ["household", "starts_on", "id"]
        verbose_name = "帮扶措施"


class Cadre(TimestampedModel):
    """A help cadre (帮扶干部): a party member or not, from any unit. Filed under the organization
    where the cadre helps (a township or a village), so its managers keep the register."""

    scope_path = "organization__path"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="帮扶所在乡镇（村）", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("姓名", max_length=50)
    unit = models.CharField("工作单位", max_length=100)
    post = models.CharField("职务", max_length=50, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    member = models.ForeignKey(
        "members.Member",
        verbose_name="对应党员",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="是党员的，可关联党员档案",
    )
    # A cadre who is not a party member logs in with a resident's account (群众, ADR 0033); a
    # member cadre uses their member account (``member``). Either reaches their open pairs only.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="登录账号",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="help_cadre",
    )
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        ordering = ["organization__path", "name", "id"]
        verbose_name = "帮扶干部"

    def __str__(self):
        return f"{self.name}（{self.unit}）"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Pair(TimestampedModel):
    """A cadre paired with a household (结对帮扶), from ``starts_on`` until ``ends_on``. A
    household has at most one open pair; a change of cadre ends the open pair and starts a new
    one, so the rows are the pairing's history."""

    scope_path = "household__village__path"

    cadre = models.ForeignKey(Cadre, verbose_name="帮扶干部", on_delete=models.PROTECT, related_name="pairs")
    household = models.ForeignKey(Household, verbose_name="帮扶户", on_delete=models.PROTECT, related_name="pairs")
    starts_on = models.DateField("结对日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=200, blank=True)

    class Meta:
        ordering = ["household", "-starts_on", "-id"]
        verbose_name = "结对帮扶"
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(ends_on__isnull=True), name="household_one_open_pair"
            ),
        ]
        indexes = [
            models.Index(fields=["cadre"], condition=models.Q(ends_on__isnull=True), name="pair_open_cadre_idx"),
        ]

    @property
    def is_open(self) -> bool:
        return self.ends_on is None


class Responsibility(TimestampedModel):
    """包联: a county leader responsible for a township, or a department for a village (the
    levels above the cadre–household pair)."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        LEADER_TOWNSHIP = "leader_township", "县级领导包乡镇"
        DEPARTMENT_VILLAGE = "department_village", "部门包村"

    kind = models.CharField("包联类别", max_length=30, choices=Kind.choices)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="包联乡镇（村）", on_delete=models.PROTECT, related_name="+"
    )
    person = models.CharField("责任人", max_length=50, help_text="县级领导姓名，或部门负责人姓名")
    unit = models.CharField("单位（职务）", max_length=100)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        ordering = ["organization__path", "kind", "-starts_on", "id"]
        verbose_name = "包联责任"


class Visit(TimestampedModel):
    """A cadre's visit to a household (帮扶日志 / 走访): when, what was done, problems raised, photos.
    ``pair`` is the pair open on the visit's day (None for a visit by a cadre not paired with the
    household, such as a village cadre's universal visit). A visit recorded more than
    ``HouseholdsSettings.visit_late_days`` days after it took place is marked late; after
    ``visit_edit_days`` days from its recording it is no longer changed, only annotated."""

    scope_path = "household__village__path"

    household = models.ForeignKey(Household, verbose_name="帮扶户", on_delete=models.PROTECT, related_name="visits")
    pair = models.ForeignKey(
        Pair, verbose_name="结对", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    cadre = models.ForeignKey(Cadre, verbose_name="走访干部", on_delete=models.PROTECT, related_name="visits")
    visited_at = models.DateTimeField("走访时间")
    content = models.TextField("帮扶内容", help_text="做了什么：宣讲政策、了解收入、帮办事项等")
    location = models.CharField("位置", max_length=200, blank=True, help_text="选填")
    late = models.BooleanField("补录", default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = "帮扶走访"
        indexes = [models.Index(fields=["household", "visited_at"], name="household_visit_idx")]


class VisitProblem(TimestampedModel):
    """A problem the household raised on a visit; one action passes it on to the request system
    (channel 帮扶走访), after which it follows the request."""

    scope_path = "visit__household__village__path"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="raised")
    description = models.CharField("问题", max_length=500)
    request = models.ForeignKey(
        "requests.Request", verbose_name="群众诉求", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    passed_at = models.DateTimeField("转交时间", null=True, blank=True)
    passed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["visit", "id"]
        verbose_name = "走访反映的问题"


class VisitPhoto(PhotoModel):
    scope_path = "visit__household__village__path"
    photo_folder = "household-visits"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")

    class Meta(PhotoModel.Meta):
        verbose_name = "走访照片"


class VisitNote(AppendOnlyModel):
    """A note added to a visit after it was recorded (the only change once it is locked)."""

    append_only_label = "走访补充说明"
    scope_path = "visit__household__village__path"

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="notes")
    text = models.CharField("补充说明", max_length=500)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "id"]
        verbose_name = "走访补充说明"


class HouseholdsSettings(SettingsSingleton, models.Model):
    """The county's settings of household work [C] (domain spec §7)."""

    pairs_per_cadre = models.PositiveSmallIntegerField(
        "每名干部结对户数上限", default=5, help_text="一名帮扶干部同时结对的帮扶户不超过此数"
    )
    income_line = models.DecimalField(
        "防返贫监测收入线（元/人·年）",
        max_digits=10,
        decimal_places=2,
        default=Decimal("7000.00"),
        help_text="家庭年人均纯收入低于此数的，列入返贫风险预警（返贫监测预警标准中的收入标准即用此线）",
    )

    visit_late_days = models.PositiveSmallIntegerField(
        "走访补录天数", default=3, help_text="走访后超过此天数才登记的，标记为补录"
    )
    visit_edit_days = models.PositiveSmallIntegerField(
        "走访记录可修改天数", default=7, help_text="登记后超过此天数，走访记录不能修改，只能补充说明"
    )

    exit_check_days = models.PositiveSmallIntegerField(
        "退出核查：两不愁三保障核查有效期（天）",
        default=365,
        help_text="退出核查时，六项核查都须在此天数内做过且最近一次达标",
    )
    village_exit_poor_share = models.DecimalField(
        "村退出：未脱贫户占比上限（%）",
        max_digits=5,
        decimal_places=2,
        default=Decimal("2.00"),
        help_text="村（社区）退出核查时，未脱贫户占本村帮扶户的比例不得超过此数",
    )

    SETTINGS_FIELDS = ["pairs_per_cadre", "income_line", "visit_late_days", "visit_edit_days"]
    SETTINGS_FIELDS += ["exit_check_days", "village_exit_poor_share"]

    class Meta:
        verbose_name = "帮扶工作设置"


# ---- relapse watch (返贫监测) and exit checks (退出核查) ---------------------------------------------------


class RelapseThreshold(TimestampedModel):
    """A threshold of the relapse watch, as a row a county admin changes [C]. The income threshold
    has no figure of its own: its line is ``HouseholdsSettings.income_line`` (one source of truth,
    also used by the household page). An expense threshold is crossed by one expense of at least
    ``amount`` yuan, or of at least ``share`` percent of the household's income of the year before
    (either, where set). A check threshold is crossed by an item whose latest check failed. Only
    records dated on or after ``effective_from`` (and, for expenses, within ``lookback_days``)
    count."""

    class Kind(models.TextChoices):
        INCOME = "income", "人均纯收入低于监测线"
        EXPENSE = "expense", "突发大额刚性支出"
        CHECK = "check", "两不愁三保障及饮水安全核查未达标"

    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    name = models.CharField("名称", max_length=100)
    amount = models.DecimalField(
        "支出金额达到（元）", max_digits=12, decimal_places=2, null=True, blank=True, help_text="仅用于大额支出"
    )
    share = models.DecimalField(
        "支出占上年家庭纯收入达到（%）",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="仅用于大额支出；与金额任一达到即预警",
    )
    lookback_days = models.PositiveSmallIntegerField(
        "支出回溯天数", default=365, help_text="仅用于大额支出：只看此天数内发生的支出"
    )
    effective_from = models.DateField("生效日期")
    active = models.BooleanField("启用", default=True)
    note = models.CharField("依据或说明", max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "effective_from", "id"]
        verbose_name = "返贫监测预警标准"

    def __str__(self):
        return self.name


class VisitCadence(TimestampedModel):
    """A visit cadence rule (走访频次规则) [C], a row the county admin changes; the code evaluates
    it (queries.compliance, rules.*). Two kinds:

    - ``each_household``: every household of the duty visited at least ``visits_per_household``
      times within each period. The duty is either the pair (a cadre and the household paired with
      them for the whole period) or the village (every cadre filed under a village and every
      household of that village: the universal visit, 普访).
    - ``cadre_activity``: each village cadre visits on at least ``min_days`` distinct days and at
      least ``min_households`` distinct households within each period (2 days and 30 households
      a week).

    "Village cadres" are the households' Cadre rows filed under a village (ADR 0027) until the
    village cadres of issue 15 exist."""

    class Applies(models.TextChoices):
        PAIR = "pair", "结对干部走访所结对的户"
        VILLAGE = "village", "村干部走访本村各户"

    class Kind(models.TextChoices):
        EACH_HOUSEHOLD = "each_household", "每户走访次数"
        CADRE_ACTIVITY = "cadre_activity", "干部走访天数和户数"

    class Period(models.TextChoices):
        WEEK = "week", "每周"
        MONTH = "month", "每月"
        QUARTER = "quarter", "每季度"

    name = models.CharField("规则名称", max_length=50)
    applies_to = models.CharField("适用", max_length=20, choices=Applies.choices)
    kind = models.CharField("考核方式", max_length=20, choices=Kind.choices, default=Kind.EACH_HOUSEHOLD)
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    visits_per_household = models.PositiveSmallIntegerField(
        "每户至少走访次数", null=True, blank=True, help_text="考核方式为“每户走访次数”时填写"
    )
    min_days = models.PositiveSmallIntegerField(
        "至少走访天数", null=True, blank=True, help_text="考核方式为“干部走访天数和户数”时填写：周期内走访的不同日期数"
    )
    min_households = models.PositiveSmallIntegerField(
        "至少走访户数", null=True, blank=True, help_text="考核方式为“干部走访天数和户数”时填写：周期内走访的不同户数"
    )
    effective_from = models.DateField("施行日期", help_text="从包含此日期的周期起考核")
    is_active = models.BooleanField("启用", default=True)
    source = models.CharField("依据", max_length=200, blank=True)

    class Meta:
        ordering = ["applies_to", "kind", "period", "id"]
        verbose_name = "走访频次规则"

    def __str__(self):
        return self.name

    @property
    def requirement(self) -> str:
        if self.kind == self.Kind.EACH_HOUSEHOLD:
            return f"{self.get_period_display()}每户至少走访 {self.visits_per_household} 次"
        return f"{self.get_period_display()}至少 {self.min_days} 天、{self.min_households} 户"


class HouseholdExpense(TimestampedModel):
    """A sudden expense of a household (illness, disaster, accident): what the expense threshold
    reads."""

    scope_path = "household__village__path"

    class Kind(models.TextChoices):
        ILLNESS = "illness", "疾病"
        DISASTER = "disaster", "灾害"
        ACCIDENT = "accident", "意外"
        OTHER = "other", "其他"

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="expenses")
    kind = models.CharField("支出类别", max_length=20, choices=Kind.choices)
    on = models.DateField("发生日期")
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    note = models.CharField("情况说明", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["household", "-on", "-id"]
        verbose_name = "突发大额支出"


class RelapseFlag(TimestampedModel):
    """A household flagged for review because it crossed a threshold. ``key`` names the record
    that crossed it (``income:2026``, ``expense:17``, ``check:42``): one flag per household and key,
    so a scan that runs again opens nothing new. The state moves with the reviews (RelapseReview),
    in the same transaction."""

    scope_path = "household__village__path"

    class State(models.TextChoices):
        OPEN = "open", "待核实"
        WATCHING = "watching", "继续观察"
        CLOSED = "closed", "已处理"

    OPEN_STATES = (State.OPEN, State.WATCHING)

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="relapse_flags")
    kind = models.CharField("预警类别", max_length=20, choices=RelapseThreshold.Kind.choices)
    threshold = models.ForeignKey(
        RelapseThreshold, verbose_name="预警标准", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=50, editable=False)
    reason = models.CharField("预警原因", max_length=300)
    opened_at = models.DateTimeField("预警时间")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.OPEN)
    outcome = models.CharField("核实结果", max_length=20, blank=True)
    closed_at = models.DateTimeField("处理时间", null=True, blank=True)
    income_year = models.PositiveSmallIntegerField("收入年度", null=True, blank=True)
    expense = models.ForeignKey(
        HouseholdExpense, verbose_name="支出", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    guarantee_check = models.ForeignKey(
        GuaranteeCheck, verbose_name="核查", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = "返贫风险预警"
        constraints = [models.UniqueConstraint(fields=["household", "key"], name="relapse_flag_once")]
        indexes = [models.Index(fields=["state", "household"], name="relapse_flag_state_idx")]

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class RelapseReview(AppendOnlyModel):
    """The village's review of a flag: 纳入监测 (the household becomes monitored), 排除风险 or 继续观察
    (the flag stays open). Append-only: the history of a flag is its reviews."""

    append_only_label = "预警核实记录"
    scope_path = "flag__household__village__path"

    class Outcome(models.TextChoices):
        MONITOR = "monitor", "纳入监测"
        DISMISS = "dismiss", "排除风险"
        WATCH = "watch", "继续观察"

    flag = models.ForeignKey(RelapseFlag, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField("核实结果", max_length=20, choices=Outcome.choices)
    note = models.CharField("核实情况", max_length=500)
    reviewed_on = models.DateField("核实日期")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = "返贫预警核实"


class ExitCheck(AppendOnlyModel):
    """An exit check (退出核查) of a household, or of a village (``household`` empty): the criteria
    as they stood (name, met, figures), whether all were met, and who signed. A passed check of a
    household moves its status in the same transaction; a failed one is kept with the criterion it
    breaks."""

    append_only_label = "退出核查记录"
    scope_path = "organization__path"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="村（社区）", on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household, verbose_name="帮扶户", null=True, blank=True, on_delete=models.CASCADE, related_name="exit_checks"
    )
    on = models.DateField("核查日期")
    passed = models.BooleanField("是否通过")
    criteria = models.JSONField("核查标准及结果", default=list)
    signed_by = models.CharField("核查签字人", max_length=100)
    note = models.CharField("备注", max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "退出核查"

    @property
    def failures(self) -> list[str]:
        return [c["text"] for c in self.criteria if not c.get("met")]
