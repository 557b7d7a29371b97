"""工作台: what waits for a user at their own step, each app adding its own kinds of work.

The home page belongs to the registry, but the work is every app's: identification's applications at the
user's step and its lists whose days have run, assistance's households without a cadre and visits overdue,
imports that failed, and the apps to come (monitoring's cases on their 15-day clock, funds' payments). Each app
registers a function ``(user) -> list[WorkItem]`` with ``@work_source`` (imported in its ``AppConfig.ready()``);
``work_for(user)`` asks them all. A source counts with ``capped`` so a national user's page stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

WORK_CAP = 1000  # a source counts up to here; more reads as 「1,000 以上」


@dataclass(frozen=True)
class WorkItem:
    """One kind of work waiting: what it is, how many, the list behind it, and its deadline in words."""

    label: str
    count: int
    url: str
    due: str = ""  # 「最早一件 2026-12-05 到期」, 「3 件已超期」
    urgent: bool = False  # past its deadline: shown first
    order: int = 50

    @property
    def capped(self) -> bool:
        return self.count > WORK_CAP


_sources: dict[str, Callable] = {}


def work_source(func: Callable):
    """Register ``func(user) -> list[WorkItem]`` as a source of the 工作台 (re-registering replaces it)."""
    _sources[f"{func.__module__}.{func.__qualname__}"] = func
    return func


def capped(queryset) -> int:
    """How many rows ``queryset`` holds, counted up to ``WORK_CAP`` + 1."""
    return queryset.order_by()[: WORK_CAP + 1].count()


def work_for(user) -> list[WorkItem]:
    """Every kind of work waiting for ``user`` (empty kinds left out): the overdue first, then by order."""
    items = [item for source in _sources.values() for item in (source(user) or []) if item.count]
    return sorted(items, key=lambda i: (not i.urgent, i.order, i.label))
