"""组织生活 (organizational life): cadence rules as data, activity records with evidence and
attendance, democratic appraisal and heart-to-heart talks. See docs/life.md and
docs/decisions/0009-organizational-life.md."""

from django.conf import settings
from django.db import models

from jiceng.core.cases import PhotoModel
from jiceng.core.models import TimestampedModel


class ActivityType(TimestampedModel):
    """One kind of activity and its cadence rule (三会一课, 主题党日, or a county's own type).

    Statute rows ([S], 《中国共产党支部工作条例（试行）》) are seeded by a migration; a county
    admin may change their counts and add types of their own ([C])."""

    class Cadence(models.TextChoices):
        WEEKLY = "weekly", "每周"
        MONTHLY = "monthly", "每月"
        QUARTERLY = "quarterly", "每季度"
        YEARLY = "yearly", "每年"

    class AppliesTo(models.TextChoices):
        BRANCH = "branch", "党支部（含联合、临时党支部）"
        BRANCH_WITH_COMMITTEE = "branch_committee", "设有支委会的党支部"
        GROUP = "group", "党小组"
        GENERAL_BRANCH = "general_branch", "党总支"

    class Source(models.TextChoices):
        STATUTE = "statute", "党内法规"
        COUNTY = "county", "本县规定"

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)
    cadence = models.CharField("周期", max_length=20, choices=Cadence.choices)
    applies_to = models.CharField("适用组织", max_length=30, choices=AppliesTo.choices)
    domain = models.CharField(
        "仅限领域", max_length=30, blank=True, help_text="为空则适用于所有领域；如结对共建只要求农村党支部"
    )
    min_count = models.PositiveSmallIntegerField("每周期最少次数", default=1)
    fixed_day = models.PositiveSmallIntegerField(
        "固定日", null=True, blank=True, help_text="每月固定开展的日期（如主题党日每月15日），用于提醒"
    )
    grace_days = models.PositiveSmallIntegerField(
        "补录宽限（天）", default=0, help_text="周期结束后多少天内录入仍算按时；0 表示周期最后一天前录入"
    )
    requires_photos = models.BooleanField("须上传照片", default=False)
    counts_for = models.ForeignKey(
        "self",
        verbose_name="同时计入",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="counted_by",
        help_text="如“书记讲党课”同时计入“党课”",
    )
    source = models.CharField("依据", max_length=20, choices=Source.choices, default=Source.COUNTY)
    basis = models.CharField("依据说明", max_length=200, blank=True)
    roster = models.CharField(
        "应到人员",
        max_length=20,
        choices=[("subtree", "本组织及所属党小组全体党员"), ("committee", "支委会委员"), ("direct", "本组织党员")],
        default="subtree",
    )
    is_active = models.BooleanField("启用", default=True)
    order = models.PositiveSmallIntegerField("排序", default=50)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = "组织生活类型"

    def __str__(self):
        return self.name


class Record(TimestampedModel):
    """An activity of an organization (活动纪实): planned, then held and recorded, reviewed by the
    level above, and published."""

    # ActivityType is county configuration: every signed-in user may read it (see views).
    scope_path = "organization__path"

    class State(models.TextChoices):
        PLANNED = "planned", "计划报备"
        RECORDED = "recorded", "已纪实"
        REVIEWED = "reviewed", "已审阅"
        PUBLISHED = "published", "已公示"

    HELD_STATES = (State.RECORDED, State.REVIEWED, State.PUBLISHED)

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="life_records"
    )
    activity_type = models.ForeignKey(ActivityType, verbose_name="类型", on_delete=models.PROTECT, related_name="+")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.PLANNED, db_index=True)
    planned_on = models.DateField("计划日期", null=True, blank=True)
    held_on = models.DateField("活动日期", null=True, blank=True)
    starts_at = models.DateTimeField("开始时间", null=True, blank=True)
    ends_at = models.DateTimeField("结束时间", null=True, blank=True)
    place = models.CharField("地点", max_length=100, blank=True)
    host = models.CharField("主持人", max_length=50, blank=True)
    recorder = models.CharField("记录人", max_length=50, blank=True)
    topic = models.CharField("主题", max_length=200)
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议记录", blank=True)
    resolutions = models.TextField("决议事项", blank=True)
    # The local (Asia/Shanghai) day the record was first recorded: "late" compares it with the
    # end of the period the activity counts for.
    recorded_on = models.DateField("纪实日期", null=True, blank=True)
    # Decided when the activity is recorded (or its date changes), by the type's rule in force
    # then: recorded after the end of its cadence period (plus grace days). Stored so that the
    # compliance table counts it in SQL, and so that a later change of the rule does not
    # rewrite history.
    is_late = models.BooleanField("逾期纪实", default=False)
    # Attendance figures kept in step with the Attendance rows by services (one place to read
    # organization-wide rates from, without touching the rows).
    expected_count = models.PositiveIntegerField("应到", default=0)
    present_count = models.PositiveIntegerField("实到", default=0)
    leave_count = models.PositiveIntegerField("请假", default=0)
    absent_count = models.PositiveIntegerField("缺席", default=0)
    photo_count = models.PositiveSmallIntegerField("照片数", default=0)
    review_comment = models.TextField("审阅点评", blank=True)
    score = models.PositiveSmallIntegerField("检查评分", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-planned_on", "-id"]
        verbose_name = "组织生活纪实"
        indexes = [
            models.Index(fields=["held_on"], name="life_record_held_idx"),
            models.Index(fields=["organization", "held_on"], name="life_record_org_held_idx"),
        ]

    def __str__(self):
        return f"{self.activity_type.name}：{self.topic}"

    @property
    def is_held(self) -> bool:
        return self.state in self.HELD_STATES

    @property
    def attendance_rate(self) -> float | None:
        return round(self.present_count * 100 / self.expected_count, 1) if self.expected_count else None


class RecordPhoto(PhotoModel):
    scope_path = "record__organization__path"

    photo_folder = "life/photos"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="photos")
    caption = models.CharField("说明", max_length=100, blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)

    class Meta(PhotoModel.Meta):
        verbose_name = "活动照片"


class Attendance(models.Model):
    """One expected member at one activity (the roster is fixed when the activity is recorded)."""

    scope_path = "record__organization__path"

    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LEAVE = "leave", "请假"
        ABSENT = "absent", "缺席"

    class Method(models.TextChoices):
        RECORDER = "recorder", "记录人登记"
        QR = "qr", "扫码签到"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="life_attendance")
    status = models.CharField("出勤", max_length=10, choices=Status.choices, default=Status.ABSENT)
    late = models.BooleanField("迟到", default=False)
    left_early = models.BooleanField("早退", default=False)
    method = models.CharField("方式", max_length=10, choices=Method.choices, default=Method.RECORDER)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)

    class Meta:
        ordering = ["record", "member__name", "id"]
        verbose_name = "出勤"
        constraints = [models.UniqueConstraint(fields=["record", "member"], name="life_attendance_once")]
        indexes = [models.Index(fields=["member", "status"], name="life_att_member_idx")]


class Appraisal(TimestampedModel):
    """民主评议党员: one grade per member per year."""

    scope_path = "organization__path"

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        QUALIFIED = "qualified", "合格"
        BASIC = "basic", "基本合格"
        UNQUALIFIED = "unqualified", "不合格"

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="appraisals")
    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    grade = models.CharField("评定等次", max_length=20, choices=Grade.choices)
    record = models.ForeignKey(Record, null=True, blank=True, on_delete=models.SET_NULL, related_name="appraisals")
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "member__name"]
        verbose_name = "民主评议党员"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="life_appraisal_once_a_year")]


class Talk(TimestampedModel):
    """谈心谈话: logged per talk; each member should have at least one a year."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        COMMITTEE = "committee", "班子成员之间"
        COMMITTEE_MEMBER = "committee_member", "班子成员与党员"
        MEMBERS = "members", "党员之间"

    organization = models.ForeignKey("orgs.Organization", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField("谈话日期")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    talker = models.CharField("谈话人", max_length=50)
    member = models.ForeignKey(
        "members.Member", verbose_name="谈话对象", null=True, on_delete=models.SET_NULL, related_name="talks"
    )
    summary = models.TextField("谈话要点", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = "谈心谈话"


class MemberMonth(models.Model):
    """Summary of Attendance for one member and one calendar month: of the held activities of
    the month whose roster had the member, how many (`expected`) and in how many the member
    took part (`took_part`: present, or absent with leave). A row exists only where expected > 0.

    It is kept by jiceng.life.services in the same transaction as every change of attendance
    or of a held record (jiceng.life.summary.recount), so it always equals a recount of the
    records; `manage.py life_summary --check` compares it with a recount and `--rebuild`
    rebuilds it. Pages that look across many members and months (the six-month watch) read it
    instead of scanning a year of attendance. See docs/decisions/0015-page-budget.md."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")  # the first day of the month
    expected = models.PositiveIntegerField("应到次数")
    took_part = models.PositiveIntegerField("参加次数")

    class Meta:
        verbose_name = "党员月度组织生活汇总"
        constraints = [models.UniqueConstraint(fields=["member", "month"], name="life_member_month_once")]
        indexes = [
            # The six-month watch starts from the months a member missed (took part in nothing).
            models.Index(
                fields=["month", "member"], condition=models.Q(took_part=0), name="life_member_month_missed_idx"
            )
        ]


class MemberYear(models.Model):
    """The months of one calendar year in which a member has a `MemberMonth` row (was on the
    roster of a held activity), as bits: bit 0 is January, bit 11 December. A row exists only
    where some bit is set.

    It is derived from MemberMonth by jiceng.life.summary.recount in the same transaction, so a
    window of whole months within a year (a month, a quarter, the year) asks one row per member:
    the city's attendance page counts the members of a year in one row each instead of a row per
    member and month (issue 10). `manage.py life_summary --check | --rebuild` covers it."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    months = models.PositiveIntegerField("有应到活动的月份")  # bit (month - 1)

    class Meta:
        verbose_name = "党员年度组织生活月份汇总"
        constraints = [models.UniqueConstraint(fields=["member", "year"], name="life_member_year_once")]
        indexes = [models.Index(fields=["year", "member"], name="life_member_year_idx")]
