from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "jingzhun.analytics"
    label = "analytics"
    verbose_name = _("统计分析")

    def ready(self):
        from jingzhun.registry.signals import households_changed, year_closed

        from . import provides  # noqa: F401 - answers the rural population of villages to the apps below
        from .tasks import refresh_rollups

        def follow_the_registry(**_signal):  # the dashboards follow an import without waiting for the night
            refresh_rollups.enqueue()

        households_changed.connect(follow_the_registry, dispatch_uid="analytics-follow-registry", weak=False)

        def year_closed_snapshot(*, year, **_signal):  # a closed year's snapshot and rollup, written at once
            refresh_rollups.enqueue(years=[year])

        year_closed.connect(year_closed_snapshot, dispatch_uid="analytics-year-closed", weak=False)
