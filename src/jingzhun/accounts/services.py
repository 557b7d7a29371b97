"""Account writes: creating users with a region and role, validated and audited."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.models import Region

from .choices import Role
from .models import User


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
    after = {k: v for k, v in audit.snapshot(user).items() if k != "password"}
    if before is not None:
        before.pop("password", None)
    entry = audit.build_entry(
        AuditAction.UPDATE if before else AuditAction.CREATE,
        user,
        changes=audit.diff(before or {}, after),
        root=f"accounts.user:{user.pk}",
        region_code=user.region_id or "",
    )
    entry.save()
    return user
