"""Numbers typed on a step (training, votes, ids) are bounded everywhere — API, pages and the
service itself — so that no number gives a 500 (PostgreSQL: smallint out of range; SQLite:
OverflowError past 64 bits)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiceng.development import rules, services
from jiceng.development.testing import DATES, open_applicant, walk


def post(client, file, body):
    return client.post(reverse("development-file-steps", args=[file.pk]), body, content_type="application/json")


def errors(response) -> dict:
    """The input errors of a 400 (the serializer's, by field)."""
    assert response.status_code == 400, response.content
    return response.json()


def test_training_beyond_a_year_or_2000_hours_is_refused_by_the_api(dev, client_as):
    file = walk(dev, open_applicant(dev), 10)
    c = client_as(dev.secretary_a)
    on = DATES[11].isoformat()
    assert errors(post(c, file, {"number": 11, "on": on, "training_days": 40000})) == {
        "training_days": ["培训天数应在0至365之间"]
    }
    assert errors(post(c, file, {"number": 11, "on": on, "training_hours": 99999999999})) == {
        "training_hours": ["培训学时应在0至2000之间"]
    }
    assert not file.steps.filter(number=11).exists()
    assert post(c, file, {"number": 11, "on": on, "training_days": 365, "training_hours": 2000}).status_code == 201


def test_votes_beyond_ten_thousand_are_refused_by_the_api(dev, client_as):
    file = walk(dev, open_applicant(dev), 14)
    vote = {"entitled": 40000, "attended": 40000, "yes": 40000}
    body = errors(post(client_as(dev.secretary_a), file, {"number": 15, "on": DATES[15].isoformat(), "vote": vote}))
    assert body == {
        "vote": {
            "entitled": ["应到会有表决权人数应在0至10000之间"],
            "attended": ["实到会有表决权人数应在0至10000之间"],
            "yes": ["赞成票数应在0至10000之间"],
        }
    }
    assert not file.steps.filter(number=15).exists()


def test_a_member_id_beyond_64_bits_is_a_400(dev, client_as):
    file = open_applicant(dev)
    people = [{"role": "talker", "member": 99999999999999999999}]
    body = errors(post(client_as(dev.secretary_a), file, {"number": 2, "on": DATES[2].isoformat(), "people": people}))
    assert body == {"people": {"0": {"member": ["党员ID应在1至9223372036854775807之间"]}}}


def test_the_service_refuses_numbers_out_of_range_for_every_caller(dev):
    file = walk(dev, open_applicant(dev), 10)
    with pytest.raises(ValidationError) as exc:
        services.record_step(dev.secretary_a, file, 11, on=DATES[11], training_days=40000, training_hours=-1)
    assert exc.value.message_dict == {
        "training_days": ["培训天数应在0至365之间"],
        "training_hours": ["培训学时应在0至2000之间"],
    }
    walk(dev, file, 14)
    with pytest.raises(ValidationError) as exc:
        services.record_step(
            dev.secretary_a, file, 15, on=DATES[15], vote=rules.Vote(entitled=40000, attended=40000, yes=40000)
        )
    assert set(exc.value.message_dict) == {"vote_entitled", "vote_attended", "vote_yes"}
    assert not file.steps.filter(number=15).exists()


def test_the_step_page_says_so_in_chinese(dev, client_as):
    file = walk(dev, open_applicant(dev), 10)
    url = reverse("development:step", args=[file.pk, 11])
    response = client_as(dev.secretary_a).post(url, {"on": DATES[11].isoformat(), "training_days": "40000"})
    assert response.status_code == 200 and "培训天数应在0至365之间" in response.content.decode()
    assert not file.steps.filter(number=11).exists()


@pytest.fixture
def files(dev):
    """A file waiting for step 9, one for step 11 and one for step 15."""
    return {
        9: walk(dev, open_applicant(dev, name="甲"), 8),
        11: walk(dev, open_applicant(dev, name="乙", birth=date(2001, 1, 1)), 10),
        15: walk(dev, open_applicant(dev, name="丙", birth=date(2002, 2, 2)), 14),
    }


numbers = st.one_of(
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 3, 365, 366, 2000, 2001, 10000, 10001, 32767, 32768, 40000, 2**31, 2**63 - 1, 2**63]),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.sampled_from([9, 11, 15]), values=st.lists(numbers, min_size=6, max_size=6), same=st.booleans())
def test_no_number_on_the_step_api_gives_a_500(dev, client_as, files, number, values, same):
    """Arbitrary integers in every numeric field of the step endpoint: 201 or 400, never a 500.
    `same` puts one number in all the vote counts (a unanimous meeting), which passes the rules."""
    days, hours, entitled, attended, member, group = values
    body = {"number": number, "on": DATES[number].isoformat(), "group": group if member % 2 else None}
    if number == 9:
        second = dev.li.pk if same else member
        body["people"] = [{"role": "sponsor", "member": dev.member_a.pk}, {"role": "sponsor", "member": second}]
    if number == 11:
        body.update(training_days=days, training_hours=hours if same else None)
    if number == 15:
        body["vote"] = {"entitled": entitled, "attended": entitled, "yes": entitled}
        if not same:
            body["vote"].update(attended=attended, no=days, abstain=hours, written=member)
    client = client_as(dev.secretary_a)
    with transaction.atomic():  # each example starts from the same files
        response = post(client, files[number], body)
        assert response.status_code in (201, 400), response.content
        if response.status_code == 201:
            step = files[number].steps.get(number=number)
            assert 0 <= (step.training_days or 0) <= 365 and 0 <= (step.vote_entitled or 0) <= 10000
        transaction.set_rollback(True)
