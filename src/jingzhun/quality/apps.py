from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "jingzhun.quality"
    label = "quality"
    verbose_name = _("疑点数据核查")

    def ready(self):
        from . import panels  # noqa: F401 - the 工作台's findings waiting to be checked
