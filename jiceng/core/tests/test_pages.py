"""The view glue of core.pages: a form whose cleaned data goes to a service, and a POST button."""

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from jiceng.core import pages


class NameForm(forms.Form):
    name = forms.CharField(label="名称")


def _request(method="post", data=None):
    request = getattr(RequestFactory(), method)("/x/", data or {})
    request._messages = CookieStorage(request)
    return request


def _flashed(request):
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def test_form_action_runs_service_flashes_and_redirects():
    request = _request(data={"name": "一支部"})
    seen = []
    response = pages.form_action(
        request,
        NameForm(request.POST),
        lambda data: seen.append(data["name"]) or 7,
        success=lambda pk: f"已保存 {pk}",
        to=lambda pk: f"/done/{pk}/",
    )
    assert seen == ["一支部"]
    assert response.status_code == 302 and response["Location"] == "/done/7/"
    assert _flashed(request) == [("success", "已保存 7")]


def test_form_action_puts_refusal_on_the_named_field_and_returns_none():
    request = _request(data={"name": "一支部"})
    form = NameForm(request.POST)

    def refuse(data):
        raise ValidationError({"name": "名称已被使用", "other": "不在表单上的字段"})

    assert pages.form_action(request, form, refuse, success="已保存", to="/done/") is None
    assert form.errors["name"] == ["名称已被使用"]
    assert form.non_field_errors() == ["不在表单上的字段"]
    assert _flashed(request) == []


def test_form_action_plain_refusal_goes_on_top_of_the_form():
    request = _request(data={"name": "一支部"})
    form = NameForm(request.POST)

    def refuse(data):
        raise ValidationError(["第一条理由", "第二条理由"])

    assert pages.form_action(request, form, refuse, success="已保存", to="/done/") is None
    assert form.non_field_errors() == ["第一条理由", "第二条理由"]


@pytest.mark.parametrize("method,data", [("get", {}), ("post", {"name": ""})])
def test_form_action_does_nothing_on_get_or_invalid_form(method, data):
    request = _request(method, data)
    called = []
    form = NameForm(request.POST if method == "post" else None)
    assert pages.form_action(request, form, called.append, success="x", to="/") is None
    assert called == []


def test_button_action_success_and_refusal():
    request = _request()
    response = pages.button_action(request, lambda: "ok", success="已办结", to="/list/")
    assert response["Location"] == "/list/" and _flashed(request) == [("success", "已办结")]

    request = _request()

    def refuse():
        raise ValidationError(["已归档", "不能再改"])

    response = pages.button_action(request, refuse, success="已办结", to="/list/", back="/detail/")
    assert response["Location"] == "/detail/"
    assert _flashed(request) == [("error", "已归档；不能再改")]


def test_button_action_computed_target_needs_a_way_back():
    with pytest.raises(TypeError):
        pages.button_action(_request(), lambda: 1, success=None, to=lambda r: "/x/")
    response = pages.button_action(_request(), lambda: 3, success=None, to=lambda r: f"/x/{r}/", back="/x/")
    assert response["Location"] == "/x/3/"
