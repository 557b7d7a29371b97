"""Report jobs: a township book or a county archive built by the task worker, with its progress and file."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from jingzhun.core.jobs import Job
from jingzhun.core.scoping import ScopedModel


class ReportKind(models.TextChoices):
    VILLAGE_REGISTER = "village_register", _("村有册（贫困户花名册，PDF）")
    TOWNSHIP_BOOK = "township_book", _("乡有簿（各村汇总和花名册，PDF）")
    COUNTY_ARCHIVE = "county_archive", _("县有档（各乡镇簿册、统计表和名单，ZIP）")


# the region level each kind is made for
KIND_LEVEL = {ReportKind.VILLAGE_REGISTER: 5, ReportKind.TOWNSHIP_BOOK: 4, ReportKind.COUNTY_ARCHIVE: 3}


class ReportJob(Job, ScopedModel):
    """One register generated in the background for a region and year; ``done``/``total`` count villages.
    Personal data in the file is masked unless the requesting user's role sees it (decided when queued); only
    its requester may retry it."""

    TASK = "jingzhun.reports.tasks.build_report"
    FAILURE_MESSAGE = _("生成失败（%(error)s），请稍后重试。")

    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区划")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    full_personal_data = models.BooleanField(_("含完整身份证号"), default=False)
    file = models.FileField(_("文件"), upload_to="reports/%Y/%m/", blank=True)

    scope_lookup = "region__code"

    class Meta:
        verbose_name = _("簿册生成任务")
        verbose_name_plural = _("簿册生成任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.region_id} {self.year}"
