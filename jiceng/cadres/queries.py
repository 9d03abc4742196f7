"""Reads shared by the cadre pages, their exports, the API and other apps: the scoped register,
who is in post in a quarter, the scheme of a quarter, the points computed from the records (the
index components apps register, jiceng.core.indices), a round's table, the grade history of
cadres and the pay sheet of a township's quarter. Grouped queries; nothing per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from jiceng.core.indices import FORTRESS, ORGRATING, registered
from jiceng.core.scoping import visible
from jiceng.core.tree import SEGMENT
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import PLACE_DOMAINS

from . import rules
from .models import (
    POST_ORDER,
    Assessment,
    AssessmentRound,
    AssessmentScheme,
    CountyIncome,
    Post,
    PostCoefficient,
    VillageCadre,
)

DEFAULT_COEFFICIENTS = {
    Post.SECRETARY: Decimal("1.10"),
    Post.ONE_SHOULDER: Decimal("1.10"),
    Post.DIRECTOR: Decimal("1.00"),
    Post.DEPUTY_SECRETARY: Decimal("1.00"),
    Post.DEPUTY_DIRECTOR: Decimal("1.00"),
    Post.COMMITTEE_MEMBER: Decimal("1.00"),
}


def post_rank():
    """An expression ordering cadres as a committee is listed: secretary, 一肩挑, director, deputies,
    members, reserve (the posts' codes would sort alphabetically)."""
    return Case(*(When(post=p, then=Value(i)) for i, p in enumerate(POST_ORDER)), output_field=IntegerField())


def committee_order(qs: QuerySet) -> QuerySet:
    return qs.order_by("village__path", post_rank(), "name", "pk")


def visible_cadres(user, qs: QuerySet | None = None) -> QuerySet:
    return visible(user, qs if qs is not None else VillageCadre.objects.all())


def county_path() -> str:
    return (
        Organization.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True).first() or ""
    )


def county_of(org: Organization) -> Organization:
    return Organization.objects.get(path=org.path[:SEGMENT])


def is_township(org: Organization | None) -> bool:
    """A township or street: a rural or community organization whose parent is not one."""
    return bool(
        org is not None and org.domain in PLACE_DOMAINS and org.parent_id and org.parent.domain not in PLACE_DOMAINS
    )


def village_error(village: Organization | None) -> str | None:
    """Cadres are on record in a village or community: the organization right below a township."""
    if village is None:
        return "请选择村（社区）"
    if village.domain not in PLACE_DOMAINS or not is_township(village.parent if village.parent_id else None):
        return f"{village.name}不是村（社区）党组织：村干部登记在所在的村（社区）"
    return None


def townships(user) -> QuerySet:
    """The townships a user may assess: those the user manages as the township or the county."""
    qs = visible(user, Organization.objects.filter(domain__in=PLACE_DOMAINS, parent__isnull=False))
    return qs.exclude(parent__domain__in=PLACE_DOMAINS).order_by("path")


def villages_of(township: Organization) -> QuerySet:
    return Organization.objects.filter(parent=township, domain__in=PLACE_DOMAINS).order_by("path")


def in_post(qs: QuerySet, year: int, quarter: int) -> QuerySet:
    """Cadres holding a post of the two committees (not reserve cadres) on some day of the quarter."""
    start, end = rules.quarter_start(year, quarter), rules.quarter_end(year, quarter)
    return (
        qs.exclude(post=Post.RESERVE)
        .filter(term_starts_on__lte=end)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=start))
    )


def scheme_for(year: int, quarter: int) -> AssessmentScheme | None:
    return (
        AssessmentScheme.objects.filter(valid_from__lte=rules.quarter_start(year, quarter))
        .order_by("-valid_from")
        .first()
    )


def component_registry() -> dict:
    return {**registered(FORTRESS), **registered(ORGRATING)}


def computed_points(round: AssessmentRound, today=None) -> dict[int, dict[str, tuple[Decimal, str]]]:
    """{village id: {dimension code: (points, how it was computed)}} for the round's dimensions with
    a source: the component's value for the village over the round's year up to the quarter's end
    (or today, if sooner) × the dimension's weight, to the fen. A village the component cannot judge
    (nothing owed) is left out: the township scores that dimension by hand."""
    today = min(today or timezone.localdate(), rules.quarter_end(round.year, round.quarter))
    components = component_registry()
    out: dict[int, dict] = defaultdict(dict)
    for d in round.scheme.dimensions.all():
        component = components.get(d.source) if d.source else None
        if component is None:
            continue
        for org_id, figure in component.compute(round.township, round.year, today).items():
            if figure.value is None:
                continue
            points = rules.fen(figure.value * d.weight)
            out[org_id][d.code] = (
                points,
                f"{component.name}：{figure.text or figure.value}（× {d.weight.normalize():f} 分）",
            )
    return dict(out)


def round_cadres(round: AssessmentRound) -> QuerySet:
    qs = VillageCadre.objects.filter(village__parent=round.township).select_related("village")
    return committee_order(in_post(qs, round.year, round.quarter))


def unscored(round: AssessmentRound) -> list[VillageCadre]:
    return list(round_cadres(round).exclude(assessments__round=round))


def grades_of(cadre_ids) -> dict[int, dict[tuple[int, int], str]]:
    """{cadre id: {(year, quarter): grade}} from the closed rounds."""
    out: dict[int, dict] = defaultdict(dict)
    rows = Assessment.objects.filter(cadre_id__in=cadre_ids, round__state=AssessmentRound.State.CLOSED)
    for cadre_id, year, quarter, grade in rows.values_list("cadre_id", "round__year", "round__quarter", "grade"):
        out[cadre_id][(year, quarter)] = grade
    return dict(out)


def coefficients() -> dict[str, Decimal]:
    stored = dict(PostCoefficient.objects.values_list("post", "coefficient"))
    return {post: stored.get(post, default) for post, default in DEFAULT_COEFFICIENTS.items()}


@dataclass
class PayRow:
    cadre: VillageCadre
    pay: rules.Pay
    grade: str = ""


@dataclass
class PaySheet:
    township: Organization
    year: int
    quarter: int
    income: CountyIncome | None
    round: AssessmentRound | None
    rows: list[PayRow] = field(default_factory=list)
    problem: str = ""

    @property
    def totals(self) -> dict[str, Decimal]:
        return {
            "quarter_basic": sum((r.pay.quarter_basic for r in self.rows), Decimal("0.00")),
            "performance": sum((r.pay.performance for r in self.rows), Decimal("0.00")),
            "total": sum((r.pay.total for r in self.rows), Decimal("0.00")),
        }


def pay_sheet(township: Organization, year: int, quarter: int) -> PaySheet:
    """The pay of the township's cadres in post for one quarter (rules.pay): the basis from the
    county's income of the previous year, the post's coefficient, the months in post and the
    points of the closed round of the quarter (an open or missing round: performance pay 0, said so
    on the row). Four queries whatever the number of cadres."""
    county = county_of(township)
    income = CountyIncome.objects.filter(county=county, year=year - 1).first()
    round = AssessmentRound.objects.filter(township=township, year=year, quarter=quarter).first()
    sheet = PaySheet(township, year, quarter, income, round)
    if income is None:
        sheet.problem = f"县委组织部尚未录入 {year - 1} 年农村居民人均可支配收入，无法计算报酬基数"
        return sheet
    points = {}
    if round is not None and round.state == AssessmentRound.State.CLOSED:
        points = {a.cadre_id: (a.total, a.get_grade_display()) for a in round.assessments.all()}
    elif round is not None:
        sheet.problem = f"{rules.quarter_label(year, quarter)}考核尚未完成：绩效报酬暂按 0 计，完成考核后自动计入"
    else:
        sheet.problem = f"{rules.quarter_label(year, quarter)}尚未开展考核：绩效报酬暂按 0 计"
    coefficient = coefficients()
    cadres = in_post(VillageCadre.objects.filter(village__parent=township), year, quarter).select_related("village")
    for cadre in committee_order(cadres):
        total, grade = points.get(cadre.pk, (None, ""))
        months = rules.months_in_post(cadre.term_starts_on, cadre.left_on, year, quarter)
        sheet.rows.append(PayRow(cadre, rules.pay(income.amount, coefficient[cadre.post], months, total), grade))
    return sheet
