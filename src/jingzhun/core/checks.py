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


@checks.register(checks.Tags.security, deploy=True)
def field_keys(app_configs, **kwargs):
    """The keys of personal data at rest (core.crypto) must not be the public development ones."""
    found = []
    if settings.DEV_FIELD_KEY in settings.FIELD_ENCRYPTION_KEYS:
        found.append(
            checks.Error(
                "JINGZHUN_FIELD_KEYS 使用的是公开的开发密钥：生产环境须设置自己的加密密钥（Fernet.generate_key()）。",
                id="jingzhun.E002",
            )
        )
    if settings.FIELD_DIGEST_KEY == settings.DEV_DIGEST_KEY:
        found.append(
            checks.Error(
                "JINGZHUN_FIELD_DIGEST_KEY 使用的是公开的开发密钥：生产环境须设置自己的摘要密钥。",
                id="jingzhun.E003",
            )
        )
    return found


@checks.register()
def scope_lookups(app_configs, **kwargs):
    """Each scoped model's ``scope_lookup`` must end at a 12-digit region code column (a child record's through
    its parent): a wrong one would scope by something else, or fail only when a user first reads the model."""
    from django.core.exceptions import FieldDoesNotExist
    from django.db import models

    from .scoping import lookup_target, scoped_models

    errors = []
    for model in scoped_models():
        try:
            field = lookup_target(model, model.scope_lookup) if model.scope_lookup else None
        except FieldDoesNotExist:
            field = None
        if not (isinstance(field, models.CharField) and field.max_length == 12):
            errors.append(
                checks.Error(
                    f"{model._meta.label}.scope_lookup = {model.scope_lookup!r}: 应指向 12 位区划代码字段。",
                    obj=model,
                    id="jingzhun.E002",
                )
            )
    return errors
