"""The 精准考核 pages: samples (draw, look, field list, redraw check), surveys, estimates, scores, the
rectification ledger and the county exit check. Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jingzhun.accounts import permissions
from jingzhun.core import jobs, masking
from jingzhun.core.cells import unguard
from jingzhun.core.downloads import audited_file_response, record_downloads
from jingzhun.core.pagination import request_page
from jingzhun.core.panels import provided
from jingzhun.core.uploads import upload_size
from jingzhun.core.webwrites import Refused, act, attempt, form_refused
from jingzhun.core.xlsxexport import xlsx_download
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import cadres as cadre_figures
from . import rules, selectors, services, survey
from .choices import (
    EXIT_STEPS,
    CheckResult,
    Commissioner,
    CountyKind,
    CountyStatus,
    ExitStep,
    FindingState,
    Group,
)
from .forms import (
    AlertFindingForm,
    ChecklistForm,
    CloseForm,
    FindingForm,
    FindingImportForm,
    IndicatorFormSet,
    NationalDrawForm,
    NationalResultForm,
    PolicyForm,
    PoorCountyForm,
    RectifyForm,
    SampleForm,
    SamplingPolicyForm,
    ScoreForm,
    SurveyForm,
    SurveyUploadForm,
)
from .models import SurveyImportJob


def _need(user, action: str) -> None:
    if not user.can(action):
        raise PermissionDenied(permissions.decide(user, action).reason)


@login_required
def home(request):
    user = request.user
    if not user.can("assess"):
        _need(user, "view_assessment")
    form = SampleForm(request.POST or None, user=user, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sample = attempt(
                request,
                lambda: services.sample_draw(
                    user=user, county=data["county"], year=data["year"], purpose=data["purpose"],
                    villages=data["villages"], households_per_village=data["households_per_village"],
                    seed=data["seed"],
                ),
                _("已抽取样本。"),
                form,
            )  # fmt: skip
        except Refused:
            pass
        else:
            return redirect("assessment:sample", pk=sample.pk)
    return render(
        request,
        "assessment/home.html",
        {"form": form, "samples": list(selectors.samples(user=user)[: selectors.SHOWN])},
    )


@login_required
def sample_detail(request, pk: int):
    sample = selectors.sample(user=request.user, pk=pk)
    households = list(
        selectors.sample_households(user=request.user, sample=sample).select_related("response")[
            : selectors.SHOWN
        ]
    )
    groups = Counter(h.group for h in households)
    context = {
        "sample": sample,
        "villages": sample.sampled_villages.select_related("village").order_by("village_id"),
        "households": households,
        "groups": [(label, groups.get(value, 0)) for value, label in Group.choices],
        "estimates": sample.estimates.order_by("kind"),
        # the weight differs between the registry's groups: not shown to the assessor, who judges without them
        "show_weights": permissions.may(request.user, "view_sample_weights", region=sample.county_id),
    }
    if request.GET.get("check"):
        stored = list(sample.households.order_by("key").values_list("key", "household_id"))
        context["redraw_same"] = services.sample_redraw(sample) == stored
    return render(request, "assessment/sample_detail.html", context)


@login_required
def field_list(request, pk: int):
    """The sample's field list (.xlsx): field code, township, village, head, phone — masked by the reader's
    permission; never the household's registry status or number (the assessor judges without it). Each
    household's line is an audited download."""
    sample = selectors.sample(user=request.user, pk=pk)
    households = list(selectors.sample_households(user=request.user, sample=sample))
    shown = masking.Shown.for_reader(request.user)
    name = _("入户调查名单-%(county)s-%(year)s-%(pk)s") % {
        "county": sample.county.name, "year": sample.year, "pk": sample.pk,
    }  # fmt: skip
    record_downloads(
        request.user, households, filename=f"{name}.xlsx",
        root_of=lambda h: f"registry.household:{h.household_id}", region_of=lambda h: h.region_id,
        changes={"full_personal_data": [None, shown.full]},
    )  # fmt: skip
    header = [_("样本编号"), _("乡镇"), _("村"), _("户主姓名"), _("联系电话"), _("调查结果（入户填写）")]
    rows = [
        [h.key, h.region.parent.name if h.region.parent else "", h.region.name, h.household.head_name,
         shown.value(masking.PHONE, h.household.phone), ""]
        for h in households
    ]  # fmt: skip
    villages = [
        [v.village_id, v.village.name]
        for v in sample.sampled_villages.select_related("village").order_by("village_id")
    ]
    return xlsx_download(
        name, [(_("样本户"), header, rows), (_("样本村"), [_("区划代码"), _("村")], villages)]
    )


def _audit_names(request, sample, households, filename: str) -> None:
    record_downloads(
        request.user, households, filename=filename,
        root_of=lambda h: f"registry.household:{h.household_id}", region_of=lambda h: h.region_id,
        changes={"full_personal_data": [None, masking.sees_in_full(request.user)]},
    )  # fmt: skip


@login_required
def xlsform(request, pk: int):
    """The sample's ODK form as a zip: the XLSForm (checked by pyxform first) and its external lists
    (villages.csv, households.csv by field code and head) — to upload to a self-hosted ODK Central."""
    sample = selectors.sample(user=request.user, pk=pk)
    households = list(selectors.sample_households(user=request.user, sample=sample))
    form = survey.xlsform(
        form_id=sample.form_id, version=sample.form_version,
        title=_("%(county)s %(year)s 年第三方评估入户调查") % {"county": sample.county.name, "year": sample.year},
    )  # fmt: skip
    survey.validate_xlsform(form)
    villages = survey.choices_csv(
        ["name", "label"],
        [
            [v.village_id, v.village.name]
            for v in sample.sampled_villages.select_related("village").order_by("village_id")
        ],
    )
    people = survey.choices_csv(
        ["name", "label", "village"],
        [[h.key, f"{h.key} {h.household.head_name}", h.region_id] for h in households],
    )
    filename = f"{sample.form_id}.zip"
    _audit_names(request, sample, households, filename)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{sample.form_id}.xlsx", form)
        archive.writestr("villages.csv", villages)
        archive.writestr("households.csv", people)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def survey_import(request, pk: int):
    sample = selectors.sample(user=request.user, pk=pk)
    form = SurveyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = attempt(
                request,
                lambda: services.survey_import_start(
                    user=request.user, sample=sample, upload=form.cleaned_data["file"]
                ),
                _("已提交导入，正在后台处理。"),
                form,
            )
        except Refused:
            pass
        else:
            return redirect("assessment:survey_job", pk=job.pk)
    jobs.reap(SurveyImportJob, sample=sample)
    return render(
        request,
        "assessment/survey_import.html",
        {"sample": sample, "form": form, "jobs": sample.imports.order_by("-created_at")[: selectors.SHOWN]},
    )


@login_required
def survey_job(request, pk: int):
    job = get_object_or_404(
        SurveyImportJob.objects.for_user(request.user, "assess").select_related("sample"), pk=pk
    )
    jobs.reap(SurveyImportJob, pk=job.pk)
    job.refresh_from_db()
    return render(request, "assessment/survey_job.html", {"job": job})


@login_required
def survey_entry(request, pk: int):
    """The web form for one sampled household (the fallback of the ODK form; the same record)."""
    household = selectors.sample_household(user=request.user, pk=pk)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            attempt(
                request,
                lambda: services.survey_record(
                    user=request.user, sample_household=household, **form.answers()
                ),
                _("已保存调查记录。"),
                form,
            )
        except Refused:
            pass
        else:
            return redirect("assessment:sample", pk=household.sample_id)
    return render(request, "assessment/survey_entry.html", {"household": household, "form": form})


@login_required
@require_POST
def estimates_compute(request, pk: int):
    sample = selectors.sample(user=request.user, pk=pk)
    act(
        request,
        lambda: services.estimates_compute(user=request.user, sample=sample),
        _("已重新计算抽样估计。"),
    )
    return redirect("assessment:sample", pk=sample.pk)


def _year(request) -> int:
    value = request.GET.get("year") or request.POST.get("year") or ""
    return (
        int(value)
        if value.isascii() and value.isdigit() and 2000 <= int(value) <= 2100
        else timezone.localdate().year
    )


@login_required
def scores(request):
    """Results per province (where a province-level indicator set is in force) and per county of a year: grades
    and problems; in the order of the codes unless policy shows a ranking (不打分、不排队 is the default)."""
    _need(request.user, "view_assessment")
    year = _year(request)
    if request.method == "POST":
        code = request.user.region_id or request.POST.get("region", "")
        region = get_object_or_404(Region.objects.for_user(request.user, "score"), code=code)
        act(
            request,
            lambda: services.scores_compute(user=request.user, region=region, year=year),
            _("已计算考核结果。"),
        )
        return redirect(f"{request.path}?year={year}")
    found = list(selectors.scores(user=request.user, year=year).order_by("county_id"))
    rows = [s for s in found if s.level == RegionLevel.COUNTY]
    provinces = [s for s in found if s.level == RegionLevel.PROVINCE]
    for s in provinces:  # each figure links to its evidence only where the reader may open it
        s.readable_details = selectors.readable_details(user=request.user, score=s)
    home = request.user.region_id or ""
    ranked = bool(found) and selectors.policy(code=found[0].county_id, year=year).show_ranking
    if ranked:
        rows.sort(key=lambda s: -(s.total or 0))
        provinces.sort(key=lambda s: -(s.total or 0))
    return render(
        request, "assessment/scores.html",
        {"rows": rows, "provinces": provinces, "year": year, "ranked": ranked, "home": home,
         "score_form": None if home else ScoreForm(user=request.user)},
    )  # fmt: skip


@login_required
@require_GET
def score_years(request, code: str):
    """历年考核结果: a county's (or, for its province's users, the province's) results across the years that have
    one, each indicator beside its change from the previous year, each year linking to that year's evidence."""
    _need(request.user, "view_assessment")
    place = (
        Region.objects.for_user(request.user, "view_assessment")
        .filter(code=code, level__in=(RegionLevel.PROVINCE, RegionLevel.COUNTY))
        .first()
    )
    if place is None:
        raise Http404
    history = selectors.score_years(user=request.user, code=code)
    return render(request, "assessment/score_years.html", {"place": place, **history})


@login_required
def county(request, code: str, year: int):
    """A county's assessment of a year: its score with each indicator's figure and evidence, the survey
    estimates, and the exit check."""
    _need(request.user, "view_assessment")
    place = Region.objects.for_user(request.user, "view_assessment").filter(code=code, level=3).first()
    if place is None:
        raise Http404
    found = selectors.county_estimates(user=request.user, code=code, year=year)
    parts = selectors.county_figures(user=request.user, code=code, year=year)
    # the rollup dashboard is read by "view": a reader of results without it sees the figure, not a link to a 404
    rollup_url = (
        reverse("analytics:dashboard") + f"?region={code}&year={year}"
        if selectors.opens_evidence(user=request.user, code=code)
        else ""
    )
    conditions = rules.exit_check(
        parts=parts,
        estimates=services.exit_estimates(found=found, parts=parts),
        policy=selectors.policy(code=code, year=year),
        rollup_url=rollup_url, survey_url="#estimates",
    )  # fmt: skip
    if request.method == "POST" and request.POST.get("draw") == "province_check":
        act(request, lambda: services.sample_draw(
            user=request.user, county=place, year=year, commissioner=Commissioner.PROVINCE_CHECK),
            _("已抽取省级专项评估检查样本，请组织入户调查。"))  # fmt: skip
        return redirect("assessment:county", code=code, year=year)
    if request.method == "POST":
        act(request, lambda: services.county_exit_take(
            user=request.user, county=place, year=year, kind=request.POST.get("kind", ""),
            passed=request.POST.get("passed") != "no", note=request.POST.get("note", ""),
            ticked=request.POST.getlist("criteria")), _("已办理。"))  # fmt: skip
        return redirect("assessment:county", code=code, year=year)
    designated, status = selectors.county_status(user=request.user, code=code, year=year)
    steps = list(selectors.exit_steps(user=request.user, code=code, year=year))
    done = services.exit_round(county=code, year=year)
    next_kind = EXIT_STEPS[len(done)] if len(done) < len(EXIT_STEPS) else None
    national = selectors.national_check_of(user=request.user, code=code, year=year)
    may_step = (
        designated is not None
        and next_kind is not None
        and next_kind[0] != ExitStep.NATIONAL_CHECK
        and not (national and national.result == CheckResult.FAILED)
        and permissions.may(request.user, "county_exit", region=code, level=next_kind[1])
    )
    check_step = next((s for s in done if s.kind == ExitStep.PROVINCE_CHECK), None)
    check_sample = selectors.province_check_sample(user=request.user, code=code, year=year, step=check_step)
    check_conditions = None
    if check_sample is not None:
        check_found = {e.kind: e for e in check_sample.estimates.select_related("sample")}
        check_conditions = rules.exit_check(
            parts=parts, estimates=services.exit_estimates(found=check_found, parts=parts),
            policy=selectors.policy(code=code, year=year),
        )  # fmt: skip
    notice = selectors.exit_notice(user=request.user, code=code, year=year)
    objections = list(notice.objections.order_by("id")) if notice else []
    score = selectors.county_score(user=request.user, code=code, year=year)
    return render(
        request,
        "assessment/county.html",
        {
            "steps": steps, "next_step": ExitStep(next_kind[0]).label if next_kind else "",
            "next_kind": next_kind[0] if next_kind else "", "may_step": may_step,
            "place": place, "year": year, "conditions": conditions,
            "exit_ok": all(c.passed for c in conditions),
            "score": score,
            "details": selectors.readable_details(user=request.user, score=score) if score else [],
            "estimates": found.values(),
            "designated": designated, "status": CountyStatus(status).label if status else "",
            "criteria": selectors.exit_checklist(code=code, year=year),
            "ticking": next_kind is not None and next_kind[0] in (ExitStep.PROVINCE_CHECK, ExitStep.APPROVE),
            "national": national, "notice": notice, "objections": objections, "today": timezone.localdate(),
            "may_resolve": bool(objections) and permissions.may(
                request.user, "county_exit", region=code, level=RegionLevel.PROVINCE
            ),
            "check_sample": check_sample, "check_conditions": check_conditions,
            "check_answered": selectors.sample_answered(check_sample) if check_sample else 0,
            "may_draw_check": next_kind is not None and next_kind[0] == ExitStep.PROVINCE_CHECK
            and designated is not None
            and permissions.may(request.user, "draw_province_check", region=code),
            "local_figures": list(selectors.local_figures(user=request.user, code=code, year=year)),
            "may_enter_local": permissions.may(request.user, "enter_local_figure", region=code),
        },
    )  # fmt: skip


@login_required
@require_GET
def help_answers(request, code: str, year: int):
    """The answers behind a county's 精准帮扶满意度: the ratings counted (as ``cadres.by_county`` counts them for
    the score) and, for the third party, each sampled household's two ratings by its field code."""
    _need(request.user, "view_assessment")
    place = Region.objects.for_user(request.user, "view_assessment").filter(code=code, level=3).first()
    if place is None:
        raise Http404
    figures = cadre_figures.by_county([code], year)[code]
    # which households were surveyed, and what they answered, is the third party's (as the sample is)
    hidden = not permissions.may(request.user, "assess", region=code)
    page, query = (
        (None, "")
        if hidden
        else request_page(request, selectors.help_answers(user=request.user, code=code, year=year))
    )
    return render(
        request, "assessment/help_answers.html",
        {"place": place, "year": year, "figures": figures, "page": page, "query": query, "hidden": hidden,
         "share": None if figures.approval is None else figures.approval * 100},
    )  # fmt: skip


LOCAL_COLUMNS = ("区划代码", "数值", "依据说明")


def _local_upload_rows(upload) -> list[dict]:
    """The rows of an uploaded CSV of local figures (columns ``LOCAL_COLUMNS``), each with its line; a
    ValidationError when the file is not such a CSV."""
    upload_size(upload)
    if not str(getattr(upload, "name", "")).lower().endswith(".csv"):
        raise ValidationError(
            _("请上传 CSV 文件（UTF-8 编码，列：%(c)s）。") % {"c": "、".join(LOCAL_COLUMNS)}
        )
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("文件不是 UTF-8 编码的 CSV，请另存为「CSV UTF-8」后重新导入。")) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in LOCAL_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(_("文件缺少列：%(c)s。") % {"c": "、".join(missing)})
    rows = []
    for line, row in enumerate(reader, start=2):
        if len(rows) > services.LOCAL_MAX_ROWS:
            break  # the service refuses the count
        if any((v or "").strip() for k, v in row.items() if k):
            cell = {k: unguard((v or "").strip()) for k, v in row.items() if k}
            rows.append(
                {"line": line, "county": cell["区划代码"], "value": cell["数值"], "note": cell["依据说明"]}
            )
    return rows


@login_required
def local_figures(request):
    """地方自定指标录入: a province's own indicator (``Source.LOCAL``) of a year, the counties of the province in the
    user's scope in one table (current figure and version, a new figure, what it is based on, an optional scan),
    or a CSV of the same columns; all saved or none, each bad row named, the typed rows kept on a refusal."""
    _need(request.user, "enter_local_figure")
    user, year = request.user, _year(request)
    asked = (request.GET.get("province") or request.POST.get("province") or "").strip()
    own = (user.region_id or "")[:2]
    code = own or (asked[:2] if asked.isascii() and asked.isdigit() and len(asked) >= 2 else "")
    province = selectors.province(code) if code else None
    indicators = selectors.local_indicators(code=province.code, year=year) if province else []
    key = request.GET.get("key") or request.POST.get("key") or (indicators[0].key if indicators else "")
    indicator = next((i for i in indicators if i.key == key), None)
    counties = (
        list(selectors.local_entry_counties(user=user, province=province.code))
        if indicator is not None
        else []
    )
    back = f"{request.path}?year={year}&key={key}" + (f"&province={province.code[:2]}" if province else "")
    posted = {}
    if request.method == "POST" and indicator is not None:
        upload = request.FILES.get("upload")
        try:
            if upload:
                rows = _local_upload_rows(upload)
            else:
                rows = [
                    {"county": c, "value": v, "note": n, "file": request.FILES.get(f"file-{c}")}
                    for c, v, n in zip(
                        request.POST.getlist("county"), request.POST.getlist("value"), request.POST.getlist("note"),
                        strict=False,
                    )
                ]  # fmt: skip
                posted = {r["county"]: r for r in rows}
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(back)
        try:
            made = attempt(
                request, lambda: services.local_figures_enter(user=user, year=year, key=key, rows=rows),
                _("已保存地方自定指标数值。"),
            )  # fmt: skip
        except Refused:
            pass  # the table again with what was typed
        else:
            if not made:
                messages.info(request, _("数值与已录入的相同，未作改动。"))
            return redirect(back)
    current = selectors.local_figures_latest(counties=[c.code for c in counties], year=year)
    table = [(c, current.get(c.code, {}).get(key), posted.get(c.code)) for c in counties]
    return render(
        request, "assessment/local_figures.html",
        {"year": year, "province": province, "indicators": indicators, "indicator": indicator, "key": key,
         "table": table, "range": [services.plain(v) for v in services.local_range(indicator)] if indicator else None,
         "columns": "、".join(LOCAL_COLUMNS), "provinces": [] if own else selectors.provinces()},
    )  # fmt: skip


@login_required
def local_figure_file(request, pk: int):
    """The scan or photo behind a local figure, read in the county's scope; every download audited."""
    figure = selectors.local_figure(user=request.user, pk=pk)
    return audited_file_response(
        request.user, figure, figure.file, root=f"assessment.localfigure:{figure.pk}", region_code=figure.county_id,
    )  # fmt: skip


@login_required
@require_POST
def exit_objection_resolve(request, pk: int):
    """The province decides an objection to a county's exit (on the county's page): 属实 or 不属实, with a
    reason."""
    objection = selectors.exit_objection(user=request.user, pk=pk)
    act(request, lambda: services.exit_objection_resolve(
        user=request.user, objection=objection, upheld=request.POST.get("upheld") == "yes",
        reason=request.POST.get("reason", "")), _("异议已处理。"))  # fmt: skip
    return redirect("assessment:county", code=objection.region_id, year=objection.notice.year)


def _year(request) -> int:
    try:
        return max(2000, min(2100, int(request.GET.get("year") or timezone.localdate().year)))
    except ValueError:
        return timezone.localdate().year


@login_required
def national_checks(request):
    """国家抽查: the sample of a year's exited counties (by province, from a stored seed) and each county's
    result; the national assessment draws it (or redraws with the same seed to check) and records results."""
    _need(request.user, "view_assessment")
    user = request.user
    year = _year(request)
    if request.method == "POST":
        form = NationalDrawForm(request.POST)
        if not form.is_valid():
            form_refused(request, form)
        else:
            data = form.cleaned_data
            act(request, lambda: services.national_check_draw(user=user, year=data["year"], seed=data["seed"]),
                _("已抽取国家抽查县（同一随机种子重抽得到相同的县）。"))  # fmt: skip
            year = data["year"]
        return redirect(reverse("assessment:national_checks") + f"?year={year}")
    rows = selectors.national_checks(user=user, year=year)
    if request.GET.get("format") == "xlsx":
        return _national_xlsx(rows, year)
    page, query = request_page(request, rows)
    for c in page.items:
        c.shown_figures = [(label, c.figures[k]) for k, label in services.NATIONAL_FIGURES if k in c.figures]
    first = rows.first()
    verified = None
    if first is not None and request.GET.get("verify") == "1":
        again = services.national_check_redraw(year=year)
        verified = {"same": set(rows.values_list("county_id", flat=True)) <= set(again), "count": len(again)}
    may_record = permissions.may(user, "national_check")
    return render(
        request, "assessment/national_checks.html",
        {"page": page, "query": query, "year": year, "first": first, "verified": verified,
         "draw_form": NationalDrawForm(initial={"year": year}) if may_record else None,
         "result_form": NationalResultForm(auto_id=False) if may_record else None, "may_record": may_record},
    )  # fmt: skip


def _national_xlsx(rows, year: int):
    header = [_("省"), _("县代码"), _("县"), _("本省批准退出县数"), _("本省抽取县数"), _("随机种子"), _("抽查结果"),
              _("发现的问题"), _("结论理由")]  # fmt: skip
    table = [
        [r.stratum, r.county_id, r.county.name, r.frame, r.drawn, r.seed, r.get_result_display(), r.findings,
         r.reason]
        for r in rows.select_related("county")
    ]  # fmt: skip
    return xlsx_download(_("国家抽查-%(y)s") % {"y": year}, [(_("抽查县"), header, table)])


@login_required
@require_POST
def national_check_result(request, pk: int):
    """Record a drawn county's national check result (the form on the sample's page)."""
    check = selectors.national_check(user=request.user, pk=pk)
    form = NationalResultForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        data = form.cleaned_data
        figures = {k: data[k] for k, _label in services.NATIONAL_FIGURES if data.get(k) is not None}
        act(request, lambda: services.national_check_record(
            user=request.user, county=check.county, year=check.year, passed=data["passed"] == "yes",
            findings=data["findings"], figures=figures, reason=data["reason"]), _("已录入抽查结果。"))  # fmt: skip
    return redirect(reverse("assessment:national_checks") + f"?year={check.year}")


@login_required
def findings(request):
    """问题整改台账: the findings in scope (filtered by state, or the overdue), counts per region below the user's,
    and the form to raise one."""
    _need(request.user, "view_assessment")
    user = request.user
    form = FindingForm(request.POST or None, user=user if permissions.may(user, "raise_finding") else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = Region.objects.for_user(user, "raise_finding").filter(code=data.pop("region")).first()
        if region is None:
            form.add_error("region", _("区划代码不存在，或不在您的管辖范围内。"))
        else:
            try:
                finding = attempt(request, lambda: services.finding_raise(user=user, region=region, **data),
                                  _("已登记整改问题。"), form)  # fmt: skip
            except Refused:
                pass
            else:
                return redirect("assessment:finding", pk=finding.pk)
    state = request.GET.get("state", "")
    state = state if state in FindingState.values else ""
    overdue = request.GET.get("overdue") == "1"
    importing = FindingImportForm()
    page, query = request_page(request, selectors.findings(user=user, state=state, overdue=overdue))
    return render(
        request,
        "assessment/findings.html",
        {"form": form, "page": page, "query": query, "counts": selectors.finding_counts(user=user),
         "states": FindingState.choices, "state": state, "overdue": overdue, "importing": importing,
         "columns": services.FINDING_COLUMNS},
    )  # fmt: skip


@login_required
@require_POST
def findings_import(request):
    """问题清单导入 (回头看, 12317 calls, an audit's list) from a CSV with the columns of
    ``services.FINDING_COLUMNS``: all saved or none, each bad row named."""
    form = FindingImportForm(request.POST, request.FILES)
    if not form.is_valid():
        form_refused(request, form)
        return redirect("assessment:findings")
    upload = form.cleaned_data["file"]
    try:
        upload_size(upload)
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("文件不是 UTF-8 编码的 CSV，请另存为「CSV UTF-8」后重新导入。"))
        return redirect("assessment:findings")
    except ValidationError as e:
        messages.error(request, "；".join(e.messages))
        return redirect("assessment:findings")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in services.FINDING_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        messages.error(request, _("文件缺少列：%(c)s。") % {"c": "、".join(missing)})
        return redirect("assessment:findings")
    rows = [
        (n, {k: unguard(v or "") for k, v in row.items() if k})
        for n, row in enumerate(reader, start=2)
        if any(row.values())
    ]
    act(request, lambda: services.findings_import(user=request.user, rows=rows), _("问题清单已导入。"))
    return redirect("assessment:findings")


@login_required
@require_POST
def finding_from_alert(request, pk: int):
    """转整改 of a funds supervision alert (the form on the alert's page): back to the alert either way; 404 for an
    alert outside the user's scope, as its own page answers."""
    if provided("funds.alert", lambda **_kw: None)(user=request.user, pk=pk) is None:
        raise Http404
    form = AlertFindingForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
    else:
        act(request, lambda: services.finding_from_alert(user=request.user, alert_pk=pk, **form.cleaned_data),
            _("已转整改。"))  # fmt: skip
    return redirect("funds:alert", pk=pk)


@login_required
def finding_detail(request, pk: int):
    finding = selectors.finding(user=request.user, pk=pk)
    rectify, close = RectifyForm(), CloseForm()
    if request.method == "POST":
        if request.POST.get("do") == "rectify":
            rectify = RectifyForm(request.POST, request.FILES)
            if rectify.is_valid():
                act(request, lambda: services.finding_rectify(
                    user=request.user, finding=finding, evidence=rectify.cleaned_data["evidence"],
                    evidence_file=rectify.cleaned_data["evidence_file"]), _("已上报整改情况。"))  # fmt: skip
                return redirect("assessment:finding", pk=pk)
        elif request.POST.get("do") == "close":
            close = CloseForm(request.POST)
            if close.is_valid():
                act(request, lambda: services.finding_close(
                    user=request.user, finding=finding, accept=close.cleaned_data["accept"] == "yes",
                    note=close.cleaned_data["note"]), _("已办理销号审核。"))  # fmt: skip
                return redirect("assessment:finding", pk=pk)
    return render(
        request,
        "assessment/finding_detail.html",
        {
            "finding": finding, "rectify": rectify, "close": close,
            "may_rectify": finding.state == FindingState.OPEN and permissions.may(request.user, "rectify", region=finding.region_id),
            "may_close": finding.state == FindingState.RECTIFIED and permissions.may(
                request.user, "close_finding", region=finding.region_id, level=finding.raised_level),
        },
    )  # fmt: skip


@login_required
def finding_evidence(request, pk: int):
    finding = selectors.finding(user=request.user, pk=pk)
    return audited_file_response(
        request.user, finding, finding.evidence_file, root=f"assessment.finding:{finding.pk}", region_code=finding.region_id,
    )  # fmt: skip


@login_required
def poor_counties(request):
    """贫困县名单 of a year: the counties in scope with kind and status; national and provincial administrators
    designate a county and set their province's own criteria of exit."""
    _need(request.user, "view_assessment")
    user, year = request.user, _year(request)
    may_set = permissions.may(user, "set_policy")
    form = PoorCountyForm(
        request.POST if request.POST.get("form") == "county" else None, user=user if may_set else None
    )
    checklist = ChecklistForm(
        request.POST if request.POST.get("form") == "checklist" else None,
        initial={"province": (user.region_id or "")[:2].ljust(12, "0") if user.region_id else ""},
        user=user if may_set else None,
    )
    if request.method == "POST":
        bound = form if form.is_bound else checklist
        if not bound.is_valid():
            form_refused(request, bound)
        elif bound is form:
            data = form.cleaned_data
            act(request, lambda: services.poor_county_designate(
                user=user, county=data["county"], year=year, kind=data["kind"]), _("已列入贫困县名单。"))  # fmt: skip
        else:
            data = checklist.cleaned_data
            act(request, lambda: services.exit_checklist_set(
                user=user, year=year, province=data["province"], items=data["items"].splitlines()),
                _("已保存省定附加条件。"))  # fmt: skip
        return redirect(f"{request.path}?year={year}")
    kind = request.GET.get("kind", "") if request.GET.get("kind") in CountyKind.values else ""
    status = request.GET.get("status", "") if request.GET.get("status") in CountyStatus.values else ""
    page, query = request_page(
        request, selectors.poor_counties(user=user, year=year, kind=kind, status=status)
    )
    checklists = selectors.exit_checklists(user=user, year=year)
    return render(
        request,
        "assessment/poor_counties.html",
        {
            "page": page, "query": query, "year": year, "kind": kind, "status": status, "may_set": may_set,
            "form": form, "checklist": checklist, "checklists": checklists,
            "kinds": CountyKind.choices, "statuses": CountyStatus.choices,
        },
    )  # fmt: skip


EXPORT_CAP = 20_000  # cadres in one export (a province's); a national reader exports by province


def _pct(x) -> str:
    return "" if x is None else f"{x * 100:.1f}%"


@login_required
def cadre_assessment(request):
    """精准帮扶: each 帮扶责任人 (or each helping unit, ``?by=unit``, or each 驻村工作队, ``?by=team``) of a year with
    visits done/due, measures completed, their households' satisfaction in the survey (overall, and with the
    cadre or the team itself) and exits — each cadre's figure linking to its list; the
    cadres' table as .xlsx (cadre names and masked phones: an audited download)."""
    _need(request.user, "view_assessment")
    user, year = request.user, _year(request)
    by = request.GET.get("by", "")
    by_unit, by_team = by == "unit", by == "team"
    if request.GET.get("format") == "xlsx":
        rows = list(selectors.cadres(user=user).order_by("region_id", "id")[: EXPORT_CAP + 1])
        if len(rows) > EXPORT_CAP:
            messages.error(request, _("超过 %(n)d 名帮扶责任人，请按省或市分别导出。") % {"n": EXPORT_CAP})
            return redirect(f"{request.path}?year={year}")
        found = {}
        for start in range(0, len(rows), 1000):
            found.update(cadre_figures.figures([c.pk for c in rows[start : start + 1000]], year))
        shown = masking.Shown.for_reader(user)
        name = _("帮扶责任人考核-%(year)s") % {"year": year}
        record_downloads(
            user, rows, filename=f"{name}.xlsx", root_of=lambda c: f"assistance.cadre:{c.pk}",
            region_of=lambda c: c.region_id, changes={"full_personal_data": [None, shown.full]},
        )  # fmt: skip
        header = [_("帮扶责任人"), _("单位"), _("驻地"), _("联系电话"), _("帮扶户数"), _("走访次数"), _("应走访次数"),
                  _("计划措施数"), _("已完成措施"), _("调查户数"), _("满意户数"), _("当年脱贫户数"),
                  _("评价帮扶责任人户数"), _("对帮扶责任人满意户数")]  # fmt: skip
        table = [
            [c.name, c.unit.name, c.region.name, shown.value(masking.PHONE, c.phone), f.households, f.visits,
             f.due, f.measures, f.measures_done, f.surveyed, f.satisfied, f.exits, f.rated, f.approved]
            for c in rows for f in [found[c.pk]]
        ]  # fmt: skip
        return xlsx_download(name, [(_("帮扶责任人"), header, table)])
    if by_team:
        page, query = request_page(request, selectors.teams(user=user, year=year))
        found = cadre_figures.by_team(list(page.items), year)
        rows = [(t, found[t.pk]) for t in page.items]
    elif by_unit:
        page, query = request_page(request, selectors.units(user=user))
        members = list(selectors.cadres(user=user).filter(unit__in=page.items))
        sums = cadre_figures.by_unit(members, year)
        rows = [(u, sums.get(u.pk, cadre_figures.Figures())) for u in page.items]
    else:
        page, query = request_page(request, selectors.cadres(user=user))
        found = cadre_figures.figures([c.pk for c in page.items], year)
        rows = [(c, found[c.pk]) for c in page.items]
    return render(
        request, "assessment/cadres.html",
        {"rows": rows, "page": page, "query": query, "year": year, "by_unit": by_unit, "by_team": by_team},
    )  # fmt: skip


@login_required
def cadre_behind(request, pk: int):
    """The list behind one figure of a cadre's year (households, visits, measures, survey answers, exits)."""
    _need(request.user, "view_assessment")
    year = _year(request)
    show = request.GET.get("show", "households")
    if show not in cadre_figures.SHOWS:
        show = "households"
    person = selectors.cadre(user=request.user, pk=pk)
    # which households were surveyed, and what they answered, is the third party's (as the sample is)
    hidden = show == "survey" and not permissions.may(request.user, "assess")
    rows = (
        []
        if hidden
        else list(selectors.behind(user=request.user, cadre=person, year=year, show=show)[: selectors.SHOWN])
    )
    return render(
        request, "assessment/cadre_behind.html",
        {"cadre": person, "year": year, "show": show, "rows": rows, "hidden": hidden, "shows": [
            ("households", _("帮扶户")), ("visits", _("走访记录")), ("measures", _("帮扶措施")),
            ("survey", _("满意度调查")), ("exits", _("当年脱贫户"))]},
    )  # fmt: skip


POLICY_FIELDS = PolicyForm.Meta.fields
INDICATOR_FIELDS = ["key", "name", "weight", "source", "origin", "best", "worst"]


@login_required
def policy(request):
    """考核政策: the assessment parameters, the sampling parameters and the indicator set (county or province level)
    in force for a province (or the nation) in a year, and for national and provincial administrators the forms
    that set them (from the year on; audited by the services)."""
    _need(request.user, "view_assessment")
    user, year = request.user, _year(request)
    asked = (request.GET.get("province") or request.POST.get("province") or "").strip()
    own = (user.region_id or "")[:2]
    code = own or (asked[:2] if asked.isascii() and asked.isdigit() and len(asked) >= 2 else "")
    province = selectors.province(code) if code else None
    where = province.code if province else None
    may_set = permissions.may(user, "set_policy", region=where or permissions.NATIONAL_CODE)
    current = selectors.policy(code=where, year=year)
    # the county set (level 3), or the province set (level 1) that scores provinces from their counties
    level = 1 if (request.GET.get("level") or request.POST.get("level")) == "1" else 3
    indicators = selectors.indicator_set(region_code=where, year=year, level=level)
    form = PolicyForm(
        request.POST if request.POST.get("form") == "policy" else None,
        initial={f: getattr(current, f) for f in POLICY_FIELDS},
    )  # fmt: skip
    sampling = selectors.sampling_policy(code=where, year=year)
    sampling_form = SamplingPolicyForm(
        request.POST if request.POST.get("form") == "sampling" else None,
        initial={f: getattr(sampling, f) for f in SamplingPolicyForm.Meta.fields},
    )  # fmt: skip
    formset = IndicatorFormSet(
        request.POST if request.POST.get("form") == "indicators" else None, prefix="ind",
        initial=[{f: getattr(i, f) for f in INDICATOR_FIELDS} for i in indicators],
    )  # fmt: skip
    back = f"{request.path}?year={year}&level={level}" + (
        f"&province={province.code[:2]}" if province else ""
    )
    # the two parameter rows: the bound form (the one posted) and the service that sets its row
    parameters = [(form, services.assessment_policy_set, _("已保存考核参数。")),
                  (sampling_form, services.sampling_policy_set, _("已保存抽样参数。"))]  # fmt: skip
    posted = next(((f, write, done) for f, write, done in parameters if f.is_bound), None)
    if request.method == "POST":
        if posted is not None:
            chosen, write, done = posted
            if not chosen.is_valid():
                form_refused(request, chosen)
            else:
                act(request, lambda: write(user=user, year=year, province=where, **chosen.cleaned_data), done)
        elif formset.is_valid():
            rows = [
                {f: d[f] for f in INDICATOR_FIELDS} for d in formset.cleaned_data if d and not d.get("DELETE")
            ]
            act(request, lambda: services.indicators_set(
                user=user, year=year, rows=rows, province=where, level=level), _("已保存考核指标体系。"))  # fmt: skip
        else:
            for f in formset.forms:
                form_refused(request, f)
            for error in formset.non_form_errors():
                messages.error(request, error)
        return redirect(back)
    return render(
        request, "assessment/policy.html",
        {"year": year, "province": province, "current": current, "indicators": indicators, "form": form,
         "formset": formset, "may_set": may_set, "level": level, "sampling": sampling,
         "sampling_form": sampling_form,
         "provinces": [] if own else selectors.provinces()},
    )  # fmt: skip
