"""Long work — imports, registers, and the rollups, snapshots, year closes, early-warning scores and survey
imports to come — as one kind of record (``Job``) run by one runner (``run``).

A job is created by a service (``enqueue``), never by a view; it says who asked for it (``user``; empty: the
system), how far along it is (``done``/``total``), what the user should know when it ends (``message``: a
failure in words, never a traceback), how often it ran (``attempts``), and its status, one of ``JobStatus`` for
every kind of job. The task worker hands its id to ``run``, which claims it, beats its heartbeat, calls the
kind's work, and records the outcome. A failed job may be run again (``retry``) by whoever the kind allows.

Liveness: a job records which process runs it (``worker`` = host:pid) and, while it runs, a heartbeat every
``JOB_HEARTBEAT_SECONDS`` written by a small thread on its own connection. ``reap`` — run when the task worker
starts a task and when a jobs page is read — fails every running job whose process is gone: on this host, the
pid no longer exists; elsewhere, its heartbeat is older than ``JOB_STALE_SECONDS``. A kill -9, a crash or an
out-of-memory kill thus ends as "未完成" with a message, and the job can be retried.

Adding a kind of job (say the year close of ``monitoring``) takes three pieces, all in that app:

1. the model, with only its own fields — every ``Job`` subclass is a kind (``kinds()`` lists them; ``reap_all``
   reaps them all)::

       class YearCloseJob(Job, ScopedModel):
           TASK = "jingzhun.monitoring.tasks.close_year"  # the task that runs it (see 2.)
           region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
           year = models.PositiveSmallIntegerField(_("年度"))
           scope_lookup = "region__code"

           def may_retry(self, user) -> bool:  # optional: by default its requester may retry it
               ...

2. the task, which hands the job to ``run`` with the work: ``work(job, progress)`` does the work and calls
   ``progress(done, total)`` as it goes; raising ``JobFailed("…")`` ends the job failed with that message for
   the user, any other exception ends it failed with ``FAILURE_MESSAGE`` (and the worker logs the traceback)::

       @task()
       def close_year(job_id: int) -> str:
           return jobs.run(YearCloseJob, job_id, _close).status

3. the service that asks for it — ``jobs.enqueue(YearCloseJob, user=user, region=region, year=year)`` — and,
   on its page, ``jobs.reap(YearCloseJob, pk=…)`` where it is polled and ``jobs.retry(job, user=user)`` behind
   its retry button. Then ``jingzhun makemigrations``.

Work that must not take the worker down with it (a hostile file) runs in a child process
(``core.isolation.run_command``) inside the work; the child ``claim``s the job so that its pid is the one
watched, and a child that dies is a ``JobFailed`` with ``isolation.describe_death``'s words.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, connections, models
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

DIED = _("处理进程意外中止（可能被系统终止或内存不足），未完成的部分未保存。可以重试。")


class JobStatus(models.TextChoices):
    """The statuses of every job: queued → running → done or failed; failed → queued again on a retry."""

    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("处理中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("未完成")


class JobFailed(Exception):
    """Work that ends failed for a reason it can say to the user (``str(exc)``): the job records the words and
    the runner returns; there is no traceback to log."""


Progress = Callable[[int, int], None]


def counting(progress: Progress | None, total: int) -> Callable[[int], None]:
    """A step that adds the rows just written to ``progress`` (of ``total``): for writers that go on whether
    or not a job follows them (``progress`` None)."""
    done = 0

    def step(rows: int) -> None:
        nonlocal done
        done += rows
        if progress:
            progress(done, total)

    return step


class Job(models.Model):
    """One piece of long work asked for by a user (or the system) and run by the task worker (abstract: every
    kind of job inherits it and adds only its own fields). The liveness fields (``worker``, ``heartbeat_at``)
    let a job whose process died be failed rather than left running."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("申请人")
    )  # empty: asked for by the system (a command without --user, a schedule)
    status = models.CharField(_("状态"), max_length=8, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    total = models.PositiveIntegerField(_("总数"), default=0)
    message = models.TextField(_("说明"), blank=True)  # for the user: a failure in words, never a traceback
    attempts = models.PositiveSmallIntegerField(_("运行次数"), default=0, editable=False)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    worker = models.CharField(_("处理进程"), max_length=100, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, editable=False)

    TASK: str = ""  # dotted path of the task that runs this kind (``enqueue``, ``retry``)
    FAILURE_MESSAGE = _("处理失败（%(error)s），请稍后重试。")  # an unexpected exception, for the user
    RETRY_REFUSED = _("只有提交人可以重试未完成的任务。")
    RUNNING_STATUSES: tuple[str, ...] = (JobStatus.RUNNING,)
    STARTED_FIELD = "created_at"

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    # progress: on the row by default; a kind whose work holds a long transaction may keep it elsewhere
    def write_progress(self, done: int, total: int) -> None:
        type(self).objects.filter(pk=self.pk).update(done=done, total=total)
        self.done, self.total = done, total

    def read_progress(self) -> tuple[int, int]:
        return self.done, self.total

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        done, total = self.read_progress()
        return int(done * 100 / total) if total else 0

    @property
    def is_active(self) -> bool:
        """Queued or running: its page keeps polling."""
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    def may_retry(self, user) -> bool:
        """May ``user`` run this job again? Only a failed job, by default only by its requester."""
        return self.status == JobStatus.FAILED and self.user_id is not None and self.user_id == user.pk

    def before_retry(self) -> None:
        """Clear what the failed run left behind (called once the job is queued again)."""


def kinds() -> list[type[Job]]:
    """Every kind of job (the concrete ``Job`` models)."""
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, Job)]


def task_of(model: type[Job]):
    if not model.TASK:
        raise LookupError(f"{model._meta.label} names no TASK")
    return import_string(model.TASK)


def enqueue(model: type[Job], *, user, **fields) -> Job:
    """Create a job of ``model`` asked for by ``user`` (None: the system) and queue its task."""
    job = model(user=user, **fields)
    # a file's stored name is made by its upload_to when saved: the name it came with is not checked here
    job.full_clean(exclude=[f.name for f in model._meta.fields if isinstance(f, models.FileField)])
    job.save()
    task_of(model).enqueue(job.pk)
    return job


def retry(job: Job, *, user) -> bool:
    """Queue a failed ``job`` again, if ``user`` may (``may_retry``; else PermissionDenied with the kind's
    ``RETRY_REFUSED``). Returns False when another click had already queued it."""
    if not job.may_retry(user):
        raise PermissionDenied(str(job.RETRY_REFUSED))
    model = type(job)
    requeued = model.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.QUEUED, message="", done=0, worker="", heartbeat_at=None, finished_at=None
    )
    if not requeued:
        return False
    job.refresh_from_db()
    job.before_retry()
    task_of(model).enqueue(job.pk)
    return True


def fail(model: type[Job], pk: int, message: str) -> bool:
    """Record that job ``pk`` failed, with ``message`` for the user — unless it has already ended (its work, or
    ``reap``, said so first). Returns whether it was recorded."""
    return bool(
        model.objects.filter(pk=pk, status__in=(JobStatus.QUEUED, JobStatus.RUNNING)).update(
            status=JobStatus.FAILED, message=str(message), finished_at=timezone.now()
        )
    )


def run(model: type[Job], pk: int, work: Callable[[Job, Progress], object]) -> Job:
    """Run queued job ``pk``: claim it, beat while ``work(job, progress)`` runs, and record how it ended.

    Done when the work returns (unless the work recorded another outcome itself); failed with the ``JobFailed``
    message, or with the kind's ``FAILURE_MESSAGE`` for any other exception, which is raised again for the
    worker to log. A job that is not queued (run already, by a task queued twice) is left as it is."""
    if not model.objects.filter(pk=pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        worker=this_worker(),
        heartbeat_at=timezone.now(),
        attempts=F("attempts") + 1,
    ):
        logger.warning("job %s #%s is not queued; not run", model._meta.label, pk)
        return model.objects.get(pk=pk)
    job = model.objects.get(pk=pk)
    try:
        with heartbeat(model, pk):
            work(job, job.write_progress)
    except JobFailed as exc:
        fail(model, pk, str(exc))
    except Exception as exc:  # the user reads the words; the worker logs the traceback
        fail(model, pk, str(model.FAILURE_MESSAGE) % {"error": type(exc).__name__})
        raise
    else:
        model.objects.filter(pk=pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE, done=F("total"), finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def _pid_namespace() -> str:
    """Containers may share a host name but not their pids: the pid namespace tells them apart."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def this_worker() -> str:
    return f"{socket.gethostname()}:{_pid_namespace()}:{os.getpid()}"


def claim(model: type[Job], pk: int, **fields) -> None:
    """Mark job ``pk`` as run by this process, now (with ``fields``): a child process doing a job's work takes
    it over, so that its own pid is the one watched."""
    model.objects.filter(pk=pk).update(worker=this_worker(), heartbeat_at=timezone.now(), **fields)


@contextlib.contextmanager
def heartbeat(model: type[Job], pk: int):
    """Beat for job ``pk`` while the block runs. The beat never disturbs the job: a failed write (a database
    busy with the job's own transaction) is skipped; the pid still tells this host that the job lives."""
    if (
        connection.vendor == "sqlite"
    ):  # one host by nature (a file): the pid tells; a beat would wait on locks
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.JOB_HEARTBEAT_SECONDS):
                with contextlib.suppress(Exception):
                    model.objects.filter(pk=pk).update(heartbeat_at=timezone.now())
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{model._meta.model_name}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, another user's
    return True


def is_dead(worker: str, heartbeat_at: dt.datetime | None, started: dt.datetime | None) -> bool:
    """Has the process of a running job gone?"""
    host, _sep, pid = worker.rpartition(":")
    if host == f"{socket.gethostname()}:{_pid_namespace()}" and pid.isdigit():
        return not _pid_alive(int(pid))
    seen = heartbeat_at or started
    return seen is None or timezone.now() - seen > dt.timedelta(seconds=settings.JOB_STALE_SECONDS)


def reap(model: type[Job], **among) -> int:
    """Fail the running jobs of ``model`` (those matching ``among``: a polled page reaps only its own) whose
    process has gone; returns how many."""
    running = model.objects.filter(status__in=model.RUNNING_STATUSES, **among)
    dead = [
        pk
        for pk, worker, beat, started in running.values_list(
            "pk", "worker", "heartbeat_at", model.STARTED_FIELD
        )
        if is_dead(worker, beat, started)
    ]
    if dead:
        running.filter(pk__in=dead).update(
            status=JobStatus.FAILED, message=str(DIED), heartbeat_at=None, finished_at=timezone.now()
        )
    return len(dead)


def reap_all(**_signal) -> int:
    """``reap`` every kind of job (connected to the task worker's ``task_started``)."""
    return sum(reap(m) for m in kinds())
