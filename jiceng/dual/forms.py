from django import forms

from jiceng.core.pages import style_form
from jiceng.members.forms import iso_dates
from jiceng.orgs.picker import pick_organizations_when_large


class DualRegisterForm(forms.Form):
    community = forms.ModelChoiceField(label="报到社区", queryset=None)
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="公民身份号码", max_length=18, help_text="按党员出示的身份证填写完整18位")
    on = forms.DateField(label="报到日期", widget=forms.DateInput())

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        style_form(self)
        iso_dates(self)
        pick_organizations_when_large(self, community="输入村、社区或网格的名称查找")


class DualRecordForm(forms.Form):
    """A service project (服务项目) the member took for the community. Party days and wishes
    are counted from their own records and are not entered here."""

    on = forms.DateField(label="日期", widget=forms.DateInput())
    title = forms.CharField(label="服务项目", max_length=200, help_text="如：认领“周末助老”服务项目")
    note = forms.CharField(label="备注", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class DualEndForm(forms.Form):
    reason = forms.CharField(label="注销原因", max_length=200, help_text="如：已搬离本社区")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
