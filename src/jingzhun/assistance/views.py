"""Pages of assistance: the forces and their caseloads, a household's cadre and its history, and the county's
needs-first matching proposals. Writes go through ``services``/``matching``; refusals come back as messages."""

from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.pagination import request_page
from jingzhun.core.params import chosen_year
from jingzhun.core.webwrites import Refused, act, attempt
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

from . import matching, selectors, services
from .forms import (
    CadreForm,
    HelperForm,
    HelpersForm,
    MeasureForm,
    PairForm,
    PlanForm,
    ProgressForm,
    UnitForm,
    VisitForm,
)
from .models import Cadre, HelpingUnit, MatchingProposal, ProposalRow, SocialHelper


@login_required
def forces(request):
    """帮扶力量: units (read from below), cadres with their caseloads, and the households still without a cadre."""
    user = request.user
    units = HelpingUnit.objects.for_user(user).order_by("level", "name")
    registers_units = permissions.may(user, "register_unit")
    registers_cadres = permissions.may(user, "register_cadre")
    unit_form = UnitForm(request.POST if "unit" in request.POST else None)
    cadre_form = CadreForm(
        request.POST if "cadre" in request.POST else None,
        units=units,
        user=user if registers_cadres else None,
    )
    helper_form = HelperForm(request.POST if "helper" in request.POST else None)
    if request.method == "POST":
        if not registers_cadres:
            raise PermissionDenied
        with contextlib.suppress(Refused):
            if "unit" in request.POST and registers_units and unit_form.is_valid():
                attempt(request, lambda: services.unit_create(user=user, region=user.region, **unit_form.cleaned_data),
                         _("帮扶单位已登记。"), unit_form)  # fmt: skip
                return redirect("assistance:forces")
            if "helper" in request.POST and helper_form.is_valid():
                attempt(request, lambda: services.helper_create(user=user, region=user.region, **helper_form.cleaned_data),
                         _("社会帮扶力量已登记。"), helper_form)  # fmt: skip
                return redirect("assistance:forces")
            if "cadre" in request.POST and cadre_form.is_valid():
                d = dict(cadre_form.cleaned_data)
                region = Region.objects.for_user(user).filter(code=d.pop("region")).first()
                if region is None:
                    cadre_form.add_error("region", _("驻地不在您的管辖范围内或代码有误。"))
                else:
                    attempt(request, lambda: services.cadre_create(user=user, region=region, **d),
                             _("帮扶责任人已登记。"), cadre_form)  # fmt: skip
                    return redirect("assistance:forces")
    cadres = Cadre.objects.for_user(user).select_related("unit", "region")
    page, query = request_page(request, cadres)
    selectors.with_loads(page.items)
    return render(
        request,
        "assistance/forces.html",
        {
            "units": units[:200], "page": page, "query": query,
            "unit_form": unit_form if registers_units else None,
            "cadre_form": cadre_form if registers_cadres else None,
            "helper_form": helper_form if registers_cadres and user.region_id else None,
            "helpers": SocialHelper.objects.for_user(user).order_by("kind", "name")[:200],
            "without": selectors.without_cadre(user=user).count(),
            "matches": _makes_proposals(user),
        },
    )  # fmt: skip


@login_required
def household(request, pk: int):
    """The household's assistance file (一户一档): its cadre and history, helpers, the year's plan and measures
    with the catalogue's suggestions, and the visits. Writes post to ``plan_views``; the cadre form posts here."""
    user = request.user
    target = get_object_or_404(Household.objects.for_user(user).select_related("region"), pk=pk)
    cadres = selectors.cadres_for(target.region_id)
    form = PairForm(request.POST or None, cadres=cadres)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with contextlib.suppress(Refused):
            attempt(
                request,
                lambda: services.household_pair(
                    user=user, household=target, cadre=d["cadre"], reason=d["reason"]
                ),
                _("帮扶责任人已确定。"),
                form,
            )
            return redirect("assistance:household", pk=pk)
    year = chosen_year(request)
    file = selectors.household_file(target, year)
    writes = permissions.may(user, "plan", region=target.region_id)
    pairs = permissions.may(user, "register_cadre", region=target.region_id)
    current = file["current"]
    return render(
        request,
        "assistance/household.html",
        {
            **file, "household": target, "year": year, "years": (year - 1, year + 1),
            "form": form if pairs else None,
            "cadres": selectors.with_loads(list(cadres[:300])),
            "writes": writes,
            "plan_form": PlanForm(initial={"year": year}),
            "measure_form": MeasureForm(units=HelpingUnit.objects.for_user(user)),
            "progress_form": ProgressForm(),
            "visit_form": VisitForm(cadres=cadres, initial={
                "cadre": current.cadre_id if current else None, "visited_on": timezone.localdate()}),
            "helpers_form": HelpersForm(
                helpers=SocialHelper.objects.for_user(user), initial={"helpers": current.helpers.all() if current else []}
            ) if pairs and current else None,
        },
    )  # fmt: skip


def _makes_proposals(user) -> bool:
    """A county's user with the right to match (a proposal is made for the user's own county)."""
    own = user.region
    return permissions.may(user, "match") and own is not None and own.level == RegionLevel.COUNTY


@login_required
def proposals(request):
    """The county's matching proposals, and the button that makes a new one."""
    user = request.user
    if request.method == "POST":
        if not _makes_proposals(user):
            raise PermissionDenied(_("需求匹配方案由县级用户生成。"))
        keep = request.POST.get("keep_existing", "1") == "1"
        with contextlib.suppress(Refused):
            made = attempt(
                request,
                lambda: matching.proposal_make(user=user, county=user.region, keep_existing=keep),
                _("匹配方案已生成，请审阅后采纳。"),
            )
            return redirect("assistance:proposal", pk=made.pk)
    return render(
        request,
        "assistance/proposals.html",
        {
            "proposals": MatchingProposal.objects.for_user(user).select_related("county")[:50],
            "makes": _makes_proposals(user),
        },
    )


@login_required
def proposal(request, pk: int):
    user = request.user
    found = get_object_or_404(MatchingProposal.objects.for_user(user).select_related("county"), pk=pk)
    rows = (
        ProposalRow.objects.for_user(user)
        .filter(proposal=found)
        .select_related("household", "region", "previous__unit", "cadre__unit")
    )
    page, query = request_page(request, rows)
    return render(
        request,
        "assistance/proposal.html",
        {
            "proposal": found, "s": found.summary, "page": page, "query": query,
            "accepts": permissions.may(user, "match", region=found.county_id),
            "open_rows": found.rows.filter(accepted=False).count(),
        },
    )  # fmt: skip


@login_required
@require_POST
def proposal_accept(request, pk: int):
    found = get_object_or_404(MatchingProposal.objects.for_user(request.user), pk=pk)
    chosen = (
        None
        if request.POST.get("all") == "1"
        else [int(v) for v in request.POST.getlist("row") if v.isdigit()]
    )
    if chosen == []:
        messages.error(request, _("请勾选要采纳的调整，或选择「全部采纳」。"))
        return redirect("assistance:proposal", pk=pk)
    act(
        request,
        lambda: matching.proposal_accept(user=request.user, proposal=found, row_ids=chosen),
        _("已采纳所选调整。"),
    )
    return redirect("assistance:proposal", pk=pk)
