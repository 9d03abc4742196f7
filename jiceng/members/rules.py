"""Member record rules — pure functions, no database."""

from __future__ import annotations

from datetime import date

from jiceng.core.dates import add_years

AGE_BANDS = {
    "le35": "35岁及以下",
    "36_60": "36至60岁",
    "gt60": "61岁及以上",
}


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def age_band(birth: date, today: date) -> str:
    age = age_on(birth, today)
    if age <= 35:
        return "le35"
    if age <= 60:
        return "36_60"
    return "gt60"


def birth_range_for_band(band: str, today: date) -> tuple[date | None, date | None]:
    """(born after, born on or before) bounds of an age band on `today`.

    Someone is 35 or younger while their 36th birthday is still ahead, i.e. born after
    today minus 36 years; 61 or older once born on or before today minus 61 years.
    """
    if band == "le35":
        return add_years(today, -36), None
    if band == "36_60":
        return add_years(today, -61), add_years(today, -36)
    if band == "gt60":
        return None, add_years(today, -61)
    raise ValueError(band)


def record_errors(
    *, status: str, birth_date: date | None, join_date: date | None, full_date: date | None, today: date
) -> dict[str, str]:
    """Consistency checks of a member record; {field: Chinese message}."""
    errors: dict[str, str] = {}
    for field, value, label in (("join_date", join_date, "入党日期"), ("full_date", full_date, "转正日期")):
        if value and value > today:
            errors[field] = f"{label}不能晚于今天"
    if status in ("probationary", "full") and not join_date:
        errors["join_date"] = "党员须填写入党日期"
    if status == "full" and not full_date:
        errors["full_date"] = "正式党员须填写转正日期"
    if status == "probationary" and full_date:
        errors["full_date"] = "预备党员不应有转正日期"
    if join_date and full_date and full_date < join_date:
        errors["full_date"] = "转正日期不能早于入党日期"
    if birth_date and join_date and age_on(birth_date, join_date) < 18:
        # 《中国共产党章程》: 年满十八岁 may apply; admission before 18 is impossible.
        errors["join_date"] = "入党时未满18周岁（《中国共产党章程》规定年满十八岁方可申请入党）"
    return errors


# ---- political birthdays (政治生日) [C] ---------------------------------------------------
# Counties greet a member on the anniversary of the join date (入党日期, the day the branch
# meeting admitted them); party age (党龄) counts from full membership (转正日期), as the
# 《中国共产党发展党员工作细则》 (2014) says.


def political_birthday(join_date: date, year: int) -> date | None:
    """The anniversary of `join_date` in `year`, or None in the join year itself and before.

    A member admitted on 29 February is greeted on 28 February in common years, so that the
    day stays in the same month as the member's other anniversaries.
    """
    if year <= join_date.year:
        return None
    try:
        return join_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return date(year, 2, 28)


def party_age(full_date: date | None, today: date) -> int | None:
    """Whole years of party age on `today` (None for a probationary member)."""
    if full_date is None or full_date > today:
        return None
    return age_on(full_date, today)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return first, date.fromordinal(nxt.toordinal() - 1)


# ---- registration with a residential community (在职党员到社区报到) [C] ----------------------
# Who may be registered where: the member's own `registered_community` obeys these rules
# whether it is set on the member form or at the community's desk (jiceng.dual, ADR 0008a).

# In office (在职): members who work — in an agency, an institution or an enterprise — as
# opposed to farmers, retired members, students and members without work.
IN_OFFICE_OCCUPATIONS = ("civil_servant", "professional", "manager", "worker")
IN_OFFICE_LABEL = "党政机关工作人员、专业技术人员、企事业单位管理人员、工人"
REGISTRABLE_STATUSES = ("full", "probationary")
# Villages and communities (and their branches and grids): the residential side.
VILLAGE_DOMAINS = ("rural", "community")


def registrable_status(status: str) -> bool:
    return status in REGISTRABLE_STATUSES


def in_office(occupation: str) -> bool:
    return occupation in IN_OFFICE_OCCUPATIONS


def residential_place_error(org_type: str, org_domain: str, parent_domain: str | None) -> str | None:
    """Why a member cannot register with this organization, or None. A village or community
    organization (or a branch or grid below one) lies in a rural or community domain *and* has a
    parent in one; a township or street committee sits right below the county, whose domain is
    neither. Party groups (党小组) are not registered with."""
    if org_domain not in VILLAGE_DOMAINS:
        return "在职党员只能到居住地的社区（村）党组织报到，所选组织不是社区或村党组织"
    if parent_domain not in VILLAGE_DOMAINS:
        return "请选择具体的社区（村）党组织，不能到乡镇党委或街道党工委报到"
    if org_type == "group":
        return "党小组不接受报到，请选择社区（村）党组织或其网格党支部"
    return None
