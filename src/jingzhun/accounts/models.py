"""Accounts: each user works within one region (any level, or the whole country) with one role."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Role
from .permissions import UNMASKED_ROLES, role_allows


class JingzhunUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)  # a superuser is a national administrator
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A platform user. ``region`` empty means national scope; the role decides the actions allowed."""

    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("管辖区划"),
        help_text=_("留空表示全国。"),
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.VIEWER)
    # Optional second factor (TOTP, RFC 6238): the shared secret, base32; empty = password only.
    totp_secret = models.CharField(_("动态验证码密钥"), max_length=64, blank=True, editable=False)
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)

    objects = JingzhunUserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def can(self, action: str) -> bool:
        """The role half of ``accounts.permissions``: may the role take ``action`` at all (scope and level aside)?
        Scoped reads ask it; everything else asks ``permissions.decide``."""
        return self.is_active and (self.is_superuser or role_allows(self.role, action))

    def scope_range(self) -> tuple[str, str] | None:
        """The 12-digit code range the user may reach, or None for the whole country."""
        if self.region_id is None:
            return None
        return self.region.subtree_range()

    @property
    def level(self) -> int:
        """The level of the user's region (1 province … 5 village), 0 for national users."""
        return self.region.level if self.region_id else 0

    def in_scope(self, code: str) -> bool:
        code_range = self.scope_range()
        return code_range is None or code_range[0] <= code <= code_range[1]

    @property
    def sees_personal_data(self) -> bool:
        return self.is_superuser or self.role in UNMASKED_ROLES

    @property
    def has_second_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def display_scope(self) -> str:
        return self.region.full_name() if self.region_id else str(_("全国"))
