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
  last month, or that month's last day when it has no such day; and when the last day is a
  statutory holiday or rest day, the period ends on the first working day after it (article
  203). The letter keeps the date its issuer wrote (`valid_until`); the last day to report and
  the deadlines for confirmation and for the receipt are rolled past holidays by a `roll`
  function (date -> date) that the services take from the working-day calendar. The cap on
  the validity (at most `max_months` from the issue) is a limit on what may be written, not a
  deadline, and does not roll.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from jiceng.orgs.rules import add_months

GUIDANCE = "《中国共产党党员组织关系介绍信》（组通字〔2006〕45号）"
CIVIL_CODE_203 = "《中华人民共和国民法典》第二百零三条"

Roll = Callable[[date], date]


def same_day(day: date) -> date:
    """No calendar: a deadline stays on its calendar day (the services pass the working-day calendar)."""
    return day


def last_report_day(valid_until: date, roll: Roll = same_day) -> date:
    """The last day the member may report: the validity's last day, or the first working day after
    it when it is a holiday or rest day (民法典第二百零三条)."""
    return roll(valid_until)


def expired_text(valid_until: date, last: date) -> str:
    if last == valid_until:
        return f"介绍信已于{valid_until:%Y-%m-%d}过期"
    return (
        f"介绍信有效期至{valid_until:%Y-%m-%d}（该日为法定节假日或休息日，顺延至{last:%Y-%m-%d}，{CIVIL_CODE_203}），"
        "已过期"
    )


def default_valid_until(issued_on: date, days: int) -> date:
    """Last valid day of a letter valid for `days` days from `issued_on` (the issue day not counted)."""
    return issued_on + timedelta(days=days)


def latest_valid_until(issued_on: date, max_months: int) -> date:
    return add_months(issued_on, max_months)


def due_on(kind: str, valid_until: date, receipt_months: int, roll: Roll = same_day) -> date:
    """Last day on which confirmation is in time (rolled past holidays).

    Within the county and into it, the receiving side confirms when the member reports,
    which must be within the letter's validity. Out of the county, the sending side learns it
    from the receipt, which the receiving committee sends within the receipt period after the
    member reported (at the latest on the last report day).
    """
    report_by = last_report_day(valid_until, roll)
    if kind == "out":
        return roll(add_months(report_by, receipt_months))
    return report_by


def receipt_months_of(valid_until: date, due: date) -> int:
    """The receipt period (months) a letter out of the county was issued or extended with, read back
    from its stored `due_on` (the setting may have changed since; the letter keeps its period). `due`
    is `valid_until` plus that many months, each end rolled past holidays; a roll moves a day by at
    most a holiday's length (under two weeks), less than a month, so the period is the largest n
    with valid_until + n months on or before `due`."""
    months = 0
    while months < 1200 and add_months(valid_until, months + 1) <= due:
        months += 1
    return months


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


def reporting_errors(
    issued_on: date, valid_until: date, reported_on: date, today: date, roll: Roll = same_day
) -> dict[str, str]:
    """The member must report to the receiving organization within the letter's validity (its
    last day rolled past a holiday)."""
    if reported_on > today:
        return {"on": "报到日期不能晚于今天"}
    if reported_on < issued_on:
        return {"on": f"报到日期不能早于介绍信开具日期（{issued_on:%Y-%m-%d}）"}
    last = last_report_day(valid_until, roll)
    if reported_on > last:
        return {
            "on": (
                f"{expired_text(valid_until, last)}，{reported_on:%Y-%m-%d}报到不能接收。"
                f"党员须在介绍信有效期内报到（{GUIDANCE}）；因特殊情况超期的，"
                "由转出方凭党支部证明和本人申请重开或延期介绍信后再接收"
            )
        }
    return {}


def days_left(valid_until: date, today: date, roll: Roll = same_day) -> int:
    """Days the letter is still valid counting today (0 once it has expired)."""
    return max(0, (last_report_day(valid_until, roll) - today).days + 1)
