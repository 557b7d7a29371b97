from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from jingzhun.core.middleware import client_ip

from . import throttle


class ThrottledLoginForm(AuthenticationForm):
    """The login form, refusing further attempts after repeated failures for the same account and address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("用户名或密码不正确。"),
        "locked": _("登录失败次数过多，请 %(minutes)d 分钟后再试。"),
    }

    def clean(self):
        username = self.data.get("username", "")
        ip = client_ip(self.request) if self.request else None
        if throttle.is_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"minutes": settings.LOGIN_LOCK_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle.record_failure(username, ip)
            raise
        throttle.clear(username, ip)
        return cleaned
