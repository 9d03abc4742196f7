"""Term arithmetic for elections — pure functions.

Statute: 《中国共产党支部工作条例（试行）》 and 《中国共产党基层组织选举工作条例》: committees are
elected for a term and renewed when it ends (按期换届); a postponement needs the approval of
the level above and is recorded with its reason. Term lengths are county configuration
(CountySettings.committee_term_years, default 5 for grassroots committees and village/community
organizations; branch_term_years, default 3 for general branches and branches)."""

from __future__ import annotations

from datetime import date

from jiceng.core.dates import add_months, add_years
from jiceng.orgs.rules import term_years

VILLAGE_DOMAINS = {"rural", "community"}
MAX_POSTPONEMENT_MONTHS = 12


def term_for(org_type: str, village_level: bool, start: date, committee_years: int, branch_years: int) -> date:
    """The day the term ends: the same calendar day `years` later (29 Feb → 28 Feb)."""
    return add_years(start, term_years(org_type, village_level, committee_years, branch_years))


def postponement_errors(term_end: date | None, new_due: date, today: date) -> dict[str, str]:
    errors = {}
    if term_end is None:
        errors["new_due"] = "本组织没有任期届满日期，无需延期换届"
        return errors
    if new_due <= term_end:
        errors["new_due"] = f"延期后的日期应晚于原任期届满日期 {term_end:%Y-%m-%d}"
    elif new_due > add_months(term_end, MAX_POSTPONEMENT_MONTHS):
        errors["new_due"] = (
            f"延期一般不超过{MAX_POSTPONEMENT_MONTHS}个月（至 {add_months(term_end, MAX_POSTPONEMENT_MONTHS):%Y-%m-%d}）"
            "（《中国共产党基层组织选举工作条例》）"
        )
    return errors
