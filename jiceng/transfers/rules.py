"""Rules for transfer letters — pure functions, no database.

Sources:
- 中共中央组织部《关于印发〈中国共产党流动党员活动证〉和〈中国共产党党员组织关系介绍信〉修订
  式样的通知》（组通字〔2006〕45号）: the letter has three parts (存根, 介绍信, 回执联), carries a
  number and a validity ("有效期 天"); the receiving grassroots committee returns the receipt
  within one month of receiving the member; until the member is received, the sending
  organization remains responsible for them.
- Common practice of organization departments [C]: a letter is valid for about 30 days and
  never more than 3 months; a member who misses it needs a new or extended letter
  (因特殊情况超期的，需由所在党支部出具证明、本人提出申请，方可办理).
- Periods follow 《民法典》 articles 201–203: a period in days starts the day after the issue
  date and ends at 24:00 of its last day; a period in months ends on the same day of the
  last month, or that month's last day when it has no such day.
"""

from __future__ import annotations

from datetime import date, timedelta

from jiceng.orgs.rules import add_months

GUIDANCE = "《中国共产党党员组织关系介绍信》（组通字〔2006〕45号）"


def default_valid_until(issued_on: date, days: int) -> date:
    """Last valid day of a letter valid for `days` days from `issued_on` (the issue day not counted)."""
    return issued_on + timedelta(days=days)


def latest_valid_until(issued_on: date, max_months: int) -> date:
    return add_months(issued_on, max_months)


def due_on(kind: str, valid_until: date, receipt_months: int) -> date:
    """Last day on which confirmation is in time.

    Within the county and into it, the receiving side confirms when the member reports,
    which must be within the letter's validity. Out of the county, the sending side learns it
    from the receipt, which the receiving committee sends within the receipt period after the
    member reported.
    """
    if kind == "out":
        return add_months(valid_until, receipt_months)
    return valid_until


def validity_errors(issued_on: date, valid_until: date, today: date, max_months: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if issued_on > today:
        errors["issued_on"] = "开具日期不能晚于今天"
    if valid_until < issued_on:
        errors["valid_until"] = "有效期不能早于开具日期"
    elif valid_until > latest_valid_until(issued_on, max_months):
        errors["valid_until"] = (
            f"介绍信有效期最长{max_months}个月（本县规定，依{GUIDANCE}），"
            f"自{issued_on:%Y-%m-%d}开具的最晚到{latest_valid_until(issued_on, max_months):%Y-%m-%d}"
        )
    return errors


def extension_errors(
    valid_until: date, new_valid_until: date, reissued_on: date, today: date, max_months: int
) -> dict[str, str]:
    """A re-issued (extended) letter runs from the day it is re-issued, for at most `max_months`."""
    errors: dict[str, str] = {}
    if reissued_on > today:
        errors["reissued_on"] = "重开日期不能晚于今天"
    if new_valid_until <= valid_until:
        errors["valid_until"] = f"新的有效期须晚于原有效期（{valid_until:%Y-%m-%d}）"
    elif new_valid_until < today:
        errors["valid_until"] = "新的有效期不能早于今天"
    elif new_valid_until > latest_valid_until(reissued_on, max_months):
        errors["valid_until"] = (
            f"介绍信有效期最长{max_months}个月（本县规定，依{GUIDANCE}），"
            f"{reissued_on:%Y-%m-%d}重开的最晚到{latest_valid_until(reissued_on, max_months):%Y-%m-%d}"
        )
    return errors


def reporting_errors(issued_on: date, valid_until: date, reported_on: date, today: date) -> dict[str, str]:
    """The member must report to the receiving organization within the letter's validity."""
    if reported_on > today:
        return {"on": "报到日期不能晚于今天"}
    if reported_on < issued_on:
        return {"on": f"报到日期不能早于介绍信开具日期（{issued_on:%Y-%m-%d}）"}
    if reported_on > valid_until:
        return {
            "on": (
                f"介绍信已于{valid_until:%Y-%m-%d}过期，{reported_on:%Y-%m-%d}报到不能接收。"
                f"党员须在介绍信有效期内报到（{GUIDANCE}）；因特殊情况超期的，"
                "由转出方凭党支部证明和本人申请重开或延期介绍信后再接收"
            )
        }
    return {}


def days_left(valid_until: date, today: date) -> int:
    """Days the letter is still valid counting today (0 once it has expired)."""
    return max(0, (valid_until - today).days + 1)
