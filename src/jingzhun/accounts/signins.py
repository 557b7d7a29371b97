"""Sign-ins in the audit trail (等保 level 3): every login and every failed attempt, with the address, under the
account's region so that its auditor sees them."""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from jingzhun.core import audit
from jingzhun.core.middleware import client_ip
from jingzhun.core.models import AuditAction

from .models import User


def _record(action: str, user: User | None, username: str, request) -> None:
    entry = audit.build_entry(
        action, user or User(username=username[:150]), changes={},
        root=f"accounts.user:{user.pk if user else username[:60]}", region_code=(user.region_id or "") if user else "",
    )  # fmt: skip
    entry.object_id = str(user.pk) if user else ""
    entry.actor, entry.actor_label = (user, user.get_username()) if user else (None, username[:150] or "-")
    entry.ip = client_ip(request) if request is not None else None
    entry.source = "web" if request is not None and not request.path.startswith("/api/") else "api"
    entry.save()


@receiver(user_logged_in, dispatch_uid="jingzhun-audit-login")
def logged_in(sender, request, user, **kwargs):
    _record(AuditAction.LOGIN, user, user.get_username(), request)


@receiver(user_login_failed, dispatch_uid="jingzhun-audit-login-failed")
def login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))
    _record(AuditAction.LOGIN_FAILED, User.objects.filter(username=username).first(), username, request)
