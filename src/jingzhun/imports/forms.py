from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts import permissions
from jingzhun.registry.status import check_history

from .models import ImportMode

ALLOWED_SUFFIXES = (".xlsx", ".xls", ".csv")
LAYOUTS = (
    ("auto", _("自动识别（按表头）")),
    ("ours", _("本系统模板")),
    ("national", _("全国扶贫开发信息系统导出（户信息 + 人员信息）")),
)


class ImportForm(forms.Form):
    layout = forms.ChoiceField(label=_("文件格式"), choices=LAYOUTS, initial="auto", required=False)
    file = forms.FileField(
        label=_("登记表文件"),
        help_text=_(
            "使用系统模板填写的 .xlsx 或 .csv 文件；国家系统导出的，在此上传户信息文件（户年度基础信息）"
        ),
    )
    member_file = forms.FileField(
        label=_("人员信息文件"), required=False,
        help_text=_("仅国家系统导出格式：人员信息文件（.csv、.xls 或 .xlsx，GBK 或 UTF-8 编码均可）"),
    )  # fmt: skip
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

    def clean(self):
        cleaned = super().clean()
        layout, member_file = cleaned.get("layout"), cleaned.get("member_file")
        if layout == "ours" and member_file:
            self.add_error("member_file", _("本系统模板只需一个文件；人员信息文件仅用于国家系统导出格式。"))
        upload = cleaned.get("file")
        if (
            layout == "national"
            and not member_file
            and upload
            and not upload.name.lower().endswith((".xlsx", ".xls"))
        ):
            self.add_error("member_file", _("国家系统导出格式需要同时上传人员信息文件。"))
        return cleaned

    def clean_member_file(self):
        upload = self.cleaned_data.get("member_file")
        return self._checked(upload) if upload else upload

    def clean_file(self):
        return self._checked(self.cleaned_data["file"])

    def _checked(self, upload):
        return checked_upload(upload)


def checked_upload(upload):
    """An uploaded spreadsheet's first checks (its kind by name, its size), before anything reads it; the
    readers check the contents (encodings, workbook packages: ``workbook_guard``). Shared with the other pages
    that take the same files (疑点数据核查 before import)."""
    if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
        raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件（国家系统导出的也可以是 .xls）。"))
    if upload.size > settings.IMPORT_MAX_BYTES:
        raise forms.ValidationError(
            _("文件超过 %(mb)d MB 上限，请拆分后分批导入。") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
        )
    if upload.size == 0:
        raise forms.ValidationError(_("文件是空的。"))
    return upload
