"""Pages of 人口变动: the change forms reached from the household card, transfers between counties (the sending
county's request, the receiving county's acceptance), and the 分户 reviews of townships and counties."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.masking import Shown
from jingzhun.core.webwrites import Refused, act, attempt, form_refused

from . import members as mc
from . import selectors
from .member_forms import FORMS, AcceptForm, FindingForm, MergeForm, ReasonForm
from .models import Household, SplitReview


def _merge_members(request, household, form_data):
    """The other household of a 合户, read in the user's scope, for the relationship of each of its members."""
    number = (form_data or {}).get("other", "").strip()
    if not number:
        return []
    other = (
        Household.objects.for_user(request.user, "change")
        .filter(number=number)
        .exclude(pk=household.pk)
        .first()
    )
    return list(other.members.filter(is_active=True).order_by("id")) if other else []


@login_required
def member_change(request, pk: int, change: str):
    household = get_object_or_404(
        selectors.household_detail_queryset(user=request.user, action="change"), pk=pk
    )
    if change not in FORMS:
        raise Http404
    title, form_class, action = FORMS[change]
    permissions.require(request.user, action, region=household.region_id)
    active = list(household.members.filter(is_active=True).order_by("id"))
    data = request.POST if request.method == "POST" else None
    extra = {"other_members": _merge_members(request, household, data)} if form_class is MergeForm else {}
    form = form_class(data, household=household, members=active, user=request.user, **extra)
    picking = form_class is MergeForm and "pick" in request.POST
    if data is not None and not picking and form.is_valid():
        try:
            result = attempt(request, lambda: form.save(request.user), str(form.done), form=form)
        except Refused:
            pass
        else:
            if isinstance(result, Household) and result.pk != household.pk:
                return redirect(
                    "registry:household_detail", pk=result.pk
                )  # the new household of a 分户 or move
            return redirect("registry:household_detail", pk=household.pk)
    elif data is not None and not picking:
        messages.error(request, _("办理失败：请按红色提示修改后再提交，尚未办理。"))
    shown = Shown.for_reader(request.user)
    for m in active:
        shown.member(m)
    return render(
        request,
        "registry/member_change.html",
        {"household": household, "title": title, "form": form, "change": change, "active": active,
         "merge": form_class is MergeForm},
    )  # fmt: skip


@login_required
def transfer_list(request):
    incoming, outgoing = selectors.transfers(user=request.user)
    return render(request, "registry/transfer_list.html", {"incoming": incoming, "outgoing": outgoing})


@login_required
def transfer_detail(request, pk: int):
    transfer = get_object_or_404(selectors.transfer_queryset(user=request.user), pk=pk)
    return _render_transfer(request, transfer)


def _render_transfer(request, transfer, accept_form=None, status=200):
    persons = list(transfer.members.order_by("id"))
    shown = Shown.for_reader(request.user)
    for m in persons:
        shown.member(m)
    may_accept = transfer.status == "pending" and permissions.may(
        request.user, "transfer_accept", region=transfer.to_county_id
    )
    may_cancel = transfer.status == "pending" and permissions.may(
        request.user, "transfer_send", region=transfer.from_household.region_id
    )
    if accept_form is None and may_accept:
        accept_form = AcceptForm(
            household=transfer.from_household, members=persons, user=request.user,
            initial={"village": transfer.to_village_id},  # the village the sender named
        )  # fmt: skip
    return render(
        request,
        "registry/transfer_detail.html",
        {"transfer": transfer, "persons": persons, "accept_form": accept_form, "may_accept": may_accept,
         "may_cancel": may_cancel, "reason_form": ReasonForm(),
         "sees_sender": Household.objects.for_user(request.user).filter(pk=transfer.from_household_id).exists()},
        status=status,
    )  # fmt: skip


@login_required
@require_POST
def transfer_accept(request, pk: int):
    transfer = get_object_or_404(selectors.transfer_queryset(user=request.user), pk=pk)
    persons = list(transfer.members.order_by("id"))
    form = AcceptForm(request.POST, household=transfer.from_household, members=persons, user=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            attempt(
                request,
                lambda: mc.transfer_accept(
                    user=request.user, transfer=transfer, relationships=form.relationships(),
                    to_household=d["to_household"], village=d["village"], effective_on=d["effective_on"],
                    business_year=d["business_year"],
                ),
                _("已接收迁入：%(n)s") % {"n": transfer.names},
                form=form,
            )  # fmt: skip
        except Refused:
            return _render_transfer(request, transfer, accept_form=form)
        transfer.refresh_from_db()
        return redirect("registry:household_detail", pk=transfer.to_household_id)
    form_refused(request, form)
    return _render_transfer(request, transfer, accept_form=form)


def _decide(request, pk: int, write, done: str):
    transfer = get_object_or_404(selectors.transfer_queryset(user=request.user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        act(
            request,
            lambda: write(user=request.user, transfer=transfer, reason=form.cleaned_data["reason"]),
            done,
        )
    else:
        form_refused(request, form)
    return redirect("registry:transfer_detail", pk=pk)


@login_required
@require_POST
def transfer_refuse(request, pk: int):
    return _decide(request, pk, mc.transfer_refuse, _("已退回该迁移申请。"))


@login_required
@require_POST
def transfer_cancel(request, pk: int):
    return _decide(request, pk, mc.transfer_cancel, _("已撤回该迁移申请。"))


@login_required
def split_review_list(request):
    permissions.require(request.user, "review_split")
    return render(
        request,
        "registry/split_review_list.html",
        {"reviews": selectors.split_reviews(user=request.user), "form": FindingForm()},
    )


@login_required
@require_POST
def split_review_clear(request, pk: int):
    review = get_object_or_404(SplitReview.objects.for_user(request.user, "change"), pk=pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        act(
            request,
            lambda: mc.split_review_clear(
                user=request.user, review=review, finding=form.cleaned_data["finding"]
            ),
            _("已审核该分户。"),
        )
    else:
        form_refused(request, form)
    return redirect("registry:split_review_list")
