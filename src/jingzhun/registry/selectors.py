"""Reads of the registry. Every function starts from the user's scoped queryset."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Case, Count, Exists, Max, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Substr
from django.utils import timezone

from jingzhun.core import audit
from jingzhun.core.ids import normalize_identifier
from jingzhun.core.models import AuditLog
from jingzhun.core.panels import provide
from jingzhun.regions import rules as region_rules
from jingzhun.regions.models import Region

from .choices import (
    MONITORED,
    POOR_FILTER,
    POOR_STATUSES,
    HouseholdStatus,
    MemberChangeKind,
    SplitReviewStatus,
    TransferStatus,
)
from .models import (
    Household,
    HouseholdYear,
    Member,
    MemberChange,
    SplitReview,
    StatusChange,
    Transfer,
    VillageTally,
)
from .status import monitored_now, with_status_at_end_of
from .yearcycle import lacking_year_record


def latest_data_year(*, user, region: Region | None = None, household: Household | None = None) -> int:
    """The latest year with yearly records (年度信息) among the households ``user`` may see (under ``region``
    when given): the year a page opens on when none is asked for, so that a page does not open on a calendar
    year nobody has entered yet; of ``household`` only for its card. The current year where there are none.

    Probes the last few years newest first (each an indexed exists: the region's households, then their
    (household, year) record), the aggregate only when none of them has data."""
    records = HouseholdYear.objects.for_user(user)
    if region is not None:
        records = records.in_region(region)
    if household is not None:
        records = records.filter(household=household)
    this_year = timezone.localdate().year
    for year in range(this_year, this_year - LATEST_YEAR_PROBES, -1):
        if records.filter(year=year).exists():
            return year
    return records.filter(year__lte=this_year).aggregate(latest=Max("year"))["latest"] or this_year


LATEST_YEAR_PROBES = 3


@dataclass(frozen=True)
class HouseholdFilters:
    region: Region | None = None
    status: str = ""
    main_cause: str = ""
    attribute: str = ""
    year: int | None = None
    missing_year: int | None = None  # on record that year but without its yearly record (年度信息未更新)
    status_year: int | None = None  # the status filter asks for the status at the end of this business year
    q: str = ""  # household number (prefix) or head name (exact)


def household_list(*, user, filters: HouseholdFilters, action: str = "view"):
    """Households the user may see, narrowed by ``filters``, ordered by (region, id) for keyset paging.

    When a year is given only households with a record for that year are listed, annotated with that year's
    per-capita net income. With ``status_year`` the status asked for is the one held at the end of that business
    year (``registry.status``), not today's.
    """
    qs = Household.objects.for_user(user, action)
    if filters.region is not None:
        qs = qs.in_region(filters.region)
    status = "status"
    if filters.status_year and filters.status not in ("", MONITORED):
        qs, status = with_status_at_end_of(qs, filters.status_year), "year_end_status"
    if filters.status == POOR_FILTER:
        qs = qs.filter(**{f"{status}__in": POOR_STATUSES})
    elif filters.status == MONITORED:  # not a status: an open monitoring period
        qs = qs.filter(monitored_now())
    elif filters.status:
        qs = qs.filter(**{status: filters.status})
    if filters.main_cause:
        qs = qs.filter(main_cause=filters.main_cause)
    if filters.attribute:
        qs = qs.filter(attribute=filters.attribute)
    if filters.q:
        qs = qs.filter(search(filters.q))
    if filters.missing_year:
        qs = lacking_year_record(qs, filters.missing_year)
    if filters.year:
        year_rows = HouseholdYear.objects.filter(household=OuterRef("pk"), year=filters.year)
        qs = qs.filter(years__year=filters.year).annotate(
            per_capita=Subquery(year_rows.values("per_capita_net")[:1])
        )
    return qs


FOUND_CAP = 10_000  # the list counts up to here: a capped count reads at most this many index entries


def found(qs) -> int:
    """How many households ``qs`` finds, counted up to ``FOUND_CAP`` + 1 (more reads as 「以上」)."""
    return qs.order_by()[: FOUND_CAP + 1].count()


def search(text: str) -> Q:
    """What a person types in the search box: a full ID number, the last 4–6 characters of one (as read off a
    card), a 户编号 or its start, or part of the head's or any active member's name. An ID number is matched,
    never shown: the list masks it as everywhere else. Members are asked with EXISTS: one row per household."""
    q = normalize_identifier(text)
    active = Member.objects.filter(household=OuterRef("pk"), is_active=True)
    if re.fullmatch(r"[0-9]{17}[0-9X]", q):
        return Q(Exists(active.filter(id_number=q)))
    if re.fullmatch(r"[0-9]{3,5}[0-9X]", q):
        return Q(Exists(active.filter(id_number__endswith=q)))
    if q.isdigit():
        return Q(number__startswith=q)
    name = text.strip()
    return Q(head_name__contains=name) | Q(Exists(active.filter(name__contains=name)))


def household_detail_queryset(*, user, action: str = "view"):
    return Household.objects.for_user(user, action).select_related("region")


@dataclass(frozen=True)
class RegionCount:
    region: Region
    households: int
    persons: int


@provide("region.children")
def child_counts(*, user, region: Region | None) -> list[RegionCount]:
    """Children of ``region`` (provinces for None) with counts of registered households and persons.

    Sums the village tallies under the region, grouped by the child level's code prefix: one indexed range
    over at most 620,000 small rows nationally, never the household table.
    """
    if region is None:
        children = Region.objects.for_user(user).filter(level=1)
        level, tallies = 1, VillageTally.objects.for_user(user)
    else:
        children = Region.objects.for_user(user).filter(parent=region)
        level, tallies = region.level + 1, VillageTally.objects.for_user(user).in_region(region)
    if level > 5:
        return []
    width = region_rules.PREFIX_LENGTH[level]
    rows = (
        tallies.annotate(prefix=Substr("region_id", 1, width))
        .values("prefix")
        .annotate(households=Sum("households"), persons=Sum("persons"))
        .order_by()
    )
    counts = {r["prefix"]: (r["households"] or 0, r["persons"] or 0) for r in rows}
    return [RegionCount(c, *counts.get(c.code[:width], (0, 0))) for c in children.order_by("code")]


HISTORY_SHOWN = 200  # the latest entries on the card; the auditor's page reads them all


def household_history(*, user, household: Household, full: bool) -> list[AuditLog]:
    """The household's history (its record, members and years, and what other apps recorded under it), newest
    first, each entry with ``rows`` of (field, before, after) in words, personal data masked unless ``full``."""
    entries = list(
        AuditLog.objects.for_user(user)
        .filter(root=f"registry.household:{household.pk}")
        .select_related("actor")
        .order_by("-at")[:HISTORY_SHOWN]
    )
    names = audit.Names(user)  # the regions, households … the entries name, each looked up once
    for entry in entries:
        # any app's model (identification's steps, assistance's measures): their own field names and code lists
        entry.rows = audit.readable_changes(entry, audit.model_of(entry.model), full=full, names=names)
    return entries


@dataclass(frozen=True)
class YearFlow:
    """A business year's changes in a region: households that entered the registry, exited, returned to poverty
    and were cancelled, and the net change of the poor; persons born, died, come (迁入、婚入) and gone (迁出、婚出)."""

    year: int
    entered: int = 0
    exited: int = 0
    returned: int = 0
    cancelled: int = 0
    born: int = 0
    died: int = 0
    came: int = 0
    left: int = 0

    @property
    def net(self) -> int:
        """Change of the poor (在册 + 返贫): in by entry or return, out by exit or cancellation."""
        return self.entered + self.returned - self.exited - self.cancelled


FLOW_OF = {
    HouseholdStatus.REGISTERED: "entered", HouseholdStatus.EXITED: "exited",
    HouseholdStatus.RETURNED: "returned", HouseholdStatus.CANCELLED: "cancelled",
}  # fmt: skip
PERSON_FLOW_OF = {
    MemberChangeKind.BIRTH: "born", MemberChangeKind.DEATH: "died", MemberChangeKind.MOVE_IN: "came",
    MemberChangeKind.MARRY_IN: "came", MemberChangeKind.MOVE_OUT: "left", MemberChangeKind.MARRY_OUT: "left",
}  # fmt: skip
FLOW_YEARS_SHOWN = 10


def status_flows(*, user, region: Region | None) -> list[YearFlow]:
    """Year over year, from the status history and the 人口变动: what entered, exited, returned and was cancelled,
    who was born, died, came and left, in each business year (the latest ten with changes) within ``region`` and
    the user's scope — one grouped query each."""
    counts: dict[int, dict[str, int]] = {}
    for model, field, flow_of in (
        (StatusChange, "to_status", FLOW_OF),
        (MemberChange, "kind", PERSON_FLOW_OF),
    ):
        changes = model.objects.for_user(user)
        if region is not None:
            changes = changes.in_region(region)
        rows = (
            changes.filter(**{f"{field}__in": list(flow_of)})
            .values_list("business_year", field)
            .annotate(n=Count("id"))
            .order_by()
        )
        for year, what, n in rows:
            flows = counts.setdefault(year, {})
            flows[flow_of[what]] = flows.get(flow_of[what], 0) + n
    years = sorted(counts)[-FLOW_YEARS_SHOWN:]
    return [YearFlow(year=y, **counts[y]) for y in years]


@dataclass(frozen=True)
class YearComparison:
    """A household between two years (年度对比): its status at the end of each, and each yearly field that
    changed, in words."""

    before: int
    after: int
    status_before: str
    status_after: str
    rows: list[tuple[str, str, str]]
    years: list[int]


def household_year_comparison(household: Household, *, before: int | None = None, after: int | None = None):
    """Compare two of the household's yearly records (the latest two unless asked); None with fewer than two."""
    records = {y.year: y for y in household.years.all()}
    years = sorted(records)
    if len(years) < 2:
        return None
    after = after if after in records else years[-1]
    earlier = [y for y in years if y < after]
    if not earlier:
        after, earlier = years[-1], years[:-1]
    before = before if before in earlier else earlier[-1]
    changes = audit.diff(audit.snapshot(records[before]), audit.snapshot(records[after]))
    changes.pop("year", None)
    entry = AuditLog(changes={k: v for k, v in changes.items() if k != "id"})
    rows = audit.readable_changes(entry, HouseholdYear, full=True)  # yearly records hold no personal data
    one = Household.objects.filter(pk=household.pk)
    labels = dict(HouseholdStatus.choices)
    statuses = [labels[with_status_at_end_of(one, y).values_list("year_end_status", flat=True).get()]
                for y in (before, after)]  # fmt: skip
    return YearComparison(before, after, str(statuses[0]), str(statuses[1]), rows, years)


TRANSFERS_SHOWN = 200  # the latest transfers each way on the county's page


def transfer_queryset(*, user, action: str = "view"):
    """Transfers the user may read: from households in scope, or to a county in scope."""
    return Transfer.objects.for_user(user, action).select_related(
        "to_county", "to_village", "from_household__region", "to_household__region"
    )


def transfers(*, user) -> tuple[list[Transfer], list[Transfer]]:
    """(incoming, outgoing) transfers of the user's region, pending first, then the latest."""
    qs = transfer_queryset(user=user).order_by(
        Case(When(status=TransferStatus.PENDING, then=0), default=1), "-requested_at"
    )
    code_range = user.scope_range()
    if code_range is None:
        return list(qs[:TRANSFERS_SHOWN]), []
    incoming = qs.filter(to_county__code__range=code_range)
    outgoing = qs.filter(from_household__region__code__range=code_range)
    return list(incoming[:TRANSFERS_SHOWN]), list(outgoing[:TRANSFERS_SHOWN])


def split_reviews(*, user) -> list[SplitReview]:
    """分户 of registered households still to review (the oldest first: the ones to act on), then the latest
    cleared."""
    qs = SplitReview.objects.for_user(user).select_related("household__region", "source", "cleared_by")
    open_ = list(qs.filter(status=SplitReviewStatus.OPEN).order_by("opened_at")[:TRANSFERS_SHOWN])
    done = list(qs.filter(status=SplitReviewStatus.CLEARED).order_by("-cleared_at")[:50])
    return open_ + done
