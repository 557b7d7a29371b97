from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import ImportMode

ALLOWED_SUFFIXES = (".xlsx", ".csv")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("登记表文件"), help_text=_("使用系统模板填写的 .xlsx 或 .csv 文件"))
    mode = forms.ChoiceField(label=_("导入方式"), choices=ImportMode.choices, initial=ImportMode.ALL)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(ALLOWED_SUFFIXES):
            raise forms.ValidationError(_("请上传 .xlsx 或 .csv 文件。"))
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("文件超过 %(mb)d MB 上限，请拆分后分批导入。") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
            )
        return upload
