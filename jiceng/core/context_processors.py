from django.utils import timezone

from . import navigation as nav
from .notifications import unread_count


def navigation(request):
    """The menu for the user's role, the unread-notice count and the holiday-calendar warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"nav_groups": nav.menu(user), "unread_notices": unread_count(user)}
    if nav.is_county(user):
        from .calendar import unloaded_years

        today = timezone.localdate()
        years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
        context["calendar_missing_years"] = unloaded_years(*years)
    return context
