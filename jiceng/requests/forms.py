"""Forms of the request pages: the resident's intake, staff entry, handler actions, callback,
publishing and the county admin's configuration."""

from __future__ import annotations

from django import forms
from django.conf import settings

from jiceng.core.pages import style_form
from jiceng.orgs.picker import pick_organizations_when_large, pick_when_large

from . import rules, services
from .models import Category, DeadlineRule, Department, RequestSettings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input; each is checked by content in the service (Pillow)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


TOO_LONG = "最多 %(limit_value)d 个字（现有 %(show_value)d 个字），请精简后再提交"


def _active_categories():
    return Category.objects.filter(is_active=True).order_by("order", "code")


class IntakeForm(forms.Form):
    """The resident's form on the village's QR page (no account needed)."""

    kind = forms.ChoiceField(label="诉求类型", choices=rules.KINDS, widget=forms.RadioSelect, initial="help")
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.none(), empty_label="请选择")
    description = forms.CharField(
        label="诉求内容",
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "请说明什么事、在哪里、希望怎么解决"}),
        error_messages={"max_length": TOO_LONG},
    )
    place = forms.CharField(
        label="地点", max_length=services.PLACE_MAX, required=False, error_messages={"max_length": TOO_LONG}
    )
    name = forms.CharField(
        label="姓名（可不填）", max_length=services.NAME_MAX, required=False, error_messages={"max_length": TOO_LONG}
    )
    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        help_text="用于工作人员联系您，并凭受理编号和电话查询进度；不会公开",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    photos = PhotosField(label="照片（可选）")
    # A field people do not see; robots fill it in.
    website = forms.CharField(label="网址", required=False, widget=forms.TextInput(attrs={"tabindex": "-1"}))

    def __init__(self, *args, max_photos: int = 3, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_photos = max_photos
        self.fields["category"].queryset = _active_categories()
        limit = max(1, settings.JICENG_PHOTO_MAX_BYTES // (1024 * 1024))
        self.fields["photos"].help_text = f"最多 {max_photos} 张，JPG、PNG 或 WebP，每张不超过 {limit} MB"
        style_form(self)
        self.fields["kind"].widget.attrs.pop("class", None)

    def clean_phone(self):
        message = rules.phone_error(self.cleaned_data["phone"])
        if message:
            raise forms.ValidationError(message)
        return rules.normalize_phone(self.cleaned_data["phone"])

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > self.max_photos:
            raise forms.ValidationError(f"最多上传 {self.max_photos} 张照片")
        return photos


STAFF_CHANNELS = [c for c in rules.CHANNELS if c[0] in ("walk_in", "phone", "other")]


class StaffEntryForm(forms.Form):
    """说事厅 walk-ins and phone calls, entered by staff (who own them: 首问负责)."""

    organization = forms.ModelChoiceField(label="受理地（村、社区或乡镇）", queryset=None, empty_label="请选择")
    channel = forms.ChoiceField(label="来源渠道", choices=STAFF_CHANNELS, initial="walk_in")
    kind = forms.ChoiceField(label="诉求类型", choices=rules.KINDS, initial="help")
    category = forms.ModelChoiceField(label="类别", queryset=Category.objects.none(), empty_label="请选择")
    priority = forms.ChoiceField(label="紧急程度", choices=rules.PRIORITIES, initial="normal")
    tier = forms.ChoiceField(label="办理方式", choices=rules.TIERS, initial="study")
    description = forms.CharField(
        label="诉求内容", max_length=services.DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    place = forms.CharField(label="地点", max_length=services.PLACE_MAX, required=False)
    name = forms.CharField(label="群众姓名", max_length=services.NAME_MAX, required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False, help_text="手机或带区号的固定电话")
    source_label = forms.CharField(label="来源说明", max_length=100, required=False, help_text="如：12345热线转来")
    photos = PhotosField(label="照片")
    accept_now = forms.BooleanField(label="当场签收，并已告知群众受理编号", required=False, initial=True)
    result = forms.CharField(
        label="当场办结的结果（当场办的填写，留空则稍后办理）",
        max_length=services.NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["category"].queryset = _active_categories()
        style_form(self)
        pick_organizations_when_large(self, organization="输入村、社区或乡镇名称查找")

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "")
        if phone:
            message = rules.phone_error(phone)
            if message:
                raise forms.ValidationError(message)
        return rules.normalize_phone(phone)


class TrackForm(forms.Form):
    ticket = forms.CharField(label="受理编号", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    phone = forms.CharField(
        label="联系电话", max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(label="您对办理结果", choices=rules.RATINGS, widget=forms.RadioSelect)
    solved = forms.TypedChoiceField(
        label="问题是否真正解决",
        choices=[("1", "已解决"), ("0", "未解决")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="意见（可不填）", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reopen = forms.BooleanField(label="不满意，要求重新办理", required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
        for name in ("rating", "solved"):
            self.fields[name].widget.attrs.pop("class", None)


class PublishForm(forms.Form):
    public_description = forms.CharField(
        label="公开的诉求内容",
        max_length=services.DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="已自动隐去姓名、电话和身份证号，请再检查一遍",
    )
    public_result = forms.CharField(
        label="公开的办理结果", max_length=services.DESCRIPTION_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = forms.MultipleChoiceField(
        label="公开的照片", required=False, widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args, photo_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].choices = photo_choices
        style_form(self)
        self.fields["photos"].widget.attrs.pop("class", None)


# ---- configuration -----------------------------------------------------------------------


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RequestSettings
        fields = services.SETTINGS_FIELDS
        widgets = {"open311_keys": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = services.CATEGORY_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.replace("_", "").replace("-", "").isalnum() or not code.isascii():
            raise forms.ValidationError("编码只能用英文字母、数字、下划线或短横线")
        return code


class DeadlineRuleForm(forms.ModelForm):
    class Meta:
        model = DeadlineRule
        fields = services.DEADLINE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].empty_label = "全部类别"
        self.fields["tier"].choices = [("", "全部办理方式")] + rules.TIERS
        self.fields["priority"].choices = [("", "全部紧急程度")] + rules.PRIORITIES
        for stage in rules.STAGES:
            self.fields[f"{stage}_unit"].choices = [("", "不设（沿用更一般的规则）")] + rules.UNITS
        style_form(self)

    def _post_clean(self):
        # The service validates the model; avoid the ModelForm's own unique checks on nulls.
        pass


class RoutingRuleForm(forms.Form):
    mode = forms.ChoiceField(label="用途", choices=[("intake", "受理即交办"), ("whistle", "吹哨默认部门")])
    organization = forms.ModelChoiceField(label="受理地（含下级）", queryset=None)
    category = forms.ModelChoiceField(
        label="类别", queryset=Category.objects.all(), required=False, empty_label="全部类别"
    )
    target_org = forms.ModelChoiceField(label="交由组织办理", queryset=None, required=False)
    target_department = forms.ModelChoiceField(
        label="或交由部门办理", queryset=Department.objects.none(), required=False
    )
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args, organizations=None, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].empty_label = "请选择"
        self.fields["target_org"].queryset = organizations
        self.fields["target_org"].empty_label = "—"
        self.fields["target_department"].queryset = departments
        self.fields["target_department"].empty_label = "—"
        style_form(self)
        pick_when_large(self.fields["organization"])
        pick_when_large(self.fields["target_org"])


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = services.DEPARTMENT_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def validate_unique(self):
        pass  # the service's full_clean reports a duplicate code


class HandlerAccountForm(forms.Form):
    username = forms.CharField(label="登录账号", max_length=150)
    display_name = forms.CharField(label="姓名", max_length=50)
    password = forms.CharField(label="初始密码", widget=forms.PasswordInput, min_length=8)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
