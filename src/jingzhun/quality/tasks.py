"""Background work of 疑点数据核查, run by the task worker (``jingzhun db_worker``)."""

from django.tasks import task

from jingzhun.core import jobs

from .models import QualityRun
from .services import check


@task()
def run_check(job_id: int) -> str:
    """Run the rules of one queued run (a province's or a prefecture's); a failure is recorded for the user."""
    return jobs.run(QualityRun, job_id, check).status
