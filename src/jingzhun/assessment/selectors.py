"""Reads of 精准考核, each from ``for_user``: samples and their households for the third party (``assess``: the
assessed county never sees which households were drawn), results for whoever may ``view_assessment``."""

from __future__ import annotations

from django.db.models import Count
from django.shortcuts import get_object_or_404
from django.utils import timezone

from jingzhun.accounts import permissions
from jingzhun.analytics.models import RegionFigures
from jingzhun.assistance.models import Cadre, HelpingUnit, HouseholdPairing, Measure, Visit, WorkTeam
from jingzhun.core.codes import subtree_range
from jingzhun.core.policy import in_force, province_of
from jingzhun.regions.models import Region

from .choices import Commissioner, CountyStatus, Estimator, FindingState, Purpose, Source
from .models import (
    AssessmentPolicy,
    CountyExitStep,
    Estimate,
    ExitChecklist,
    ExitNotice,
    ExitObjection,
    Finding,
    Indicator,
    LocalFigure,
    NationalCheck,
    PoorCounty,
    Sample,
    SampleHousehold,
    SamplingPolicy,
    Score,
    SurveyResponse,
)

# the digits of a region code that name its region at each level (national 0 … village 5)
DIGITS = {0: 2, 1: 4, 2: 6, 3: 9, 4: 12, 5: 12}

SHOWN = 200  # rows of a sample shown on its page (a county sample has a few hundred at most)


def samples(*, user):
    return Sample.objects.for_user(user, "assess").select_related("county").order_by("county_id", "-id")


def sample(*, user, pk: int) -> Sample:
    return get_object_or_404(Sample.objects.for_user(user, "assess").select_related("county"), pk=pk)


def sample_households(*, user, sample: Sample):
    """The sample's households the user may read, with their villages and heads (the field list)."""
    return (
        SampleHousehold.objects.for_user(user, "assess")
        .filter(sample=sample)
        .select_related("region", "region__parent", "household")
        .order_by("key")
    )


def sample_household(*, user, pk: int) -> SampleHousehold:
    return get_object_or_404(
        SampleHousehold.objects.for_user(user, "assess").select_related("sample", "region", "household"),
        pk=pk,
    )


def indicator_set(*, region_code: str, year: int, level: int) -> list[Indicator]:
    """The indicator set in force for a region: its province's own set of the latest year up to ``year``, else
    the nation's (policy data, as ``core.policy.in_force`` reads a parameter row)."""
    province = province_of(region_code)
    rows = Indicator.objects.filter(level=level, year__lte=year)
    for own in (
        rows.filter(province_id=province) if province else rows.none(),
        rows.filter(province__isnull=True),
    ):
        latest = own.order_by("-year").values_list("year", flat=True).first()
        if latest is not None:
            return list(own.filter(year=latest).order_by("id"))
    return []


def latest_estimates(*, counties: list[str], year: int) -> dict[tuple[str, str], Estimate]:
    """Each county's latest estimate of each kind for ``year``, from a sample drawn for that kind where there is
    one: satisfaction from a satisfaction sample, 错退 and 漏评 from an accuracy sample (a satisfaction sample
    drawn later, by its 5 : 3 : 2 mix, does not speak for the registry's accuracy). The third party's samples
    only: the province's own exit check (省级专项评估检查) is read by its step (``province_check_estimates``)."""
    found: dict[tuple[str, str], Estimate] = {}
    rows = Estimate.objects.filter(
        sample__county_id__in=counties, sample__year=year, sample__commissioner=Commissioner.ASSESSMENT
    ).select_related("sample")
    for e in rows.order_by("sample__drawn_at", "sample_id"):
        key = (e.sample.county_id, e.kind)
        prior = found.get(key)
        made_for = Purpose.SATISFACTION if e.kind == Estimator.SATISFACTION else Purpose.ACCURACY
        if prior is not None and prior.sample.purpose == made_for and e.sample.purpose != made_for:
            continue
        found[key] = e
    return found


def scores(*, user, year: int):
    return Score.objects.for_user(user, "view_assessment").filter(year=year).select_related("county")


def county_score(*, user, code: str, year: int) -> Score | None:
    return Score.objects.for_user(user, "view_assessment").filter(county_id=code, year=year).first()


# the indicators whose evidence is a page outside 考核, read by the registry's "view": the rollup dashboard, the
# funds home (资金成效) and the project library. A reader of results without it (a third-party assessor) would
# get a 404 (the dashboard, the funds home) or an empty list there, so the figure is shown without the link.
OUTSIDE_EVIDENCE = frozenset(
    {Source.INCIDENCE_FALL, Source.CADRE_COVERAGE, Source.PLAN_COVERAGE, Source.FUNDS, Source.PROJECT_ON_TIME,
     Source.PROJECT_ASSETS, Source.PROJECT_BENEFIT}
)  # fmt: skip


def opens_evidence(*, user, code: str) -> bool:
    """Whether ``user`` may open the evidence pages outside 考核 (``OUTSIDE_EVIDENCE``) of region ``code``."""
    return permissions.may(user, "view", region=code)


def readable_details(*, user, score: Score) -> list[dict]:
    """The score's indicators as ``user`` may follow them: each one's evidence link kept only where the reader
    may open the page behind it (its figure always shown)."""
    opens = opens_evidence(user=user, code=score.county_id)
    return [
        d if opens or d.get("source") not in OUTSIDE_EVIDENCE else {**d, "evidence": ""}
        for d in score.details
    ]


def county_estimates(*, user, code: str, year: int) -> dict[str, Estimate]:
    """The county's estimates of ``year`` for whoever may read results (the samples themselves stay hidden)."""
    rows = Estimate.objects.for_user(user, "view_assessment").filter(
        sample__county_id=code, sample__year=year
    )
    allowed = {e.pk for e in rows}
    return {
        kind: e for (c, kind), e in latest_estimates(counties=[code], year=year).items() if e.pk in allowed
    }


def province_check_sample(*, user, code: str, year: int, step: CountyExitStep | None = None) -> Sample | None:
    """The province's own sample of the county's exit check (省级专项评估检查) for whoever may read results: the
    one the check step read where it was taken, else the latest the province drew in ``year``."""
    rows = Sample.objects.for_user(user, "view_assessment").filter(
        county_id=code, year=year, commissioner=Commissioner.PROVINCE_CHECK
    )
    if step is not None and step.sample_id:
        return rows.filter(pk=step.sample_id).first()
    return rows.order_by("-drawn_at", "-id").first()


def sample_answered(sample: Sample) -> int:
    return SurveyResponse.objects.filter(sample=sample).count()


def policy(*, code: str, year: int) -> AssessmentPolicy:
    return in_force(AssessmentPolicy, region_code=code, year=year, defaults=True)


def sampling_policy(*, code: str | None, year: int) -> SamplingPolicy:
    """The sampling parameters in force for a province (or the nation) in ``year`` (defaults when none set)."""
    return in_force(SamplingPolicy, region_code=code, year=year, defaults=True)


def findings(*, user, state: str = "", overdue: bool = False):
    rows = Finding.objects.for_user(user, "view_assessment").select_related("region")
    if state:
        rows = rows.filter(state=state)
    if overdue:
        rows = rows.filter(state=FindingState.OPEN, deadline__lt=timezone.localdate())
    return rows.order_by("region_id", "id")


def finding(*, user, pk: int) -> Finding:
    return get_object_or_404(
        Finding.objects.for_user(user, "view_assessment").select_related("region"), pk=pk
    )


def finding_counts(*, user) -> list[dict]:
    """Findings per region one level below the user's (states and overdue), from one grouped query."""
    digits = DIGITS[user.level]
    today = timezone.localdate()
    rows = (
        Finding.objects.for_user(user, "view_assessment")
        .values("region_id", "state", "deadline")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, dict] = {}
    for r in rows:
        code = r["region_id"][:digits].ljust(12, "0")
        entry = table.setdefault(code, {"code": code, "open": 0, "rectified": 0, "closed": 0, "overdue": 0})
        entry[r["state"]] += r["n"]
        if r["state"] == FindingState.OPEN and r["deadline"] < today:
            entry["overdue"] += r["n"]
    names = dict(Region.objects.filter(code__in=table).values_list("code", "name"))
    return [{**v, "name": names.get(k, k)} for k, v in sorted(table.items())]


def overdue_findings(*, user):
    """Open findings past their deadline that the user's region answers for (the 工作台)."""
    return Finding.objects.for_user(user, "rectify").filter(
        state=FindingState.OPEN, deadline__lt=timezone.localdate()
    )


def findings_to_close(*, user):
    """Reported fixes waiting for the user's 销号: raised at the user's level (the ``at()`` rule of
    close_finding), in scope."""
    rows = Finding.objects.for_user(user, "close_finding").filter(state=FindingState.RECTIFIED)
    return rows.filter(raised_level=user.level) if user.is_authenticated else rows.none()


def county_figures(*, user, code: str, year: int) -> dict:
    """The county's rolled-up parts of ``year`` (empty when not rolled up or out of scope)."""
    row = RegionFigures.objects.for_user(user).filter(code=code, year=year).only("figures").first()
    return row.figures if row else {}


def exit_steps(*, user, code: str, year: int):
    return (
        CountyExitStep.objects.for_user(user, "view_assessment")
        .filter(county_id=code, year=year)
        .order_by("at", "id")
    )


def exit_checklist(*, code: str, year: int) -> list[str]:
    """The province's own criteria of county exit for ``year`` (policy data; none nationally)."""
    row = in_force(ExitChecklist, region_code=code, year=year, carry_forward=False, national=False)
    return list(row.items) if row else []


def county_status(*, user, code: str, year: int) -> tuple[PoorCounty | None, str]:
    """The county's row on the list of poor counties of ``year`` (None if not on it) and its status that year:
    the row's, else 已摘帽 when its exit was approved in an earlier year, else empty (never a poor county)."""
    rows = PoorCounty.objects.for_user(user, "view_assessment").filter(county_id=code, year__lte=year)
    row = rows.filter(year=year).first()
    if row is not None:
        return row, row.status
    exited = rows.filter(status=CountyStatus.EXITED).exists()
    return None, CountyStatus.EXITED if exited else ""


def poor_counties(*, user, year: int, kind: str = "", status: str = ""):
    """The poor counties of ``year`` in scope (keyset-paginated by the page)."""
    rows = PoorCounty.objects.for_user(user, "view_assessment").filter(year=year).select_related("county")
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("county_id", "id")


def exit_checklists(*, user, year: int):
    """The provinces' own criteria of county exit for ``year`` in the user's scope."""
    return (
        ExitChecklist.objects.for_user(user, "view_assessment").filter(year=year).select_related("province")
    )


def cadres(*, user):
    """The 帮扶责任人 in the user's scope (for the cadre assessment)."""
    return Cadre.objects.for_user(user, "view_assessment").select_related("unit", "region")


def cadre(*, user, pk: int) -> Cadre:
    return get_object_or_404(cadres(user=user), pk=pk)


def units(*, user):
    """The helping units with a cadre in the user's scope."""
    return HelpingUnit.objects.filter(
        id__in=Cadre.objects.for_user(user, "view_assessment").values("unit_id")
    )


def teams(*, user, year: int):
    """The 驻村工作队 in the user's scope that were in their village at some time in ``year``."""
    from . import cadres as cadre_figures

    return (
        WorkTeam.objects.for_user(user, "view_assessment")
        .filter(cadre_figures.in_year(year))
        .select_related("unit", "village")
        .order_by("village_id", "id")
    )


def behind(*, user, cadre: Cadre, year: int, show: str):
    """The rows behind one figure of a cadre's assessment (``cadres.SHOWS``), in the user's scope."""
    from . import cadres as cadre_figures

    paired = HouseholdPairing.objects.for_user(user, "view_assessment").filter(
        cadre_figures.in_year(year), cadre=cadre
    )
    if show == "visits":
        return (
            Visit.objects.for_user(user, "view_assessment")
            .filter(cadre=cadre, visited_on__year=year)
            .select_related("household", "region")
        )
    if show == "measures":
        return (
            Measure.objects.for_user(user, "view_assessment")
            .filter(plan__cadre=cadre, year=year)
            .select_related("plan__household", "region")
        )
    if show == "survey":
        return (
            SurveyResponse.objects.for_user(user, "view_assessment")
            .filter(sample__year=year, sample_household__household__in=paired.values("household_id"))
            .select_related("sample_household__household", "region")
        )
    if show == "exits":
        return paired.filter(household__exit_year=year).select_related("household", "region")
    return paired.select_related("household", "region")


def provinces():
    """The provinces whose policy a reader may look at (policy data are published to every official: the
    province names, no one's records)."""
    return Region.objects.filter(level=1).order_by("code").only("code", "name")


def province(code: str) -> Region | None:
    """The province of a 2-digit (or 12-digit) code, None if there is none."""
    return Region.objects.filter(code=code[:2].ljust(12, "0"), level=1).first()


def national_checks(*, user, year: int):
    """The counties drawn in the national check of ``year`` in scope, with their results (keyset-paginated)."""
    return (
        NationalCheck.objects.for_user(user, "view_assessment")
        .filter(year=year)
        .select_related("county")
        .order_by("county_id", "id")
    )


def national_check(*, user, pk: int) -> NationalCheck:
    return get_object_or_404(NationalCheck.objects.for_user(user, "view_assessment"), pk=pk)


def national_check_of(*, user, code: str, year: int) -> NationalCheck | None:
    return NationalCheck.objects.for_user(user, "view_assessment").filter(county_id=code, year=year).first()


def exit_notice(*, user, code: str, year: int) -> ExitNotice | None:
    """The 省级公示 of the county's exit of ``year`` (the latest), in scope."""
    return (
        ExitNotice.objects.for_user(user, "view_assessment")
        .filter(region_id=code, year=year)
        .order_by("-starts_on", "-id")
        .first()
    )


def exit_objection(*, user, pk: int) -> ExitObjection:
    return get_object_or_404(
        ExitObjection.objects.for_user(user, "view_assessment").select_related("notice"), pk=pk
    )


def score_years(*, user, code: str) -> dict:
    """A county's (or a province's) results across the years that have one, oldest first: each year's total,
    grade and indicator values beside the change from the previous year with a result (None where either side
    has no figure). ``columns``: (key, name) of every indicator any year was scored on, the latest name kept."""
    found = list(Score.objects.for_user(user, "view_assessment").filter(county_id=code).order_by("year"))
    names: dict[str, str] = {}
    for s in found:
        for d in s.details:
            names[d["key"]] = d["name"]

    def change(now, before):
        return None if now is None or before is None else now - before

    rows, before = [], None
    for s in found:
        values = {d["key"]: d.get("value") for d in s.details}
        earlier = {d["key"]: d.get("value") for d in before.details} if before else {}
        rows.append({
            "score": s,
            "previous": before.year if before else None,
            "total_change": change(s.total, before.total) if before else None,
            "cells": [(values.get(k), change(values.get(k), earlier.get(k))) for k in names],
        })  # fmt: skip
        before = s
    return {"columns": list(names.items()), "rows": rows}


def local_figures_latest(*, counties: list[str], year: int) -> dict[str, dict[str, LocalFigure]]:
    """Each county's latest figure of each local indicator in ``year`` (county → key → ``LocalFigure``): what the
    score reads. One query; the versions come in order, so the latest stays."""
    out: dict[str, dict[str, LocalFigure]] = {}
    rows = LocalFigure.objects.filter(county_id__in=counties, year=year).order_by(
        "county_id", "key", "version"
    )
    for f in rows:
        out.setdefault(f.county_id, {})[f.key] = f
    return out


def local_figures(*, user, code: str, year: int):
    """Every version of the county's local figures of ``year``, the latest of each indicator first, with who
    entered each (the evidence of the score page)."""
    return (
        LocalFigure.objects.for_user(user, "view_assessment")
        .filter(county_id=code, year=year)
        .select_related("entered_by")
        .order_by("key", "-version")
    )


def local_figure(*, user, pk: int) -> LocalFigure:
    return get_object_or_404(LocalFigure.objects.for_user(user, "view_assessment"), pk=pk)


def local_indicators(*, code: str, year: int) -> list[Indicator]:
    """The local indicators (``Source.LOCAL``) of the county set in force in the province of ``code``."""
    return [i for i in indicator_set(region_code=code, year=year, level=3) if i.source == Source.LOCAL]


def local_entry_counties(*, user, province: str):
    """The counties of ``province`` the user may enter local figures for (the rows of the entry table)."""
    return (
        Region.objects.for_user(user, "enter_local_figure")
        .filter(level=3, code__range=subtree_range(province))
        .order_by("code")
    )


def help_answers(*, user, code: str, year: int):
    """The survey answers behind a county's 精准帮扶满意度 (the sample's field codes and villages, the two ratings)
    — the third party's (``assess``), as the sample is."""
    return (
        SurveyResponse.objects.for_user(user, "assess")
        .filter(sample__county_id=code, sample__year=year)
        .select_related("region", "sample_household")
        .order_by("region_id", "sample_household__key")
    )
