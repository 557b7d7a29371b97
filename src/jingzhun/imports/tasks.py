"""Background work of the imports app, run by the task worker (``jingzhun db_worker``)."""

from django.tasks import task
from django.utils import timezone

from jingzhun.core import isolation, jobs
from jingzhun.registry.signals import households_changed

from .models import ImportJob, ImportStatus


@task()
def run_import(job_id: int) -> str:
    """Import one uploaded file in a child process with a memory limit (``jingzhun import-job``): a hostile
    file can end that process, never the worker. If the child dies, the job says so and can be retried."""
    jobs.claim(ImportJob, job_id, status=ImportStatus.RUNNING)
    done = isolation.run_command("import-job", str(job_id))
    job = ImportJob.objects.get(pk=job_id)
    if done.returncode != 0 and job.status in (ImportStatus.RUNNING, ImportStatus.QUEUED):
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED, finished_at=timezone.now(),
            message=f"{isolation.describe_death(done.returncode)}；未导入任何数据（按“可导入的先导入”方式时，"
            "已完成的批次已保存）。可以重试；文件确实如此之大时请拆分后导入。",
        )  # fmt: skip
        job.refresh_from_db()
    if job.created or job.updated:
        households_changed.send(
            sender=__name__, regions=None
        )  # analytics queues its rollups (no wait for the night)
    return job.status
