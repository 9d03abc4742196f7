"""The default assessment scheme and post coefficients (county practice [C], domain spec §4
"Village cadres"): six dimensions from the issue, weights summing to 100, grade bands 90 / 75 / 60
(Jiceng's defaults: the spec gives no figures), three quarters running; the secretary's (and
一肩挑's) coefficient 1.10 ("the secretary's post pay is 10% higher"), others 1.00. A county
changes them as data. Also the PostgreSQL trigger that keeps the post history append-only."""

from datetime import date
from decimal import Decimal

from django.db import migrations

from jiceng.core.cases import append_only_trigger

history_forward, history_backward = append_only_trigger("cadres_cadrechange", "任职变动记录只能追加，不能修改")

DIMENSIONS = [
    ("party_building", "党的建设", 20, "life.compliance"),
    ("village_economy", "村级集体经济", 15, ""),
    ("industry", "产业发展", 15, ""),
    ("poverty", "巩固拓展脱贫攻坚成果", 20, ""),
    ("environment", "人居环境整治", 15, ""),
    ("public_services", "为民服务", 15, "requests.on_time"),
]
COEFFICIENTS = {
    "secretary": "1.10",
    "one_shoulder": "1.10",
    "director": "1.00",
    "deputy_secretary": "1.00",
    "deputy_director": "1.00",
    "committee_member": "1.00",
}


def defaults(apps, schema_editor):
    Scheme = apps.get_model("cadres", "AssessmentScheme")
    Dimension = apps.get_model("cadres", "Dimension")
    Coefficient = apps.get_model("cadres", "PostCoefficient")
    scheme = Scheme.objects.create(
        valid_from=date(2020, 1, 1),
        name="村干部季度考核办法（默认）",
        note="默认办法：六个维度合计 100 分；党的建设按组织生活落实情况、为民服务按群众诉求按时办结率由系统计算。",
    )
    for order, (code, name, weight, source) in enumerate(DIMENSIONS, start=1):
        Dimension.objects.create(scheme=scheme, code=code, name=name, weight=Decimal(weight), source=source, order=order)
    for post, value in COEFFICIENTS.items():
        Coefficient.objects.create(post=post, coefficient=Decimal(value))


def remove(apps, schema_editor):
    apps.get_model("cadres", "PostCoefficient").objects.all().delete()
    apps.get_model("cadres", "AssessmentScheme").objects.filter(valid_from=date(2020, 1, 1)).delete()


class Migration(migrations.Migration):
    dependencies = [("cadres", "0001_initial")]

    operations = [
        migrations.RunPython(defaults, remove),
        migrations.RunPython(history_forward, history_backward),
    ]
