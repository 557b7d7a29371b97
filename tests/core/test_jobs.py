"""The one job runner: a job's work runs claimed and watched; it ends done, or failed with words for the user;
its progress is on the job while it runs; only a failed job is run again, and only by whom its kind allows."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tasks_db.models import DBTaskResult

from jingzhun.core import jobs
from jingzhun.core.jobs import JobFailed, JobStatus
from jingzhun.imports.models import ImportJob
from jingzhun.reports.models import ReportJob
from tests.conftest import TOWN_A

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(users):
    return jobs.enqueue(ReportJob, user=users["county"], region_id=TOWN_A, kind="township_book", year=2015)


def queued_runs(job) -> int:
    return DBTaskResult.objects.filter(task_path=ReportJob.TASK, args_kwargs__args=[job.pk]).count()


def test_enqueue_creates_the_job_and_queues_its_task(job, users):
    assert (job.status, job.user, job.attempts, job.message) == (JobStatus.QUEUED, users["county"], 0, "")
    assert queued_runs(job) == 1


def test_enqueue_checks_the_job_before_saving_it(users):
    with pytest.raises(ValidationError) as refused:
        jobs.enqueue(ReportJob, user=users["county"], region_id=TOWN_A, kind="no_such_kind", year=2015)
    assert "kind" in refused.value.message_dict
    assert not ReportJob.objects.exists() and not DBTaskResult.objects.exists()


def test_work_that_ends_writes_its_progress_and_the_job_is_done(job):
    seen = []

    def work(running, progress):
        assert running.status == JobStatus.RUNNING and running.worker == jobs.this_worker()
        for done in range(4):
            progress(done, 3)
            seen.append(ReportJob.objects.values_list("done", "total").get(pk=job.pk))

    ran = jobs.run(ReportJob, job.pk, work)
    assert seen == [(0, 3), (1, 3), (2, 3), (3, 3)]  # on the row while it runs: the page polls it
    assert (ran.status, ran.done, ran.total, ran.percent, ran.attempts) == (JobStatus.DONE, 3, 3, 100, 1)
    assert ran.finished_at is not None and ran.message == ""


def test_work_that_raises_ends_failed_with_words_for_the_user_and_the_error_goes_to_the_worker(job):
    def work(running, progress):
        progress(1, 4)
        raise ZeroDivisionError("division by zero in a village")

    with pytest.raises(ZeroDivisionError):  # the worker logs the traceback
        jobs.run(ReportJob, job.pk, work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert job.message == "生成失败（ZeroDivisionError），请稍后重试。"  # the kind's words, not the traceback
    assert (job.done, job.total, job.percent) == (1, 4, 25)


def test_work_that_fails_for_a_reason_says_the_reason(job):
    def work(running, progress):
        raise JobFailed("处理进程被终止（SIGKILL），可以重试。")

    ran = jobs.run(ReportJob, job.pk, work)  # not raised: nothing to log
    assert ran.status == JobStatus.FAILED and ran.message == "处理进程被终止（SIGKILL），可以重试。"


def test_an_outcome_the_work_recorded_itself_is_kept(job):
    def work(running, progress):
        jobs.fail(ReportJob, running.pk, "文件有错误。")

    ran = jobs.run(ReportJob, job.pk, work)
    assert ran.status == JobStatus.FAILED and ran.message == "文件有错误。"


def test_a_job_that_is_not_queued_is_not_run_again(job):
    calls = []
    jobs.run(ReportJob, job.pk, lambda running, progress: calls.append(running.pk))
    again = jobs.run(ReportJob, job.pk, lambda running, progress: calls.append(running.pk))
    assert calls == [job.pk] and again.status == JobStatus.DONE and again.attempts == 1


def test_only_a_failed_job_is_retried_and_only_by_its_requester(job, users):
    jobs.run(ReportJob, job.pk, lambda running, progress: None)
    job.refresh_from_db()
    with pytest.raises(PermissionDenied):  # done: nothing to retry
        jobs.retry(job, user=users["county"])
    ReportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message="生成失败", done=2, total=3)
    job.refresh_from_db()
    with pytest.raises(PermissionDenied, match="只有提交人可以重试"):
        jobs.retry(job, user=users["national"])  # sees it, did not ask for it
    assert jobs.retry(job, user=users["county"]) is True
    job.refresh_from_db()
    assert (job.status, job.message, job.done, job.worker) == (JobStatus.QUEUED, "", 0, "")
    assert job.finished_at is None
    assert queued_runs(job) == 2
    stale = ReportJob.objects.get(pk=job.pk)
    stale.status = JobStatus.FAILED  # a second click, from a page shown before the first
    assert jobs.retry(stale, user=users["county"]) is False and queued_runs(job) == 2
    jobs.run(ReportJob, job.pk, lambda running, progress: None)
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.DONE, 2)


def test_an_import_is_retried_by_its_importer_only_while_allowed_to_import(users, settings, tmp_path):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    job = ImportJob(user=users["county"], region_code="522634000000", original_name="a.csv", status="failed")
    job.file.save("a.csv", ContentFile(b"x"), save=True)
    job.write_progress(1, 2)
    assert job.may_retry(users["county"]) and not job.may_retry(users["town_a"])
    users["county"].role = "viewer"
    with pytest.raises(PermissionDenied, match="只有导入人可以重试"):
        jobs.retry(job, user=users["county"])
    users["county"].role = "operator"
    assert jobs.retry(job, user=users["county"])
    assert not job.progress_path.exists()  # the new run starts from nothing


def test_every_job_model_is_a_kind_reaped_with_the_rest():
    assert {ImportJob, ReportJob} <= set(jobs.kinds())
    assert all(jobs.task_of(kind) for kind in jobs.kinds())
