"""Reads of identification: policy data, the rules' verdict on a household, lists and queues (all scoped)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import policy
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import subtree_range
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.members import pending_members

from . import rules
from .choices import (
    FOREIGN_KINDS,
    FOREIGN_PROCEDURES,
    KIND_PROCEDURE,
    LIST_TITLES,
    PUBLICITY_STAGES,
    ApplicationKind,
    ObjectionStatus,
    Procedure,
    Round,
    Stage,
    StepKind,
)
from .models import (
    Application,
    CrossCheckFlag,
    DeptList,
    Objection,
    PovertyLine,
    ProcedurePolicy,
    PublicityEntry,
)


def poverty_line(*, year: int, region_code: str) -> PovertyLine | None:
    """The line that applies to a household of ``region_code`` in ``year``: its province's own line where the
    province has set one above the national line, else the national line; None when neither is recorded (a
    line is the line of its year: never carried forward)."""
    return policy.in_force(
        PovertyLine, region_code=region_code, year=year, carry_forward=False,
        prefer=lambda own, nation: own if Decimal(own.amount) > Decimal(nation.amount) else nation,
    )  # fmt: skip


def procedure_policy(*, year: int, region_code: str) -> ProcedurePolicy:
    """The province's own parameters for ``year``, else the national ones, else the defaults (unsaved)."""
    return policy.in_force(
        ProcedurePolicy, region_code=region_code, year=year, carry_forward=False, defaults=True
    )


def household_verdict(application, *, on=None) -> rules.Verdict | None:
    """The rules' verdict on the household's record for the application's year (None without a line)."""
    return verdict_for(application.household, year=application.year, on=on)


def verdict_for(household, *, year: int, on=None) -> rules.Verdict | None:
    """The rules' verdict on ``household`` against ``year``'s line, judged on its record of that year (or its
    latest); None when no line is recorded for the year."""
    on = on or timezone.localdate()
    line = poverty_line(year=year, region_code=household.region_id)
    if line is None:
        return None
    record = household.years.filter(year=year).first() or household.years.order_by("-year").first()
    return rules.identification_verdict(
        per_capita_net=record.per_capita_net if record else None,
        line=line.amount,
        members=list(household.members.filter(is_active=True)),
        year=record,
        on=on,
        gaps_qualify=procedure_policy(year=year, region_code=household.region_id).gaps_qualify,
    )


@dataclass(frozen=True)
class ExitCheck:
    """The exit rule on one household for ``year``: the line compared with and the verdict (None without a line)."""

    year: int
    line: PovertyLine | None
    verdict: rules.ExitVerdict | None


def exit_check(household, *, year: int, on=None) -> ExitCheck:
    """The exit rule (``rules.exit_verdict``) on ``household``'s record *of* ``year`` — never an older year's
    income: an exit answers for the year it counts in."""
    line = poverty_line(year=year, region_code=household.region_id)
    if line is None:
        return ExitCheck(year, None, None)
    record = household.years.filter(year=year).first()
    verdict = rules.exit_verdict(
        per_capita_net=record.per_capita_net if record else None,
        line=line.amount,
        members=list(household.members.filter(is_active=True)),
        year=record,
        on=on or timezone.localdate(),
    )
    return ExitCheck(year, line, verdict)


def exit_year_of(household) -> int:
    """The year the card judges an exit for: that of an open exit application, else the household's latest
    yearly record, else this year."""
    open_exit = household.applications.open().filter(kind=ApplicationKind.EXIT).first()
    if open_exit is not None:
        return open_exit.year
    latest = household.years.order_by("-year").values_list("year", flat=True).first()
    return latest or timezone.localdate().year


def exit_blockers(application) -> list[str]:
    """What refuses an exit whatever the rule says: an objection not yet decided against the household, or a
    member waiting in a transfer to another county (the household that exits must be the one verified)."""
    problems = []
    held = Objection.objects.filter(entry__application=application, status=ObjectionStatus.OPEN).count()
    if held:
        problems.append(_("该户有 %(n)d 条异议尚未处理，处理完毕前不能退出。") % {"n": held})
    members = list(application.household.members.filter(is_active=True))
    for pk, transfer in pending_members(members).items():
        name = next(m.name for m in members if m.pk == pk)
        problems.append(
            _("家庭成员 %(n)s 有迁往%(c)s的迁移申请尚未办结，人口变动办结前不能退出。")
            % {"n": name, "c": transfer.to_county.name}
        )
    return problems


def exit_override(application) -> str:
    """The county's 审定 reason for this passage of an exit (recorded since it last reached 待公告), or ''."""
    steps = list(application.steps.order_by("id").values_list("kind", "stage_after", "details"))
    reached = max(
        (
            i
            for i, (kind, after, _d) in enumerate(steps)
            if after == Stage.COUNTY_APPROVED and kind != StepKind.OVERRIDE
        ),
        default=None,
    )
    if reached is None:
        return ""
    overrides = [d.get("override", "") for kind, _a, d in steps[reached + 1 :] if kind == StepKind.OVERRIDE]
    return overrides[-1] if overrides else ""


def application_list(*, user, stage: str = "", q: str = "", region=None, kind: str = ""):
    """Applications ``user`` may see, newest stage first within region order (keyset-paginated by views)."""
    qs = Application.objects.for_user(user).select_related("household", "region")
    if not kind:  # monitoring's cases are worked on monitoring's pages
        qs = qs.exclude(kind__in=FOREIGN_KINDS)
    if region is not None:
        qs = qs.in_region(region)
    if stage:
        qs = qs.filter(stage=stage)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(household__head_name__contains=q)
    return qs


def stage_counts(*, user) -> dict[str, int]:
    rows = (
        Application.objects.for_user(user)
        .exclude(kind__in=FOREIGN_KINDS)
        .values("stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["stage"]: row["n"] for row in rows}


def kinds_of(procedure: str) -> list[str]:
    """The application kinds that follow ``procedure`` (纳入 and 清退 share identification's lists)."""
    return [k for k, p in KIND_PROCEDURE.items() if p == procedure]


def list_candidates(*, user, village, round: str, procedure: str = Procedure.IDENTIFICATION):
    """Applications of ``village`` waiting to be put on a list of ``round`` of ``procedure``."""
    rule = rules.PROCEDURES[procedure].rounds.get(round)
    if rule is None:
        return Application.objects.none()
    return (
        Application.objects.for_user(user, "change")
        .filter(region=village, stage=rule.source, kind__in=kinds_of(procedure))
        .select_related("household")
        .order_by("id")
    )


def round_for(user, procedure: str = Procedure.IDENTIFICATION) -> str | None:
    """The list a user opens in ``procedure``: in identification the village the first 公示, the township the
    second, the county the 公告; in an exit the village its 公示 and the county the 公告."""
    return next(
        (
            r
            for r, rule in rules.PROCEDURES[procedure].rounds.items()
            if permissions.may(user, "take_step", level=rule.level)
        ),
        None,
    )


def rounds_for(user) -> list[tuple[str, str, str]]:
    """(procedure, round, title) of every list ``user`` may open, for the 「发起公示/公告」 buttons."""
    out = []
    for procedure in Procedure.values:
        if procedure in FOREIGN_PROCEDURES:
            continue
        round = round_for(user, procedure)
        if round is not None:
            out.append((procedure, round, str(LIST_TITLES.get((procedure, round), Round(round).label))))
    return out


@dataclass(frozen=True)
class Overdue:
    township: str
    name: str
    count: int
    oldest_days: int


def overdue_applications(*, user, today=None):
    """Applications past their step deadline (each stage is due ``step_days`` after it began, a 公示 stage
    ``publicity_days`` later still), per the policy of their province and year. One set-based query per policy
    in force, so the cost is an index range scan on (stage, region) whatever the size of the registry."""
    today = today or timezone.localdate()
    base = Application.objects.for_user(user).open().exclude(kind__in=FOREIGN_KINDS)  # monitoring: own clock
    condition = Q()
    for year, province in base.values_list("year", Substr("region_id", 1, 2)).distinct().order_by():
        policy = procedure_policy(year=year, region_code=province.ljust(12, "0"))
        plain = today - dt.timedelta(days=policy.step_days)
        listed = plain - dt.timedelta(days=policy.publicity_days)
        scope = Q(year=year, region__code__range=subtree_range(province.ljust(12, "0")))
        condition |= scope & (
            Q(stage__in=PUBLICITY_STAGES, stage_since__lt=listed)
            | (~Q(stage__in=PUBLICITY_STAGES) & Q(stage_since__lt=plain))
        )
    if not condition:
        return base.none()
    return base.filter(condition).select_related("household", "region").order_by("stage_since", "id")


def overdue_by_township(*, user, today=None) -> list[Overdue]:
    today = today or timezone.localdate()
    rows = (
        overdue_applications(user=user, today=today)
        .annotate(township=Substr("region_id", 1, 9))
        .values("township")
        .annotate(n=Count("id"), oldest=Min("stage_since"))
        .order_by("township")
    )
    names = Region.objects.in_bulk([r["township"] + "000" for r in rows])
    return [
        Overdue(
            r["township"] + "000",
            getattr(names.get(r["township"] + "000"), "name", ""),
            r["n"],
            (today - r["oldest"]).days,
        )
        for r in rows
    ]


# the household statuses each kind of application starts from (清退 only through a 回头看)
STARTS_FROM = {
    ApplicationKind.INCLUDE: (HouseholdStatus.UNIDENTIFIED,),
    ApplicationKind.REMOVE: (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED),
    ApplicationKind.EXIT: (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED),
    ApplicationKind.RETURN: (HouseholdStatus.EXITED,),
    # 防返贫监测: exited households (脱贫不稳定户) and ordinary rural households (边缘户, 突发严重困难户); a
    # household in the registry is helped as a poor household already
    ApplicationKind.MONITOR: (HouseholdStatus.UNIDENTIFIED, HouseholdStatus.EXITED),
    ApplicationKind.CLEAR: (HouseholdStatus.UNIDENTIFIED, HouseholdStatus.EXITED),
}


def household_can_apply(household, user, kind: str = ApplicationKind.INCLUDE) -> bool:
    """For the household card: offer 「发起识别申请」 (an unidentified household), 「提出脱贫退出」 (在册 or 返贫) or
    「提出返贫」 (已脱贫) to a village operator, or to the township by 代录."""
    return (
        household.status in STARTS_FROM[kind]
        and any(
            permissions.may(
                user, "take_step", level=RegionLevel.VILLAGE, region=household.region_id, on_behalf=b
            )
            for b in (False, True)  # the village's own operator, or the township by 代录
        )
        and not household.applications.open().exists()
    )


SHOWN = 200  # rows of a working list on one page (the oldest first: the ones to act on)


def villages_waiting(*, user, round: str, procedure: str = Procedure.IDENTIFICATION):
    """Villages whose applications wait for a list of ``round`` and that ``user`` may put on it."""
    waiting = (
        Application.objects.for_user(user, "change")
        .filter(stage=rules.PROCEDURES[procedure].rounds[round].source, kind__in=kinds_of(procedure))
        .values_list("region_id", flat=True)
        .distinct()
    )
    return Region.objects.for_user(user).filter(code__in=list(waiting[:500])).order_by("code")


def publicity_file(publicity, *, user) -> tuple[list, list]:
    """A list's entries (each with ``held``: an open objection keeps it) and its objections, newest first."""
    entries = list(
        PublicityEntry.objects.for_user(user)
        .filter(publicity=publicity)
        .select_related("application", "village_year")
        .order_by("id")
    )
    objections_of = Objection.objects.for_user(user).filter(entry__publicity=publicity)
    held = set(objections_of.filter(status=ObjectionStatus.OPEN).values_list("entry_id", flat=True))
    for e in entries:
        e.held = e.id in held
    objections = list(objections_of.select_related("entry").order_by("-created_at"))
    return entries, objections


def objection_list(*, user, status: str):
    """Objections ``user`` may see, of ``status`` when it is one (else all), oldest first."""
    qs = Objection.objects.for_user(user).select_related("entry__publicity", "region", "entry")
    if status in ObjectionStatus.values:
        qs = qs.filter(status=status)
    return list(qs.order_by("created_at", "id")[:SHOWN])


def dept_lists(*, user, action: str = "view"):
    """The active department lists in scope (``upload_list``: what a department user has uploaded)."""
    return DeptList.objects.for_user(user, action).filter(active=True).order_by("county_id", "kind")


def crosscheck_flags(*, user):
    """Flags of the 四不列 cross-check, those waiting for an explanation first."""
    return (
        CrossCheckFlag.objects.for_user(user)
        .select_related("application__household", "member", "region")
        .order_by("explained_at", "id")[:SHOWN]
    )


def waiting_at_my_steps(*, user, monitoring: bool = False):
    """工作台: applications waiting at a stage this user's level decides (lists running their days left out),
    per stage with how many and the oldest's date — identification's own, or monitoring's procedures
    (``monitoring``). One grouped query."""
    mine = [
        s for s, level in rules.STAGE_LEVEL.items()
        if s not in PUBLICITY_STAGES and s != Stage.VILLAGE_PUBLICITY
        and permissions.may(user, "take_step", level=level)
    ]  # fmt: skip
    apps = Application.objects.for_user(user).filter(stage__in=mine)
    apps = apps.filter(kind__in=FOREIGN_KINDS) if monitoring else apps.exclude(kind__in=FOREIGN_KINDS)
    return mine, apps.values("stage").annotate(n=Count("id"), oldest=Min("stage_since")).order_by()
