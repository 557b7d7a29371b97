"""人口变动 (动态管理): births, deaths, marriages, 分户/合户, 户主 changes and moves, each written as immutable
``MemberChange`` rows (dated, with the business year and reason, by whom), audited; a move to another county is a
two-step ``Transfer`` that the receiving county accepts.

Every change goes through the registry's own writers (``services.household_update``, ``household_register``,
``household_cancel``): a person added by a birth is checked exactly as on the household form (ID number,
relationship, one 户主, one active household in the country), the household's summaries (户主, 家庭人口数), the
latest year's size and the village tallies follow. Nothing here sets a status: a household made by 分户 or by a
move is 未识别, and a household left without members is cancelled (注销) by the registry's cancellation.

One person, one household: a person who moves is first made inactive in the household left and then added to the
household joined, in one transaction; the unique index ``member_one_active_household`` refuses a second active
row of the same ID number whatever path wrote it. While a transfer to another county waits, its persons stay
active where they are (and no other change may take them); acceptance moves them in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.codes import same_ancestor
from jingzhun.core.ids import normalize_identifier, parse_id_number
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import services, yearcycle
from .choices import (
    COUNTED_STATUSES,
    HouseholdStatus,
    MemberChangeKind,
    Relationship,
    SplitReviewStatus,
    TransferStatus,
)
from .models import Household, Member, MemberChange, SplitReview, Transfer
from .status import MIN_YEAR

K = MemberChangeKind
MEMBER_FIELDS = services.MEMBER_INPUT


@dataclass(frozen=True)
class When:
    """When a change took effect, the business year it counts in, and why."""

    effective_on: dt.date
    business_year: int
    reason: str


def _when(effective_on, business_year, reason, errors: services.Errors, *, default=None) -> When:
    """The change's date (today, or ``default``, when not given): not in the future; its business year the
    date's year or the one before (a change of late December recorded in January counts in the old year)."""
    today = timezone.localdate()
    effective_on = effective_on or default or today
    if effective_on > today:
        errors.add("effective_on", _("变动日期不能晚于今天。"))
    elif effective_on.year < MIN_YEAR:
        errors.add("effective_on", _("变动日期不能早于 %(y)d 年。") % {"y": MIN_YEAR})
    year = int(business_year or effective_on.year)
    if year not in (effective_on.year, effective_on.year - 1):
        errors.add("business_year", _("所属年度应为变动日期的当年或上一年。"))
    return When(effective_on, year, (reason or "").strip())


def _locked(*households: Household) -> list[Household]:
    """The households as they are now, locked (in id order, so two moves never wait on each other); a
    cancelled household takes no change."""
    locked = (
        Household.objects.select_for_update()
        .select_related("region")
        .filter(pk__in=[h.pk for h in households])
    )
    found = {h.pk: h for h in locked.order_by("pk")}
    rows = [found[h.pk] for h in households]
    for h in rows:
        if h.status == HouseholdStatus.CANCELLED:
            raise ValidationError(
                {"household": [_("户编号 %(n)s 已注销，不能办理人口变动。") % {"n": h.number}]}
            )
    return rows


def _active(household: Household) -> list[Member]:
    return list(household.members.filter(is_active=True).order_by("id"))


def _pick(active: list[Member], members: Iterable[Member | int], errors: services.Errors, path="members"):
    by_pk = {m.pk: m for m in active}
    picked = []
    for m in members:
        pk = m if isinstance(m, int) else m.pk
        if pk not in by_pk:
            errors.add(path, _("所选人员不是本户的在户成员。"))
            continue
        picked.append(by_pk[pk])
    return picked


def pending_members(members: Iterable[Member]) -> dict[int, Transfer]:
    """Members (by id) waiting in a transfer to another county."""
    ids = [m.pk for m in members]
    through = Transfer.members.through.objects.filter(
        member_id__in=ids, transfer__status=TransferStatus.PENDING
    ).select_related("transfer__to_county")
    return {row.member_id: row.transfer for row in through}


def _not_pending(members: list[Member], errors: services.Errors) -> None:
    for pk, t in pending_members(members).items():
        name = next(m.name for m in members if m.pk == pk)
        errors.add(
            "members",
            _("%(n)s 有迁往%(c)s的跨县迁移申请待接收，请先撤回该申请。") % {"n": name, "c": t.to_county.name},
        )


def _refused(exc: ValidationError, person: str | None = None) -> ValidationError:
    """A refusal of the registry's writers, keyed for the member-change forms: the new person's fields by their
    own names (``id_number``), everything else as messages of the whole change."""
    if not hasattr(exc, "error_dict"):
        return exc
    out: dict[str, list[str]] = {}
    for path, messages in exc.message_dict.items():
        parts = path.split(".")
        key = parts[2] if person is not None and len(parts) == 3 and parts[1] == person else "__all__"
        out.setdefault(key, []).extend(messages)
    return ValidationError(out)


def _change(household, kind, member, when: When, *, other=None, transfer=None, detail="", user=None):
    return MemberChange(
        household=household, kind=kind, member=member, name=member.name, other_household=other,
        transfer=transfer, detail=detail[:200], effective_on=when.effective_on, business_year=when.business_year,
        reason=when.reason, actor=user if user is not None and user.pk else None,
    )  # fmt: skip


AUDITED = ("kind", "name", "detail", "effective_on", "business_year", "reason")


def _save(changes: list[MemberChange]) -> list[MemberChange]:
    """Write the change rows and their audit entries (read on the card's history in words); a change counted
    in a year its county has closed is refused (``yearcycle``)."""
    yearcycle.refuse_frozen(
        ((c.household.region_id, c.business_year) for c in changes), field="business_year"
    )
    MemberChange.objects.bulk_create(changes)
    audit.record_many(
        audit.entry_for(
            AuditAction.CREATE,
            c,
            after={k: v for k, v in audit.snapshot(c).items() if k in AUDITED and v not in ("", None)},
        )
        for c in changes
    )
    return changes


def _place(h: Household) -> str:
    return _("%(r)s 户编号 %(n)s") % {"r": h.region.full_name(), "n": h.number}


# ---- joining and leaving one household ------------------------------------------------------------------------


def _leave(*, user, household: Household, active: list[Member], leaving: list[Member], new_head, when: When,
           cancel_reason: str) -> list[MemberChange]:  # fmt: skip
    """Make ``leaving`` inactive in ``household``; a new 户主 among those who stay when the head leaves; a
    household left by everyone is cancelled (注销). Returns the 户主变更 row, if any (unsaved)."""
    staying = [m for m in active if m not in leaving]
    if not staying:
        services.household_cancel(
            user=user, household=household, reason=cancel_reason,
            effective_on=when.effective_on, business_year=when.business_year,
        )  # fmt: skip
        return []
    head = next((m for m in active if m.relationship == Relationship.HEAD), None)
    changes = []
    payload = [{"id": m.pk} for m in staying]
    if head in leaving:
        new_head = next((m for m in staying if new_head is not None and m.pk == getattr(new_head, "pk", new_head)),
                        None)  # fmt: skip
        if new_head is None:
            raise ValidationError(
                {"new_head": [_("户主%(n)s离开本户，请从留在本户的成员中指定新户主。") % {"n": head.name}]}
            )
        payload = [
            {"id": m.pk, **({"relationship": Relationship.HEAD} if m == new_head else {})} for m in staying
        ]
        changes.append(_change(household, K.HEAD_CHANGE, new_head, when, detail=_("原户主：%(n)s") % {"n": head.name},
                               user=user))  # fmt: skip
    try:
        services.household_update(user=user, household=household, members=payload)
    except ValidationError as exc:
        raise _refused(exc) from exc
    return changes


def _join(
    *, user, household: Household, person: dict, kind: str, when: When, detail: str = ""
) -> MemberChange:
    """Add a person who was in no household of the registry (a birth, a marriage from outside) to ``household``,
    through the household form's own checks."""
    active = _active(household)
    payload = [{"id": m.pk} for m in active] + [person]
    try:
        services.household_update(user=user, household=household, members=payload)
    except ValidationError as exc:
        raise _refused(exc, person=str(len(active))) from exc
    new = household.members.filter(is_active=True).exclude(pk__in=[m.pk for m in active]).get()
    return _save([_change(household, kind, new, when, detail=detail, user=user)])[0]


def _birth_date(person: dict) -> dt.date | None:
    try:
        return parse_id_number(normalize_identifier(str(person.get("id_number") or ""))).birth_date
    except ValidationError:
        return None  # the registry's check says what is wrong with it


@transaction.atomic
def member_birth(*, user, household: Household, member: dict, effective_on: dt.date | None = None,
                 business_year: int | None = None, reason: str = "") -> MemberChange:  # fmt: skip
    """新增人口（出生）: a child added to the household, dated by default on the birth date of the ID number."""
    (h,) = _locked(household)
    permissions.require(user, "change_members", region=h.region_id, what=_("出生登记"))
    errors = services.Errors()
    born = _birth_date(member)
    when = _when(effective_on, business_year, reason or _("出生"), errors, default=born)
    if born and when.effective_on < born:
        errors.add("effective_on", _("变动日期不能早于出生日期。"))
    if member.get("relationship") == Relationship.HEAD:
        errors.add("relationship", _("新生儿不能登记为户主；户主变更请另行办理。"))
    errors.raise_if_any()
    return _join(user=user, household=h, person=member, kind=K.BIRTH, when=when)


@transaction.atomic
def member_marry_in(*, user, household: Household, member: dict, effective_on: dt.date | None = None,
                    business_year: int | None = None, reason: str = "", origin: str = "") -> MemberChange:  # fmt: skip
    """婚入: a spouse from outside the registry joins. A spouse already in a household of the registry moves
    from it instead (``members_move(marriage=True)`` in the county, a transfer from another county)."""
    (h,) = _locked(household)
    permissions.require(user, "change_members", region=h.region_id, what=_("婚入登记"))
    errors = services.Errors()
    when = _when(effective_on, business_year, reason or _("婚嫁"), errors)
    if member.get("relationship") == Relationship.HEAD:
        errors.add("relationship", _("婚入人员不能直接登记为户主；户主变更请另行办理。"))
    errors.raise_if_any()
    detail = _("来自%(o)s") % {"o": origin.strip()} if origin.strip() else ""
    try:
        return _join(user=user, household=h, person=member, kind=K.MARRY_IN, when=when, detail=detail)
    except ValidationError as exc:
        if "id_number" in getattr(exc, "error_dict", {}):
            exc.error_dict["id_number"].append(
                ValidationError(_("已在册的人员请在其原户办理迁移（婚嫁），跨县的由原县提出迁出申请。"))
            )
        raise


def _out(
    *, user, household, member, kind, what, when_args, new_head, detail="", cancel_reason
) -> MemberChange:
    (h,) = _locked(household)
    permissions.require(user, "change_members", region=h.region_id, what=what)
    errors = services.Errors()
    active = _active(h)
    (m,) = _pick(active, [member], errors, "member") or (None,)
    when = _when(*when_args, errors)
    if m is not None:
        _not_pending([m], errors)
        if kind == K.DEATH and when.effective_on < m.birth_date:
            errors.add("effective_on", _("死亡日期不能早于该成员的出生日期。"))
    errors.raise_if_any()
    head_change = _leave(user=user, household=h, active=active, leaving=[m], new_head=new_head, when=when,
                         cancel_reason=cancel_reason)  # fmt: skip
    return _save([_change(h, kind, m, when, detail=detail, user=user), *head_change])[0]


@transaction.atomic
def member_death(*, user, household: Household, member: Member, died_on: dt.date | None,
                 business_year: int | None = None, reason: str = "", new_head: Member | None = None) -> MemberChange:  # fmt: skip
    """自然减少（死亡）: the member leaves the household (kept, inactive); the 户主's death names a new one; the
    death of the last member cancels the household."""
    if died_on is None:
        raise ValidationError({"effective_on": [_("请填写死亡日期。")]})
    return _out(
        user=user, household=household, member=member, kind=K.DEATH, what=_("死亡登记"),
        when_args=(died_on, business_year, reason or _("死亡")), new_head=new_head,
        cancel_reason=_("户内人员均已死亡"),
    )  # fmt: skip


@transaction.atomic
def member_marry_out(*, user, household: Household, member: Member, effective_on: dt.date | None = None,
                     business_year: int | None = None, reason: str = "", destination: str = "",
                     new_head: Member | None = None) -> MemberChange:  # fmt: skip
    """婚出 to a place outside the registry (a spouse into a registered household moves there instead)."""
    return _out(
        user=user, household=household, member=member, kind=K.MARRY_OUT, what=_("婚出登记"),
        when_args=(effective_on, business_year, reason or _("婚嫁")), new_head=new_head,
        detail=_("去往%(d)s") % {"d": destination.strip()} if destination.strip() else "",
        cancel_reason=_("户内人员均已婚出"),
    )  # fmt: skip


@transaction.atomic
def head_change(*, user, household: Household, new_head: Member, old_head_relationship: str,
                effective_on: dt.date | None = None, business_year: int | None = None,
                reason: str = "") -> MemberChange:  # fmt: skip
    """户主变更: another member becomes the head; the old head's relationship to the new one is given."""
    (h,) = _locked(household)
    permissions.require(user, "change_members", region=h.region_id, what=_("户主变更"))
    errors = services.Errors()
    active = _active(h)
    when = _when(effective_on, business_year, reason, errors)
    old = next((m for m in active if m.relationship == Relationship.HEAD), None)
    new = next((m for m in active if m.pk == getattr(new_head, "pk", new_head)), None)
    if new is None or new == old:
        errors.add("new_head", _("新户主应为本户的另一名在户成员。"))
    else:
        _not_pending([new], errors)  # a person waiting to leave the county cannot become the head
    if old_head_relationship not in Relationship.values or old_head_relationship == Relationship.HEAD:
        errors.add("old_head_relationship", _("请选择原户主与新户主的关系。"))
    errors.raise_if_any()
    payload = [
        {"id": m.pk, **({"relationship": Relationship.HEAD} if m == new else {}),
         **({"relationship": old_head_relationship} if m == old else {})}
        for m in active
    ]  # fmt: skip
    try:
        services.household_update(user=user, household=h, members=payload)
    except ValidationError as exc:
        raise _refused(exc) from exc
    detail = _("原户主：%(n)s") % {"n": old.name} if old else ""
    return _save([_change(h, K.HEAD_CHANGE, new, when, detail=detail, user=user)])[0]


# ---- moving persons between households --------------------------------------------------------------------------


def _new_household(source: Household, village: Region) -> dict:
    """A household made by 分户 or a move: 未识别 (only procedures register it), in ``village``, with the card's
    classification carried over from the household the persons come from, to be corrected on its own card."""
    return {
        "region": village.code,
        "status": HouseholdStatus.UNIDENTIFIED,
        "identification_standard": source.identification_standard,
        "attribute": source.attribute,
        "main_cause": source.main_cause,
        "other_causes": list(source.other_causes),
    }


def _move(*, user_from, user_to, source: Household, persons: list[Member], active: list[Member],
          target: Household | None, village: Region | None, relationships: dict[int, str], new_head,
          kinds: tuple[str, str], when: When, transfer: Transfer | None = None,
          cancel_reason: str) -> tuple[Household, list[MemberChange]]:  # fmt: skip
    """Move ``persons`` (active members of ``source``) into ``target`` or into a new household in ``village``:
    inactive in the one, then added to the other with their relationship there, in the caller's transaction."""
    out_kind, in_kind = kinds
    errors = services.Errors()
    payloads = []
    for m in persons:
        relationship = relationships.get(m.pk)
        if relationship not in Relationship.values:
            errors.add("relationships", _("请选择%(n)s在迁入户中与户主的关系。") % {"n": m.name})
        payloads.append({**{f: getattr(m, f) for f in MEMBER_FIELDS}, "relationship": relationship})
    errors.raise_if_any()
    leaving_head = _leave(user=user_from, household=source, active=active, leaving=persons, new_head=new_head,
                          when=when, cancel_reason=cancel_reason)  # fmt: skip
    try:
        with transaction.atomic():  # the unique index is the last word on one person, one household
            if target is not None:
                joined = _active(target)
                services.household_update(
                    user=user_to, household=target, members=[{"id": m.pk} for m in joined] + payloads
                )
            else:
                target = services.household_register(
                    user=user_to, household=_new_household(source, village), members=payloads
                )
    except ValidationError as exc:
        raise _refused(exc) from exc
    except IntegrityError as exc:
        raise ValidationError(
            _("迁移后有人员将同时属于两个在册家庭，未办理：一人只能属于一个在册家庭。")
        ) from exc
    target = Household.objects.select_related("region").get(pk=target.pk)
    new_rows = {
        m.id_number: m
        for m in target.members.filter(is_active=True, id_number__in=[m.id_number for m in persons])
    }
    source_place, target_place = _place(source), _place(target)
    changes = [
        *(_change(source, out_kind, m, when, other=target, transfer=transfer, user=user_to or user_from,
                  detail=_("至%(p)s") % {"p": target_place}) for m in persons),
        *(_change(target, in_kind, new_rows[m.id_number], when, other=source, transfer=transfer,
                  user=user_to or user_from, detail=_("来自%(p)s") % {"p": source_place}) for m in persons),
        *leaving_head,
    ]  # fmt: skip
    return target, _save(changes)


def _destination(user, *, household_number: str = "", village_code: str = "", errors: services.Errors):
    """The household joined (by 户编号) or the village of a new one, within ``user``'s scope."""
    if bool(household_number) == bool(village_code):
        errors.add("to_household", _("请填写迁入户的户编号，或新立户所在村的区划代码（二者选一）。"))
        return None, None
    if household_number:
        households = Household.objects.all() if user is None else Household.objects.for_user(user, "change")
        target = (
            households.select_related("region").filter(number=normalize_identifier(household_number)).first()
        )
        if target is None:
            errors.add(
                "to_household", _("户编号 %(n)s 不存在或不在您的管辖范围内。") % {"n": household_number}
            )
        return target, None
    regions = Region.objects.all() if user is None else Region.objects.for_user(user)  # None: the system
    village = regions.filter(code=village_code.strip()).first()
    if village is None or village.level != RegionLevel.VILLAGE:
        errors.add(
            "village",
            _("新立户所在村的区划代码 %(c)s 不存在、不是村级或不在您的管辖范围内。") % {"c": village_code},
        )
        return None, None
    return None, village


@transaction.atomic
def members_move(*, user, household: Household, members: list[Member], relationships: dict[int, str],
                 to_household: str = "", village: str = "", new_head: Member | None = None, marriage: bool = False,
                 effective_on: dt.date | None = None, business_year: int | None = None,
                 reason: str = "") -> Household:  # fmt: skip
    """A move within the county (迁出/迁入, or 婚嫁 between two registered households): to the household with
    户编号 ``to_household`` or to a new household in ``village``, directly. Another county: ``transfer_request``."""
    errors = services.Errors()
    target, place = _destination(user, household_number=to_household, village_code=village, errors=errors)
    errors.raise_if_any()
    (source,) = _locked(household)
    if target is not None:
        source, target = _locked(source, target)
    permissions.require(user, "change_members", region=source.region_id, what=_("迁移"))
    code = target.region_id if target is not None else place.code
    permissions.require(user, "change_members", region=code, what=_("迁移"))
    if target is not None and target.pk == source.pk:
        errors.add("to_household", _("迁入户与迁出户相同。"))
    elif not same_ancestor(source.region_id, code, RegionLevel.COUNTY):
        errors.add("to_household", _("迁往其他县须办理跨县迁移：由本县提出迁出申请，迁入县接收。"))
    active = _active(source)
    persons = _pick(active, members, errors)
    if not persons:
        errors.add("members", _("请选择迁移人员。"))
    _not_pending(persons, errors)
    when = _when(effective_on, business_year, reason, errors)
    errors.raise_if_any()
    kinds = (K.MARRY_OUT, K.MARRY_IN) if marriage else (K.MOVE_OUT, K.MOVE_IN)
    target, _changes = _move(
        user_from=user, user_to=user, source=source, persons=persons, active=active, target=target, village=place,
        relationships=relationships, new_head=new_head, kinds=kinds, when=when,
        cancel_reason=_("全户迁出（县内迁移）"),
    )  # fmt: skip
    return target


@transaction.atomic
def household_split(*, user, household: Household, members: list[Member], relationships: dict[int, str],
                    village: str = "", new_head: Member | None = None, effective_on: dt.date | None = None,
                    business_year: int | None = None, reason: str = "") -> Household:  # fmt: skip
    """分户: some members form a new household (未识别) in the same village or another of the county. The split of
    a registered household (在册、返贫、已脱贫) is flagged for the township or county to review."""
    errors = services.Errors()
    (source,) = _locked(household)
    permissions.require(user, "change_members", region=source.region_id, what=_("分户"))
    _none, place = _destination(user, village_code=village or source.region_id, errors=errors)
    errors.raise_if_any()
    if not same_ancestor(source.region_id, place.code, RegionLevel.COUNTY):
        errors.add("village", _("分户后的新户应在本县。"))
    active = _active(source)
    persons = _pick(active, members, errors)
    if not persons:
        errors.add("members", _("请选择分出的人员。"))
    elif len(persons) == len(active):
        errors.add("members", _("分户后原户至少应保留一名成员。"))
    _not_pending(persons, errors)
    when = _when(effective_on, business_year, reason, errors)
    errors.raise_if_any()
    new, _changes = _move(
        user_from=user, user_to=user, source=source, persons=persons, active=active, target=None, village=place,
        relationships=relationships, new_head=new_head, kinds=(K.SPLIT_OUT, K.SPLIT_IN), when=when,
        cancel_reason="",
    )  # fmt: skip
    if source.status in COUNTED_STATUSES:
        review = SplitReview.objects.create(household=new, source=source, source_status=source.status)
        audit.record(
            AuditAction.CREATE, review, after={"status": review.status, "source_status": source.status}
        )
    return new


@transaction.atomic
def household_merge(*, user, household: Household, other: str | Household, relationships: dict[int, str],
                    effective_on: dt.date | None = None, business_year: int | None = None,
                    reason: str = "") -> Household:  # fmt: skip
    """合户: every member of ``other`` (户编号, in the county) joins ``household``; ``other`` is cancelled (注销)."""
    errors = services.Errors()
    if isinstance(other, Household):
        other = other.number
    target, _none = _destination(user, household_number=other, errors=errors)
    errors.raise_if_any()
    household, target_absorbed = _locked(household, target)
    permissions.require(user, "change_members", region=household.region_id, what=_("合户"))
    permissions.require(user, "change_members", region=target_absorbed.region_id, what=_("合户"))
    if household.pk == target_absorbed.pk:
        errors.add("to_household", _("不能与本户合户。"))
    elif not same_ancestor(household.region_id, target_absorbed.region_id, RegionLevel.COUNTY):
        errors.add("to_household", _("合户的两户应在同一县。"))
    errors.raise_if_any()
    active = _active(target_absorbed)
    _not_pending(active, errors)
    when = _when(effective_on, business_year, reason, errors)
    errors.raise_if_any()
    _move(
        user_from=user, user_to=user, source=target_absorbed, persons=active, active=active, target=household,
        village=None, relationships=relationships, new_head=None, kinds=(K.MERGE_OUT, K.MERGE_IN), when=when,
        cancel_reason=_("合户至户编号 %(n)s") % {"n": household.number},
    )  # fmt: skip
    return household


# ---- moves between counties: asked by the sending county, accepted by the receiving one -----------------------


def _receiving_village(h: Household, to_village: Region | str, errors: services.Errors) -> Region | None:
    """The village a transfer goes to: a village of the country (outside the sender's scope by nature), not the
    household's own."""
    given = to_village.strip() if isinstance(to_village, str) else to_village
    if isinstance(given, str):
        given = (
            Region.objects.filter(code=given.ljust(12, "0")).first()
            if given.isdigit() and len(given) <= 12
            else None
        )
    if given is None:
        errors.add("to_village", _("迁入村的区划代码 %(c)s 不存在。") % {"c": to_village})
    elif given.level != RegionLevel.VILLAGE:
        errors.add(
            "to_village",
            _("迁入地应选到村，%(n)s 是%(l)s。") % {"n": given.name, "l": given.get_level_display()},
        )
    elif given.code == h.region_id:
        errors.add("to_village", _("迁入村是本户所在村：跨县迁移应迁往其他县的村。"))
    else:
        return given
    return None


@transaction.atomic
def transfer_request(*, user, household: Household, members: list[Member], reason: str,
                     to_county: Region | str = "", to_village: Region | str = "",
                     new_head: Member | None = None) -> Transfer:  # fmt: skip
    """迁出: the sending county asks the receiving county to take ``members``: ``to_village`` (the village they go
    to, whose county receives them) or ``to_county`` alone. They stay in the household, marked pending, until the
    receiving county accepts (then they move) or refuses (they stay)."""
    (h,) = _locked(household)
    permissions.require(user, "transfer_send", region=h.region_id, what=_("跨县迁出"))
    errors = services.Errors()
    village = _receiving_village(h, to_village, errors) if to_village else None
    if village is not None:
        to_county = next((a for a in village.ancestors() if a.level == RegionLevel.COUNTY), None)
        if to_county is None:
            errors.add(
                "to_village", _("%(n)s 不属于任何县级区划，无法办理跨县迁移。") % {"n": village.full_name()}
            )
    elif not to_village:
        given = to_county.strip() if isinstance(to_county, str) else to_county
        if isinstance(to_county, str):
            to_county = Region.objects.filter(code=given).first() if given else None
        if to_county is None:
            errors.add(
                "to_county",
                _("区划代码 %(c)s 不存在。") % {"c": given} if given else _("请填写迁入县的区划代码。"),
            )
    if isinstance(to_county, Region):
        if to_county.level != RegionLevel.COUNTY:
            errors.add("to_county", _("迁入地应为县级区划，%(n)s 是%(l)s。") % {"n": to_county.name,
                                                                          "l": to_county.get_level_display()})  # fmt: skip
        elif same_ancestor(h.region_id, to_county.code, RegionLevel.COUNTY):
            errors.add(
                "to_village" if village is not None else "to_county",
                _("迁入县与迁出县相同：县内迁移请直接办理迁移。"),
            )
    if not (reason or "").strip():
        errors.add("reason", _("请填写迁移原因。"))
    active = _active(h)
    persons = _pick(active, members, errors)
    if not persons:
        errors.add("members", _("请选择迁移人员。"))
    _not_pending(persons, errors)
    staying = [m for m in active if m not in persons]
    head = next((m for m in active if m.relationship == Relationship.HEAD), None)
    source_head = None
    if staying and head in persons:
        source_head = next((m for m in staying if m.pk == getattr(new_head, "pk", new_head)), None)
        if source_head is None:
            errors.add("new_head", _("户主%(n)s迁出，请从留在本户的成员中指定新户主。") % {"n": head.name})
    errors.raise_if_any()
    transfer = Transfer.objects.create(
        from_household=h, to_county=to_county, to_village=village, reason=reason.strip(), requested_by=user,
        names="、".join(m.name for m in persons)[:300], source_new_head=source_head,
    )  # fmt: skip
    transfer.members.set(persons)
    audit.record(
        AuditAction.CREATE,
        transfer,
        after={"status": transfer.status, "reason": transfer.reason, "to_county": transfer.to_county_id,
               **({"to_village": village.code} if village else {})},
    )  # fmt: skip
    return transfer


def _decide(transfer: Transfer, *, user, to: str, reason: str = "", to_household=None) -> Transfer:
    before = {"status": transfer.status}
    transfer.status, transfer.decided_by, transfer.decided_at = to, user, timezone.now()
    transfer.decision_reason, transfer.to_household = reason, to_household
    transfer.save()
    after = {"status": transfer.status, **({"decision_reason": reason} if reason else {})}
    audit.record(AuditAction.UPDATE, transfer, before=before, after=after)
    return transfer


def _locked_pending(transfer: Transfer) -> Transfer:
    t = Transfer.objects.select_for_update().select_related("to_county").get(pk=transfer.pk)
    if t.status != TransferStatus.PENDING:
        raise ValidationError(
            {"status": [_("该迁移申请%(s)s，不能再办理。") % {"s": t.get_status_display()}]}
        )
    return t


@transaction.atomic
def transfer_accept(*, user, transfer: Transfer, relationships: dict[int, str], to_household: str = "",
                    village: str = "", effective_on: dt.date | None = None,
                    business_year: int | None = None) -> Transfer:  # fmt: skip
    """迁入: the receiving county takes the persons into a household of its own (户编号) or a new one (未识别) in
    one of its villages; they leave the sending household in the same transaction. The sending county agreed
    when it asked, so its household is changed on its request's authority, by the receiving county's hand."""
    t = _locked_pending(transfer)
    permissions.require(user, "transfer_accept", region=t.to_county_id, what=_("接收跨县迁入"))
    errors = services.Errors()
    target, place = _destination(user, household_number=to_household, village_code=village, errors=errors)
    errors.raise_if_any()
    code = target.region_id if target is not None else place.code
    if not same_ancestor(code, t.to_county_id, RegionLevel.COUNTY):
        errors.add("to_household", _("迁入户应在%(c)s。") % {"c": t.to_county.name})
    errors.raise_if_any()
    permissions.require(user, "change_members", region=code, what=_("接收跨县迁入"))
    source = t.from_household
    source, *rest = _locked(source, *([target] if target is not None else []))
    target = rest[0] if rest else None
    active = _active(source)
    persons = list(t.members.order_by("id"))
    gone = [m.name for m in persons if m not in active]
    if gone:
        errors.add("members", _("%(n)s 已不在原户，无法接收，请退回该申请。") % {"n": "、".join(gone)})
    when = _when(effective_on, business_year, t.reason, errors)
    errors.raise_if_any()
    # decided first, in the same transaction: the persons are no longer waiting when the registry moves them
    _decide(t, user=user, to=TransferStatus.ACCEPTED)
    target, _changes = _move(
        user_from=None, user_to=user, source=source, persons=persons, active=active, target=target, village=place,
        relationships=relationships, new_head=t.source_new_head, kinds=(K.MOVE_OUT, K.MOVE_IN), when=when,
        transfer=t, cancel_reason=_("全户迁往%(c)s") % {"c": t.to_county.name},
    )  # fmt: skip
    t.to_household = target
    t.save(update_fields=["to_household"])
    return t


@transaction.atomic
def transfer_refuse(*, user, transfer: Transfer, reason: str) -> Transfer:
    """退回: the receiving county does not take them; they stay in the sending household."""
    t = _locked_pending(transfer)
    permissions.require(user, "transfer_accept", region=t.to_county_id, what=_("退回跨县迁移申请"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写退回原因。")]})
    return _decide(t, user=user, to=TransferStatus.REFUSED, reason=reason.strip())


@transaction.atomic
def transfer_cancel(*, user, transfer: Transfer, reason: str) -> Transfer:
    """撤回: the sending county withdraws its request; the persons stay."""
    t = _locked_pending(transfer)
    permissions.require(user, "transfer_send", region=t.from_household.region_id, what=_("撤回跨县迁移申请"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写撤回原因。")]})
    return _decide(t, user=user, to=TransferStatus.CANCELLED, reason=reason.strip())


# ---- 分户 reviews --------------------------------------------------------------------------------------------


@transaction.atomic
def split_review_clear(*, user, review: SplitReview, finding: str) -> SplitReview:
    """The township or county has looked at a 分户 of a registered household and says what it found."""
    r = SplitReview.objects.select_for_update().select_related("household").get(pk=review.pk)
    permissions.require(user, "review_split", region=r.household.region_id, what=_("审核分户"))
    if r.status != SplitReviewStatus.OPEN:
        raise ValidationError({"status": [_("该分户已审核。")]})
    if not (finding or "").strip():
        raise ValidationError({"finding": [_("请填写审核意见。")]})
    before = {"status": r.status}
    r.status, r.finding, r.cleared_by, r.cleared_at = (
        SplitReviewStatus.CLEARED,
        finding.strip(),
        user,
        timezone.now(),
    )
    r.save()
    audit.record(AuditAction.UPDATE, r, before=before, after={"status": r.status, "finding": r.finding})
    return r
