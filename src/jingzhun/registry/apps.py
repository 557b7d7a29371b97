from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "jingzhun.registry"
    label = "registry"
    verbose_name = _("建档立卡")

    def ready(self):
        from . import selectors  # noqa: F401 - provides the children's counts of the region page (core.panels)
