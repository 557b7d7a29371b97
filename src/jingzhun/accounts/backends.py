"""Authentication: Django's model backend, refusing the published demo password in production.

Every way in — the login page, the API token endpoint, the admin site — authenticates here, so an account left
with the README's password cannot be used where ``JINGZHUN_ENV=production``, whatever its name."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .demo import DEMO_PASSWORD


def refused_in_production(password: str | None) -> bool:
    return settings.PRODUCTION and password == DEMO_PASSWORD


class NotTheDemoPassword:
    """A password validator: in production the published demo password cannot be set (it could not be used)."""

    def validate(self, password, user=None):
        if refused_in_production(password):
            raise ValidationError(_("不能使用演示密码。"), code="demo_password")

    def get_help_text(self):
        return _("不能使用演示密码。")


class JingzhunBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if refused_in_production(password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
