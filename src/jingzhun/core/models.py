"""The audit trail shared by every app."""

from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .scoping import ScopedModel, ScopedQuerySet

# Set (by ``core.auditpurge.purging``) while entries past their retention are purged: the only deletion allowed.
PURGING: ContextVar[bool] = ContextVar("jingzhun_audit_purging", default=False)


class AuditTrailImmutable(Exception):
    """The audit trail is append-only (等保 level 3: entries are not editable by those they record)."""


class AuditLogQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AuditTrailImmutable(_("操作日志不能修改。"))

    def _update(self, values):  # Model.save() of an existing row goes through here
        raise AuditTrailImmutable(_("操作日志不能修改。"))

    def delete(self):
        if not PURGING.get():
            raise AuditTrailImmutable(
                _("操作日志不能删除；保存期以外的记录由 jingzhun audit-purge 归档清理。")
            )
        return super().delete()


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    REVEAL = "reveal", _("查看完整个人信息")
    EXPORT = "export", _("导出")
    LOOKUP = "lookup", _("跨辖区身份证查重")
    DOWNLOAD = "download", _("下载文件")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")


# The ways a change comes (``core.context.acting_as(source=…)``, "kind:detail"), in words on the history pages.
SOURCE_WORDS = {
    "web": "", "api": _("接口"), "import": _("导入"), "command": _("命令"), "portal": _("公众门户"),
    "system": _("系统"), "population-load": _("人口数据导入"), "task": _("后台任务"),
}  # fmt: skip


def source_in_words(source: str) -> str:
    """A system source ("command:demo-data", "import:12", "portal") in words (「命令 demo-data」); any other text
    (a user's name) as it is; empty for the web pages."""
    kind, _sep, detail = (source or "").partition(":")
    words = SOURCE_WORDS.get(kind)
    if words is None:
        return source
    return f"{words} {detail}".strip() if words else ""


class AuditLog(ScopedModel):
    """One change (or sensitive read) of one record: who, when, from where, and the values before/after.

    ``root`` names the aggregate the entry belongs to (e.g. ``registry.household:42``) so a household page can
    show the history of the household and its members in one indexed query. ``region_code`` scopes the entry
    like the record it describes.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now)
    actor = models.ForeignKey(  # PROTECT: deleting a user would rewrite its entries; deactivate it instead
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("操作人")
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

    objects = models.Manager.from_queryset(AuditLogQuerySet)()
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

    @property
    def via(self) -> str:
        """The way the change came, in words (「导入 #12」, 「命令 demo-data」, 「接口」); empty for the web pages."""
        return source_in_words(self.source)

    @property
    def who(self) -> str:
        """The actor, named once: a user's name, or the way itself where no user acted (a command, the portal)."""
        return (
            self.via or str(SOURCE_WORDS["system"]) if self.actor_label == self.source else self.actor_label
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditTrailImmutable(_("操作日志不能修改。"))
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailImmutable(_("操作日志不能删除。"))


class AuditPurge(models.Model):
    """One purge of entries past their retention: when, up to which day, how many, archived where. The purge
    itself is allowed by a transaction-local setting the trigger reads (``core.auditpurge.purging``)."""

    started_at = models.DateTimeField(_("时间"), default=timezone.now)
    before = models.DateField(_("清理此日期之前的记录"))
    entries = models.PositiveIntegerField(_("条数"), default=0)
    archive = models.CharField(_("归档文件"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("操作日志清理")
        verbose_name_plural = _("操作日志清理")

    def __str__(self) -> str:
        return f"purge before {self.before}"
