from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jingzhun.registry"
    label = "registry"
    verbose_name = _("建档立卡")

    def ready(self):
        from . import panels, selectors  # noqa: F401 - the region page's counts and flows (core.panels)
