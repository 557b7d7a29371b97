"""``jingzhun survey-pull SAMPLE --user USERNAME``: pull a sample's new and edited submissions from a self-hosted
ODK Central through pyodk and import them as an upload of Central's export would be (the same checks, all or none,
each bad row named; idempotent by Central's KEY, an edit made in Central replacing the answer). Incremental: only
submissions Central received or edited at or after the latest such date already imported. Central's address and account are pyodk's own configuration: a TOML file
(``PYODK_CONFIG_FILE``, default ``~/.pyodk_config.toml``) with ``[central]`` base_url, username, password and
optionally default_project_id; the project may also be set as JINGZHUN_ODK_PROJECT_ID."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from pyodk.client import Client
from pyodk.errors import PyODKError

from jingzhun.accounts.models import User
from jingzhun.assessment import services, survey
from jingzhun.assessment.models import Sample, SurveyImportJob
from jingzhun.core import jobs
from jingzhun.core.context import acting_as
from jingzhun.core.jobs import JobStatus

HOW = (
    "请在 PYODK_CONFIG_FILE 指向的 TOML 文件（默认 ~/.pyodk_config.toml）的 [central] 节写明 base_url、username、"
    "password / set base_url, username and password under [central] in the TOML file named by PYODK_CONFIG_FILE"
)


def central_client() -> Client:
    """A pyodk client from pyodk's configuration, read before anything goes over the network (CommandError
    saying what is missing where it cannot be read)."""
    try:
        client = Client(project_id=settings.ODK_PROJECT_ID)
    except (PyODKError, KeyError, TypeError, ValueError) as exc:
        # pyodk: file missing or a key empty; KeyError: no [central]; TypeError: a key unknown or left out;
        # ValueError: not TOML
        detail = f"缺少 {exc}" if isinstance(exc, KeyError) else str(exc)
        raise CommandError(
            f"未配置 ODK Central / ODK Central is not configured（{detail}）：{HOW}。"
        ) from None
    if not client.project_id:
        raise CommandError(
            "未配置 ODK Central 项目编号 / no ODK Central project：请设置环境变量 JINGZHUN_ODK_PROJECT_ID，"
            "或在 pyodk 配置文件的 [central] 节写明 default_project_id。"
        )
    return client


class Command(BaseCommand):
    help = (
        "Pull a sample's new and edited ODK Central submissions (pyodk) and import them; incremental by date."
    )

    def add_arguments(self, parser):
        parser.add_argument("sample", type=int, help="the sample's number (样本编号)")
        parser.add_argument("--user", required=True, help="the third-party assessor the import is made as")

    def handle(self, *args, sample, user, **opts):
        client = central_client()
        who = User.objects.filter(username=user, is_active=True).first()
        if who is None:
            raise CommandError(f"用户 {user} 不存在或已停用。")
        target = Sample.objects.filter(pk=sample).first()
        if target is None:
            raise CommandError(f"样本 {sample} 不存在。")
        since = services.survey_since(target)
        try:
            with client:
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
            self.style.SUCCESS(
                f"已导入 {job.imported} 条新的调查记录，{job.updated} 条按 ODK Central 中的修改更新，"
                f"{job.unchanged} 条此前已导入。"
            )
        )
