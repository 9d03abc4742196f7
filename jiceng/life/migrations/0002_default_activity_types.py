from django.db import migrations


def seed(apps, schema_editor):
    from jiceng.life.defaults import DEFAULT_TYPES

    ActivityType = apps.get_model("life", "ActivityType")
    made = {}
    for order, row in enumerate(DEFAULT_TYPES, start=1):
        code, name, cadence, applies_to, n, day, photos, source, basis, roster, counts_for = row
        made[code] = ActivityType.objects.update_or_create(
            code=code,
            defaults=dict(
                name=name, cadence=cadence, applies_to=applies_to, min_count=n, fixed_day=day,
                requires_photos=photos, source=source, basis=basis, roster=roster, order=order * 10,
            ),
        )[0]
    for row in DEFAULT_TYPES:
        if row[-1]:
            made[row[0]].counts_for = made[row[-1]]
            made[row[0]].save(update_fields=["counts_for"])


class Migration(migrations.Migration):
    dependencies = [("life", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
