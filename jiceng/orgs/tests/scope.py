def samples(county, victim):
    org = {"pk": county.branch_b.pk}
    return {
        "orgs:tree": {},
        "orgs:list": {},
        "orgs:export": {},
        "orgs:create": {},
        "orgs:warnings": {},
        "orgs:warnings_export": {},
        "orgs:coverage": {},
        "orgs:coverage_export": {},
        "orgs:detail": org,
        "orgs:children": {"pk": county.town_b.pk},
        "orgs:edit": org,
        "orgs:delete": org,
        "orgs:enterprise_create": {"pk": county.town_b.pk},
        "organization-list": {},
        "organization-detail": org,
        "orgs:picker": {},
    }


QUERIES = {
    "orgs:create": "?parent={town_b}",
    "orgs:list": "?within={town_b}",
    "orgs:export": "?within={town_b}",
    "orgs:warnings": "?org={town_b}",
    "orgs:warnings_export": "?org={town_b}",
    "organization-list": "?within={town_b}",
    "orgs:picker": "?q=乙乡",
}
POSTS = {
    "orgs:create": {"code": "TB99", "name": "外来新组织", "type": "branch", "domain": "rural"},
    "orgs:edit": {"code": "TB01", "name": "改名", "type": "branch", "domain": "rural"},
}


def invariants(county):
    from jiceng.orgs.models import Enterprise, Organization

    return (
        list(Organization.objects.filter(county.town_b.subtree_filter()).values()),
        Enterprise.objects.count(),
    )
