from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "jingzhun.imports"
    label = "imports"
    verbose_name = _("导入导出")

    def ready(self):
        from . import work  # noqa: F401 - imports' 工作台 items (core.worklist)
