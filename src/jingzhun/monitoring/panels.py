"""Monitoring on other apps' pages: the household card's panel (its monitoring history and current case) and
the open cases that block a county's year close."""

from __future__ import annotations

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.codes import subtree_range
from jingzhun.core.panels import panel
from jingzhun.core.worklist import WorkItem, capped, work_source
from jingzhun.identification.choices import Stage
from jingzhun.identification.selectors import waiting_at_my_steps
from jingzhun.registry.signals import year_open_items
from jingzhun.registry.yearcycle import OpenItems

from . import selectors
from .choices import PROCEDURE_STATES, ClueStatus
from .models import Case, Clue


@panel("household.card", template="monitoring/_household_panel.html", order=35)
def household_monitoring(request, household) -> dict | None:
    cases = selectors.for_household(user=request.user, household=household)
    periods = list(household.monitoring_periods.order_by("-started_on"))
    may_report = permissions.may(request.user, "report_clue", region=household.region_id)
    if not cases and not periods and not may_report:
        return None
    return {"cases": cases, "periods": periods, "may_report": may_report}


@receiver(year_open_items, dispatch_uid="monitoring-open-items")
def open_in_year(*, county: str, year: int, **_signal) -> list[OpenItems]:
    """Cases of the county still in a procedure (认定 or 风险消除) that began in ``year``, and clues of the year
    not yet accepted or dismissed."""
    within = subtree_range(county)  # a range: the region index serves it in any collation
    cases = Case.objects.filter(
        region__code__range=within, state__in=PROCEDURE_STATES, first_clue_on__year=year
    )
    clues = Clue.objects.filter(region__code__range=within, status=ClueStatus.PENDING, reported_on__year=year)
    per = lambda qs: dict(qs.values_list("region_id").annotate(n=Count("id")).order_by())  # noqa: E731
    return [
        OpenItems(_("未办结的监测对象认定和风险消除"), per(cases), reverse("monitoring:cases")),
        OpenItems(_("未受理的风险线索"), per(clues), reverse("monitoring:clues")),
    ]


def _cases_at_my_step(user) -> list[WorkItem]:
    """Monitoring's procedures (纳入监测, 风险消除) waiting at a step this user's level takes, per step."""
    _mine, rows = waiting_at_my_steps(user=user, monitoring=True)
    cases = reverse("monitoring:cases")
    return [
        WorkItem(
            _("监测对象：%(s)s") % {"s": Stage(r["stage"]).label},
            r["n"],
            f"{cases}?stage={r['stage']}",
            due=_("最早一件自 %(d)s 起等待") % {"d": f"{r['oldest']:%Y-%m-%d}"},
            order=9,
        )
        for r in rows
    ]


@work_source
def monitoring_work(user) -> list[WorkItem]:
    """工作台: clues waiting to be accepted (the township's, within the policy's days), those past that, and
    cases past the 15-day clock (policy data) — each linked to its list."""
    if not permissions.may(user, "view"):
        return []
    today = timezone.localdate()
    items = _cases_at_my_step(user)
    if permissions.may(user, "accept_clue"):
        pending = capped(selectors.clue_list(user=user, status=ClueStatus.PENDING, source=""))
        items.append(WorkItem(_("待受理的风险线索"), pending, f"{reverse('monitoring:clues')}?status=pending",
                              order=8))  # fmt: skip
    late = capped(selectors.late_clues(user=user, today=today))
    items.append(WorkItem(_("逾期未受理的风险线索"), late, reverse("monitoring:home"), due=_("已超过受理时限"),
                          urgent=True, order=7))  # fmt: skip
    cases = capped(selectors.late_cases(user=user, today=today))
    items.append(WorkItem(_("超过认定时限的监测对象"), cases, reverse("monitoring:home"), due=_("自首条线索起已超时限"),
                          urgent=True, order=7))  # fmt: skip
    return items
