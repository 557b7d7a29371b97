from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "jingzhun.reports"
    label = "reports"
    verbose_name = _("簿册档案")

    def ready(self):
        from . import panels  # noqa: F401 - the household list's 「打印户卡」 (core.panels)
