"""The county admin's settings of the wish pool [C]."""

from __future__ import annotations

from django.db import transaction

from jiceng.core import audit

from ..models import WishSettings

SETTINGS_FIELDS = ["accept_working_days", "claim_days", "fulfil_days", "member_open_claims", "max_photos"]


@transaction.atomic
def update_settings(actor, **values) -> WishSettings:
    """County admins change the wish pool's county practice settings [C]."""
    from jiceng.core.scoping import require_county_admin

    require_county_admin(actor)
    config = WishSettings.for_update()
    before = audit.snapshot(config, SETTINGS_FIELDS)
    for name, value in values.items():
        if name not in SETTINGS_FIELDS:
            raise ValueError(f"不可修改的配置：{name}")
        setattr(config, name, value)
    config.save()
    changes = audit.diff(before, audit.snapshot(config, SETTINGS_FIELDS))
    if changes:
        root_path = actor.organization.path if getattr(actor, "organization", None) else ""
        audit.record(actor, "update", config, changes=changes, org_path=root_path, note="微心愿配置")
    return config
