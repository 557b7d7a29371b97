"""Account writes: creating users with a region and role, validated and audited."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.models import Region

from . import permissions
from .choices import Role
from .models import User
from .permissions import BUSINESS_ROLES

SECRET_FIELDS = frozenset({"password", "totp_secret"})  # never copied into the audit trail


@transaction.atomic
def user_create_or_reset(
    *,
    username: str,
    password: str,
    role: str,
    region: Region | None,
    full_name: str = "",
    superuser: bool = False,
) -> User:
    """Create the user, or reset the password, role and region of an existing one (the demo re-runs this)."""
    if role not in Role.values:
        raise ValidationError({"role": [_("角色无效：%(r)s") % {"r": role}]})
    user = User.objects.filter(username=username).first() or User(username=username)
    before = audit.snapshot(user) if user.pk else None
    validate_password(password, user)
    user.first_name = full_name
    user.role = role
    user.region = region
    user.is_superuser = user.is_staff = superuser
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    _audit_user(user, before)
    return user


# --- accounts kept by a security administrator (安全管理员), within the administrator's region -------------


def _audit_user(user: User, before: dict | None, *, extra: dict | None = None) -> None:
    after = {k: v for k, v in audit.snapshot(user).items() if k not in SECRET_FIELDS}
    changes = audit.diff({k: v for k, v in (before or {}).items() if k not in SECRET_FIELDS}, after)
    changes.update(extra or {})
    audit.build_entry(
        AuditAction.UPDATE if before else AuditAction.CREATE, user, changes=changes,
        root=f"accounts.user:{user.pk}", region_code=user.region_id or "",
    ).save()  # fmt: skip


def managed_users(manager: User):
    """The accounts ``manager`` may keep: those whose region lies within the manager's (superusers excluded)."""
    if not permissions.may(manager, "manage_users"):
        raise PermissionDenied(_("只有安全管理员可以管理用户。"))
    qs = User.objects.filter(is_superuser=False).select_related("region")
    code_range = manager.scope_range()
    if code_range is not None:
        qs = qs.filter(region__code__range=code_range)
    return qs.order_by("region_id", "username")


# Roles a security administrator may give within its own region. The administrator (who sees personal data in
# full) and the duties that keep the system in check (security, audit) are given from the level above (or by a
# superuser): no one appoints their own peers, nor grants full data access where they work.


def _below(manager: User, region: Region | None) -> bool:
    return region is not None and region.code != manager.region_id and manager.in_scope(region.code)


def _require_managed(manager: User, user: User) -> None:
    if user.pk == manager.pk:
        raise PermissionDenied(_("不能管理自己的账号（请由上级安全管理员办理）。"))
    if not managed_users(manager).filter(pk=user.pk).exists():
        raise PermissionDenied(_("该用户不在您的管辖范围内。"))
    if user.role not in BUSINESS_ROLES and not _below(manager, user.region):
        raise PermissionDenied(_("同级的管理员、安全管理员和安全审计员账号由上级安全管理员管理。"))


def _require_assignable(manager: User, role: str, region: Region | None) -> None:
    if role not in BUSINESS_ROLES and not (_below(manager, region) or manager.is_superuser):
        raise ValidationError(
            {"role": [_("管理员、安全管理员和安全审计员只能为下级区划设立（同级由上级安全管理员设立）。")]}
        )


def _managed_region(manager: User, code: str) -> Region | None:
    code = (code or "").strip()
    if not code:
        if manager.region_id:
            raise ValidationError({"region_code": [_("请填写区划代码：您只能管理本辖区内的用户。")]})
        return None
    region = Region.objects.filter(code=code.ljust(12, "0")).first() if code.isdigit() else None
    if region is None or not manager.in_scope(region.code):
        raise ValidationError({"region_code": [_("区划代码不存在或不在您的管辖范围内。")]})
    return region


@transaction.atomic
def user_save(*, manager: User, user: User | None, data: dict, password: str = "") -> User:
    """Create an account (with an initial password the user must change) or change one's name, role and region."""
    if user is not None:
        _require_managed(manager, user)
        user = User.objects.get(pk=user.pk)  # as stored: a form may already have set the new values on it
    else:
        managed_users(manager)  # the permission check, also for a new account
    if data.get("role") not in Role.values:
        raise ValidationError({"role": [_("角色无效。")]})
    region = _managed_region(manager, data.get("region_code", ""))
    _require_assignable(manager, data["role"], region)
    before = audit.snapshot(user) if user else None
    user = user or User(username=(data.get("username") or "").strip())
    user.first_name = (data.get("first_name") or "").strip()[:150]
    user.role, user.region = data["role"], region
    if before is None:
        if User.objects.filter(username__iexact=user.username).exists():
            raise ValidationError({"username": [_("用户名 %(u)s 已被使用。") % {"u": user.username}]})
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
        user.must_change_password = True
    user.full_clean(exclude=["password"])
    user.save()
    _audit_user(user, before)
    return user


@transaction.atomic
def user_set_active(*, manager: User, user: User, active: bool) -> User:
    """停用 / 启用: a deactivated account cannot log in; its records and audit trail stay."""
    _require_managed(manager, user)
    if user.pk == manager.pk:
        raise ValidationError({"is_active": [_("不能停用自己的账号。")]})
    before = audit.snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        Token.objects.filter(user=user).delete()  # its API tokens stop working too
    _audit_user(user, before)
    return user


@transaction.atomic
def user_reset_password(*, manager: User, user: User, password: str) -> User:
    """A new password set by the security administrator; the user must change it at the next login."""
    _require_managed(manager, user)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    before = audit.snapshot(user)
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    Token.objects.filter(user=user).delete()
    _audit_user(user, before, extra={"password": [None, _("已重置")]})
    return user


def password_changed(user: User) -> None:
    """Record that ``user`` changed their own password (the form has set it); its API tokens end with the old
    password."""
    Token.objects.filter(user=user).delete()
    if user.must_change_password:
        User.objects.filter(pk=user.pk).update(must_change_password=False)
        user.must_change_password = False
    audit.build_entry(
        AuditAction.UPDATE, user, changes={"password": [None, _("本人修改")]}, root=f"accounts.user:{user.pk}",
        region_code=user.region_id or "",
    ).save()  # fmt: skip


@transaction.atomic
def second_factor_set(*, user: User, secret: str) -> None:
    """Turn the second factor on (``secret``) or off (empty), audited; API tokens are revoked when it goes on."""
    User.objects.filter(pk=user.pk).update(totp_secret=secret)
    user.totp_secret = secret
    if secret:
        Token.objects.filter(user=user).delete()
    audit.build_entry(
        AuditAction.UPDATE, user, changes={"second_factor": [not secret, bool(secret)]},
        root=f"accounts.user:{user.pk}", region_code=user.region_id or "",
    ).save()  # fmt: skip
