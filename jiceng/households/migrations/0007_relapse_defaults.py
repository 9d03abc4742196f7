"""The relapse watch's default thresholds [C] and the append-only triggers of its reviews and exit
checks. The income threshold reads the monitoring line of HouseholdsSettings (7,000 yuan per person
a year by default); the expense figures (20,000 yuan, or half of the year before's income) are
county practice, not the domain spec: see docs/households.md."""

from datetime import date
from decimal import Decimal

from django.db import migrations

from jiceng.core.cases import append_only_trigger

review_forward, review_backward = append_only_trigger("households_relapsereview", "预警核实记录只能追加，不能修改")
exit_forward, exit_backward = append_only_trigger("households_exitcheck", "退出核查记录只能追加，不能修改")

DEFAULTS = [
    {
        "kind": "income",
        "name": "家庭年人均纯收入低于防返贫监测收入线",
        "note": "监测线见帮扶工作设置；《关于建立防止返贫监测和帮扶机制的指导意见》（2020）",
    },
    {
        "kind": "expense",
        "name": "因病、因灾、因意外等刚性支出较大",
        "amount": Decimal("20000.00"),
        "share": Decimal("50.00"),
        "note": "一次支出达到 2 万元，或达到上年家庭纯收入的 50%（县里可调整）",
    },
    {
        "kind": "check",
        "name": "两不愁三保障及饮水安全出现问题",
        "note": "任一项最近一次核查未达标",
    },
]


def load(apps, schema_editor):
    Threshold = apps.get_model("households", "RelapseThreshold")
    for row in DEFAULTS:
        Threshold.objects.create(effective_from=date(2021, 1, 1), **row)


def unload(apps, schema_editor):
    apps.get_model("households", "RelapseThreshold").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("households", "0006_relapse")]

    operations = [
        migrations.RunPython(load, unload),
        migrations.RunPython(review_forward, review_backward),
        migrations.RunPython(exit_forward, exit_backward),
    ]
