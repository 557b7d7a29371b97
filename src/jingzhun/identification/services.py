"""Writes of identification policy data: validated, audited, national or provincial administrators only."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from .models import PovertyLine


@transaction.atomic
def poverty_line_set(
    *, user, year: int, amount: Decimal, province: str | None = None, source: str = ""
) -> PovertyLine:
    """Set the national line (``province`` None) or a province's own line for ``year``; the change is audited.

    A province's line may not be below the national line of the same year: the national line is the floor.
    """
    if user is not None and not (user.role == "admin" and user.in_scope(province or "000000000000")):
        raise PermissionDenied(_("只有国家或本省的管理员可以修改扶贫标准。"))
    region = None
    if province:
        region = Region.objects.filter(code=province, level=RegionLevel.PROVINCE).first()
        if region is None:
            raise ValidationError({"province": [_("%(c)s 不是省级区划代码。") % {"c": province}]})
        national = PovertyLine.objects.filter(year=year, province__isnull=True).first()
        if national is not None and Decimal(amount) < national.amount:
            raise ValidationError(
                {"amount": [_("省定标准不能低于当年国家标准 %(n)s 元。") % {"n": national.amount}]}
            )
    line = PovertyLine.objects.select_for_update().filter(year=year, province=region).first()
    before = audit.snapshot(line) if line else None
    line = line or PovertyLine(year=year, province=region)
    line.amount, line.source = amount, source
    line.full_clean(validate_unique=False, validate_constraints=False)
    line.save()
    audit.record(
        AuditAction.UPDATE if before else AuditAction.CREATE, line, before=before, after=audit.snapshot(line)
    )
    return line
