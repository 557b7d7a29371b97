"""Stored analytics: the rollups the dashboards read, and the rural population that incidence needs."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.codes import NATIONAL_CODE  # noqa: F401 - the whole country in the rollups
from jingzhun.core.scoping import ScopedModel


class RegionFigures(ScopedModel):
    """The rolled-up figures of one region (or the whole country, code ``000000000000``, level 0) for a year.

    ``figures`` holds the additive components computed by ``indicators`` (counts and sums; keys that are 0 are
    left out to keep 700,000 rows a year small) plus the Gini of the region where it was computed; the ratios
    shown on the dashboards (incidence, FGT, M0…) are derived from them by ``definitions`` at read time, so a
    province's figure is exactly the sum of its villages' parts. Replaced whole for a year by
    ``services.rollup_refresh``.
    """

    year = models.PositiveSmallIntegerField(_("年度"))
    code = models.CharField(_("区划代码"), max_length=12)
    level = models.PositiveSmallIntegerField(_("级别"))
    parent = models.CharField(_("上级区划代码"), max_length=12, blank=True)
    figures = models.JSONField(_("指标"), default=dict)
    engine = models.CharField(_("计算引擎"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"))

    scope_lookup = "code"

    class Meta:
        verbose_name = _("区域汇总指标")
        verbose_name_plural = _("区域汇总指标")
        # code first: a region's row of a year and its rows across years (the trend) are one index range
        constraints = [models.UniqueConstraint(fields=["code", "year"], name="regionfigures_one_per_year")]
        indexes = [models.Index(fields=["year", "parent"], name="regionfigures_children")]

    def __str__(self) -> str:
        return f"{self.year} {self.code}"


class RuralPopulation(ScopedModel):
    """农村户籍人口 of a village in a year: the denominator of 贫困发生率 (poor persons ÷ rural population).
    Loaded from the statistics bureau's figures; where a region lacks it the dashboards show no incidence
    rather than a made-up one."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("村")
    )
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000)])
    persons = models.PositiveIntegerField(_("农村户籍人口"))

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("农村户籍人口")
        verbose_name_plural = _("农村户籍人口")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "year"], name="ruralpopulation_one_per_year",
                violation_error_message=_("该村该年度已有农村户籍人口。"),
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.persons}"
