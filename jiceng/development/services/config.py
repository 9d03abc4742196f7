"""The county's development settings."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from jiceng.core import audit
from jiceng.core.scoping import require_county_admin

from ..models import DevelopmentSettings

SETTINGS_FIELDS = ["idle_years", "due_soon_days"]


@transaction.atomic
def update_settings(actor, **values) -> DevelopmentSettings:
    require_county_admin(actor)
    config = DevelopmentSettings.for_update()
    before = audit.snapshot(config, SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(name)
        setattr(config, name, value)
    if not 1 <= config.idle_years <= 10:
        raise ValidationError({"idle_years": "连续未发展年数应为1至10年"})
    if not 0 <= config.due_soon_days <= 90:
        raise ValidationError({"due_soon_days": "提前提醒天数应为0至90天"})
    config.save()
    root = getattr(actor, "organization", None)
    audit.record(
        actor,
        "update",
        config,
        changes=audit.diff(before, audit.snapshot(config, SETTINGS_FIELDS)),
        org_path=root.path if root else "",
    )
    return config
