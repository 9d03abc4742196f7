from django import forms

from jiceng.core.pages import style_form
from jiceng.orgs.picker import pick_organizations_when_large, pick_when_large

from .models import ActivityType, Appraisal, Record, Talk


class DateTimeLocal(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RecordForm(forms.ModelForm):
    class Meta:
        model = Record
        fields = [
            "organization",
            "activity_type",
            "planned_on",
            "held_on",
            "starts_at",
            "ends_at",
            "place",
            "host",
            "recorder",
            "topic",
            "agenda",
            "minutes",
            "resolutions",
        ]
        widgets = {
            "planned_on": forms.DateInput(),
            "held_on": forms.DateInput(),
            "starts_at": DateTimeLocal(),
            "ends_at": DateTimeLocal(),
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "minutes": forms.Textarea(attrs={"rows": 5}),
            "resolutions": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, organizations=None, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        self.fields["activity_type"].queryset = ActivityType.objects.filter(is_active=True)
        if editing:
            del self.fields["organization"]
            del self.fields["activity_type"]
        style_form(self)
        if "organization" in self.fields:
            pick_when_large(self.fields["organization"])


class PhotoForm(forms.Form):
    photos = forms.FileField(label="活动照片", widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))
    caption = forms.CharField(label="说明", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].widget.attrs["multiple"] = True
        style_form(self)


class ReviewForm(forms.Form):
    review_comment = forms.CharField(label="审阅点评", widget=forms.Textarea(attrs={"rows": 3}))
    score = forms.IntegerField(label="检查评分（0–100，可不填）", min_value=0, max_value=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class ActivityTypeForm(forms.ModelForm):
    class Meta:
        model = ActivityType
        fields = [
            "code",
            "name",
            "cadence",
            "applies_to",
            "domain",
            "min_count",
            "fixed_day",
            "grace_days",
            "requires_photos",
            "counts_for",
            "roster",
            "basis",
            "is_active",
            "order",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from jiceng.orgs.models import Organization

        self.fields["domain"] = forms.ChoiceField(
            label="仅限领域", choices=[("", "全部领域")] + list(Organization.Domain.choices), required=False
        )
        style_form(self)


class AppraisalForm(forms.Form):
    grade = forms.ChoiceField(label="评定等次", choices=Appraisal.Grade.choices)


class TalkForm(forms.ModelForm):
    class Meta:
        model = Talk
        fields = ["organization", "held_on", "kind", "talker", "member", "summary"]
        widgets = {"held_on": forms.DateInput(), "summary": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, organizations=None, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        if members is not None:
            self.fields["member"].queryset = members
        self.fields["member"].required = False
        style_form(self)
        pick_organizations_when_large(self)


class DualPartyDayForm(forms.Form):
    """A registered in-office member recorded present at one of the community's themed party
    days (在职党员到社区报到; shown on the member's dual-registration page, dual_sources.py)."""

    record = forms.ModelChoiceField(label="本社区主题党日", queryset=None, empty_label="请选择")

    def __init__(self, *args, records=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].queryset = records
        self.fields["record"].label_from_instance = lambda r: f"{r.held_on:%Y-%m-%d} {r.organization.name}：{r.topic}"
        style_form(self)
