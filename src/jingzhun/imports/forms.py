from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts import permissions
from jingzhun.registry.status import check_history

from .models import ImportMode

ALLOWED_SUFFIXES = (".xlsx", ".csv")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("登记表文件"), help_text=_("使用系统模板填写的 .xlsx 或 .csv 文件"))
    mode = forms.ChoiceField(label=_("导入方式"), choices=ImportMode.choices, initial=ImportMode.ALL)
    history_year = forms.IntegerField(
        label=_("历史数据载入：数据年度"), required=False, min_value=2000,
        help_text=_("仅国家和省级管理员：载入既有建档立卡数据时填写，文件中的状态和脱贫年度按该年年底的情况记入状态历史。"
                    "日常导入请留空（状态由识别、退出等程序改变）。"),
    )  # fmt: skip

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not permissions.may(user, "load_history"):
            del self.fields["history_year"]

    def clean_history_year(self):
        year = self.cleaned_data.get("history_year")
        if year is not None:
            try:
                check_history(self.user, year)
            except ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["history_year"]) from exc
        return year

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(mb)d MB 上限，请拆分后分批导入。") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
            )
        return upload
