"""What a data-quality run keeps: the run itself (a job on the one runner) and its counts per rule per village,
so that the page opens on the latest run and adds villages up to townships and counties without recounting."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.jobs import Job
from jingzhun.core.scoping import ScopedModel, SharedDownQuerySet

CHECKED = ""  # the rule code of a village's row of households checked (every village of the run has one)


class QualityRun(Job, ScopedModel):
    """One run of the rules over a county, prefecture or province for a business year. A county's run is done
    in the request; a larger one is a job on the runner (``done``/``total`` count rules). The townships and
    villages of the region read the run (their own counts only: ``QualityCount`` is scoped by village).
    ``skipped`` keeps each rule that could not run with the reason (「不适用（缺少字段：…）」)."""

    TASK = "jingzhun.quality.tasks.run_check"
    FAILURE_MESSAGE = _("核查失败（%(error)s），请稍后重试。")

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("核查范围")
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    households = models.PositiveIntegerField(_("核查户数"), default=0)
    findings = models.PositiveIntegerField(_("疑点条数"), default=0)
    skipped = models.JSONField(_("未运行的规则"), default=dict, blank=True)
    # A run over an uploaded national file pair before import (``staged``): the files, their names, and the
    # rows that could not be checked ([sheet, row, 户编号/人口编号, reason]). Empty for a run over the registry.
    file = models.FileField(_("户信息文件"), upload_to="quality/%Y/%m/", blank=True)
    member_file = models.FileField(_("人员信息文件"), upload_to="quality/%Y/%m/", blank=True)
    file_name = models.CharField(_("核查的文件"), max_length=200, blank=True)
    refused = models.JSONField(_("无法核查的行"), default=list, blank=True)
    year_given = models.BooleanField(
        _("指定了年度"), default=False
    )  # else a file's run takes the files' 年度

    objects = models.Manager.from_queryset(SharedDownQuerySet)()

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("疑点数据核查")
        verbose_name_plural = _("疑点数据核查")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["region", "-created_at"], name="qualityrun_region_created")]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} {self.status}"

    @property
    def of_file(self) -> bool:
        """A run over an uploaded file (its rows in a scratch database), not over the registry."""
        return bool(self.file_name)


class QualityCount(ScopedModel):
    """How many rows of one village break one rule in one run (rule ``CHECKED``: how many households of the
    village were checked). Villages without findings of a rule have no row for it."""

    run = models.ForeignKey(
        QualityRun, on_delete=models.CASCADE, related_name="counts", verbose_name=_("核查")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村"), db_index=False
    )
    rule = models.CharField(_("规则"), max_length=8, blank=True)
    count = models.PositiveIntegerField(_("条数"))

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("疑点数据计数")
        verbose_name_plural = _("疑点数据计数")
        constraints = [
            models.UniqueConstraint(fields=["run", "region", "rule"], name="qualitycount_one_per_rule")
        ]
        indexes = [models.Index(fields=["region", "run"], name="qualitycount_region_run")]

    def __str__(self) -> str:
        return f"{self.run_id} {self.region_id} {self.rule or '*'} {self.count}"
