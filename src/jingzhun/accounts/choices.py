from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("管理员")
    OPERATOR = "operator", _("录入员")
    VIEWER = "viewer", _("查看员")
