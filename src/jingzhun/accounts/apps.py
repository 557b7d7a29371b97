from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jingzhun.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self):
        from . import signins  # noqa: F401  (logins and failed logins into the audit trail)
