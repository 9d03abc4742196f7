"""Deadlines of open transfers whose last day is a holiday or rest day move to the first working
day after it (《民法典》第二百零三条, ADR 0008). The letter's written validity is kept; only the
stored confirmation deadline (`due_on`) is recomputed."""

from datetime import timedelta

from django.db import migrations

from jiceng.orgs.rules import add_months


def roll_deadlines(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    Transfer = apps.get_model("transfers", "Transfer")
    exceptions = dict(CalendarDay.objects.values_list("day", "is_workday"))

    def roll(day):
        while not exceptions.get(day, day.weekday() < 5):
            day += timedelta(days=1)
        return day

    for t in Transfer.objects.filter(state="in_transit").iterator():
        report_by = roll(t.valid_until)
        if t.kind == "out":
            # The receipt period the letter was given (settings may have changed since).
            months = (t.due_on.year - t.valid_until.year) * 12 + t.due_on.month - t.valid_until.month
            due = roll(add_months(report_by, months))
        else:
            due = report_by
        if due != t.due_on:
            Transfer.objects.filter(pk=t.pk).update(due_on=due)


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_initial"), ("core", "0005_seed_calendar")]
    operations = [migrations.RunPython(roll_deadlines, migrations.RunPython.noop)]
