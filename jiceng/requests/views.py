from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .models import Request
from .queries import visible_requests
from jiceng.core.scoping import get_visible_or_404  # noqa: F401


@login_required
def request_detail(request, pk):
    item = visible_requests(request.user, Request.objects.all()).get(pk=pk)
    return render(request, "requests/detail.html", {"item": item})
