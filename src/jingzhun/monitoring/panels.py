"""Monitoring on other apps' pages: the household card's panel (its monitoring history and current case) and
the open cases that block a county's year close."""

from __future__ import annotations

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.panels import panel
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
    prefix = county[:6]
    cases = Case.objects.filter(
        region__code__startswith=prefix, state__in=PROCEDURE_STATES, first_clue_on__year=year
    )
    clues = Clue.objects.filter(
        region__code__startswith=prefix, status=ClueStatus.PENDING, reported_on__year=year
    )
    per = lambda qs: dict(qs.values_list("region_id").annotate(n=Count("id")).order_by())  # noqa: E731
    return [
        OpenItems(_("未办结的监测对象认定和风险消除"), per(cases), reverse("monitoring:cases")),
        OpenItems(_("未受理的风险线索"), per(clues), reverse("monitoring:clues")),
    ]
