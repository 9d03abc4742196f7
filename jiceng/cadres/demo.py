"""Demo data: the two committees of every village and community of the demo county (4–7 cadres
each: a secretary — often 一肩挑 — a director where not, deputies and committee members), one or
two reserve cadres per village (some in the secretary talent pool), the county filing of most
secretaries, mentors for the secretaries new this year, the last four whole quarters of
assessments by each township (closed, with the streak tasks the rule raises), and the county's
rural disposable income per person for the two years before this one — so the pay sheet of any
of those quarters can be printed.

Everything is written with ``insert_tuples`` (one round per table): a county of about 200 villages
adds a few seconds. Computed dimensions are filled with figures of the same spread as the manual
ones (marked computed) rather than computed from the demo's records, to keep the generator cheap.
Random choices come from ``ctx.rng("cadres")``; no date is after ``ctx.today``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from jiceng.core import idnumbers
from jiceng.core.importing import insert_tuples
from jiceng.members.demo import resident_name, resident_phone
from jiceng.orgs.models import Organization
from jiceng.orgs.queries import PLACE_DOMAINS, township_like

from . import rules
from .models import (
    Assessment,
    AssessmentRound,
    CadreChange,
    CountyIncome,
    Mentorship,
    Score,
    StreakTask,
    VillageCadre,
)
from .queries import scheme_for

EDUCATION = ["junior_high", "secondary", "secondary", "junior_college", "junior_college", "bachelor"]
TERM_START = date(2021, 1, 15)  # the county-wide election of the two committees (村两委换届)
TERM_END = date(2026, 1, 14)  # its term, renewed for five years in January 2026
EVIDENCE = ["查阅台账和会议记录", "实地察看", "走访群众", "对照年度目标任务", "查看项目资料"]


def _quarters(today: date, n: int) -> list[tuple[int, int]]:
    year, quarter = rules.quarter_of(today)
    index = rules.quarter_index(year, quarter)
    return [(i // 4, i % 4 + 1) for i in range(index - n, index)]


def generate(ctx) -> dict[str, int]:
    rng = ctx.rng("cadres")
    today = ctx.today
    townships = list(township_like(ctx.root))
    villages = list(Organization.objects.filter(parent__in=townships, domain__in=PLACE_DOMAINS).order_by("path"))
    if not villages:
        return {}
    # In post since the 2021 election (re-elected in January 2026 where that date has passed).
    term_start = min(TERM_START, today - timedelta(days=400))
    term_end = TERM_END if TERM_END > today else date(2031, 1, 11)
    cadres = []  # (village_id, name, post, starts_on, pool, filed_on, birth, gender)
    for village in villages:
        size = rng.randint(4, 7)
        one_shoulder = rng.random() < 0.7
        posts = ["one_shoulder"] if one_shoulder else ["secretary", "director"]
        posts += ["deputy_secretary"] if rng.random() < 0.5 else []
        posts += ["deputy_director"] if rng.random() < 0.4 and not one_shoulder else []
        posts += ["committee_member"] * max(0, size - len(posts))
        posts += ["reserve"] * rng.randint(1, 2)
        new_secretary = rng.random() < 0.08
        for post in posts:
            starts = term_start
            if post in ("secretary", "one_shoulder") and new_secretary:
                starts = today - timedelta(days=rng.randint(40, 330))
            elif post == "reserve":
                starts = min(today, date(rng.randint(2022, max(2022, today.year)), rng.randint(1, 12), 1))
            secretary = post in ("secretary", "one_shoulder")
            filed = starts + timedelta(days=rng.randint(10, 40)) if secretary and rng.random() < 0.85 else None
            pool = (post == "reserve" and rng.random() < 0.5) or (secretary and rng.random() < 0.2)
            birth = date(rng.randint(1966, 1996), rng.randint(1, 12), rng.randint(1, 28))
            gender = "female" if rng.random() < 0.3 else "male"
            cadres.append((village, resident_name(rng), post, starts, pool, filed if filed and filed <= today else None,
                           birth, gender))  # fmt: skip
    rows = []
    for i, (village, name, post, starts, pool, filed, birth, gender) in enumerate(cadres):
        number = idnumbers.make(f"43{i // 100 % 10000:04d}", birth, i % 100, gender)
        rows.append((
            village.pk, name, gender, birth, rng.choice(EDUCATION), resident_phone(rng),
            idnumbers.encrypt(number), idnumbers.digest(number), idnumbers.mask(number),
            post, starts, term_end if post != "reserve" else None, "active", pool, filed,
            None, None, None, "", "",
        ))  # fmt: skip
    columns = ["village_id", "name", "gender", "birth_date", "education", "phone", "id_number_encrypted"]
    columns += ["id_number_digest", "id_number_masked", "post", "term_starts_on", "term_ends_on", "state"]
    columns += ["in_talent_pool", "filed_on", "member_id", "left_on", "filed_by_id", "filing_note", "note"]
    insert_tuples(VillageCadre, columns, rows)
    saved = list(
        VillageCadre.objects.filter(village__in=villages)
        .order_by("pk")
        .values_list("pk", "village_id", "post", "term_starts_on")
    )
    insert_tuples(
        CadreChange,
        ["cadre_id", "field", "from_value", "to_value", "on", "reason", "recorded_by_id"],
        [(pk, "post", "", post, starts, "登记", None) for pk, _, post, starts in saved],
    )
    mentors = [
        (pk, resident_name(rng), "乡镇党委组织委员" if rng.random() < 0.5 else "邻村党组织书记",
         min(today, starts + timedelta(days=7)), None, "每月面对面指导一次")
        for pk, _, post, starts in saved
        if post in ("secretary", "one_shoulder") and starts > term_start
    ]  # fmt: skip
    insert_tuples(Mentorship, ["mentee_id", "mentor_name", "mentor_unit", "starts_on", "ends_on", "note"], mentors)

    # The county's income per person for the two years before this one.
    county = Organization.objects.get(path=ctx.root.path)
    base = Decimal(rng.randint(15000, 19000))
    incomes = [
        (county.pk, today.year - 2, base + Decimal("0.00")),
        (county.pk, today.year - 1, base * Decimal("1.065")),
    ]
    insert_tuples(
        CountyIncome,
        ["county_id", "year", "amount", "entered_by_id"],
        [(c, y, rules.fen(a), None) for c, y, a in incomes],
    )

    # A year of assessments: each township's last four whole quarters, closed.
    figures = _assessments(ctx, rng, townships, saved)
    return {"村干部": len(saved), "导师帮带": len(mentors), **figures}


def _assessments(ctx, rng, townships, saved) -> dict[str, int]:
    today = ctx.today
    quarters = _quarters(today, 4)
    decider = ctx.users.get("demo-township")
    village_township = dict(Organization.objects.filter(parent__in=townships).values_list("pk", "parent_id"))
    # A cadre's level: most are steady, a few excellent or weak all year (so the streak rule shows).
    level = {pk: rng.choices([93, 82, 70, 52], weights=[12, 60, 22, 6])[0] for pk, *_ in saved}
    round_rows = []
    for township in townships:
        for year, quarter in quarters:
            scheme = scheme_for(year, quarter)
            round_rows.append((township.pk, year, quarter, scheme.pk, "closed", None, timezone.now()))
    columns = ["township_id", "year", "quarter", "scheme_id", "state", "opened_by_id", "closed_at"]
    insert_tuples(AssessmentRound, columns, round_rows)
    rounds = {
        (t, y, q): (pk, s)
        for pk, t, y, q, s in AssessmentRound.objects.filter(township__in=townships).values_list(
            "pk", "township_id", "year", "quarter", "scheme_id"
        )
    }
    schemes = {}
    for _, scheme_id in rounds.values():
        if scheme_id not in schemes:
            scheme = scheme_for(*next((y, q) for (t, y, q), (_, s) in rounds.items() if s == scheme_id))
            schemes[scheme_id] = (scheme, list(scheme.dimensions.all()))
    assessments, scores, grades = [], [], {}
    for pk, village_id, post, starts in saved:
        if post == "reserve":
            continue
        for year, quarter in quarters:
            if rules.months_in_post(starts, None, year, quarter) == 0:
                continue
            round_id, scheme_id = rounds[(village_township[village_id], year, quarter)]
            scheme, dimensions = schemes[scheme_id]
            percent = max(30, min(100, level[pk] + rng.randint(-4, 4)))
            points = [
                (d, rules.fen(d.weight * max(20, min(100, percent + rng.randint(-6, 6))) / 100)) for d in dimensions
            ]
            total = sum((p for _, p in points), Decimal(0))
            grade = rules.grade(total, scheme.excellent_from, scheme.competent_from, scheme.basic_from)
            assessments.append((round_id, pk, total, grade, None))
            grades.setdefault(pk, {})[(year, quarter)] = grade
            for d, p in points:
                scores.append((round_id, pk, d.pk, p, bool(d.source), "演示数据" if d.source else rng.choice(EVIDENCE)))
    insert_tuples(Assessment, ["round_id", "cadre_id", "total", "grade", "scored_by_id"], assessments)
    ids = {(r, c): pk for pk, r, c in Assessment.objects.filter(round_id__in=[r for r, _ in rounds.values()])
           .values_list("pk", "round_id", "cadre_id")}  # fmt: skip
    insert_tuples(
        Score,
        ["assessment_id", "dimension_id", "points", "computed", "evidence"],
        [(ids[(r, c)], d, p, computed, e) for r, c, d, p, computed, e in scores],
    )
    tasks = []
    kinds = {rules.EXCELLENT: "commendation", rules.INCOMPETENT: "replacement"}
    for pk, village_id, *_ in saved:
        for year, quarter in quarters:
            grade = grades.get(pk, {}).get((year, quarter))
            round_id, scheme_id = rounds[(village_township[village_id], year, quarter)]
            streak = schemes[scheme_id][0].streak
            if grade in kinds and rules.streak_reached(grades[pk], year, quarter, grade, streak):
                tasks.append((pk, kinds[grade], round_id, rules.quarters_text(year, quarter, streak),
                              decider.pk if decider and village_township[village_id] == ctx.township.pk else None,
                              None, None, ""))  # fmt: skip
    columns = ["cadre_id", "kind", "round_id", "quarters", "decider_id", "decided_by_id", "decided_on", "decision_note"]
    insert_tuples(StreakTask, columns, tasks)
    return {"村干部季度考核": len(assessments), "表彰与调整事项": len(tasks)}
