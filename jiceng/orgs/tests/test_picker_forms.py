"""Forms that choose an organization (issue 11 item 10, city scale): above PICK_ABOVE choices
the field is the organization picker (a typed name, the hidden id posted) instead of a <select>
listing every organization of a city (14,700 of them: 0.65–1.07 s a page). The field validates
as before: an id among its choices is taken, one outside the user's scope is refused.

PICK_ABOVE is patched to 0 instead of creating 300 organizations: every non-empty field picks.
The forms of members, development, transfers and life records and the requests' routing rule
are covered in their own apps' tests (jiceng/members/tests/test_members.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django import forms
from django.urls import reverse

from jiceng.orgs import picker
from jiceng.testing import PASSWORD, client_for


@dataclass(frozen=True)
class Case:
    url: str
    field: str  # the posted name (with the form's prefix)
    inside: str  # an organization of the county fixture that admin-a may choose
    args: tuple = ()
    context: str = "form"  # the form's name in the page's context
    method: str = "post"
    extra: tuple = ()  # more posted values the form needs to reach the field's check

    def name(self) -> str:
        return self.field.split("-")[-1]


CASES = {
    "liaison team": Case("liaison:team_create", "organization", "town_a"),
    "liaison station": Case("liaison:station_create", "organization", "village_a"),
    "liaison representative": Case("liaison:representative_create", "organization", "town_a"),
    "liaison visit": Case("liaison:visit_create", "organization", "village_a"),
    "election": Case("elections:create", "organization", "village_a"),
    "election postponement": Case("elections:postponement_create", "organization", "branch_a"),
    "dual registration": Case("dual:register", "community", "branch_a"),
    "training course": Case("training:course_create", "organizer", "village_a"),
    "training venue": Case("training:venue_create", "organization", "town_a"),
    "staff wish": Case("wishes:create", "organization", "village_a"),
    "staff request": Case("requests:create", "organization", "village_a"),
    "enterprise": Case("orgs:enterprise_create", "party_organization", "village_a", args=("town_a",)),
    "talk": Case("life:talks", "organization", "branch_a"),
    "birthdays": Case("members:birthdays", "organization", "branch_a", method="get"),
}


def _url(county, case: Case) -> str:
    return reverse(case.url, args=[getattr(county, a).pk for a in case.args])


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_large_scope_picks_the_organization_by_name(county, monkeypatch, case):
    c = client_for(county.county_admin)
    url = _url(county, case)
    page = c.get(url).content.decode()
    assert f'<select name="{case.field}"' in page and "data-org-picker>" not in page
    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    page = c.get(url).content.decode()
    assert f'<select name="{case.field}"' not in page
    assert f'type="hidden" name="{case.field}"' in page and "data-org-picker>" in page

    # The field validates as before: admin-a's own organization is taken, the other township's
    # is refused (whatever else the form still misses).
    admin_a = client_for(county.admin_a)
    send = admin_a.get if case.method == "get" else admin_a.post
    inside = getattr(county, case.inside)
    form = send(url, {case.field: inside.pk, **dict(case.extra)}).context[case.context]
    assert isinstance(form.fields[case.name()].widget, picker.OrganizationPicker)
    assert case.name() not in form.errors and form.cleaned_data[case.name()] == inside
    refused = send(url, {case.field: county.branch_b.pk, **dict(case.extra)})
    assert case.name() in refused.context[case.context].errors


def test_the_wish_claim_form_picks_the_claiming_organization(county, monkeypatch):
    """The claim form sits on every pooled wish's page (a key project is claimed by a party
    organization of the user's scope)."""
    from jiceng.wishes import services
    from jiceng.wishes.models import Wish

    wish = services.post_wish(
        None, organization=county.village_a, phone="13812345678", description="村里需要一批图书", category="study"
    )
    wish = services.accept_wish(county.admin_a, wish, project="key")
    c = client_for(county.admin_a)
    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    page = c.get(reverse("wishes:detail", args=[wish.pk])).content.decode()
    assert '<select name="claim-organization"' not in page
    assert 'type="hidden" name="claim-organization"' in page and "data-org-picker>" in page
    act = reverse("wishes:act", args=[wish.pk, "claim"])
    refused = c.post(
        act, {"claim-claimant_type": "party_org", "claim-organization": county.branch_b.pk, "version": wish.version}
    )
    assert refused.status_code == 400 and "organization" in refused.context["claim_form"].errors
    done = c.post(
        act, {"claim-claimant_type": "party_org", "claim-organization": county.branch_a.pk, "version": wish.version}
    )
    assert done.status_code == 302
    wish = Wish.objects.get(pk=wish.pk)
    assert (wish.state, wish.claimant_type, wish.claimed_org) == ("claimed", "party_org", county.branch_a)


def test_a_picked_organization_is_saved(county, monkeypatch):
    """End to end through the picker: the hidden id posted is the organization saved."""
    from jiceng.liaison.models import ServiceTeam

    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    c = client_for(county.admin_a)
    url = reverse("liaison:team_create")
    data = {"name": "甲镇党代表服务队", "leader_name": "张三", "is_active": "on"}
    kept = c.post(url, {**data, "name": "", "organization": county.town_a.pk}).content.decode()
    assert f'value="{county.town_a.pk}" data-org-value' in kept and 'value="甲镇党委"' in kept
    assert c.post(url, {**data, "organization": county.town_a.pk}).status_code == 302
    assert ServiceTeam.objects.get(name="甲镇党代表服务队").organization == county.town_a


def test_the_visit_page_lists_representatives_of_the_picked_place(county, monkeypatch):
    """The visit form reloads with ?org=<id> when a place is chosen; with the picker the page
    reloads on a pick (the box's own change holds typed words, not an id)."""
    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    c = client_for(county.admin_a)
    page = c.get(reverse("liaison:visit_create"), {"org": county.village_a.pk}).content.decode()
    assert f'value="{county.village_a.pk}" data-org-value' in page and 'value="甲镇东村党总支"' in page
    assert 'closest("[data-org-picker]")' in page and 'getAttribute("data-org-pick")' in page


@pytest.mark.browser
def test_picking_a_place_lists_its_representatives(transactional_db, county, live_server, browser, monkeypatch):
    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", county.admin_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.goto(live_server.url + reverse("liaison:visit_create"))
    assert "请先选择走访地" in page.inner_text("body")
    page.fill("#id_organization", "东村")
    page.click(f"[data-org-pick='{county.village_a.pk}']")
    page.wait_for_url(lambda url: f"org={county.village_a.pk}" in url)
    assert page.input_value("[data-org-picker] [data-org-value]") == str(county.village_a.pk)
    assert page.input_value("#id_organization") == "甲镇东村党总支"
    assert "请先选择走访地" not in page.inner_text("body")
    page.close()


def test_every_organization_field_of_a_form_picks(county, monkeypatch):
    """pick_organizations_when_large: every single-organization field, with its own placeholder;
    fields of other models and multiple choices keep their widgets."""
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization

    class Both(forms.Form):
        place = forms.ModelChoiceField(queryset=Organization.objects.all())
        target = forms.ModelChoiceField(queryset=Organization.objects.all(), required=False)
        several = forms.ModelMultipleChoiceField(queryset=Organization.objects.all())
        member = forms.ModelChoiceField(queryset=Member.objects.all())

    form = Both()
    picker.pick_organizations_when_large(form)
    assert not any(isinstance(f.widget, picker.OrganizationPicker) for f in form.fields.values())
    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    form = Both()
    picker.pick_organizations_when_large(form, place="输入村、社区名称查找")
    place, target = form.fields["place"].widget, form.fields["target"].widget
    assert isinstance(place, picker.OrganizationPicker) and place.placeholder == "输入村、社区名称查找"
    assert place.is_required and not target.is_required
    assert isinstance(target, picker.OrganizationPicker) and target.placeholder == "输入组织名称或编码查找"
    assert isinstance(form.fields["several"].widget, forms.SelectMultiple)
    assert isinstance(form.fields["member"].widget, forms.Select)


def test_a_chosen_community_shows_by_name(county, monkeypatch):
    """The community choices follow `parent` (select_related): the picker still names the
    chosen one (it used to fail: a deferred field cannot be followed)."""
    from datetime import date

    from jiceng.members.models import Member

    Member.objects.filter(pk=county.member_a.pk).update(
        registered_community=county.branch_a, registered_on=date(2026, 1, 5)
    )
    monkeypatch.setattr(picker, "PICK_ABOVE", 0)
    c = client_for(county.admin_a)
    page = c.get(reverse("members:edit", args=[county.member_a.pk])).content.decode()
    assert f'name="registered_community" value="{county.branch_a.pk}" data-org-value' in page
    assert 'value="东村第一党支部"' in page
    page = c.get(reverse("dual:register"), {"community": county.branch_a.pk}).content.decode()
    assert f'name="community" value="{county.branch_a.pk}" data-org-value' in page
