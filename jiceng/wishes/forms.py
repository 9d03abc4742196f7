from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from jiceng.core.pages import style_form
from jiceng.core.scoping import visible
from jiceng.core.uploads import MultiplePhotoField
from jiceng.members.models import Member
from jiceng.orgs.models import Enterprise, Organization
from jiceng.orgs.picker import pick_organizations_when_large
from jiceng.orgs.queries import place_choices

from . import rules
from .models import WishSettings


class Styled:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class PostForm(Styled, forms.Form):
    """The resident's form (public page, phone width)."""

    description = forms.CharField(
        label="我的心愿",
        max_length=rules.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "例如：孩子上学需要一个书包和文具"}),
        error_messages={"required": "请填写您的心愿"},
    )
    category = forms.ChoiceField(label="类别", choices=rules.Category.choices, initial=rules.Category.GOODS)
    requester_name = forms.CharField(label="姓名（可不填）", required=False, max_length=50)
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text="只用于工作人员和认领人联系您，不会公开",
        error_messages={"required": "请填写联系电话"},
    )
    address = forms.CharField(label="住址（可不填）", required=False, max_length=200)
    photos = MultiplePhotoField(label="照片（可不传）", help_text="最多 3 张，JPG、PNG 或 WebP")
    agree = forms.BooleanField(
        label="同意在心愿墙公开心愿内容（姓名只显示姓，电话不公开）",
        error_messages={"required": "请勾选同意后再提交"},
    )

    def clean_phone(self):
        phone = rules.normalize_phone(self.cleaned_data.get("phone", ""))
        message = rules.phone_error(phone, required=True)
        if message:
            raise ValidationError(message)
        return phone


class StaffWishForm(Styled, forms.Form):
    organization = forms.ModelChoiceField(label="所在村（社区）", queryset=Organization.objects.none())
    description = forms.CharField(
        label="心愿内容", max_length=rules.DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(label="类别", choices=rules.Category.choices)
    requester_name = forms.CharField(label="群众姓名", required=False, max_length=50)
    phone = forms.CharField(label="联系电话", max_length=20)
    address = forms.CharField(label="住址", required=False, max_length=200)
    channel = forms.ChoiceField(
        label="来源", choices=[(rules.Channel.STAFF, "工作人员代录"), (rules.Channel.LIAISON, "党代表收集")]
    )
    photos = MultiplePhotoField(label="照片")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = place_choices(user)
        pick_organizations_when_large(self, organization="输入村、社区名称查找")


class AcceptForm(Styled, forms.Form):
    project = forms.ChoiceField(
        label="项目类别",
        choices=rules.Project.choices,
        initial=rules.Project.BASIC,
        help_text="个人需求为基础项目，由党员认领；共性需求为重点项目，由党组织或社会组织认领",
    )
    category = forms.ChoiceField(label="类别", choices=rules.Category.choices)
    public_description = forms.CharField(
        label="心愿墙公开的内容",
        required=False,
        max_length=rules.PUBLIC_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="留空则使用群众原话；姓名、电话、身份证号会自动打码",
    )


class EditForm(AcceptForm):
    pass


class NoteForm(Styled, forms.Form):
    note = forms.CharField(label="说明", max_length=rules.NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class FulfilForm(Styled, forms.Form):
    note = forms.CharField(
        label="完成情况",
        max_length=rules.NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "送去了什么、何时、谁参加"}),
    )
    photos = MultiplePhotoField(label="完成照片", help_text="最多 3 张")


class ConfirmForm(Styled, forms.Form):
    rating = forms.ChoiceField(label="评价", choices=[("", "不评价")] + list(rules.Rating.choices), required=False)
    note = forms.CharField(label="留言", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ClaimForm(Styled, forms.Form):
    claimant_type = forms.ChoiceField(label="认领方", choices=rules.ClaimantType.choices, widget=forms.RadioSelect)
    member_query = forms.CharField(
        label="党员姓名", required=False, max_length=60, help_text="重名时在姓名后加空格和手机号后4位"
    )
    organization = forms.ModelChoiceField(label="党组织", queryset=Organization.objects.none(), required=False)
    enterprise = forms.ModelChoiceField(label="社会组织（企业）", queryset=Enterprise.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["organization"].queryset = visible(user, Organization.objects.all())
        self.fields["enterprise"].queryset = visible(user, Enterprise.objects.all()).order_by("kind", "name")
        self.fields["claimant_type"].widget.attrs["class"] = "form-check-input"
        pick_organizations_when_large(self, organization="输入认领党组织名称或编码查找")

    def clean(self):
        data = super().clean()
        kind = data.get("claimant_type")
        out = {"member": None, "organization": None, "enterprise": None}
        if kind == rules.ClaimantType.MEMBER:
            text = (data.get("member_query") or "").strip()
            if not text:
                self.add_error("member_query", "请填写认领党员的姓名")
                return data
            parts = text.split()
            qs = visible(self.user, Member.objects.filter(name=parts[0], status__in=Member.ACTIVE_STATUSES))
            if len(parts) > 1:
                qs = qs.filter(phone__endswith=parts[1])
            found = list(qs[:2])
            if not found:
                self.add_error("member_query", "在您的管理范围内没有找到这名在册党员")
            elif len(found) > 1:
                self.add_error("member_query", "有多名同名党员，请在姓名后加空格和手机号后4位")
            else:
                out["member"] = found[0]
        elif kind == rules.ClaimantType.PARTY_ORG:
            if not data.get("organization"):
                self.add_error("organization", "请选择认领的党组织")
            out["organization"] = data.get("organization")
        elif kind == rules.ClaimantType.SOCIAL_ORG:
            if not data.get("enterprise"):
                self.add_error("enterprise", "请选择认领的社会组织（企业）")
            out["enterprise"] = data.get("enterprise")
        data["claimant"] = out
        return data


class FollowForm(Styled, forms.Form):
    ticket = forms.CharField(
        label="心愿编号", max_length=20, widget=forms.TextInput(attrs={"autocapitalize": "characters"})
    )
    phone = forms.CharField(label="提交时填写的电话", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))


class SettingsForm(Styled, forms.ModelForm):
    class Meta:
        model = WishSettings
        fields = ["accept_working_days", "claim_days", "fulfil_days", "member_open_claims", "max_photos"]

    def clean_max_photos(self):
        value = self.cleaned_data["max_photos"]
        if not 1 <= value <= 9:
            raise ValidationError("每次最多上传照片应在 1 到 9 张之间")
        return value

    def clean_fulfil_days(self):
        value = self.cleaned_data["fulfil_days"]
        if value < 1:
            raise ValidationError("完成时限至少 1 天")
        return value
