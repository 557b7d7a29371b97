"""Background work of 精准考核, run by the task worker (``jingzhun db_worker``)."""

from django.tasks import task

from jingzhun.core import jobs

from .models import SurveyImportJob


@task()
def run_survey_import(job_id: int) -> str:
    """Import one uploaded ODK Central export into its sample (``services.survey_import``)."""
    from .services import survey_import

    return jobs.run(SurveyImportJob, job_id, survey_import).status
