from django.db import migrations

from jiceng.core.cases import append_only_trigger

ledger_forward, ledger_backward = append_only_trigger("ratings_pointsentry", "积分明细只能追加，不能修改")


def load_defaults(apps, schema_editor):
    """The spec's default points scheme (ratings/defaults.py), loaded on install."""
    from jiceng.ratings import defaults

    Scheme = apps.get_model("ratings", "PointsScheme")
    Item = apps.get_model("ratings", "PointItem")
    if Scheme.objects.exists():
        return
    scheme = Scheme.objects.create(valid_from=defaults.VALID_FROM, **defaults.SCHEME)
    for n, (code, name, source, category, points, cap_month, cap_year) in enumerate(defaults.ITEMS):
        Item.objects.create(
            scheme=scheme,
            code=code,
            name=name,
            source=source,
            category=category,
            points=points,
            cap_month=cap_month,
            cap_year=cap_year,
            order=n,
        )


class Migration(migrations.Migration):
    dependencies = [("ratings", "0001_initial")]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
        migrations.RunPython(ledger_forward, ledger_backward),
    ]
