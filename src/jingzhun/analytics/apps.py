from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "jingzhun.analytics"
    label = "analytics"
    verbose_name = _("统计分析")

    def ready(self):
        from jingzhun.registry.signals import households_changed

        from .tasks import refresh_rollups

        def follow_the_registry(**_signal):  # the dashboards follow an import without waiting for the night
            refresh_rollups.enqueue()

        households_changed.connect(follow_the_registry, dispatch_uid="analytics-follow-registry", weak=False)
