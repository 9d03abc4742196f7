from django.db import migrations


def seed(apps, schema_editor):
    from jiceng.life.defaults import seed

    seed(apps.get_model("life", "ActivityType"))


class Migration(migrations.Migration):
    dependencies = [("life", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
