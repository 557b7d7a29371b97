from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "jingzhun.funds"
    label = "funds"
    verbose_name = _("扶贫资金")

    def ready(self):
        from . import panels  # noqa: F401 - the household card's payments, the 工作台, the year's open items
