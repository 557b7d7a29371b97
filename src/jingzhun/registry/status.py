"""The one writer of a household's status (动态调整): every change is a ``StatusChange`` row, and the
household's ``status`` follows the latest one in the same transaction.

Procedures call ``status_change`` (identification's 公告, cancellation; exits and returns next): set-based — one
``bulk_create`` of changes, one UPDATE per target status, one batch of audit entries — whatever the number of
households. ``status_at_end_of`` answers "what was this household at the end of year Y" from the rows, by the
business year each change counts in.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Exists, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts import permissions
from jingzhun.core import audit, policy
from jingzhun.core.models import AuditAction

from .choices import HouseholdStatus
from .models import Household, Monitoring, PolicyPeriod, StatusChange, StatusSource
from .yearcycle import refuse_frozen


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
    refuse_frozen(((h.region_id, business_year) for h in households), field="business_year")
    refuse_earlier_than_history(households, business_year)
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


def latest_business_years(household_ids: Iterable[int]) -> dict[int, int]:
    """Each household's latest business year in its status history (one grouped query)."""
    rows = (
        StatusChange.objects.filter(household_id__in=list(household_ids))
        .values("household_id")
        .annotate(latest=Max("business_year"))
    )
    return {r["household_id"]: r["latest"] for r in rows}


def refuse_earlier_than_history(households: Iterable[Household], business_year: int) -> None:
    """A change counted in a year before the latest one already recorded would leave the household's status
    (the latest change) disagreeing with its status at the end of every later year: a 返贫 dated 2018 after a
    2020 exit. Refused, naming the households and the year they are recorded to (one grouped query)."""
    households = list(households)
    latest = latest_business_years(h.pk for h in households)
    late = [h for h in households if latest.get(h.pk, business_year) > business_year]
    if late:
        raise ValidationError(
            {
                "business_year": [
                    _("「%(n)s」的状态变动已记到 %(y)d 年，不能再记入更早的 %(b)d 年。")
                    % {"n": h.number, "y": latest[h.pk], "b": business_year}
                    for h in late[:10]
                ]
            }
        )


def status_at_end_of(year: int) -> Subquery:
    """The status of each household (OuterRef("pk")) at the end of business year ``year``: the latest change
    counted in that year or before; NULL for a household without any (it was 未识别 then)."""
    latest = StatusChange.objects.filter(household=OuterRef("pk"), business_year__lte=year).order_by(
        "-business_year", "-effective_on", "-id"
    )  # the order of the index statuschange_year_end: an index-only probe, no sort
    return Subquery(latest.values("to_status")[:1])


def status_on(day: dt.date) -> Subquery:
    """The status of each household (OuterRef("pk")) on ``day``: the latest change in effect by then (by its
    date, not its business year: a 2016 exit announced on 10 January 2017 is in effect from that day)."""
    latest = StatusChange.objects.filter(household=OuterRef("pk"), effective_on__lte=day).order_by(
        "-effective_on", "-id"
    )
    return Subquery(latest.values("to_status")[:1])


def with_status_on(households: QuerySet, day: dt.date) -> QuerySet:
    """``households`` annotated with ``status_then`` (未识别 where nothing had happened by ``day``)."""
    return households.annotate(
        status_then=Coalesce(status_on(day), Value(HouseholdStatus.UNIDENTIFIED.value))
    )


def with_status_at_end_of(households: QuerySet, year: int) -> QuerySet:
    """``households`` annotated with ``year_end_status`` (未识别 where no change had happened yet)."""
    return households.annotate(
        year_end_status=Coalesce(status_at_end_of(year), Value(HouseholdStatus.UNIDENTIFIED.value))
    )


MIN_YEAR = 2000  # as the models' year validators
HISTORY_KEY = "historical_load"  # the audit fact of an entry written by a historical load

# Fields that only procedures write (or the historical load): the household form, the API and an ordinary
# import may repeat what is stored, never change it.
PROCEDURAL_FIELDS = ("status", "exit_year", "identified_year")
PROCEDURAL_REFUSED = gettext_lazy(
    "「%(field)s」只能由识别公告、退出销号、返贫和注销程序改变，不能直接填写。历史建档立卡数据请由国家或省级"
    "管理员通过“历史数据载入”导入。"
)


@dataclass(frozen=True)
class HistoryLoad:
    """A historical load in progress (历史数据载入): the statuses it writes are those held at the end of
    ``as_of`` (数据年度), and its history rows and audit entries refer to ``reference`` (the import job)."""

    as_of: int
    reference: str


_load: ContextVar[HistoryLoad | None] = ContextVar("jingzhun_history_load", default=None)


@contextlib.contextmanager
def loading_history(user, *, as_of: int, reference: str) -> Iterator[HistoryLoad]:
    """Inside the block the registry's writers accept statuses and 脱贫年度 and write them as history
    (``StatusSource.HISTORICAL``) — for national and provincial administrators only (``load_history``)."""
    check_history(user, as_of)
    token = _load.set(HistoryLoad(as_of=as_of, reference=reference[:80]))
    try:
        yield _load.get()
    finally:
        _load.reset(token)


def check_history(user, as_of: int) -> None:
    """Refuse a historical load by ``user`` for data year ``as_of`` (PermissionDenied or ValidationError)."""
    permissions.require(user, "load_history")
    if not MIN_YEAR <= as_of <= timezone.localdate().year:
        raise ValidationError({"history_year": [_("数据年度应在 %(a)d 年至今年之间。") % {"a": MIN_YEAR}]})


def history_load() -> HistoryLoad | None:
    """The historical load this thread is running, if any."""
    return _load.get()


def mark_historical(entries: Iterable) -> None:
    """Mark audit entries written by a historical load as such (the issue's "marked as such in the audit")."""
    load = history_load()
    if load is None:
        return
    for entry in entries:
        entry.changes[HISTORY_KEY] = [None, history_note(load)]


def history_note(load: HistoryLoad) -> str:
    return _("数据年度 %(y)d，%(r)s") % {"y": load.as_of, "r": load.reference}


S = HouseholdStatus
_REGISTER = (S.UNIDENTIFIED, S.REGISTERED, "identified_year")
_EXIT = (S.REGISTERED, S.EXITED, "exit_year")
# The steps a historical load writes to bring a household from 未识别 to the status it held at the end of the
# data year: (from, to, the field holding the business year it counts in — the data year when None or empty).
HISTORY_ROUTE: dict[str, tuple[tuple[str, str, str | None], ...]] = {
    S.UNIDENTIFIED: (),
    S.REGISTERED: (_REGISTER,),
    S.EXITED: (_REGISTER, _EXIT),
    S.RETURNED: (_REGISTER, _EXIT, (S.EXITED, S.RETURNED, None)),
    S.CANCELLED: (_REGISTER, (S.REGISTERED, S.CANCELLED, None)),
}


def year_end(year: int) -> dt.date:
    """The date a historical row takes effect: the last day of its business year (the files hold years)."""
    return dt.date(year, 12, 31)


def history_errors(status: str, identified_year: int | None, exit_year: int | None, as_of: int) -> dict:
    """What is wrong with a household's loaded status and years (field → message), checked once per distinct
    combination by the column path and per household by the row path."""
    errors = {}
    if identified_year is not None and status == S.UNIDENTIFIED:
        errors["identified_year"] = _("未识别的户没有识别年度。")
    if exit_year is not None and status not in (S.EXITED, S.RETURNED):
        errors["exit_year"] = _("只有已脱贫或返贫的户有脱贫年度。")
    elif exit_year is None and status in (S.EXITED, S.RETURNED):
        errors["exit_year"] = _("已脱贫或返贫的户请填写脱贫年度。")
    for name, year in (("identified_year", identified_year), ("exit_year", exit_year)):
        if year is not None and year > as_of:
            errors.setdefault(name, _("不能晚于数据年度 %(y)d 年。") % {"y": as_of})
    if identified_year and exit_year and exit_year < identified_year:
        errors.setdefault("exit_year", _("脱贫年度不能早于识别年度。"))
    return errors


# Moves between statuses some procedure makes (识别, 退出, 返贫, 再次退出, 注销, 回头看清退): a historical load
# over a household's history may only continue it by these.
PROCEDURE_MOVES = frozenset({
    (S.UNIDENTIFIED, S.REGISTERED), (S.REGISTERED, S.EXITED), (S.EXITED, S.RETURNED), (S.RETURNED, S.EXITED),
    (S.REGISTERED, S.CANCELLED), (S.EXITED, S.CANCELLED), (S.RETURNED, S.CANCELLED), (S.REGISTERED, S.UNIDENTIFIED),
})  # fmt: skip


def reload_errors(household: Household, before: str, as_of: int) -> dict:
    """What is wrong with a historical load over a household that already has a status (``before``): it may
    only continue the history — by moves a procedure makes, in years not before the latest already recorded —
    so that the stored status stays the status at the end of the latest year."""
    if household.status == before:
        return {}
    steps = _route(before, household.status)
    if any((origin, to) not in PROCEDURE_MOVES for origin, to, _field in steps):
        labels = dict(HouseholdStatus.choices)
        return {"status": _("不能由「%(a)s」载入为「%(b)s」：没有这样的程序。") % {
            "a": labels.get(before, before), "b": labels.get(household.status, household.status)}}  # fmt: skip
    latest = (
        StatusChange.objects.filter(household=household)
        .order_by("-business_year")
        .values_list("business_year", flat=True)
        .first()
    )
    years = [(getattr(household, field) if field else None) or as_of for _o, _t, field in steps]
    if latest is not None and min(years) < latest:
        return {"status": _("该户的状态历史已记至 %(l)d 年，不能载入更早年度（%(y)d 年）的状态。") % {
            "l": latest, "y": min(years)}}  # fmt: skip
    return {}


def _route(before: str, to: str) -> tuple[tuple[str, str, str | None], ...]:
    """The steps from ``before`` to ``to``: the route's rest after ``before`` when it lies on the route to
    ``to``, else one step straight there (counted in the data year)."""
    route = HISTORY_ROUTE[to]
    if before in ("", S.UNIDENTIFIED):
        return route
    starts = [i for i, (origin, _to, _field) in enumerate(route) if origin == before]
    return route[starts[0] :] if starts else ((before, to, None),)


def status_loaded(
    households: Iterable[Household], *, user=None, before: dict[int, str] | None = None
) -> None:
    """History rows of a historical load for ``households`` (new ones, or ``before``: id → the status they had),
    each step dated by its own year on the record (识别年度, 脱贫年度, else the data year)."""
    load = history_load()
    before = before or {}
    rows = []
    for h in households:
        old = before.get(h.pk, "")
        if h.status == (old or S.UNIDENTIFIED):
            continue
        for origin, to, field in _route(old, h.status):
            year = (getattr(h, field) if field else None) or load.as_of
            first = origin == S.UNIDENTIFIED and not old
            rows.append(StatusChange(
                household=h, from_status="" if first else origin, to_status=to, effective_on=year_end(year),
                business_year=year, source=StatusSource.HISTORICAL, reference=load.reference, actor=user,
            ))  # fmt: skip
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
