"""Builders for organizational life tests (shared ones are in jiceng/testing.py)."""

from __future__ import annotations

from jiceng.orgs.models import Organization


def demo_roots() -> list[Organization]:
    """Roots to compare figures from on the tiny demo: the root of the tree, a township, a
    village's general branch and a branch with groups."""
    top = Organization.objects.get(parent__isnull=True)
    township = Organization.objects.filter(parent=top).order_by("path").first()
    general = Organization.objects.filter(type="general_branch").order_by("path").first()
    branch = Organization.objects.filter(type="branch", children__type="group").order_by("path").first()
    return [top, township, general, branch]
