"""Writes to shared settings: the county settings and the working-day calendar."""

from django.core.exceptions import ValidationError
from django.db import transaction

from . import audit
from .models import CountySettings
from .scoping import require_county_admin

SETTINGS_FIELDS = ["term_warning_months", "committee_term_years", "branch_term_years"]


@transaction.atomic
def update_settings(actor, **values) -> CountySettings:
    require_county_admin(actor)
    config = CountySettings.for_update()
    before = audit.snapshot(config, SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(name)
        setattr(config, name, value)
    config.save()
    root_path = actor.organization.path if getattr(actor, "organization", None) else ""
    audit.record(
        actor, "update", config, changes=audit.diff(before, audit.snapshot(config, SETTINGS_FIELDS)), org_path=root_path
    )
    return config


# ---- working-day calendar -------------------------------------------------------------


def _root_path(actor) -> str:
    return actor.organization.path if getattr(actor, "organization", None) else ""


def _changed(*years: int) -> None:
    """Tell the apps that store deadlines (within the caller's transaction) that days changed."""
    from .calendar import calendar_changed
    from .models import CalendarDay

    calendar_changed.send(sender=CalendarDay, years=set(years))


@transaction.atomic
def load_calendar_year_from_library(actor, year: int) -> int:
    """(Re)load one year's holidays and make-up working days from the chinesecalendar library."""
    from .calendar import library_days, library_years
    from .models import CalendarDay, CalendarYear

    require_county_admin(actor)
    if year not in library_years():
        raise ValidationError(f"chinesecalendar 库没有 {year} 年的节假日安排，请按国务院通知手工录入")
    days = library_days(year)
    CalendarDay.objects.filter(day__year=year).delete()
    CalendarDay.objects.bulk_create([CalendarDay(day=d, is_workday=w, name=n) for d, w, n in days])
    entry, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarYear.Source.LIBRARY, "note": "chinesecalendar 库"}
    )
    audit.record(actor, "update", entry, changes={"days": len(days), "source": "library"}, org_path=_root_path(actor))
    _changed(year)
    return len(days)


@transaction.atomic
def set_calendar_day(actor, day, *, is_workday: bool, name: str = ""):
    """Record a holiday or a make-up working day (any year, loaded or not)."""
    from .models import CalendarDay

    require_county_admin(actor)
    if not name.strip():
        raise ValidationError({"name": "请填写名称，如“春节”或“春节调休上班”"})
    entry, created = CalendarDay.objects.update_or_create(
        day=day, defaults={"is_workday": is_workday, "name": name.strip()}
    )
    audit.record(
        actor,
        "create" if created else "update",
        entry,
        changes={"day": day, "is_workday": is_workday, "name": name},
        org_path=_root_path(actor),
    )
    _changed(day.year)
    return entry


@transaction.atomic
def delete_calendar_day(actor, day) -> None:
    from .models import CalendarDay

    require_county_admin(actor)
    entry = CalendarDay.objects.filter(day=day).first()
    if entry is None:
        raise ValidationError("该日期没有节假日或调休记录")
    audit.record(actor, "delete", entry, changes={"day": day, "name": entry.name}, org_path=_root_path(actor))
    entry.delete()
    _changed(day.year)


@transaction.atomic
def mark_calendar_year_loaded(actor, year: int, note: str):
    """Declare a year's schedule complete (after entering the State Council notice by hand)."""
    from .models import CalendarDay, CalendarYear

    require_county_admin(actor)
    if not note.strip():
        raise ValidationError({"note": "请写明依据，如“国务院办公厅关于2027年部分节假日安排的通知”"})
    if not CalendarDay.objects.filter(day__year=year, is_workday=False).exists():
        raise ValidationError(f"{year} 年还没有录入任何节假日，请先逐日录入再确认")
    entry, _ = CalendarYear.objects.update_or_create(
        year=year, defaults={"source": CalendarYear.Source.ADMIN, "note": note.strip()}
    )
    audit.record(actor, "update", entry, changes={"loaded": True, "note": note}, org_path=_root_path(actor))
    return entry
