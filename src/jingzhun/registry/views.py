"""Web pages of the registry: list, household card, create/edit, cancel, reveal, export."""

from __future__ import annotations

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core import audit, masking
from jingzhun.core.masking import Shown
from jingzhun.core.pagination import request_page
from jingzhun.core.worklist import WORK_CAP, work_for
from jingzhun.regions import selectors as region_selectors
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.forms import offer_regions

from . import rules, selectors, services
from .choices import Cause
from .forms import (
    CancelForm,
    HouseholdFilterForm,
    HouseholdForm,
    HouseholdYearForm,
    MemberFormSet,
    with_new_member,
)
from .members import pending_members
from .models import Household
from .status import is_monitored, status_labels

REVEAL_SECONDS = 300


def parse_filters(request) -> tuple[HouseholdFilterForm, selectors.HouseholdFilters]:
    """The list's filters from the query string; bad values are shown on the form, never widen the scope."""
    form = HouseholdFilterForm(request.GET or None, user=request.user)
    return form, form.filters()


@login_required
def household_list(request):
    form, filters = parse_filters(request)
    qs = selectors.household_list(user=request.user, filters=filters).select_related("region")
    page, query = request_page(request, qs)
    status_labels(page.items, year=timezone.localdate().year)
    chosen = filters.region.code if filters.region else None
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "filters": filters,
            "page": page,
            "query": query,
            "found": selectors.found(qs),
            "found_cap": selectors.FOUND_CAP,
            "region_levels": region_selectors.picker_levels(user=request.user, code=chosen),
        },
    )


def _revealed(request, household: Household) -> bool:
    if masking.sees_in_full(request.user):
        return True
    shown_at = request.session.get(f"reveal:{household.pk}")
    return bool(shown_at and time.time() - shown_at < REVEAL_SECONDS)


@login_required
def household_detail(request, pk: int):
    household = get_object_or_404(selectors.household_detail_queryset(user=request.user), pk=pk)
    members = list(household.members.order_by("-is_active", "id"))
    years = list(household.years.order_by("-year"))
    status_labels([household], year=timezone.localdate().year)
    show_full = _revealed(request, household)
    shown = Shown(full=show_full)
    history = selectors.household_history(user=request.user, household=household, full=show_full)
    for y in years:
        y.warnings = rules.data_quality_warnings(audit.snapshot(y))
    pending = pending_members([m for m in members if m.is_active])
    for m in members:
        shown.member(m)
        m.pending_transfer = pending.get(m.pk)
    return render(
        request,
        "registry/household_detail.html",
        {
            "household": household,
            "monitored": is_monitored(household),
            "ancestors": household.region.ancestors(),
            "members": members,
            "years": years,
            "other_causes": "、".join(str(Cause(c).label) for c in household.other_causes),
            "history": history,
            "show_full": show_full,
            "phone": shown.value(masking.PHONE, household.phone),
            "shown": shown,
            "can_change": permissions.may(request.user, "change", region=household.region_id),
            "can_reveal": permissions.may(request.user, "reveal") and not masking.sees_in_full(request.user),
            "cancel_form": CancelForm(),
        },
    )


@login_required
@require_POST
def household_reveal(request, pk: int):
    household = get_object_or_404(Household.objects.for_user(request.user, "reveal"), pk=pk)
    services.personal_data_revealed(user=request.user, household=household)
    request.session[f"reveal:{pk}"] = time.time()
    return redirect("registry:household_detail", pk=pk)


def _apply_errors(error: ValidationError, hform, formset, yform) -> None:
    """Put the service's field-path errors back on the form fields they belong to."""
    for path, msgs in error.message_dict.items():
        parts = path.split(".")
        for message in msgs:
            if parts[0] == "members" and len(parts) == 3 and int(parts[1]) < len(formset.forms):
                form = formset.forms[int(parts[1])]
                form.add_error(parts[2] if parts[2] in form.fields else None, message)
            elif parts[0] == "members":
                formset._non_form_errors = [*formset.non_form_errors(), message]
            elif parts[0] == "years" and len(parts) == 3 and parts[2] in yform.fields:
                yform.add_error(parts[2], message)
            elif parts[0] in hform.fields:
                hform.add_error(parts[0], message)
            else:
                hform.add_error(None, message)


def _edit(request, household: Household | None):
    permissions.require(request.user, "change", region=household.region_id if household else None)
    latest = household.years.order_by("-year").first() if household else None
    if request.method == "POST":
        hform = HouseholdForm(request.POST, prefix="h")
        formset = MemberFormSet(request.POST, prefix="m")
        yform = HouseholdYearForm(request.POST, prefix="y")
        if "add_member" in request.POST:  # the whole form given back as typed, unchecked, one row longer
            hform = HouseholdForm(prefix="h", initial={n: hform[n].value() for n in hform.fields})
            yform = HouseholdYearForm(prefix="y", initial={n: yform[n].value() for n in yform.fields})
            return _render_edit(request, household, hform, with_new_member(formset), yform)
        if hform.is_valid() and formset.is_valid() and yform.is_valid():
            try:
                members = formset.payloads()
                if household is None:
                    household = services.household_register(
                        user=request.user, household=hform.payload(), members=members, years=[yform.payload()]
                    )
                    messages.success(request, _("已建档：户编号 %(n)s") % {"n": household.number})
                else:
                    services.household_update(
                        user=request.user,
                        household=household,
                        data=hform.payload(),
                        members=members,
                        years=[yform.payload()],
                    )
                    messages.success(request, _("已保存修改。"))
                return redirect("registry:household_detail", pk=household.pk)
            except ValidationError as exc:
                _apply_errors(exc, hform, formset, yform)
        messages.error(request, _("保存失败：请按红色提示修改后再提交，尚未保存任何内容。"))
    elif household is None:
        region = request.GET.get("region") or (request.user.region_id if request.user.region_id else "")
        hform = HouseholdForm(prefix="h", initial={"region": region})
        formset = MemberFormSet(prefix="m", initial=[{"relationship": "head"}])
        yform = HouseholdYearForm(prefix="y", initial={"year": time.localtime().tm_year - 1})
    else:
        hform = HouseholdForm(
            prefix="h",
            instance=household,
            initial={"region": household.region_id, "other_causes": household.other_causes},
        )
        active = household.members.filter(is_active=True).order_by("id")
        formset = MemberFormSet(
            prefix="m",
            initial=[{"id": m.pk, **{f: getattr(m, f) for f in services.MEMBER_INPUT}} for m in active],
        )
        yform = HouseholdYearForm(prefix="y", instance=latest)
        if not masking.sees_in_full(request.user):
            # The edit form shows ID numbers in full: that is a read of personal data, so it is logged.
            services.personal_data_revealed(user=request.user, household=household)
    return _render_edit(request, household, hform, formset, yform)


def _render_edit(request, household, hform, formset, yform):
    offer_regions(hform, "region", user=request.user, levels=(RegionLevel.VILLAGE,), label=_("所在村"))
    return render(
        request,
        "registry/household_form.html",
        {"household": household, "hform": hform, "formset": formset, "yform": yform},
    )


@login_required
def household_create(request):
    return _edit(request, None)


@login_required
def household_edit(request, pk: int):
    household = get_object_or_404(Household.objects.for_user(request.user, "change"), pk=pk)
    return _edit(request, household)


@login_required
@require_POST
def household_cancel(request, pk: int):
    household = get_object_or_404(Household.objects.for_user(request.user, "change"), pk=pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.household_cancel(
                user=request.user, household=household, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已注销。"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请填写注销原因。"))
    return redirect("registry:household_detail", pk=pk)


@login_required
def home(request):
    user = request.user
    if not permissions.may(user, "view"):  # roles that read no registry start on their own work
        for action, page in (
            ("manage_users", "accounts:users"),
            ("audit", "accounts:audit"),
            ("upload_list", "identification:crosscheck"),
        ):
            if permissions.may(user, action):
                return redirect(page)
        return render(request, "registry/no_pages.html")
    return render(request, "registry/home.html", {"items": work_for(user), "cap": WORK_CAP})
