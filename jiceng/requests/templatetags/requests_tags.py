from django import template

from jiceng.requests import rules

register = template.Library()

STATE_COLORS = {
    "received": "bg-blue-lt",
    "assigned": "bg-blue-lt",
    "transferred": "bg-cyan-lt",
    "escalated": "bg-orange-lt",
    "returned": "bg-yellow-lt",
    "reopened": "bg-red-lt",
    "accepted": "bg-teal-lt",
    "in_progress": "bg-teal-lt",
    "resolved": "bg-green-lt",
    "answered": "bg-green-lt",
    "closed": "bg-secondary-lt",
    "dismissed": "bg-secondary-lt",
}


@register.filter
def pct(value):
    """A rate (0–1 Decimal) as a percentage; no data shows as a dash."""
    if value is None:
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def state_class(state):
    return STATE_COLORS.get(state, "bg-secondary-lt")


@register.filter
def stage_label(stage):
    return rules.STAGE_LABELS.get(stage, stage)


@register.filter
def stage_short(stage):
    return {"assign": "签收", "response": "反馈", "done": "办结"}.get(stage, stage)


@register.filter
def hours(value):
    if value is None:
        return "—"
    if value >= 48:
        return f"{value / 24:.1f} 天"
    return f"{value} 小时"


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def due(value):
    """A deadline at midnight reads as 24:00 of the day before (how periods end by statute)."""
    if not value:
        return "—"
    from datetime import timedelta

    from django.utils import timezone

    local = timezone.localtime(value)
    if local.hour == 0 and local.minute == 0 and local.second == 0:
        return f"{(local - timedelta(days=1)):%Y-%m-%d} 24:00"
    return f"{local:%Y-%m-%d %H:%M}"


@register.filter
def due_short(value):
    text = due(value)
    return text[5:] if len(text) > 5 else text
