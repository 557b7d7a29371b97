"""Writes of assistance: the forces (units, cadres, social helpers, work teams), unit ↔ village and cadre ↔
household pairings. Each checks role and region, validates with Chinese messages, and is audited; a reassignment
ends the old pairing with a reason so the history stays."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import same_ancestor
from jingzhun.regions.selectors import policy_province
from jingzhun.registry.models import Household

from .choices import Skill, TeamRole
from .models import (
    AssistancePolicy,
    Cadre,
    HelpingUnit,
    HouseholdPairing,
    SocialHelper,
    TeamMember,
    VillagePairing,
    WorkTeam,
)
from .selectors import capacity_of, is_helped, open_loads, policy_for  # noqa: F401 - policy_for: callers of services


def require_helped(household: Household, what: str) -> None:
    """Only households in 在册/返贫, or monitored now, get a cadre, a plan, visits."""
    if not is_helped(household):
        raise ValidationError(
            _("只有在册、返贫或监测户需要%(w)s，该户状态为「%(s)s」。")
            % {"w": what, "s": household.get_status_display()}
        )


def create_audited(instance):
    instance.full_clean()
    instance.save()
    audit.record(AuditAction.CREATE, instance, after=audit.snapshot(instance))
    return instance


# --- policy ---------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_set(
    *,
    user,
    province: str | None = None,
    year: int | None = None,
    cadre_capacity: int,
    visit_days: int,
    **equity,
) -> AssistancePolicy:
    """Set the cadre capacity, the visit interval and (optionally) the equity thresholds
    (``concentration_multiple``, ``floor_ratio``) and the re-match margin (``rematch_margin``) nationally or for one province (administrators only), in force
    from ``year`` (default: this year) until a later row."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改帮扶政策参数")
    )
    region = policy_province(province)
    unknown = set(equity) - {"concentration_multiple", "floor_ratio", "rematch_margin"}
    if unknown:
        raise TypeError(f"unknown policy fields: {sorted(unknown)}")
    year = timezone.localdate().year if year is None else year
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": [_("年度无效。")]})
    values = {"cadre_capacity": cadre_capacity, "visit_days": visit_days, **equity}
    return audit.upsert(AssistancePolicy, {"year": year, "province": region}, values)


# --- forces ---------------------------------------------------------------------------------------------------


@transaction.atomic
def unit_create(
    *, user, name: str, unit_type: str, level: int, region: Region | None, **contact
) -> HelpingUnit:
    """Register a helping unit under the region that manages it (national users may register central units)."""
    if region is None and user is not None and user.region_id:
        raise ValidationError({"region": [_("请选择单位所属区划。")]})
    permissions.require(user, "register_unit", region=region.code if region else None, what=_("登记帮扶单位"))
    return create_audited(
        HelpingUnit(name=(name or "").strip(), unit_type=unit_type, level=level, region=region, **contact)
    )


def _valid_skills(skills: Iterable[str]) -> list[str]:
    skills = list(dict.fromkeys(skills or []))
    unknown = [s for s in skills if s not in Skill.values]
    if unknown:
        raise ValidationError({"skills": [_("未知的专长：%(s)s。") % {"s": "、".join(unknown)}]})
    return skills


@transaction.atomic
def cadre_create(
    *, user, name: str, unit: HelpingUnit, region: Region, skills: Iterable[str] = (), phone: str = "",
    capacity: int | None = None,
) -> Cadre:  # fmt: skip
    """Register a 帮扶责任人 of ``unit`` based in a township or village of the user's scope."""
    permissions.require(user, "register_cadre", region=region.code, what=_("登记帮扶责任人"))
    if region.level < RegionLevel.TOWNSHIP:
        raise ValidationError({"region": [_("驻地应为乡镇或村。")]})
    return create_audited(
        Cadre(
            name=(name or "").strip(), unit=unit, region=region, skills=_valid_skills(skills), phone=phone,
            capacity=capacity,
        )
    )  # fmt: skip


@transaction.atomic
def helper_create(*, user, kind: str, name: str, region: Region, contact: str = "") -> SocialHelper:
    """Register a social force (enterprise, organisation, person) who may join pairings as second/third helper."""
    permissions.require(user, "register_cadre", region=region.code, what=_("登记社会帮扶力量"))
    return create_audited(SocialHelper(kind=kind, name=(name or "").strip(), region=region, contact=contact))


@transaction.atomic
def village_pair(*, user, village: Region, unit: HelpingUnit, form: str, started_on=None) -> VillagePairing:
    """A unit takes on a village (定点/对口/结对帮扶), decided at county level or above."""
    permissions.require(user, "register_unit", region=village.code, what=_("单位帮村"))
    if village.level != RegionLevel.VILLAGE:
        raise ValidationError({"village": [_("请选择一个村。")]})
    if VillagePairing.objects.filter(village=village, unit=unit, ended_on__isnull=True).exists():
        raise ValidationError(_("%(u)s 已在帮扶 %(v)s。") % {"u": unit, "v": village.name})
    return create_audited(
        VillagePairing(village=village, unit=unit, form=form, started_on=started_on or timezone.localdate())
    )


@transaction.atomic
def team_send(
    *, user, village: Region, unit: HelpingUnit, first_secretary: Cadre, started_on=None
) -> WorkTeam:
    """驻村工作队: a unit sends a team to a village, led by its 第一书记 (one active team per village)."""
    permissions.require(user, "register_unit", region=village.code, what=_("派驻工作队"))
    if village.level != RegionLevel.VILLAGE:
        raise ValidationError({"village": [_("请选择一个村。")]})
    if WorkTeam.objects.filter(village=village, ended_on__isnull=True).exists():
        raise ValidationError(_("%(v)s 已有在驻工作队，请先办理撤离或轮换。") % {"v": village.name})
    team = create_audited(WorkTeam(village=village, unit=unit, started_on=started_on or timezone.localdate()))
    team_member_add(user=user, team=team, cadre=first_secretary, role=TeamRole.FIRST_SECRETARY)
    return team


@transaction.atomic
def team_member_add(*, user, team: WorkTeam, cadre: Cadre, role: str, started_on=None) -> TeamMember:
    permissions.require(user, "register_unit", region=team.village_id, what=_("工作队队员任职"))
    if role == TeamRole.FIRST_SECRETARY and team.members.filter(role=role, ended_on__isnull=True).exists():
        raise ValidationError({"role": [_("该工作队已有在任第一书记。")]})
    return create_audited(
        TeamMember(team=team, cadre=cadre, role=role, started_on=started_on or timezone.localdate())
    )


# --- cadre ↔ household --------------------------------------------------------------------------------------


@transaction.atomic
def household_pair(
    *, user, household: Household, cadre: Cadre, reason: str = "", helpers: Iterable[SocialHelper] = (),
) -> HouseholdPairing:  # fmt: skip
    """Make ``cadre`` the household's 帮扶责任人. A household that already has one is reassigned: that needs a
    reason, and the old pairing is ended with it. The cadre's capacity (policy or own) is never exceeded."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    permissions.require(user, "register_cadre", region=household.region_id, what=_("结对帮扶"))
    helpers = list(helpers)
    if len(helpers) > 2:
        raise ValidationError({"helpers": [_("社会帮扶力量最多两方（第二、第三帮扶人）。")]})
    cadre = Cadre.objects.select_for_update().select_related("unit").get(pk=cadre.pk)
    require_helped(household, _("帮扶责任人"))
    if not cadre.active:
        raise ValidationError({"cadre": [_("%(c)s 已不在岗。") % {"c": cadre.name}]})
    if not same_ancestor(cadre.region_id, household.region_id, RegionLevel.COUNTY):
        raise ValidationError({"cadre": [_("帮扶责任人须在本县驻地。")]})
    current = (
        HouseholdPairing.objects.select_for_update()
        .filter(household=household, ended_on__isnull=True)
        .first()
    )
    if current is not None and current.cadre_id == cadre.pk:
        raise ValidationError({"cadre": [_("%(c)s 已是该户的帮扶责任人。") % {"c": cadre.name}]})
    reason = (reason or "").strip()
    if current is not None and not reason:
        raise ValidationError(
            {"reason": [_("该户已有帮扶责任人 %(c)s，调整时须填写原因。") % {"c": current.cadre.name}]}
        )
    capacity = capacity_of(cadre)
    load = open_loads([cadre.pk]).get(cadre.pk, 0)
    if load >= capacity:
        raise ValidationError(
            {
                "cadre": [
                    _("%(c)s 已帮扶 %(n)d 户，达到上限 %(m)d 户。")
                    % {"c": cadre.name, "n": load, "m": capacity}
                ]
            }
        )
    today = timezone.localdate()
    if current is not None:
        _end(current, reason, today)
    pairing = create_audited(
        HouseholdPairing(
            household=household, region_id=household.region_id, cadre=cadre, reason=reason, started_on=today,
            created_by=user,
        )
    )  # fmt: skip
    pairing.helpers.set(helpers)
    return pairing


@transaction.atomic
def pairing_helpers_set(
    *, user, pairing: HouseholdPairing, helpers: Iterable[SocialHelper]
) -> HouseholdPairing:
    """Second and third helpers (社会帮扶力量) of an open pairing: at most two, registered in the household's
    county."""
    pairing = HouseholdPairing.objects.select_for_update().get(pk=pairing.pk)
    permissions.require(user, "register_cadre", region=pairing.region_id, what=_("社会帮扶力量结对"))
    helpers = list(helpers)
    if pairing.ended_on is not None:
        raise ValidationError(_("该结对已经结束。"))
    if len(helpers) > 2:
        raise ValidationError({"helpers": [_("社会帮扶力量最多两方（第二、第三帮扶人）。")]})
    if any(not same_ancestor(h.region_id, pairing.region_id, RegionLevel.COUNTY) for h in helpers):
        raise ValidationError({"helpers": [_("社会帮扶力量须在本县登记。")]})
    before = sorted(pairing.helpers.values_list("name", flat=True))
    pairing.helpers.set(helpers)
    after = sorted(h.name for h in helpers)
    if before != after:
        audit.record(AuditAction.UPDATE, pairing, before={"helpers": before}, after={"helpers": after})
    return pairing


def _end(pairing: HouseholdPairing, reason: str, on) -> None:
    reason = (reason or "").strip()
    if len(reason) > HouseholdPairing._meta.get_field("end_reason").max_length:
        raise ValidationError({"reason": [_("调整原因不超过 200 字。")]})  # never cut short silently
    before = audit.snapshot(pairing)
    pairing.ended_on, pairing.end_reason = on, reason
    pairing.save(update_fields=["ended_on", "end_reason"])
    audit.record(AuditAction.UPDATE, pairing, before=before, after=audit.snapshot(pairing))


@transaction.atomic
def pairing_end(*, user, pairing: HouseholdPairing, reason: str) -> HouseholdPairing:
    """End a pairing without a successor: only for a household that no longer needs one (exited, cancelled);
    a household in the registry is reassigned instead, so that it is never left without a cadre."""
    pairing = HouseholdPairing.objects.select_for_update().select_related("household").get(pk=pairing.pk)
    permissions.require(user, "register_cadre", region=pairing.region_id, what=_("结束结对"))
    if pairing.ended_on is not None:
        raise ValidationError(_("该结对已经结束。"))
    if is_helped(pairing.household):
        raise ValidationError(_("在册户必须有帮扶责任人：请改为调整帮扶责任人。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写结束原因。")]})
    _end(pairing, reason.strip(), timezone.localdate())
    return pairing
