from django import forms

from jiceng.core.pages import style_form
from jiceng.orgs.picker import pick_organizations_when_large

from .models import Election, Seat


class ElectionForm(forms.Form):
    organization = forms.ModelChoiceField(label="党组织", queryset=None)
    kind = forms.ChoiceField(label="类型", choices=Election.Kind.choices)
    held_on = forms.DateField(label="选举日期", widget=forms.DateInput())
    has_committee = forms.BooleanField(
        label="选举产生委员会（党员7人以上的党支部应设支委会）",
        required=False,
        initial=True,
        help_text="换届选举时填写；补选不改变本组织是否设委员会",
    )
    secretary_name = forms.CharField(label="书记", max_length=50)
    seats = forms.CharField(
        label="委员名单",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text="每行一人：姓名 职务（书记/副书记/委员） 分工，如“张三 书记”“李四 委员 组织委员”；补选只填补选产生的人员",
    )
    term_end = forms.DateField(
        label="任期届满（可不填）", widget=forms.DateInput(), required=False, help_text="不填则按县级配置的任期年限计算"
    )
    note = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    POSTS = {label: value for value, label in Seat.Post.choices}

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        style_form(self)
        pick_organizations_when_large(self, organization="输入党组织名称或编码查找")

    def clean_seats(self):
        out = []
        for n, line in enumerate((self.cleaned_data.get("seats") or "").splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            post = self.POSTS.get(parts[1] if len(parts) > 1 else "委员")
            if post is None:
                raise forms.ValidationError(f"第 {n} 行：职务应为书记、副书记或委员")
            out.append((parts[0], post, " ".join(parts[2:])[:50]))
        return out


class PostponementForm(forms.Form):
    organization = forms.ModelChoiceField(label="党组织", queryset=None)
    new_due = forms.DateField(label="延期至", widget=forms.DateInput())
    reason = forms.CharField(label="延期理由", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        style_form(self)
        pick_organizations_when_large(self, organization="输入党组织名称或编码查找")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "不批准")])
    note = forms.CharField(max_length=200, required=False)
