"""Reads of monitoring: policy in force, the facts the rules need, and every list a page shows — each starting
from ``for_user``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Min, Q
from django.db.models.functions import Substr
from django.utils import timezone

from jingzhun.assistance.choices import MeasureCategory, MeasureStatus
from jingzhun.assistance.models import Measure
from jingzhun.core import policy
from jingzhun.core.codes import subtree_range
from jingzhun.identification.choices import Procedure, Stage, StepKind
from jingzhun.identification.models import Application, Step
from jingzhun.identification.rules import PROCEDURES, assurance_reasons
from jingzhun.regions.models import Region
from jingzhun.registry.choices import Labour
from jingzhun.registry.models import Household

from . import rules
from .choices import PROCEDURE_STATES, CaseState, ClueStatus
from .models import Case, Clue, MonitoringLine, MonitoringPolicy, ScreeningList

NO_LABOUR = (Labour.LOST, Labour.NONE)
RECEIVED = (MeasureStatus.ONGOING, MeasureStatus.DONE)
SHOWN = 200  # rows of a working list (the oldest first: the ones to act on)


def monitoring_line(*, year: int, region_code: str) -> MonitoringLine | None:
    """The line of ``year`` for the region: the province's own (never below the nation's), else the nation's."""
    return policy.in_force(
        MonitoringLine, region_code=region_code, year=year, carry_forward=False,
        prefer=lambda own, nation: own if own.amount >= nation.amount else nation,
    )  # fmt: skip


def policy_for(*, region_code: str, year: int | None = None) -> MonitoringPolicy:
    return policy.in_force(
        MonitoringPolicy, region_code=region_code, year=year or timezone.localdate().year, defaults=True
    )


def measures_of(household, *, since: dt.date):
    """The measures of the household's plans from the year monitoring began: what helps the monitored household."""
    return (
        Measure.objects.filter(plan__household=household, year__gte=since.year)
        .exclude(status=MeasureStatus.CANCELLED)
        .order_by("year", "id")
    )


def measures_received(household, *, since: dt.date) -> int:
    """Measures of the household's plans received (under way or done) since the monitoring began."""
    return Measure.objects.filter(
        plan__household=household, status__in=RECEIVED, year__gte=since.year
    ).count()


def without_labour(household) -> bool:
    """No active member able to work (丧失劳动力 or 无劳动力)."""
    labour = list(household.members.filter(is_active=True).values_list("labour", flat=True))
    return bool(labour) and all(v in NO_LABOUR for v in labour)


def social_protection(household) -> bool:
    """兜底保障 covers the household: a member in 低保, or a 社会保障兜底 measure not cancelled."""
    return (
        household.members.filter(is_active=True, dibao=True).exists()
        or Measure.objects.filter(plan__household=household, category=MeasureCategory.SOCIAL_SECURITY)
        .exclude(status=MeasureStatus.CANCELLED)
        .exists()
    )


def clearance_check(
    case: Case, *, natural: bool, income, rigid_expenses, today=None
) -> rules.ClearanceVerdict:
    """The 风险消除 conditions on the case as it stands (the record's 三保障, the measures received)."""
    today = today or timezone.localdate()
    household = case.household
    pol = policy_for(region_code=case.region_id, year=today.year)
    line = monitoring_line(year=today.year, region_code=case.region_id)
    year = household.years.order_by("-year").first()
    started = case.period.started_on if case.period_id else case.first_clue_on
    earlier = None
    if (
        year is not None
    ):  # the latest yearly record's income against its own year's line: is the income stable?
        year_line = monitoring_line(year=year.year, region_code=case.region_id)
        earlier = (year.year, year.per_capita_net, year_line.amount if year_line else None)
    return rules.clearance_verdict(
        conditions=rules.Conditions.of(pol), started_on=started, today=today,
        measures=measures_received(household, since=started), natural=natural, income=income,
        rigid_expenses=rigid_expenses, line=line.amount if line else None,
        assurance=assurance_reasons(members=list(household.members.filter(is_active=True)), year=year, on=today),
        earlier=earlier,
    )  # fmt: skip


def published_once(application: Application) -> bool:
    """The case was on a 公示 already (a monitoring 公示 happens once)."""
    return application.steps.filter(kind=StepKind.PUBLICITY_OPEN).exists()


def current(case: Case) -> Application | None:
    """The procedure running on the case now (认定 or 风险消除), if any."""
    if case.state == CaseState.IDENTIFYING:
        return case.application
    if case.state == CaseState.CLEARING:
        return case.clearance
    return None


def steps_of(case: Case):
    apps = [a for a in (case.application_id, case.clearance_id) if a]
    return Step.objects.filter(application_id__in=apps).select_related("application").order_by("at", "id")


# --- lists ------------------------------------------------------------------------------------------------------


def clue_list(*, user, status: str = "", source: str = ""):
    qs = Clue.objects.for_user(user).select_related("region", "household")
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(source=source)
    return qs


def case_list(*, user, state: str = "", kind: str = "", q: str = "", stage: str = ""):
    qs = Case.objects.for_user(user).select_related("household", "region", "application", "clearance")
    if stage:  # the step its procedure (纳入监测 or 风险消除) waits at: the 工作台's links
        qs = qs.filter(Q(application__stage=stage) | Q(clearance__stage=stage))
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(household__head_name__contains=q)
    return qs


def for_household(*, user, household) -> list[Case]:
    return list(
        Case.objects.for_user(user)
        .filter(household=household)
        .select_related("application", "clearance", "period")
        .order_by("-first_clue_on", "-id")
    )


def screening_lists(*, user):
    return ScreeningList.objects.for_user(user).select_related("county")


def ready_for_publicity(*, user, village: Region):
    """Cases of ``village`` whose procedure waits for its 公示 (either procedure), never shown before."""
    source = PROCEDURES[Procedure.MONITORING].rounds["first"].source
    return (
        Case.objects.for_user(user, "change")
        .filter(region=village)
        .filter(
            Q(state=CaseState.IDENTIFYING, application__stage=source)
            | Q(state=CaseState.CLEARING, clearance__stage=source)
        )
        .select_related("household", "application", "clearance")
        .order_by("id")
    )


def villages_ready(*, user):
    source = PROCEDURES[Procedure.MONITORING].rounds["first"].source
    codes = (
        Case.objects.for_user(user, "change")
        .filter(
            Q(state=CaseState.IDENTIFYING, application__stage=source)
            | Q(state=CaseState.CLEARING, clearance__stage=source)
        )
        .values_list("region_id", flat=True)
        .distinct()
    )
    return Region.objects.for_user(user).filter(code__in=list(codes[:500])).order_by("code")


# --- clocks: late cases and clues ---------------------------------------------------------------------------


def _per_province(qs, *, date_field: str, days_of, today: dt.date):
    """Rows of ``qs`` whose ``date_field`` lies more than the province's days (``days_of(policy)``) back: one
    condition per province in force, one query."""
    condition = Q()
    for province in qs.values_list(Substr("region_id", 1, 2), flat=True).distinct().order_by():
        code = province.ljust(12, "0")
        days = days_of(policy_for(region_code=code, year=today.year))
        condition |= Q(region__code__range=subtree_range(code)) & Q(
            **{f"{date_field}__lt": today - dt.timedelta(days=days)}
        )
    return qs.filter(condition) if condition else qs.none()


def late_cases(*, user, today=None):
    """Cases in a procedure (认定) not confirmed within ``confirm_days`` of the first clue."""
    today = today or timezone.localdate()
    qs = (
        Case.objects.for_user(user)
        .filter(state=CaseState.IDENTIFYING)
        .exclude(application__stage=Stage.REJECTED)
    )
    return (
        _per_province(qs, date_field="first_clue_on", days_of=lambda p: p.confirm_days, today=today)
        .select_related("household", "region", "application")
        .order_by("first_clue_on", "id")
    )


def late_clues(*, user, today=None):
    """Clues not accepted within ``accept_days``."""
    today = today or timezone.localdate()
    qs = Clue.objects.for_user(user).filter(status=ClueStatus.PENDING)
    return (
        _per_province(qs, date_field="reported_on", days_of=lambda p: p.accept_days, today=today)
        .select_related("region", "household")
        .order_by("reported_on", "id")
    )


@dataclass(frozen=True)
class Late:
    code: str
    name: str
    count: int
    oldest_days: int


def late_by(*, user, digits: int, today=None) -> list[Late]:
    """Late cases per township (``digits`` 9) or county (6)."""
    today = today or timezone.localdate()
    rows = (
        late_cases(user=user, today=today)
        .annotate(part=Substr("region_id", 1, digits))
        .values("part")
        .annotate(n=Count("id"), oldest=Min("first_clue_on"))
        .order_by("part")
    )
    codes = [r["part"].ljust(12, "0") for r in rows]
    names = Region.objects.in_bulk(codes)
    return [
        Late(code, getattr(names.get(code), "name", code), r["n"], (today - r["oldest"]).days)
        for code, r in zip(codes, rows, strict=True)
    ]


def counts(*, user, today=None) -> dict:
    """The dashboard's figures: cases by state and, of those monitored, by type; clues waiting; late ones."""
    today = today or timezone.localdate()
    cases = Case.objects.for_user(user)
    by_state = dict(cases.values_list("state").annotate(n=Count("id")).order_by())
    by_kind = dict(
        cases.filter(state__in=(CaseState.MONITORED, CaseState.TRACKING, CaseState.CLEARING))
        .values_list("kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        "by_state": by_state,
        "by_kind": by_kind,
        "in_procedure": sum(by_state.get(s, 0) for s in PROCEDURE_STATES),
        "pending_clues": Clue.objects.for_user(user).filter(status=ClueStatus.PENDING).count(),
        "late_clues": late_clues(user=user, today=today).count(),
        "late_cases": late_cases(user=user, today=today).count(),
    }


# --- 预警: the early-warning scores (``monitoring.warning``) -----------------------------------------------------

WARNING_SHOWN = 200  # the ranked list a cadre works through: the highest risks of the region


def latest_scores() -> tuple[int, object] | None:
    """(year, path) of the newest scores file written by ``warning.scoring.score_year``, or None."""
    from .warning.scoring import default_paths

    folder = default_paths(0)[2].parent
    files = sorted(folder.glob("[0-9][0-9][0-9][0-9].parquet")) if folder.exists() else []
    return (int(files[-1].stem), files[-1]) if files else None


def warning_list(*, user, region: str, limit: int = WARNING_SHOWN) -> tuple[int | None, list[dict]]:
    """The households of ``region`` ranked by risk score, highest first, with their reasons and the date
    scored — only those ``user`` may see (read through ``for_user``), each with its 户编号, head and village."""
    from .warning.scoring import ranked

    found = latest_scores()
    if found is None:
        return None, []
    year, path = found
    rows = ranked(path, region, limit=limit * 2)  # room for rows outside the reader's scope
    seen = {
        h["id"]: h
        for h in Household.objects.for_user(user)
        .filter(id__in=[r["household_id"] for r in rows])
        .values("id", "number", "head_name", "region__name", "status")
    }
    listed = [{**r, "household": seen[r["household_id"]]} for r in rows if r["household_id"] in seen]
    return year, listed[:limit]
