"""Liveness of background jobs (imports, registers): a job whose process died is failed, not left running.

A job records which process runs it (``worker`` = host:pid) and, while it runs, a heartbeat every
``JOB_HEARTBEAT_SECONDS`` written by a small thread on its own connection. ``reap`` — run when the task worker
starts a task and when a jobs page is read — fails every running job whose process is gone: on this host, the
pid no longer exists; elsewhere, its heartbeat is older than ``JOB_STALE_SECONDS``. A kill -9, a crash or an
out-of-memory kill thus ends as "未完成" with a message, and the job can be retried.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading

from django.conf import settings
from django.db import connection, connections, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DIED = _("处理进程意外中止（可能被系统终止或内存不足），未完成的部分未保存。可以重试。")


class JobLiveness(models.Model):
    """Who runs a job and when it was last seen alive (abstract: every job model carries it). A subclass names
    its running statuses, its failed status and when it was created, for ``reap``."""

    worker = models.CharField(_("处理进程"), max_length=100, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, editable=False)

    RUNNING_STATUSES: tuple[str, ...] = ("running",)
    FAILED_STATUS = "failed"
    STARTED_FIELD = "created_at"

    class Meta:
        abstract = True


def _pid_namespace() -> str:
    """Containers may share a host name but not their pids: the pid namespace tells them apart."""
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "-"


def this_worker() -> str:
    return f"{socket.gethostname()}:{_pid_namespace()}:{os.getpid()}"


def claim(model: type[models.Model], pk: int, **fields) -> None:
    """Mark job ``pk`` as run by this process, now (with ``fields``, e.g. its running status)."""
    model.objects.filter(pk=pk).update(worker=this_worker(), heartbeat_at=timezone.now(), **fields)


@contextlib.contextmanager
def heartbeat(model: type[models.Model], pk: int):
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


def reap(model: type[JobLiveness], **among) -> int:
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
            status=model.FAILED_STATUS, message=str(DIED), heartbeat_at=None, finished_at=timezone.now()
        )
    return len(dead)


def reap_all(**_signal) -> int:
    """``reap`` every job model (connected to the task worker's ``task_started``)."""
    from django.apps import apps

    return sum(reap(m) for m in apps.get_models() if issubclass(m, JobLiveness))
