"""Code lists of the data-quality checks (疑点数据核查)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    """How sure a finding is: 错误 is wrong data, 疑点 is to be checked on the spot, 提示 is a hint."""

    ERROR = "error", _("错误")
    SUSPECT = "suspect", _("疑点")
    HINT = "hint", _("提示")


class Target(models.TextChoices):
    """What a finding names: one person, or one household."""

    MEMBER = "member", _("人")
    HOUSEHOLD = "household", _("户")
