from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentificationConfig(AppConfig):
    name = "jingzhun.identification"
    label = "identification"
    verbose_name = _("精准识别")

    def ready(self):
        from . import panels  # noqa: F401 - registers identification's pieces of the household card
