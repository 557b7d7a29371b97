"""Writes to the registry. Every create, update and cancel goes through here: validated whole, written
atomically, audited. Views, the API, commands and the demo generator all call these functions.

Payloads are plain dicts of model field names: ``household`` (with ``region`` as a 12-digit code),
``members`` (each optionally with the ``id`` of an existing member) and ``years`` (flat yearly fields).
Errors are raised as one ``ValidationError`` keyed by field path, e.g. ``members.1.id_number``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit, crypto
from jingzhun.core.codes import ancestor_at
from jingzhun.core.ids import normalize_identifier, parse_id_number
from jingzhun.core.masking import mask_card, mask_id_number, sees_in_full
from jingzhun.core.models import AuditAction
from jingzhun.regions import rules as region_rules
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import id_lookups, rules, yearcycle
from .choices import ACTIVE_STATUSES, HouseholdStatus, Relationship, TransferStatus
from .models import Household, HouseholdYear, Member, StatusSource, Transfer, VillageTally
from .status import (
    PROCEDURAL_FIELDS,
    PROCEDURAL_REFUSED,
    history_errors,
    history_load,
    mark_historical,
    reload_errors,
    status_change,
    status_loaded,
)

HOUSEHOLD_INPUT = (
    "status", "identification_standard", "attribute", "main_cause", "other_causes", "identified_year",
    "exit_year", "phone", "village_office_phone",
)  # fmt: skip
# What a form, the API or an ordinary import may write: status and 脱贫年度 only through a historical load.
ORDINARY_INPUT = tuple(name for name in HOUSEHOLD_INPUT if name not in PROCEDURAL_FIELDS)
MEMBER_INPUT = tuple(
    f.name
    for f in Member._meta.concrete_fields
    if f.editable and f.name not in {"id", "household", "is_active"}
)
YEAR_INPUT = tuple(
    f.name for f in HouseholdYear._meta.concrete_fields
    if f.editable and not getattr(f, "generated", False) and f.name not in {"id", "household"}
)  # fmt: skip


class Errors(dict):
    """Field-path → messages, raised as one ValidationError."""

    def add(self, path: str, message: str | Iterable[str]) -> None:
        self.setdefault(path, []).extend([message] if isinstance(message, str) else message)

    def absorb(self, prefix: str, error: ValidationError) -> None:
        for name, messages in error.message_dict.items():
            key = prefix.rstrip(".") if name == "__all__" else f"{prefix}{name}"
            self.add(key or "non_field_errors", messages)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError({k: v for k, v in self.items()})


@dataclass
class Draft:
    """A household as it will be after the write, with what it was before (for the audit)."""

    household: Household
    members: list[Member] = field(default_factory=list)  # active members after the write
    removed: list[Member] = field(default_factory=list)
    years: list[HouseholdYear] = field(default_factory=list)
    before: dict[int, dict] = field(default_factory=dict)  # id(instance) → snapshot before
    prefix: str = ""


def _clean(instance, prefix: str, errors: Errors, exclude: list[str]) -> None:
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        errors.absorb(prefix, exc)


# Identifiers are normalised where input enters (forms, API and imports all come through here).
IDENTIFIER_FIELDS = frozenset(
    {"id_number", "disability_certificate", "phone", "number", "village_office_phone"}
)


def _set_fields(instance, data: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        if name in data:
            value = data[name]
            if name in IDENTIFIER_FIELDS and isinstance(value, str):
                value = normalize_identifier(value)
            setattr(instance, name, value)


def _resolve_region(code: Any, user, regions: dict[str, Region], errors: Errors, path: str) -> Region | None:
    region = regions.get(str(code or ""))
    if region is None or (user is not None and not user.in_scope(region.code)):
        errors.add(path, _("区划代码 %(c)s 不存在或不在您的管辖范围内。") % {"c": code or ""})
        return None
    if region.level != RegionLevel.VILLAGE:
        errors.add(
            path,
            _("贫困户应登记到村级区划，%(n)s 是%(l)s。")
            % {"n": region.name, "l": region.get_level_display()},
        )
        return None
    return region


def _apply_household(draft: Draft, data: dict, user, regions: dict[str, Region], errors: Errors) -> None:
    h = draft.household
    if "region" in data:
        region = _resolve_region(data["region"], user, regions, errors, f"{draft.prefix}region")
        if region is not None:
            h.region = region
    elif not h.region_id:
        errors.add(f"{draft.prefix}region", _("请填写所在村的区划代码。"))
    load = history_load()
    if load is None:
        _refuse_procedural(h, data, draft.prefix, errors)
        _set_fields(h, data, ORDINARY_INPUT)
    else:
        before = h.status
        _set_fields(h, data, HOUSEHOLD_INPUT)
        found = history_errors(h.status, h.identified_year, h.exit_year, load.as_of)
        if h.pk and not found:
            found = reload_errors(h, before, load.as_of)
        for name, message in found.items():
            errors.add(f"{draft.prefix}{name}", message)
    if data.get("number") and not h.pk:
        # A household moving in from another system keeps its 户编号, if it fits its village and is free.
        number = normalize_identifier(data["number"])
        if not (len(number) == 17 and number.isdigit() and h.region_id and number.startswith(h.region_id)):
            errors.add(f"{draft.prefix}number", _("户编号应为 17 位数字，以所在村的 12 位区划代码开头。"))
        else:
            h.number = number
    if h.other_causes is None:
        h.other_causes = []
    if not isinstance(h.other_causes, list):
        errors.add(f"{draft.prefix}other_causes", _("其他致贫原因应为列表。"))
        h.other_causes = []
    for message in rules.cause_errors(h.main_cause, h.other_causes):
        errors.add(f"{draft.prefix}other_causes", message)
    _clean(h, draft.prefix, errors, ["region", "number", "head_name", "member_count", "other_causes"])


def _refuse_procedural(h: Household, data: dict, prefix: str, errors: Errors) -> None:
    """A status, 识别年度 or 脱贫年度 given outside a historical load may only repeat what is stored (a new
    household is 未识别, without either year): procedures change them, never a form, the API or an ordinary
    import."""
    for name in PROCEDURAL_FIELDS:
        given = data.get(name)
        if given not in (None, "") and given != getattr(h, name):
            field = Household._meta.get_field(name).verbose_name
            errors.add(f"{prefix}{name}", str(PROCEDURAL_REFUSED % {"field": field}))


def _apply_members(draft: Draft, items: list[dict], existing: dict[int, Member], errors: Errors) -> None:
    seen_ids: dict[str, int] = {}
    kept: set[int] = set()
    for i, data in enumerate(items):
        path = f"{draft.prefix}members.{i}."
        member_id = data.get("id")
        if member_id is not None:
            member = existing.get(member_id)
            if member is None:
                errors.add(f"{path}id", _("该成员不属于本户。"))
                continue
            kept.add(member_id)
        else:
            member = Member(household=draft.household if draft.household.pk else None)
        _set_fields(member, data, MEMBER_INPUT)
        try:
            facts = parse_id_number(member.id_number or "")
        except ValidationError as exc:
            errors.add(f"{path}id_number", exc.messages)
        else:
            member.id_number, member.sex, member.birth_date = facts.number, facts.sex, facts.birth_date
            if facts.number in seen_ids:
                errors.add(
                    f"{path}id_number",
                    _("身份证号与本户第 %(n)d 名成员重复。") % {"n": seen_ids[facts.number] + 1},
                )
            seen_ids.setdefault(facts.number, i)
        _clean(member, path, errors, ["household", "sex", "birth_date", "id_number"])
        draft.members.append(member)
    draft.removed = [m for pk, m in existing.items() if pk not in kept]
    for message in rules.head_errors([m.relationship for m in draft.members]):
        errors.add(f"{draft.prefix}members", message)


def _apply_years(draft: Draft, items: list[dict], existing: dict[int, HouseholdYear], errors: Errors) -> None:
    seen: set[int] = set()
    for i, data in enumerate(items):
        path = f"{draft.prefix}years.{i}."
        year_value = data.get("year")
        record = existing.get(int(year_value)) if str(year_value).isdigit() else None
        record = record or HouseholdYear()
        _set_fields(record, data, YEAR_INPUT)
        if not data.get("household_size"):
            record.household_size = len(draft.members) or draft.household.member_count
        if year_value in seen:
            errors.add(f"{path}year", _("年度 %(y)s 重复填写。") % {"y": year_value})
        seen.add(year_value)
        if Decimal(record.property_dividend or 0) > Decimal(record.property_income or 0):
            errors.add(
                f"{path}property_dividend", _("资产收益扶贫分红是财产性收入的一部分，不能大于财产性收入。")
            )
        _clean(record, path, errors, ["household"])
        draft.years.append(record)


def _values(record) -> dict:
    """A record's audited values as Python values (3000 and 3000.00 are the same amount)."""
    return {f.attname: getattr(record, f.attname) for f in audit.audited_fields(type(record))}


def _check_frozen(drafts: list[Draft], errors: Errors) -> None:
    """A year its county has closed is frozen: its records are not written (``yearcycle``). One query."""
    county = lambda d: ancestor_at(d.household.region_id or "", RegionLevel.COUNTY)  # noqa: E731
    frozen = yearcycle.frozen_pairs(
        (d.household.region_id, y.year) for d in drafts for y in d.years if isinstance(y.year, int)
    )
    for d in drafts:
        for i, y in enumerate(d.years):
            if (county(d), y.year) in frozen:
                errors.add(f"{d.prefix}years.{i}.year", yearcycle.frozen_message(y.year))


def _check_duplicate_ids(drafts: list[Draft], errors: Errors, user) -> None:
    """One person, one active household in the whole country: across the batch and against the database.

    A clash inside the user's scope names the other household (village, 户编号); outside it, only the other
    county and its office — never village, number or name — and the lookup is audited where the other
    household can see it and counted against the user's hourly allowance (``id_lookups``).
    """
    owner: dict[str, tuple[Draft, int]] = {}
    for draft in drafts:
        for i, m in enumerate(draft.members):
            if not m.birth_date:
                continue  # its ID number already has an error
            if m.id_number in owner and owner[m.id_number][0] is not draft:
                errors.add(
                    f"{draft.prefix}members.{i}.id_number", _("身份证号在本批数据的另一户中重复出现。")
                )
            owner.setdefault(m.id_number, (draft, i))
    numbers = list(owner)
    for start in range(0, len(numbers), 900):
        clash = (
            Member.objects.filter(id_number__in=numbers[start : start + 900], is_active=True)
            .select_related("household__region")
            .only(
                "id", "id_number", "household__number", "household__region__code", "household__region__name"
            )
        )
        for other in clash:
            draft, i = owner[other.id_number]
            if draft.household.pk and other.household_id == draft.household.pk:
                continue
            errors.add(f"{draft.prefix}members.{i}.id_number", _registered_elsewhere(other, user))


def _registered_elsewhere(other: Member, user) -> str:
    """The message for an ID number already active in ``other``'s household, as much as ``user`` may know."""
    region = other.household.region
    if user is None or user.in_scope(region.code):
        return _("身份证号 %(id)s 已登记在 %(region)s 户编号 %(no)s 的家庭中，一人只能属于一个在册家庭。") % {
            "id": mask_id_number(other.id_number),
            "region": region.full_name(),
            "no": other.household.number,
        }
    allowed = id_lookups.count(user)
    entry = audit.build_entry(
        AuditAction.LOOKUP,
        other,
        changes={"id_number": [None, mask_id_number(other.id_number)], "refused": [None, not allowed]},
        root=f"registry.household:{other.household_id}",
        region_code=region.code,
    )
    entry.actor, entry.actor_label = user, user.get_username()  # the one who looked, whatever the context
    audit.record_read(entry)  # kept even when the write that looked is refused and rolled back
    if not allowed:
        return _(
            "该身份证号已在您辖区以外的家庭中登记。您本小时的跨辖区查重次数已用完，请稍后再试或联系上级部门。"
        )
    county = (
        Region.objects.filter(code=region_rules.ancestor_at(region.code, RegionLevel.COUNTY))
        .select_related("office")
        .first()
    )
    office = getattr(county, "office", None) if county else None
    contact = (
        _("请联系%(office)s（%(phone)s）核实。") % {"office": office.name, "phone": office.phone}
        if office
        else _("请联系该县扶贫（乡村振兴）部门核实。")
    )
    return _("该身份证号已在%(county)s的在册家庭中登记，一人只能属于一个在册家庭；%(contact)s") % {
        "county": county.full_name() if county else region.code[:6],
        "contact": contact,
    }


def _check_preset_numbers(drafts: list[Draft], errors: Errors) -> None:
    preset: dict[str, Draft] = {}
    for d in drafts:
        if d.household.number:
            if d.household.number in preset:
                errors.add(
                    f"{d.prefix}number", _("户编号 %(n)s 在本批数据中重复。") % {"n": d.household.number}
                )
            preset[d.household.number] = d
    taken = (
        Household.objects.filter(number__in=list(preset)).values_list("number", flat=True) if preset else []
    )
    for number in taken:
        errors.add(f"{preset[number].prefix}number", _("户编号 %(n)s 已被使用。") % {"n": number})


def household_numbers(
    regions: list[str], preset: list[str | None], tops: dict[str, int] | None = None
) -> list[str]:
    """户编号 for households in ``regions`` (village codes, one per household): the ``preset`` number where given
    (carried in from elsewhere), else the village code + a 5-digit sequence continuing the village's highest.

    ``tops`` — a bulk import's memory of each village's highest sequence, kept across its batches — spares
    reading every village's households again for each batch (that read grew with the village: a 1,000,000
    person import spent 24 s in it on SQLite). A stale memory (someone else numbered meanwhile) breaks the
    unique index on 户编号, and the caller forgets it and retries.
    """
    villages = sorted(set(regions))
    if connection.features.has_select_for_update:  # serialise concurrent registrations in the same village
        list(Region.objects.select_for_update().filter(code__in=villages).values_list("code", flat=True))
    top: dict[str, int] = tops if tops is not None else {}
    unknown = [v for v in villages if v not in top]
    for start in range(0, len(unknown), 900):
        chunk = unknown[start : start + 900]
        rows = Household.objects.filter(region_id__in=chunk).values("region_id").annotate(top=Max("number"))
        top.update(dict.fromkeys(chunk, 0))
        top.update({r["region_id"]: int(r["top"][12:]) for r in rows})
    for region, number in zip(regions, preset, strict=True):  # new numbers continue above carried-in ones
        if number:
            top[region] = max(top.get(region, 0), int(number[12:]))
    numbers = []
    for region, number in zip(regions, preset, strict=True):
        if not number:
            top[region] = top.get(region, 0) + 1
            number = f"{region}{top[region]:05d}"
        numbers.append(number)
    return numbers


def _assign_numbers(households: list[Household]) -> None:
    numbers = household_numbers([h.region_id for h in households], [h.number for h in households])
    for h, number in zip(households, numbers, strict=True):
        h.number = number


def refresh_tallies(villages: Iterable[str] | None = None, *, chunk: int = 900) -> int:
    """Recompute the household/person tallies of ``villages`` (all villages when None) from the households.

    Exact rather than incremental: a recount cannot drift, and a village holds a few hundred households at most.
    Returns the number of villages that have households.
    """
    if villages is None:
        VillageTally.objects.all().delete()
        scopes = [Household.objects.all()]
    else:
        codes = sorted(set(villages))
        VillageTally.objects.filter(region_id__in=codes).delete()
        scopes = [
            Household.objects.filter(region_id__in=codes[i : i + chunk]) for i in range(0, len(codes), chunk)
        ]
    written = 0
    for households in scopes:
        rows = (
            households.filter(status__in=ACTIVE_STATUSES)
            .values("region_id")
            .annotate(n=Count("id"), persons=Sum("member_count"))
            .order_by()
        )
        tallies = [
            VillageTally(region_id=r["region_id"], households=r["n"], persons=r["persons"] or 0) for r in rows
        ]
        VillageTally.objects.bulk_create(tallies, batch_size=5000)
        written += len(tallies)
    return written


def _pending_transfer_errors(members: Iterable[Member]) -> list[str]:
    """A person waiting in a transfer to another county stays in their household until the receiving county
    decides (``registry.members``): removing them, or cancelling their household, would lose them between two
    counties."""
    ids = [m.pk for m in members if m.pk]
    if not ids:
        return []
    pending = Transfer.members.through.objects.filter(
        member_id__in=ids, transfer__status=TransferStatus.PENDING
    )
    return [
        _("%(n)s 有跨县迁移申请待迁入县接收，不能移出本户；请先撤回该申请。") % {"n": row.member.name}
        for row in pending.select_related("member")
    ]


def _summarise(h: Household, members: list[Member]) -> None:
    h.member_count = len(members)
    h.head_name = next((m.name for m in members if m.relationship == Relationship.HEAD), "")


def households_register(*, user, items: list[dict], batch: bool = True) -> list[Household]:
    """Register new households (each ``{"household", "members", "years"}``), all or none.

    With ``batch`` the error paths start with the item's index (``3.members.0.id_number``).
    """
    permissions.require(user, "change")
    codes = {str(item.get("household", {}).get("region") or "") for item in items}
    regions = Region.objects.in_bulk([c for c in codes if c])
    errors = Errors()
    drafts = []
    for n, item in enumerate(items):
        draft = Draft(household=Household(), prefix=f"{n}." if batch else "")
        _apply_household(draft, item.get("household", {}), user, regions, errors)
        _apply_members(draft, item.get("members", []), {}, errors)
        _summarise(draft.household, draft.members)
        _apply_years(draft, item.get("years", []), {}, errors)
        drafts.append(draft)
    _check_duplicate_ids(drafts, errors, user)
    _check_preset_numbers(drafts, errors)
    _check_frozen(drafts, errors)
    errors.raise_if_any()

    households = [d.household for d in drafts]
    with transaction.atomic():
        _assign_numbers(households)
        Household.objects.bulk_create(households)
        if history_load():
            status_loaded(households, user=user)
        for d in drafts:
            for obj in (*d.members, *d.years):
                obj.household = d.household
        members = [m for d in drafts for m in d.members]
        years = [y for d in drafts for y in d.years]
        Member.objects.bulk_create(members, batch_size=1000)
        HouseholdYear.objects.bulk_create(years, batch_size=500)
        # One entry per household holds its members and years too: the whole card as it was registered.
        entries = [
            audit.entry_for(
                AuditAction.CREATE,
                d.household,
                after={
                    **audit.snapshot(d.household),
                    "members": [audit.snapshot(m) for m in d.members],
                    "years": [audit.snapshot(y) for y in d.years],
                },
            )
            for d in drafts
        ]
        mark_historical(entries)
        audit.record_many(entries)
        refresh_tallies(h.region_id for h in households)
    return households


def household_register(
    *, user, household: dict, members: list[dict], years: list[dict] | None = None
) -> Household:
    """Register one household with its members and yearly records."""
    item = {"household": household, "members": members, "years": years or []}
    return households_register(user=user, items=[item], batch=False)[0]


def _save_part(obj: Member | HouseholdYear, household: Household, before: dict[int, dict]):
    """Save a member or yearly record of ``household``; its audit entry (create, or update with the diff)."""
    obj.household = household
    is_new = obj.pk is None
    obj.save()
    return audit.entry_for(
        AuditAction.CREATE if is_new else AuditAction.UPDATE,
        obj,
        before=None if is_new else before[obj.pk],
        after=audit.snapshot(obj),
    )


@transaction.atomic
def household_update(
    *,
    user,
    household: Household,
    data: dict | None = None,
    members: list[dict] | None = None,
    years: list[dict] | None = None,
    tallies: bool = True,
) -> Household:
    """Change a household. ``members`` (when given) is the full list: members left out are removed from the
    household (kept, inactive); ``years`` adds or replaces those years and leaves the others untouched.
    ``tallies=False``: the caller recounts the villages once for many updates (an import), in the same
    transaction.
    """
    permissions.require(user, "change")
    h = Household.objects.select_for_update().get(pk=household.pk)
    permissions.require(user, "change", region=h.region_id)
    if h.status == HouseholdStatus.CANCELLED:
        raise ValidationError({"status": [_("该户已注销，不能再修改。如需恢复，请重新识别建档。")]})
    old_region = h.region_id
    errors = Errors()
    draft = Draft(household=h)
    before_h = audit.snapshot(h)
    regions = Region.objects.in_bulk([str(data["region"])]) if data and data.get("region") else {}
    _apply_household(draft, data or {}, user, regions, errors)

    existing_members = {m.pk: m for m in h.members.filter(is_active=True).order_by("id")}
    member_before = {pk: audit.snapshot(m) for pk, m in existing_members.items()}
    if members is None:
        draft.members = list(existing_members.values())
    else:
        _apply_members(draft, members, existing_members, errors)
    _summarise(h, draft.members)

    existing_years = {y.year: y for y in h.years.all()}
    year_before = {y.pk: audit.snapshot(y) for y in existing_years.values()}
    year_values = {y.pk: _values(y) for y in existing_years.values()}
    _apply_years(draft, years or [], existing_years, errors)
    # a yearly record given back as it is stored is no write (a form posts the latest one back every time)
    draft.years = [y for y in draft.years if y.pk is None or _values(y) != year_values[y.pk]]
    _check_frozen([draft], errors)
    latest = existing_years[max(existing_years)] if existing_years else None
    if (
        members is not None
        and not years
        and latest
        and not yearcycle.frozen_pairs([(h.region_id, latest.year)])
    ):
        # The latest year describes the household as it is now: its size follows the members (a closed
        # year keeps the size it was closed with).
        latest.household_size = max(len(draft.members), 1)
        draft.years.append(latest)
    _check_duplicate_ids([draft], errors, user)
    for message in _pending_transfer_errors(draft.removed):
        errors.add("members", message)
    errors.raise_if_any()

    entries = []
    h.save()
    if history_load():
        status_loaded([h], user=user, before={h.pk: before_h["status"]})
    entries.append(audit.entry_for(AuditAction.UPDATE, h, before=before_h, after=audit.snapshot(h)))
    mark_historical(entries)
    for m in draft.members:
        entries.append(_save_part(m, h, member_before))
    for m in draft.removed:
        m.is_active = False
        m.save(update_fields=["is_active"])
        entries.append(
            audit.entry_for(AuditAction.DELETE, m, before=member_before[m.pk], after=audit.snapshot(m))
        )
    for y in draft.years:
        entries.append(_save_part(y, h, year_before))
    audit.record_many(entries)
    if tallies:
        refresh_tallies({old_region, h.region_id})
    return h


@transaction.atomic
def household_cancel(
    *,
    user,
    household: Household,
    reason: str,
    effective_on: dt.date | None = None,
    business_year: int | None = None,
) -> Household:
    """注销: the record is kept with status 已注销 and its members become free to join another household. Dated
    today in today's business year unless the procedure that empties the household gives its own (a move of
    January counted in the year before is cancelled in that year)."""
    permissions.require(user, "change")
    household = Household.objects.select_for_update().get(pk=household.pk)  # the row as it is now, locked
    permissions.require(user, "change", region=household.region_id)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写注销原因。")]})
    if household.status == HouseholdStatus.CANCELLED:
        raise ValidationError({"status": [_("该户已注销。")]})
    if pending := _pending_transfer_errors(household.members.filter(is_active=True)):
        raise ValidationError({"status": pending})
    status_change(
        [household], to=HouseholdStatus.CANCELLED, source=StatusSource.CANCELLATION,
        business_year=business_year or timezone.localdate().year, effective_on=effective_on,
        reason=reason.strip(), user=user,
    )  # fmt: skip
    entries = []
    for m in household.members.filter(is_active=True):
        m.household = household
        entries.append(
            audit.entry_for(AuditAction.DELETE, m, before={"is_active": True}, after={"is_active": False})
        )
    household.members.filter(is_active=True).update(is_active=False)
    audit.record_many(entries)
    refresh_tallies([household.region_id])
    return household


def personal_data_revealed(*, user, household: Household) -> None:
    """Log that ``user`` — whose role sees ID numbers masked by default — asked to see them in full."""
    permissions.require(user, "reveal")
    if sees_in_full(user):
        return
    entry = audit.build_entry(
        AuditAction.REVEAL,
        household,
        changes={"fields": ["members.id_number", "phone"]},
        root=f"registry.household:{household.pk}",
        region_code=household.region_id,
    )
    entry.save()


@transaction.atomic
def household_bank_account_set(*, user, household: Household, bank_name: str, bank_account: str) -> Household:
    """Set (or clear, both empty) the household's 一卡通 account: the bank's name and the account number, which is
    normalised (full-width digits, spaces), validated (12–30 digits), stored encrypted with its keyed digest,
    and audited masked (the number never lands in the trail in full)."""
    permissions.require(user, "set_bank_account", what=_("登记一卡通账户"))
    h = Household.objects.select_for_update().get(pk=household.pk)
    permissions.require(user, "set_bank_account", region=h.region_id, what=_("登记一卡通账户"))
    if h.status == HouseholdStatus.CANCELLED:
        raise ValidationError({"bank_account": [_("该户已注销，不能再登记账户。")]})
    number = normalize_identifier(bank_account)
    name = (bank_name or "").strip()
    if number and not name:
        raise ValidationError({"bank_name": [_("请填写开户银行。")]})
    before = {"bank_name": h.bank_name, "bank_account": mask_card(h.bank_account)}
    h.bank_name, h.bank_account = name, number
    h.bank_account_digest = crypto.digest(number)
    try:
        h.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(
            {k: v for k, v in exc.message_dict.items() if k in ("bank_name", "bank_account")}
            or exc.message_dict
        ) from None
    h.save(update_fields=["bank_name", "bank_account", "bank_account_digest", "updated_at"])
    audit.record(
        AuditAction.UPDATE, h, before=before, after={"bank_name": name, "bank_account": mask_card(number)}
    )
    return h
