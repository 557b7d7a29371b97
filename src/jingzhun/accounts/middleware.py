"""Idle-session timeout (等保 level 3): a browser session unused for ``SESSION_IDLE_SECONDS`` is logged out."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

TOUCH_EVERY = 60  # seconds: the session is written at most once a minute, not on every request


def polling(request) -> bool:
    """A page refreshing itself (htmx: a job's progress) is not the user at work."""
    return request.headers.get("HX-Request") == "true" and request.method == "GET"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        idle = settings.SESSION_IDLE_SECONDS
        if idle and request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen", now)
            if now - last > idle:
                logout(request)  # the login page (login_required) follows; the API answers 401/403
                messages.info(
                    request, _("超过 %(m)d 分钟未操作，已自动退出，请重新登录。") % {"m": idle // 60}
                )
            elif (now - last >= TOUCH_EVERY or "last_seen" not in request.session) and not polling(request):
                request.session["last_seen"] = now
        return self.get_response(request)


class PasswordChangeRequiredMiddleware:
    """An account whose password was set by someone else (created or reset by the security administrator) is
    sent to change it before anything else."""

    ALLOWED = ("/accounts/password/", "/accounts/logout/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.must_change_password and not request.path.startswith(self.ALLOWED):
            return redirect("accounts:password_change")
        return self.get_response(request)
