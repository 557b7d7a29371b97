from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jingzhun.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self):
        from django.db.models import fields
        from django.tasks.signals import task_started
        from django.utils.translation import gettext_lazy

        from . import checks  # noqa: F401  (registers the system checks)
        from .jobs import reap_all

        task_started.connect(reap_all, dispatch_uid="jingzhun-reap-dead-jobs")
        # the empty choice of every select, in the UI's language (Django's own has no zh-Hans translation)
        fields.BLANK_CHOICE_LABEL = gettext_lazy("请选择")
