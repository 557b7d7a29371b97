"""System checks for settings a deployment is assessed against (等保 level 3)."""

from django.conf import settings
from django.core import checks

MINIMUM_AUDIT_RETENTION_DAYS = 180


@checks.register(checks.Tags.security)
def audit_retention(app_configs, **kwargs):
    if settings.AUDIT_RETENTION_DAYS < MINIMUM_AUDIT_RETENTION_DAYS:
        return [
            checks.Error(
                f"JINGZHUN_AUDIT_RETENTION_DAYS={settings.AUDIT_RETENTION_DAYS}: 操作日志至少保存 6 个月（180 天）。",
                id="jingzhun.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def idle_timeout(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.SESSION_IDLE_SECONDS:
        return [
            checks.Warning(
                "JINGZHUN_SESSION_IDLE_SECONDS=0: 生产环境应设置会话空闲超时。", id="jingzhun.W001"
            )
        ]
    return []
