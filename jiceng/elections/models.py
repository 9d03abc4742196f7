"""换届选举: elections that renew a committee and its term, and approved postponements.
See docs/elections.md and docs/decisions/0010-elections-and-postponements.md."""

from django.conf import settings
from django.db import models

from jiceng.core.models import TimestampedModel


class Election(TimestampedModel):
    """An election (换届 or 补选) of an organization's committee or secretary.

    It takes effect when the level above approves it: the organization's committee flag,
    secretary and term dates are then updated, and the election becomes part of the
    organization's committee history (which the compliance rules read)."""

    scope_path = "organization__path"

    class Kind(models.TextChoices):
        RENEWAL = "renewal", "换届选举"
        BY_ELECTION = "by_election", "补选"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待上级批复"
        APPROVED = "approved", "已批复"
        REJECTED = "rejected", "未批准"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="elections"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.RENEWAL)
    held_on = models.DateField("选举日期")
    has_committee = models.BooleanField(
        "选举产生委员会", default=True, help_text="不足7名党员的支部只选书记，不设委员会"
    )
    secretary_name = models.CharField("书记", max_length=50)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期届满")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED, db_index=True)
    # The organization's committee flag just before approval: the committee history before the
    # first election on record (None when not known).
    had_committee_before = models.BooleanField("此前设有委员会", null=True, blank=True, editable=False)
    note = models.TextField("说明", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("批复时间", null=True, blank=True)
    decision_note = models.CharField("批复意见", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = "换届选举"

    def __str__(self):
        return f"{self.organization.name} {self.held_on:%Y-%m-%d} {self.get_kind_display()}"


class Seat(models.Model):
    """A committee member elected (书记、副书记、委员)."""

    scope_path = "election__organization__path"

    class Post(models.TextChoices):
        SECRETARY = "secretary", "书记"
        DEPUTY = "deputy", "副书记"
        MEMBER = "member", "委员"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="seats")
    name = models.CharField("姓名", max_length=50)
    member = models.ForeignKey("members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    post = models.CharField("职务", max_length=20, choices=Post.choices)
    duty = models.CharField("分工", max_length=50, blank=True)

    class Meta:
        ordering = ["election", "post", "id"]
        verbose_name = "委员"


class Postponement(TimestampedModel):
    """延期换届: asked by the organization, approved (or not) by the level above."""

    scope_path = "organization__path"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "待上级批复"
        APPROVED = "approved", "已批准"
        REJECTED = "rejected", "未批准"

    organization = models.ForeignKey(
        "orgs.Organization", verbose_name="党组织", on_delete=models.PROTECT, related_name="postponements"
    )
    term_end = models.DateField("原任期届满")
    new_due = models.DateField("延期至")
    reason = models.TextField("延期理由")
    state = models.CharField("状态", max_length=20, choices=State.choices, default=State.SUBMITTED, db_index=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("批复时间", null=True, blank=True)
    decision_note = models.CharField("批复意见", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "延期换届"

    def __str__(self):
        return f"{self.organization.name} 延期换届至 {self.new_due:%Y-%m-%d}"
