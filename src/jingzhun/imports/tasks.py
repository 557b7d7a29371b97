"""Background work of the imports app, run by the task worker (``jingzhun db_worker``)."""

from django.tasks import task

from jingzhun.core import isolation, jobs
from jingzhun.registry.signals import households_changed

from .models import ImportJob


def _import_in_child(job: ImportJob, progress: jobs.Progress) -> None:
    """The child records the outcome (and the progress, beside the file) itself; a child that died cannot."""
    done = isolation.run_command("import-job", str(job.pk))
    if done.returncode != 0:
        raise jobs.JobFailed(
            f"{isolation.describe_death(done.returncode)}；未导入任何数据（按“可导入的先导入”方式时，"
            "已完成的批次已保存）。可以重试；文件确实如此之大时请拆分后导入。"
        )


@task()
def run_import(job_id: int) -> str:
    """Import one uploaded file in a child process with a memory limit (``jingzhun import-job``): a hostile
    file can end that process, never the worker. If the child dies, the job says so and can be retried."""
    job = jobs.run(ImportJob, job_id, _import_in_child)
    if job.created or job.updated:
        households_changed.send(
            sender=__name__, regions=None
        )  # analytics queues its rollups (no wait for the night)
    return job.status


@task()
def run_export(job_id: int) -> str:
    """Write one large export of the household list (``export_jobs.export_run``)."""
    from .export_jobs import export_run
    from .models import ExportJob

    return jobs.run(ExportJob, job_id, export_run).status
