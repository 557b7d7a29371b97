"""Pages of 一户一策: the household's plan and measures, visits with photos, social helpers, and the household
handbook (扶贫手册) as PDF. Each write is a POST that goes through ``plans``/``services`` and comes back to the
household's page with the result or the refusal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.core import masking
from jingzhun.core.downloads import audited_file_response, record_download
from jingzhun.core.masking import Shown
from jingzhun.core.params import as_id, chosen_year, ticked_ids
from jingzhun.core.pdf import pdf_response
from jingzhun.core.webwrites import act, form_refused
from jingzhun.registry.models import Household

from . import plans, selectors, services
from .forms import HelpersForm, MeasureForm, PlanForm, ProgressForm, VisitForm
from .models import HelpingUnit, Measure, Plan, SocialHelper, Visit


def _household(request, pk: int) -> Household:
    return get_object_or_404(Household.objects.for_user(request.user).select_related("region"), pk=pk)


def _back(household: Household, year: int | None = None):
    response = redirect("assistance:household", pk=household.pk)
    if year:
        response["Location"] += f"?year={year}"
    return response


@login_required
@require_POST
def plan_create(request, pk: int):
    household = _household(request, pk)
    form = PlanForm(request.POST)
    if not form.is_valid():
        form_refused(request, form)
        return _back(household)
    d = form.cleaned_data
    act(
        request, lambda: plans.plan_create(user=request.user, household=household, **d), _("帮扶计划已建立。")
    )
    return _back(household, d["year"])


@login_required
@require_POST
def measure_add(request, pk: int):
    plan = get_object_or_404(Plan.objects.for_user(request.user).select_related("household"), pk=pk)
    form = MeasureForm(request.POST, units=HelpingUnit.objects.for_user(request.user))
    if form.is_valid():
        act(request, lambda: plans.measure_add(user=request.user, plan=plan, **form.cleaned_data),
            _("帮扶措施已加入计划。"))  # fmt: skip
    else:
        form_refused(request, form)
    return _back(plan.household, plan.year)


@login_required
@require_POST
def measure_progress(request, pk: int):
    measure = get_object_or_404(
        Measure.objects.for_user(request.user).select_related("plan__household"), pk=pk
    )
    form = ProgressForm(request.POST)
    if form.is_valid():
        act(request, lambda: plans.measure_update(user=request.user, measure=measure, **form.cleaned_data),
            _("措施进展已更新。"))  # fmt: skip
    else:
        form_refused(request, form)
    return _back(measure.plan.household, measure.year)


@login_required
@require_POST
def visit_add(request, pk: int):
    household = _household(request, pk)
    form = VisitForm(request.POST, request.FILES, cadres=selectors.cadres_for(household.region_id))
    if form.is_valid():
        act(request, lambda: plans.visit_record(user=request.user, household=household, **form.cleaned_data),
            _("走访记录已保存。"))  # fmt: skip
    else:
        form_refused(request, form)
    return _back(household)


@login_required
@require_POST
def helpers_set(request, pk: int):
    household = _household(request, pk)
    pairing = household.pairings.filter(ended_on__isnull=True).first()
    if pairing is None:
        raise Http404
    form = HelpersForm(request.POST, helpers=SocialHelper.objects.for_user(request.user))
    if form.is_valid():
        act(request, lambda: services.pairing_helpers_set(user=request.user, pairing=pairing,
                                                           helpers=form.cleaned_data["helpers"]),
            _("社会帮扶力量已更新。"))  # fmt: skip
    else:
        form_refused(request, form)
    return _back(household)


@login_required
def visit_photo(request, pk: int):
    """A visit's photo, only to users who may see the household."""
    visit = get_object_or_404(Visit.objects.for_user(request.user).select_related("household"), pk=pk)
    return audited_file_response(
        request.user, visit, visit.photo, root=f"registry.household:{visit.household_id}", region_code=visit.household.region_id,
        as_attachment=False,
    )  # fmt: skip


@login_required
def handbook(request, pk: int):
    """扶贫手册: the household's card, its cadre and helpers, the year's plan with measures, and the visits, as a
    printable PDF. ID numbers and phones are masked unless the user's role sees personal data."""
    household = _household(request, pk)
    year = chosen_year(request)
    file = selectors.household_file(household, year)
    shown = Shown.for_reader(request.user)
    members = [shown.member(m) for m in household.members.filter(is_active=True).order_by("id")]
    record_download(request.user, household, filename=f"扶贫手册-{household.number}-{year}.pdf",
                    root=f"registry.household:{household.pk}", region_code=household.region_id,
                    changes={"full_personal_data": [None, shown.full]})  # fmt: skip
    return pdf_response(
        "assistance/handbook.html",
        {
            **file, "household": household, "members": members, "year": year,
            "phone": shown.value(masking.PHONE, household.phone),
            "latest": household.years.order_by("-year").first(), "printed": timezone.localdate(),
        },
        request,
        f"扶贫手册-{household.number}-{year}",
    )  # fmt: skip


PAIRED_AT_ONCE = 200


@login_required
@require_POST
def pair_many(request):
    """结对 for the households ticked on the household list: each with the cadre chosen, through the same service
    (capacity, county and the households' need checked); those that cannot be paired named with why."""
    ids = ticked_ids(request, PAIRED_AT_ONCE)[:PAIRED_AT_ONCE]
    households = list(
        Household.objects.for_user(request.user, "change").filter(pk__in=ids).order_by("number")
    )
    if not households:
        messages.error(request, _("请先在名单中勾选要结对的户。"))
        return redirect("registry:household_list")
    # the cadres the list offers: those of the households' county (a township may choose one based elsewhere)
    chosen = as_id(request.POST.get("cadre", ""))
    cadre = selectors.cadres_for(households[0].region_id).filter(pk=chosen).first() if chosen else None
    if cadre is None:
        messages.error(request, _("请选择本县在岗的帮扶责任人。"))
        return redirect("registry:household_list")
    paired, refused = 0, []
    for household in households:
        try:
            services.household_pair(user=request.user, household=household, cadre=cadre)
            paired += 1
        except (ValidationError, PermissionDenied) as exc:
            reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            refused.append(f"{household.number} {household.head_name}：{reason}")
    if paired:
        messages.success(request, _("%(c)s 已与 %(n)d 户结对。") % {"c": cadre.name, "n": paired})
    if refused:
        messages.error(
            request, _("以下 %(n)d 户未结对：%(l)s") % {"n": len(refused), "l": "；".join(refused[:20])}
        )
    return redirect("registry:household_list")
