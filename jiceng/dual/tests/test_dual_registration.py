"""Dual registration (在职党员到社区报到): who may register where, and the year's party days,
wishes and service projects counted from records (ADR 0008a).

钱在职 is a civil servant in the county finance bureau's branch (an agency, in neither
township); they live in 幸福社区 (town A), whose grid branch holds the themed party days.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from jiceng.accounts.models import User
from jiceng.core import idnumbers
from jiceng.dual import queries, services
from jiceng.dual.models import DualRegistrationRecord
from jiceng.life import services as life_services
from jiceng.life.defaults import seed
from jiceng.life.models import ActivityType
from jiceng.life.models import Attendance as LifeAttendance
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.orgs.services import create_organization
from jiceng.testing import PASSWORD, add_member, client_for

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 20, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(TODAY, tick=False):
        yield


class Dual:
    pass


@pytest.fixture
def dual(county) -> Dual:
    d = Dual()
    d.community = create_organization(
        None,
        parent=county.town_a,
        code="TA02",
        name="甲镇幸福社区党总支",
        short_name="幸福社区",
        type="general_branch",
        domain="community",
    )
    d.grid = create_organization(
        None, parent=d.community, code="TA0201", name="幸福社区第一网格党支部", type="branch", domain="community"
    )
    d.street = create_organization(
        None, parent=county.root, code="TS", name="城东街道党工委", type="committee", domain="community"
    )
    d.agency = create_organization(
        None, parent=county.root, code="TJ", name="县财政局机关党委", type="committee", domain="agency"
    )
    d.agency_branch = create_organization(
        None, parent=d.agency, code="TJ01", name="县财政局机关第一党支部", type="branch", domain="agency"
    )
    d.worker = add_member(d.agency_branch, "钱在职", occupation="civil_servant", phone="13700001111")
    d.resident = add_member(d.grid, "孙居民", occupation="retired")
    d.community_admin = User.objects.create_user(
        username="community-a", password=PASSWORD, organization=d.community, role="branch_secretary"
    )
    d.agency_secretary = User.objects.create_user(
        username="agency", password=PASSWORD, organization=d.agency_branch, role="branch_secretary"
    )
    d.worker_user = User.objects.create_user(
        username="worker", password=PASSWORD, organization=d.agency_branch, role="member", member=d.worker
    )
    seed(ActivityType)
    return d


def register(actor, community, member, on=date(2026, 3, 1)) -> Member:
    return services.register_with_community(
        actor,
        community=community,
        name=member.name,
        id_number=idnumbers.decrypt(member.id_number_encrypted),
        on=on,
    )


def held(org, day: date, code="themed_day", topic="主题党日"):
    return life_services.create_record(
        None,
        organization=org,
        activity_type=ActivityType.objects.get(code=code),
        held_on=day,
        topic=f"{day:%m月}{topic}",
    )


# ---- guards --------------------------------------------------------------------------------


def test_only_the_communitys_managers_register(county, dual):
    with pytest.raises(PermissionDenied, match="该组织不在您的管理范围内"):
        register(county.admin_b, dual.community, dual.worker)
    with pytest.raises(PermissionDenied, match="当前角色只能查看，不能修改"):
        register(dual.worker_user, dual.community, dual.worker)
    # The page offers only the communities the user manages, and says so for another one.
    c = client_for(county.admin_b)
    response = c.post(
        reverse("dual:register"),
        {
            "community": dual.community.pk,
            "name": "钱在职",
            "id_number": idnumbers.decrypt(dual.worker.id_number_encrypted),
            "on": "2026-03-01",
        },
    )
    assert response.status_code == 200 and "community" in response.context["form"].errors
    dual.worker.refresh_from_db()
    assert dual.worker.registered_community is None


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("town_a", "不能到乡镇党委或街道党工委报到"),
        ("street", "不能到乡镇党委或街道党工委报到"),
        ("agency", "所选组织不是社区或村党组织"),
        ("group_a", "党小组不接受报到"),
    ],
)
def test_only_a_community_or_village_organization(county, dual, where, message):
    org = getattr(county, where, None) or getattr(dual, where)
    with pytest.raises(ValidationError, match=message):
        register(None, org, dual.worker)


def test_villages_communities_and_their_grids_accept_registrations(county, dual):
    assert register(None, county.village_a, dual.worker).registered_community == county.village_a
    other = add_member(dual.agency_branch, "郑在职", occupation="professional")
    assert register(None, dual.grid, other).registered_community == dual.grid


@pytest.mark.parametrize(
    ("status", "message"),
    [("deceased", "当前为“已去世”"), ("transferred_out", "当前为“已转出”"), ("in_transit", "当前为“转接途中”")],
)
def test_only_full_and_probationary_members(county, dual, status, message):
    Member.objects.filter(pk=dual.worker.pk).update(status=status)
    with pytest.raises(ValidationError, match=f"只有正式党员和预备党员可以到社区报到，钱在职{message}"):
        register(dual.community_admin, dual.community, dual.worker)
    probationary = add_member(
        dual.agency_branch, "冯预备", status="probationary", occupation="manager", join_date=date(2026, 1, 5)
    )
    assert register(dual.community_admin, dual.community, probationary).registered_on == date(2026, 3, 1)


@pytest.mark.parametrize(
    ("occupation", "label"), [("farmer", "农牧渔民"), ("retired", "离退休人员"), ("student", "学生"), ("", "未填写")]
)
def test_only_members_in_office(county, dual, occupation, label):
    Member.objects.filter(pk=dual.worker.pk).update(occupation=occupation)
    with pytest.raises(ValidationError, match=f"只有在职党员.*钱在职的职业类别为“{label}”"):
        register(dual.community_admin, dual.community, dual.worker)


def test_not_registered_twice_in_the_same_year(county, dual):
    register(dual.community_admin, dual.community, dual.worker)
    with pytest.raises(ValidationError, match="已于2026-03-01在本社区报到，不能重复报到"):
        register(dual.community_admin, dual.community, dual.worker, on=date(2026, 6, 1))
    with pytest.raises(ValidationError, match="已于2026-03-01在甲镇幸福社区党总支报到且仍有效，同一年度不能在两处报到"):
        register(None, county.village_a, dual.worker, on=date(2026, 6, 1))
    # Moved house: the old registration is ended first, then the new one is taken.
    services.end_registration(dual.community_admin, dual.worker, reason="搬家")
    assert register(None, county.village_a, dual.worker, on=date(2026, 6, 1)).registered_community == county.village_a


def test_the_register_page_shows_the_reason(county, dual):
    Member.objects.filter(pk=dual.worker.pk).update(occupation="retired")
    html = (
        client_for(dual.community_admin)
        .post(
            reverse("dual:register"),
            {
                "community": dual.community.pk,
                "name": "钱在职",
                "id_number": idnumbers.decrypt(dual.worker.id_number_encrypted),
                "on": "2026-03-01",
            },
        )
        .content.decode()
    )
    assert "只有在职党员" in html and "离退休人员" in html


def test_the_member_form_follows_the_same_rules(county, dual):
    li = Member.objects.get(name="李四")  # a village member without an occupation on record
    with pytest.raises(ValidationError) as caught:
        member_services.update_member(county.county_admin, li, registered_community=dual.community)
    assert "只有在职党员" in caught.value.message_dict["registered_community"][0]
    with pytest.raises(ValidationError) as caught:
        member_services.update_member(county.county_admin, dual.worker, registered_community=county.town_a)
    assert "乡镇党委" in caught.value.message_dict["registered_community"][0]
    member_services.update_member(county.county_admin, dual.worker, registered_community=dual.community)
    with pytest.raises(ValidationError) as caught:
        member_services.update_member(county.county_admin, dual.worker, registered_community=county.village_a)
    assert "请先由原社区或其所在党组织注销原报到" in caught.value.message_dict["registered_community"][0]
    # Unrelated edits of a registered member are not held up.
    member_services.update_member(county.county_admin, dual.worker, phone="13700002222")


# ---- the year's items, from records -----------------------------------------------------------


def progress(member, year=2026) -> dict:
    return queries.dual_progress([member.pk], year)[member.pk]


def test_party_days_come_from_the_communitys_themed_party_day_attendance(county, dual):
    register(dual.community_admin, dual.community, dual.worker)
    april = held(dual.grid, date(2026, 4, 15))
    assert progress(dual.worker)["party_day"] == 0
    c = client_for(dual.community_admin)
    page = c.get(reverse("dual:member", args=[dual.worker.pk]))
    assert list(page.context["party_day_form"].fields["record"].queryset) == [april]
    c.post(reverse("dual:party_day", args=[dual.worker.pk]), {"record": april.pk})
    row = LifeAttendance.objects.get(record=april, member=dual.worker)
    assert row.status == "present"
    april.refresh_from_db()
    assert (april.expected_count, april.present_count) == (2, 1)  # 孙居民 on the roster, absent until marked
    assert progress(dual.worker)["party_day"] == 1
    page = c.get(reverse("dual:member", args=[dual.worker.pk]))
    assert list(page.context["party_days"]) == [april] and "04月主题党日" in page.content.decode()
    assert list(page.context["party_day_form"].fields["record"].queryset) == []  # already recorded

    # What does not count: before the registration, another kind of meeting, on leave,
    # another year, or a themed party day outside the community.
    february = held(dual.grid, date(2026, 2, 15))
    life_services.add_to_roster(None, february, dual.worker, present=True)
    meeting = held(dual.grid, date(2026, 5, 20), code="general_meeting", topic="党员大会")
    life_services.add_to_roster(None, meeting, dual.worker, present=True)
    june = held(dual.grid, date(2026, 6, 15))
    life_services.add_to_roster(None, june, dual.worker)
    life_services.set_attendance(None, june, {dual.worker.pk: ("leave", False, False)})
    assert progress(dual.worker) == {"party_day": 1, "service_project": 0, "wish": 0}
    assert progress(dual.worker, 2025)["party_day"] == 0
    outside = held(county.branch_a, date(2026, 7, 15))
    with pytest.raises(ValidationError, match="只能添加本组织的党员，或到本社区报到的在职党员"):
        life_services.add_to_roster(None, outside, dual.worker, present=True)
    # A second themed party day (the community itself counts too) makes two.
    life_services.add_to_roster(None, held(dual.grid, date(2026, 9, 15)), dual.worker, present=True)
    assert progress(dual.worker)["party_day"] == 2


def test_only_the_community_records_party_days_of_its_own(county, dual):
    register(dual.community_admin, dual.community, dual.worker)
    april = held(dual.grid, date(2026, 4, 15))
    outsider = client_for(county.admin_b)
    assert outsider.post(reverse("dual:party_day", args=[dual.worker.pk]), {"record": april.pk}).status_code == 404
    town_a_record = held(county.branch_a, date(2026, 4, 15))
    response = client_for(dual.community_admin).post(
        reverse("dual:party_day", args=[dual.worker.pk]), {"record": town_a_record.pk}, follow=True
    )
    assert "请选择本社区已纪实的一次主题党日" in response.content.decode()
    assert not LifeAttendance.objects.filter(member=dual.worker).exists()


def test_wishes_come_from_the_members_claims(county, dual):
    from jiceng.wishes import services as wish_services

    register(dual.community_admin, dual.community, dual.worker)

    def pooled(phone):
        wish = wish_services.post_wish(
            None, organization=dual.community, phone=phone, description="需要一个书包", category="study"
        )
        return wish_services.accept_wish(county.admin_a, wish, project="basic")

    wish_services.claim_wish(dual.worker_user, pooled("13812340001"), member=dual.worker)
    given_back = wish_services.claim_wish(dual.worker_user, pooled("13812340002"), member=dual.worker)
    wish_services.release_wish(dual.worker_user, given_back, note="时间不便")
    assert progress(dual.worker)["wish"] == 1
    assert progress(dual.worker, 2025)["wish"] == 0


def test_service_projects_are_entered_and_party_days_or_wishes_are_not(county, dual):
    register(dual.community_admin, dual.community, dual.worker)
    c = client_for(dual.community_admin)
    c.post(reverse("dual:record", args=[dual.worker.pk]), {"on": "2026-04-20", "title": "认领“周末助老”"})
    record = DualRegistrationRecord.objects.get()
    assert (record.kind, record.community) == ("service_project", dual.community)
    assert progress(dual.worker)["service_project"] == 1
    for kind in ("party_day", "wish"):
        with pytest.raises(ValidationError, match="无需手工登记；这里只登记服务项目"):
            services.record_dual_activity(
                dual.community_admin, dual.worker, kind=kind, on=date(2026, 4, 20), title="手工"
            )
    # Entries of those kinds kept from before are history, not counted.
    DualRegistrationRecord.objects.create(
        member=dual.worker, community=dual.community, kind="wish", on=date(2026, 5, 1), title="旧手工心愿"
    )
    assert progress(dual.worker) == {"party_day": 0, "service_project": 1, "wish": 0}
    html = c.get(reverse("dual:member", args=[dual.worker.pk])).content.decode()
    assert "旧手工心愿" in html and "手工登记，不再计入" in html


def test_the_list_export_and_panels_count_from_records(county, dual):
    from jiceng.dual.panels import command_panels, member_panels
    from jiceng.wishes import services as wish_services

    register(dual.community_admin, dual.community, dual.worker)
    other = add_member(dual.agency_branch, "郑在职", occupation="professional")
    register(dual.community_admin, dual.community, other)
    life_services.add_to_roster(None, held(dual.grid, date(2026, 4, 15)), dual.worker, present=True)
    services.record_dual_activity(dual.community_admin, dual.worker, on=date(2026, 4, 20), title="周末助老")
    wish = wish_services.post_wish(None, organization=dual.community, phone="13812340001", description="修水管")
    wish_services.claim_wish(
        dual.worker_user, wish_services.accept_wish(county.admin_a, wish, project="basic"), member=dual.worker
    )
    services.record_dual_activity(dual.community_admin, other, on=date(2026, 4, 20), title="楼栋巡查")

    c = client_for(dual.community_admin)
    response = c.get(reverse("dual:list"))
    summary = response.context["summary"]
    assert (summary["registered"], summary["complete"], summary["rate"]) == (2, 1, 50.0)
    assert [n for _, n in summary["per_kind"]] == [1, 2, 1]
    rows = {r["member"].name: r["done"] for r in response.context["rows"]}
    assert rows["钱在职"] == {"party_day": 1, "service_project": 1, "wish": 1}
    assert rows["郑在职"] == {"party_day": 0, "service_project": 1, "wish": 0}
    assert [r["member"].name for r in c.get(reverse("dual:list"), {"completion": "complete"}).context["rows"]] == [
        "钱在职"
    ]
    assert [r["member"].name for r in c.get(reverse("dual:list"), {"completion": "incomplete"}).context["rows"]] == [
        "郑在职"
    ]
    assert c.get(reverse("dual:list"), {"year": "2025"}).context["summary"]["complete"] == 0
    exported = load_workbook(io.BytesIO(c.get(reverse("dual:export")).content)).worksheets[0]
    assert ("钱在职", 1, 1, 1, "是") in [(r[0], r[6], r[7], r[8], r[9]) for r in exported.iter_rows(values_only=True)]
    # The member's own organization sees the same count on the member page.
    request = RequestFactory().get("/")
    request.user = dual.agency_secretary
    (panel,) = [p for p in member_panels(request, dual.worker) if p.template.endswith("member_dual.html")]
    assert panel.context["complete"] and dict(panel.context["done"]) == {
        "参加社区主题党日": 1,
        "认领服务项目": 1,
        "认领微心愿": 1,
    }
    html = client_for(dual.agency_secretary).get(reverse("members:detail", args=[dual.worker.pk])).content.decode()
    assert "三项完成" in html
    # The command screen of the community's township: its card loads after the page.
    request.user = county.admin_a
    (panel,) = command_panels(request, county.town_a, TODAY.date())
    assert panel.context["url"] == reverse("dual:panel_command") + f"?org={county.town_a.pk}"
    card = client_for(county.admin_a).get(panel.context["url"])
    assert (card.context["panel"]["figures"]["registered"], card.context["panel"]["figures"]["complete"]) == (2, 1)
    assert 'data-figure="dual_complete">1<' in card.content.decode()


@pytest.mark.parametrize("rows", [10, 200])
def test_dual_list_query_count(county, dual, rows, django_assert_max_num_queries):
    from jiceng.members.tests.test_members import bulk_members

    bulk_members(dual.agency_branch, rows)
    Member.objects.filter(name__startswith="批量").update(
        registered_community=dual.community, registered_on=date(2026, 1, 1), occupation="civil_servant"
    )
    batch = list(Member.objects.filter(name__startswith="批量"))
    DualRegistrationRecord.objects.bulk_create(
        [
            DualRegistrationRecord(
                member=m, community=dual.community, kind="service_project", on=date(2026, 5, 1), year=2026, title="x"
            )
            for m in batch
        ]
    )
    record = held(dual.grid, date(2026, 4, 15))
    LifeAttendance.objects.bulk_create([LifeAttendance(record=record, member=m, status="present") for m in batch])
    c = client_for(dual.community_admin)
    # Thirteen: the party days are read records first (the year's themed days, then their marks).
    with django_assert_max_num_queries(13):
        response = c.get(reverse("dual:list"), {"year": "2026"})
    assert response.context["summary"]["registered"] == rows
    assert response.context["summary"]["per_kind"][0][1] == rows  # everyone attended the party day
    with django_assert_max_num_queries(13):
        incomplete = c.get(reverse("dual:list"), {"year": "2026", "completion": "incomplete"})
    assert incomplete.status_code == 200  # no wish claimed: every one of them still lacks one kind
    assert (incomplete.context["summary"]["registered"], incomplete.context["summary"]["complete"]) == (rows, 0)
    assert incomplete.context["rows"] and not any(r["complete"] for r in incomplete.context["rows"])


# ---- what each side sees ----------------------------------------------------------------------


def test_a_community_sees_only_what_the_registration_needs(county, dual):
    number = idnumbers.decrypt(dual.worker.id_number_encrypted)
    c = client_for(dual.community_admin)
    html = c.post(
        reverse("dual:register"),
        {"community": dual.community.pk, "name": "钱某", "id_number": number, "on": "2026-03-01"},
    ).content.decode()
    assert "未找到姓名与公民身份号码都相符" in html
    response = c.post(
        reverse("dual:register"),
        {"community": dual.community.pk, "name": "钱在职", "id_number": number, "on": "2026-03-01"},
    )
    assert response.status_code == 302
    dual.worker.refresh_from_db()
    assert (dual.worker.registered_community, dual.worker.registered_on) == (dual.community, date(2026, 3, 1))
    html = c.get(reverse("dual:list")).content.decode()
    assert "钱在职" in html and "县财政局机关第一党支部" in html
    page = c.get(reverse("dual:member", args=[dual.worker.pk])).content.decode()
    assert "137****1111" in page and "13700001111" not in page
    assert dual.worker.id_number_masked not in page
    assert c.get(reverse("members:detail", args=[dual.worker.pk])).status_code == 404
    # Nobody outside both sides sees the registration.
    outsider = client_for(county.admin_b)
    assert "钱在职" not in outsider.get(reverse("dual:list")).content.decode()
    assert outsider.get(reverse("dual:member", args=[dual.worker.pk])).status_code == 404
    assert outsider.post(reverse("dual:record", args=[dual.worker.pk]), {}).status_code == 404
    assert client_for(county.member_user).get(reverse("dual:list")).status_code == 403
    # The member's own organization sees the registration on the member page and may end it.
    html = client_for(dual.agency_secretary).get(reverse("members:detail", args=[dual.worker.pk])).content.decode()
    assert "甲镇幸福社区党总支" in html
    services.end_registration(dual.agency_secretary, dual.worker, reason="已搬离")
    dual.worker.refresh_from_db()
    assert dual.worker.registered_community is None


def test_entries_are_deleted_by_the_community_only_and_kept_when_the_registration_ends(county, dual):
    register(dual.community_admin, dual.community, dual.worker)
    record = services.record_dual_activity(dual.community_admin, dual.worker, on=date(2026, 5, 1), title="助老")
    assert client_for(county.admin_b).post(reverse("dual:record_delete", args=[record.pk])).status_code == 404
    services.end_registration(dual.community_admin, dual.worker, reason="搬家")
    assert DualRegistrationRecord.objects.filter(pk=record.pk).exists()
    register(dual.community_admin, dual.community, dual.worker, on=date(2026, 6, 1))
    client_for(dual.community_admin).post(reverse("dual:record_delete", args=[record.pk]))
    assert not DualRegistrationRecord.objects.exists()


# ---- the app's seams: audit labels, the registry, the walk, the command panel ----------------------


def test_audit_entries_name_the_record_before_and_after_the_move(county, dual):
    from jiceng.core import audit
    from jiceng.core.auditview import readable
    from jiceng.core.models import AuditEntry

    register(dual.community_admin, dual.community, dual.worker)
    record = services.record_dual_activity(dual.community_admin, dual.worker, on=date(2026, 4, 20), title="助老")
    entry = AuditEntry.objects.get(object_type="dual.DualRegistrationRecord", object_id=str(record.pk))
    # Entries written while the model was in the members app keep their label and read the same.
    old = audit.record(
        None, "create", object_type="members.DualRegistrationRecord", object_id="1", changes={"kind": "wish"}
    )
    (new_entry, old_entry) = readable(county.county_admin, [entry, old])
    assert new_entry.kind == old_entry.kind == "双报到活动记录"
    assert str(old_entry.changes[0]) == "事项：认领微心愿"


def test_the_counts_come_from_the_apps_that_keep_the_records():
    from jiceng.life import dual_sources as life_source
    from jiceng.wishes import dual_sources as wishes_source

    assert queries.sources() == {"party_day": life_source, "wish": wishes_source}


def test_insider_walk_rows_show_the_victims(county):
    """The scope walk is meaningful: town B's own admin does see the registration."""
    from jiceng.dual.tests import scope

    victim = scope.setup(county)
    c = client_for(county.admin_b)
    assert "赵秘密" in c.get(reverse("dual:list")).content.decode()
    assert "认领秘密服务项目" in c.get(reverse("dual:member", args=[county.member_b.pk])).content.decode()
    assert c.get(reverse("dual:list"), {"community": victim["dual_community"]}).context["summary"]["registered"] == 1


@pytest.mark.parametrize("rows", [10, 200])
def test_command_panel_query_count(county, dual, rows, django_assert_max_num_queries):
    from jiceng.dual.panels import command_panel_context, command_panels
    from jiceng.members.tests.test_members import bulk_members

    bulk_members(dual.agency_branch, rows)
    Member.objects.filter(name__startswith="批量").update(
        registered_community=dual.community, registered_on=date(2026, 1, 1), occupation="civil_servant"
    )
    request = RequestFactory().get("/")
    request.user = county.county_admin
    with django_assert_max_num_queries(0):  # the command screen itself waits for nothing
        command_panels(request, county.root, TODAY.date())
    # The card: a count and the year (the members, life's party days and marks, wishes, service projects).
    with django_assert_max_num_queries(6):
        context = command_panel_context(county.root, TODAY.date())
    assert context["figures"] == {"registered": rows, "complete": 0}
