import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.core.models import AuditEntry
from jiceng.core.scoping import visible
from jiceng.orgs import queries, services
from jiceng.orgs.models import Enterprise, Organization
from jiceng.testing import add_member, client_for


def sheet_rows(response):
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_subtree_is_one_range_query(county):
    with CaptureQueriesContext(connection) as ctx:
        names = set(Organization.objects.filter(county.town_a.subtree_filter()).values_list("name", flat=True))
    assert names == {"甲镇党委", "甲镇东村党总支", "东村第一党支部", "东村一组党小组"}
    assert len(ctx.captured_queries) == 1
    sql = ctx.captured_queries[0]["sql"]
    assert ">=" in sql and "<" in sql and "LIKE" not in sql.upper()


def test_scope_follows_the_tree(county):
    assert set(visible(county.admin_a, Organization.objects.all())) == {
        county.town_a,
        county.village_a,
        county.branch_a,
        county.group_a,
    }
    assert visible(county.county_admin, Organization.objects.all()).count() == 7
    assert list(visible(county.member_user, county.member_a.__class__.objects.all())) == [county.member_a]


def test_create_and_move_keep_paths_consistent(county):
    new = services.create_organization(
        county.admin_a, parent=county.village_a, code="TA0102", name="东村第二党支部", type="branch", domain="rural"
    )
    assert new.path.startswith(county.village_a.path) and new.depth == 3
    services.move_organization(county.county_admin, county.branch_a, county.town_b)
    county.group_a.refresh_from_db()
    county.branch_a.refresh_from_db()
    assert county.branch_a.path.startswith(county.town_b.path)
    assert county.group_a.path.startswith(county.branch_a.path) and county.group_a.depth == county.branch_a.depth + 1
    with pytest.raises(ValidationError):
        services.move_organization(county.county_admin, county.town_b, county.branch_a)


def test_outsider_cannot_create_under_sibling(county):
    with pytest.raises(PermissionDenied):
        services.create_organization(
            county.admin_a, parent=county.town_b, code="X1", name="x", type="branch", domain="rural"
        )


def test_update_is_audited_with_changes(county):
    services.update_organization(county.admin_a, county.branch_a, name="东村第一党支部（新）", has_committee=True)
    entry = AuditEntry.objects.filter(action="update", object_id=str(county.branch_a.pk)).get()
    assert entry.changes["name"] == ["东村第一党支部", "东村第一党支部（新）"]
    assert entry.actor == county.admin_a and entry.org_path == county.branch_a.path


def test_delete_refused_with_members(county):
    with pytest.raises(ValidationError, match="党员"):
        services.delete_organization(county.admin_a, county.group_a)


def test_warnings_roll_up_members_of_groups(county):
    # branch_a: 张三, 李四 full + 王五 probationary in its group → 2 full of 3 members.
    item = queries.warnings_for(county.branch_a, date(2026, 11, 23))
    assert (item.counts.full, item.counts.members) == (2, 3)
    assert [w.code for w in item.warnings] == ["few_full_members"]
    for i in range(5):
        add_member(county.branch_a, f"新党员{i}")
    item = queries.warnings_for(county.branch_a, date(2026, 11, 23))
    assert {w.code for w in item.warnings} == {"no_committee"}


def test_org_page_shows_warnings_and_children(county):
    html = client_for(county.admin_a).get(reverse("orgs:detail", args=[county.branch_a.pk])).content.decode()
    assert "正式党员不足3人" in html and "东村一组党小组" in html


def test_warning_list_filters_and_exports(county):
    c = client_for(county.county_admin)
    html = c.get(reverse("orgs:warnings"), {"code": "few_full_members"}).content.decode()
    assert "东村第一党支部" in html and "乙乡秘密村党支部" in html
    rows = sheet_rows(c.get(reverse("orgs:warnings_export"), {"code": "few_full_members"}))
    assert rows[0][0] == "组织编码" and {r[0] for r in rows[1:]} == {"TA0101", "TB01"}
    rows = sheet_rows(client_for(county.admin_a).get(reverse("orgs:warnings_export")))
    assert {r[0] for r in rows[1:]} == {"TA0101"}


def test_org_list_export_follows_filters_and_scope(county):
    rows = sheet_rows(client_for(county.county_admin).get(reverse("orgs:export"), {"type": "branch"}))
    assert sorted(r[0] for r in rows[1:]) == ["TA0101", "TB01"]
    rows = sheet_rows(client_for(county.admin_b).get(reverse("orgs:export")))
    assert sorted(r[0] for r in rows[1:]) == ["TB", "TB01"]


def test_coverage_rates_per_township(county):
    Enterprise.objects.create(
        name="甲镇企业一", kind="private_enterprise", township=county.town_a, party_organization=county.branch_a
    )
    Enterprise.objects.create(
        name="甲镇企业二", kind="private_enterprise", township=county.town_a, instructor_name="指导员"
    )
    Enterprise.objects.create(name="甲镇协会", kind="social_org", township=county.town_a)
    Enterprise.objects.create(name="甲镇协会二", kind="social_org", township=county.town_a)
    rows = {c.township.code: c for c in queries.coverage_by_township(Enterprise.objects.all())}
    assert (rows["TA"].org_rate, rows["TA"].work_rate) == (25.0, 50.0)
    assert (rows["TB"].org_rate, rows["TB"].work_rate) == (0.0, 0.0)
    html = client_for(county.admin_a).get(reverse("orgs:coverage")).content.decode()
    assert "25.0%" in html and "乙乡" not in html


def test_create_form_explains_errors_in_chinese(county):
    c = client_for(county.admin_a)
    url = reverse("orgs:create") + f"?parent={county.village_a.pk}"
    html = c.post(url, {"code": "TA0101", "name": "", "type": "branch", "domain": "rural"}).content.decode()
    assert "这个字段是必填项" in html or "必填" in html
    response = c.post(
        url,
        {
            "code": "TA0199",
            "name": "东村新支部",
            "type": "branch",
            "domain": "rural",
            "term_start": "2026-01-01",
            "term_end": "2025-01-01",
        },
    )
    assert "任期届满日期应晚于任期开始日期" in response.content.decode()
    response = c.post(url, {"code": "TA0199", "name": "东村新支部", "type": "branch", "domain": "rural"})
    assert response.status_code == 302
    assert Organization.objects.get(code="TA0199").parent == county.village_a


@pytest.mark.parametrize("rows", [10, 300])
def test_org_list_and_tree_query_counts_do_not_grow(county, rows, django_assert_max_num_queries):
    Organization.objects.bulk_create(
        [
            Organization(
                code=f"BULK{i}",
                name=f"批量支部{i}",
                type="branch",
                domain="rural",
                parent=county.village_a,
                path=county.village_a.path + f"{i + 10:04d}",
                depth=3,
            )
            for i in range(rows)
        ]
    )
    c = client_for(county.county_admin)
    with django_assert_max_num_queries(8):
        listing = c.get(reverse("orgs:list"))
    assert listing.status_code == 200 and listing.context["page_obj"].paginator.count == rows + 7
    with django_assert_max_num_queries(8):
        children = c.get(reverse("orgs:children", args=[county.village_a.pk]))
    assert children.status_code == 200
    assert [o.name for o in children.context["children"]] == ["东村第一党支部"] + [f"批量支部{i}" for i in range(rows)]
    assert f"批量支部{rows - 1}</a>" in children.content.decode()
    with django_assert_max_num_queries(14):
        detail = c.get(reverse("orgs:detail", args=[county.village_a.pk]))
    assert detail.status_code == 200 and detail.context["org"] == county.village_a
    assert "甲镇东村党总支" in detail.content.decode() and len(detail.context["children"]) == rows + 1


def test_delete_refused_while_other_records_refer_to_the_organization(county):
    from django.core.exceptions import ValidationError

    from jiceng.orgs.models import Enterprise

    empty = services.create_organization(
        None, parent=county.town_a, code="TA99", name="空支部", type="branch", domain="rural"
    )
    Enterprise.objects.create(name="某企业", kind="private_enterprise", township=empty)
    with pytest.raises(ValidationError, match="已被其他记录引用"):
        services.delete_organization(county.admin_a, empty)
    assert Organization.objects.filter(pk=empty.pk).exists()


def test_contact_phone_is_masked_for_plain_members(county):
    """Issue 11 item 6: an organization's contact phone (often the secretary's own mobile) is shown
    in full to staff and masked for plain members: page, API and export."""
    from jiceng.orgs.services import update_organization

    update_organization(None, county.branch_a, contact_phone="13712345678")
    member, staff = client_for(county.member_user), client_for(county.secretary_a)
    api = member.get(reverse("organization-detail", args=[county.branch_a.pk])).json()
    assert api["contact_phone"] == "137****5678"
    assert staff.get(reverse("organization-detail", args=[county.branch_a.pk])).json()["contact_phone"] == "13712345678"
    listed = {o["id"]: o for o in member.get(reverse("organization-list")).json()["results"]}
    assert listed[county.branch_a.pk]["contact_phone"] == "137****5678"
    page = member.get(reverse("orgs:detail", args=[county.branch_a.pk])).content.decode()
    assert "137****5678" in page and "13712345678" not in page
    assert "13712345678" in staff.get(reverse("orgs:detail", args=[county.branch_a.pk])).content.decode()
    export = member.get(reverse("orgs:export"))
    assert export.status_code == 200
    cells = [c for row in load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True) for c in row]
    assert "13712345678" not in cells and "137****5678" in cells


def test_subtree_counts_equal_a_recount_for_every_organization_and_root(county):
    """The roll-up (each organization's totals added to its parent once, deepest first) gives
    each organization the active and full members of its whole subtree, from any root."""
    from jiceng.members.models import Member
    from jiceng.members.services import change_status
    from jiceng.orgs.models import Organization
    from jiceng.orgs.queries import subtree_counts
    from jiceng.testing import add_member

    add_member(county.group_a, "组里预备", status="probationary", join_date=date(2026, 3, 1), full_date=None)
    add_member(county.village_a, "总支直属")
    gone = add_member(county.town_b, "乡直属")
    change_status(None, gone, to_status=Member.Status.DECEASED, on=date(2026, 2, 1), reason="病故")
    for root in Organization.objects.all():
        counts = subtree_counts(root.path)
        inside = Organization.objects.filter(path__startswith=root.path)
        assert set(counts) == set(inside.values_list("id", flat=True))
        for org in inside:
            members = Member.objects.filter(organization__path__startswith=org.path)
            assert counts[org.id].full == members.filter(status="full").count(), org.name
            assert counts[org.id].probationary == members.filter(status="probationary").count(), org.name
            assert counts[org.id].members == members.filter(status__in=Member.ACTIVE_STATUSES).count(), org.name
