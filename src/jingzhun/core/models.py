"""The audit trail shared by every app."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedManager


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看完整个人信息")
    EXPORT = "export", _("导出")
    LOOKUP = "lookup", _("跨辖区身份证查重")
    DOWNLOAD = "download", _("下载文件")


class AuditLog(models.Model):
    """One change (or sensitive read) of one record: who, when, from where, and the values before/after.

    ``root`` names the aggregate the entry belongs to (e.g. ``registry.household:42``) so a household page can
    show the history of the household and its members in one indexed query. ``region_code`` scopes the entry
    like the record it describes.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("操作人")
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    source = models.CharField(_("来源"), max_length=64)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices)
    model = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象编号"), max_length=64)
    object_repr = models.CharField(_("对象"), max_length=200)
    root = models.CharField(_("所属档案"), max_length=80)
    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)

    objects = ScopedManager()
    scope_lookup = "region_code"

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        indexes = [
            models.Index(fields=["root", "at"], name="auditlog_root_at"),
            models.Index(fields=["region_code", "at"], name="auditlog_region_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.get_action_display()} {self.object_repr}"
