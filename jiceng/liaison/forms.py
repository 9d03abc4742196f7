from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q

from jiceng.core.pages import style_form
from jiceng.core.scoping import path_q, visible
from jiceng.core.uploads import MultiplePhotoField
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import pick_organizations_when_large
from jiceng.orgs.queries import place_choices
from jiceng.requests import queries as requests

from . import rules, services
from .models import LiaisonStation, Representative, ServiceTeam, Visit


class TeamForm(forms.ModelForm):
    class Meta:
        model = ServiceTeam
        fields = ["name", "organization", "leader_name", "note", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = visible(user, Organization.objects.all()).filter(parent__isnull=False)
        style_form(self)
        pick_organizations_when_large(self, organization="输入乡镇（街道）名称查找")


class StationForm(forms.ModelForm):
    class Meta:
        model = LiaisonStation
        fields = ["name", "kind", "organization", "address", "reception", "phone", "is_active"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = visible(user, Organization.objects.all()).filter(parent__isnull=False)
        style_form(self)
        pick_organizations_when_large(self)


class RepresentativeForm(forms.ModelForm):
    member_query = forms.CharField(
        label="对应党员档案",
        required=False,
        max_length=60,
        help_text="填写党员姓名；重名时在姓名后加空格和手机号后4位。留空表示不关联",
    )

    class Meta:
        model = Representative
        fields = [
            "name",
            "gender",
            "level",
            "congress",
            "unit_post",
            "phone",
            "team",
            "organization",
            "station",
            "is_active",
            "note",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["team"].queryset = visible(user, ServiceTeam.objects.select_related("organization"))
        self.fields["organization"].queryset = visible(user, Organization.objects.all())
        self.fields["organization"].required = False
        self.fields["organization"].help_text = "选择了服务队时，自动取服务队所在乡镇"
        self.fields["station"].queryset = visible(user, LiaisonStation.objects.all())
        if self.instance.pk and self.instance.member_id:
            member = self.instance.member
            self.fields["member_query"].initial = f"{member.name} {member.phone[-4:]}".strip()
        style_form(self)
        pick_organizations_when_large(self, organization="输入乡镇或单位名称查找")

    def clean_member_query(self):
        text = (self.cleaned_data.get("member_query") or "").strip()
        if not text:
            return None
        parts = text.split()
        name, tail = parts[0], (parts[1] if len(parts) > 1 else "")
        qs = visible(self.user, Member.objects.filter(name=name, status__in=Member.ACTIVE_STATUSES))
        if tail:
            qs = qs.filter(phone__endswith=tail)
        found = list(qs[:2])
        if not found:
            raise ValidationError("在您的管理范围内没有找到这名在册党员")
        if len(found) > 1:
            raise ValidationError("有多名同名党员，请在姓名后加空格和手机号后4位")
        return found[0]

    def clean(self):
        data = super().clean()
        if not data.get("team") and not data.get("organization"):
            self.add_error("organization", "请选择服务队或所属乡镇（单位）")
        return data

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["member"] = data.pop("member_query")
        if data.get("team"):
            data.pop("organization", None)
        return data


def representatives_near(user, organization: Organization | None):
    """Representatives who can be chosen for a visit at `organization`: those registered at
    the organization, above it (its township, the county) or below it."""
    qs = visible(user, Representative.objects.filter(is_active=True)).select_related("team")
    if organization is None:
        return qs.none()
    ancestors = [organization.path[:end] for end in range(4, len(organization.path) + 1, 4)]
    return qs.filter(Q(organization__path__in=ancestors) | path_q("organization__path", organization.path)).order_by(
        "team__name", "name", "pk"
    )


class VisitForm(forms.Form):
    organization = forms.ModelChoiceField(label="走访地（村、社区）", queryset=Organization.objects.none())
    date = forms.DateField(label="走访日期", widget=forms.DateInput(format="%Y-%m-%d"))
    kind = forms.ChoiceField(label="形式", choices=Visit.Kind.choices)
    station = forms.ModelChoiceField(label="工作室（联络站）", queryset=LiaisonStation.objects.none(), required=False)
    representatives = forms.ModelMultipleChoiceField(
        label="参加党代表", queryset=Representative.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    place = forms.CharField(label="地点", required=False, max_length=200)
    households_reached = forms.IntegerField(
        label="走访户数", required=False, min_value=0, help_text="填写了名单时可留空，按名单户数计"
    )
    household_list = forms.CharField(
        label="走访户名单（可选）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "每行一户，如：王大山 3组12号"}),
        help_text="填写后，同一户多次走访在报表中可以去重统计",
    )
    note = forms.CharField(label="走访情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultiplePhotoField(label="现场照片", help_text=f"JPG、PNG 或 WebP，最多 {services.MAX_PHOTOS} 张")

    def __init__(self, *args, user=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = place_choices(user)
        self.fields["station"].queryset = visible(user, LiaisonStation.objects.filter(is_active=True))
        self.fields["representatives"].queryset = representatives_near(user, organization)
        self.fields["representatives"].label_from_instance = lambda r: f"{r.name}（{r.get_level_display()}）"
        style_form(self)
        self.fields["representatives"].widget.attrs["class"] = "form-check-input"
        pick_organizations_when_large(self, organization="输入村、社区名称查找")


class ProblemForm(forms.Form):
    description = forms.CharField(
        label="问题内容", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=rules.DESCRIPTION_MAX
    )
    category = forms.ModelChoiceField(label="类别", queryset=requests.active_categories(), required=False)
    kind = forms.ChoiceField(label="诉求类型", choices=requests.request_kinds(), initial="help")
    outcome = forms.ChoiceField(label="处理结果", choices=rules.OUTCOMES, initial=rules.SOLVED)
    solution = forms.CharField(label="怎样解决的", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    resident_name = forms.CharField(label="群众姓名", required=False, max_length=50)
    phone = forms.CharField(label="联系电话", required=False, max_length=20)
    place = forms.CharField(label="地点", required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean(self):
        data = super().clean()
        if not (data.get("description") or "").strip():
            return {}  # an empty row
        try:
            return services.clean_problem(data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


ProblemFormSet = forms.formset_factory(ProblemForm, extra=3, max_num=30, validate_max=True)


class SolveForm(forms.Form):
    solution = forms.CharField(label="怎样解决的", widget=forms.Textarea(attrs={"rows": 2}))
