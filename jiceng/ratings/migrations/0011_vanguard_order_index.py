"""The vanguard page's order, best first with members nothing could judge last, as an index:
``(index, year, value DESC NULLS LAST)``. The page reads its 50 rows from the top of the index
instead of sorting a city's 349,000 rows (1.3 kB each with their components).

Not a model index: SQLite has no NULLS LAST in an index, and there DESC already puts NULLs last
(they sort first ascending), so SQLite gets ``value DESC``."""

from django.db import migrations

NAME = "ratings_member_index_order"


def create(apps, schema_editor):
    nulls = " NULLS LAST" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(
        f'CREATE INDEX IF NOT EXISTS {NAME} ON ratings_memberindexscore ("index", "year", "value" DESC{nulls})'
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("ratings", "0010_posts_pledges")]

    operations = [migrations.RunPython(create, drop)]
