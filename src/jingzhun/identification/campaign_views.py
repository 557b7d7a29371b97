"""Pages of 回头看: the county's campaigns (open, follow, close, export) and the village's finding per household."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.csvexport import csv_download
from jingzhun.core.downloads import record_download
from jingzhun.core.pagination import request_page
from jingzhun.core.webwrites import Refused, act, attempt
from jingzhun.registry.choices import HouseholdStatus

from . import campaigns, selectors
from .choices import Finding
from .forms import CampaignForm, CheckForm
from .models import Campaign, CampaignCheck
from .services import IN_REGISTRY


@login_required
def campaign_list(request):
    user = request.user
    opens = permissions.may(user, "run_campaign")
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if not opens:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            with contextlib.suppress(Refused):
                campaign = attempt(
                    request,
                    lambda: campaigns.campaign_open(
                        user=user, county=user.region, title=d["title"], year=d["year"], mode=d["mode"],
                        sample_percent=d["sample_percent"], seed=d["seed"],
                    ),
                    _("回头看已发起。"),
                    form,
                )  # fmt: skip
                return redirect("identification:campaign", pk=campaign.pk)
    listed = list(Campaign.objects.for_user(user).select_related("county")[:100])
    totals = campaigns.campaign_totals(listed)
    rows = [(c, totals[c.pk]) for c in listed]
    return render(
        request, "identification/campaign_list.html", {"rows": rows, "form": form if opens else None}
    )


def _checks(request, campaign: Campaign):
    qs = (
        CampaignCheck.objects.for_user(request.user)
        .filter(campaign=campaign)
        .select_related("household", "region", "application")
    )
    finding = request.GET.get("finding", "")
    return (qs.filter(finding=finding) if finding in Finding.values else qs), finding


@login_required
def campaign_detail(request, pk: int):
    user = request.user
    campaign = get_object_or_404(Campaign.objects.for_user(user).select_related("county"), pk=pk)
    checks, finding = _checks(request, campaign)
    page, query = request_page(request, checks)
    total, townships = campaigns.campaign_counts(campaign)
    return render(
        request,
        "identification/campaign_detail.html",
        {
            "campaign": campaign, "total": total, "townships": townships, "page": page, "query": query,
            "finding": finding, "findings": Finding.choices, "records": permissions.may(user, "record_check"),
            "closes": permissions.may(user, "run_campaign", region=campaign.county_id) and campaign.is_open,
        },
    )  # fmt: skip


@login_required
@require_POST
def campaign_close(request, pk: int):
    campaign = get_object_or_404(Campaign.objects.for_user(request.user), pk=pk)
    act(request, lambda: campaigns.campaign_close(user=request.user, campaign=campaign), _("回头看已结束。"))
    return redirect("identification:campaign", pk=pk)


@login_required
def campaign_export(request, pk: int):
    """The households drawn and what was found, as CSV (the county's 回头看 台账)."""
    campaign = get_object_or_404(Campaign.objects.for_user(request.user), pk=pk)
    checks, _finding = _checks(request, campaign)
    statuses = dict(HouseholdStatus.choices)
    header = [
        _("户编号"),
        _("村"),
        _("户主姓名"),
        _("抽取时状态"),
        _("核查结论"),
        _("核查情况"),
        _("核查日期"),
        _("由此发起的申请环节"),
    ]
    rows = (
        [
            c.household.number, c.region.name, c.household.head_name, statuses.get(c.status_then, c.status_then),
            c.get_finding_display(), c.note, c.checked_on or "",
            c.application.get_stage_display() if c.application else "",
        ]
        for c in checks.order_by("region_id", "id").iterator(chunk_size=2000)
    )  # fmt: skip
    record_download(request.user, campaign, filename=f"回头看-{campaign.title}.csv",
                    root=f"identification.campaign:{campaign.pk}", region_code=campaign.county_id)  # fmt: skip
    return csv_download(f"回头看-{campaign.title}", header, rows)


@login_required
def check_record(request, pk: int):
    """A village's finding on one household, beside what the rules say about its record."""
    check = get_object_or_404(
        CampaignCheck.objects.for_user(request.user).select_related("campaign", "household", "region"), pk=pk
    )
    form = CheckForm(request.POST or None, initial={"on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with contextlib.suppress(Refused):
            attempt(
                request,
                lambda: campaigns.check_record(
                    user=request.user, check=check, finding=d["finding"], note=d["note"], on=d["on"]
                ),
                _("核查结论已录入。"),
                form,
            )
            return redirect("identification:campaign", pk=check.campaign_id)
    return render(
        request,
        "identification/check_record.html",
        {
            "check": check,
            "form": form,
            "verdict": selectors.verdict_for(check.household, year=check.campaign.year),
            "in_registry": check.status_then in IN_REGISTRY,
            "records": permissions.may(request.user, "record_check", region=check.region_id)
            and check.finding == Finding.PENDING,
        },
    )
