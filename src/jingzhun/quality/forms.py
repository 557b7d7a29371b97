"""The upload of a national file pair to check before import: the same first checks as the import's upload
(``imports.forms.checked_upload``: kind, size); the reader checks the contents."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jingzhun.imports.forms import checked_upload
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions


class RunForm(forms.Form):
    """The region of a run, chosen by name among the provinces, prefectures and counties the user may check
    (``quality.views.run_new`` reads the posted code and checks it again)."""

    region = forms.CharField(label=_("区划"), max_length=12)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        offer_regions(self, "region", user=user, action="run_quality",
                      levels=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY))  # fmt: skip


class FileCheckForm(forms.Form):
    file = forms.FileField(
        label=_("户信息文件"),
        help_text=_("国家系统导出的户年度基础信息（.csv、.xls 或 .xlsx，GBK 或 UTF-8 编码均可）"),
    )
    member_file = forms.FileField(
        label=_("人员信息文件"), required=False,
        help_text=_("国家系统导出的人员信息；户信息文件是含两张表的工作簿时可不填"),
    )  # fmt: skip
    year = forms.IntegerField(label=_("年度"), required=False, min_value=2000, max_value=2100,
                              help_text=_("默认按文件中的年度"))  # fmt: skip

    def clean_file(self):
        return checked_upload(self.cleaned_data["file"])

    def clean_member_file(self):
        upload = self.cleaned_data.get("member_file")
        return checked_upload(upload) if upload else upload

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("file")
        if upload and not cleaned.get("member_file") and not upload.name.lower().endswith((".xlsx", ".xls")):
            self.add_error("member_file", _("国家系统导出格式需要同时上传人员信息文件。"))
        return cleaned
