"""Every write to organizational life goes through here (and is audit-logged)."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from jiceng.core import audit, scoping
from jiceng.core.scoping import require_county_admin, require_manager
from jiceng.core.uploads import clean_photo
from jiceng.members.models import Member
from jiceng.orgs.models import Organization

from . import queries, rules, summary
from .models import ActivityType, Appraisal, Attendance, Record, RecordPhoto, Talk

RECORD_FIELDS = [
    "planned_on",
    "held_on",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "recorder",
    "topic",
    "agenda",
    "minutes",
    "resolutions",
]
MAX_PHOTOS = 12


def sign_in_early_minutes() -> int:
    """[C] QR sign-in opens this many minutes before the start (default 30)."""
    return int(getattr(settings, "JICENG_SIGN_IN_EARLY_MINUTES", 30))


def _check_fields(org: Organization, activity_type: ActivityType, fields: dict, holding: bool, today: date) -> None:
    errors = {}
    if not queries.type_applies(activity_type, org):
        errors["activity_type"] = (
            f"「{activity_type.name}」适用于{activity_type.get_applies_to_display()}，不适用于{org.name}"
        )
    if not (fields.get("topic") or "").strip():
        errors["topic"] = "请填写活动主题"
    if holding:
        held_on = fields.get("held_on")
        if not held_on:
            errors["held_on"] = "请填写活动日期"
        elif held_on > today:
            errors["held_on"] = f"活动日期 {held_on:%Y-%m-%d} 在今天之后；尚未开展的活动请报备计划"
        elif org.founded_on and held_on < org.founded_on:
            errors["held_on"] = f"活动日期早于本组织成立日期 {org.founded_on:%Y-%m-%d}"
    elif not fields.get("planned_on"):
        errors["planned_on"] = "请填写计划日期"
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    if starts and ends and ends <= starts:
        errors["ends_at"] = "结束时间应晚于开始时间"
    if starts and fields.get("held_on") and timezone.localtime(starts).date() != fields["held_on"]:
        errors["starts_at"] = "开始时间应在活动日期当天"
    if errors:
        raise ValidationError(errors)


def _refresh_counts(record: Record) -> None:
    counts = record.attendance.aggregate(
        expected=Count("id"),
        present=Count("id", filter=Q(status=Attendance.Status.PRESENT)),
        leave=Count("id", filter=Q(status=Attendance.Status.LEAVE)),
        absent=Count("id", filter=Q(status=Attendance.Status.ABSENT)),
    )
    Record.objects.filter(pk=record.pk).update(
        expected_count=counts["expected"],
        present_count=counts["present"],
        leave_count=counts["leave"],
        absent_count=counts["absent"],
    )
    # The per-member monthly summary follows the roster in the same transaction.
    summary.recount_record(record)


def _fill_roster(record: Record) -> int:
    """Everyone expected on the day, all absent until marked; the roster is then fixed."""
    members = queries.roster_for(record.organization, record.activity_type, record.held_on).values_list("id", flat=True)
    Attendance.objects.bulk_create([Attendance(record=record, member_id=m) for m in members], ignore_conflicts=True)
    _refresh_counts(record)
    return len(members)


def _mark_held(record: Record, today: date) -> None:
    record.state = Record.State.RECORDED
    record.recorded_on = today
    record.is_late = rules.is_late(record.held_on, today, record.activity_type.cadence, record.activity_type.grace_days)


@transaction.atomic
def create_record(
    actor, *, organization: Organization, activity_type: ActivityType, plan_only: bool = False, **fields
) -> Record:
    """File a plan (plan_only) or record a held activity straight away."""
    require_manager(actor, organization)
    today = timezone.localdate()
    fields = {k: v for k, v in fields.items() if k in RECORD_FIELDS}
    _check_fields(organization, activity_type, fields, not plan_only, today)
    record = Record(
        organization=organization,
        activity_type=activity_type,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    if not plan_only:
        _mark_held(record, today)
    record.save()
    if not plan_only:
        _fill_roster(record)
        record.refresh_from_db()
    audit.record(actor, "create", record, changes=audit.snapshot(record, ["state", "held_on", "planned_on", "topic"]))
    return record


def _editable(record: Record) -> None:
    if record.state == Record.State.PUBLISHED:
        raise ValidationError("已公示的纪实不能再修改")


@transaction.atomic
def update_record(actor, record: Record, **fields) -> Record:
    require_manager(actor, record.organization)
    record = Record.objects.select_for_update().select_related("activity_type", "organization").get(pk=record.pk)
    _editable(record)
    before = audit.snapshot(record, RECORD_FIELDS)
    for name, value in fields.items():
        if name not in RECORD_FIELDS:
            raise ValueError(f"不可修改的字段：{name}")
        setattr(record, name, value)
    merged = {f: getattr(record, f) for f in RECORD_FIELDS}
    _check_fields(record.organization, record.activity_type, merged, record.is_held, timezone.localdate())
    if record.is_held and before["held_on"] != audit.snapshot(record, ["held_on"])["held_on"]:
        record.is_late = rules.is_late(
            record.held_on, record.recorded_on, record.activity_type.cadence, record.activity_type.grace_days
        )
    changes = audit.diff(before, audit.snapshot(record, RECORD_FIELDS))
    if changes:
        moved_from = before["held_on"]
        record.revision = F("revision") + 1
        record.save()
        record.refresh_from_db()
        if record.is_held and "held_on" in changes:
            summary.recount_record(
                record, date.fromisoformat(moved_from) if isinstance(moved_from, str) else moved_from
            )
        audit.record(actor, "update", record, changes=changes)
    return record


@transaction.atomic
def record_held(actor, record: Record, **fields) -> Record:
    """A planned activity took place: record it (date, minutes, …) and fix the roster."""
    require_manager(actor, record.organization)
    record = Record.objects.select_for_update().select_related("activity_type", "organization").get(pk=record.pk)
    if record.state != Record.State.PLANNED:
        raise ValidationError("该活动已纪实")
    for name, value in fields.items():
        if name in RECORD_FIELDS:
            setattr(record, name, value)
    today = timezone.localdate()
    _check_fields(
        record.organization, record.activity_type, {f: getattr(record, f) for f in RECORD_FIELDS}, True, today
    )
    _mark_held(record, today)
    record.revision = F("revision") + 1
    record.save()
    _fill_roster(record)
    record.refresh_from_db()
    audit.record(actor, "update", record, changes={"state": ["planned", "recorded"]}, note="活动纪实")
    return record


@transaction.atomic
def delete_record(actor, record: Record) -> None:
    require_manager(actor, record.organization)
    if record.state in (Record.State.REVIEWED, Record.State.PUBLISHED):
        raise ValidationError("已审阅或已公示的纪实不能删除")
    audit.record(actor, "delete", record, changes=audit.snapshot(record, ["state", "held_on", "planned_on", "topic"]))
    for photo in record.photos.all():
        _delete_files(photo)
    roster = list(record.attendance.values_list("member_id", flat=True))
    held_on = (
        Record.objects.filter(pk=record.pk, state__in=Record.HELD_STATES).values_list("held_on", flat=True).first()
    )
    record.delete()
    summary.recount(roster, [held_on])


# ---- attendance --------------------------------------------------------------------------


@transaction.atomic
def set_attendance(actor, record: Record, marks: dict[int, tuple[str, bool, bool]]) -> int:
    """The recorder marks members: {member_id: (status, late, left_early)}; returns rows changed.

    Overrides a QR sign-in (the recorder has the last word)."""
    require_manager(actor, record.organization)
    record = Record.objects.select_for_update().get(pk=record.pk)
    _editable(record)
    if not record.is_held:
        raise ValidationError("活动尚未纪实，不能登记出勤")
    rows = {a.member_id: a for a in record.attendance.all()}
    unknown = set(marks) - set(rows)
    if unknown:
        raise ValidationError("有人员不在本次活动的应到名单中")
    changed = []
    for member_id, (status, late, early) in marks.items():
        if status not in Attendance.Status.values:
            raise ValidationError(f"未知的出勤状态：{status}")
        a = rows[member_id]
        late, early = (late, early) if status == Attendance.Status.PRESENT else (False, False)
        if (a.status, a.late, a.left_early) != (status, late, early):
            a.status, a.late, a.left_early, a.method = status, late, early, Attendance.Method.RECORDER
            changed.append(a)
    Attendance.objects.bulk_update(changed, ["status", "late", "left_early", "method"])
    _refresh_counts(record)
    if changed:
        audit.record(actor, "update", record, changes={"attendance": [None, len(changed)]}, note="登记出勤")
    return len(changed)


def _registered_with(member: Member, org: Organization) -> bool:
    """An in-office member registered with the community that `org` is (or lies below):
    they take part in its organizational life as a guest (在职党员到社区报到)."""
    community = member.registered_community
    return bool(
        community is not None
        and member.status in Member.ACTIVE_STATUSES
        and community.path <= org.path < community.path_end
    )


@transaction.atomic
def add_to_roster(actor, record: Record, member: Member, *, present: bool = False) -> Attendance:
    """A member expected but missing from the roster (e.g. a committee member not on record),
    or an in-office member registered with the community holding the activity, who attends
    as a guest. `present` marks them present at once (the activity must have been held)."""
    require_manager(actor, record.organization)
    record = Record.objects.select_for_update().select_related("organization").get(pk=record.pk)
    member = Member.objects.select_related("organization", "registered_community").get(pk=member.pk)
    _editable(record)
    own = record.organization.path <= member.organization.path < record.organization.path_end
    if not (own or _registered_with(member, record.organization)):
        raise ValidationError("只能添加本组织的党员，或到本社区报到的在职党员")
    if present and not record.is_held:
        raise ValidationError("活动尚未纪实，不能登记出勤")
    a, created = Attendance.objects.get_or_create(record=record, member=member)
    if present and a.status != Attendance.Status.PRESENT:
        a.status, a.late, a.left_early, a.method = Attendance.Status.PRESENT, False, False, Attendance.Method.RECORDER
        a.save(update_fields=["status", "late", "left_early", "method"])
    _refresh_counts(record)
    if created or present:
        audit.record(
            actor,
            "update",
            record,
            changes={"roster": [None, member.pk], "present": present},
            note=f"添加参加人员：{member.name}" + ("（在职党员到社区报到）" if not own else ""),
        )
    return a


def sign_in(user, record: Record, now: datetime | None = None) -> Attendance:
    """QR sign-in by the member themself, within the meeting's window [C]."""
    now = now or timezone.now()
    if not getattr(user, "is_authenticated", False) or not user.member_id:
        raise PermissionDenied("请使用与党员档案关联的账号登录后签到")
    if not record.is_held or record.state == Record.State.PUBLISHED:
        raise ValidationError("该活动当前不接受签到")
    if not (record.starts_at and record.ends_at):
        raise ValidationError("该活动未设置开始和结束时间，请由记录人登记出勤")
    opens, closes = rules.sign_in_window(record.starts_at, record.ends_at, sign_in_early_minutes())
    local = timezone.localtime
    if now < opens:
        raise ValidationError(f"签到尚未开始：{local(opens):%m月%d日 %H:%M} 起可签到")
    if now > closes:
        raise ValidationError(f"签到已结束：活动已于 {local(closes):%m月%d日 %H:%M} 结束，请联系记录人补登")
    with transaction.atomic():
        # Lock the record: concurrent sign-ins then recount one after the other, so the
        # figures on the record never lose a sign-in.
        Record.objects.select_for_update().filter(pk=record.pk).first()
        a = Attendance.objects.filter(record=record, member_id=user.member_id).first()
        if a is None:
            raise PermissionDenied("您不在本次活动的应到名单中")
        if a.status != Attendance.Status.PRESENT:
            a.status = Attendance.Status.PRESENT
            a.late = now > record.starts_at
            a.method = Attendance.Method.QR
            a.signed_in_at = now
            a.save()
            _refresh_counts(record)
            audit.record(user, "update", record, changes={"sign_in": [None, user.member_id]}, note="扫码签到")
    return a


# ---- photos ------------------------------------------------------------------------------


@transaction.atomic
def add_photo(actor, record: Record, upload, caption: str = "") -> RecordPhoto:
    require_manager(actor, record.organization)
    record = Record.objects.select_for_update().get(pk=record.pk)
    _editable(record)
    if record.photos.count() >= MAX_PHOTOS:
        raise ValidationError(f"每次活动最多上传 {MAX_PHOTOS} 张照片")
    photo_file, thumb_file = clean_photo(upload)
    photo = RecordPhoto(
        record=record,
        caption=caption[:100],
        original_name=(upload.name or "")[:200],
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    photo.image.save(photo_file.name, photo_file, save=False)
    photo.thumbnail.save(thumb_file.name, thumb_file, save=False)
    photo.save()
    Record.objects.filter(pk=record.pk).update(photo_count=F("photo_count") + 1)
    audit.record(actor, "update", record, changes={"photo": [None, photo.original_name]}, note="上传照片")
    return photo


def _delete_files(photo: RecordPhoto) -> None:
    # The demo county shares a few pictures between records: keep a file another row uses.
    for field, f in (("image", photo.image), ("thumbnail", photo.thumbnail)):
        if f and not RecordPhoto.objects.filter(**{field: f.name}).exclude(pk=photo.pk).exists():
            f.storage.delete(f.name)


@transaction.atomic
def delete_photo(actor, photo: RecordPhoto) -> None:
    require_manager(actor, photo.record.organization)
    _editable(photo.record)
    Record.objects.filter(pk=photo.record_id).update(photo_count=F("photo_count") - 1)
    audit.record(actor, "update", photo.record, changes={"photo": [photo.original_name, None]}, note="删除照片")
    photo_id = photo.pk
    photo.delete()
    photo.pk = photo_id
    transaction.on_commit(lambda: _delete_files(photo))


# ---- review and publication --------------------------------------------------------------


REVIEW_BY_LEVEL_ABOVE = "审阅点评由上级党组织进行，本组织不能审阅自己的纪实"


def require_level_above(user, org: Organization) -> None:
    """Reviewing a record is the job of the level above (core.scoping.require_level_above)."""
    scoping.require_level_above(user, org, REVIEW_BY_LEVEL_ABOVE)


def _photos_required(record: Record) -> None:
    if record.activity_type.requires_photos and record.photo_count == 0:
        raise ValidationError(f"「{record.activity_type.name}」须上传活动照片后才能审阅或公示")


@transaction.atomic
def review(actor, record: Record, *, comment: str, score: int | None = None) -> Record:
    require_level_above(actor, record.organization)
    record = Record.objects.select_for_update().select_related("activity_type").get(pk=record.pk)
    if record.state not in (Record.State.RECORDED, Record.State.REVIEWED):
        raise ValidationError("只能审阅已纪实、尚未公示的活动")
    if not comment.strip():
        raise ValidationError({"review_comment": "请填写点评意见"})
    if score is not None and not 0 <= score <= 100:
        raise ValidationError({"score": "评分应在0到100之间"})
    _photos_required(record)
    before = audit.snapshot(record, ["state", "review_comment", "score"])
    # Conditional update: a concurrent publication wins, and this review is refused.
    updated = Record.objects.filter(pk=record.pk, state__in=[Record.State.RECORDED, Record.State.REVIEWED]).update(
        state=Record.State.REVIEWED,
        review_comment=comment.strip(),
        score=score,
        reviewed_by=actor if getattr(actor, "is_authenticated", False) else None,
        reviewed_at=timezone.now(),
        revision=F("revision") + 1,
    )
    if not updated:
        raise ValidationError("该纪实状态已变化，请刷新后重试")
    record.refresh_from_db()
    audit.record(
        actor, "update", record, changes=audit.diff(before, audit.snapshot(record, list(before))), note="审阅点评"
    )
    return record


@transaction.atomic
def publish(actor, record: Record) -> Record:
    """情况公示: after review, the organization (or the level above) publishes the activity to its
    members: topic, date, place, photos and attendance figures; never names or minutes."""
    require_manager(actor, record.organization)
    record = Record.objects.select_related("activity_type").get(pk=record.pk)
    _photos_required(record)
    updated = Record.objects.filter(pk=record.pk, state=Record.State.REVIEWED).update(
        state=Record.State.PUBLISHED, published_at=timezone.now(), revision=F("revision") + 1
    )
    if not updated:
        raise ValidationError("只能公示已经上级审阅的纪实")
    record.refresh_from_db()
    audit.record(actor, "update", record, changes={"state": ["reviewed", "published"]}, note="公示")
    return record


# ---- activity types ----------------------------------------------------------------------

TYPE_FIELDS = [
    "code",
    "name",
    "cadence",
    "applies_to",
    "domain",
    "min_count",
    "fixed_day",
    "grace_days",
    "requires_photos",
    "counts_for",
    "roster",
    "basis",
    "is_active",
    "order",
]


@transaction.atomic
def save_activity_type(actor, activity_type: ActivityType) -> ActivityType:
    """County admins add their own types and change the counts of all."""
    require_county_admin(actor)
    if activity_type.fixed_day is not None and not 1 <= activity_type.fixed_day <= 28:
        raise ValidationError({"fixed_day": "固定日应在1到28日之间（每个月都有的日期）"})
    if activity_type.min_count < 1:
        raise ValidationError({"min_count": "每周期最少次数至少为1"})
    if activity_type.counts_for_id and activity_type.counts_for_id == activity_type.pk:
        raise ValidationError({"counts_for": "不能计入自身"})
    creating = activity_type.pk is None
    if creating:
        activity_type.source = ActivityType.Source.COUNTY
    else:
        activity_type.revision = F("revision") + 1
    activity_type.save()
    activity_type.refresh_from_db()
    audit.record(
        actor, "create" if creating else "update", activity_type, changes=audit.snapshot(activity_type, TYPE_FIELDS)
    )
    return activity_type


# ---- yearly items ------------------------------------------------------------------------


@transaction.atomic
def set_appraisal(
    actor, member: Member, year: int, grade: str, *, note: str = "", record: Record | None = None
) -> Appraisal:
    """民主评议党员: one grade per member per year (a later call corrects it, audit-logged)."""
    require_manager(actor, member.organization)
    if grade not in Appraisal.Grade.values:
        raise ValidationError({"grade": "评定等次应为优秀、合格、基本合格或不合格"})
    if rules.year_error(year):
        raise ValidationError({"year": rules.year_error(year)})
    if year > timezone.localdate().year:
        raise ValidationError({"year": "不能评议未来年度"})
    if member.status not in Member.ACTIVE_STATUSES:
        raise ValidationError(f"{member.name} 不是在册党员，不参加民主评议")
    existing = Appraisal.objects.select_for_update().filter(member=member, year=year).first()
    if existing is None:
        a = Appraisal.objects.create(
            member=member, organization=member.organization, year=year, grade=grade, note=note, record=record
        )
        audit.record(actor, "create", a, changes={"grade": grade, "year": year}, org_path=member.organization.path)
        return a
    before = audit.snapshot(existing, ["grade", "note"])
    existing.grade, existing.note = grade, note or existing.note
    if record is not None:
        existing.record = record
    existing.revision = F("revision") + 1
    existing.save()
    existing.refresh_from_db()
    audit.record(
        actor,
        "update",
        existing,
        changes=audit.diff(before, audit.snapshot(existing, list(before))),
        org_path=member.organization.path,
    )
    return existing


@transaction.atomic
def log_talk(
    actor,
    *,
    organization: Organization,
    held_on: date,
    kind: str,
    talker: str,
    member: Member | None,
    summary: str = "",
) -> Talk:
    require_manager(actor, organization)
    if kind not in Talk.Kind.values:
        raise ValidationError({"kind": "谈话类型应为班子成员之间、班子成员与党员或党员之间"})
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": "谈话日期不能晚于今天"})
    if organization.founded_on and held_on < organization.founded_on:
        raise ValidationError({"held_on": f"谈话日期早于本组织成立日期 {organization.founded_on:%Y-%m-%d}"})
    if held_on.year < rules.MIN_YEAR:
        raise ValidationError({"held_on": f"谈话日期应在{rules.MIN_YEAR}年以后"})
    if member is not None and not (organization.path <= member.organization.path < organization.path_end):
        raise ValidationError({"member": "谈话对象应为本组织党员"})
    if not talker.strip():
        raise ValidationError({"talker": "请填写谈话人"})
    talk = Talk.objects.create(
        organization=organization,
        held_on=held_on,
        kind=kind,
        talker=talker.strip(),
        member=member,
        summary=summary,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record(actor, "create", talk, changes={"held_on": held_on, "kind": kind}, org_path=organization.path)
    return talk
