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
    """The user (or system process) on whose behalf a change is made.

    For web requests the user is read from the request when needed, not when the request arrives: the API
    authenticates tokens inside the view (DRF copies the user onto the request), after middleware has run.
    """

    given_user: Any = None
    source: str = "system"
    ip: str | None = None
    request: Any = None

    @property
    def user(self) -> Any:
        if self.request is not None:
            user = getattr(self.request, "user", None)
            return user if user is not None and user.is_authenticated else None
        return self.given_user

    @property
    def label(self) -> str:
        if self.user is not None and getattr(self.user, "pk", None):
            return self.user.get_username()
        return self.source


_current: ContextVar[Actor] = ContextVar("jingzhun_actor", default=Actor())  # noqa: B039 (frozen)
# Audit entries of reads made inside a write that may yet be rolled back (``core.audit.record_read``), saved
# when the acting block ends — after the transaction, whatever became of it.
_pending: ContextVar[list | None] = ContextVar("jingzhun_pending_reads", default=None)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(
    user: Any = None, *, source: str, ip: str | None = None, request: Any = None
) -> Iterator[Actor]:
    """Attribute every change made inside the block to ``user`` (or to the named system ``source``)."""
    token = _current.set(Actor(given_user=user, source=source, ip=ip, request=request))
    pending = _pending.set([])
    try:
        yield _current.get()
    finally:
        entries = _pending.get()
        _pending.reset(pending)
        _current.reset(token)
        for entry in entries or []:
            entry.save()


def pending_reads() -> list | None:
    """Where ``core.audit.record_read`` keeps entries until the acting block ends (None outside one)."""
    return _pending.get()
