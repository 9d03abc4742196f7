import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Case, IntegerField, Sum, Value, When
from django.db.models.functions import ExtractYear


def fill(apps, schema_editor):
    """The months of each member's years from MemberMonth (as jiceng.life.summary.rebuild does),
    in one INSERT … SELECT: a month's bit is summed once per member and year, since MemberMonth
    has one row per member and month."""
    MemberMonth = apps.get_model("life", "MemberMonth")
    MemberYear = apps.get_model("life", "MemberYear")
    bit = Case(*[When(month__month=m, then=Value(1 << (m - 1))) for m in range(1, 13)], output_field=IntegerField())
    rows = (
        MemberMonth.objects.annotate(year=ExtractYear("month"))
        .values_list("member_id", "year")
        .annotate(months=Sum(bit))
        .order_by()
    )
    sql, params = rows.query.sql_with_params()
    table = schema_editor.quote_name(MemberYear._meta.db_table)
    columns = ", ".join(schema_editor.quote_name(c) for c in ("member_id", "year", "months"))
    schema_editor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)


class Migration(migrations.Migration):
    dependencies = [
        ("life", "0004_photo_kit"),
        ("members", "0003_in_transit_and_dual_registration"),
    ]

    operations = [
        migrations.CreateModel(
            name="MemberYear",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("year", models.PositiveSmallIntegerField(verbose_name="年度")),
                ("months", models.PositiveIntegerField(verbose_name="有应到活动的月份")),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member"
                    ),
                ),
            ],
            options={
                "verbose_name": "党员年度组织生活月份汇总",
                "indexes": [models.Index(fields=["year", "member"], name="life_member_year_idx")],
                "constraints": [models.UniqueConstraint(fields=("member", "year"), name="life_member_year_once")],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
