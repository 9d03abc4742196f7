from django.urls import reverse

from jiceng.accounts.models import User
from jiceng.testing import client_for


def test_department_handler_lands_on_the_requests_inbox(county):
    handler = User.objects.create_user(
        "dept", password="x-pass-123", organization=county.root, role="department_handler"
    )
    response = client_for(handler).get(reverse("dashboard:command"))
    assert response.status_code == 302 and response["Location"] == reverse("requests:inbox")


def test_member_lands_on_their_own_record(county):
    response = client_for(county.member_user).get(reverse("dashboard:command"))
    assert response["Location"] == reverse("members:detail", args=[county.member_a.pk])
