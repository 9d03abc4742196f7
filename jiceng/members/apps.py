from django.apps import AppConfig
from django.db.models.signals import post_migrate


def install_tally_triggers(sender, using, **kwargs):
    """After every migrate: SQLite drops a table's triggers when a migration rebuilds the table,
    so the member tally's triggers are re-created each time (jiceng.members.tally)."""
    from django.db import connections

    from . import tally

    if connections[using].vendor in ("postgresql", "sqlite") and "members_membertally" in (
        connections[using].introspection.table_names()
    ):
        tally.install(using)


class MembersConfig(AppConfig):
    name = "jiceng.members"
    label = "members"
    verbose_name = "党员"

    def ready(self):
        post_migrate.connect(install_tally_triggers, sender=self)
