"""The write API: open a file and record steps through the services, scoped like the pages; a
refused step is 400 with the rule and the earliest possible day."""

from datetime import date

from django.urls import reverse

from jiceng.development.models import DevelopmentFile
from jiceng.development.testing import DATES, open_applicant, walk
from jiceng.testing import make_id


def post(client, url, data):
    return client.post(url, data, content_type="application/json")


def steps_url(file) -> str:
    return reverse("development-file-steps", args=[file.pk])


def test_open_a_file_and_record_steps(dev, client_as):
    c = client_as(dev.secretary_a)
    response = post(
        c,
        reverse("development-file-list"),
        {
            "organization": dev.branch_a.pk,
            "id_number": make_id(date(2001, 2, 3)),
            "name": "接口申请",
            "on": "2025-01-06",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "接口申请" and body["last_step"] == 1 and "*" in body["id_number"]
    assert [s["number"] for s in body["steps"]] == [1]
    file = DevelopmentFile.objects.get(pk=body["id"])
    response = post(
        c,
        steps_url(file),
        {"number": 2, "on": "2025-01-20", "people": [{"role": "talker", "member": dev.member_a.pk}]},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["step"]["number"] == 2 and response.json()["file"]["last_step"] == 2
    assert file.steps.filter(number=2, people__member=dev.member_a).exists()


def test_a_refused_step_names_the_rule_and_the_earliest_day(dev, client_as):
    file = walk(dev, open_applicant(dev), 6)  # activist 2023-03-10
    c = client_as(dev.secretary_a)
    response = post(c, steps_url(file), {"number": 7, "on": "2024-03-09"})
    assert response.status_code == 400
    body = response.json()
    (refusal,) = body["refusals"]
    assert refusal["rule"] == "《中国共产党发展党员工作细则》第十三条"
    assert refusal["earliest"] == "2024-03-10" and refusal["field"] == "on"
    assert body["errors"]["on"] == [refusal["message"]] and "一年以上" in body["detail"]
    assert file.steps.count() == 6
    # The vote rule (a majority of all entitled members), through the nested vote.
    walk(dev, file, 14)
    response = post(
        c, steps_url(file), {"number": 15, "on": str(DATES[15]), "vote": {"entitled": 4, "attended": 4, "yes": 2}}
    )
    assert response.status_code == 400
    assert response.json()["refusals"][0]["rule"] == "《中国共产党发展党员工作细则》第二十一条"
    assert response.json()["refusals"][0]["earliest"] is None


def test_opening_under_18_gives_the_birthday(dev, client_as):
    response = post(
        client_as(dev.secretary_a),
        reverse("development-file-list"),
        {"organization": dev.branch_a.pk, "id_number": make_id(date(2010, 6, 1)), "name": "太年轻", "on": "2026-01-05"},
    )
    assert response.status_code == 400
    (refusal,) = response.json()["refusals"]
    assert refusal["rule"] == "《中国共产党章程》第一条" and refusal["earliest"] == "2028-06-01"
    assert not DevelopmentFile.objects.filter(name="太年轻").exists()


def test_writes_are_scoped_like_the_pages(dev, client_as):
    from rest_framework.test import APIClient

    file = walk(dev, open_applicant(dev), 2)
    open_body = {"organization": dev.branch_a.pk, "id_number": make_id(), "name": "外人", "on": "2026-01-05"}
    step_body = {"number": 3, "on": "2026-01-05", "recommendation": "党员推荐"}
    outsider = client_as(dev.admin_b)
    assert post(outsider, reverse("development-file-list"), open_body).status_code == 404
    assert post(outsider, steps_url(file), step_body).status_code == 404
    member = client_as(dev.member_user)
    assert post(member, reverse("development-file-list"), open_body).status_code == 403
    assert post(member, steps_url(file), step_body).status_code == 404
    anonymous = APIClient()
    assert anonymous.post(steps_url(file), step_body, format="json").status_code in (401, 403)
    assert not DevelopmentFile.objects.filter(name="外人").exists() and file.steps.count() == 2
    # The township admin of the file's own township may write.
    assert post(client_as(dev.admin_a), steps_url(file), step_body).status_code == 201
