"""Deadlines that end on a holiday or rest day move to the first working day after it
(《民法典》第二百零三条, ADR 0006). Stored deadlines of open files are rolled forward once; the
talk and approval steps already recorded are re-marked late or on time. Minimum periods (the
end of probation) do not move."""

from datetime import timedelta

from django.db import migrations

from jiceng.orgs.rules import add_months

DEADLINES = ["talk_due_on", "review_due_on", "approval_due_on", "approval_limit_on"]


def roll_deadlines(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    DevelopmentFile = apps.get_model("development", "DevelopmentFile")
    Step = apps.get_model("development", "Step")
    exceptions = dict(CalendarDay.objects.values_list("day", "is_workday"))

    def roll(day):
        while not exceptions.get(day, day.weekday() < 5):
            day += timedelta(days=1)
        return day

    for file in DevelopmentFile.objects.filter(status="open").iterator():
        changed = [name for name in DEADLINES if getattr(file, name) and roll(getattr(file, name)) != getattr(file, name)]
        for name in changed:
            setattr(file, name, roll(getattr(file, name)))
        if changed:
            file.save(update_fields=changed)
    for step in Step.objects.filter(number__in=(2, 17), revoked_at=None, is_late=True).select_related("file"):
        file = step.file
        start = file.applied_on if step.number == 2 else file.vote_on
        months = 1 if step.number == 2 else 3
        if start and step.on <= roll(add_months(start, months)):
            Step.objects.filter(pk=step.pk).update(is_late=False)
            if step.number == 2:
                DevelopmentFile.objects.filter(pk=file.pk).update(talk_late=False)


class Migration(migrations.Migration):
    dependencies = [("development", "0001_initial"), ("core", "0005_seed_calendar")]
    operations = [migrations.RunPython(roll_deadlines, migrations.RunPython.noop)]
