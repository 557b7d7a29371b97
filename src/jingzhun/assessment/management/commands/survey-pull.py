"""``jingzhun survey-pull SAMPLE --user USERNAME``: pull a sample's new submissions from a self-hosted ODK Central
through pyodk and import them as an upload of Central's export would be (the same checks, all or none, each bad
row named; idempotent by instance id). Incremental: only submissions Central received at or after the latest
submission date already imported. Central's address and account are pyodk's settings (PYODK_CONFIG_FILE, or
PYODK_CENTRAL_URL / PYODK_CENTRAL_USER / PYODK_CENTRAL_PASS); the project is JINGZHUN_ODK_PROJECT_ID."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError

from jingzhun.accounts.models import User
from jingzhun.assessment import services, survey
from jingzhun.assessment.models import Sample, SurveyImportJob
from jingzhun.core import jobs
from jingzhun.core.context import acting_as
from jingzhun.core.jobs import JobStatus


class Command(BaseCommand):
    help = (
        "Pull a sample's new ODK Central submissions (pyodk) and import them; incremental by submission date."
    )

    def add_arguments(self, parser):
        parser.add_argument("sample", type=int, help="the sample's number (样本编号)")
        parser.add_argument("--user", required=True, help="the third-party assessor the import is made as")

    def handle(self, *args, sample, user, **opts):
        try:
            from pyodk.client import Client
        except ImportError:
            raise CommandError(
                "未安装 pyodk：请先 `uv pip install pyodk`（仅在配置了 ODK Central 的部署需要）。"
            ) from None
        if not settings.ODK_PROJECT_ID:
            raise CommandError("未配置 ODK Central 项目编号：请设置环境变量 JINGZHUN_ODK_PROJECT_ID。")
        who = User.objects.filter(username=user, is_active=True).first()
        if who is None:
            raise CommandError(f"用户 {user} 不存在或已停用。")
        target = Sample.objects.filter(pk=sample).first()
        if target is None:
            raise CommandError(f"样本 {sample} 不存在。")
        since = services.survey_since(target)
        try:
            with Client(project_id=settings.ODK_PROJECT_ID) as client:
                rows = client.submissions.get_table(
                    form_id=target.form_id, filter=survey.since_filter(since)
                ).get("value", [])
        except Exception as exc:  # pyodk's and the network's errors alike: said, nothing imported
            raise CommandError(f"无法从 ODK Central 读取提交数据：{exc}") from None
        if not rows:
            self.stdout.write("没有新的提交数据。")
            return
        upload = SimpleUploadedFile(f"{target.form_id}.csv", survey.odata_csv(rows))
        try:
            with acting_as(who, source="survey-pull"):
                job = services.survey_import_start(user=who, sample=target, upload=upload)
                job = jobs.run(SurveyImportJob, job.pk, services.survey_import)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("未导入：" + "；".join(getattr(exc, "messages", [str(exc)]))) from None
        if job.status != JobStatus.DONE:
            raise CommandError(job.message)
        self.stdout.write(
            self.style.SUCCESS(f"已导入 {job.imported} 条新的调查记录，{job.unchanged} 条此前已导入。")
        )
