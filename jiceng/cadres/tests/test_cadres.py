"""The cadre register: the three personas on each write, the ID number stored and shown as for
members, the village rule, the history of posts and states, the county filing of secretaries,
mentors, and the list page's query budget."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from jiceng.cadres import services
from jiceng.cadres.models import CadreChange, VillageCadre
from jiceng.cadres.testing import add_cadre, cadre_id
from jiceng.core import idnumbers
from jiceng.core.models import AuditEntry
from jiceng.testing import client_for, make_user

pytestmark = pytest.mark.django_db
NOW = "2027-01-10 10:00 +0800"


@time_machine.travel(NOW)
def test_a_township_admin_registers_a_cadre_with_the_id_number_stored_as_for_members(county):
    number = cadre_id(date(1978, 4, 2), "female")
    cadre = services.create_cadre(
        county.admin_a, village=county.village_a, name="王主任", post="director", id_number=number,
        term_starts_on=date(2021, 1, 5), phone="13712345678", member=county.member_a,
    )  # fmt: skip
    assert cadre.gender == "female" and cadre.birth_date == date(1978, 4, 2)
    assert idnumbers.decrypt(cadre.id_number_encrypted) == number
    assert cadre.id_number_masked == idnumbers.mask(number) and number not in cadre.id_number_masked
    entry = AuditEntry.objects.get(object_type="cadres.VillageCadre", action="create")
    assert entry.org_path == county.village_a.path and number not in str(entry.changes)
    assert list(cadre.changes.values_list("field", "to_value")) == [("post", "director")]
    page = client_for(county.admin_a).get(reverse("cadres:list"))
    assert "王主任" in page.content.decode() and "137****5678" in page.content.decode()
    assert "13712345678" not in page.content.decode()


@time_machine.travel(NOW)
def test_the_sibling_township_and_members_cannot_write_and_a_branch_is_not_a_village(county):
    with pytest.raises(PermissionDenied):
        services.create_cadre(county.admin_a, village=county.branch_b, name="外", post="director",
                              id_number=cadre_id(), term_starts_on=date(2021, 1, 1))  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.create_cadre(county.member_user, village=county.village_a, name="外", post="director",
                              id_number=cadre_id(), term_starts_on=date(2021, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.create_cadre(county.admin_a, village=county.branch_a, name="错", post="director",
                              id_number=cadre_id(), term_starts_on=date(2021, 1, 1))  # fmt: skip
    assert "不是村（社区）党组织" in str(error.value)
    assert not VillageCadre.objects.exists()
    assert client_for(county.member_user).get(reverse("cadres:list")).status_code == 403
    assert client_for(county.admin_a).get(reverse("cadres:create")).status_code == 200


@time_machine.travel(NOW)
def test_form_errors_are_in_chinese(county):
    existing = add_cadre(county.village_a, "李书记")
    number = idnumbers.decrypt(existing.id_number_encrypted)
    response = client_for(county.admin_a).post(
        reverse("cadres:create"),
        {"village": county.village_a.pk, "name": "重复", "id_number": number, "post": "director",
         "term_starts_on": "2027-02-01", "phone": "123"},
    )  # fmt: skip
    text = response.content.decode()
    assert response.status_code == 200
    assert "该公民身份号码已登记为甲镇东村党总支的村（社区）党组织书记" in text
    assert "任职开始日期不能晚于今天" in text


@time_machine.travel(NOW)
def test_a_post_change_and_leaving_are_kept_in_the_history(county):
    cadre = add_cadre(county.village_a, "赵委员", "committee_member")
    services.update_cadre(county.admin_a, cadre, post="deputy_director", on=date(2026, 3, 1))
    services.cadre_leaves(county.admin_a, cadre, on=date(2026, 12, 31), reason="换届未连任")
    cadre.refresh_from_db()
    assert cadre.state == "left" and cadre.left_on == date(2026, 12, 31) and cadre.revision == 2
    steps = list(CadreChange.objects.filter(cadre=cadre).values_list("field", "from_value", "to_value"))
    assert steps == [("post", "", "committee_member"), ("post", "committee_member", "deputy_director"),
                     ("state", "active", "left")]  # fmt: skip
    with pytest.raises(ValidationError):
        services.cadre_leaves(county.admin_a, cadre, on=date(2026, 12, 31), reason="再次")
    with pytest.raises(ValidationError):
        CadreChange.objects.first().delete()
    page = client_for(county.admin_a).get(reverse("cadres:detail", args=[cadre.pk])).content.decode()
    assert "两委委员 → 村（居）委会副主任" in page and "换届未连任" in page


@time_machine.travel(NOW)
def test_the_county_files_secretaries_only(county):
    secretary = add_cadre(county.village_a, "李书记", "one_shoulder")
    member = add_cadre(county.village_a, "钱委员", "committee_member")
    with pytest.raises(PermissionDenied):
        services.file_secretary(county.admin_a, secretary, filed_on=date(2027, 1, 5))
    with pytest.raises(ValidationError):
        services.file_secretary(county.county_admin, member, filed_on=date(2027, 1, 5))
    client = client_for(county.county_admin)
    response = client.post(
        reverse("cadres:file", args=[secretary.pk]), {"filed_on": "2027-01-05", "note": "县委组织部备案"}
    )
    assert response.status_code == 302
    secretary.refresh_from_db()
    assert secretary.filed_on == date(2027, 1, 5) and secretary.filed_by == county.county_admin
    unfiled = client.get(reverse("cadres:list") + "?filed=0").content.decode()
    assert "李书记" not in unfiled
    assert "李书记" in client.get(reverse("cadres:list") + "?filed=1").content.decode()


@time_machine.travel(NOW)
def test_mentors_for_new_secretaries(county):
    secretary = add_cadre(county.village_a, "新书记", "secretary", starts_on=date(2026, 1, 1))
    pairing = services.add_mentorship(county.admin_a, secretary, mentor_name="老书记", mentor_unit="西村党组织书记",
                                      starts_on=date(2026, 1, 10))  # fmt: skip
    with pytest.raises(ValidationError):
        services.add_mentorship(
            county.admin_a, secretary, mentor_name="二", mentor_unit="二", starts_on=date(2026, 2, 1)
        )
    response = client_for(county.admin_a).post(
        reverse("cadres:mentorship_end", args=[pairing.pk]), {"ends_on": "2027-01-09"}
    )
    assert response.status_code == 302
    pairing.refresh_from_db()
    assert pairing.ends_on == date(2027, 1, 9)
    with pytest.raises(PermissionDenied):
        services.add_mentorship(
            county.admin_b, secretary, mentor_name="外", mentor_unit="外", starts_on=date(2026, 2, 1)
        )


@time_machine.travel(NOW)
def test_the_full_id_number_is_revealed_to_township_admins_only_and_audited(county):
    cadre = add_cadre(county.village_a, "李书记")
    number = idnumbers.decrypt(cadre.id_number_encrypted)
    page = client_for(county.admin_a).post(reverse("cadres:reveal", args=[cadre.pk]))
    assert number in page.content.decode()
    assert AuditEntry.objects.filter(action="view_full_id", object_id=str(cadre.pk)).count() == 1
    secretary = make_user("village-secretary", county.village_a, "branch_secretary")
    assert client_for(secretary).post(reverse("cadres:reveal", args=[cadre.pk])).status_code == 403
    assert client_for(county.admin_b).post(reverse("cadres:reveal", args=[cadre.pk])).status_code == 404


@time_machine.travel(NOW)
def test_export_shows_masked_numbers(county):
    from io import BytesIO

    from openpyxl import load_workbook

    cadre = add_cadre(county.village_a, "李书记", phone="13712345678")
    response = client_for(county.admin_a).get(reverse("cadres:export"))
    book = load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row]
    assert "李书记" in cells and cadre.id_number_masked in cells and "137****5678" in cells
    assert "13712345678" not in cells


@pytest.mark.parametrize("n", [3, 40])
def test_the_list_page_has_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    with time_machine.travel(NOW):
        for i in range(n):
            add_cadre(county.village_a, f"干部{i}", "committee_member")
        client = client_for(county.admin_a)
        with django_assert_max_num_queries(12):
            response = client.get(reverse("cadres:list"))
    assert f"共 {n} 人" in response.content.decode()


@time_machine.travel(NOW)
def test_a_record_entered_by_mistake_is_deleted_but_not_one_with_results(county):
    from jiceng.cadres.testing import manual_scores

    wrong = add_cadre(county.village_a, "错录")
    services.add_mentorship(None, wrong, mentor_name="导", mentor_unit="某村", starts_on=date(2026, 1, 1))
    client = client_for(county.admin_a)
    assert client_for(county.admin_b).post(reverse("cadres:delete", args=[wrong.pk])).status_code == 404
    assert client.post(reverse("cadres:delete", args=[wrong.pk])).status_code == 302
    assert not VillageCadre.objects.filter(pk=wrong.pk).exists()
    assert AuditEntry.objects.filter(action="delete", object_type="cadres.VillageCadre").count() == 1
    served = add_cadre(county.village_a, "在任", starts_on=date(2020, 1, 1))
    round = services.open_round(None, county.town_a, year=2026, quarter=4)
    services.score(None, round, served, manual=manual_scores(round.scheme, 80), computed={})
    with pytest.raises(ValidationError):
        services.delete_cadre(county.admin_a, served)
    assert (
        reverse("cadres:delete", args=[served.pk])
        not in client.get(reverse("cadres:detail", args=[served.pk])).content.decode()
    )


@pytest.mark.parametrize("n", [2, 12])
def test_the_rounds_and_tasks_pages_have_a_fixed_number_of_queries(county, n, django_assert_max_num_queries):
    from jiceng.cadres.models import AssessmentRound, StreakTask

    with time_machine.travel(NOW):
        cadres = [add_cadre(county.village_a, f"干部{i}", "committee_member") for i in range(n)]
        round = services.open_round(None, county.town_a, year=2026, quarter=4)
        AssessmentRound.objects.filter(pk=round.pk).update(state="closed")
        for c in cadres:
            StreakTask.objects.create(cadre=c, kind="commendation", round=round, quarters="…", decider=county.admin_a)
        for client in (client_for(county.admin_a), client_for(county.county_admin)):
            with django_assert_max_num_queries(12):
                tasks = client.get(reverse("cadres:tasks")).content.decode()
            with django_assert_max_num_queries(10):
                client.get(reverse("cadres:rounds"))
            assert tasks.count("data-task=") == n
