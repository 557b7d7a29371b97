"""Registers: the household card and the village register on demand; township books and county archives
(and village registers in bulk) queued for the task worker, with progress and download. Scope as everywhere:
404 outside the user's region."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.core import jobs as job_runner
from jingzhun.core.downloads import job_file_response, record_download, record_downloads
from jingzhun.core.jobs import JobStatus
from jingzhun.core.masking import sees_in_full
from jingzhun.core.params import chosen_year, ticked_ids
from jingzhun.core.pdf import pdf_file_response
from jingzhun.core.xlsxexport import xlsx_download
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import region_for_user
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import latest_data_year

from . import registers
from .models import KIND_LEVEL, ReportJob, ReportKind


@login_required
def household_card(request, pk: int):
    """户有卡 as PDF (ID numbers masked unless the role sees personal data)."""
    household = get_object_or_404(Household.objects.for_user(request.user).select_related("region"), pk=pk)
    year = chosen_year(request, lambda: latest_data_year(user=request.user, household=household))
    full = sees_in_full(request.user)
    data = registers.household_card_pdf(household, year, full=full)
    name = f"户有卡-{household.number}-{year}"
    record_download(request.user, household, filename=f"{name}.pdf", root=f"registry.household:{household.pk}",
                    region_code=household.region_id, changes={"full_personal_data": [None, full]})  # fmt: skip
    return pdf_file_response(data, name)


BATCH_CARDS = 200  # cards in one printed batch: a village's households at most, a PDF a browser still opens


@login_required
@require_POST
def household_cards(request):
    """户有卡 of the households ticked on the list, one PDF; each card's download audited on its household."""
    ids = ticked_ids(request, BATCH_CARDS)
    if not ids:
        messages.error(request, _("请先在名单中勾选要打印的户。"))
        return redirect("registry:household_list")
    if len(ids) > BATCH_CARDS:
        messages.error(request, _("一次最多打印 %(n)d 户，请分批打印。") % {"n": BATCH_CARDS})
        return redirect("registry:household_list")
    households = Household.objects.for_user(request.user).filter(pk__in=ids)
    if not households.exists():
        raise Http404
    year = chosen_year(request, lambda: latest_data_year(user=request.user))
    full = sees_in_full(request.user)
    data = registers.household_cards_pdf(households, year, full=full)
    name = f"户有卡-{len(ids)}户-{year}"
    record_downloads(request.user, households.only("pk", "region_id", "number"), filename=f"{name}.pdf",
                     root_of=lambda h: f"registry.household:{h.pk}", region_of=lambda h: h.region_id,
                     changes={"full_personal_data": [None, full]})  # fmt: skip
    return pdf_file_response(data, name)


@login_required
def village_register(request, code: str, fmt: str):
    """村有册 of one village as .xlsx or .pdf."""
    village = region_for_user(user=request.user, code=code)
    if village.level != 5 or fmt not in ("xlsx", "pdf"):
        raise Http404
    year = chosen_year(request, lambda: latest_data_year(user=request.user, region=village))
    full = sees_in_full(request.user)
    register = registers.village_register(village, year, full=full)
    name = f"村有册-{village.name}-{year}"
    record_download(request.user, village, filename=f"{name}.{fmt}", root=f"regions.region:{village.code}",
                    region_code=village.code, changes={"full_personal_data": [None, full]})  # fmt: skip
    if fmt == "xlsx":
        return xlsx_download(name, registers.village_register_sheets(register))
    return pdf_file_response(registers.village_register_pdf(register), name)


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("簿册"), choices=ReportKind.choices)
    region = forms.CharField(label=gettext_lazy("区划（县、乡镇或村）"), max_length=12)
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        offer_regions(self, "region", user=user,
                      levels=(RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE))  # fmt: skip

    def clean(self):
        data = super().clean()
        if "region" not in data:  # refused by the field, with its reason
            return data
        code, kind = data.get("region", ""), data.get("kind")
        region = (
            Region.objects.for_user(self.user).filter(code=code.ljust(12, "0")).first()
            if code.isdigit()
            else None
        )
        if region is None:
            raise forms.ValidationError(_("区划代码不存在或不在您的管辖范围内。"))
        if kind and region.level != KIND_LEVEL[kind]:
            wanted = {5: _("村"), 4: _("乡镇"), 3: _("县")}[KIND_LEVEL[kind]]
            raise forms.ValidationError(
                _("%(kind)s需要选择一个%(level)s（%(name)s不是）。")
                % {"kind": ReportKind(kind).label.split("（")[0], "level": wanted, "name": region.name}
            )
        data["region_obj"] = region
        return data


@login_required
def jobs(request):
    """The user's register jobs (newest first) and the form to request one."""
    if request.method == "POST":
        form = ReportForm(request.POST, user=request.user)
        if form.is_valid():
            job_runner.enqueue(
                ReportJob, user=request.user, region=form.cleaned_data["region_obj"],
                kind=form.cleaned_data["kind"], year=form.cleaned_data["year"],
                full_personal_data=sees_in_full(request.user),
            )  # fmt: skip
            messages.success(request, _("已提交，生成过程中可以离开本页；完成后在下面下载。"))
            return redirect("reports:jobs")
    else:
        form = ReportForm(
            user=request.user,
            initial={
                "region": request.user.region_id or "",
                "year": latest_data_year(user=request.user),
                "kind": "township_book",
            },
        )
    # one whose process died is failed here (polled: the user's own)
    job_runner.reap(ReportJob, user=request.user)
    mine = ReportJob.objects.for_user(request.user).filter(user=request.user).select_related("region")[:50]
    running = any(j.is_active for j in mine)
    template = "reports/_jobs.html" if request.headers.get("HX-Request") else "reports/jobs.html"
    return render(request, template, {"form": form, "jobs": mine, "running": running})


@login_required
def download(request, pk: int):
    """The register's file: to its requester, or to readers who see personal data in full; audited."""
    job = get_object_or_404(ReportJob.objects.for_user(request.user), pk=pk)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404
    return job_file_response(
        request.user, job, job.file, filename=job.file.name.rsplit("/", 1)[-1], requester_id=job.user_id,
        full_data=job.full_personal_data, region_code=job.region_id,
    )  # fmt: skip


@login_required
@require_POST
def retry(request, pk: int):
    job = get_object_or_404(
        ReportJob.objects.for_user(request.user).filter(user=request.user), pk=pk, status=JobStatus.FAILED
    )
    job_runner.retry(job, user=request.user)
    return redirect("reports:jobs")
