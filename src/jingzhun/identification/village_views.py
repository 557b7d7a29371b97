"""Staff pages of poor villages (贫困村): a county's or township's villages in a year with each one's status, its
figures and the rules' verdict with every reason (the designation suggestion, or whether it may exit and why
not); the county's designation, the township's exit proposal and 公示, the county's 公告; and the village's
own page (its figures of the year, the checklist, its steps). Every write goes through ``villages``; refusals
come back as messages and change nothing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.core.params import chosen_year
from jingzhun.core.webwrites import Refused, act, attempt
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import region_for_user

from . import village_selectors as vs
from . import villages
from .choices import Procedure, Stage, VillageStatus
from .forms import VillagePolicyForm
from .models import Publicity, VillageYear


def _year(request, region: Region) -> int:
    """?year=, else the latest year with a village record under the region, else this year."""

    def latest():
        lo, hi = region.subtree_range()
        found = (
            VillageYear.objects.for_user(request.user)
            .filter(region__code__range=(lo, hi))
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
        return found

    return chosen_year(request, latest)


@login_required
def village_list_home(request):
    """The user's own county or township (a national or provincial user picks one from the region pages)."""
    code = request.user.region_id
    if not code:
        return redirect("regions:root")
    return redirect("identification:villages", code=code)


@login_required
def village_list(request, code: str):
    region = region_for_user(user=request.user, code=code)
    if region.level == RegionLevel.VILLAGE:
        return redirect("identification:village", code=region.code)
    if region.level < RegionLevel.COUNTY:
        return render(
            request, "identification/village_list.html", {"region": region, "too_high": True, "rows": []}
        )
    year = _year(request, region)
    villages_in = [v for v in vs.villages_under(region) if request.user.in_scope(v.code)]
    rows = vs.village_rows(villages_in, year=year)
    user = request.user
    county = region if region.level == RegionLevel.COUNTY else region.parent
    lists = Publicity.objects.for_user(user).filter(procedure=Procedure.VILLAGE_EXIT, year=year)
    lo, hi = region.subtree_range()
    context = {
        "region": region,
        "year": year,
        "rows": rows,
        "poor": sum(1 for r in rows if r.status == VillageStatus.POOR),
        "exited": sum(1 for r in rows if r.status == VillageStatus.EXITED),
        "designates": permissions.may(user, "designate_village", region=region),
        "proposes": region.level == RegionLevel.TOWNSHIP
        and permissions.may(user, "propose_village_exit", region=region),
        "announces": region.level == RegionLevel.COUNTY
        and permissions.may(user, "announce_village_exit", region=region),
        "proposable": [r for r in rows if r.status == VillageStatus.POOR and not r.exit_open and r.exit.met],
        "proposed": [r for r in rows if r.stage == Stage.VILLAGE_PROPOSED],
        "to_announce": [r for r in rows if r.stage == Stage.COUNTY_APPROVED],
        "lists": lists.filter(Q(region__code__range=(lo, hi)) | Q(region_id=county.code))
        .select_related("region")
        .order_by("-starts_on", "-id"),
    }
    return render(request, "identification/village_list.html", context)


@login_required
def village_detail(request, code: str):
    village = region_for_user(user=request.user, code=code)
    if village.level != RegionLevel.VILLAGE:
        return redirect("identification:villages", code=village.code)
    year = _year(request, village)
    row = vs.village_row(village, year=year)
    items = vs.checklist_items(region_code=village.code, year=year)
    checked = row.record.checklist if row.record is not None else {}
    return render(
        request,
        "identification/village_detail.html",
        {
            "village": village,
            "year": year,
            "row": row,
            "items": [(k, label, bool(checked.get(k))) for k, label in items],
            "steps": vs.village_steps(village),
            "records": VillageYear.objects.for_user(request.user).filter(region=village).order_by("-year"),
            "edits": permissions.may(request.user, "record_village_year", region=village)
            and not row.figures_locked,
            "designates": permissions.may(request.user, "designate_village", region=village)
            and row.status == VillageStatus.NON_POOR
            and not row.decided_this_year,
        },
    )


def _year_posted(request) -> int:
    raw = request.POST.get("year", "")
    if not (raw.isascii() and raw.isdigit()):
        raise Http404
    return int(raw)


@login_required
@require_POST
def village_data(request, code: str):
    village = region_for_user(user=request.user, code=code)
    year = _year_posted(request)
    checklist = {k: True for k in request.POST.getlist("checklist")}
    act(
        request,
        lambda: villages.village_year_set(
            user=request.user,
            village=village,
            year=year,
            checklist=checklist,
            collective_income=request.POST.get("collective_income", "").strip(),
            per_capita_income=request.POST.get("per_capita_income", "").strip(),
        ),
        _("年度信息已保存。"),
    )
    return redirect(f"{_url('identification:village', village.code)}?year={year}")


@login_required
@require_POST
def village_designate(request, code: str):
    village = region_for_user(user=request.user, code=code)
    year = _year_posted(request)
    confirm = request.POST.get("decision") == "confirm"
    act(
        request,
        lambda: villages.village_designate(
            user=request.user,
            village=village,
            year=year,
            confirm=confirm,
            reason=request.POST.get("reason", ""),
        ),
        _("已认定为贫困村。") if confirm else _("已记录不予认定及理由。"),
    )
    back = request.POST.get("back") == "list" and village.parent_id
    target = (
        _url("identification:villages", village.parent.parent_id)
        if back
        else _url("identification:village", village.code)
    )
    return redirect(f"{target}?year={year}")


ACTIONS = {
    "propose": (villages.village_exit_propose, "township", gettext_lazy("已提出退出，请在乡镇范围内公示。")),
    "publicity": (villages.village_exit_publicity_open, "township", gettext_lazy("已在乡镇范围内公示。")),
    "announce": (villages.village_exit_announce, "county", gettext_lazy("已公告，所选村退出贫困村。")),
}


@login_required
@require_POST
def village_act(request, code: str, action: str):
    """The township's proposal and 公示, the county's 公告, over the villages ticked."""
    region = region_for_user(user=request.user, code=code)
    if action not in ACTIONS:
        raise Http404
    write, place, done = ACTIONS[action]
    year = _year_posted(request)
    lo, hi = region.subtree_range()
    chosen = list(
        Region.objects.for_user(request.user).filter(
            code__in=request.POST.getlist("villages"), code__range=(lo, hi), level=RegionLevel.VILLAGE
        )
    )
    act(request, lambda: write(user=request.user, **{place: region}, year=year, villages=chosen), done)
    return redirect(f"{_url('identification:villages', region.code)}?year={year}")


def _url(name: str, code: str) -> str:
    return reverse(name, kwargs={"code": code})


POLICY_FIELDS = [f for f in VillagePolicyForm.base_fields if f != "year"]


@login_required
def village_policy(request):
    """贫困村认定和退出标准: national administrators set the national row, provincial ones their province's."""
    user = request.user
    province = user.region_id[:2].ljust(12, "0") if user.region_id else None
    is_admin = permissions.may(user, "set_policy", region=province or NATIONAL_CODE)
    year = chosen_year(request)
    current = vs.village_policy(region_code=province or NATIONAL_CODE, year=year)
    initial = {name: getattr(current, name) for name in POLICY_FIELDS}
    initial["exit_checklist"] = "\n".join(f"{k}|{label}" for k, label in current.exit_checklist or [])
    form = VillagePolicyForm(request.POST or None, initial={"year": year, **initial})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            attempt(
                request,
                lambda: villages.village_policy_set(
                    user=user, year=d["year"], province=province, **{n: d[n] for n in POLICY_FIELDS}
                ),
                _("贫困村认定和退出标准已保存。"),
                form,
            )
        except Refused:
            pass
        else:
            return redirect(f"{reverse('identification:village_policy')}?year={d['year']}")
    return render(
        request,
        "identification/village_policy.html",
        {"form": form, "is_admin": is_admin, "current": current, "year": year, "scope": user.display_scope},
    )
