"""Running a piece of untrusted work in a child process with a memory limit, so that whatever a hostile file
makes a parser do — allocate 512 GiB for a declared sheet range, unpack a compression bomb — ends that child,
never the task worker (which would stop every later job in the queue)."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys

from django.conf import settings


def _limit_memory() -> None:  # runs in the child, before it executes
    limit = settings.JOB_MEMORY_LIMIT_MB * 2**20
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:  # never above a limit the worker itself runs under
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run_command(*args: str) -> subprocess.CompletedProcess:
    """``jingzhun ARGS`` in a child process limited to ``JOB_MEMORY_LIMIT_MB`` of address space."""
    return subprocess.run(
        [sys.executable, "-m", "jingzhun.cli", *args],
        env={**os.environ, "JINGZHUN_CHILD": "1"},
        preexec_fn=_limit_memory if settings.JOB_MEMORY_LIMIT_MB else None,
        capture_output=True,
        text=True,
        check=False,
    )


def describe_death(returncode: int) -> str:
    """Why a child ended, in words for the job's page."""
    if returncode < 0:
        name = signal.Signals(-returncode).name
        return f"处理进程被终止（{name}），多半是文件需要的内存超过上限 {settings.JOB_MEMORY_LIMIT_MB} MB"
    return f"处理进程异常退出（代码 {returncode}）"
