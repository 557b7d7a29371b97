"""The one writer of a household's status (动态调整): every change is a ``StatusChange`` row, and the
household's ``status`` follows the latest one in the same transaction.

Procedures call ``status_change`` (identification's 公告, cancellation; exits and returns next): set-based — one
``bulk_create`` of changes, one UPDATE per target status, one batch of audit entries — whatever the number of
households. ``status_at_end_of`` answers "what was this household at the end of year Y" from the rows, by the
business year each change counts in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.core import audit, policy
from jingzhun.core.models import AuditAction

from .choices import HouseholdStatus
from .models import Household, Monitoring, PolicyPeriod, StatusChange, StatusSource


def status_change(
    households: Iterable[Household], *, to: str, source: str, business_year: int, effective_on: dt.date | None = None,
    reason: str = "", reference: str = "", user=None, also: dict | None = None,
) -> list[StatusChange]:  # fmt: skip
    """Move ``households`` (rows locked by the caller) to status ``to``, recording one change each; ``also``
    sets other fields in the same write (the 识别年度 of a 公告). The caller has checked who may do it."""
    if to not in HouseholdStatus.values:
        raise ValueError(to)
    households = list(households)
    if not households:
        return []
    effective_on = effective_on or timezone.localdate()
    changes = StatusChange.objects.bulk_create(
        StatusChange(
            household=h,
            from_status=h.status,
            to_status=to,
            effective_on=effective_on,
            business_year=business_year,
            reason=reason,
            source=source,
            reference=reference,
            actor=user,
        )
        for h in households
    )
    values = {"status": to, **(also or {})}
    entries = []
    for h in households:
        before = audit.snapshot(h)
        for field, value in values.items():
            setattr(h, field, value)
        entry = audit.entry_for(AuditAction.UPDATE, h, before=before, after=audit.snapshot(h))
        entry.changes["business_year"] = [None, business_year]
        if reason:
            entry.changes["reason"] = [None, reason]
        entries.append(entry)
    Household.objects.filter(pk__in=[h.pk for h in households]).update(**values, updated_at=timezone.now())
    audit.record_many(entries)
    return changes


def status_at_end_of(year: int) -> Subquery:
    """The status of each household (OuterRef("pk")) at the end of business year ``year``: the latest change
    counted in that year or before; NULL for a household without any (it was 未识别 then)."""
    latest = StatusChange.objects.filter(household=OuterRef("pk"), business_year__lte=year).order_by(
        "-business_year", "-effective_on", "-id"
    )
    return Subquery(latest.values("to_status")[:1])


def with_status_at_end_of(households: QuerySet, year: int) -> QuerySet:
    """``households`` annotated with ``year_end_status`` (未识别 where no change had happened yet)."""
    return households.annotate(
        year_end_status=Coalesce(status_at_end_of(year), Value(HouseholdStatus.UNIDENTIFIED.value))
    )


def status_recorded(
    households: Iterable[Household], *, user=None, before: dict[int, str] | None = None
) -> None:
    """History rows for statuses typed on a form, in the API or in a file (``StatusSource.RECORDED``): new
    households arriving with a status other than 未识别, or ``before`` (id → old status) for edited ones. The
    household's own audit entry already holds the card; this keeps the status history whole."""
    today = timezone.localdate()
    before = before or {}
    rows = [
        StatusChange(
            household=h,
            from_status=before.get(h.pk, ""),
            to_status=h.status,
            effective_on=today,
            business_year=h.identified_year or today.year,
            source=StatusSource.RECORDED,
            actor=user,
        )
        for h in households
        if h.status != before.get(h.pk, HouseholdStatus.UNIDENTIFIED)
    ]
    StatusChange.objects.bulk_create(rows, batch_size=1000)


def monitored_now(household_ref: str = "pk") -> Exists:
    """Whether the household (``OuterRef(household_ref)``) has an open monitoring period (监测对象 now)."""
    return Exists(Monitoring.objects.filter(household=OuterRef(household_ref), ended_on__isnull=True))


def is_monitored(household: Household) -> bool:
    return household.monitoring_periods.filter(ended_on__isnull=True).exists()


def policy_period(*, year: int, region_code: str | None = None) -> PolicyPeriod | None:
    """The policy period in force in ``year`` for ``region_code``'s province (else the nation's)."""
    return policy.in_force(PolicyPeriod, region_code=region_code, year=year)


def exited_keep_policy(*, year: int, prefix: str = "") -> Q:
    """Exited households that still enjoy the policies in ``year`` (已脱贫（享受政策）): a province's own period
    where it has one, the nation's elsewhere — one condition over the few provinces with their own rows.
    ``prefix`` reaches the household from another model (``"household__"`` from a pairing)."""
    in_force = policy.every_in_force(PolicyPeriod, year=year)
    national = in_force.get(None)
    keeps = policy.by_province(
        in_force, region_ref=f"{prefix}region__code", value=lambda p: p.keeps_policy_after_exit,
        default=bool(national and national.keeps_policy_after_exit), output_field=BooleanField(),
    )  # fmt: skip
    if isinstance(keeps, Value):  # no province of its own: the nation's answer for all
        return Q(**{f"{prefix}status": HouseholdStatus.EXITED}) if keeps.value else Q(pk__in=[])
    return Q(**{f"{prefix}status": HouseholdStatus.EXITED}) & Q(keeps)


def status_labels(households: Iterable[Household], *, year: int) -> None:
    """Set ``status_label`` on each household: 已脱贫（享受政策） or 已脱贫（不再享受政策） for an exited one by the
    policy period of its province in ``year`` (as the national system tells them apart), its status otherwise.
    One read of the periods for a whole page."""
    in_force = policy.every_in_force(PolicyPeriod, year=year)
    for h in households:
        if h.status != HouseholdStatus.EXITED:
            h.status_label = h.get_status_display()
            continue
        period = in_force.get(policy.province_of(h.region_id)) or in_force.get(None)
        keeps = period is not None and period.keeps_policy_after_exit
        h.status_label = str(_("已脱贫（享受政策）") if keeps else _("已脱贫（不再享受政策）"))
