"""Seed the working-day calendar from the chinesecalendar library for every year it knows."""

from django.db import migrations


def seed(apps, schema_editor):
    from jiceng.core.calendar import library_days, library_years

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    for year in library_years():
        if CalendarYear.objects.filter(year=year).exists():
            continue
        CalendarDay.objects.bulk_create(
            [CalendarDay(day=d, is_workday=w, name=n) for d, w, n in library_days(year)], ignore_conflicts=True
        )
        CalendarYear.objects.create(year=year, source="library", note="chinesecalendar 库")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_calendarday_calendaryear_jobstate_notification")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
