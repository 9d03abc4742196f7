"""The people of a step: full members ON THE STEP'S DATE (not today), and only members the acting
user may see — an id outside the scope is refused without a word about the person."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiceng.development import rules, services
from jiceng.development.models import Step
from jiceng.development.services import PersonInput
from jiceng.development.testing import DATES, open_applicant, walk
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.testing import add_member
from jiceng.transfers import services as transfer_services

STEP_9 = DATES[9]  # 2024-03-20


def post(client, file, body):
    return client.post(reverse("development-file-steps", args=[file.pk]), body, content_type="application/json")


def sponsors(*members):
    return [{"role": "sponsor", "member": m.pk} for m in members]


def step_9(dev, client_as, second, actor=None):
    """Step 9 through the API, dated 2024-03-20, with 张三 and `second` as sponsors."""
    file = walk(dev, open_applicant(dev), 8)
    response = post(
        client_as(actor or dev.secretary_a),
        file,
        {"number": 9, "on": STEP_9.isoformat(), "people": sponsors(dev.member_a, second)},
    )
    return file, response


# ---- full on the step's date ---------------------------------------------------------------


def test_a_sponsor_in_transit_now_was_a_full_member_on_the_day(dev, client_as):
    """The reviewer's case: 李四's relationship is being transferred within the county today."""
    transfer_services.issue_transfer(
        dev.secretary_a, dev.li, kind="within", to_org=dev.branch_b, issued_on=timezone.localdate() - timedelta(days=5)
    )
    assert Member.objects.get(pk=dev.li.pk).status == "in_transit"
    file, response = step_9(dev, client_as, dev.li)
    assert response.status_code == 201, response.json()
    assert sorted(file.steps.get(number=9).people.values_list("name", flat=True)) == ["张三", "李四"]


def test_a_sponsor_who_died_after_the_step_date_is_accepted(dev, client_as):
    member_services.change_status(None, dev.li, to_status="deceased", on=date(2025, 1, 1), reason="病故")
    _, response = step_9(dev, client_as, dev.li)
    assert response.status_code == 201, response.json()


def test_a_sponsor_who_died_before_the_step_date_is_refused(dev, client_as):
    member_services.change_status(None, dev.li, to_status="deceased", on=date(2024, 3, 1), reason="病故")
    file, response = step_9(dev, client_as, dev.li)
    assert response.status_code == 400
    (refusal,) = response.json()["refusals"]
    assert refusal["field"] == "sponsors"
    assert refusal["message"] == (
        "入党介绍人须为正式党员：李四在2024-03-20不是正式党员（《中国共产党发展党员工作细则》第十四条）"
    )
    assert not file.steps.filter(number=9).exists()


def test_a_sponsor_who_left_the_county_since_is_accepted(dev, client_as):
    transfer = transfer_services.issue_transfer(
        dev.secretary_a,
        dev.li,
        kind="out",
        to_name="外县某村党支部",
        region="湖北省某县",
        issued_on=date(2025, 1, 2),
        valid_until=date(2025, 2, 1),
    )
    transfer_services.confirm_transfer(dev.secretary_a, transfer, on=date(2025, 1, 10), receipt_on=date(2025, 1, 15))
    assert Member.objects.get(pk=dev.li.pk).status == "transferred_out"
    _, response = step_9(dev, client_as, dev.li)
    assert response.status_code == 201, response.json()


def test_a_sponsor_in_transit_on_the_step_date_counts_as_the_status_they_left_with(dev, client_as):
    transfer = transfer_services.issue_transfer(
        dev.secretary_a, dev.li, kind="within", to_org=dev.branch_b, issued_on=date(2024, 3, 1)
    )
    transfer_services.cancel_transfer(dev.secretary_a, transfer, reason="本人未去报到", on=date(2024, 3, 25))
    member_services.change_status(None, dev.li, to_status="deceased", on=date(2025, 1, 1), reason="病故")
    _, response = step_9(dev, client_as, dev.li)
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(
    ("full_on", "accepted"), [(STEP_9 - timedelta(days=1), True), (STEP_9, True), (STEP_9 + timedelta(days=1), False)]
)
def test_full_from_the_full_date_on(dev, full_on, accepted):
    """Full since the step's date: accepted; full one day after it: refused, with the date."""
    newcomer = add_member(dev.branch_a, "钱六", status="probationary", join_date=date(2023, 3, 1))
    member_services.change_status(None, newcomer, to_status="full", on=full_on)
    file = walk(dev, open_applicant(dev), 8)
    people = [PersonInput(rules.SPONSOR, member_id=dev.member_a.pk), PersonInput(rules.SPONSOR, member_id=newcomer.pk)]
    if accepted:
        services.record_step(dev.secretary_a, file, 9, on=STEP_9, people=people)
        return
    with pytest.raises(ValidationError) as exc:
        services.record_step(dev.secretary_a, file, 9, on=STEP_9, people=people)
    assert exc.value.message_dict["sponsors"] == [
        f"入党介绍人须为正式党员：钱六于{full_on:%Y-%m-%d}转为正式党员，2024-03-20时尚不是正式党员"
        "（《中国共产党发展党员工作细则》第十四条）"
    ]


def test_a_contact_who_died_since_is_accepted(dev):
    member_services.change_status(None, dev.li, to_status="deceased", on=date(2024, 1, 1), reason="病故")
    file = walk(dev, open_applicant(dev), 4)
    contact = [PersonInput(rules.CONTACT, member_id=dev.li.pk)]
    services.record_step(dev.secretary_a, file, 5, on=DATES[5], people=contact)
    assert file.steps.get(number=5).people.get().name == "李四"


# ---- only members within the acting user's scope --------------------------------------------


def test_a_talker_outside_the_scope_is_refused_without_the_name(dev, client_as):
    """The reviewer's case: 甲镇's secretary names 乙乡's member by id as the talker."""
    file = open_applicant(dev)
    response = post(
        client_as(dev.secretary_a),
        file,
        {"number": 2, "on": DATES[2].isoformat(), "people": [{"role": "talker", "member": dev.member_b.pk}]},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "赵秘密" not in body and "13900009999" not in body
    assert response.json()["errors"] == {"talkers": [rules.NOT_IN_SCOPE]}
    assert not file.steps.filter(number=2).exists()


def test_a_sponsor_outside_the_scope_is_refused_like_an_unknown_id(dev, client_as):
    _, response = step_9(dev, client_as, dev.member_b)
    assert response.status_code == 400 and "赵秘密" not in response.content.decode()
    assert response.json()["errors"] == {"sponsors": [rules.NOT_IN_SCOPE]}
    file = walk(dev, open_applicant(dev, name="申请人乙"), 8)
    unknown = max(Member.objects.values_list("pk", flat=True)) + 1000
    response = post(
        client_as(dev.secretary_a),
        file,
        {
            "number": 9,
            "on": STEP_9.isoformat(),
            "people": sponsors(dev.member_a) + [{"role": "sponsor", "member": unknown}],
        },
    )
    assert response.status_code == 400 and response.json()["errors"] == {"sponsors": [rules.NOT_IN_SCOPE]}


def test_the_township_admin_is_refused_another_townships_member(dev):
    file = walk(dev, open_applicant(dev), 4)
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            dev.admin_a, file, 5, on=DATES[5], people=[PersonInput(rules.CONTACT, member_id=dev.member_b.pk)]
        )
    assert exc.value.message_dict == {"contacts": [rules.NOT_IN_SCOPE]}
    assert not Step.objects.filter(file=file, number=5).exists()


def test_the_county_admin_may_name_a_sponsor_from_another_township(dev, client_as):
    """The acting user's scope is the rule: a sponsor from 乙乡 is legitimate for the county."""
    file, response = step_9(dev, client_as, dev.member_b, actor=dev.county_admin)
    assert response.status_code == 201, response.json()
    assert file.steps.get(number=9).people.filter(member=dev.member_b).exists()
