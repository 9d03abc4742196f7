import io
from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jiceng.core import idnumbers
from jiceng.core.models import AuditEntry
from jiceng.core.text import pinyin_keys
from jiceng.members import rules, services
from jiceng.members.models import Member
from jiceng.members.queries import search
from jiceng.testing import add_member, client_for, make_id


def names(qs):
    return sorted(m.name for m in qs)


def test_search_by_name_pinyin_initials_and_digits(county):
    qs = Member.objects.all()
    assert names(search(qs, "zs")) == ["张三"]
    assert names(search(qs, "ZhangSan")) == ["张三"]
    assert names(search(qs, "张")) == ["张三"]
    assert names(search(qs, "1234")) == ["张三"]  # last digits of the phone
    last4 = county.member_b.id_number_masked[-4:]
    assert "赵秘密" in names(search(qs, last4))
    full = idnumbers.decrypt(county.member_b.id_number_encrypted)
    assert names(search(qs, full)) == ["赵秘密"]


def test_surname_reading(county):
    add_member(county.branch_a, "单雄信")
    assert names(search(Member.objects.all(), "sxx")) == ["单雄信"]


def test_age_band_boundaries():
    today = date(2026, 11, 23)
    assert rules.age_band(date(1990, 11, 24), today) == "le35"  # 35, 36th birthday tomorrow
    assert rules.age_band(date(1990, 11, 23), today) == "36_60"  # 36 today
    assert rules.age_band(date(1965, 11, 24), today) == "36_60"  # 60
    assert rules.age_band(date(1965, 11, 23), today) == "gt60"  # 61 today


@time_machine.travel(date(2026, 11, 23), tick=False)
def test_age_band_filter_matches_rule(county):
    add_member(
        county.branch_a, "刚满三十六", birth=date(1990, 11, 23), join_date=date(2015, 1, 1), full_date=date(2016, 1, 1)
    )
    add_member(
        county.branch_a, "三十五", birth=date(1990, 11, 24), join_date=date(2015, 1, 1), full_date=date(2016, 1, 1)
    )
    c = client_for(county.admin_a)
    html = c.get(reverse("members:list"), {"age_band": "le35"}).content.decode()
    assert "三十五" in html and "刚满三十六" not in html
    assert "刚满三十六" in c.get(reverse("members:list"), {"age_band": "36_60"}).content.decode()


def test_record_rules_refuse_bad_dates(county):
    with pytest.raises(ValidationError) as exc:
        add_member(county.branch_a, "未来", join_date=date(2099, 1, 1))
    assert "入党日期不能晚于今天" in str(exc.value)
    with pytest.raises(ValidationError, match="公民身份号码已存在"):
        services.create_member(
            None,
            id_number=idnumbers.decrypt(county.member_a.id_number_encrypted),
            name="重复",
            organization=county.branch_a,
            join_date=date(2010, 1, 1),
            full_date=date(2011, 1, 1),
        )
    good = make_id()
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    with pytest.raises(ValidationError, match="校验位"):
        services.create_member(None, id_number=bad, name="坏号", organization=county.branch_a)


def test_full_id_only_for_authorised_roles_and_audited(county):
    c = client_for(county.admin_a)
    url = reverse("members:reveal_id", args=[county.member_a.pk])
    response = c.post(url, HTTP_HX_REQUEST="true")
    full = idnumbers.decrypt(county.member_a.id_number_encrypted)
    assert full in response.content.decode()
    entry = AuditEntry.objects.get(action="view_full_id")
    assert entry.actor == county.admin_a and entry.object_id == str(county.member_a.pk)
    assert client_for(county.secretary_a).post(url).status_code == 403
    assert client_for(county.admin_b).post(url).status_code == 404
    assert AuditEntry.objects.filter(action="view_full_id").count() == 1
    # Lists, pages and the API never show it.
    for page in (reverse("members:list"), reverse("members:detail", args=[county.member_a.pk]), reverse("member-list")):
        assert full not in c.get(page).content.decode()
    with pytest.raises(PermissionDenied):
        services.reveal_id_number(county.member_user, county.member_a)


def test_status_change_keeps_history(county):
    services.change_status(county.admin_a, county.member_a, to_status="deceased", on=date(2026, 3, 1), reason="病故")
    county.member_a.refresh_from_db()
    history = list(county.member_a.status_changes.values_list("from_status", "to_status"))
    assert history == [("", "full"), ("full", "deceased")]
    with pytest.raises(ValidationError, match="不能从"):
        services.change_status(county.admin_a, county.member_a, to_status="full", on=date(2026, 3, 2))
    with pytest.raises(ValidationError, match="出党须注明方式"):
        services.change_status(county.county_admin, county.member_b, to_status="removed", on=date(2026, 3, 2))
    with pytest.raises(PermissionDenied):
        services.change_status(county.admin_a, county.member_b, to_status="deceased", on=date(2026, 3, 2))


def test_member_sees_only_self(county):
    c = client_for(county.member_user)
    html = c.get(reverse("members:list")).content.decode()
    assert "张三" in html and "李四" not in html
    assert c.get(reverse("dashboard:command")).status_code == 302
    assert c.get(reverse("members:edit", args=[county.member_a.pk])).status_code == 403


def test_export_masks_and_follows_filters(county):
    c = client_for(county.county_admin)
    wb = load_workbook(io.BytesIO(c.get(reverse("members:export"), {"status": "full"}).content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("姓名", "公民身份号码", "性别")
    assert sorted(r[0] for r in rows[1:]) == ["张三", "李四", "赵秘密"]
    assert all("**********" in r[1] for r in rows[1:])
    assert all("****" in (r[5] or "****") for r in rows[1:])


def test_create_form_in_chinese(county):
    c = client_for(county.secretary_a)
    response = c.post(
        reverse("members:create"),
        {
            "name": "新党员",
            "id_number": make_id()[:17] + "Y",
            "organization": county.branch_a.pk,
            "status": "full",
            "join_date": "2010-07-01",
            "full_date": "2011-07-01",
            "ethnicity": "汉族",
        },
    )
    assert "公民身份号码前17位应为数字" in response.content.decode()
    good = make_id(date(1985, 1, 1), "female")
    response = c.post(
        reverse("members:create"),
        {
            "name": "新党员",
            "id_number": good,
            "organization": county.branch_a.pk,
            "status": "probationary",
            "join_date": "2026-07-01",
            "ethnicity": "汉族",
        },
    )
    assert response.status_code == 302
    m = Member.objects.get(name="新党员")
    assert m.gender == "female" and m.birth_date == date(1985, 1, 1) and m.name_initials == "xdy"


def bulk_members(org, n):
    members = []
    for i in range(n):
        number = idnumbers.make(
            "430000", date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i % 100, "male" if i % 2 else "female"
        )
        number = number[:14] + f"{i // 100 % 10}" + number[15:17]
        number = number + idnumbers.check_digit(number)
        name = f"批量{i}"
        name_pinyin, name_initials = pinyin_keys(name)  # as create_member sets them: searchable by "pl"
        members.append(
            Member(
                name=name,
                name_pinyin=name_pinyin,
                name_initials=name_initials,
                gender=idnumbers.parse(number).gender,
                birth_date=idnumbers.parse(number).birth_date,
                id_number_encrypted="x",
                id_number_digest=idnumbers.digest(number),
                id_number_masked=idnumbers.mask(number),
                organization=org,
                status="full",
                join_date=date(2000, 1, 1),
                full_date=date(2001, 1, 1),
                education="bachelor",
            )
        )
    Member.objects.bulk_create(members)


@pytest.mark.parametrize("rows", [10, 1000])
def test_list_pages_and_command_screen_have_fixed_query_counts(county, rows, django_assert_max_num_queries):
    bulk_members(county.branch_a, rows)
    c = client_for(county.county_admin)
    with django_assert_max_num_queries(8):
        listing = c.get(reverse("members:list"))
    assert listing.status_code == 200 and listing.context["page_obj"].paginator.count == rows + 4
    with django_assert_max_num_queries(8):
        found = c.get(reverse("members:list"), {"q": "pl", "age_band": "36_60"})
    assert found.status_code == 200
    today = timezone.localdate()
    aged = [m for m in Member.objects.filter(name__startswith="批量") if rules.age_band(m.birth_date, today) == "36_60"]
    assert found.context["page_obj"].paginator.count == len(aged) > 0
    assert all(m.name.startswith("批量") for m in found.context["page_obj"])
    with django_assert_max_num_queries(6):
        api = c.get(reverse("member-list"))
    assert api.status_code == 200 and api.json()["count"] == rows + 4
    # 16 for the screen itself + 2 for the transfers app's panels (members, transfers) + up to 4
    # for the dual-registration year counted from records (registered members, themed party
    # days, wishes, service entries; one when nobody is registered).
    with django_assert_max_num_queries(22):
        response = c.get(reverse("dashboard:command"))
    assert response.status_code == 200
    assert response.context["member_total"] == rows + 4


def test_sort_options_are_chinese(county):
    """Issue 11 item 10: no "(descending)" in English among the sort options of any list."""
    from django.urls import reverse

    from jiceng.testing import client_for

    c = client_for(county.county_admin)
    for name in ("members:list", "orgs:list", "requests:inbox", "transfers:list", "development:list"):
        html = c.get(reverse(name)).content.decode()
        assert "descending" not in html, name
    assert "姓名（降序）" in c.get(reverse("members:list")).content.decode()


def test_a_large_scope_picks_the_organization_by_name(county, monkeypatch):
    """Above PICK_ABOVE organizations (a city has 14,700) the form asks for a name instead of
    listing every organization in a <select>; the field validates as before."""
    from jiceng.orgs import picker

    c = client_for(county.county_admin)
    page = c.get(reverse("members:create")).content.decode()
    assert '<select name="organization"' in page and "data-org-picker" not in page
    monkeypatch.setattr(picker, "PICK_ABOVE", 3)
    page = c.get(reverse("members:create")).content.decode()
    assert '<select name="organization"' not in page
    assert 'type="hidden" name="organization"' in page and "data-org-picker" in page
    data = {
        "name": "新党员",
        "id_number": make_id(date(1986, 2, 3), "male"),
        "status": "probationary",
        "join_date": "2026-07-01",
        "ethnicity": "汉族",
    }
    # A pick outside the user's choices is refused and the page shows the chosen name back.
    outsider = client_for(county.admin_a)
    refused = outsider.post(reverse("members:create"), {**data, "organization": county.branch_b.pk})
    assert refused.status_code == 200 and not Member.objects.filter(name="新党员").exists()
    assert "organization" in refused.context["form"].errors
    kept = c.post(reverse("members:create"), {**data, "name": "", "organization": county.branch_a.pk})
    assert f'value="{county.branch_a.pk}" data-org-value' in kept.content.decode()
    assert county.branch_a.name in kept.content.decode()
    assert c.post(reverse("members:create"), {**data, "organization": county.branch_a.pk}).status_code == 302
    assert Member.objects.get(name="新党员").organization == county.branch_a
