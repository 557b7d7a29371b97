from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "jingzhun.projects"
    label = "projects"
    verbose_name = _("扶贫项目库")

    def ready(self):
        from . import (
            panels,  # noqa: F401 - the household card's panel, the 工作台, the year's open items
            provides,  # noqa: F401 - the project side of 资金成效 for the assessment's scores
        )
