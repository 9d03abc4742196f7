"""Rows of the outsider walk for dual registration (在职党员到社区报到, see
jiceng/core/tests/scope.py).

The victims are inside town B (乙乡): town B's community, with town B's member 赵秘密
registered there and one service project it entered; the party day the community would
record them at is town B's themed party day (jiceng/life/tests/scope.py). The walk plays
town A's admin, who must see none of them.
"""

from __future__ import annotations

from datetime import date


def samples(county, victim):
    member_b = {"pk": county.member_b.pk}
    return {
        "dual:list": {},
        "dual:export": {},
        "dual:register": {},
        "dual:member": member_b,
        "dual:record": member_b,
        "dual:party_day": member_b,
        "dual:end": member_b,
        "dual:record_delete": {"pk": victim["dual_record"]},
        "dual:panel_command": {},
    }


QUERIES = {
    "dual:list": "?community={dual_community}",
    "dual:export": "?community={dual_community}",
    "dual:register": "?community={dual_community}",
    "dual:panel_command": "?org={town_b}",
}
POSTS = {
    # The form echoes the name typed in when it refuses; a name without the victim marker keeps
    # the echo from reading as a leak (test_only_the_communitys_managers_register posts the right
    # name and ID number as town B's outsider).
    "dual:register": {
        "community": "{dual_community}",
        "name": "钱某",
        "id_number": "{dual_id_number}",
        "on": "2026-01-05",
    },
    "dual:record": {"on": "2026-01-05", "title": "外来登记"},
    "dual:party_day": {"record": "{life_record}"},
    "dual:end": {"reason": "外来注销"},
}


def setup(county):
    from jiceng.core import idnumbers
    from jiceng.dual import services
    from jiceng.members.models import Member
    from jiceng.orgs.services import create_organization
    from jiceng.testing import add_member

    community = create_organization(
        None,
        parent=county.town_b,
        code="TB03",
        name="乙乡秘密社区第二党总支",
        type="general_branch",
        domain="community",
    )
    # Registration is for members in office (ADR 0008a).
    Member.objects.filter(pk=county.member_b.pk).update(occupation="civil_servant")
    services.register_with_community(
        None,
        community=community,
        name=county.member_b.name,
        id_number=idnumbers.decrypt(county.member_b.id_number_encrypted),
        on=date(2026, 1, 2),
    )
    record = services.record_dual_activity(None, county.member_b, on=date(2026, 1, 3), title="认领秘密服务项目")
    # Another town B member in office, not registered: the register form's victim.
    other = add_member(county.branch_b, "周秘密", occupation="civil_servant", phone="13900009999")
    return {
        "dual_community": community.pk,
        "dual_record": record.pk,
        "dual_id_number": idnumbers.decrypt(other.id_number_encrypted),
    }


def invariants(county):
    from jiceng.dual.models import DualRegistrationRecord
    from jiceng.life.models import Attendance
    from jiceng.members.models import Member

    return (
        sorted(
            Member.objects.filter(registered_community__isnull=False).values_list(
                "id", "registered_community_id", "registered_on", "revision"
            )
        ),
        sorted(DualRegistrationRecord.objects.values_list("id", "member_id", "kind", "on", "title")),
        sorted(Attendance.objects.filter(member=county.member_b).values_list("record_id", "status")),
    )
