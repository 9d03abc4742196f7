"""The figures attached to a secretary's report (书记述职评议考核): an ordered list of functions,
each reading one app's own query for the organization's year and returning rows
(`AppraisalFigure`). `figures_for` runs them in order; submitting a report stores the rows as
JSON, so the figures stay as they were at submission.

To add a figure (the organization star rating, for example), write a function
``(organization, year, today) -> list[AppraisalFigure]`` and add it to `FIGURES` — one line.
Ratings reads other apps only through their `queries` and the index registry (floor plan).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse
from django.utils import timezone

from jiceng.core.indices import FORTRESS, registered
from jiceng.development import queries as development
from jiceng.requests import queries as requests

from .models import IndexScore, Star, StarDecision, StarReview, WeakOrganization


@dataclass(frozen=True)
class AppraisalFigure:
    code: str
    name: str
    value: str  # as the sheet prints it, with its unit
    numerator: str = ""  # Decimal or int as text ("" when the figure is not a ratio)
    denominator: str = ""
    url: str = ""  # the page of the records behind it
    text: str = ""  # how it reads, e.g. 「落实 10.5/12 个周期」


def _number(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


def _percent(numerator, denominator) -> str:
    if not denominator:
        return "—"
    value = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%"


def _component(code: str, name: str, org, year: int, today: date) -> list[AppraisalFigure]:
    component = registered(FORTRESS).get(code)
    if component is None:
        return []
    figure = component.compute(org, year, today).get(org.pk)
    if figure is None:
        return [AppraisalFigure(code, name, "无应统计事项")]
    return [
        AppraisalFigure(
            code,
            name,
            _percent(figure.numerator, figure.denominator),
            _number(figure.numerator),
            _number(figure.denominator),
            figure.url,
            figure.text,
        )
    ]


def compliance(org, year: int, today: date) -> list[AppraisalFigure]:
    """组织生活落实率 of the organization and every organization below it (a township's secretary
    answers for its branches): the owed cadence periods done (met 1, late ½) over those owed,
    summed over the subtree's results of the compliance component, as on the compliance page."""
    component = registered(FORTRESS).get("life.compliance")
    if component is None:
        return []
    figures = component.compute(org, year, today).values()
    done = sum((f.numerator for f in figures), Decimal(0))
    owed = sum((f.denominator for f in figures), Decimal(0))
    url = f"{reverse('life:compliance')}?org={org.pk}&period={year}"
    if not owed:
        return [AppraisalFigure("life.compliance", "组织生活落实率", "无应统计事项", url=url)]
    return [
        AppraisalFigure(
            "life.compliance",
            "组织生活落实率",
            _percent(done, owed),
            _number(done),
            _number(owed),
            url,
            f"本级及所属 {len(figures)} 个组织落实 {_number(done)}/{_number(owed)} 个周期",
        )
    ]


def development_figure(org, year: int, today: date) -> list[AppraisalFigure]:
    """发展党员: admissions of the year in the organization's subtree (development.queries)."""
    counts = development.admissions(org.path, (date(year, 1, 1), date(year, 12, 31)))
    n = sum(count for _last, count in counts.values())
    url = f"{reverse('development:stats')}?org={org.pk}&year={year}"
    return [AppraisalFigure("development.admitted", "发展党员", f"{n} 名", str(n), "", url, f"{year}年入党 {n} 名")]


def dues(org, year: int, today: date) -> list[AppraisalFigure]:
    """党费交纳完成率: member-months paid over due, as on the dues ledger."""
    return _component("dues.completion", "党费按月交纳率", org, year, today)


def requests_figures(org, year: int, today: date) -> list[AppraisalFigure]:
    """群众诉求: received and resolved in the territory, the on-time rate, the satisfaction rate."""
    now = timezone.make_aware(datetime.combine(min(today, date(year, 12, 31)), time.max))
    f = requests.year_figures(org, year, now)
    url = f"{reverse('requests:ranking')}?org={org.pk}&from={year}-01-01&to={year}-12-31"
    return [
        AppraisalFigure(
            "requests.resolved",
            "群众诉求办结",
            f"{f.resolved}/{f.received} 件",
            str(f.resolved),
            str(f.received),
            url,
            f"受理 {f.received} 件，办结 {f.resolved} 件",
        ),
        AppraisalFigure(
            "requests.ontime",
            "诉求按时办结率",
            _percent(f.done_ok, f.done_settled),
            str(f.done_ok),
            str(f.done_settled),
            url,
            f"按时办结 {f.done_ok}/{f.done_settled} 件",
        ),
        AppraisalFigure(
            "requests.satisfaction",
            "群众满意率",
            _percent(f.satisfied, f.rated),
            str(f.satisfied),
            str(f.rated),
            url,
            f"满意 {f.satisfied}/{f.rated} 件回访",
        ),
    ]


def rating(org, year: int, today: date) -> list[AppraisalFigure]:
    """堡垒指数 (the stored IndexScore of the year) and the member stars of the year's last
    decided quarter in the subtree (members reviewed, members with every star)."""
    out = []
    score = IndexScore.objects.filter(index=FORTRESS, organization=org, year=year).first()
    url = f"{reverse('ratings:fortress')}?org={org.pk}&year={year}"
    if score is None or score.value is None:
        out.append(AppraisalFigure("ratings.fortress", "堡垒指数", "未计算", url=url))
    else:
        out.append(
            AppraisalFigure(
                "ratings.fortress", "堡垒指数", f"{_number(score.value)} 分", _number(score.value), "100", url
            )
        )
    reviews = StarReview.objects.filter(
        org.subtree_filter("organization__"),
        state=StarReview.State.DECIDED,
        quarter__gte=date(year, 1, 1),
        quarter__lte=date(year, 12, 31),
    )
    quarter = reviews.order_by("-quarter").values_list("quarter", flat=True).first()
    if quarter is None:
        out.append(
            AppraisalFigure("ratings.stars", "党员评星", "当年未评星", url=f"{reverse('ratings:stars')}?org={org.pk}")
        )
        return out
    n_stars = Star.objects.filter(active=True).count()
    held: dict[int, int] = {}
    for member_id, final in StarDecision.objects.filter(review__in=reviews.filter(quarter=quarter)).values_list(
        "member_id", "final"
    ):
        held[member_id] = held.get(member_id, 0) + (final in StarDecision.HOLDS)
    full = sum(1 for n in held.values() if n >= n_stars)
    label = f"{quarter.year}年第{(quarter.month - 1) // 3 + 1}季度"
    out.append(
        AppraisalFigure(
            "ratings.stars",
            "满星党员比例",
            _percent(full, len(held)),
            str(full),
            str(len(held)),
            f"{reverse('ratings:stars')}?org={org.pk}&quarter={quarter.year}-{(quarter.month - 1) // 3 + 1}",
            f"{label}评星 {len(held)} 名党员，满星 {full} 名",
        )
    )
    return out


def rectification(org, year: int, today: date) -> list[AppraisalFigure]:
    """软弱涣散整顿: the organization itself designated weak in the year, and its ledger's state;
    for an organization with organizations below it, how many of them were designated and accepted."""
    url = f"{reverse('ratings:weak')}?org={org.pk}&year={year}"
    rows = list(
        WeakOrganization.objects.filter(org.subtree_filter("organization__"), year=year).values_list(
            "organization_id", "state"
        )
    )
    own = [state for org_id, state in rows if org_id == org.pk]
    if own:
        value = f"是（{WeakOrganization.State(own[0]).label}）"
    else:
        value = "否"
    out = [AppraisalFigure("ratings.weak", "本组织软弱涣散", value, url=url)]
    below = [state for org_id, state in rows if org_id != org.pk]
    if below:
        accepted = sum(1 for s in below if s == WeakOrganization.State.ACCEPTED)
        out.append(
            AppraisalFigure(
                "ratings.weak_below",
                "下级软弱涣散整顿销号",
                f"{accepted}/{len(below)} 个",
                str(accepted),
                str(len(below)),
                url,
                f"确定 {len(below)} 个，已销号 {accepted} 个",
            )
        )
    return out


def org_rating(org, year: int, today: date) -> list[AppraisalFigure]:
    """星级党组织: the organization's own star rating of the year (confirmed or still under review);
    for an organization with rated organizations below it, how many of them have five stars."""
    from .models import OrgRating

    out = []
    rows = list(
        OrgRating.objects.filter(org.subtree_filter("organization__"), year=year).values_list(
            "pk", "organization_id", "stars", "state"
        )
    )
    own = next((r for r in rows if r[1] == org.pk), None)
    if own is not None:
        pk, _, stars, state = own
        note = "" if state == OrgRating.State.CONFIRMED else "（待确认）"
        out.append(
            AppraisalFigure(
                "ratings.org_rating",
                "星级评定",
                f"{stars} 星{note}",
                str(stars),
                "5",
                reverse("ratings:orgrating", args=[pk]),
                f"{year}年星级评定 {stars} 星{note}",
            )
        )
    below = [r for r in rows if r[1] != org.pk]
    if below:
        five = sum(1 for r in below if r[2] >= 5)
        out.append(
            AppraisalFigure(
                "ratings.org_rating_below",
                "下级五星党组织",
                f"{five}/{len(below)} 个",
                str(five),
                str(len(below)),
                f"{reverse('ratings:orgratings')}?org={org.pk}&year={year}&stars=5",
                f"评定 {len(below)} 个，五星 {five} 个",
            )
        )
    return out


FIGURES: list[Callable[..., list[AppraisalFigure]]] = [
    compliance,
    development_figure,
    dues,
    requests_figures,
    rating,
    org_rating,
    rectification,
]


def figures_for(org, year: int, today: date) -> list[dict]:
    """Every figure of the organization's year, in order, as the JSON a report stores."""
    return [asdict(figure) for compute in FIGURES for figure in compute(org, year, today)]
