"""The 疑点数据核查 pages: the latest run's counts per rule and per region, the rows behind a count, the
workbook, and the button that runs the rules. Thin: reads through ``selectors``, the run through ``services``."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core import jobs
from jingzhun.core.downloads import record_download
from jingzhun.core.jobs import JobStatus
from jingzhun.core.masking import Shown
from jingzhun.core.params import as_id
from jingzhun.core.webwrites import Refused, attempt
from jingzhun.core.xlsxexport import XLSX, xlsx_bytes
from jingzhun.regions.models import Region

from . import selectors, services
from .forms import FileCheckForm, RunForm
from .models import QualityRun
from .rules import BY_CODE


def _run_or_404(user, pk: int) -> QualityRun:
    run = selectors.run_for(user=user, pk=pk)
    if run is None:
        raise Http404(_("未找到该核查，或不在您的管辖范围内。"))
    return run


@login_required
def home(request):
    user = request.user
    permissions.require(user, "view_quality", region=user.region_id)
    jobs.reap(QualityRun, **({"region_id": user.region_id} if user.region_id else {}))
    asked = as_id(request.GET.get("run", ""))
    run = selectors.run_for(user=user, pk=asked) if asked else selectors.latest_run(user=user)
    pending = selectors.latest_run(user=user, finished=False, registry_only=False)
    context = {
        "run": run,
        "pending": pending if pending is not None and pending.is_active else None,
        "failed": pending if pending is not None and pending.status == JobStatus.FAILED else None,
        "recent": selectors.recent_runs(user=user),
        "may_run": permissions.may(user, "run_quality", region=user.region_id),
        # the year of the latest run, else last year: no count over the region's yearly records on every view
        "default_year": run.year if run is not None else timezone.localdate().year - 1,
        "file_form": FileCheckForm(),
        "run_form": RunForm(user=user, initial={"region": user.region_id or ""})
        if permissions.may(user, "run_quality", region=user.region_id)
        else None,
    }
    if run is not None and run.status == JobStatus.DONE:
        region = selectors.region_in(user=user, run=run, code=request.GET.get("region", ""))
        households, lines = selectors.rule_lines(user=user, run=run, region=region)
        regions = selectors.breakdown(user=user, run=run, region=region)
        shown_rules = [line.rule for line in lines if any(r.counts.get(line.rule.code) for r in regions)]
        for r in regions:
            r.cells = [r.counts.get(rule.code, 0) for rule in shown_rules]
        context.update(region=region, households=households, lines=lines, regions=regions, columns=shown_rules,
                       findings=sum(line.count for line in lines))  # fmt: skip
    return render(request, "quality/home.html", context)


@login_required
@require_POST
def run_new(request):
    user = request.user
    code = request.POST.get("region", "").strip() or (user.region_id or "")
    region = (
        Region.objects.for_user(user).filter(code=code).first() if code.isascii() and code.isdigit() else None
    )
    if region is None:
        raise Http404(_("未找到该区划，或不在您的管辖范围内。"))
    year = as_id(request.POST.get("year", "").strip())
    try:
        run = attempt(
            request, lambda: services.quality_check(user=user, region=region, year=year), _("核查已完成。")
        )
    except Refused:
        return redirect("quality:home")
    if run.is_active:
        return redirect("quality:home")
    return redirect(f"{reverse('quality:home')}?run={run.pk}")


@login_required
@require_POST
def file_new(request):
    """Check an uploaded national file pair before import (nothing written to the registry)."""
    user = request.user
    permissions.require(user, "run_quality", region=user.region_id)
    form = FileCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
        return redirect("quality:home")
    code = request.POST.get("region", "").strip() or (user.region_id or "")
    region = (
        Region.objects.for_user(user).filter(code=code).first() if code.isascii() and code.isdigit() else None
    )
    if region is None:
        raise Http404(_("未找到该区划，或不在您的管辖范围内。"))
    data = form.cleaned_data
    try:
        run = attempt(
            request,
            lambda: services.file_check(user=user, region=region, household_file=data["file"],
                                        member_file=data.get("member_file"), year=data.get("year")),
            _("文件核查已完成（未写入建档立卡数据）。"),
        )  # fmt: skip
    except Refused:
        return redirect("quality:home")
    if run.is_active:
        return redirect("quality:home")
    return redirect(f"{reverse('quality:home')}?run={run.pk}")


@login_required
def rule_rows(request, pk: int, rule: str):
    user = request.user
    permissions.require(user, "view_quality", region=user.region_id)
    run = _run_or_404(user, pk)
    rule = BY_CODE.get(rule)
    if rule is None:
        raise Http404(_("没有这条核查规则。"))
    region = selectors.region_in(user=user, run=run, code=request.GET.get("region", ""))
    qs = selectors.offenders(user=user, run=run, rule=rule, region=region)
    items, after = selectors.page_of(qs, as_id(request.GET.get("after", "")))
    shown = Shown.for_reader(user)
    rows = selectors.table_rows(rule, items, year=run.year, shown=shown, db=qs.db, of_file=run.of_file)
    selectors.done_with(run)
    return render(
        request,
        "quality/rows.html",
        {
            "run": run, "rule": rule, "region": region, "headers": selectors.headers(rule, of_file=run.of_file),
            "rows": rows,
            "after": after,
            "skipped": selectors.skip_reason(run, rule),
        },
    )  # fmt: skip


@login_required
def workbook(request, pk: int):
    """One sheet per rule, personal data masked by the reader's permission; the download is audited."""
    user = request.user
    permissions.require(user, "view_quality", region=user.region_id)
    run = _run_or_404(user, pk)
    region = selectors.region_in(user=user, run=run, code=request.GET.get("region", ""))
    name = f"疑点数据-{region.name}-{run.year}"
    data = xlsx_bytes(selectors.sheets(user=user, run=run, region=region))
    selectors.done_with(run)
    record_download(
        user, run, filename=f"{name}.xlsx", root=f"quality.qualityrun:{run.pk}", region_code=region.code,
        changes={"full_personal_data": [None, Shown.for_reader(user).full]},
    )  # fmt: skip
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.xlsx"
    return response
