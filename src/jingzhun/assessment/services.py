"""Writes of 精准考核: drawing samples, survey answers and their import, estimates, scores, the rectification
ledger. Keyword-only, atomic, checked by ``accounts.permissions``, audited; refusals in Chinese, nothing saved."""

from __future__ import annotations

import secrets
import uuid
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts import permissions
from jingzhun.analytics.models import RegionFigures
from jingzhun.core import audit, jobs
from jingzhun.core.codes import subtree_range
from jingzhun.core.panels import provided
from jingzhun.core.policy import in_force
from jingzhun.core.uploads import upload_size
from jingzhun.identification.choices import ObjectionStatus
from jingzhun.projects.services import notice_objection_file
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry.choices import HouseholdStatus, Labour
from jingzhun.registry.models import Household, Member

from . import cadres as cadre_figures
from . import estimates, rules, sampling, selectors, survey
from .choices import (
    EXIT_STEPS,
    CheckResult,
    Commissioner,
    CountyKind,
    CountyStatus,
    Estimator,
    ExitStep,
    FindingSource,
    FindingState,
    Group,
    Purpose,
    ResponseSource,
    Source,
)
from .models import (
    CONDITIONS,
    LOCAL_FILE_VALIDATORS,
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
    SampleVillage,
    SamplingPolicy,
    Score,
    SurveyImportJob,
    SurveyResponse,
)

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
    commissioner: str = Commissioner.ASSESSMENT,
) -> Sample:  # fmt: skip
    """Draw a county's two-stage sample: villages by SRS without replacement (within townships when each can
    give two), then households by group within each village; the seed (given, or made here) and every
    parameter kept, so that ``sample_redraw`` gives the same households. Refused below the policy's minimum
    villages or households, and where the frame cannot give the sample asked for. A sample of the province's
    own field check (``Commissioner.PROVINCE_CHECK``, 省级专项评估检查) is drawn by the province, and only for a
    county whose exit proposal of ``year`` has passed the city's review and waits for that check."""
    if commissioner == Commissioner.PROVINCE_CHECK:
        permissions.require(
            user, "draw_province_check", region=county.code, what=_("抽取省级专项评估检查样本")
        )
    elif commissioner == Commissioner.ASSESSMENT:
        permissions.require(user, "assess", region=county.code, what=_("抽取考核样本"))
    else:
        raise ValidationError({"commissioner": [_("请选择委托方。")]})
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("只能按县抽样。")]})
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": [_("请选择抽样用途。")]})
    if commissioner == Commissioner.PROVINCE_CHECK:
        CountyExitStep.objects.select_for_update().filter(county=county, year=year).exists()
        done = [s.kind for s in exit_round(county=county.code, year=year)]
        if done != [ExitStep.PROPOSE, ExitStep.CITY]:
            raise ValidationError(
                _(
                    "%(c)s %(y)d 年的退出申请尚未通过市级初审（或已过省级专项评估检查环节），不能抽取省级专项评估检查样本。"
                )
                % {"c": county.name, "y": year}
            )
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
        county=county, year=year, purpose=purpose, commissioner=commissioner, seed=seed, villages=villages,
        households_per_village=per_village, drawn_by=user,
        design={"policy_year": policy.year or None, "policy_province": policy.province_id,
                "mix": {str(k): v for k, v in policy.mix(purpose).items()}},
    )  # fmt: skip
    sample.full_clean(exclude=["drawn_by"])
    sample.save()
    _draw_rows(sample)
    audit.record("create", sample, after=audit.snapshot(sample))
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
            county=sample.county, year=sample.year, purpose=sample.purpose, commissioner=sample.commissioner,
            seed=sample.seed,
            villages=sample.villages, households_per_village=sample.households_per_village, design=sample.design,
        )  # fmt: skip
        _draw_rows(shadow)
        pairs = list(shadow.households.order_by("key").values_list("key", "household_id"))
        transaction.set_rollback(True)
    return pairs


MAX_NAMED_ERRORS = 50  # bad rows named in a refused import's message; the count says how many more


@transaction.atomic
def survey_record(*, user, sample_household: SampleHousehold, **answers) -> SurveyResponse:
    """The phone-friendly web form's answer for a sampled household — the same record as an imported ODK
    submission. Refused when the household already has an answer."""
    sample = sample_household.sample
    permissions.require(user, "assess", region=sample_household.region_id, what=_("录入入户调查"))
    if SurveyResponse.objects.filter(sample_household=sample_household).exists():
        raise ValidationError(_("样本户 %(k)s 已有调查记录。") % {"k": sample_household.key})
    response = SurveyResponse(
        sample=sample, sample_household=sample_household, region_id=sample_household.region_id,
        instance_id=f"web:{uuid.uuid4()}", source=ResponseSource.WEB, form_version=sample.form_version,
        entered_by=user, **answers,
    )  # fmt: skip
    response.full_clean()
    response.save()
    audit.record("create", response, after=audit.snapshot(response))
    return response


def survey_import_start(*, user, sample: Sample, upload) -> SurveyImportJob:
    """Keep an uploaded export of ODK Central and queue its import (``tasks.run_survey_import``)."""
    permissions.require(user, "assess", region=sample.county_id, what=_("导入入户调查数据"))
    upload_size(upload)
    name = str(getattr(upload, "name", "") or "")
    if not name.lower().endswith((".csv", ".zip")):
        raise ValidationError({"file": [_("请上传 ODK Central 导出的 CSV 文件或其 zip 压缩包。")]})
    job = SurveyImportJob(user=user, sample=sample, original_name=name[:200])
    job.file.save(name, upload, save=False)
    job.full_clean(exclude=["file"])
    job.save()
    jobs.task_of(SurveyImportJob).enqueue(job.pk)
    return job


# the fields an edit in Central may change on an imported answer (the rest say where it belongs)
EDITABLE = (
    "persons",
    *(name for name, _label in CONDITIONS),
    "satisfied",
    "team_satisfied",
    "cadre_satisfied",
)


def _order(record: SurveyResponse, row: survey.Submission, edits: int | None) -> str:
    """Where ``row`` stands against the version of its submission imported as ``record``: "newer" (an edit made
    in Central since: one naming that version as deprecated, or a higher count of edits), "older" (a lower
    count: an export from before the edit), "same", or "unknown" (another version, by an export that gives no
    count of edits)."""
    current = record.version_id or record.instance_id
    if row.deprecated_id and row.deprecated_id == current:
        return "newer"
    if edits is not None:
        if edits == record.edits:
            return "same"
        return "newer" if edits > record.edits else "older"
    if row.version_id and record.version_id and row.version_id != record.version_id:
        return "unknown"
    return "same"


def _fixed_by(sample: Sample) -> CountyExitStep | None:
    """The province's passed check (省级专项评估检查) in the current round of the sample's county's exit of its year
    that read this sample (a check recorded before checks named their sample: one taken after it was drawn): its
    answers are behind the estimates that check recorded and the 公示 and approval after it, so an edit in Central
    no longer changes them (a step that does not pass ends the round and frees them)."""
    return next(
        (
            s for s in exit_round(county=sample.county_id, year=sample.year)
            if s.kind == ExitStep.PROVINCE_CHECK and s.passed
            and (s.sample_id == sample.pk if s.sample_id else s.at >= sample.drawn_at)
        ),
        None,
    )  # fmt: skip


def _survey_record_problem(record: SurveyResponse) -> str:
    """What is wrong with one imported answer (a new one or an edit from Central), as the job names it; empty
    when it is valid. The links the import sets itself are not re-checked."""
    try:
        record.full_clean(
            exclude=["sample_household", "instance_id", "sample", "region", "job", "entered_by"]
        )
    except ValidationError as exc:
        return "；".join(exc.messages)
    return ""


def survey_import(job: SurveyImportJob, progress: jobs.Progress) -> None:
    """The import's work: read the export, check every row against the sample (its households, the form
    version, instances seen before), then write all the new answers in one statement and apply each edit made
    in Central since an answer was imported (before and after audited) — or nothing, with each bad row named
    (``JobFailed``). A row of a version already imported, or of an earlier one, changes nothing."""
    sample = job.sample
    with job.file.open("rb") as f:
        data = f.read()
    try:
        rows = survey.read_submissions(data, job.original_name, form_id=sample.form_id)
    except ValidationError as exc:
        raise jobs.JobFailed("；".join(exc.messages)) from exc
    progress(0, len(rows))
    households = {h.key: h for h in sample.households.all()}
    answered = dict(
        SurveyResponse.objects.filter(sample=sample).values_list("sample_household__key", "instance_id")
    )
    ids = {i for r in rows for i in (r.instance_id, r.version_id, r.deprecated_id) if i}
    stored = list(
        SurveyResponse.objects.filter(Q(instance_id__in=ids) | Q(version_id__in=ids)).select_related(
            "sample_household"
        )
    )
    by_key = {r.instance_id: r for r in stored}
    by_version = {r.version_id: r for r in stored if r.version_id}
    fixed = _fixed_by(sample)
    errors, new, edited, unchanged, seen = [], [], [], 0, {}
    for i, row in enumerate(rows, start=1):

        def bad(words, row=row):
            errors.append(_("第 %(n)d 行：%(w)s") % {"n": row.line, "w": words})

        if not row.instance_id:
            bad(_("缺少表单实例编号（meta-instanceID）"))
            continue
        if row.instance_id in seen:
            bad(_("实例 %(i)s 与第 %(m)d 行重复") % {"i": row.instance_id, "m": seen[row.instance_id]})
            continue
        seen[row.instance_id] = row.line
        if row.version != sample.form_version:
            bad(
                _("表单版本 %(v)s 与本样本的 %(w)s 不符")
                % {"v": row.version or "—", "w": sample.form_version}
            )
            continue
        household = households.get(row.household_key)
        if household is None:
            bad(_("样本编号 %(k)s 不在本样本中") % {"k": row.household_key or "—"})
            continue
        try:
            values = survey.answers(row.values)
            when = survey.submitted_at(row.submitted)
        except ValidationError as exc:
            bad("；".join(exc.messages))
            continue
        except ValueError:
            bad(_("提交时间 %(t)s 不是日期时间") % {"t": row.submitted})
            continue
        try:
            updated = survey.submitted_at(row.updated)
        except ValueError:
            bad(_("修改时间 %(t)s 不是日期时间") % {"t": row.updated})
            continue
        try:
            edits = survey.edits(row.edits)
        except ValueError:
            bad(_("修改次数 %(e)s 不是非负整数") % {"e": row.edits})
            continue
        record = by_key.get(row.instance_id) or by_version.get(row.instance_id)
        if (
            record is None and row.deprecated_id
        ):  # an export without KEY: the edit names the version it replaces
            record = by_key.get(row.deprecated_id) or by_version.get(row.deprecated_id)
        if record is not None:
            if record.sample_id != sample.pk or record.sample_household.key != row.household_key:
                bad(_("实例 %(i)s 已作为其他样本户导入") % {"i": row.instance_id})
                continue
            order = _order(record, row, edits)
            if order == "older" or all(getattr(record, f) == values[f] for f in EDITABLE):
                unchanged += 1
                continue
            if order == "same":
                bad(
                    _(
                        "实例 %(i)s 的回答与已导入的不同，但在 ODK Central 中不是修改后的新版本（修改次数和 meta-instanceID 都未变）：请在 ODK Central 中修改后重新导出"
                    )
                    % {"i": row.instance_id}
                )
                continue
            if order == "unknown":
                bad(
                    _(
                        "实例 %(i)s 的回答与已导入的不同，但文件没有 Edits（修改次数）列，无法判断哪一个是较新的版本：请从 ODK Central 重新导出"
                    )
                    % {"i": row.instance_id}
                )
                continue
            if fixed is not None:
                bad(
                    _("样本户 %(k)s 的调查记录已用于 %(c)s %(y)d 年省级专项评估检查（%(d)s），不能再按 ODK Central 中的修改更新")
                    % {"k": row.household_key, "c": sample.county.name, "y": sample.year,
                       "d": timezone.localtime(fixed.at).strftime("%Y-%m-%d")}
                )  # fmt: skip
                continue
            before = audit.snapshot(record)
            for f in EDITABLE:
                setattr(record, f, values[f])
            record.version_id = (row.version_id or row.instance_id)[:100]
            record.edits = edits if edits is not None else record.edits + 1
            record.updated_at = updated or record.updated_at
            record.form_version, record.job, record.entered_by = row.version, job, job.user
            if problem := _survey_record_problem(record):
                bad(problem)
                continue
            edited.append((record, before))
            continue
        if row.household_key in answered:
            bad(
                _("样本户 %(k)s 已有调查记录（实例 %(i)s）")
                % {"k": row.household_key, "i": answered[row.household_key]}
            )
            continue
        answered[row.household_key] = row.instance_id
        record = SurveyResponse(
            sample=sample, sample_household=household, region_id=household.region_id,
            instance_id=row.instance_id[:100], version_id=(row.version_id or row.instance_id)[:100],
            edits=edits or 0, updated_at=updated, source=ResponseSource.ODK, form_version=row.version,
            entered_by=job.user, job=job, **values,
        )  # fmt: skip
        if (
            when is not None
        ):  # Central's SubmissionDate: when the answer reached the server, kept for the pull
            record.submitted_at = when
        if problem := _survey_record_problem(record):
            bad(problem)
            continue
        new.append(record)
        if i % 100 == 0:
            progress(i, len(rows))
    if errors:
        more = len(errors) - MAX_NAMED_ERRORS
        text = "\n".join(errors[:MAX_NAMED_ERRORS])
        if more > 0:
            text += "\n" + _("另有 %(n)d 行有错误。") % {"n": more}
        raise jobs.JobFailed(_("未导入任何记录，请改正以下各行后重新导入：") + "\n" + text)
    with transaction.atomic():
        created = SurveyResponse.objects.bulk_create(new)
        fields = [*EDITABLE, "version_id", "edits", "updated_at", "form_version", "job", "entered_by"]
        SurveyResponse.objects.bulk_update([r for r, _before in edited], fields)
        audit.record_many([
            *(audit.entry_for("create", r, after=audit.snapshot(r)) for r in created),
            *(audit.entry_for("update", r, before=before, after=audit.snapshot(r)) for r, before in edited),
        ])  # fmt: skip
        SurveyImportJob.objects.filter(pk=job.pk).update(
            imported=len(created), updated=len(edited), unchanged=unchanged
        )
    progress(len(rows), len(rows))


def survey_since(sample: Sample):
    """The latest Central submission or edit date imported into ``sample`` (None before the first): where an
    incremental pull starts (``survey.since_filter``)."""
    latest = SurveyResponse.objects.filter(sample=sample, source=ResponseSource.ODK).aggregate(
        submitted=Max("submitted_at"), updated=Max("updated_at")
    )
    return max((d for d in latest.values() if d is not None), default=None)


def _design_rows(sample: Sample) -> list[tuple]:
    rows = SurveyResponse.objects.filter(sample=sample).select_related("sample_household__sampled_village")
    out = []
    for r in rows:
        h = r.sample_household
        out.append((h, r, h.sampled_village.stratum, h.sampled_village_id, h.weight))
    return out


def _design(sample: Sample) -> dict:
    """A sample's answers as the estimators take them: the design (weights, strata, villages) and, per household
    row, the ratios' (y, x) for 漏评 (non-registered) and 错退 (exited) — persons poor now, persons of the domain."""
    rows = _design_rows(sample)
    persons = [r.persons for _h, r, *_ in rows]
    poor = [r.poor_now for _h, r, *_ in rows]

    def ratio(domain):
        y = [p if (d and q) else 0 for p, d, q in zip(persons, domain, poor, strict=True)]
        return (y, [p if d else 0 for p, d in zip(persons, domain, strict=True)]), sum(domain)

    (missed, n_missed), (wrong, n_wrong) = (
        ratio([h.group == Group.OUTSIDE for h, *_ in rows]),
        ratio([h.status == HouseholdStatus.EXITED for h, *_ in rows]),
    )
    return {
        "design": {"weights": [r[4] for r in rows], "strata": [r[2] for r in rows], "psus": [r[3] for r in rows]},
        "missed": missed, "n_missed": n_missed, "wrong": wrong, "n_wrong": n_wrong,
        "satisfied": [1 if r.satisfied else 0 for _h, r, *_ in rows], "n": len(rows),
    }  # fmt: skip


def estimates_of(sample: Sample) -> dict[str, estimates.Result]:
    """The three estimates of a sample's answers (households not yet surveyed are left out)."""
    d = _design(sample)
    design = d["design"]

    def ratio(kind):
        (y, x), n = d[kind], d[f"n_{kind}"]
        # the interval's sample size counts households, not persons: a household's persons share one answer
        return estimates.estimate(y=y, x=x, units=n, **design)

    return {
        Estimator.WRONG_EXIT: ratio("wrong"),
        Estimator.MISSED: ratio("missed"),
        Estimator.SATISFACTION: estimates.estimate(y=d["satisfied"], units=d["n"], **design),
    }


def incidence_of(sample: Sample, parts: dict) -> estimates.Result:
    """综合贫困发生率 of the sample's county as one design-based estimate (``estimates.combined``) over the sample's
    answers and the county's rollup ``parts`` (poor_persons, persons, status_exited_persons, rural_population)."""
    d = _design(sample)
    rural = float(parts.get("rural_population") or 0)
    return estimates.combined(
        missed=d["missed"], wrong=d["wrong"], poor=float(parts.get("poor_persons") or 0),
        outside=max(0.0, rural - float(parts.get("persons") or 0)),
        exited=float(parts.get("status_exited_persons") or 0), rural=rural,
        units=d["n_missed"] + d["n_wrong"], **d["design"],
    )  # fmt: skip


def exit_estimates(*, found: dict, parts: dict) -> dict[str, tuple]:
    """The exit check's estimates (kind → point, low, high) from a county's latest estimates ``found`` (kind →
    ``Estimate``) and its rollup ``parts``: the three kept ones, and 综合贫困发生率 estimated once over the sample
    behind its 错退 and 漏评 (only when both come from the same sample: one design, one interval)."""
    out = {k: (e.point, e.low, e.high) for k, e in found.items() if e.point is not None}
    missed, wrong = found.get(Estimator.MISSED), found.get(Estimator.WRONG_EXIT)
    if missed is not None and wrong is not None and missed.sample_id == wrong.sample_id and "missed" in out:
        r = incidence_of(missed.sample, parts)
        if r.point == r.point:  # NaN: the rollup or the sample has no one to count
            out["incidence"] = (r.point, r.low, r.high)
    return out


@transaction.atomic
def estimates_compute(*, user, sample: Sample) -> list[Estimate]:
    """Compute and keep a sample's estimates from its answers so far (replacing the earlier ones)."""
    permissions.require(user, "assess", region=sample.county_id, what=_("计算抽样估计"))
    if not SurveyResponse.objects.filter(sample=sample).exists():
        raise ValidationError(_("该样本还没有调查记录，无法估计。"))
    if (fixed := _fixed_by(sample)) is not None and fixed.sample_id == sample.pk:
        raise ValidationError(
            _("该样本的估计已用于 %(d)s 的省级专项评估检查，公示和批准以其为准，不能重新计算。")
            % {"d": timezone.localtime(fixed.at).strftime("%Y-%m-%d")}
        )
    Estimate.objects.filter(sample=sample).delete()
    made = []
    for kind, r in estimates_of(sample).items():
        point = None if r.point != r.point else r.point  # NaN: no household of the domain surveyed
        made.append(
            Estimate(
                sample=sample, kind=kind, point=point, se=None if point is None else r.se, low=r.low,
                high=r.high, units=r.n, n_eff=r.n_eff, psus=r.psus, strata=r.strata, numerator=r.numerator,
                denominator=r.denominator, method=estimates.METHOD,
            )
        )  # fmt: skip
    Estimate.objects.bulk_create(made)
    audit.record_many(audit.entry_for("create", e, after=audit.snapshot(e)) for e in made)
    return made


@transaction.atomic
def assessment_policy_set(*, user, year: int, province: str | None = None, **values) -> AssessmentPolicy:
    """Set the assessment's parameters (grades, ranking shown, the county exit thresholds) from ``year`` on."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改考核参数")
    )
    region = policy_province(province)
    row = AssessmentPolicy.objects.filter(year=year, province=region).first() or AssessmentPolicy(
        year=year, province=region
    )
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()
    return audit.upsert(
        AssessmentPolicy, {"year": year, "province": region}, {k: getattr(row, k) for k in values}
    )


@transaction.atomic
def indicators_set(
    *, user, year: int, rows: list[dict], province: str | None = None, level: int = 3
) -> list[Indicator]:
    """Replace the indicator set of ``year`` and ``level`` (nationally, or a province's own) with ``rows``
    (fields of ``Indicator``). Refused if a row is invalid or a key repeats; nothing changed then."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("设置考核指标")
    )
    region = policy_province(province)
    keys = [r.get("key") for r in rows]
    if len(set(keys)) != len(keys):
        raise ValidationError(_("指标代码不能重复。"))
    if not rows:
        raise ValidationError(_("指标体系至少要有一项指标。"))
    made = []
    for r in rows:
        indicator = Indicator(year=year, province=region, level=level, **r)
        indicator.full_clean(validate_constraints=False)
        made.append(indicator)
    old = Indicator.objects.filter(year=year, province=region, level=level)
    audit.record_many(audit.entry_for("delete", i, before=audit.snapshot(i)) for i in old)
    old.delete()
    Indicator.objects.bulk_create(made)
    audit.record_many(audit.entry_for("create", i, after=audit.snapshot(i)) for i in made)
    return made


def _figure(parts: dict, numerator: str, denominator: str, scale: float = 100) -> float | None:
    bottom = float(parts.get(denominator) or 0)
    return float(parts.get(numerator) or 0) / bottom * scale if bottom else None


# the project side of 资金成效 (``county.projects_performance``): source → its (numerator, denominator) key
PROJECT_SOURCES = {
    Source.PROJECT_ON_TIME: "on_time", Source.PROJECT_ASSETS: "transferred", Source.PROJECT_BENEFIT: "benefit",
}  # fmt: skip


def _project_shares(parts: list[dict]) -> dict[str, tuple[float | None, str]]:
    """The project figures of one county (one part) or of a province (its counties' parts summed): each the sum
    of numerators ÷ the sum of denominators, as a percent; None where nothing is due."""
    out = {}
    for source, key in PROJECT_SOURCES.items():
        top = sum(p[key][0] for p in parts)
        bottom = sum(p[key][1] for p in parts)
        out[source] = (top / bottom * 100 if bottom else None, parts[0]["url"] if parts else "")
    return out


def _values(
    county: str, year: int, figures: dict, found: dict, funds: dict, projects: dict | None = None,
    helped: dict | None = None,
) -> dict[str, tuple[float | None, str]]:  # fmt: skip
    """Each source's figure for a county and the page behind it (``funds``: county → the funds app's 资金成效,
    ``county.funds_performance``; ``projects``: county → the projects app's figures,
    ``county.projects_performance``; ``helped``: county → its 精准帮扶 ratings, ``cadres.by_county``)."""
    now, before = figures.get((county, year), {}), figures.get((county, year - 1), {})
    rollup = reverse("analytics:dashboard") + f"?region={county}&year={year}"
    page = reverse("assessment:county", kwargs={"code": county, "year": year})
    incidence_now = _figure(now, "poor_persons", "rural_population")
    incidence_before = _figure(before, "poor_persons", "rural_population")
    fall = None if incidence_now is None or incidence_before is None else incidence_before - incidence_now

    def survey(kind):
        e = found.get((county, kind))
        return (None if e is None or e.point is None else e.point * 100), page

    return {
        Source.INCIDENCE_FALL: (fall, rollup),
        Source.CADRE_COVERAGE: (_figure(now, "cadre_households", "poor_households"), rollup),
        Source.PLAN_COVERAGE: (_figure(now, "plan_households", "poor_households"), rollup),
        Source.WRONG_EXIT: survey(Estimator.WRONG_EXIT),
        Source.MISSED: survey(Estimator.MISSED),
        Source.SATISFACTION: survey(Estimator.SATISFACTION),
        Source.FUNDS: (money["value"], money["url"]) if (money := funds.get(county)) else (None, ""),
        **_project_shares([p] if (p := (projects or {}).get(county)) else []),
        Source.HELP_SATISFACTION: _help_share(
            [h] if (h := (helped or {}).get(county)) else [],
            reverse("assessment:help_answers", kwargs={"code": county, "year": year}),
        ),
    }


def _help_share(parts: list, page: str) -> tuple[float | None, str]:
    """精准帮扶满意度 (%) of one county (one part) or of a province (its counties' parts summed): the ratings
    "satisfied" of all the ratings given on the 驻村工作队 and the 帮扶责任人 (不了解 left out), with the page
    behind it (a county's answers; for a province, its counties' results); None where no household rated."""
    rated = sum(p.rated for p in parts)
    approved = sum(p.approved for p in parts)
    return (approved / rated * 100 if rated else None), page


def _score(
    code: str, year: int, level: int, indicators: list[Indicator], values: dict, local: dict | None = None
) -> Score:
    """The score of region ``code`` (a county, or a province at ``level`` 1) by the indicator set in force for
    it: the total over the indicators with a figure (their weights renormalised), the grade by policy, each
    indicator's figure and evidence, and the problems (an indicator below 60 % of its weight, or without data).
    A local indicator's figure is the latest entered for the county (``local``: key → ``LocalFigure``); one not
    entered is 未录入, named in the problems, never a zero."""
    policy = in_force(AssessmentPolicy, region_code=code, year=year, defaults=True)
    details, problems, earned, weights = [], [], 0.0, 0.0
    for ind in indicators:
        entry = None
        if ind.source == Source.LOCAL:
            entry = (local or {}).get(ind.key)
            value = None if entry is None else float(entry.value)
            evidence = reverse("assessment:county", kwargs={"code": code, "year": year}) + "#local-figures"
        else:
            value, evidence = values.get(ind.source, (None, ""))
        share = ind.score(value)
        weight = float(ind.weight)
        if share is None and ind.source == Source.LOCAL:
            problems.append(_("%(n)s：未录入") % {"n": ind.name})
        elif share is None:
            problems.append(_("%(n)s：暂无数据") % {"n": ind.name})
        else:
            earned += share * weight
            weights += weight
            if share < 0.6:
                problems.append(_("%(n)s：%(v).2f，得分不足该项的 60%%") % {"n": ind.name, "v": value})
        details.append(
            {
                "key": ind.key,
                "name": ind.name,
                "weight": weight,
                "source": ind.source,
                "origin": ind.origin,
                "value": value,
                "score": None if share is None else round(share * weight, 2),
                "evidence": evidence,
                # a local figure: the version the score stands on (None: 未录入)
                **(
                    {"entry": None if entry is None else {"id": entry.pk, "version": entry.version}}
                    if ind.source == Source.LOCAL
                    else {}
                ),
            }
        )
    total = round(earned / weights * 100, 2) if weights else None
    return Score(
        county_id=code, level=level, year=year, total=total, grade=policy.grade(total), details=details,
        problems=problems, computed_at=timezone.now(),
    )  # fmt: skip


def _weighted(pairs: list[tuple[float | None, float]]) -> float | None:
    """The mean of the figures with a figure and a weight, weighted; None when there are none."""
    known = [(v, w) for v, w in pairs if v is not None and w > 0]
    total = sum(w for _v, w in known)
    return sum(v * w for v, w in known) / total if total else None


def _with_region(url: str, code: str) -> str:
    """``url`` with its ``region`` parameter set to ``code`` (a county's evidence link made its province's)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode({**dict(parse_qsl(parts.query)), "region": code})))


def _province_values(province: str, year: int, counties: list[str], figures: dict, county_values: dict,
                     scores: dict, funds: dict, projects: dict | None = None, helped: dict | None = None,
                     ) -> dict[str, tuple[float | None, str]]:  # fmt: skip
    """A province's figure of each source: the rollup's for the province's own figures, and its counties'
    figures put together — survey estimates weighted by the population each speaks for (exited persons for 错退,
    non-registered rural persons for 漏评, the rural population for satisfaction, from the counties' rollups),
    资金成效 as the counties' money summed (paid ÷ allocated), and the counties' mean score."""
    own = _values(province, year, figures, {}, {})
    page = reverse("assessment:scores") + f"?year={year}"
    parts = {c: figures.get((c, year), {}) for c in counties}

    def population(c, kind):
        p = parts[c]
        rural = float(p.get("rural_population") or 0)
        return {
            Source.WRONG_EXIT: float(p.get("status_exited_persons") or 0),
            Source.MISSED: max(0.0, rural - float(p.get("persons") or 0)),
            Source.SATISFACTION: rural,
        }[kind]

    out = {k: own[k] for k in (Source.INCIDENCE_FALL, Source.CADRE_COVERAGE, Source.PLAN_COVERAGE)}
    for kind in (Source.WRONG_EXIT, Source.MISSED, Source.SATISFACTION):
        out[kind] = (_weighted([(county_values[c][kind][0], population(c, kind)) for c in counties]), page)
    money = [funds[c] for c in counties if c in funds]
    allocated = sum(float(m["allocated"]) for m in money)
    # the province's own 支出进度 list (the funds home drills down from there), not its first county's
    out[Source.FUNDS] = (
        (sum(float(m["paid"]) for m in money) / allocated * 100, _with_region(money[0]["url"], province))
        if allocated
        else (None, "")
    )
    out.update(_project_shares([projects[c] for c in counties if c in (projects or {})]))
    out[Source.HELP_SATISFACTION] = _help_share([helped[c] for c in counties if c in (helped or {})], page)
    out[Source.COUNTY_SCORES] = (_weighted([(scores[c].total, 1.0) for c in counties if c in scores]), page)
    return out


@transaction.atomic
def scores_compute(*, user, region: Region, year: int) -> list[Score]:
    """Score every county of ``region`` for ``year`` from the rollups and the survey estimates, by the indicator
    set in force for each county's province (``_score``); then, where a province-level indicator set is in force,
    every province of ``region`` — or, when a county or a city is scored, the province it lies in — from its
    rollup and its counties (``_province_values``): the counties scored now with their new scores, the others
    with the scores they hold, so a province's row never stands on county scores that were replaced."""
    permissions.require(user, "score", region=region.code, what=_("计算考核得分"))
    counties = list(
        Region.objects.filter(level=RegionLevel.COUNTY, code__range=region.subtree_range()).values_list("code", flat=True)
    ) if region.level < RegionLevel.COUNTY else [region.code]  # fmt: skip
    if region.level > RegionLevel.COUNTY:
        raise ValidationError(_("考核以县为单位，请选择县或以上的区划。"))
    if region.level <= RegionLevel.PROVINCE:
        provinces = list(
            Region.objects.filter(level=RegionLevel.PROVINCE, code__range=region.subtree_range()).values_list(
                "code", flat=True
            )
        )
    else:  # a county or a city: its province's row is refreshed with it
        provinces = list(
            Region.objects.filter(level=RegionLevel.PROVINCE, code=region.code[:2] + "0" * 10).values_list(
                "code", flat=True
            )
        )
    provinces = [
        p for p in provinces if selectors.indicator_set(region_code=p, year=year, level=RegionLevel.PROVINCE)
    ]  # no province-level set in force: provinces are not scored
    members = {
        p: list(
            Region.objects.filter(level=RegionLevel.COUNTY, code__range=subtree_range(p)).values_list(
                "code", flat=True
            )
        )
        for p in provinces
    }
    everyone = sorted({*counties, *(c for own in members.values() for c in own)})
    figures = {
        (r.code, r.year): r.figures
        for r in RegionFigures.objects.filter(
            code__in=[*everyone, *provinces], year__in=(year, year - 1)
        ).only("code", "year", "figures")
    }
    found = selectors.latest_estimates(counties=everyone, year=year)
    # asked by name: funds answers where it is installed, else every county's 资金成效 is 暂无数据
    funds = provided("county.funds_performance", lambda **_kw: {})(counties=everyone, year=year)
    projects = provided("county.projects_performance", lambda **_kw: {})(counties=everyone, year=year)
    helped = cadre_figures.by_county(everyone, year)
    local = selectors.local_figures_latest(counties=counties, year=year)
    made, values = [], {}
    for county in counties:
        indicators = selectors.indicator_set(region_code=county, year=year, level=RegionLevel.COUNTY)
        if not indicators:
            raise ValidationError(_("%(y)d 年尚未设置县级考核指标，请先设置指标体系。") % {"y": year})
        values[county] = _values(county, year, figures, found, funds, projects, helped)
        made.append(_score(county, year, RegionLevel.COUNTY, indicators, values[county], local.get(county)))
    others = [c for c in everyone if c not in values]
    for county in others:
        values[county] = _values(county, year, figures, found, funds, projects, helped)
    by_county = {
        s.county_id: s
        for s in Score.objects.filter(county_id__in=others, year=year, level=RegionLevel.COUNTY)
    } | {s.county_id: s for s in made}
    for province in provinces:
        indicators = selectors.indicator_set(region_code=province, year=year, level=RegionLevel.PROVINCE)
        made.append(
            _score(province, year, RegionLevel.PROVINCE, indicators,
                   _province_values(province, year, members[province], figures, values, by_county, funds, projects,
                                    helped))
        )  # fmt: skip
    Score.objects.filter(county_id__in=[*counties, *provinces], year=year).delete()
    Score.objects.bulk_create(made)
    audit.record_many(audit.entry_for("create", s, after=audit.snapshot(s)) for s in made)
    return made


# --- 地方自定指标: figures entered per county by the assessing level -------------------------------------------

LOCAL_MAX_ROWS = 500  # one entry's rows: the counties of a province (the largest has about 120)


def local_range(indicator: Indicator) -> tuple[Decimal, Decimal]:
    """The figures accepted for a local indicator: its span (between ``best`` and ``worst``) and as much again on
    either side — a figure ten times off (a misplaced decimal point) is refused as a typing error, while one
    beyond full or no marks (scored 100 % or 0 %) is still entered."""
    low, high = sorted((indicator.best, indicator.worst))
    span = (high - low) or max(abs(high), Decimal(1))
    return (low - span).normalize(), (high + span).normalize()


def plain(number: Decimal) -> str:
    """A decimal as typed (45.5, 200), without its stored trailing zeros or an exponent."""
    return f"{number.normalize():f}"


def _local_value(raw) -> Decimal | None:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("，", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    return value


@transaction.atomic
def local_figures_enter(*, user, year: int, key: str, rows: list[dict]) -> list[LocalFigure]:
    """Enter the figures of a province's own indicator (``Source.LOCAL``, named by ``key``) for counties in
    ``year``: each row ``county`` (code), ``value``, ``note`` (what the figure is based on) and an optional
    ``file`` (a scan or photo), and ``line`` (an uploaded file's line, for the messages). Every row is checked
    before anything is written — the county in the user's scope for the action, the indicator in force for the
    county being a local one, the figure a number within ``local_range``, the note given, the file a PDF or picture
    that is what its name says — and all rows are written, or none with every bad row named. A row without a
    figure or note is skipped; one equal to the county's current figure (same value and note, no new file) is
    left as it is; any other becomes the county's next version, the earlier ones kept."""
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": [_("年度应在 2000 至 2100 之间。")]})
    if len(rows) > LOCAL_MAX_ROWS:
        raise ValidationError(_("一次最多录入 %(n)d 个县的数值。") % {"n": LOCAL_MAX_ROWS})
    codes = [str(r.get("county") or "").strip() for r in rows]
    counties = {
        c.code: c for c in Region.objects.filter(code__in=[c for c in codes if c], level=RegionLevel.COUNTY)
    }
    for code in dict.fromkeys(codes):
        if code in counties:
            permissions.require(user, "enter_local_figure", region=code, what=_("录入地方自定考核指标数值"))
    sets: dict[str, dict[str, Indicator]] = {}  # province → the county set in force there, by key
    current = {
        f.county_id: f
        for f in LocalFigure.objects.filter(county_id__in=list(counties), year=year, key=key).order_by(
            "version"
        )
    }  # the latest version last, so it stays
    errors, made, seen = [], [], set()
    now = timezone.now()
    for row, code in zip(rows, codes, strict=True):
        where = (
            _("第 %(n)s 行") % {"n": row["line"]}
            if row.get("line")
            else (counties[code].name if code in counties else code or _("（未填区划代码）"))
        )
        note, upload = " ".join(str(row.get("note") or "").split()), row.get("file") or None
        try:
            value = _local_value(row.get("value"))
        except ValueError as exc:
            errors.append(_("%(w)s：数值「%(v)s」不是数字。") % {"w": where, "v": exc.args[0][:20]})
            continue
        if value is None and not note and not upload:
            continue  # a blank row of the table
        county = counties.get(code)
        if county is None:
            errors.append(_("%(w)s：区划代码「%(c)s」不是县级区划。") % {"w": where, "c": code[:20]})
            continue
        if code in seen:
            errors.append(_("%(w)s：同一县只能填一个数值。") % {"w": where})
            continue
        seen.add(code)
        province = code[:2].ljust(12, "0")
        if province not in sets:
            in_force_set = selectors.indicator_set(region_code=code, year=year, level=RegionLevel.COUNTY)
            sets[province] = {i.key: i for i in in_force_set}
        indicator = sets[province].get(key)
        if indicator is None or indicator.source != Source.LOCAL:
            errors.append(
                _("%(w)s：%(y)d 年本省指标体系中没有代码为「%(k)s」的地方自定指标（录入数值）。")
                % {"w": where, "y": year, "k": key}
            )
            continue
        if value is None:
            errors.append(_("%(w)s：请填写「%(n)s」的数值。") % {"w": where, "n": indicator.name})
            continue
        low, high = local_range(indicator)
        if not low <= value <= high:
            errors.append(
                _("%(w)s：「%(n)s」的数值 %(v)s 超出合理范围（%(l)s 至 %(h)s），请核对。")
                % {"w": where, "n": indicator.name, "v": value, "l": plain(low), "h": plain(high)}
            )
            continue
        if len(note) < 4:
            errors.append(_("%(w)s：请写明数值的依据（至少 4 个字）。") % {"w": where})
            continue
        before = current.get(code)
        if before is not None and before.value == value and before.note == note and not upload:
            continue  # unchanged
        figure = LocalFigure(
            county=county, year=year, key=key, name=indicator.name, version=before.version + 1 if before else 1,
            value=value, note=note, entered_by=user, entered_at=now,
        )  # fmt: skip
        try:
            figure.full_clean(exclude=["entered_by", "county", "file"], validate_constraints=False)
            for check in LOCAL_FILE_VALIDATORS if upload else ():
                check(upload)
        except ValidationError as exc:
            errors.append(_("%(w)s：%(e)s") % {"w": where, "e": "；".join(exc.messages)})
            continue
        made.append((figure, upload))
    if errors:
        shown = errors[:MAX_NAMED_ERRORS]
        more = len(errors) - len(shown)
        raise ValidationError(
            [*shown, *([_("另有 %(n)d 处错误。") % {"n": more}] if more else []), _("未保存任何数值。")]
        )
    for figure, upload in made:  # last: a refusal above leaves no file behind
        if upload:
            figure.file.save(upload.name.rsplit("/", 1)[-1], upload, save=False)
    made = LocalFigure.objects.bulk_create([figure for figure, _upload in made])
    audit.record_many(audit.entry_for("create", f, after=audit.snapshot(f)) for f in made)
    return made


def _finding_new(
    *, user, region: Region, source: str, title: str, responsible_unit: str, deadline, detail: str = "",
    source_ref: str = "",
) -> Finding:  # fmt: skip
    """An unsaved finding, checked: the user may raise one about ``region``, the deadline is not past, the
    fields are valid and the source's item (``source_ref``) has not become a finding before."""
    permissions.require(user, "raise_finding", region=region.code, what=_("登记整改问题"))
    if deadline is None or deadline < timezone.localdate():
        raise ValidationError({"deadline": [_("整改时限不能早于今天。")]})
    finding = Finding(
        region=region, source=source, source_ref=source_ref.strip(), title=title.strip(), detail=detail.strip(),
        responsible_unit=responsible_unit.strip(), deadline=deadline, raised_level=user.level if user else 0,
        raised_by=user,
    )  # fmt: skip
    finding.full_clean(exclude=["raised_by"], validate_constraints=False)
    if finding.source_ref and Finding.objects.filter(source=source, source_ref=finding.source_ref).exists():
        raise ValidationError(
            {
                "source_ref": [
                    _("该来源编号（%(ref)s）已登记为整改问题，不能重复登记。") % {"ref": finding.source_ref}
                ]
            }
        )
    return finding


@transaction.atomic
def finding_raise(
    *, user, region: Region, source: str, title: str, responsible_unit: str, deadline, detail: str = "",
    source_ref: str = "",
) -> Finding:  # fmt: skip
    """Enter a finding about ``region`` for rectification: the raising user's level closes it later.
    ``source_ref`` names the item in its source (a 12317 call's 工单号, a 回头看 record), entered once."""
    finding = _finding_new(
        user=user, region=region, source=source, title=title, responsible_unit=responsible_unit,
        deadline=deadline, detail=detail, source_ref=source_ref,
    )  # fmt: skip
    finding.save()
    audit.record("create", finding, after=audit.snapshot(finding))
    return finding


FINDING_COLUMNS = ("来源", "来源编号", "区划代码", "问题", "问题描述", "责任单位", "整改时限")


@transaction.atomic
def findings_import(*, user, rows: list[tuple[int, dict]]) -> list[Finding]:
    """Enter many findings at once (回头看 records, 12317 calls, an audit's list): ``rows`` are (row number,
    {column of ``FINDING_COLUMNS``: text}). Every row is checked — source by its Chinese name, region in the
    user's scope, deadline as YYYY-MM-DD, the source's number not entered before nor twice in the file — and all
    are saved in one statement, or none with each bad row named."""
    sources = {str(label): value for value, label in FindingSource.choices}
    regions = {
        r.code: r
        for r in Region.objects.for_user(user, "raise_finding").filter(
            code__in={(row.get("区划代码") or "").strip() for _n, row in rows}
        )
    }
    made, errors, seen = [], [], set()
    for number, row in rows:
        cell = {k: (row.get(k) or "").strip() for k in FINDING_COLUMNS}
        try:
            source = sources.get(cell["来源"])
            if source is None:
                raise ValidationError(
                    _("来源「%(s)s」不是可选的来源（%(all)s）。")
                    % {"s": cell["来源"], "all": "、".join(sources)}
                )
            region = regions.get(cell["区划代码"])
            if region is None:
                raise ValidationError(
                    _("区划代码「%(c)s」不存在，或不在您的管辖范围内。") % {"c": cell["区划代码"]}
                )
            try:
                deadline = date.fromisoformat(cell["整改时限"])
            except ValueError:
                raise ValidationError(
                    _("整改时限「%(d)s」不是日期（应为 2026-12-31 的格式）。") % {"d": cell["整改时限"]}
                ) from None
            if cell["来源编号"] and (source, cell["来源编号"]) in seen:
                raise ValidationError(_("来源编号「%(r)s」在文件中重复。") % {"r": cell["来源编号"]})
            seen.add((source, cell["来源编号"]))
            made.append(
                _finding_new(
                    user=user, region=region, source=source, source_ref=cell["来源编号"], title=cell["问题"],
                    detail=cell["问题描述"], responsible_unit=cell["责任单位"], deadline=deadline,
                )
            )  # fmt: skip
        except ValidationError as e:
            errors.append(_("第 %(n)d 行：%(m)s") % {"n": number, "m": "；".join(_messages(e))})
    if not rows:
        raise ValidationError(_("文件中没有问题记录。"))
    if errors:
        raise ValidationError(_("未导入任何问题，请改正以下各行后重新导入：") + "\n" + "\n".join(errors))
    Finding.objects.bulk_create(made)
    audit.record_many(audit.entry_for("create", f, after=audit.snapshot(f)) for f in made)
    return made


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        names = {f.name: str(f.verbose_name) for f in Finding._meta.fields}
        return [f"{names.get(k, k)}：{m}" for k, msgs in error.message_dict.items() for m in msgs]
    return list(error.messages)


@transaction.atomic
def finding_from_alert(*, user, alert_pk: int, responsible_unit: str, deadline=None) -> Finding:
    """转整改: a funds supervision alert becomes a finding about its region, by whoever may handle the alert
    (its owning level: ``supervise`` over its region), with the alert's summary and a link back; the deadline
    defaults to the policy's ``rectify_days`` from today. An alert becomes one finding only."""
    alert = provided("funds.alert", lambda **_kw: None)(user=user, pk=alert_pk)
    if alert is None:
        raise ValidationError(_("预警不存在，或不在您的管辖范围内。"))
    permissions.require(user, "supervise", region=alert["region"].code, what=_("预警转整改"))
    if deadline is None:
        days = in_force(AssessmentPolicy, region_code=alert["region"].code, year=timezone.localdate().year,
                        defaults=True).rectify_days  # fmt: skip
        deadline = timezone.localdate() + timedelta(days=days)
    finding = _finding_new(
        user=user, region=alert["region"], source=FindingSource.FUNDS, source_ref=f"alert:{alert['pk']}",
        title=alert["summary"][:200], detail=_("%(kind)s。证据见预警：%(url)s") % {"kind": alert["kind"], "url": alert["url"]},
        responsible_unit=responsible_unit, deadline=deadline,
    )  # fmt: skip
    finding.save()
    audit.record("create", finding, after=audit.snapshot(finding))
    return finding


@transaction.atomic
def finding_rectify(*, user, finding: Finding, evidence: str, evidence_file=None) -> Finding:
    """Report the fix of an open finding with its evidence (text, and a scan or photo if any)."""
    permissions.require(user, "rectify", region=finding.region_id, what=_("上报整改情况"))
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.state != FindingState.OPEN:
        raise ValidationError(_("该问题不在整改中，不能上报整改情况。"))
    if not evidence.strip():
        raise ValidationError({"evidence": [_("请说明整改情况。")]})
    before = audit.snapshot(finding)
    finding.evidence, finding.state = evidence.strip(), FindingState.RECTIFIED
    finding.rectified_at, finding.rectified_by = timezone.now(), user
    if evidence_file is not None:
        finding.evidence_file = evidence_file
    finding.full_clean()
    finding.save()
    audit.record("update", finding, before=before, after=audit.snapshot(finding))
    return finding


@transaction.atomic
def finding_close(*, user, finding: Finding, accept: bool = True, note: str = "") -> Finding:
    """销号 by the level that raised the finding (``accept``), or send the report back (整改中 again)."""
    permissions.require(
        user, "close_finding", region=finding.region_id, level=finding.raised_level, what=_("问题整改销号")
    )
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    if finding.state != FindingState.RECTIFIED:
        raise ValidationError(_("该问题尚未上报整改情况，不能销号。"))
    if not accept and not note.strip():
        raise ValidationError({"note": [_("退回时请说明理由。")]})
    before = audit.snapshot(finding)
    if accept:
        finding.state, finding.closed_at, finding.closed_by = FindingState.CLOSED, timezone.now(), user
    else:
        finding.state, finding.rectified_at, finding.rectified_by = FindingState.OPEN, None, None
    finding.close_note = note.strip()
    finding.save()
    audit.record("update", finding, before=before, after=audit.snapshot(finding))
    return finding


def exit_conditions(*, county: str, year: int, sample: Sample | None = None) -> list[rules.Condition]:
    """The county's exit conditions now (for a service that has checked its user): from the third party's latest
    estimates, or from ``sample``'s (the province's own check)."""
    row = RegionFigures.objects.filter(code=county, year=year).only("figures").first()
    parts = row.figures if row else {}
    if sample is None:
        found = {
            kind: e for (_c, kind), e in selectors.latest_estimates(counties=[county], year=year).items()
        }
    else:
        found = {e.kind: e for e in Estimate.objects.filter(sample=sample).select_related("sample")}
    return rules.exit_check(
        parts=parts,
        estimates=exit_estimates(found=found, parts=parts),
        policy=in_force(AssessmentPolicy, region_code=county, year=year, defaults=True),
    )


def province_check_sample(*, county: Region, year: int, proposed_at) -> Sample:
    """The province's own sample for its check (省级专项评估检查) of the county's exit: the latest one it drew
    after the proposal (``proposed_at``), its survey answered in at least the policy's least villages and
    households, and its estimates computed over all its answers. Refused otherwise, saying what is missing."""
    when = timezone.localtime(proposed_at).strftime("%Y-%m-%d %H:%M")
    ours = Sample.objects.filter(county=county, year=year, commissioner=Commissioner.PROVINCE_CHECK)
    sample = ours.filter(drawn_at__gt=proposed_at).order_by("-drawn_at", "-id").first()
    if sample is None:
        earlier = ours.order_by("-drawn_at").first()
        if earlier is not None:
            raise ValidationError(
                _("省级专项评估检查样本（%(s)s 抽取）早于县级提出退出申请（%(d)s），须在申请之后重新抽取。")
                % {"s": timezone.localtime(earlier.drawn_at).strftime("%Y-%m-%d %H:%M"), "d": when}
            )
        raise ValidationError(
            _("尚无省级专项评估检查样本：请在县级提出退出申请（%(d)s）之后抽取本县的省级专项评估检查样本，"
              "完成入户调查并计算抽样估计后再办理。") % {"d": when}
        )  # fmt: skip
    policy = in_force(SamplingPolicy, region_code=county.code, year=year, defaults=True)
    answers = SurveyResponse.objects.filter(sample=sample)
    answered = answers.count()
    villages = answers.values("sample_household__sampled_village_id").distinct().count()
    least = policy.min_villages * policy.min_households
    if villages < policy.min_villages or answered < least:
        raise ValidationError(
            _(
                "省级专项评估检查样本已调查 %(a)d 户（%(v)d 个村），少于政策规定的至少 %(mv)d 个村、%(n)d 户，请完成入户调查。"
            )
            % {"a": answered, "v": villages, "mv": policy.min_villages, "n": least}
        )
    found = {e.kind: e for e in Estimate.objects.filter(sample=sample)}
    missing = [str(Estimator(k).label) for k in Estimator.values if k not in found]
    if missing:
        raise ValidationError(
            _("省级专项评估检查样本尚未计算抽样估计（%(k)s），请先计算。") % {"k": "、".join(missing)}
        )
    if found[Estimator.SATISFACTION].units != answered:
        raise ValidationError(
            _("省级专项评估检查样本的抽样估计按 %(u)d 户计算，现有调查记录 %(a)d 户，请重新计算估计。")
            % {"u": found[Estimator.SATISFACTION].units, "a": answered}
        )
    return sample


def exit_round(*, county: str, year: int) -> list[CountyExitStep]:
    """The steps of the county's current round of exit (after the last step that did not pass)."""
    steps = list(CountyExitStep.objects.filter(county_id=county, year=year).order_by("at", "id"))
    last_failed = max((i for i, s in enumerate(steps) if not s.passed), default=-1)
    return steps[last_failed + 1 :]


@transaction.atomic
def county_exit_take(
    *, user, county: Region, year: int, kind: str, passed: bool = True, note: str = "",
    ticked: list[str] | None = None,
) -> CountyExitStep:  # fmt: skip
    """Take the next step of a county's exit at its level. The county's proposal and the province's check are
    refused while any condition fails (each named with its figure); a step that does not pass needs a reason and
    ends the round. Only a county on the year's list of poor counties has the procedure; the province's own
    criteria (``ticked``: the ones confirmed) are recorded at its check and approval, and the approval is refused
    while one is unticked; the approval writes 已摘帽 into the county's row of the year."""
    order = [k for k, _lv in EXIT_STEPS]
    levels = dict(EXIT_STEPS)
    if kind not in levels:
        raise ValidationError(_("没有这个退出环节。"))
    permissions.require(
        user, "county_exit", region=county.code, level=levels[kind], what=ExitStep(kind).label
    )
    CountyExitStep.objects.select_for_update().filter(county=county, year=year).exists()
    done = exit_round(county=county.code, year=year)
    if len(done) >= len(order):
        raise ValidationError(_("%(c)s %(y)d 年的退出程序已办结。") % {"c": county.name, "y": year})
    revoked = NationalCheck.objects.filter(county=county, year=year, result=CheckResult.FAILED).exists()
    if revoked:
        raise ValidationError(
            _("%(c)s %(y)d 年的退出经国家抽查未通过，已撤销；请于下一年度重新提出退出。")
            % {"c": county.name, "y": year}
        )
    expected = order[len(done)]
    if kind == ExitStep.NATIONAL_CHECK and expected == kind:
        raise ValidationError(_("「国家抽查」由国家在抽中的县录入抽查结果，不在此办理。"))
    if kind != expected:
        raise ValidationError(_("当前应办理「%(e)s」。") % {"e": ExitStep(expected).label})
    if not passed and not note.strip():
        raise ValidationError({"note": [_("不予通过时请说明理由。")]})
    designated = PoorCounty.objects.select_for_update().filter(county=county, year=year).first()
    if designated is None:
        raise ValidationError(
            _("%(c)s 未列入 %(y)d 年贫困县名单，不适用贫困县退出程序。") % {"c": county.name, "y": year}
        )
    criteria = []
    if kind in (ExitStep.PROVINCE_CHECK, ExitStep.APPROVE):
        ticked = set(ticked or ())
        items = selectors.exit_checklist(code=county.code, year=year)
        criteria = [{"text": item, "ticked": item in ticked} for item in items]
        unticked = [c["text"] for c in criteria if not c["ticked"]]
        if kind == ExitStep.APPROVE and passed and unticked:
            raise ValidationError([
                _("省定附加条件「%(t)s」未确认达到，不能批准退出。") % {"t": text} for text in unticked
            ])  # fmt: skip
    snapshot, sample = [], None
    if kind == ExitStep.PROVINCE_CHECK and passed:
        sample = province_check_sample(county=county, year=year, proposed_at=done[0].at)
    elif kind == ExitStep.APPROVE:
        # 省政府 decides on the figures of the province's own check, never on a later sample of the county's
        sample = next((s.sample for s in done if s.kind == ExitStep.PROVINCE_CHECK), None)
    if kind == ExitStep.PROPOSE or sample is not None:
        conditions = exit_conditions(county=county.code, year=year, sample=sample)
        failing = [c for c in conditions if not c.passed]
        if passed and failing:
            where = _("省级专项评估检查样本：") if sample is not None else ""
            raise ValidationError([
                where + _("「%(l)s」%(v)s，未达到标准（%(r)s）。") % {
                    "l": c.label, "r": c.rule, "v": _("暂无数据") if c.value is None else f"{c.value:.2f}%"
                } for c in failing
            ])  # fmt: skip
        snapshot = [
            {"label": str(c.label), "value": c.value, "low": c.low, "high": c.high, "rule": str(c.rule),
             "passed": c.passed, "facts": str(c.facts)} for c in conditions
        ]  # fmt: skip
    if kind == ExitStep.APPROVE and passed:
        _refuse_while_publicity(done)
    step = CountyExitStep(
        county=county, year=year, kind=kind, level=levels[kind], passed=passed, note=note.strip(),
        conditions=snapshot, criteria=criteria, sample=sample, actor=user,
    )  # fmt: skip
    step.full_clean(exclude=["actor", "sample"])
    step.save()
    audit.record("create", step, after=audit.snapshot(step))
    if kind == ExitStep.PUBLICITY and passed:
        _publish(step, done)
    if kind == ExitStep.APPROVE and passed:
        before = audit.snapshot(designated)
        designated.status = CountyStatus.EXITED
        designated.save(update_fields=["status"])
        audit.record("update", designated, before=before, after=audit.snapshot(designated))
    return step


KIND_WORDS = {
    "国家级": CountyKind.NATIONAL, "国家级贫困县": CountyKind.NATIONAL, "national": CountyKind.NATIONAL,
    "省级": CountyKind.PROVINCIAL, "省级贫困县": CountyKind.PROVINCIAL, "provincial": CountyKind.PROVINCIAL,
}  # fmt: skip


def _exited_before(codes, year: int) -> dict[str, int]:
    """The counties among ``codes`` whose exit was approved before ``year`` (code → the year of it)."""
    rows = PoorCounty.objects.filter(county_id__in=codes, year__lt=year, status=CountyStatus.EXITED)
    found = {}
    for code, when in rows.values_list("county_id", "year").order_by("year"):
        found.setdefault(code, when)
    return found


@transaction.atomic
def poor_counties_load(*, year: int, rows: list[tuple[int, str, str]]) -> int:
    """Load the list of poor counties of ``year`` (the command's CSV): ``rows`` are (line, county code, kind:
    国家级 / 省级). Every row is checked (a known county, a known kind, no county twice, not already 摘帽 in an
    earlier year); any error refuses the whole file with every message and nothing is saved. A county already
    designated in ``year`` keeps its status and takes the kind given. Set-based: one read of the counties, one
    bulk_create, one bulk_update, one audit insert."""
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应在 2000 至 2100 之间。"))
    codes = {code.strip().ljust(12, "0") for _line, code, _k in rows if code.strip().isdigit()}
    counties = set(
        Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).values_list("code", flat=True)
    )
    exited = _exited_before(counties, year)
    errors, seen, clean = [], {}, {}
    for line, code, kind in rows:
        code, kind = code.strip(), kind.strip()
        padded = code.ljust(12, "0") if code.isdigit() else code
        if padded not in counties:
            errors.append(_("第 %(n)d 行：县代码「%(c)s」不存在或不是县级区划。") % {"n": line, "c": code})
        elif padded in seen:
            errors.append(
                _("第 %(n)d 行：县代码 %(c)s 与第 %(m)d 行重复。")
                % {"n": line, "c": padded, "m": seen[padded]}
            )
        elif padded in exited:
            errors.append(
                _("第 %(n)d 行：%(c)s 已于 %(y)d 年摘帽，不能再列入 %(z)d 年贫困县名单。")
                % {"n": line, "c": padded, "y": exited[padded], "z": year}
            )
        if kind not in KIND_WORDS:
            errors.append(_("第 %(n)d 行：类别「%(k)s」应为「国家级」或「省级」。") % {"n": line, "k": kind})
        else:
            clean.setdefault(padded, KIND_WORDS[kind])
        seen.setdefault(padded, line)
    if not rows:
        errors.append(_("文件中没有数据行。"))
    if errors:
        raise ValidationError(errors)
    existing = {
        p.county_id: p for p in PoorCounty.objects.select_for_update().filter(year=year, county_id__in=clean)
    }
    created, changed, entries = [], [], []
    for code, kind in clean.items():
        row = existing.get(code)
        if row is None:
            created.append(PoorCounty(county_id=code, year=year, kind=kind))
        elif row.kind != kind:
            before = audit.snapshot(row)
            row.kind = kind
            changed.append(row)
            entries.append(audit.entry_for("update", row, before=before, after=audit.snapshot(row)))
    PoorCounty.objects.bulk_create(created, batch_size=2000)
    PoorCounty.objects.bulk_update(changed, ["kind"], batch_size=2000)
    entries += [audit.entry_for("create", row, after=audit.snapshot(row)) for row in created]
    audit.record_many(entries)
    return len(clean)


@transaction.atomic
def poor_county_designate(*, user, county: Region, year: int, kind: str) -> PoorCounty:
    """Designate ``county`` a poor county of ``year`` (or change its kind): a national one by a national
    administrator, a provincial one by its province's. Refused for a county 摘帽 in an earlier year."""
    if kind not in CountyKind.values:
        raise ValidationError({"kind": [_("请选择贫困县类别。")]})
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("请选择县级区划。")]})
    permissions.require(
        user, "set_policy",
        region=permissions.NATIONAL_CODE if kind == CountyKind.NATIONAL else county.code,
        what=CountyKind(kind).label,
    )  # fmt: skip
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("年度应在 2000 至 2100 之间。")]})
    exited = _exited_before([county.code], year)
    if exited:
        raise ValidationError(
            _("%(c)s 已于 %(y)d 年摘帽，不能再列入 %(z)d 年贫困县名单。")
            % {"c": county.name, "y": exited[county.code], "z": year}
        )
    return audit.upsert(PoorCounty, {"county": county, "year": year}, {"kind": kind})


@transaction.atomic
def exit_checklist_set(*, user, year: int, province: str, items: list[str]) -> ExitChecklist:
    """Set a province's own criteria of county exit for ``year`` (one per line; empty lines dropped, none
    repeated). An empty list clears them."""
    region = policy_province(province)
    if region is None:
        raise ValidationError({"province": [_("请选择省份。")]})
    permissions.require(user, "set_policy", region=region.code, what=_("设置贫困县退出省定附加条件"))
    clean = []
    for item in items:
        item = " ".join(item.split())
        if len(item) > 200:
            raise ValidationError({"items": [_("每条附加条件不超过 200 字。")]})
        if item and item not in clean:
            clean.append(item)
    if len(clean) > 30:
        raise ValidationError({"items": [_("附加条件不超过 30 条。")]})
    return audit.upsert(ExitChecklist, {"year": year, "province": region}, {"items": clean})


# --- 省级公示 of a county's exit on the public portal ------------------------------------------------------------


def _publish(step: CountyExitStep, done: list[CountyExitStep]) -> ExitNotice:
    """The 公示 on the portal: the county and the exit figures the province's check recorded (each with its
    interval and threshold), for the policy's days from today. No personal data: figures only."""
    check = next((s for s in reversed(done) if s.kind == ExitStep.PROVINCE_CHECK), None)
    policy = in_force(AssessmentPolicy, region_code=step.county_id, year=step.year, defaults=True)
    today = timezone.localdate()
    # by key, so the portal names each figure in the reader's language; the threshold as it stood
    figures = [
        {"key": key, "threshold": float(getattr(policy, field)), "below": below,
         **{k: c.get(k) for k in ("value", "low", "high", "passed")}}
        for (key, field, below), c in zip(NOTICE_FIGURES, check.conditions if check else [], strict=False)
    ]  # fmt: skip
    checked_on = timezone.localdate(check.at).isoformat() if check else ""  # the day in 北京时间, not UTC's
    notice = ExitNotice(
        region_id=step.county_id, year=step.year, step=step, starts_on=today,
        last_day=today + timedelta(days=policy.exit_publicity_days - 1),
        facts={"name": step.county.name, "figures": figures, "checked_on": checked_on},
    )  # fmt: skip
    notice.full_clean(exclude=["step", "region"])
    notice.save()
    audit.record("create", notice, after=audit.snapshot(notice))
    return notice


# the figures of a county's exit in the order of ``rules.exit_check``: key, the policy's threshold, lower is better
NOTICE_FIGURES = (
    ("incidence", "exit_incidence", True), ("wrong_exit", "exit_wrong_exit", True),
    ("missed", "exit_missed", True), ("satisfaction", "exit_satisfaction", False),
)  # fmt: skip


def exit_notice_rows(notice: ExitNotice) -> list[dict]:
    """The notice's figures as the public reads them: each named and its threshold in words, in the reader's
    language."""
    labels = {
        "incidence": _("综合贫困发生率"), "wrong_exit": _("错退率"), "missed": _("漏评率"),
        "satisfaction": _("群众认可度"),
    }  # fmt: skip
    rows = []
    for f in notice.facts.get("figures", []):
        rule = (_("低于 %(t)s%%") if f["below"] else _("不低于 %(t)s%%")) % {"t": f"{f['threshold']:g}"}
        rows.append({**f, "label": labels.get(f["key"], f["key"]), "rule": rule})
    return rows


def _refuse_while_publicity(done: list[CountyExitStep]) -> None:
    """省政府批准退出 waits for the 公示's end and every objection's decision; an upheld objection refuses it."""
    ids = [s.pk for s in done if s.kind == ExitStep.PUBLICITY]
    notice = ExitNotice.objects.select_for_update().filter(step_id__in=ids).first()
    if notice is None:
        return
    if timezone.localdate() <= notice.last_day:
        raise ValidationError(
            _("省级公示至 %(d)s 止，公示期满后方可批准退出。") % {"d": notice.last_day.isoformat()}
        )
    objections = list(notice.objections.order_by("id"))
    waiting = [o.reference for o in objections if o.status == ObjectionStatus.OPEN]
    if waiting:
        raise ValidationError(
            _("公示期间的异议（%(r)s）尚未处理，处理后方可批准退出。") % {"r": "、".join(waiting)}
        )
    upheld = [o.reference for o in objections if o.status == ObjectionStatus.UPHELD]
    if upheld:
        raise ValidationError(
            _("公示期间的异议（%(r)s）经核实属实，不能批准退出；可办理「不予通过」。")
            % {"r": "、".join(upheld)}
        )


@transaction.atomic
def exit_objection_file(
    *, user, notice: ExitNotice, text: str, name: str = "", contact: str = "", ip: str | None = None
) -> ExitObjection:
    """异议 against a county's exit while its 公示 runs: by staff (``user``) or from the public portal (None)."""
    return notice_objection_file(
        ExitObjection, user=user, notice=notice, text=text, name=name, contact=contact, ip=ip
    )


@transaction.atomic
def exit_objection_resolve(*, user, objection: ExitObjection, upheld: bool, reason: str) -> ExitObjection:
    """The province decides an objection to a county's exit with a reason: upheld (属实: the approval is
    refused) or dismissed (不属实)."""
    objection = ExitObjection.objects.select_for_update().get(pk=objection.pk)
    permissions.require(
        user, "county_exit", region=objection.region_id, level=RegionLevel.PROVINCE,
        what=_("处理贫困县退出公示异议"),
    )  # fmt: skip
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("该异议已经处理。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": [_("请填写处理意见（至少 4 个字）。")]})
    before = audit.snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_at = reason, user, timezone.now()
    objection.save()
    audit.record("update", objection, before=before, after=audit.snapshot(objection))
    return objection


# --- 国家抽查 of the counties approved to exit ---------------------------------------------------------------


def _approved_frame(year: int, until=None) -> list[str]:
    """The counties whose exit 省政府 approved in ``year`` (up to ``until``: the frame as at a draw), by code."""
    steps = CountyExitStep.objects.filter(year=year, kind=ExitStep.APPROVE, passed=True)
    if until is not None:
        steps = steps.filter(at__lte=until)
    return sorted(set(steps.values_list("county_id", flat=True)))


def _national_draw(frame: list[str], sizes: dict[str, int], seed: int) -> list[sampling.Drawn]:
    strata = [code[:2].ljust(12, "0") for code in frame]
    with sampling.seeded(seed):
        return sampling.draw(frame, strata, sizes)


def _national_sizes(frame: list[str], year: int) -> dict[str, dict]:
    """Per province: its approved counties, the policy's share and least count (policy data by year and
    province), and the counties to draw: the share rounded up, at least the least count, at most all."""
    per: dict[str, int] = {}
    for code in frame:
        province = code[:2].ljust(12, "0")
        per[province] = per.get(province, 0) + 1
    design = {}
    for province, n in sorted(per.items()):
        policy = in_force(AssessmentPolicy, region_code=province, year=year, defaults=True)
        share = float(policy.national_check_share)
        want = max(int(policy.national_check_min), -(-round(n * share * 100) // 10000))
        design[province] = {
            "frame": n,
            "drawn": min(n, want),
            "share": share,
            "minimum": policy.national_check_min,
        }
    return design


@transaction.atomic
def national_check_draw(*, user, year: int, seed: int | None = None) -> list[NationalCheck]:
    """Draw the national sample check of the counties approved to exit in ``year``: within each province (the
    stratum) by SRS without replacement (samplics, as the sampling designer), the province's share or least count
    by policy; the seed (given, or made here) and the design kept on every drawn county. A second draw of the year
    is refused — unless it names the same seed, which reproduces the stored sample (nothing written)."""
    permissions.require(user, "national_check", what=_("抽取国家抽查县"))
    if not 2000 <= year <= 2100:
        raise ValidationError({"year": [_("年度应在 2000 至 2100 之间。")]})
    existing = list(NationalCheck.objects.select_for_update().filter(year=year).order_by("county_id"))
    if existing:
        stored = existing[0].seed
        if seed is None or int(seed) != stored:
            raise ValidationError(
                _(
                    "%(y)d 年的国家抽查已于 %(d)s 抽取（随机种子 %(s)d），不能重复抽取；用同一随机种子重抽可复核样本。"
                )
                % {"y": year, "d": timezone.localtime(existing[0].drawn_at).strftime("%Y-%m-%d"), "s": stored}
            )
        if national_check_redraw(year=year) != [c.county_id for c in existing]:
            raise ValidationError(_("用同一随机种子重抽得到的县与已抽取的不同，请核查退出数据。"))
        return existing
    frame = _approved_frame(year)
    if not frame:
        raise ValidationError(_("%(y)d 年没有省政府批准退出的贫困县，无可抽查。") % {"y": year})
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    design = _national_sizes(frame, year)
    drawn = _national_draw(frame, {p: d["drawn"] for p, d in design.items()}, seed)
    now = timezone.now()
    whole = {"drawn_at": now.isoformat(), "provinces": design}
    rows = []
    for d in sorted(drawn, key=lambda d: d.unit):
        part = design[d.stratum]
        rows.append(
            NationalCheck(
                county_id=d.unit, year=year, seed=seed, stratum=d.stratum, frame=part["frame"], drawn=part["drawn"],
                weight=1 / d.probability, design=whole, drawn_by=user, drawn_at=now,
            )
        )  # fmt: skip
    NationalCheck.objects.bulk_create(rows)
    audit.record_many(audit.entry_for("create", r, after=audit.snapshot(r)) for r in rows)
    return rows


def national_check_redraw(*, year: int) -> list[str]:
    """The counties the stored seed gives over the frame as it stood at the draw (the approvals up to then) and
    the stored sizes, drawn again without saving: the check anyone can make that the sample is the seed's."""
    first = NationalCheck.objects.filter(year=year).order_by("id").first()
    if first is None:
        return []
    frame = _approved_frame(year, until=first.drawn_at)
    sizes = {p: d["drawn"] for p, d in first.design.get("provinces", {}).items()}
    return sorted(d.unit for d in _national_draw(frame, sizes, first.seed))


NATIONAL_FIGURES = (
    ("incidence", gettext_lazy("综合贫困发生率（%）")),
    ("wrong_exit", gettext_lazy("错退率（%）")),
    ("missed", gettext_lazy("漏评率（%）")),
    ("satisfaction", gettext_lazy("群众认可度（%）")),
)


@transaction.atomic
def national_check_record(
    *, user, county: Region, year: int, passed: bool, findings: str = "", figures: dict | None = None,
    reason: str = "", responsible_unit: str = "",
) -> NationalCheck:  # fmt: skip
    """Record the national check's result of a drawn county, once. Passed: the exit stands (国家抽查 通过).
    Failed (with findings and a reason): the exit is revoked — 已摘帽 taken back in the county's row of ``year``,
    the county a poor county again in ``year`` + 1 — and a 问题整改 item opens for the county with the policy's
    deadline; every change audited."""
    permissions.require(user, "national_check", region=county.code, what=_("录入国家抽查结果"))
    check = NationalCheck.objects.select_for_update().filter(county=county, year=year).first()
    if check is None:
        raise ValidationError(
            _("%(c)s 未被抽中 %(y)d 年国家抽查，不能录入抽查结果。") % {"c": county.name, "y": year}
        )
    if check.result != CheckResult.PENDING:
        raise ValidationError(
            _("%(c)s %(y)d 年的国家抽查结果已录入（%(r)s），不能重复录入。")
            % {"c": county.name, "y": year, "r": check.get_result_display()}
        )
    clean = {}
    for key, label in NATIONAL_FIGURES:
        value = (figures or {}).get(key)
        if value in (None, ""):
            continue
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValidationError({key: [_("「%(l)s」应为数字。") % {"l": label}]}) from None
        if not 0 <= value <= 100:
            raise ValidationError({key: [_("「%(l)s」应在 0 至 100 之间。") % {"l": label}]})
        clean[key] = value
    findings, reason = (findings or "").strip(), (reason or "").strip()
    if not passed and not findings:
        raise ValidationError({"findings": [_("未通过时请写明发现的问题。")]})
    if not passed and len(reason) < 4:
        raise ValidationError({"reason": [_("未通过时请说明理由（至少 4 个字）。")]})
    designated = PoorCounty.objects.select_for_update().filter(county=county, year=year).first()
    before = audit.snapshot(check)
    check.result = CheckResult.PASSED if passed else CheckResult.FAILED
    check.findings, check.figures, check.reason = findings, clean, reason
    check.checked_by, check.checked_at = user, timezone.now()
    step = CountyExitStep(
        county=county, year=year, kind=ExitStep.NATIONAL_CHECK, level=0, passed=passed,
        note=reason or findings, actor=user,
    )  # fmt: skip
    step.full_clean(exclude=["actor"])
    step.save()
    audit.record("create", step, after=audit.snapshot(step))
    if not passed:
        _revoke(county=county, year=year, designated=designated)
        days = in_force(AssessmentPolicy, region_code=county.code, year=year, defaults=True).rectify_days
        finding = _finding_new(
            user=user, region=county, source=FindingSource.ASSESSMENT, source_ref=f"national_check:{check.pk}",
            title=_("%(y)d 年国家抽查未通过：%(c)s 退出已撤销") % {"y": year, "c": county.name},
            detail=_("发现的问题：%(f)s\n理由：%(r)s") % {"f": findings, "r": reason},
            responsible_unit=(responsible_unit or "").strip() or _("%(c)s人民政府") % {"c": county.name},
            deadline=timezone.localdate() + timedelta(days=days),
        )  # fmt: skip
        finding.save()
        audit.record("create", finding, after=audit.snapshot(finding))
        check.finding = finding
    check.full_clean(exclude=["drawn_by", "checked_by", "finding"])
    check.save()
    audit.record("update", check, before=before, after=audit.snapshot(check))
    return check


def _revoke(*, county: Region, year: int, designated: PoorCounty | None) -> None:
    """已摘帽 taken back: the row of ``year`` is 贫困县 again, and the county is on the list of ``year`` + 1."""
    kind = designated.kind if designated else CountyKind.NATIONAL
    if designated is not None and designated.status != CountyStatus.POOR:
        before = audit.snapshot(designated)
        designated.status = CountyStatus.POOR
        designated.save(update_fields=["status"])
        audit.record("update", designated, before=before, after=audit.snapshot(designated))
    audit.upsert(
        PoorCounty, {"county": county, "year": year + 1}, {"kind": kind, "status": CountyStatus.POOR}
    )
