"""What projects answers for the apps above it through ``core.panels.provide``: the project side of 资金成效 that
精准考核 scores (assessment asks by name and shows 暂无数据 where no app answers, so it never reads projects'
tables itself)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, Q
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils import timezone

from jingzhun.core.panels import provide
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household

from .choices import Stage
from .models import Project, ProjectBeneficiary

# a project the library dropped (退回, 调出) is not one the county was to build
DROPPED = (Stage.REJECTED, Stage.WITHDRAWN, Stage.DRAFT)
# 建档立卡户: the households a project 带贫 counts
REGISTERED = (HouseholdStatus.REGISTERED, HouseholdStatus.EXITED, HouseholdStatus.RETURNED)


def _county(field: str):
    return Substr(field, 1, 6)


@provide("county.projects_performance")
def projects_performance(*, counties: list[str], year: int) -> dict[str, dict]:
    """Per county with projects of ``year``, three figures as (numerator, denominator):

    - ``on_time``: projects due (planned completion ``ends_on`` passed, by the year's end at the latest) accepted
      (验收) by their planned completion date;
    - ``transferred``: accepted projects whose assets were handed over (资产已移交);
    - ``benefit``: the county's 建档立卡 households benefiting from a project of the year (带贫), of all of them.

    Grouped queries over all counties at once (the county is the first six digits of a region code)."""
    prefixes = {c[:6]: c for c in counties}
    cutoff = min(timezone.localdate(), dt.date(year, 12, 31))
    projects = (
        Project.objects.filter(year=year)
        .exclude(stage__in=DROPPED)
        .annotate(county=_county("region_id"))
        .filter(county__in=prefixes)
        .values("county")
        .order_by()
        .annotate(
            due=Count("pk", filter=Q(ends_on__lte=cutoff)),
            on_time=Count("pk", filter=Q(ends_on__lte=cutoff, accepted_on__lte=F("ends_on"))),
            accepted=Count("pk", filter=Q(accepted_on__isnull=False)),
            transferred=Count("pk", filter=Q(accepted_on__isnull=False, stage=Stage.TRANSFERRED)),
        )
    )
    benefiting = dict(
        ProjectBeneficiary.objects.filter(project__year=year, household__status__in=REGISTERED)
        .exclude(project__stage__in=DROPPED)
        .annotate(county=_county("household__region_id"))
        .filter(county__in=prefixes)
        .values("county")
        .order_by()
        .annotate(n=Count("household_id", distinct=True))
        .values_list("county", "n")
    )
    registered = dict(
        Household.objects.filter(status__in=REGISTERED)
        .annotate(county=_county("region_id"))
        .filter(county__in=prefixes)
        .values("county")
        .order_by()
        .annotate(n=Count("pk"))
        .values_list("county", "n")
    )
    url = reverse("projects:list")
    out = {}
    for row in projects:
        county = prefixes[row["county"]]
        out[county] = {
            "on_time": (row["on_time"], row["due"]),
            "transferred": (row["transferred"], row["accepted"]),
            "benefit": (benefiting.get(row["county"], 0), registered.get(row["county"], 0)),
            "url": url + f"?region={county}&year={year}",
        }
    return out
