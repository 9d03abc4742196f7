"""Writes to shared configuration."""

from django.db import transaction

from . import audit
from .models import Configuration
from .scoping import require_county_admin

CONFIG_FIELDS = ["term_warning_months", "committee_term_years", "branch_term_years"]


@transaction.atomic
def update_configuration(actor, **values) -> Configuration:
    require_county_admin(actor)
    config = Configuration.objects.select_for_update().order_by("pk").first() or Configuration()
    before = audit.snapshot(config, CONFIG_FIELDS)
    for name, value in values.items():
        if name not in CONFIG_FIELDS:
            raise ValueError(name)
        setattr(config, name, value)
    config.save()
    root_path = actor.organization.path if getattr(actor, "organization", None) else ""
    audit.record(
        actor, "update", config, changes=audit.diff(before, audit.snapshot(config, CONFIG_FIELDS)), org_path=root_path
    )
    return config
