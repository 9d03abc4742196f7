"""The vanguard page's order, best first with members nothing could judge last, as an index:
``(index, year, value DESC NULLS LAST)``. The page reads its 50 rows from the top of the index
instead of sorting a city's 349,000 rows (1.3 kB each with their components). On PostgreSQL the
index also carries the organization and the time of computing (INCLUDE), so that the ranks'
GROUP BY value of a subtree, with its latest computing time, reads the index alone.

Not a model index: SQLite has no NULLS LAST or INCLUDE in an index, and there DESC already puts
NULLs last (they sort first ascending), so SQLite gets ``value DESC``."""

from django.db import migrations

NAME = "ratings_member_index_order"


def create(apps, schema_editor):
    columns = '"index", "year", "value" DESC'
    if schema_editor.connection.vendor == "postgresql":
        columns += ' NULLS LAST) INCLUDE ("organization_id", "computed_at"'
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {NAME} ON ratings_memberindexscore ({columns})")


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("ratings", "0011_year_and_star_summaries")]

    operations = [migrations.RunPython(create, drop)]
