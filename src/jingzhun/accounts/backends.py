"""Authentication: Django's model backend, refusing the published demo password in production.

Every way in — the login page, the API token endpoint, the admin site — authenticates here, so an account left
with the README's password cannot be used where ``JINGZHUN_ENV=production``, whatever its name."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

from .demo import DEMO_PASSWORD


def refused_in_production(password: str | None) -> bool:
    return settings.PRODUCTION and password == DEMO_PASSWORD


class JingzhunBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if refused_in_production(password):
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
