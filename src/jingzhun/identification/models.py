"""Policy data of identification (精准识别): the poverty lines by year, national and provincial."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import ScopedManager


class PovertyLine(models.Model):
    """扶贫标准: yuan per person per year at current prices for ``year``; national when ``province`` is empty,
    else a province's own higher line (省定标准). Editable policy data: every change is audited by the services."""

    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    province = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("省份"),
        limit_choices_to={"level": 1},
    )
    amount = models.DecimalField(
        _("标准（元/人·年）"), max_digits=8, decimal_places=2, validators=[MinValueValidator(1)]
    )
    source = models.CharField(_("依据"), max_length=200, blank=True)

    objects = ScopedManager()
    scope_lookup = "province__code"

    class Meta:
        verbose_name = _("扶贫标准")
        verbose_name_plural = _("扶贫标准")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "province"], name="povertyline_one_per_year_province",
                violation_error_message=_("该年度该省份已有扶贫标准。"),
            ),
            models.UniqueConstraint(
                fields=["year"], condition=Q(province__isnull=True), name="povertyline_one_national_per_year",
                violation_error_message=_("该年度已有国家扶贫标准。"),
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.year} {self.province_id or 'national'} {self.amount}"

    def audit_scope(self) -> tuple[str, str]:
        return f"identification.povertyline:{self.pk}", self.province_id or ""
