"""The county's yearly cycle page (``registry.yearcycle``): what is left per township and village, and the
buttons of whoever may open, close, confirm or reopen the year."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.webwrites import act
from jingzhun.regions.models import Region

from . import yearcycle

ACTIONS = {
    "open": (yearcycle.year_open, gettext_lazy("已开始本年度动态调整。")),
    "close": (yearcycle.year_close, gettext_lazy("已关账：该年度的记录已冻结，统计快照正在生成。")),
    "confirm": (yearcycle.year_confirm, gettext_lazy("已确认该县本年度动态调整。")),
    "reopen": (yearcycle.year_reopen, gettext_lazy("已重新开放该年度。")),
}


def _county(request, code: str) -> Region:
    county = yearcycle.readable_county(request.user, code)
    if county is None:
        raise Http404
    return county


def _year(year: int) -> int:
    if not 2000 <= year <= timezone.localdate().year:
        raise Http404
    return year


@login_required
def year_page(request, code: str, year: int):
    permissions.require(request.user, "view")
    county, year = _county(request, code), _year(year)
    years = yearcycle.county_years(county)
    row = next((y for y in years if y.year == year), None)
    items = yearcycle.their_part(request.user, yearcycle.open_items(county=county.code, year=year))
    return render(
        request,
        "registry/year_cycle.html",
        {
            "county": county,
            "year": year,
            "row": row,
            "items": items,
            "townships": yearcycle.by_township(items),
            "years": years,
            "part": not request.user.in_scope(county.code),
            "may_close": permissions.may(request.user, "close_year", region=county),
            "may_confirm": permissions.may(request.user, "confirm_year", region=county),
        },
    )


@login_required
@require_POST
def year_act(request, code: str, year: int, action: str):
    county, year = _county(request, code), _year(year)
    if action not in ACTIONS:
        raise Http404
    write, done = ACTIONS[action]
    extra = {"reason": request.POST.get("reason", "")} if action == "reopen" else {}
    act(request, lambda: write(user=request.user, county=county, year=year, **extra), done)
    return redirect("registry:year_page", code=county.code, year=year)
