"""Rows of the outsider walk for the liaison pages and API (format: jiceng/core/tests/scope.py).

Victims in township 乙: a service team, a station, a representative (phone 13900009999), a
visit with a household list, a pending problem and a problem passed on as a request, all
with 「秘密」 in their text.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


def setup(county):
    from jiceng.liaison import services
    from jiceng.requests.models import Category

    other = Category.objects.get_or_create(code="other", defaults={"name": "其他"})[0]
    team = services.save_team(None, name="乙乡秘密服务队", organization=county.town_b)
    station = services.save_station(None, name="乙乡秘密工作室", organization=county.town_b, phone="13900009999")
    rep = services.save_representative(None, name="乙乡秘密代表", team=team, station=station, phone="13900009999")
    visit = services.record_visit(
        None,
        organization=county.branch_b,
        date=timezone.localdate() - timedelta(days=30),
        representatives=[rep],
        household_list="赵秘密 1组1号",
        note="秘密走访情况",
        problems=[
            {"description": "秘密问题待处理", "category": other, "outcome": "pending", "phone": "13900009999"},
            {
                "description": "秘密问题转交",
                "category": other,
                "outcome": "passed",
                "phone": "13900009999",
                "resident_name": "赵秘密",
            },
        ],
    )
    from jiceng.liaison.models import VisitPhoto

    # A photo row only: outsiders must get 404 before any file is opened.
    photo = VisitPhoto.objects.create(visit=visit, image="liaison/secret.jpg", thumbnail="liaison/secret-thumb.jpg")
    pending = visit.problems.get(outcome="pending")
    passed = visit.problems.get(outcome="passed")
    out = {
        "liaison_team": team.pk,
        "liaison_station": station.pk,
        "liaison_rep": rep.pk,
        "liaison_visit": visit.pk,
        "liaison_problem": pending.pk,
        "liaison_passed": passed.pk,
        "liaison_request": passed.request_id,
        "liaison_category": other.pk,
        "liaison_photo": photo.pk,
    }
    return out


def samples(county, victim):
    visit = {"pk": victim["liaison_visit"]}
    problem = {"pk": victim["liaison_problem"]}
    rows = {
        "liaison:report": {},
        "liaison:report_export": {},
        "liaison:panel": {},
        "liaison:representatives": {},
        "liaison:representatives_export": {},
        "liaison:representative_create": {},
        "liaison:representatives_import": {},
        "liaison:representatives_template": {},
        "liaison:representative": {"pk": victim["liaison_rep"]},
        "liaison:representative_edit": {"pk": victim["liaison_rep"]},
        "liaison:teams": {},
        "liaison:team_create": {},
        "liaison:team_edit": {"pk": victim["liaison_team"]},
        "liaison:station_create": {},
        "liaison:station_edit": {"pk": victim["liaison_station"]},
        "liaison:visits": {},
        "liaison:visits_export": {},
        "liaison:visit_create": {},
        "liaison:visit": visit,
        "liaison:visit_edit": visit,
        "liaison:visit_delete": visit,
        "liaison:problem_add": visit,
        "liaison:problems": {},
        "liaison:problems_export": {},
        "liaison:problem_solve": problem,
        "liaison:problem_pass_on": problem,
        "liaison:households": {},
        "liaison:photo": {"pk": victim["liaison_photo"]},
        "liaison-representative-list": {},
        "liaison-representative-detail": {"pk": victim["liaison_rep"]},
        "liaison-visit-list": {},
        "liaison-visit-detail": visit,
        "liaison-problem-list": {},
        "liaison-problem-detail": problem,
        "liaison-figures": {},
    }
    return rows


QUERIES = {
    "liaison:report": "?org={town_b}",
    "liaison:report_export": "?org={town_b}",
    "liaison:panel": "?org={town_b}",
    "liaison:representatives": "?visited_in={town_b}&start=2026-01-01&end=2026-12-31",
    "liaison:representatives_export": "?org={town_b}",
    "liaison:visits": "?org={town_b}",
    "liaison:visits_export": "?org={town_b}&representative={liaison_rep}",
    "liaison:visit_create": "?org={branch_b}",
    "liaison:problems": "?org={town_b}",
    "liaison:problems_export": "?q=秘密",
    "liaison:households": "?org={town_b}",
    "liaison-representative-list": "?org={town_b}",
    "liaison-visit-list": "?org={town_b}",
    "liaison-problem-list": "?q=秘密",
    "liaison-figures": "?org={town_b}",
}
POSTS = {
    "liaison:representative_create": {"name": "外来代表", "level": "county", "team": "{liaison_team}"},
    "liaison:representative_edit": {"name": "外来改名", "level": "county", "team": "{liaison_team}"},
    "liaison:team_create": {"name": "外来服务队", "organization": "{town_b}"},
    "liaison:team_edit": {"name": "外来改名", "organization": "{town_b}"},
    "liaison:station_create": {"name": "外来工作室", "kind": "studio", "organization": "{town_b}"},
    "liaison:station_edit": {"name": "外来改名", "kind": "studio", "organization": "{town_b}"},
    "liaison:visit_create": {
        "organization": "{branch_b}",
        "date": "2026-01-06",
        "kind": "household",
        "representatives": "{liaison_rep}",
        "households_reached": "3",
        "problems-TOTAL_FORMS": "0",
        "problems-INITIAL_FORMS": "0",
    },
    "liaison:visit_edit": {
        "organization": "{branch_b}",
        "date": "2026-01-06",
        "kind": "household",
        "representatives": "{liaison_rep}",
        "households_reached": "99",
    },
    "liaison:problem_add": {
        "new-description": "外来问题",
        "new-category": "{liaison_category}",
        "new-outcome": "passed",
    },
    "liaison:problem_solve": {"solution": "外来解决"},
    "liaison:representatives_import": {"token": "not-a-token"},
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.liaison.models import LiaisonStation, Problem, Representative, ServiceTeam, Visit
    from jiceng.requests.models import Request

    town_b = county.town_b.subtree_filter("organization__")
    return (
        list(ServiceTeam.objects.filter(town_b).values("name", "revision")),
        list(LiaisonStation.objects.filter(town_b).values("name", "revision")),
        list(Representative.objects.filter(town_b).values("name", "revision", "team_id")),
        list(Visit.objects.filter(town_b).values("households_reached", "date", "revision")),
        list(
            Problem.objects.filter(county.town_b.subtree_filter("visit__organization__")).values(
                "outcome", "request_id"
            )
        ),
        Request.objects.count(),
        Visit.objects.count(),
        Representative.objects.count(),
    )
