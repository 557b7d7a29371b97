"""Running a piece of untrusted work in a child process with a memory limit, so that whatever a hostile file
makes a parser do — allocate 512 GiB for a declared sheet range, unpack a compression bomb — ends that child,
never the task worker (which would stop every later job in the queue)."""

from __future__ import annotations

import logging
import os
import resource
import signal
import subprocess
import sys

from django.conf import settings

log = logging.getLogger(__name__)

TIMED_OUT = -(2**16)  # not a signal or an exit status: the child ran past its time


def _limit_memory() -> None:  # runs in the child, before it executes
    limit = settings.JOB_MEMORY_LIMIT_MB * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # never above a limit the worker itself runs under
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_command(*args: str) -> subprocess.CompletedProcess:
    """``jingzhun ARGS`` in a child process limited to ``JOB_MEMORY_LIMIT_MB`` of address space and
    ``JOB_TIMEOUT_SECONDS`` of wall time; a failure's output goes to the log (the job's page says why in words)."""
    try:
        done = subprocess.run(
            [sys.executable, "-m", "jingzhun.cli", *args],
            env={**os.environ, "JINGZHUN_CHILD": "1"},
            preexec_fn=_limit_memory if settings.JOB_MEMORY_LIMIT_MB else None,
            capture_output=True,
            text=True,
            check=False,
            timeout=settings.JOB_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired as exc:
        log.error("jingzhun %s: no answer after %s s", " ".join(args), exc.timeout)
        return subprocess.CompletedProcess(exc.cmd, TIMED_OUT, "", "")
    if done.returncode:
        log.error("jingzhun %s ended with %s:\n%s", " ".join(args), done.returncode, done.stderr[-5000:])
    return done


def describe_death(returncode: int) -> str:
    """Why a child ended, in words for the job's page."""
    if returncode == TIMED_OUT:
        return f"处理时间超过上限 {settings.JOB_TIMEOUT_SECONDS // 60} 分钟，已中止"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"处理进程被终止（{name}），多半是文件需要的内存超过上限 {settings.JOB_MEMORY_LIMIT_MB} MB"
    return f"处理进程异常退出（代码 {returncode}）"
