"""扶贫项目库 (issue 21): a project's record. Its lifecycle (申报 → 审核 → 论证 → 审定/公告 = 入库 → 年度计划 → 实施 →
验收 → 报账 → 资产移交) is a row per step, written by the services; ``stage`` and ``accepted_on`` are kept in step
with them so that other apps (funds: no final payment before 验收) read one field."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.scoping import ScopedModel

from .choices import Category, Nature, Stage


class Project(ScopedModel):
    """一个扶贫项目: where it is (the lowest region that declares it: village, township or county), its year, its
    category and budget. Amounts are exact decimals (元)."""

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="projects", verbose_name=_("实施地点")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    name = models.CharField(_("项目名称"), max_length=120)
    category = models.CharField(_("项目类别"), max_length=20, choices=Category.choices)
    nature = models.CharField(_("建设性质"), max_length=10, choices=Nature.choices, default=Nature.NEW)
    budget = models.DecimalField(
        _("概算投资（元）"), max_digits=14, decimal_places=2, default=Decimal(0),
        validators=[MinValueValidator(0, _("投资额不能为负数。"))],
    )  # fmt: skip
    stage = models.CharField(_("所处阶段"), max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    accepted_on = models.DateField(_("验收日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("扶贫项目")
        verbose_name_plural = _("扶贫项目")
        indexes = [models.Index(fields=["year", "stage"], name="project_year_stage")]

    def __str__(self) -> str:
        return f"{self.year} {self.name}"
