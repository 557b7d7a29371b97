from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "jingzhun.monitoring"
    label = "monitoring"
    verbose_name = _("防止返贫动态监测")

    def ready(self):
        from . import panels  # noqa: F401 - the household card's panel and the year's open cases
