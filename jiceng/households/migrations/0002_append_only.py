from django.db import migrations

from jiceng.core.cases import append_only_trigger

status_forward, status_backward = append_only_trigger("households_householdstatuschange", "帮扶户状态记录只能追加，不能修改")
check_forward, check_backward = append_only_trigger("households_guaranteecheck", "核查记录只能追加，不能修改")


class Migration(migrations.Migration):
    dependencies = [("households", "0001_initial")]

    operations = [
        migrations.RunPython(status_forward, status_backward),
        migrations.RunPython(check_forward, check_backward),
    ]
