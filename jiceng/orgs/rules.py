"""Organization structure rules — pure functions, no database.

Statute: 中国共产党支部工作条例（试行）(2018) — branch formation with 3 or more full
members, a branch committee where there are 7 or more members, general branch / grassroots
committee permitted above 50 / at 100 members, and elections when the term ends.
Term lengths and the warning lead time are county configuration with those defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# The tree's and the calendar's arithmetic live in core (every layer needs them); named here too
# because the organization rules are written with them.
from jiceng.core.dates import add_months, add_years  # noqa: F401
from jiceng.core.tree import SEGMENT, child_path, path_upper_bound  # noqa: F401

REGULATION = "《中国共产党支部工作条例（试行）》"

BRANCH_TYPES = {"branch", "joint_branch", "temporary_branch"}
TERM_TYPES = {"committee", "general_branch", "branch", "joint_branch"}

# Warning codes, also used as filters in the county-wide list.
FEW_FULL = "few_full_members"
NO_COMMITTEE = "no_committee"
SUGGEST_GENERAL_BRANCH = "suggest_general_branch"
SUGGEST_COMMITTEE = "suggest_committee"
TERM_EXPIRING = "term_expiring"
TERM_EXPIRED = "term_expired"
TERM_POSTPONED = "term_postponed"

WARNING_LABELS = {
    FEW_FULL: "正式党员不足3人",
    NO_COMMITTEE: "党员7人以上未设支委会",
    SUGGEST_GENERAL_BRANCH: "党员超过50人（可设党总支）",
    SUGGEST_COMMITTEE: "党员100人以上（可设基层党委）",
    TERM_EXPIRING: "任期即将届满",
    TERM_EXPIRED: "任期已届满未换届",
    TERM_POSTPONED: "经批准延期换届",
}
STRUCTURE_CODES = (FEW_FULL, NO_COMMITTEE, SUGGEST_GENERAL_BRANCH, SUGGEST_COMMITTEE)
TERM_CODES = (TERM_EXPIRING, TERM_EXPIRED, TERM_POSTPONED)

# The statute's thresholds, named once: structure_warnings() below applies them to one
# organization, and orgs.queries.warning_totals_sql() counts them for a whole subtree in one SQL
# statement (the command screen of a province); jiceng/orgs/tests/test_warning_sql.py checks that
# both give the same warnings over every boundary.
MIN_FULL_MEMBERS = 3  # a branch needs 3 full members (不足3人)
COMMITTEE_FROM = 7  # 7 or more members: a branch committee (7人以上)
GENERAL_BRANCH_ABOVE = 50  # more than 50: a general branch may be formed (超过50人)
BASE_COMMITTEE_FROM = 100  # 100 or more: a grassroots committee may be formed (100人以上)
# The types whose warnings depend on member counts (the others' depend on the term only).
COUNTED_TYPES = BRANCH_TYPES | {"general_branch"}


@dataclass(frozen=True)
class StructureWarning:
    code: str
    level: str  # "danger" (breaks a rule), "warning" (due soon), "info" (a suggestion only)
    message: str

    @property
    def label(self) -> str:
        return WARNING_LABELS[self.code]


@dataclass(frozen=True)
class OrgFacts:
    type: str
    has_committee: bool
    full_members: int
    members: int  # probationary + full, in the organization's subtree
    term_end: date | None
    # An approved postponement of the election (延期换届): warnings count from this date.
    postponed_to: date | None = None


def term_years(org_type: str, village_level: bool, committee_years: int = 5, branch_years: int = 3) -> int:
    """Default term: 5 years for grassroots committees and village/community organizations,
    3 years for general branches and branches (county-configurable)."""
    if org_type == "committee" or village_level:
        return committee_years
    return branch_years


def structure_warnings(facts: OrgFacts, today: date, lead_months: int = 3) -> list[StructureWarning]:
    warnings: list[StructureWarning] = []
    if facts.type in BRANCH_TYPES:
        if facts.full_members < MIN_FULL_MEMBERS:
            warnings.append(
                StructureWarning(
                    FEW_FULL,
                    "danger",
                    f"正式党员仅 {facts.full_members} 人，不足3人，不能单独成立党支部，"
                    f"应与邻近单位成立联合党支部或挂靠其他党组织（{REGULATION}）",
                )
            )
        if facts.members >= COMMITTEE_FROM and not facts.has_committee:
            warnings.append(
                StructureWarning(
                    NO_COMMITTEE,
                    "danger",
                    f"党员 {facts.members} 人，7人以上的党支部应当设立支部委员会（{REGULATION}）",
                )
            )
    if facts.type in BRANCH_TYPES and GENERAL_BRANCH_ABOVE < facts.members < BASE_COMMITTEE_FROM:
        warnings.append(
            StructureWarning(
                SUGGEST_GENERAL_BRANCH,
                "info",
                f"党员 {facts.members} 人，超过50人，可根据工作需要成立党总支（建议，非强制；{REGULATION}）",
            )
        )
    if facts.type in COUNTED_TYPES and facts.members >= BASE_COMMITTEE_FROM:
        warnings.append(
            StructureWarning(
                SUGGEST_COMMITTEE,
                "info",
                f"党员 {facts.members} 人，100人以上，可根据工作需要成立基层党委（建议，非强制；{REGULATION}）",
            )
        )
    if facts.type in TERM_TYPES and facts.term_end is not None:
        postponed = facts.postponed_to is not None and facts.postponed_to > facts.term_end
        if postponed and facts.postponed_to < today:
            warnings.append(
                StructureWarning(
                    TERM_EXPIRED,
                    "danger",
                    f"任期已于 {facts.term_end:%Y-%m-%d} 届满，经批准延期至 {facts.postponed_to:%Y-%m-%d}，"
                    "延期已到仍未换届",
                )
            )
        elif postponed:
            soon = facts.postponed_to <= add_months(today, lead_months)
            warnings.append(
                StructureWarning(
                    TERM_POSTPONED,
                    "warning",
                    f"任期于 {facts.term_end:%Y-%m-%d} 届满，经批准延期换届至 {facts.postponed_to:%Y-%m-%d}"
                    + ("，请按期完成换届" if soon else ""),
                )
            )
        elif facts.term_end < today:
            warnings.append(
                StructureWarning(
                    TERM_EXPIRED,
                    "danger",
                    f"任期已于 {facts.term_end:%Y-%m-%d} 届满，应按期换届；延期须经批准并记录理由",
                )
            )
        elif facts.term_end <= add_months(today, lead_months):
            warnings.append(
                StructureWarning(
                    TERM_EXPIRING,
                    "warning",
                    f"任期将于 {facts.term_end:%Y-%m-%d} 届满（提前 {lead_months} 个月提醒），请准备换届",
                )
            )
    return warnings


def coverage_rate(covered: int, total: int) -> float | None:
    return None if total == 0 else round(covered * 100 / total, 1)
