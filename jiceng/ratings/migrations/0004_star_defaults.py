from django.db import migrations


def load_stars(apps, schema_editor):
    """The five named stars (ratings/defaults.py), loaded on install."""
    from jiceng.ratings import defaults

    Star = apps.get_model("ratings", "Star")
    if Star.objects.exists():
        return
    for n, (code, name, category, threshold) in enumerate(defaults.STARS):
        Star.objects.create(code=code, name=name, category=category, threshold=threshold, order=n)


class Migration(migrations.Migration):
    dependencies = [("ratings", "0003_stars")]

    operations = [migrations.RunPython(load_stars, migrations.RunPython.noop)]
