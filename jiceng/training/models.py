"""教育培训 (training): courses, sessions, trainees, attendance, tests, study hours, and the
demerits that unexcused absences bring on a trainee's organization.

Domain spec §3 "Training" [C]. The county's rules (class size, how lateness converts to
missed lessons, the absence limit, credits) are one `TrainingSettings` row a county admin edits;
credit cards (学分卡) are computed when read, from the records below (see rules.credit_card).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from jiceng.core.cases import SettingsSingleton
from jiceng.core.models import TimestampedModel


def new_token() -> str:
    return secrets.token_urlsafe(16)


class TrainingSettings(SettingsSingleton, models.Model):
    """County practice [C] with the defaults of the secretary academy reported in the spec."""

    # Audit entries written before the rename name the model by its old label (core.auditview).
    former_labels = ("training.TrainingRules",)

    class_size_max = models.PositiveSmallIntegerField(
        "书记学院每班人数上限",
        default=40,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="书记学院按班次教学，每班不超过此人数",
    )
    lateness_per_missed_lesson = models.PositiveSmallIntegerField(
        "迟到、早退几次计缺课1次",
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    absence_limit = models.PositiveSmallIntegerField(
        "一年内无故缺课超过几次通报",
        default=2,
        validators=[MaxValueValidator(100)],
        help_text="超过此次数（默认第3次）即通报其所在党组织，并计入该组织星级评定",
    )
    lateness_counts_toward_notice = models.BooleanField(
        "迟到、早退折算的缺课计入通报次数",
        default=True,
        help_text="默认计入（书记学院规定：迟到、早退2次计缺课1次，一年缺课超过2次通报）；"
        "取消勾选则通报只看无故缺课（旷课）",
    )
    credits_per_class_hour = models.DecimalField(
        "每出勤1学时计学分",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    credits_per_study_hour = models.DecimalField(
        "网上学习、自学每1学时计学分",
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    credits_per_passed_exam = models.DecimalField(
        "每通过1次考试计学分",
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # 《2019—2023年全国党员教育培训工作规划》: members study at least 32 class hours a year.
    annual_hours_target = models.PositiveSmallIntegerField(
        "每人每年学习学时目标",
        default=32,
        validators=[MaxValueValidator(1000)],
        help_text="集中培训出勤学时与网上学习、自学学时合计；默认32学时（全国党员教育培训工作规划）",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "教育培训规则"

    def __str__(self):
        return "教育培训规则"


class Venue(TimestampedModel):
    """Where sessions are held: training bases, family party schools (农村家庭党校), service centres."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        TRAINING_BASE = "training_base", "培训基地"
        FAMILY_SCHOOL = "family_school", "农村家庭党校"
        SERVICE_CENTRE = "service_centre", "党群服务中心"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所属党组织", on_delete=models.PROTECT, related_name="training_venues"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("可容纳人数", null=True, blank=True)

    class Meta:
        ordering = ["organization__path", "name"]
        verbose_name = "培训场所"

    def __str__(self):
        return self.name


class Course(TimestampedModel):
    """A course (培训班): a class of the secretary academy, a township's winter training…"""

    scope_path = "organizer__path"

    class Kind(models.TextChoices):
        ACADEMY = "academy", "书记学院"
        WINTER = "winter", "党员冬训"
        SPECIAL = "special", "专题培训"
        ONLINE = "online", "网上学习"

    title = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    organizer = models.ForeignKey(
        "orgs.Organization", verbose_name="主办党组织", on_delete=models.PROTECT, related_name="training_courses"
    )
    year = models.PositiveSmallIntegerField(
        "年度", validators=[MinValueValidator(2000), MaxValueValidator(2100)], db_index=True
    )
    class_size_limit = models.PositiveSmallIntegerField(
        "本班人数上限", null=True, blank=True, help_text="留空表示不限（书记学院必须填写）"
    )
    credits_per_class_hour = models.DecimalField(
        "本班每学时学分",
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="留空按县里的培训规则计算",
    )
    description = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["-year", "organizer__path", "title", "id"]
        verbose_name = "培训班"

    def __str__(self):
        return self.title


class Session(TimestampedModel):
    """One teaching session (一次课) of a course."""

    scope_path = "course__organizer__path"

    course = models.ForeignKey(Course, verbose_name="培训班", on_delete=models.PROTECT, related_name="sessions")
    on = models.DateField("日期", db_index=True)
    start_time = models.TimeField("开始时间")
    end_time = models.TimeField("结束时间")
    class_hours = models.DecimalField(
        "学时", max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    topic = models.CharField("主题", max_length=200)
    teacher = models.CharField("授课人", max_length=50, blank=True)
    venue = models.ForeignKey(
        Venue, verbose_name="培训场所", null=True, blank=True, on_delete=models.PROTECT, related_name="sessions"
    )
    place = models.CharField("地点（未登记场所时填写）", max_length=200, blank=True)
    # Part of the QR sign-in link, so that the link cannot be guessed from the id.
    sign_in_token = models.CharField(max_length=32, default=new_token, editable=False)

    class Meta:
        ordering = ["on", "start_time", "id"]
        verbose_name = "培训课次"

    def __str__(self):
        return f"{self.on:%Y-%m-%d} {self.topic}"

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.on, self.start_time))

    @property
    def ends_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.on, self.end_time))

    @property
    def where(self) -> str:
        return self.venue.name if self.venue_id else self.place


class Enrollment(TimestampedModel):
    """A trainee on a course's roster, with the organization they belonged to when enrolled
    (the organization that answers for their attendance)."""

    # Roster rows (enrollment, attendance, results) belong to the organization on the enrollment,
    # which is always inside the organizer's subtree: the course and session pages of the
    # organizer and of the trainee's township at enrollment show them, also after the trainee
    # moves. The credit card is the member's own and follows the member: it reads these rows
    # through `queries.visible_card_records()`, by the member's organization now (ADR 0011).
    scope_path = "organization__path"
    # A plain member sees only their own trainee records through visible() too (defence in depth;
    # training.queries.visible_training() also hides courses and rosters from members).
    member_scope = "member_id"

    course = models.ForeignKey(Course, verbose_name="培训班", on_delete=models.PROTECT, related_name="enrollments")
    member = models.ForeignKey(
        "members.Member", verbose_name="学员", on_delete=models.PROTECT, related_name="training_enrollments"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="training_enrollments"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["organization__path", "member__name_pinyin", "id"]
        verbose_name = "学员"
        constraints = [models.UniqueConstraint(fields=["course", "member"], name="training_enrollment_once")]

    def __str__(self):
        return f"{self.member} · {self.course}"


class Attendance(models.Model):
    """Attendance of one trainee at one session."""

    scope_path = "enrollment__organization__path"
    member_scope = "enrollment__member_id"

    class Status(models.TextChoices):
        PRESENT = "present", "出席"
        LATE = "late", "迟到"
        EARLY_LEAVE = "early_leave", "早退"
        EXCUSED = "excused", "请假"
        UNEXCUSED = "unexcused", "无故缺课"

    class Source(models.TextChoices):
        ROSTER = "roster", "组织方登记"
        QR = "qr", "扫码签到"

    ATTENDED = (Status.PRESENT, Status.LATE, Status.EARLY_LEAVE)
    LATENESS = (Status.LATE, Status.EARLY_LEAVE)

    session = models.ForeignKey(Session, verbose_name="课次", on_delete=models.CASCADE, related_name="attendances")
    enrollment = models.ForeignKey(
        Enrollment, verbose_name="学员", on_delete=models.PROTECT, related_name="attendances"
    )
    status = models.CharField("出勤", max_length=20, choices=Status.choices)
    note = models.CharField("备注", max_length=200, blank=True)
    source = models.CharField("登记方式", max_length=10, choices=Source.choices, default=Source.ROSTER)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now=True)

    class Meta:
        ordering = ["session__on", "session__start_time", "id"]
        verbose_name = "培训出勤"
        constraints = [models.UniqueConstraint(fields=["session", "enrollment"], name="training_attendance_once")]
        indexes = [models.Index(fields=["enrollment", "status"], name="training_att_enrol_status_idx")]

    def __str__(self):
        return f"{self.enrollment.member} {self.get_status_display()}"

    @property
    def short(self) -> str:
        """One character for the attendance matrix."""
        return SHORT[self.status]

    @property
    def badge(self) -> str:
        return BADGE[self.status]


SHORT = {"present": "✓", "late": "迟", "early_leave": "早", "excused": "假", "unexcused": "缺"}
BADGE = {
    "present": "bg-green-lt",
    "late": "bg-yellow-lt",
    "early_leave": "bg-yellow-lt",
    "excused": "bg-azure-lt",
    "unexcused": "bg-red-lt",
}


class Exam(TimestampedModel):
    """A test (考试/测试) of a course."""

    scope_path = "course__organizer__path"

    course = models.ForeignKey(Course, verbose_name="培训班", on_delete=models.PROTECT, related_name="exams")
    title = models.CharField("名称", max_length=100)
    held_on = models.DateField("考试日期")
    full_mark = models.DecimalField(
        "满分", max_digits=5, decimal_places=1, default=Decimal("100"), validators=[MinValueValidator(Decimal("1"))]
    )
    pass_mark = models.DecimalField(
        "及格分", max_digits=5, decimal_places=1, default=Decimal("60"), validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["held_on", "id"]
        verbose_name = "考试"

    def __str__(self):
        return self.title


class ExamResult(TimestampedModel):
    scope_path = "enrollment__organization__path"
    member_scope = "enrollment__member_id"

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.CASCADE, related_name="results")
    enrollment = models.ForeignKey(
        Enrollment, verbose_name="学员", on_delete=models.PROTECT, related_name="exam_results"
    )
    score = models.DecimalField("成绩", max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["exam", "enrollment"]
        verbose_name = "考试成绩"
        constraints = [models.UniqueConstraint(fields=["exam", "enrollment"], name="training_result_once")]

    def __str__(self):
        return f"{self.enrollment.member} {self.score}"


class StudyRecord(TimestampedModel):
    """Hours of online learning (网上学习) or self-study that count on the credit card."""

    # Study hours are on nobody's roster, only on the card: they follow the member.
    # (`organization` keeps where the member was when they were recorded.)
    scope_path = "member__organization__path"
    member_scope = "member_id"

    class Source(models.TextChoices):
        ONLINE = "online", "网上学习"
        SELF_STUDY = "self_study", "自学"
        OTHER = "other", "其他"

    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="training_study_records"
    )
    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="所在党组织", on_delete=models.PROTECT, related_name="training_study_records"
    )
    on = models.DateField("日期", db_index=True)
    hours = models.DecimalField("学时", max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))])
    title = models.CharField("学习内容", max_length=200)
    source = models.CharField("方式", max_length=20, choices=Source.choices, default=Source.ONLINE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name = "学习记录"

    def __str__(self):
        return f"{self.member} {self.on:%Y-%m-%d} {self.title}"


class OrganizationDemerit(models.Model):
    """A mark against an organization that its star rating (星级党组织) reads: here, a member
    of the organization with more unexcused training absences in a year than the county allows.

    One row per (source, member, year): the notice and the mark happen once. When corrections
    bring the count back within the limit the mark is withdrawn, not deleted.
    """

    scope_path = "organization__path"

    class Source(models.TextChoices):
        TRAINING_ABSENCE = "training_absence", "培训无故缺课超限"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="training_demerits"
    )
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    member = models.ForeignKey(
        "members.Member", verbose_name="党员", on_delete=models.PROTECT, related_name="training_demerits"
    )
    source = models.CharField("来源", max_length=30, choices=Source.choices, default=Source.TRAINING_ABSENCE)
    count = models.PositiveSmallIntegerField("计入次数")
    reason = models.CharField("事由", max_length=300)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_reason = models.CharField("撤销原因", max_length=200, blank=True)

    class Meta:
        ordering = ["-year", "-created_at", "-id"]
        verbose_name = "党组织扣分记录"
        constraints = [
            models.UniqueConstraint(fields=["source", "member", "year"], name="training_demerit_once_a_year")
        ]

    def __str__(self):
        return f"{self.organization} {self.year} {self.member}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
