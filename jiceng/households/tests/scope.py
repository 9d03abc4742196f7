"""Rows of the outsider walk for the household pages and API (format: jiceng/core/tests/scope.py).

Victims in township 乙 (its village 乙乡秘密村): a household (phone 13900009999) with a person, a
measure, a check and a pair with a cadre of 乙乡, and a responsibility, all with 「秘密」 in their
text.
"""

from __future__ import annotations

from datetime import date


def setup(county):
    from jiceng.households import services
    from jiceng.testing import make_id

    household = services.create_household(
        None,
        village=county.branch_b,
        number="SECRET-001",
        kind="registered",
        head_name="秘密户主",
        address="乙乡秘密村1组",
        phone="13900009999",
        cause="illness",
    )
    person = services.add_person(None, household, id_number=make_id(date(1970, 1, 1)), name="秘密户主", relation="head")
    measure = services.save_measure(
        None, household, category="health", content="秘密措施", owner="秘密责任人", starts_on=date(2025, 1, 1)
    )
    services.record_check(None, household, item="water", checked_on=date(2025, 1, 1), met=True, checked_by="秘密核查人")
    cadre = services.save_cadre(
        None, organization=county.town_b, name="乙乡秘密干部", unit="秘密单位", phone="13900009999"
    )
    pair = services.pair(None, household, cadre=cadre, starts_on=date(2025, 1, 1))
    responsibility = services.save_responsibility(
        None, kind="department_village", organization=county.branch_b, person="秘密领导", unit="秘密局",
        starts_on=date(2025, 1, 1),
    )  # fmt: skip
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from jiceng.households.models import VisitPhoto

    visit = services.record_visit(
        None,
        household,
        cadre=cadre,
        visited_at=datetime(2025, 3, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        content="秘密走访内容",
        problems="秘密问题",
    )
    from jiceng.requests.models import Category

    category = Category.objects.get_or_create(code="other", defaults={"name": "其他"})[0]
    services.annotate_visit(None, visit, text="秘密补充")
    # A photo row only: outsiders must get 404 before any file is opened.
    photo = VisitPhoto.objects.create(
        visit=visit, image="household-visits/secret.jpg", thumbnail="household-visits/s.jpg"
    )
    # The relapse watch: the household out of poverty, income below the line (a flag, reviewed
    # once: 继续观察), a sudden expense, and an exit check of the village.
    from decimal import Decimal

    from django.utils import timezone

    from jiceng.households.models import RelapseThreshold, VisitCadence

    today = timezone.localdate()
    services.change_status(None, household, to_status="out", on=today, reason="秘密脱贫")
    services.set_income(None, household, year=2025, amounts={"wages": Decimal("100")})
    expense = services.record_expense(None, household, kind="illness", on=today, amount=Decimal("100"), note="秘密支出")
    flag = household.relapse_flags.get(kind="income")
    services.review_flag(None, flag, outcome="watch", note="秘密核实", on=today)
    services.check_village_exit(None, county.branch_b, on=today, signed_by="秘密签字人")
    return {
        "hh_flag": flag.pk,
        "hh_expense": expense.pk,
        "hh_threshold": RelapseThreshold.objects.get(kind="expense").pk,
        "hh_cadence": VisitCadence.objects.order_by("pk").first().pk,
        "hh_problem": visit.raised.get().pk,
        "hh_category": category.pk,
        "hh_visit": visit.pk,
        "hh_visit_photo": photo.pk,
        "hh_household": household.pk,
        "hh_person": person.pk,
        "hh_measure": measure.pk,
        "hh_cadre": cadre.pk,
        "hh_pair": pair.pk,
        "hh_responsibility": responsibility.pk,
    }


def samples(county, victim):
    household = {"pk": victim["hh_household"]}
    return {
        "households:list": {},
        "households:export": {},
        "households:create": {},
        "households:detail": household,
        "households:edit": household,
        "households:status": household,
        "households:ledger": household,
        "households:person_create": household,
        "households:income": household,
        "households:check_create": household,
        "households:measure_create": household,
        "households:pair_create": household,
        "households:visit_create": household,
        "households:visit": {"pk": victim["hh_visit"]},
        "households:visit_edit": {"pk": victim["hh_visit"]},
        "households:visit_note": {"pk": victim["hh_visit"]},
        "households:visit_photo": {"pk": victim["hh_visit_photo"]},
        "households:problem_pass_on": {"pk": victim["hh_problem"]},
        "households:person_edit": {"pk": victim["hh_person"]},
        "households:person_delete": {"pk": victim["hh_person"]},
        "households:person_reveal": {"pk": victim["hh_person"]},
        "households:measure_edit": {"pk": victim["hh_measure"]},
        "households:measure_delete": {"pk": victim["hh_measure"]},
        "households:pair_end": {"pk": victim["hh_pair"]},
        "households:coverage": {},
        "households:coverage_export": {},
        "households:panel": {},
        "households:cadres": {},
        "households:cadre_create": {},
        "households:cadre_edit": {"pk": victim["hh_cadre"]},
        "households:cadre_account": {"pk": victim["hh_cadre"]},
        "households:responsibilities": {},
        "households:responsibility_create": {},
        "households:responsibility_edit": {"pk": victim["hh_responsibility"]},
        "households:settings": {},
        "households:expense_create": household,
        "households:household_exit": household,
        "households:flags": {},
        "households:flag_export": {},
        "households:flag": {"pk": victim["hh_flag"]},
        "households:flag_review": {"pk": victim["hh_flag"]},
        "households:village_exit": {"pk": victim["branch_b"]},
        "households:thresholds": {},
        "households:threshold_create": {},
        "households:threshold_edit": {"pk": victim["hh_threshold"]},
        "household-list": {},
        "household-detail": household,
        "household-flag-list": {},
        "household-flag-detail": {"pk": victim["hh_flag"]},
        "households:compliance": {},
        "households:compliance_list": {},
        "households:compliance_export": {},
        "households:cadences": {},
        "households:cadence_create": {},
        "households:cadence_edit": {"pk": victim["hh_cadence"]},
        "households:mine": {},
        "households:my_visit_create": household,
        "household-mine-list": {},
        "household-mine-detail": household,
        "household-visit-list": {},
        "household-visit-detail": {"pk": victim["hh_visit"]},
        "household-visit-photos": {"pk": victim["hh_visit"]},
        "household-visit-notes": {"pk": victim["hh_visit"]},
    }


QUERIES = {
    "households:list": "?org={town_b}&cadre={hh_cadre}",
    "households:export": "?org={town_b}",
    "households:create": "?village={branch_b}",
    "households:coverage": "?org={town_b}",
    "households:coverage_export": "?org={town_b}",
    "households:panel": "?org={town_b}",
    "households:cadres": "?org={town_b}",
    "households:responsibilities": "?org={town_b}",
    "household-list": "?org={town_b}&cadre={hh_cadre}",
    "households:flags": "?org={town_b}&state=watching",
    "households:flag_export": "?org={town_b}",
    "household-flag-list": "?org={town_b}&household={hh_household}",
    "household-visit-list": "?household={hh_household}",
    "households:compliance": "?org={town_b}",
    "households:compliance_list": "?org={town_b}&status=owed",
    "households:compliance_export": "?org={town_b}",
}
POSTS = {
    "households:create": {
        "village": "{branch_b}",
        "number": "OUTSIDER-1",
        "kind": "registered",
        "head_name": "外来户",
        "cause": "illness",
    },
    "households:edit": {
        "village": "{branch_b}",
        "number": "SECRET-001",
        "kind": "registered",
        "head_name": "外来改名",
        "cause": "illness",
    },
    "households:status": {"to_status": "out", "on": "2026-01-05", "reason": "外来"},
    "households:person_create": {"name": "外来人", "id_number": "11010519491231002X", "relation": "child"},
    "households:person_edit": {"name": "外来改名", "relation": "head", "health": "healthy"},
    "households:income": {"year": "2025", "wages": "1"},
    "households:check_create": {"item": "food", "checked_on": "2026-01-05", "met": "0", "checked_by": "外来"},
    "households:measure_create": {
        "category": "health",
        "content": "外来",
        "owner": "外来",
        "starts_on": "2026-01-05",
        "state": "planned",
    },
    "households:measure_edit": {
        "category": "health",
        "content": "外来改",
        "owner": "外来",
        "starts_on": "2026-01-05",
        "state": "planned",
    },
    "households:pair_create": {"cadre": "{hh_cadre}", "starts_on": "2026-01-05"},
    "households:pair_end": {"ends_on": "2026-01-05", "reason": "外来"},
    "households:visit_create": {"cadre": "{hh_cadre}", "visited_at": "2026-01-05T10:00", "content": "外来走访"},
    "households:visit_edit": {"cadre": "{hh_cadre}", "visited_at": "2026-01-05T10:00", "content": "外来改"},
    "households:visit_note": {"text": "外来说明"},
    "households:problem_pass_on": {"category": "{hh_category}", "kind": "help"},
    "households:cadre_create": {"organization": "{town_b}", "name": "外来干部", "unit": "外来", "is_active": "on"},
    "households:cadre_edit": {"organization": "{town_b}", "name": "外来改名", "unit": "外来", "is_active": "on"},
    "households:cadre_account": {
        "username": "outsider-cadre",
        "password": "Outsider-pass-1",
        "password2": "Outsider-pass-1",
    },
    "households:responsibility_create": {
        "kind": "department_village",
        "organization": "{branch_b}",
        "person": "外来",
        "unit": "外来",
        "starts_on": "2026-01-05",
    },
    "households:responsibility_edit": {
        "kind": "department_village",
        "organization": "{branch_b}",
        "person": "外来改",
        "unit": "外来",
        "starts_on": "2026-01-05",
    },
    "households:settings": {"pairs_per_cadre": "1", "income_line": "1"},
    "households:expense_create": {"kind": "illness", "on": "2026-01-05", "amount": "99999"},
    "households:household_exit": {"on": "2026-01-05", "signed_by": "外来"},
    "households:flag_review": {"outcome": "dismiss", "reviewed_on": "2026-01-05", "note": "外来"},
    "households:village_exit": {"on": "2026-01-05", "signed_by": "外来"},
    "households:threshold_create": {
        "kind": "expense",
        "name": "外来",
        "amount": "1",
        "lookback_days": "1",
        "effective_from": "2020-01-01",
        "active": "on",
    },
    "households:threshold_edit": {
        "kind": "expense",
        "name": "外来",
        "amount": "1",
        "lookback_days": "1",
        "effective_from": "2020-01-01",
        "active": "on",
    },
    "households:my_visit_create": {"visited_at": "2026-01-05T10:00", "content": "外来走访"},
    "household-visit-list": {
        "household": "{hh_household}",
        "cadre": "{hh_cadre}",
        "visited_at": "2026-01-05T10:00",
        "content": "外来走访",
    },
    "household-visit-notes": {"text": "外来说明"},
    "household-visit-photos": {"photo": ""},
    "households:cadence_create": {
        "name": "外来规则",
        "applies_to": "pair",
        "kind": "each_household",
        "period": "week",
        "visits_per_household": "9",
        "effective_from": "2026-01-05",
        "is_active": "on",
    },
    "households:cadence_edit": {
        "name": "外来改",
        "applies_to": "pair",
        "kind": "each_household",
        "period": "week",
        "visits_per_household": "9",
        "effective_from": "2026-01-05",
        "is_active": "on",
    },
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def invariants(county):
    from jiceng.households.models import (
        Cadre,
        ExitCheck,
        GuaranteeCheck,
        Household,
        HouseholdExpense,
        HouseholdMember,
        HouseholdsSettings,
        Income,
        Measure,
        Pair,
        RelapseFlag,
        RelapseReview,
        RelapseThreshold,
        Responsibility,
        Visit,
        VisitCadence,
        VisitNote,
        VisitProblem,
    )

    config = HouseholdsSettings.current()
    return (
        list(Household.objects.values_list("number", "head_name", "status", "revision").order_by("pk")),
        list(HouseholdMember.objects.values_list("name", "relation", "revision").order_by("pk")),
        list(Measure.objects.values_list("content", "revision").order_by("pk")),
        list(Pair.objects.values_list("cadre_id", "ends_on", "revision").order_by("pk")),
        list(Cadre.objects.values_list("name", "revision").order_by("pk")),
        list(Responsibility.objects.values_list("person", "revision").order_by("pk")),
        GuaranteeCheck.objects.count(),
        list(Visit.objects.values_list("content", "visited_at", "revision").order_by("pk")),
        VisitNote.objects.count(),
        list(VisitProblem.objects.values_list("description", "request_id").order_by("pk")),
        Income.objects.count(),
        (config.pairs_per_cadre, str(config.income_line)),
        list(RelapseFlag.objects.values_list("key", "state", "revision").order_by("pk")),
        RelapseReview.objects.count(),
        list(HouseholdExpense.objects.values_list("amount", flat=True).order_by("pk")),
        ExitCheck.objects.count(),
        list(RelapseThreshold.objects.values_list("name", "amount", "revision").order_by("pk")),
        list(VisitCadence.objects.values_list("name", "period", "visits_per_household", "revision").order_by("pk")),
    )
