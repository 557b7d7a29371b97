"""Pages of assistance at village and county level: a village's helping units, work team and resources (with the
poor-village form as PDF), the compliance list of visits, and the equity of resources across a county's villages
(page and CSV export)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.csvexport import csv_download
from jingzhun.core.downloads import record_download
from jingzhun.core.pagination import request_page
from jingzhun.core.params import chosen_year
from jingzhun.core.pdf import pdf_response
from jingzhun.core.webwrites import act, form_refused
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import ancestor_at
from jingzhun.registry.selectors import latest_data_year

from . import equity, plans, selectors, services
from .forms import MemberForm, SupportForm, TeamForm, VillagePairForm
from .models import HelpingUnit, WorkTeam


def _village(request, code: str) -> Region:
    return get_object_or_404(
        Region.objects.for_user(request.user).select_related("parent__parent"),
        code=code,
        level=RegionLevel.VILLAGE,
    )


@login_required
def village(request, code: str):
    """A village's assistance: helping units, the work team, resources received this year; forms for the levels
    that decide them (units and teams: county; resources: township and above)."""
    found = _village(request, code)
    user = request.user
    year = chosen_year(request)
    units = HelpingUnit.objects.for_user(user).filter(active=True).order_by("level", "name")
    cadres = selectors.cadres_for(found.code)
    county_writes = permissions.may(user, "register_unit", region=found.code)
    township_writes = permissions.may(user, "register_cadre", region=found.code)
    file = selectors.village_file(found, year)
    return render(
        request,
        "assistance/village.html",
        {
            **file, "years": (year - 1, year + 1),
            "pair_form": VillagePairForm(units=units) if county_writes else None,
            "team_form": TeamForm(units=units, cadres=cadres) if county_writes and not file["team"] else None,
            "member_form": MemberForm(cadres=cadres) if county_writes and file["team"] else None,
            "support_form": SupportForm(units=units, initial={"year": year}) if township_writes else None,
        },
    )  # fmt: skip


def _village_post(request, code: str, form_class, write, done: str, **form_kwargs):
    found = _village(request, code)
    form = form_class(request.POST, **form_kwargs)
    if form.is_valid():
        act(request, lambda: write(found, form.cleaned_data), done)
    else:
        form_refused(request, form)
    return redirect("assistance:village", code=code)


@login_required
@require_POST
def village_pair(request, code: str):
    return _village_post(
        request, code, VillagePairForm,
        lambda v, d: services.village_pair(user=request.user, village=v, **d), _("帮扶单位已结对。"),
        units=HelpingUnit.objects.for_user(request.user),
    )  # fmt: skip


@login_required
@require_POST
def team_send(request, code: str):
    village = _village(request, code)
    return _village_post(
        request, code, TeamForm,
        lambda v, d: services.team_send(user=request.user, village=v, **d), _("驻村工作队已派驻。"),
        units=HelpingUnit.objects.for_user(request.user), cadres=selectors.cadres_for(village.code),
    )  # fmt: skip


@login_required
@require_POST
def team_member(request, code: str):
    village = _village(request, code)
    team = WorkTeam.objects.for_user(request.user).filter(village=village, ended_on__isnull=True).first()
    if team is None:
        raise Http404
    return _village_post(
        request, code, MemberForm,
        lambda v, d: services.team_member_add(user=request.user, team=team, **d), _("队员已任职。"),
        cadres=selectors.cadres_for(village.code),
    )  # fmt: skip


@login_required
@require_POST
def support_add(request, code: str):
    return _village_post(
        request, code, SupportForm,
        lambda v, d: plans.support_add(user=request.user, village=v, **d), _("帮扶投入已登记。"),
        units=HelpingUnit.objects.for_user(request.user),
    )  # fmt: skip


@login_required
def village_form(request, code: str):
    """贫困村登记表 (poor-village form) of the year as a printable PDF."""
    found = _village(request, code)
    year = chosen_year(request, lambda: latest_data_year(user=request.user, region=found))
    context = {**selectors.village_file(found, year), "printed": timezone.localdate()}
    return pdf_response("assistance/village_form.html", context, request, f"贫困村登记表-{found.name}-{year}")


@login_required
def visits(request):
    """走访合规: households not visited within the policy interval, per village and per cadre, with the list
    (paginated) and a CSV export of the whole list."""
    overdue = selectors.overdue_visits(user=request.user)
    if request.GET.get("export") == "csv":
        rows = overdue.select_related("household", "region", "cadre__unit").order_by("region_id", "id")
        scope = request.user.region or Region(code="", name=_("全国"))
        record_download(request.user, scope, filename="走访逾期名单.csv", root="assistance.visits",
                        region_code=scope.code)  # fmt: skip
        return csv_download(
            "走访逾期名单",
            ["村", "村代码", "户编号", "户主", "帮扶责任人", "单位", "最近走访", "结对日期"],
            (
                [p.region.name, p.region_id, p.household.number, p.household.head_name, p.cadre.name,
                 p.cadre.unit.name, p.last_visit or "", p.started_on]
                for p in rows.iterator(chunk_size=2000)
            ),
        )  # fmt: skip
    per_village, per_cadre = selectors.overdue_counts(overdue)
    page, query = request_page(request, overdue.select_related("household", "region", "cadre__unit"))
    today = timezone.localdate()
    for p in page.items:  # ``due`` is today less the interval: the visit fell due that long after ``since``
        p.due_on = p.since + (today - p.due)
        p.days_late = (today - p.due_on).days
    return render(
        request,
        "assistance/visits.html",
        {"page": page, "query": query, "per_village": per_village[:100], "per_cadre": per_cadre[:100]},
    )


def _chosen_county(request) -> Region | None:
    """The county of the equity page: the user's own (or the one above a township/village user), else the one
    asked for (?county=) within scope."""
    user = request.user
    own = user.region
    if own is not None and own.level >= RegionLevel.COUNTY:
        # the county above a township or village user, outside its scope: the region tree is public
        return Region.objects.public().get(code=ancestor_at(user.region_id, RegionLevel.COUNTY))
    code = request.GET.get("county", "")
    if not code:
        return None
    return get_object_or_404(Region.objects.for_user(user), code=code, level=RegionLevel.COUNTY)


@login_required
def equity_page(request):
    """资源均衡: resources per registered person in each village of a county, the Gini across villages, the top
    10 % share, over-concentrated and under-supplied villages with the units behind them; CSV export."""
    user = request.user
    permissions.require(user, "view")  # figures of the registry: not for roles that read none
    county = _chosen_county(request)
    year = chosen_year(request, lambda: latest_data_year(user=user, region=county))
    result = equity.county_equity(county, year, selectors.policy_for(county.code, year)) if county else None
    below_county = user.region is not None and user.region.level > RegionLevel.COUNTY
    if result and below_county:
        # a township or village sees the county's figures and median, and the rows of its own villages only
        mine = set(
            Region.objects.for_user(user).filter(level=RegionLevel.VILLAGE).values_list("code", flat=True)
        )
        result.villages = [v for v in result.villages if v.code in mine]
    if result and request.GET.get("export") == "csv":
        return csv_download(
            f"资源均衡-{county.name}-{year}",
            ["村代码", "村", "乡镇", "建档立卡户数", "建档立卡人数", "措施实际金额", "措施计划金额", "村级投入",
             "资金直接支付", "合计", "人均", "判断", "帮扶单位及投入"],
            (
                [v.code, v.name, v.township, v.households, v.persons, v.measures, v.planned, v.supports, v.paid,
                 v.total,
                 v.per_person if v.per_person is not None else "", v.flag_label,
                 "；".join(f"{n} {a}" for n, a in v.units)]
                for v in result.villages
            ),
        )  # fmt: skip
    counties = (
        Region.objects.for_user(user).filter(level=RegionLevel.COUNTY).order_by("code")[:500]
        if user.region is None or user.region.level < RegionLevel.COUNTY
        else []
    )
    return render(
        request,
        "assistance/equity.html",
        {"e": result, "county": county, "year": year, "years": (year - 1, year + 1), "counties": counties},
    )  # fmt: skip
