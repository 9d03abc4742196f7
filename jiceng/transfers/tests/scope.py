"""Rows of the outsider walk for transfers and political birthdays (dual registration's are
jiceng/dual/tests/scope.py).

The victim records are all inside town B (乙乡): a transfer within town B (to town B's
community), one out of the county and one coming in from outside. The walk plays town A's
admin, who must see none of them. (A transfer between town A and town B would rightly be
visible to both sides.)
"""

from __future__ import annotations

from datetime import date

PLACEHOLDER_NUMBER = "110101199003077777"


def samples(county, victim):
    within = {"pk": victim["victim_transfer"]}
    member_b = {"pk": county.member_b.pk}
    return {
        "transfers:list": {},
        "transfers:export": {},
        "transfers:overdue": {},
        "transfers:issue": {},
        "transfers:incoming": {},
        "transfers:org_options": {},
        "transfers:settings": {},
        "transfers:org_panel": {"pk": county.town_b.pk},
        "transfers:detail": within,
        "transfers:confirm": within,
        "transfers:return": within,
        "transfers:cancel": within,
        "transfers:extend": within,
        "transfer-list": {},
        "transfer-detail": within,
        "transfer-confirm": within,
        "transfer-return": within,
        "transfer-cancel": within,
        "api-birthdays": {},
        "members:birthdays": {},
        "members:birthday_export": {},
        "members:birthday_greet_all": {},
        "members:birthday_greet": member_b,
    }


QUERIES = {
    "transfers:list": "?organization={town_b}",
    "transfers:export": "?q=秘密",
    "transfers:overdue": "?org={town_b}",
    "transfers:issue": "?member={victim_member}",
    "transfers:incoming": "?organization={branch_b}",
    "transfers:org_options": "?q=乙乡",
    "transfer-list": "?organization={town_b}",
    "api-birthdays": "?organization={town_b}&month=2026-07",
    "members:birthdays": "?organization={town_b}&month=2026-07",
    "members:birthday_export": "?organization={town_b}&month=2026-07",
}
POSTS = {
    "transfers:issue": {"kind": "within", "to_org_code": "TA0101", "issued_on": "2026-01-05", "reason": "work"},
    "transfers:incoming": {
        "to_org": "{branch_b}",
        "name": "外来转入",
        "id_number": PLACEHOLDER_NUMBER,
        "member_status": "full",
        "join_date": "2010-01-01",
        "full_date": "2011-01-01",
        "from_name": "外县党支部",
        "letter_number": "X-1",
        "issued_on": "2026-01-01",
        "valid_until": "2026-02-01",
        "reason": "work",
    },
    "transfers:confirm": {"on": "2026-01-06"},
    "transfers:return": {"reason": "外来退回"},
    "transfers:cancel": {"reason": "外来撤销"},
    "transfers:extend": {"valid_until": "2026-03-01", "reason": "外来延期"},
    "transfers:settings": {"default_validity_days": "9", "max_validity_months": "1", "receipt_months": "1"},
    "members:birthday_greet_all": {"organization": "{town_b}", "month": "2026-07"},
    # The write API: issue a letter for town B's member, act on town B's transfer.
    "transfer-list": {
        "member": "{victim_member}",
        "kind": "within",
        "to_org_code": "TA0101",
        "issued_on": "2026-01-05",
    },
    "transfer-confirm": {"on": "2026-01-06"},
    "transfer-return": {"reason": "外来退回"},
    "transfer-cancel": {"reason": "外来撤销"},
}
# The receiving-organization picker lists the county's organizations by name (needed to
# address a transfer anywhere in the county); it never shows people.
PUBLIC = {"transfers:org_options"}


def setup(county):
    from jiceng.core import idnumbers
    from jiceng.orgs.services import create_organization
    from jiceng.testing import add_member
    from jiceng.transfers import services

    community = create_organization(
        None, parent=county.town_b, code="TB02", name="乙乡秘密社区党总支", type="general_branch", domain="community"
    )
    moving = add_member(county.branch_b, "钱秘密", phone="13900009999")
    leaving = add_member(county.branch_b, "孙秘密", phone="13900009999")
    within = services.issue_transfer(
        None, moving, kind="within", to_org=community, issued_on=date(2026, 1, 5), letter_number="秘密-1"
    )
    services.issue_transfer(
        None,
        leaving,
        kind="out",
        to_name="秘密市某党支部",
        region="秘密省",
        issued_on=date(2026, 1, 5),
        letter_number="秘密-2",
    )
    incoming = services.record_incoming(
        None,
        to_org=county.branch_b,
        name="李秘密",
        id_number=idnumbers.make("420100", date(1985, 3, 3), 7, "male"),
        phone="13900009999",
        member_status="full",
        join_date=date(2010, 1, 1),
        full_date=date(2011, 1, 1),
        from_name="外县秘密党支部",
        region="秘密省",
        letter_number="外-秘密",
        issued_on=date(2026, 1, 5),
        valid_until=date(2026, 2, 5),
    )
    return {
        "victim_transfer": within.pk,
        "victim_incoming": incoming.pk,
        "victim_member": moving.pk,
    }


def invariants(county):
    from jiceng.core.models import Notification
    from jiceng.members.models import Member
    from jiceng.transfers.models import Transfer, TransferEvent, TransferSettings

    return (
        sorted(Transfer.objects.values_list("id", "state", "valid_until", "letter_number", "member_id")),
        TransferEvent.objects.count(),
        sorted(
            Member.objects.filter(organization__path__startswith=county.town_b.path).values_list(
                "id", "status", "organization_id", "registered_community_id"
            )
        ),
        TransferSettings.objects.values_list("default_validity_days", flat=True).first(),
        Notification.objects.filter(kind="political_birthday").count(),
    )
