"""On PostgreSQL, a trigger keeps the wish timeline append-only (the model refuses updates
and deletes through the ORM on every database)."""

from django.db import migrations

CREATE_TRIGGER = """
CREATE OR REPLACE FUNCTION jiceng_wish_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '心愿办理记录只能追加，不能修改';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER wishes_wishevent_append_only
    BEFORE UPDATE ON wishes_wishevent
    FOR EACH ROW EXECUTE FUNCTION jiceng_wish_event_append_only();
"""
DROP_TRIGGER = """
DROP TRIGGER IF EXISTS wishes_wishevent_append_only ON wishes_wishevent;
DROP FUNCTION IF EXISTS jiceng_wish_event_append_only();
"""


def trigger(apps, schema_editor):
    # UPDATE only: deleting a wish (never done by the platform) may still cascade.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_TRIGGER)


def untrigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [("wishes", "0001_initial")]
    operations = [migrations.RunPython(trigger, untrigger)]
