from django import forms

from jiceng.core.pages import style_form
from jiceng.orgs.picker import pick_organizations_when_large

from . import services
from .models import Course, Exam, Session, StudyRecord, TrainingSettings, Venue


class SettingsForm(forms.ModelForm):
    class Meta:
        model = TrainingSettings
        fields = services.SETTINGS_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class VenueForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = services.VENUE_FIELDS

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        style_form(self)
        pick_organizations_when_large(self, organization="输入党组织名称或编码查找")


class CourseForm(forms.ModelForm):
    class Meta:
        model = Course
        fields = services.COURSE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organizer"].queryset = organizations
        style_form(self)
        pick_organizations_when_large(self, organizer="输入主办党组织名称或编码查找")


class SessionForm(forms.ModelForm):
    class Meta:
        model = Session
        fields = services.SESSION_FIELDS
        widgets = {
            "on": forms.DateInput(),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, venues=None, **kwargs):
        super().__init__(*args, **kwargs)
        if venues is not None:
            self.fields["venue"].queryset = venues
        style_form(self)


class ExamForm(forms.ModelForm):
    class Meta:
        model = Exam
        fields = services.EXAM_FIELDS
        widgets = {"held_on": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class StudyForm(forms.ModelForm):
    class Meta:
        model = StudyRecord
        fields = ["on", "hours", "title", "source"]
        widgets = {"on": forms.DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class UploadForm(forms.Form):
    file = forms.FileField(label="成绩文件（.xlsx）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
