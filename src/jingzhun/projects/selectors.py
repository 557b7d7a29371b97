"""Reads of the project library: every query a page, the 工作台 or an export needs, through the reader's scope
(``for_user``); the portal's public facts of a project (counted, never a name)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from jingzhun.accounts import permissions
from jingzhun.core.codes import level_of
from jingzhun.identification.choices import ObjectionStatus
from jingzhun.regions.choices import RegionLevel
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household

from .choices import REVISABLE, NoticeKind, RevisionDecision, RevisionState, Stage
from .models import Asset, LibraryRevision, Project, ProjectBeneficiary, ProjectNotice, ProjectStep

# households counted as 建档立卡 (registered at some time): their members are the poor persons a project benefits
FILED = (HouseholdStatus.REGISTERED, HouseholdStatus.EXITED, HouseholdStatus.RETURNED)


def read_action(user) -> str:
    """The action a user reads projects by: ``view``, or for a sector department its appraisal."""
    return "view" if user.can("view") else "appraise_project"


def projects(*, user):
    return Project.objects.for_user(user, read_action(user))


def project_list(*, user, year=None, stage="", category="", q="", code=""):
    rows = projects(user=user).select_related("region")
    if year:
        rows = rows.filter(year=year)
    if stage:
        rows = rows.filter(stage=stage)
    if category:
        rows = rows.filter(category=category)
    if q:
        rows = rows.filter(Q(name__contains=q) | Q(implementer__contains=q))
    if code:
        rows = rows.filter(region__code__startswith=code.rstrip("0") or code)
    return rows


def steps(*, user, project: Project):
    return ProjectStep.objects.for_user(user, read_action(user)).filter(project=project).order_by("at", "id")


def assets(*, user, kind: str = "", year=None):
    rows = Asset.objects.for_user(user).select_related("project", "region")
    if kind:
        rows = rows.filter(kind=kind)
    if year:
        rows = rows.filter(project__year=year)
    return rows


def beneficiary_counts(project: Project) -> dict:
    """The beneficiaries counted: households, persons, and persons of 建档立卡 households (no names)."""
    rows = Household.objects.filter(pk__in=project.beneficiaries.values("household_id"))
    counts = rows.aggregate(
        households=Count("id"),
        persons=Sum("member_count"),
        poor_persons=Sum("member_count", filter=Q(status__in=FILED)),
    )
    return {k: v or 0 for k, v in counts.items()}


def counts_of(rows) -> dict[int, dict]:
    """``beneficiary_counts`` of many projects in one query (the export)."""
    counted = (
        ProjectBeneficiary.objects.filter(project_id__in=[p.pk for p in rows])
        .values("project_id")
        .annotate(
            households=Count("id"),
            persons=Sum("household__member_count"),
            poor_persons=Sum("household__member_count", filter=Q(household__status__in=FILED)),
        )
        .order_by()
    )
    return {r.pop("project_id"): {k: v or 0 for k, v in r.items()} for r in counted}


def public_facts(project: Project) -> dict:
    """What a project's notice shows the public: amount, sources, use, implementer, period, place and the
    beneficiaries counted — never a household's name or number."""
    return {
        "name": project.name,
        "year": project.year,
        "category": str(project.get_category_display()),
        "nature": str(project.get_nature_display()),
        "place": " ".join(r.name for r in [*project.region.ancestors()[2:], project.region]),
        "villages": [v.name for v in project.villages.order_by("code")],
        "budget": str(project.budget),
        "sources": [[str(f.get_kind_display()), str(f.amount)] for f in project.fundings.order_by("kind")],
        "tasks": project.tasks,
        "responsible_unit": project.responsible_unit,
        "implementer": project.implementer or project.responsible_unit,
        "period": [
            project.starts_on.isoformat() if project.starts_on else "",
            project.ends_on.isoformat() if project.ends_on else "",
        ],
        "targets": [f"{t.indicator}：{t.value}" for t in project.targets.all()],
        "benefit_mechanism": project.benefit_mechanism,
        "beneficiaries": beneficiary_counts(project),
        "accepted_on": project.accepted_on.isoformat() if project.accepted_on else "",
        "settled": str(project.settled),
    }


def _notice_over(kind: str):
    """Projects whose latest notice of ``kind`` has run its days with no objection open."""
    today = timezone.localdate()
    ended = ProjectNotice.objects.filter(project=OuterRef("pk"), kind=kind, last_day__lt=today)
    running = ProjectNotice.objects.filter(project=OuterRef("pk"), kind=kind, last_day__gte=today)
    held = ProjectNotice.objects.filter(
        project=OuterRef("pk"), kind=kind, objections__status=ObjectionStatus.OPEN
    )
    return Q(Exists(ended)) & ~Q(Exists(running)) & ~Q(Exists(held))


def declares_on_behalf(user, project: Project) -> bool:
    """Would ``user`` take the project's 申报 by 代录 (a township for its village, from the paper record)?"""
    where = {"level": level_of(project.region_id), "region": project.region_id}
    return not permissions.may(user, "project_step", **where) and permissions.may(
        user, "project_step", on_behalf=True, **where
    )


def actions_for(user, project: Project) -> set[str]:
    """The actions ``user`` may take on ``project`` now (what the detail page offers)."""
    may = permissions.may
    code, level = project.region_id, level_of(project.region_id)
    review_level = max(min(level, RegionLevel.TOWNSHIP), RegionLevel.COUNTY)
    found = set()
    stage = project.stage
    if stage == Stage.DRAFT and may(user, "draft_project", region=code):
        found.add("edit")
    if stage == Stage.DRAFT and may(user, "project_step", level=level, region=code):
        found |= {"notice", "declare"}
    elif stage == Stage.DRAFT and declares_on_behalf(user, project):
        found.add("declare")  # 代录: the township for the village, from the signed paper record
    if stage == Stage.DECLARED and may(user, "project_step", level=review_level, region=code):
        found.add("review")
    if stage == Stage.REVIEWED and may(user, "project_step", level=review_level, region=code):
        found.add("notice")
    if stage == Stage.REVIEWED and may(user, "appraise_project", region=code):
        found.add("appraise")
    if may(user, "approve_project", region=code):
        found |= {
            Stage.APPRAISED: {"approve"}, Stage.LISTED: {"plan"}, Stage.IMPLEMENTING: {"accept"},
            Stage.SETTLED: {"transfer"},
        }.get(stage, set())  # fmt: skip
        if stage in REVISABLE:
            found |= {"carry", "withdraw"}
    if stage in (Stage.PLANNED, Stage.IMPLEMENTING) and may(user, "report_progress", region=code):
        found.add("progress")
    return found


def waiting(*, user) -> dict[str, object]:
    """Projects waiting at the user's step, per step, as querysets (the 工作台 counts them, the list filters to
    them by ``?waiting=``)."""
    rows = projects(user=user)
    may = permissions.may
    found = {}
    reviewed_at = {
        RegionLevel.TOWNSHIP: (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP),
        RegionLevel.COUNTY: (3,),
    }
    for level in (RegionLevel.VILLAGE, RegionLevel.TOWNSHIP, RegionLevel.COUNTY):
        if not may(user, "project_step", level=level):
            continue
        found["declare"] = rows.filter(stage=Stage.DRAFT, region__level=level).filter(
            _notice_over(NoticeKind.VILLAGE)
        )
        if level in reviewed_at:
            found["review"] = rows.filter(stage=Stage.DECLARED, region__level__in=reviewed_at[level])
    if may(user, "appraise_project"):
        found["appraise"] = rows.filter(stage=Stage.REVIEWED).filter(_notice_over(NoticeKind.TOWNSHIP))
    if may(user, "approve_project"):
        found["approve"] = rows.filter(stage=Stage.APPRAISED)
        found["plan"] = rows.filter(stage=Stage.LISTED)
        found["accept"] = rows.filter(stage=Stage.IMPLEMENTING, progress=100)
        found["transfer"] = rows.filter(stage=Stage.SETTLED)
    return found


def for_household(*, user, household) -> dict:
    """The projects and assets benefiting a household (the household card's panel)."""
    rows = projects(user=user).filter(beneficiaries__household=household).order_by("-year", "id")
    held = Asset.objects.for_user(user).filter(beneficiaries=household).order_by("id")
    return {"projects": list(rows[:50]), "assets": list(held[:50])}


def revisions(*, user):
    """The yearly revisions of the libraries the reader sees (项目库年度调整)."""
    return LibraryRevision.objects.for_user(user, read_action(user))


def revisions_to_approve(*, user):
    """Revisions whose 公告 has run its days with no objection open: waiting for the county's approval."""
    today = timezone.localdate()
    return (
        revisions(user=user)
        .filter(state=RevisionState.PUBLISHED)
        .exclude(notices__last_day__gte=today)
        .exclude(notices__objections__status=ObjectionStatus.OPEN)
    )


def revision_counts(revision: LibraryRevision) -> dict[str, int]:
    """The projects of a revision by decision, and all of them (one grouped query)."""
    per = dict(revision.items.values_list("decision").annotate(n=Count("id")).order_by())
    return {**{k: per.get(k, 0) for k in RevisionDecision.values}, "all": sum(per.values())}
