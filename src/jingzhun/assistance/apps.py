from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "jingzhun.assistance"
    label = "assistance"
    verbose_name = _("精准帮扶")

    def ready(self):
        from . import panels, work  # noqa: F401 - the household list's 结对 (core.panels), 工作台 items
