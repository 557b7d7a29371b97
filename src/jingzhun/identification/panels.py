"""What identification adds to other apps' pages (``core.panels``): on the household card, its applications
and the 「发起识别申请」 button for whoever may apply for it; and to the county's yearly cycle, what it still has
open (``registry.signals.year_open_items``)."""

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jingzhun.core.codes import subtree_range
from jingzhun.core.panels import panel
from jingzhun.core.params import chosen_year
from jingzhun.regions.choices import RegionLevel
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.selectors import latest_data_year
from jingzhun.registry.signals import year_open_items
from jingzhun.registry.yearcycle import OpenItems, per_village

from .choices import KIND_PROCEDURE, ApplicationKind, ObjectionStatus, Procedure
from .models import Application, Objection, VillageYear
from .selectors import exit_check, exit_year_of, household_can_apply
from .village_selectors import OPEN_EXIT_STAGES, poor_village_count, village_row

# the year cycle's lines for unfinished applications, one per procedure, each linked to its filtered list
OPEN_LABELS = {
    Procedure.IDENTIFICATION: (_lazy("未办结的识别申请"), ""),
    Procedure.EXIT: (_lazy("未办结的退出申请"), ApplicationKind.EXIT),
    Procedure.RETURN: (_lazy("未办结的返贫申请"), ApplicationKind.RETURN),
}


@panel("household.card", template="identification/_household_panel.html", order=20)
def household_applications(request, household) -> dict:
    user = request.user
    return {
        "can_apply": household_can_apply(household, user),
        "can_exit": household_can_apply(household, user, ApplicationKind.EXIT),
        "can_return": household_can_apply(household, user, ApplicationKind.RETURN),
        "applications": household.applications.order_by("-id")[:5],
    }


@panel("household.card", template="identification/_exit_panel.html", order=35)
def household_exit(request, household) -> dict | None:
    """脱贫退出标准比对: for a household of the registry (在册 or 返贫), the exit rule on its record, every reason
    shown — what a village looks at before proposing an exit, and what the county sees before its 公告."""
    if household.status not in (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED):
        return None
    return {"check": exit_check(household, year=exit_year_of(household))}


def _summed(*counts: dict[str, int]) -> dict[str, int]:
    total: dict[str, int] = {}
    for c in counts:
        for code, n in c.items():
            total[code] = total.get(code, 0) + n
    return total


@receiver(year_open_items, dispatch_uid="identification-open-items")
def open_in_year(*, county: str, year: int, **_signal) -> list[OpenItems]:
    """What identification still has open in a county's year: applications of that year not yet announced or
    rejected — identification's, exits and returns counted apart — objections not yet decided (they hold
    their households), and villages whose exit of that year is under way."""
    within = subtree_range(county)
    rows = (
        Application.objects.filter(region__code__range=within, year=year)
        .open()
        .values("kind", "region_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_procedure: dict[str, dict[str, int]] = {p: {} for p in OPEN_LABELS}
    for r in rows:
        counts = per_procedure[KIND_PROCEDURE[r["kind"]]]
        counts[r["region_id"]] = counts.get(r["region_id"], 0) + r["n"]
    objections = Objection.objects.filter(
        region__code__range=within, status=ObjectionStatus.OPEN, entry__publicity__year=year
    )
    listing = reverse("identification:list")
    return [
        *(
            OpenItems(str(label), per_procedure[p], f"{listing}?kind={kind}" if kind else listing)
            for p, (label, kind) in OPEN_LABELS.items()
        ),
        OpenItems(
            _("未处理的异议"),
            # an objection to a village on a township's 贫困村退出 list counts under that village
            _summed(
                per_village(objections.filter(entry__village_year__isnull=True)),
                per_village(objections.filter(entry__village_year__isnull=False), "entry__village_year__region_id"),
            ),
            reverse("identification:objections"),
        ),
        OpenItems(
            _("未办结的贫困村退出"),
            per_village(VillageYear.objects.filter(
                region__code__range=within, year=year, exit_stage__in=OPEN_EXIT_STAGES
            )),
            reverse("identification:villages", kwargs={"code": county}) + f"?year={year}",
        ),
    ]  # fmt: skip


@panel("region.page", template="identification/_region_villages.html", order=15)
def region_villages(request, region) -> dict | None:
    """贫困村 of the year on the region page: a village's status and verdicts; a county's or township's count of
    poor villages, with a way to its villages' page."""
    if region is None or region.level < RegionLevel.COUNTY:
        return None
    year = chosen_year(request, lambda: latest_data_year(user=request.user, region=region))
    if region.level == RegionLevel.VILLAGE:
        return {"year": year, "row": village_row(region, year=year), "village": True}
    return {"year": year, "count": poor_village_count(region, year), "region": region}
