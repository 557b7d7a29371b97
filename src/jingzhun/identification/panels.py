"""What identification adds to other apps' pages (``core.panels``): on the household card, its applications
and the 「发起识别申请」 button for whoever may apply for it; and to the county's yearly cycle, what it still has
open (``registry.signals.year_open_items``)."""

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts import permissions
from jingzhun.core.codes import subtree_range
from jingzhun.core.panels import panel, provide
from jingzhun.core.params import chosen_year
from jingzhun.core.worklist import WorkItem, capped, work_source
from jingzhun.regions.choices import RegionLevel
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.selectors import latest_data_year
from jingzhun.registry.signals import year_open_items
from jingzhun.registry.yearcycle import OpenItems, per_village

from . import rules
from .choices import (
    FOREIGN_KINDS,
    KIND_PROCEDURE,
    ApplicationKind,
    ObjectionStatus,
    Procedure,
    Stage,
)
from .models import Application, Objection, Publicity, VillageYear
from .selectors import (
    exit_check,
    exit_year_of,
    household_can_apply,
    overdue_applications,
    waiting_at_my_steps,
)
from .village_selectors import OPEN_EXIT_STAGES, exited_village_count, poor_village_count, village_row

# the year cycle's lines for unfinished applications, one per procedure, each linked to its filtered list
OPEN_LABELS = {
    Procedure.IDENTIFICATION: (gettext_lazy("未办结的识别申请"), ""),
    Procedure.EXIT: (gettext_lazy("未办结的退出申请"), ApplicationKind.EXIT),
    Procedure.RETURN: (gettext_lazy("未办结的返贫申请"), ApplicationKind.RETURN),
}


@panel("household.card", template="identification/_household_panel.html", order=20)
def household_applications(request, household) -> dict:
    user = request.user
    return {
        "can_apply": household_can_apply(household, user),
        "can_exit": household_can_apply(household, user, ApplicationKind.EXIT),
        "can_return": household_can_apply(household, user, ApplicationKind.RETURN),
        # monitoring's procedures are on its own panel
        "applications": household.applications.exclude(kind__in=FOREIGN_KINDS).order_by("-id")[:5],
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
        if KIND_PROCEDURE[r["kind"]] not in per_procedure:
            continue  # a procedure of another app (monitoring) answers for its own open cases
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


@provide("village.exited_count")
def villages_exited(*, lo: str, hi: str, year: int) -> int:
    """For the registry's 减贫计划 (below identification): the villages of the code range that exited in
    ``year``."""
    return exited_village_count(lo=lo, hi=hi, year=year)


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


def _stage_item(row: dict, late: int, url: str) -> WorkItem:
    """One stage's work: how many wait there and either how many are past their deadline or since when."""
    if late:
        due = _("%(n)d 件已超期") % {"n": late}
    else:
        due = _("最早一件自 %(d)s 起等待") % {"d": f"{row['oldest']:%Y-%m-%d}"}
    return WorkItem(str(Stage(row["stage"]).label), row["n"], url, due=due, urgent=bool(late), order=10)


def _may_close(user, publicity: Publicity) -> bool:
    rule = rules.PROCEDURES.get(publicity.procedure, None)
    rule = rule.rounds.get(publicity.round) if rule else None
    return rule is not None and permissions.may(
        user, "take_step", level=rule.level, region=publicity.region_id
    )


@work_source
def waiting_at_my_step(user) -> list[WorkItem]:
    """工作台: applications at a stage this user's level decides (what each waits for, how many, how many past
    their step's deadline, the oldest's date), lists whose days have run and wait to be closed, and undecided
    objections where this user decides them. Three grouped queries."""
    if not permissions.may(user, "view"):
        return []
    mine, rows = waiting_at_my_steps(user=user)
    late = dict(
        overdue_applications(user=user).filter(stage__in=mine).exclude(kind__in=FOREIGN_KINDS).order_by().values("stage").annotate(n=Count("id"))
        .values_list("stage", "n")
    )  # fmt: skip
    listing = reverse("identification:list")
    items = [_stage_item(r, late.get(r["stage"], 0), f"{listing}?stage={r['stage']}") for r in rows]
    today = timezone.localdate()
    ended = Publicity.objects.for_user(user).filter(closed_on__isnull=True, last_day__lt=today)
    ended = [p for p in ended[:200] if _may_close(user, p)]
    if ended:
        first = min(p.last_day for p in ended)
        items.append(WorkItem(_("公示（公告）期已满、待结束的名单"), len(ended), reverse("identification:publicity_list"),
                              due=_("最早一份 %(d)s 期满") % {"d": f"{first:%Y-%m-%d}"}, order=5))  # fmt: skip
    if permissions.may(user, "take_step", level=rules.OBJECTION_LEVEL):
        objections = Objection.objects.for_user(user).filter(status=ObjectionStatus.OPEN)
        items.append(
            WorkItem(_("待处理的异议"), capped(objections), reverse("identification:objections"), order=6)
        )
    return items


@panel("household.list.actions", template="identification/_bulk_apply.html", order=10)
def bulk_apply(request, _obj) -> dict | None:
    """On the household list: 「发起识别申请」 for the households ticked, to the village's own operator."""
    return {} if permissions.may(request.user, "take_step", level=RegionLevel.VILLAGE) else None
