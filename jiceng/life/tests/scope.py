"""Outsider walk rows for organizational life (see jiceng/core/tests/scope.py)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def setup(county):
    from jiceng.life import services
    from jiceng.life.defaults import seed
    from jiceng.life.models import ActivityType, Attendance
    from jiceng.life.views.sign_in import sign_token
    from jiceng.testing import photo_upload

    seed(ActivityType)  # in case a transactional test flushed the migration's rows
    themed = ActivityType.objects.get(code="themed_day")
    record = services.create_record(
        None,
        organization=county.branch_b,
        activity_type=themed,
        held_on=date(2026, 1, 15),
        starts_at=datetime(2026, 1, 15, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
        ends_at=datetime(2026, 1, 15, 11, tzinfo=ZoneInfo("Asia/Shanghai")),
        topic="乙乡秘密主题党日",
        minutes="秘密会议记录 13900009999",
        place="乙乡秘密村部",
    )
    photo = services.add_photo(None, record, photo_upload("secret.jpg"))
    appraisal = services.set_appraisal(None, county.member_b, 2025, "qualified", note="秘密评议")
    talk = services.log_talk(
        None,
        organization=county.branch_b,
        held_on=date(2026, 1, 10),
        kind="committee_member",
        talker="乙乡秘密书记",
        member=county.member_b,
        summary="秘密谈话",
    )
    return {
        "life_record": record.pk,
        "life_photo": photo.pk,
        "life_token": sign_token(record),
        "life_appraisal": appraisal.pk,
        "life_talk": talk.pk,
        "life_type": themed.pk,
        "life_attendance": Attendance.objects.get(record=record).member_id,
    }


def samples(county, victim):
    rec = {"pk": victim["life_record"]}
    photo = {"pk": victim["life_photo"]}
    return {
        "life:list": {},
        "life:export": {},
        "life:create": {},
        "life:detail": rec,
        "life:edit": rec,
        "life:delete": rec,
        "life:attendance": rec,
        "life:photo_upload": rec,
        "life:qr": rec,
        "life:review": rec,
        "life:publish": rec,
        "life:photo": photo,
        "life:photo_thumb": photo,
        "life:photo_delete": photo,
        "life:sign": {"token": victim["life_token"]},
        "life:compliance": {},
        "life:compliance_export": {},
        "life:compliance_org": {"pk": county.branch_b.pk},
        "life:todo": {},
        "life:attendance_report": {},
        "life:attendance_export": {},
        "life:types": {},
        "life:type_create": {},
        "life:type_edit": {"pk": victim["life_type"]},
        "life:appraisals": {},
        "life:talks": {},
        "life:panel_org": {"pk": county.branch_b.pk},
        "life:panel_command": {},
        "life-type-list": {},
        "life-type-detail": {"pk": victim["life_type"]},
        "life-record-list": {},
        "life-record-detail": rec,
        "life-compliance": {},
    }


QUERIES = {
    "life:list": "?within={town_b}&member={life_attendance}",
    "life:export": "?within={town_b}",
    "life:compliance": "?org={town_b}&period=2026-Q1",
    "life:compliance_export": "?org={town_b}&period=2026-Q1",
    "life:compliance_org": "?period=2026-Q1",
    "life:todo": "?org={branch_b}",
    "life:attendance_report": "?org={town_b}&period=2026",
    "life:attendance_export": "?org={town_b}&period=2026",
    "life:appraisals": "?org={branch_b}&year=2025",
    "life:talks": "?org={branch_b}&year=2026",
    "life:create": "?org={branch_b}",
    "life-compliance": "?org={town_b}&period=2026-Q1",
    "life:panel_command": "?org={town_b}",
}
POSTS = {
    "life:create": {
        "organization": "{branch_b}",
        "activity_type": "{life_type}",
        "held_on": "2026-01-20",
        "topic": "外来纪实",
    },
    "life:edit": {"topic": "改名", "held_on": "2026-01-15"},
    "life:attendance": {"s-{life_attendance}": "present"},
    "life:review": {"review_comment": "外来点评", "score": "10"},
    "life:type_edit": {
        "code": "themed_day",
        "name": "外来",
        "cadence": "yearly",
        "applies_to": "group",
        "min_count": "9",
        "roster": "direct",
        "order": "1",
    },
    "life:type_create": {
        "code": "outsider",
        "name": "外来",
        "cadence": "yearly",
        "applies_to": "group",
        "min_count": "9",
        "roster": "direct",
        "order": "1",
    },
    "life:appraisals": {"org": "{branch_b}", "year": "2025", "g-{life_attendance}": "unqualified"},
    "life:talks": {"organization": "{branch_b}", "held_on": "2026-01-02", "kind": "members", "talker": "外来"},
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.life.models import ActivityType, Appraisal, Attendance, Record, RecordPhoto, Talk

    return (
        list(Record.objects.filter(county.branch_b.subtree_filter("organization__")).values()),
        list(Attendance.objects.filter(record__organization=county.branch_b).values()),
        RecordPhoto.objects.filter(record__organization=county.branch_b).count(),
        list(Appraisal.objects.filter(member=county.member_b).values("grade", "note")),
        Talk.objects.filter(organization=county.branch_b).count(),
        list(ActivityType.objects.values("code", "name", "min_count", "cadence")),
    )
