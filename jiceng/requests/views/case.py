"""One request: its page, the handler's actions, publishing to the board, and its photos."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from jiceng.core import pages, params, uploads
from jiceng.core.pages import apply_validation_error
from jiceng.orgs.models import Organization

from .. import queries, rules, services
from ..forms import PublishForm
from ..models import Department, Request, RequestPhoto
from ._common import entry_organizations, get_request


def _assign_choices(item: Request):
    from jiceng.accounts.models import User

    if item.holder_department_id:
        return Organization.objects.none(), User.objects.filter(
            department_staff__department_id=item.holder_department_id, is_active=True
        )
    holder = item.holder_org
    orgs = queries.handling_organizations(Organization.objects.filter(holder.subtree_filter()).exclude(pk=holder.pk))
    users = User.objects.filter(
        is_active=True,
        role__in=["township_admin", "branch_secretary", "county_admin"],
        organization__path__gte=holder.path,
        organization__path__lt=holder.path_end,
    ).select_related("organization")
    return orgs, users


@login_required
def request_detail(request, pk):
    item = get_request(request.user, pk)
    now = timezone.now()
    actions = [a for a in services.STAFF_ACTIONS if services.can_take_step(request.user, item, a)]
    context = {
        "item": item,
        "events": item.events.select_related("actor", "target_org", "target_department"),
        "photos": list(item.photos.all()),
        "actions": actions,
        "overdue": item.overdue_stages(now),
        "now": now,
        "ratings": rules.RATINGS,
        "tiers": rules.TIERS,
        "transitions": rules.TRANSITIONS,
        "active_nav": "requests",
    }
    if "assign" in actions:
        orgs, context["assign_users"] = _assign_choices(item)
        context["assign_groups"] = queries.by_township(orgs)
    if "transfer" in actions:
        context["transfer_groups"] = queries.by_township(
            entry_organizations(request.user).exclude(pk=item.holder_org_id)
        )
        context["departments"] = queries.departments_for(item.organization).exclude(pk=item.holder_department_id)
    if "escalate" in actions:
        if item.level == "village":
            context["escalate_org"] = queries.township_of(item.holder_org)
        else:
            context["escalate_departments"] = queries.departments_for(item.organization)
            context["escalate_default"] = queries.default_department(
                item.holder_org or item.organization, item.category
            )
    return render(request, "requests/detail.html", context)


def _obj(model, value, queryset=None):
    """The object a form's select names, or None when nothing was chosen; a value that is not
    an id of the choices (tampered, "²", 20 digits) is a ValidationError, not a 500."""
    if not value:
        return None
    pk = params.int_or_none(value)
    if pk is None:
        raise ValidationError("所选对象不存在或不可选")
    qs = queryset if queryset is not None else model.objects.all()
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise ValidationError("所选对象不存在或不可选")
    return obj


@login_required
@require_POST
def request_act(request, pk):
    """One endpoint for the handler's actions; the service checks the state and the user."""
    from jiceng.accounts.models import User

    item = get_request(request.user, pk)
    action = request.POST.get("action", "")
    post = request.POST
    version = post.get("version") or None
    note = post.get("note", "")
    user = request.user

    def assign():
        orgs, users = (
            _assign_choices(item)
            if services.can_take_step(user, item, "assign")
            else (Organization.objects.none(),) * 2
        )
        return services.assign_request(
            user,
            item,
            org=_obj(Organization, post.get("org"), orgs),
            user=_obj(User, post.get("user"), users),
            note=note,
            version=version,
        )

    def finish(fn):
        return lambda: fn(user, item, result=note, version=version, photos=request.FILES.getlist("photos"))

    steps = {
        "accept": lambda: services.accept_request(
            user, item, version=version, contacted=bool(post.get("contacted")), note=note
        ),
        "start": lambda: services.start_request(user, item, version=version),
        "contact": lambda: services.contact_resident(user, item, note=note, version=version),
        "assign": assign,
        "transfer": lambda: services.transfer_request(
            user,
            item,
            org=_obj(Organization, post.get("org"), entry_organizations(user)),
            department=_obj(Department, post.get("department"), queries.departments_for(item.organization)),
            note=note,
            tier=post.get("tier") or None,
            version=version,
        ),
        "escalate": lambda: services.escalate_request(
            user,
            item,
            note=note,
            department=_obj(Department, post.get("department"), queries.departments_for(item.organization)),
            tier=post.get("tier") or None,
            version=version,
        ),
        "return": lambda: services.return_request(user, item, note=note, version=version),
        "resolve": finish(services.resolve_request),
        "answer": finish(services.answer_request),
        "callback": lambda: services.record_callback(
            user,
            item,
            rating=post.get("rating", ""),
            solved=post.get("solved") == "1",
            note=note,
            reopen=bool(post.get("reopen")),
            version=version,
        ),
        "close": lambda: services.close_request(user, item, note=note, version=version),
        "dismiss": lambda: services.dismiss_request(user, item, note=note, version=version),
        "unpublish": lambda: services.unpublish_request(user, item),
    }
    if action not in steps:
        messages.error(request, "未知的操作")
        return redirect("requests:detail", pk=item.pk)
    label = rules.TRANSITIONS[action].label if action in rules.TRANSITIONS else action
    return pages.button_action(
        request, steps[action], success=f"已{label}", to=reverse("requests:detail", args=[item.pk])
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_publish(request, pk):
    item = get_request(request.user, pk)
    if not services.can_take_step(request.user, item, "publish"):
        raise PermissionDenied("这件诉求现在不能公开（须已办结，且不是举报类）")
    photos = list(item.photos.all())
    choices = [(str(p.pk), f"{p.get_kind_display()} #{p.pk}") for p in photos]
    initial = {
        "public_description": item.public_description
        or rules.mask_text(item.description, name=item.name, phone=item.phone),
        "public_result": item.public_result or rules.mask_text(item.result, name=item.name, phone=item.phone),
        "photos": [str(p.pk) for p in photos if p.public],
    }
    form = PublishForm(request.POST or None, initial=initial, photo_choices=choices)
    preview, changed = None, False
    if request.method == "POST" and form.is_valid():
        texts = (form.cleaned_data["public_description"], form.cleaned_data["public_result"])
    elif request.method == "POST":
        texts = None
    else:
        texts = (initial["public_description"], initial["public_result"])
    if texts is not None:
        try:
            description, result = services.public_texts(item, public_description=texts[0], public_result=texts[1])
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            preview = {"description": description, "result": result, "key": _preview_key(description, result)}
    confirmed = request.POST.get("confirm")
    if request.method == "POST" and preview and confirmed:
        if confirmed != preview["key"]:
            changed = True  # the text was edited after the preview: show the new preview first
        elif done := pages.form_action(
            request,
            form,
            lambda data: services.publish_request(
                request.user,
                item,
                public_description=data["public_description"],
                public_result=data["public_result"],
                photo_ids=data["photos"],
            ),
            success="已在公开栏公开（姓名、电话已隐去）",
            to=reverse("requests:detail", args=[item.pk]),
        ):
            return done
    return render(
        request,
        "requests/publish.html",
        {
            "item": item,
            "form": form,
            "photos": photos,
            "preview": preview,
            "changed": changed,
            "active_nav": "requests",
        },
    )


def _preview_key(description: str, result: str) -> str:
    """Names the previewed texts, so that 「确认公开」 publishes only text staff have seen masked."""
    return hashlib.sha256(f"{description}\x00{result}".encode()).hexdigest()[:20]


@login_required
def request_photo(request, pk, photo):
    item = get_request(request.user, pk)
    obj = RequestPhoto.objects.filter(pk=photo, request=item).first()
    if obj is None:
        raise Http404("未找到照片")
    field = obj.thumbnail if request.GET.get("thumb") else obj.image
    return uploads.file_response(field, download_name=f"{item.ticket}-{obj.pk}.jpg")
