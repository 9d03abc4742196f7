from django import forms

from jiceng.core.pages import style_form

from . import services
from .models import Enterprise, Organization
from .picker import pick_organizations_when_large


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = services.EDITABLE_FIELDS
        widgets = {f: forms.DateInput() for f in ("founded_on", "term_start", "term_end")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class EnterpriseForm(forms.ModelForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "kind", "employees", "party_organization", "instructor_name"]

    def __init__(self, *args, party_organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if party_organizations is not None:
            self.fields["party_organization"].queryset = party_organizations
        style_form(self)
        pick_organizations_when_large(self, party_organization="输入党组织名称或编码查找")
