def samples(county, victim):
    member = {"pk": county.member_b.pk}
    return {
        "members:list": {},
        "members:export": {},
        "members:create": {},
        "members:detail": member,
        "members:edit": member,
        "members:status": member,
        "members:reveal_id": member,
        "members:lead_household": member,
        "member-list": {},
        "member-detail": member,
    }


QUERIES = {
    "members:list": "?organization={town_b}",
    "members:export": "?q=赵秘密",
    "members:create": "?organization={branch_b}",
    "member-list": "?organization={town_b}",
}
POSTS = {
    "members:create": {"name": "外来新人", "id_number": "110101199003077777", "organization": "{branch_b}"},
    "members:status": {"to_status": "deceased", "on": "2026-01-01"},
    "members:lead_household": {"households": "5"},
}


def invariants(county):
    from jiceng.members.models import LeadHousehold, Member

    return (
        Member.objects.filter(pk=county.member_b.pk).values().get(),
        Member.objects.count(),
        LeadHousehold.objects.filter(member=county.member_b).exists(),
    )
