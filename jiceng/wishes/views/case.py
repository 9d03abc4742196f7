"""One wish on the staff side: its page, the steps taken from it (each form in a dialogue,
its errors shown there again), and its photos."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from jiceng.core import pages, uploads
from jiceng.core.scoping import get_visible_or_404, require_staff

from .. import rules, services
from ..forms import AcceptForm, ClaimForm, ConfirmForm, EditForm, FulfilForm, NoteForm
from ..models import Wish, WishPhoto
from ._common import WISHES_STAFF_ONLY


def _detail_context(request, wish: Wish, **forms) -> dict:
    manager = services.is_manager_of(request.user, wish)
    actions = [a for a, t in rules.TRANSITIONS.items() if wish.state in t.sources]
    photos = list(wish.photos.all())
    return {
        "wish": wish,
        "events": wish.events.select_related("actor"),
        "photos": photos,
        "manager": manager,
        "actions": actions if manager else [],
        "overdue": wish.overdue_step(timezone.now()),
        "accept_form": forms.get("accept") or AcceptForm(initial={"category": wish.category}, prefix="accept"),
        "edit_form": forms.get("edit")
        or EditForm(
            initial={"category": wish.category, "project": wish.project, "public_description": wish.public_description},
            prefix="edit",
        ),
        # What the public pool shows if the text is left blank, and what the wall will show.
        "default_public_text": services.public_text_for(wish),
        "claim_form": forms.get("claim") or ClaimForm(user=request.user, prefix="claim"),
        "fulfil_form": forms.get("fulfil") or FulfilForm(prefix="fulfil"),
        "confirm_form": forms.get("confirm") or ConfirmForm(prefix="confirm"),
        "note_form": NoteForm(),
        "active_nav": "wishes",
    }


@login_required
def wish_detail(request, pk):
    require_staff(request.user, WISHES_STAFF_ONLY)
    wish = get_visible_or_404(
        request.user,
        Wish.objects.select_related("organization", "claimed_member", "claimed_org", "claimed_enterprise"),
        pk=pk,
    )
    return render(request, "wishes/detail.html", _detail_context(request, wish))


@login_required
@require_POST
def wish_act(request, pk, action):
    require_staff(request.user, WISHES_STAFF_ONLY)
    wish = get_visible_or_404(request.user, Wish.objects.select_related("organization"), pk=pk)
    if action not in rules.TRANSITIONS:
        raise Http404("未知的操作")
    version = request.POST.get("version")
    user = request.user
    done_text = f"已{rules.TRANSITIONS[action].label}"
    detail = reverse("wishes:detail", args=[wish.pk])
    if action == "publish":
        return pages.button_action(
            request,
            lambda: services.publish_wish(user, wish, photo_ids=request.POST.getlist("photo"), version=version),
            success=done_text,
            to=detail,
        )
    if action == "unpublish":
        return pages.button_action(
            request, lambda: services.unpublish_wish(user, wish, version=version), success=done_text, to=detail
        )
    # A form shown in a dialogue on the detail page: its errors show there again (status 400).
    with_form = {
        "accept": (AcceptForm, {}, lambda data: services.accept_wish(user, wish, version=version, **data)),
        "edit": (EditForm, {}, lambda data: services.edit_wish(user, wish, **data)),
        "claim": (
            ClaimForm,
            {"user": user},
            lambda data: services.claim_wish(user, wish, version=version, **data["claimant"]),
        ),
        "fulfil": (
            FulfilForm,
            {"files": request.FILES},
            lambda data: services.fulfil_wish(user, wish, version=version, **data),
        ),
        "confirm": (ConfirmForm, {}, lambda data: services.confirm_wish(user, wish, version=version, **data)),
    }
    if action in with_form:
        form_class, extra, run = with_form[action]
        form = form_class(request.POST, prefix=action, **extra)
        if done := pages.form_action(request, form, run, success=done_text, to=detail):
            return done
        wish.refresh_from_db()
        context = _detail_context(request, wish, **{action: form})
        context["open_action"] = action
        return render(request, "wishes/detail.html", context, status=400)
    # reject, release, dispute, withdraw: a reason
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"请填写{rules.TRANSITIONS[action].note_label}")
        return redirect("wishes:detail", pk=wish.pk)
    step = {
        "reject": services.reject_wish,
        "release": services.release_wish,
        "dispute": services.dispute_wish,
        "withdraw": services.withdraw_wish,
    }[action]
    return pages.button_action(
        request,
        lambda: step(user, wish, note=form.cleaned_data["note"], version=version),
        success=done_text,
        to=detail,
    )


@login_required
def photo(request, pk):
    require_staff(request.user, WISHES_STAFF_ONLY)
    item = get_visible_or_404(request.user, WishPhoto.objects.all(), pk=pk)
    return uploads.file_response(item.thumbnail if request.GET.get("thumb") else item.image)
