# Dual registration moves out of the members app (issue 12). The table stays where it is
# (members_dualregistrationrecord, created by members 0003): this migration only tells Django's
# state that the model is now dual.DualRegistrationRecord; members 0004 removes it from the
# members app's state. No database operation, so existing rows are untouched.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("members", "0003_in_transit_and_dual_registration"),
        ("orgs", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DualRegistrationRecord",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("party_day", "参加社区主题党日"),
                                    ("service_project", "认领服务项目"),
                                    ("wish", "认领微心愿"),
                                ],
                                max_length=20,
                                verbose_name="事项",
                            ),
                        ),
                        ("on", models.DateField(verbose_name="日期")),
                        ("year", models.PositiveSmallIntegerField(editable=False, verbose_name="年度")),
                        ("title", models.CharField(max_length=200, verbose_name="内容")),
                        ("note", models.CharField(blank=True, max_length=200, verbose_name="备注")),
                        ("recorded_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "community",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="dual_records",
                                to="orgs.organization",
                                verbose_name="报到社区",
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="dual_records",
                                to="members.member",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "双报到活动记录",
                        "db_table": "members_dualregistrationrecord",
                        "ordering": ["-on", "-id"],
                        "indexes": [models.Index(fields=["member", "year"], name="dual_member_year_idx")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
