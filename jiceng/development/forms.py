"""Forms for opening a file and recording each step; the rules themselves live in rules.py and
are applied by the services, whose messages the views put back on the fields."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from jiceng.core.pages import style_form
from jiceng.core.phones import mobile_error
from jiceng.core.uploads import DOCUMENT_LABEL
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.picker import pick_when_large

from . import rules
from .models import DevelopmentFile, DevelopmentSettings
from .services import PersonInput


def date_widget() -> forms.DateInput:
    # <input type="date"> only accepts ISO dates; the zh-hans input format would render 2026/11/25.
    return forms.DateInput(format="%Y-%m-%d")


RECOMMENDATIONS = [
    ("党员推荐", "党员推荐"),
    ("群团组织推优", "群团组织推优"),
    ("党员推荐、群团组织推优", "党员推荐和群团组织推优"),
]

DATE_LABELS = {
    2: "谈话日期",
    3: "支部委员会研究确定日期",
    4: "上级党委备案日期",
    5: "指定日期",
    6: "考察日期",
    7: "支部委员会讨论确定日期",
    8: "上级党委备案日期",
    9: "确定日期",
    10: "政治审查结论日期",
    11: "培训结业日期",
    12: "支部委员会审查日期",
    13: "上级党委预审日期",
    14: "填写日期",
    15: "支部大会召开日期",
    16: "谈话日期",
    17: "上级党委审批日期",
    18: "备案日期",
    19: "编入日期",
    20: "宣誓日期",
    21: "考察日期",
    22: "提出申请日期",
    23: "支部大会召开日期",
    24: "上级党委审批日期",
    25: "归档日期",
}


def _phone(value: str) -> str:
    value = (value or "").strip()
    if message := mobile_error(value):
        raise forms.ValidationError(message)
    return value


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, m):
        return f"{m.name}（{m.get_status_display()}，{m.organization.short_name or m.organization.name}）"


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, m):
        return f"{m.name}（{m.get_status_display()}）"


class OpenFileForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="公民身份号码", max_length=18, help_text="18位，出生日期和性别按号码自动识别")
    ethnicity = forms.CharField(label="民族", max_length=20, initial="汉族")
    phone = forms.CharField(label="手机号码", max_length=11, required=False)
    education = forms.ChoiceField(label="学历", choices=[("", "—")] + list(Member.Education.choices), required=False)
    occupation = forms.ChoiceField(
        label="职业类别", choices=[("", "—")] + list(Member.Occupation.choices), required=False
    )
    workplace = forms.CharField(label="工作单位及职务", max_length=100, required=False)
    organization = forms.ModelChoiceField(label="接收申请的党支部", queryset=Organization.objects.none())
    on = forms.DateField(label="递交入党申请书日期", widget=date_widget(), help_text="申请人须年满十八周岁")
    document = forms.FileField(label="入党申请书（扫描件）", required=False, help_text=f"可选；{DOCUMENT_LABEL}")
    note = forms.CharField(label="备注", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self.fields["organization"].queryset = organizations
        self.fields["on"].initial = timezone.localdate()
        style_form(self)
        pick_when_large(self.fields["organization"], "输入党支部名称查找")

    def clean_phone(self):
        return _phone(self.cleaned_data.get("phone"))


class EditFileForm(forms.ModelForm):
    class Meta:
        model = DevelopmentFile
        fields = ["name", "ethnicity", "phone", "education", "occupation", "workplace", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def clean_phone(self):
        return _phone(self.cleaned_data.get("phone"))


def bounded(label: str, most: int, **kwargs) -> forms.IntegerField:
    """A count typed on a step form, from 0 to `most`, with the bounds named in Chinese."""
    message = f"{label}应在0至{most}之间"
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=most,
        error_messages={"min_value": message, "max_value": message},
        **kwargs,
    )


class StepForm(forms.Form):
    """The fields of one step; which ones appear depends on the step number."""

    on = forms.DateField(label="日期", widget=date_widget())

    def __init__(self, *args, number: int, file: DevelopmentFile, members=None, groups=None, entitled=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        self.file = file
        members = members if members is not None else Member.objects.none()
        self.fields["on"].label = DATE_LABELS.get(number, "日期")
        self.fields["on"].initial = timezone.localdate()
        if number in (2, 16):
            self.fields["talker_members"] = MemberChoices(
                label="谈话人（本支部党员）", queryset=members, required=False
            )
            self.fields["talker_others"] = forms.CharField(
                label="其他谈话人",
                max_length=200,
                required=False,
                help_text="如上级党委委员或组织员：姓名（职务），多人用“、”分隔",
            )
        if number == 3:
            self.fields["recommendation"] = forms.ChoiceField(label="推荐方式", choices=RECOMMENDATIONS)
        if number == 5:
            self.fields["contacts"] = MemberChoices(
                label="培养联系人", queryset=members, help_text="一至两名正式党员（按住 Ctrl 可多选）"
            )
        if number == 9:
            self.fields["sponsor_1"] = MemberChoice(label="入党介绍人（一）", queryset=members)
            self.fields["sponsor_2"] = MemberChoice(
                label="入党介绍人（二）", queryset=members, help_text="两名正式党员，一般由培养联系人担任"
            )
        if number == 11:
            self.fields["training_days"] = bounded("培训天数", rules.MAX_TRAINING_DAYS, required=False)
            self.fields["training_hours"] = bounded(
                "培训学时", rules.MAX_TRAINING_HOURS, required=False, help_text="不少于三天或不少于二十四个学时"
            )
        if number in (15, 23):
            self.fields["vote_entitled"] = bounded(
                "应到会有表决权的正式党员",
                rules.MAX_VOTES,
                initial=entitled,
                help_text=f"按党员名册，本支部现有正式党员 {entitled} 名（预备党员没有表决权），请核实",
            )
            self.fields["vote_attended"] = bounded("实到会有表决权的正式党员", rules.MAX_VOTES)
            self.fields["vote_written"] = bounded(
                "因故未到会、会前提交书面意见的", rules.MAX_VOTES, initial=0, help_text="计入票数，不计入到会人数"
            )
            self.fields["vote_yes"] = bounded("赞成", rules.MAX_VOTES)
            self.fields["vote_no"] = bounded("反对", rules.MAX_VOTES, initial=0)
            self.fields["vote_abstain"] = bounded("弃权", rules.MAX_VOTES, initial=0)
        if number == 17:
            self.fields["late_reason"] = forms.CharField(
                label="超过三个月审批的理由",
                max_length=200,
                required=False,
                help_text="三个月内审批的不填；遇党组织换届等特殊情况可延长，最长不超过六个月",
            )
        if number == 19:
            self.fields["group"] = forms.ModelChoiceField(
                label="编入党小组",
                queryset=groups if groups is not None else Organization.objects.none(),
                required=False,
            )
        if number == 23:
            self.fields["outcome"] = forms.ChoiceField(label="支部大会决议", choices=list(rules.OUTCOMES.items()))
            self.fields["extension_months"] = forms.IntegerField(
                label="延长预备期（月）", required=False, min_value=0, help_text="只能延长一次，6至12个月"
            )
        self.fields["note"] = forms.CharField(
            label="情况记录", required=False, widget=forms.Textarea(attrs={"rows": 3})
        )
        self.fields["document"] = forms.FileField(label="附件材料", required=False, help_text=f"可选；{DOCUMENT_LABEL}")
        self.fields["document_title"] = forms.CharField(
            label="材料名称", max_length=100, required=False, initial=rules.STEPS[number]
        )
        style_form(self)

    def clean(self):
        data = super().clean()
        if self.number == 11 and data.get("training_days") is None and data.get("training_hours") is None:
            self.add_error("training_days", "请填写培训天数或学时")
        if self.number == 23 and data.get("outcome") == rules.EXTEND and not data.get("extension_months"):
            self.add_error("extension_months", "延长预备期须填写延长的月数（6至12个月）")
        if self.number in (2, 16) and not data.get("talker_members") and not (data.get("talker_others") or "").strip():
            self.add_error("talker_others", "请选择或填写谈话人")
        return data

    def service_kwargs(self) -> dict:
        """The cleaned form as keyword arguments of services.record_step."""
        d = self.cleaned_data
        kwargs = {
            "on": d["on"],
            "note": d.get("note", ""),
            "document": d.get("document"),
            "document_title": d.get("document_title", ""),
        }
        people = []
        if self.number in (2, 16):
            people += [PersonInput(rules.TALKER, member_id=m.pk) for m in d.get("talker_members") or []]
            for part in (d.get("talker_others") or "").replace(",", "、").replace("，", "、").split("、"):
                part = part.strip()
                if part:
                    name, _, title = part.partition("（")
                    people.append(PersonInput(rules.TALKER, name=name.strip(), title=title.rstrip("）").strip()))
        if self.number == 5:
            people += [PersonInput(rules.CONTACT, member_id=m.pk) for m in d.get("contacts") or []]
        if self.number == 9:
            people += [PersonInput(rules.SPONSOR, member_id=d[k].pk) for k in ("sponsor_1", "sponsor_2") if d.get(k)]
        kwargs["people"] = people
        if self.number == 3:
            kwargs["recommendation"] = d["recommendation"]
        if self.number == 11:
            kwargs["training_days"] = d.get("training_days")
            kwargs["training_hours"] = d.get("training_hours")
        if self.number in (15, 23):
            kwargs["vote"] = rules.Vote(
                entitled=d["vote_entitled"],
                attended=d["vote_attended"],
                yes=d["vote_yes"],
                no=d.get("vote_no") or 0,
                abstain=d.get("vote_abstain") or 0,
                written=d.get("vote_written") or 0,
            )
        if self.number == 17:
            kwargs["late_reason"] = d.get("late_reason", "")
        if self.number == 19:
            kwargs["group"] = d.get("group")
        if self.number == 23:
            kwargs["outcome"] = d["outcome"]
            kwargs["extension_months"] = d.get("extension_months")
        return kwargs


class RejectForm(forms.Form):
    on = forms.DateField(label="日期", widget=date_widget())
    reason = forms.CharField(label="不予发展的原因", max_length=200, help_text="如：本人撤回申请、政治审查不合格等")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()
        style_form(self)


class RevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200, help_text="撤销的步骤保留在记录中并标明原因")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class DocumentForm(forms.Form):
    title = forms.CharField(label="材料名称", max_length=100)
    document = forms.FileField(label="文件", help_text=DOCUMENT_LABEL)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)


class SettingsForm(forms.ModelForm):
    class Meta:
        model = DevelopmentSettings
        fields = ["idle_years", "due_soon_days"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)
