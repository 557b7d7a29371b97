"""Forms of the funds pages: they only parse what is typed; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AlertKind, AlertState, Category, PaymentKind, PaymentStatus, Source, Stage


class FundForm(forms.Form):
    source = forms.ChoiceField(label=_("资金来源"), choices=Source.choices)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    document_number = forms.CharField(label=_("文号"), max_length=80)
    title = forms.CharField(label=_("资金名称"), max_length=120)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    region = forms.CharField(label=_("下达单位区划代码（中央资金不填）"), max_length=12, required=False)


class AmountForm(forms.Form):
    amount = forms.CharField(label=_("测算金额（元）"), max_length=20)


class HouseholdPaymentForm(forms.Form):
    id_number = forms.CharField(label=_("收款人身份证号"), max_length=24)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    category = forms.ChoiceField(label=_("支出类别"), choices=Category.choices, initial=Category.HOUSEHOLD)


class ProjectPaymentForm(forms.Form):
    project = forms.IntegerField(label=_("项目编号"), min_value=1)
    stage = forms.ChoiceField(label=_("报账阶段"), choices=Stage.choices)
    category = forms.ChoiceField(label=_("支出类别"), choices=Category.choices, initial=Category.INDUSTRY)
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    purpose = forms.CharField(label=_("用途"), max_length=200, required=False)
    payee_name = forms.CharField(label=_("收款单位"), max_length=120)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60)
    bank_account = forms.CharField(label=_("账号"), max_length=40)


class FeeForm(forms.Form):
    amount = forms.CharField(label=_("金额（元）"), max_length=20)
    purpose = forms.CharField(label=_("用途"), max_length=200)
    payee_name = forms.CharField(label=_("收款单位"), max_length=120)
    bank_name = forms.CharField(label=_("开户银行"), max_length=60)
    bank_account = forms.CharField(label=_("账号"), max_length=40)


class PaymentFilter(forms.Form):
    status = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部")), *PaymentStatus.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("支出方式"), choices=[("", _("全部")), *PaymentKind.choices], required=False
    )


class AlertFilter(forms.Form):
    state = forms.ChoiceField(label=_("状态"), choices=[("", _("全部")), *AlertState.choices], required=False)
    kind = forms.ChoiceField(
        label=_("预警类型"), choices=[("", _("全部")), *AlertKind.choices], required=False
    )


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("办结说明"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("开户银行"), max_length=60, required=False)
    bank_account = forms.CharField(label=_("银行账号"), max_length=40, required=False)


class NoticeForm(forms.Form):
    region = forms.CharField(label=_("区划代码（县、乡镇或村）"), max_length=12)
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
