"""Import jobs: an uploaded file, who imports it into which region, how far along it is, and what happened."""

import json
import os
from pathlib import Path

from django.core.files import File
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jingzhun.accounts import permissions
from jingzhun.core.jobs import Job, JobStatus, this_worker
from jingzhun.core.scoping import ScopedModel


class ImportMode(models.TextChoices):
    ALL = "all", _("全部正确才保存")
    VALID = "valid", _("保存正确的户，其余生成错误报告")


def upload_to(job, filename: str) -> str:
    now = timezone.now()
    return f"imports/{now:%Y/%m}/{job.user_id or 0}-{now:%H%M%S%f}{Path(filename).suffix.lower()}"


class ImportJob(Job, ScopedModel):
    """One spreadsheet import — uploaded and run by the task worker, or run by ``jingzhun import`` — with its
    file kept: the audit entries of the households it registered refer to the file's rows (docs/decisions.md
    #12), so the file is part of the audit trail. Scoped by the importer's region (national when run by the
    system, without a user).

    Progress is written to a small file beside the upload rather than to this row: an all-or-nothing import
    holds its transaction open until the end, and SQLite allows one writer at a time.
    """

    TASK = "jingzhun.imports.tasks.run_import"
    RETRY_REFUSED = _("只有导入人可以重试未完成的导入。")

    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    file = models.FileField(_("文件"), upload_to=upload_to)
    # The national layout comes as two files: ``file`` holds the households (户年度基础信息), this the members.
    member_file = models.FileField(_("人员信息文件"), upload_to=upload_to, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    mode = models.CharField(_("方式"), max_length=8, choices=ImportMode.choices, default=ImportMode.ALL)
    # 历史数据载入: statuses and 脱贫年度 as they stood at the end of this year, written as history
    history_year = models.PositiveSmallIntegerField(_("历史数据年度"), null=True, blank=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    persons = models.PositiveIntegerField(_("人数"), default=0)
    created = models.PositiveIntegerField(_("新增户"), default=0)
    updated = models.PositiveIntegerField(_("更新户"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化户"), default=0)
    failed = models.PositiveIntegerField(_("有错误户"), default=0)
    report = models.FileField(_("错误报告"), upload_to="imports/reports/%Y/%m/", blank=True)

    scope_lookup = "region_code"

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["region_code", "created_at"], name="importjob_region_created")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def outcome(self) -> tuple[str, str]:
        """(kind, words) of how the import ended, told apart for the job list: ``success`` (everything saved or
        nothing to change), ``partial`` (the valid households saved, the rest not — how many of each),
        ``nothing`` (finished, but nothing saved), ``failed`` (stopped by an error), or the status while it runs."""
        if self.status == JobStatus.FAILED:
            return "failed", str(_("失败"))
        if self.status != JobStatus.DONE:
            return "running", str(self.get_status_display())
        saved = self.created + self.updated
        if not self.failed:
            return "success", str(_("成功"))
        if saved:
            return "partial", str(
                _("部分保存：已保存 %(s)d 户，%(f)d 户有错误未保存") % {"s": saved, "f": self.failed}
            )
        return "nothing", str(_("未保存任何内容：%(f)d 户有错误") % {"f": self.failed})

    @classmethod
    def for_file(
        cls,
        *,
        user,
        path: Path,
        mode: str = ImportMode.ALL,
        history_year: int | None = None,
        member_path: Path | None = None,
    ) -> "ImportJob":
        """A job for a file imported outside the upload page (a command, a script): the file is copied into
        storage, as an upload would be, so that the audit can refer to it."""
        name = f"{path.name} + {member_path.name}" if member_path else path.name
        job = cls(user=user, region_code=(user.region_id or "") if user else "", original_name=name[:200],
                  mode=mode, history_year=history_year, status=JobStatus.RUNNING, worker=this_worker(), heartbeat_at=timezone.now(),
                  attempts=1)  # fmt: skip
        with path.open("rb") as fh:
            job.file.save(path.name, File(fh), save=False)
        if member_path is not None:
            with member_path.open("rb") as fh:
                job.member_file.save(member_path.name, File(fh), save=False)
        job.save()
        return job

    @property
    def progress_path(self) -> Path:
        return Path(self.file.path).with_suffix(".progress.json")

    def write_progress(self, done: int, total: int) -> None:
        tmp = self.progress_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": done, "total": total}))
        os.replace(tmp, self.progress_path)  # atomic: a reader never sees half a file

    def read_progress(self) -> tuple[int, int]:
        try:
            data = json.loads(self.progress_path.read_text())
            return int(data["done"]), int(data["total"])
        except (OSError, ValueError, KeyError):
            return (self.households, self.households) if self.status == JobStatus.DONE else (0, 0)

    def may_retry(self, user) -> bool:
        """A failed upload may be run again (the same stored file) by its importer."""
        return super().may_retry(user) and bool(self.file) and permissions.may(user, "change")

    def before_retry(self) -> None:
        self.progress_path.unlink(missing_ok=True)


class ExportLayout(models.TextChoices):
    NATIONAL = "national", _("国家系统格式")
    OURS = "ours", _("本系统格式")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    XLSX = "xlsx", _("Excel")
    PARQUET = "parquet", _("Parquet")


# What each file holds, as the job's page says it
_EXPORT_FILES = {
    ("national", "csv"): _("CSV（GB18030，两个文件打包为 ZIP）"),
    ("national", "xlsx"): _("Excel（一个工作簿，两个工作表）"),
    ("ours", "csv"): _("CSV（UTF-8，每人一行，可修改后导入）"),
    ("ours", "xlsx"): _("Excel（户、人两个工作表，可修改后导入）"),
    ("ours", "parquet"): _("Parquet（每人一行）"),
}


class ExportJob(Job, ScopedModel):
    """A large export of the household list, in the national system's layouts (户年度基础信息 + 人员信息) or in
    ours (one row per person, the import's layout), written by the task worker to a file on disk with its
    progress (the rows written: households, then persons, where the file has both). The list is the one the
    requester saw — their filters, re-read under their scope when the job runs — and the masking is the
    requester's, decided when it was asked for (``full_personal_data``, ``bank_in_full``). The file goes to its
    requester and to readers who see personal data in full, every download audited (``core.downloads``)."""

    TASK = "jingzhun.imports.tasks.run_export"

    region_code = models.CharField(_("区划代码"), max_length=12, blank=True)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    layout = models.CharField(
        _("版式"), max_length=8, choices=ExportLayout.choices, default=ExportLayout.NATIONAL
    )
    format = models.CharField(_("格式"), max_length=7, choices=ExportFormat.choices)
    full_personal_data = models.BooleanField(_("含完整个人信息"), default=False)
    bank_in_full = models.BooleanField(_("含完整银行卡号"), default=False)
    file = models.FileField(_("文件"), upload_to="exports/%Y/%m/", blank=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    persons = models.PositiveIntegerField(_("人数"), default=0)

    scope_lookup = "region_code"

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_layout_display()} {self.get_format_display()} ({self.get_status_display()})"

    @property
    def file_kind(self) -> str:
        """What the file holds, in words (国家系统格式 CSV: two GB18030 files in a .zip, …)."""
        return _EXPORT_FILES[(self.layout, self.format)]

    @property
    def households_first(self) -> bool:
        """Are households written as rows of their own before the persons (two files or sheets), rather than
        one row per person only: what the progress counts."""
        return self.layout == ExportLayout.NATIONAL or self.format == ExportFormat.XLSX
