"""Ids and years in query strings are read with `core.params.int_or_none`: a malformed one is
ignored (the page shows the user's own scope) or refused with a 400, never a 500.

"²".isdigit() is true and int("²") raises; "٣".isdigit() is true and int("٣") is 3; a 20-digit
id overflows the database's 64-bit integer.
"""

import pytest

from jiceng.testing import client_for

BAD_IDS = ["²", "٣", "abc", "99999999999999999999", "-1", ""]

URLS = [
    "/api/v1/development/due/?org={id}",
    "/development/due/?org={id}",
    "/development/due/export/?org={id}",
    "/development/stats/?org={id}",
    "/development/idle/?org={id}",
    "/development/idle/?year={id}",
    "/development/idle/export/?org={id}&year={id}",
    "/development/new/?organization={id}",
    "/development/?admitted_by={id}&approved_year={id}",
    "/api/v1/development/files/?admitted_by={id}",
    "/members/watch/?org={id}",
    "/members/watch/?org={id}&export=xlsx",
    "/members/dual/?community={id}",
    "/dues/?org={id}",
    "/api/v1/dues/completion/?org={id}",
    "/dashboard/?org={id}",
    "/transfers/overdue/?org={id}",
    "/api/v1/birthdays/?organization={id}",
    "/orgs/warnings/?org={id}",
    "/orgs/warnings/export/?org={id}",
    "/training/cards/?year={id}",
    "/api/v1/training/cards/?year={id}",
]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("url", URLS)
def test_malformed_id_in_a_query_string_is_no_server_error(county, url, bad):
    c = client_for(county.county_admin)
    c.raise_request_exception = False
    response = c.get(url.format(id=bad))
    # A page falls back to the user's scope; an API that asks for an id says so (400).
    assert response.status_code in (200, 400), (url, bad, response.status_code)


def test_a_malformed_id_is_not_read_as_another_number(county):
    """The id "٣" is not the organization with id 3, and a 20-digit id is not a database error."""
    c = client_for(county.county_admin)
    for bad in ("٣", "99999999999999999999"):
        response = c.get("/development/stats/", {"org": bad})
        assert response.status_code == 200 and response.context["root"] == county.root
    assert c.get("/api/v1/dues/completion/", {"org": "²"}).status_code == 400


@pytest.mark.parametrize("bad", BAD_IDS)
def test_notifications_read_ignores_malformed_ids(county, bad):
    c = client_for(county.county_admin)
    c.raise_request_exception = False
    response = c.post("/notifications/read/", {"id": [bad]})
    assert response.status_code == 302


@pytest.mark.parametrize("phone", ["1３８００１３８０００", "1²345678901", "1٣٣٣٣٣٣٣٣٣٣"])
def test_a_phone_number_has_ascii_digits(db, phone):
    """Fullwidth, superscript and Arabic-Indic digits pass str.isdigit(); a phone number has ASCII ones."""
    from jiceng.members.forms import MemberForm
    from jiceng.transfers.forms import IncomingForm

    for form in (MemberForm(data={"phone": phone}), IncomingForm(data={"phone": phone})):
        assert form.errors["phone"] == ["手机号码应为11位数字"], type(form).__name__
    assert "phone" not in MemberForm(data={"phone": "13800138000"}).errors
