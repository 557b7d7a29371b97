"""Who is acting right now: set by the web middleware, by commands and by tasks, read by the audit log.

A context variable (not a thread-local) so that it also holds inside async code and background tasks.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    """The user (or system process) on whose behalf a change is made."""

    user: Any = None
    source: str = "system"
    ip: str | None = None

    @property
    def label(self) -> str:
        if self.user is not None and getattr(self.user, "pk", None):
            return self.user.get_username()
        return self.source


_current: ContextVar[Actor] = ContextVar("jingzhun_actor", default=Actor())  # noqa: B039 (frozen)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(user: Any = None, *, source: str, ip: str | None = None) -> Iterator[Actor]:
    """Attribute every change made inside the block to ``user`` (or to the named system ``source``)."""
    token = _current.set(Actor(user=user, source=source, ip=ip))
    try:
        yield _current.get()
    finally:
        _current.reset(token)
