"""What identification adds to other apps' pages (``core.panels``): on the household card, its applications
and the 「发起识别申请」 button for whoever may apply for it; and to the county's yearly cycle, what it still has
open (``registry.signals.year_open_items``)."""

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.core.panels import panel
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.signals import year_open_items
from jingzhun.registry.yearcycle import OpenItems

from .choices import ObjectionStatus
from .models import Application, Objection
from .selectors import exit_check, exit_year_of, household_can_apply


@panel("household.card", template="identification/_household_panel.html", order=20)
def household_applications(request, household) -> dict:
    return {
        "can_apply": household_can_apply(household, request.user),
        "applications": household.applications.order_by("-id")[:5],
    }


@panel("household.card", template="identification/_exit_panel.html", order=35)
def household_exit(request, household) -> dict | None:
    """脱贫退出标准比对: for a household of the registry (在册 or 返贫), the exit rule on its record, every reason
    shown — what a village looks at before proposing an exit, and what the county sees before its 公告."""
    if household.status not in (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED):
        return None
    return {"check": exit_check(household, year=exit_year_of(household))}


@receiver(year_open_items, dispatch_uid="identification-open-items")
def open_in_year(*, county: str, year: int, **_signal) -> list[OpenItems]:
    """What identification still has open in a county's year: applications of that year not yet announced or
    rejected, and objections not yet decided (they hold their households)."""
    prefix = county[:6]
    applications = (
        Application.objects.filter(region__code__startswith=prefix, year=year)
        .open()
        .values("region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    objections = (
        Objection.objects.filter(
            region__code__startswith=prefix, status=ObjectionStatus.OPEN, entry__publicity__year=year
        )
        .values("region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [
        OpenItems(_("未办结的识别申请"), {r["region_id"]: r["n"] for r in applications},
                  reverse("identification:list")),
        OpenItems(_("未处理的异议"), {r["region_id"]: r["n"] for r in objections},
                  reverse("identification:objections")),
    ]  # fmt: skip
