from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "jingzhun.assessment"
    verbose_name = _("精准考核")

    def ready(self):
        from . import panels  # noqa: F401 - the 工作台's overdue rectification items
