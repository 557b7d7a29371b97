"""Writes of 精准考核: drawing samples, survey answers and their import, estimates, scores, the rectification
ledger. Keyword-only, atomic, checked by ``accounts.permissions``, audited; refusals in Chinese, nothing saved."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.policy import in_force
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry.choices import HouseholdStatus, Labour
from jingzhun.registry.models import Household, Member

from . import sampling
from .choices import Group, Purpose
from .models import Sample, SampleHousehold, SampleVillage, SamplingPolicy

INSIDE = (HouseholdStatus.REGISTERED, HouseholdStatus.EXITED, HouseholdStatus.RETURNED)
FRAME_STATUSES = (*INSIDE, HouseholdStatus.UNIDENTIFIED)
ABLE = (Labour.ORDINARY, Labour.SKILLED, Labour.WEAK)


@transaction.atomic
def sampling_policy_set(*, user, year: int, province: str | None = None, **values) -> SamplingPolicy:
    """Set the sampling parameters from ``year`` on, nationally or for a province (fields of
    ``SamplingPolicy``)."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改抽样参数")
    )
    region = policy_province(province)
    row = SamplingPolicy.objects.filter(year=year, province=region).first() or SamplingPolicy(
        year=year, province=region
    )
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    return audit.upsert(
        SamplingPolicy, {"year": year, "province": region}, {k: getattr(row, k) for k in values}
    )


def _frame(county: Region) -> list[dict]:
    """The county's households that can be sampled: id, village, township, status, persons, group."""
    able = Member.objects.filter(household=OuterRef("pk"), is_active=True, labour__in=ABLE)
    rows = (
        Household.objects.filter(region__code__range=county.subtree_range(), status__in=FRAME_STATUSES)
        .annotate(able=Exists(able))
        .order_by("region_id", "pk")
        .values("pk", "region_id", "status", "member_count", "able")
    )
    frame = []
    for r in rows:
        if r["status"] == HouseholdStatus.UNIDENTIFIED:
            group = Group.OUTSIDE
        else:
            group = Group.LABOUR if r["able"] else Group.NO_LABOUR
        frame.append({**r, "group": group})
    return frame


def _village_shares(mix: dict, sizes: dict[str, int]) -> dict[str, float]:
    """The groups' shares in one village: the satisfaction mix as it is; the accuracy sample's inside share split
    between the two registry groups by their sizes in the village."""
    if "inside" not in mix:
        return dict(mix)
    inside = sizes.get(Group.LABOUR, 0) + sizes.get(Group.NO_LABOUR, 0)
    labour = sizes.get(Group.LABOUR, 0) / inside if inside else 0.5
    return {
        Group.OUTSIDE: mix[Group.OUTSIDE],
        Group.LABOUR: mix["inside"] * labour,
        Group.NO_LABOUR: mix["inside"] * (1 - labour),
    }


@transaction.atomic
def sample_draw(
    *, user, county: Region, year: int, purpose: str = Purpose.ACCURACY, villages: int | None = None,
    households_per_village: int | None = None, seed: int | None = None,
) -> Sample:  # fmt: skip
    """Draw a county's two-stage sample: villages by SRS without replacement (within townships when each can
    give two), then households by group within each village; the seed (given, or made here) and every
    parameter kept, so that ``sample_redraw`` gives the same households. Refused below the policy's minimum
    villages or households, and where the frame cannot give the sample asked for."""
    permissions.require(user, "assess", region=county.code, what=_("抽取考核样本"))
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("只能按县抽样。")]})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": [_("请选择抽样用途。")]})
    policy = in_force(SamplingPolicy, region_code=county.code, year=year, defaults=True)
    villages = policy.min_villages if villages is None else villages
    per_village = policy.min_households if households_per_village is None else households_per_village
    if villages < policy.min_villages:
        raise ValidationError(
            {"villages": [_("抽取村数不能少于政策规定的每县 %(n)d 个村。") % {"n": policy.min_villages}]}
        )
    if per_village < policy.min_households:
        raise ValidationError(
            {"households_per_village": [
                _("每村抽取户数不能少于政策规定的 %(n)d 户。") % {"n": policy.min_households}
            ]}
        )  # fmt: skip
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    sample = Sample(
        county=county, year=year, purpose=purpose, seed=seed, villages=villages,
        households_per_village=per_village, drawn_by=user,
        design={"policy_year": policy.year or None, "policy_province": policy.province_id,
                "mix": {str(k): v for k, v in policy.mix(purpose).items()}},
    )  # fmt: skip
    sample.full_clean(exclude=["drawn_by"])
    sample.save()
    _draw_rows(sample)
    audit.record("create", sample)
    return sample


def _draw_rows(sample: Sample) -> None:
    county = sample.county
    frame = _frame(county)
    by_village: dict[str, list[dict]] = {}
    for row in frame:
        by_village.setdefault(row["region_id"], []).append(row)
    eligible = sorted(v for v, rows in by_village.items() if len(rows) >= sample.households_per_village)
    if len(eligible) < sample.villages:
        raise ValidationError(
            {"villages": [
                _("本县有 %(have)d 个村的农户数不少于 %(per)d 户，不够抽取 %(n)d 个村。")
                % {"have": len(eligible), "per": sample.households_per_village, "n": sample.villages}
            ]}
        )  # fmt: skip
    township_of = {v: v[:9] + "000" for v in eligible}
    strata_sizes: dict[str, int] = {}
    for v in eligible:
        strata_sizes[township_of[v]] = strata_sizes.get(township_of[v], 0) + 1
    allocation, stratified = sampling.village_allocation(sample.villages, strata_sizes)
    stratum_of = township_of if stratified else {v: "all" for v in eligible}
    mix = sample.design["mix"]
    village_rows, household_rows = [], []
    with sampling.seeded(sample.seed):
        drawn_villages = sampling.draw(eligible, [stratum_of[v] for v in eligible], allocation)
        for vi, dv in enumerate(sorted(drawn_villages, key=lambda d: d.unit), start=1):
            sv = SampleVillage(
                sample=sample, village_id=dv.unit, stratum=county.code if dv.stratum == "all" else dv.stratum,
                frame_villages=sum(1 for v in eligible if stratum_of[v] == dv.stratum),
                drawn_villages=allocation[dv.stratum], weight=1 / dv.probability,
            )  # fmt: skip
            village_rows.append(sv)
            rows = by_village[dv.unit]
            sizes: dict[str, int] = {}
            for r in rows:
                sizes[r["group"]] = sizes.get(r["group"], 0) + 1
            want = sampling.largest_remainder(
                sample.households_per_village, _village_shares(mix, sizes), sizes
            )
            chosen = sampling.draw([str(r["pk"]) for r in rows], [r["group"] for r in rows], want)
            by_pk = {str(r["pk"]): r for r in rows}
            for hi, dh in enumerate(sorted(chosen, key=lambda d: int(d.unit)), start=1):
                r = by_pk[dh.unit]
                household_rows.append(
                    SampleHousehold(
                        sample=sample, sampled_village=sv, region_id=dv.unit, household_id=r["pk"],
                        key=f"V{vi:02d}-H{hi:02d}", group=r["group"], status=r["status"],
                        persons=r["member_count"], frame_size=sizes[r["group"]], drawn=want[r["group"]],
                        weight=sv.weight / dh.probability,
                    )
                )  # fmt: skip
    SampleVillage.objects.bulk_create(village_rows)
    SampleHousehold.objects.bulk_create(household_rows)


def sample_redraw(sample: Sample) -> list[tuple[str, int]]:
    """The (key, household) pairs the sample's seed gives over today's frame, drawn again without saving: the
    check anyone can make that the stored sample is the seed's (same frame, same households)."""
    with transaction.atomic():
        shadow = Sample.objects.create(
            county=sample.county, year=sample.year, purpose=sample.purpose, seed=sample.seed,
            villages=sample.villages, households_per_village=sample.households_per_village, design=sample.design,
        )  # fmt: skip
        _draw_rows(shadow)
        pairs = list(shadow.households.order_by("key").values_list("key", "household_id"))
        transaction.set_rollback(True)
    return pairs
