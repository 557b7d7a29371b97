"""Funds on other apps' pages: the household card's payments (account masked outside finance roles), the
工作台's work (payments to approve, open alerts, idle money), and the payments of a year not yet paid, which keep
a county from closing it."""

from __future__ import annotations

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.codes import ancestor_at, subtree_range
from jingzhun.core.masking import BANK, Shown
from jingzhun.core.panels import panel
from jingzhun.core.worklist import WorkItem, capped, work_source
from jingzhun.projects.choices import SETTLING
from jingzhun.projects.choices import Stage as ProjectStage
from jingzhun.registry.signals import year_open_items
from jingzhun.registry.yearcycle import OpenItems

from . import selectors
from .choices import AlertState, PaymentStatus
from .forms import HouseholdCardPaymentForm, ProjectSettleForm
from .models import Payment

UNPAID = (PaymentStatus.PENDING, PaymentStatus.APPROVED, PaymentStatus.SENT, PaymentStatus.FAILED)


def household_pay_form(user, household, data=None) -> HouseholdCardPaymentForm | None:
    """The card's 到户补助 form for a finance user of the household's county (None for anyone else): the county's
    arrived money, the household's members and its own plan measures (never another household's)."""
    county = ancestor_at(household.region_id, 3)
    if not permissions.may(user, "manage_funds", region=county):
        return None
    allocations = selectors.spendable_allocations(user=user, county=county)[: selectors.SHOWN]
    members = household.members.filter(is_active=True).order_by("id").values_list("pk", "name")
    measures = [(m.pk, f"{m.year} {m.get_category_display()} {m.content}".strip())
                for m in selectors.household_measures(household)]  # fmt: skip
    return HouseholdCardPaymentForm(
        data,
        prefix="hpay",
        allocations=allocation_choices(allocations),
        members=list(members),
        measures=measures,
    )


@panel("household.card", template="funds/_household_panel.html", order=40)
def household_payments(request, household) -> dict | None:
    payments = selectors.for_household(user=request.user, household=household)
    shown = Shown.for_reader(request.user)
    may_set = permissions.may(request.user, "set_bank_account", region=household.region_id)
    pay_form = household_pay_form(request.user, household) if household.bank_account else None
    if not payments and not household.bank_account and not may_set:
        return None
    return {
        "payments": payments,
        "account": shown.value(BANK, household.bank_account),
        "bank_name": household.bank_name,
        "may_set_account": may_set,
        "pay_form": pay_form,
    }


# a project may be paid while it is built and after 验收; the retention (质保金) once settled or handed over
PAYABLE = SETTLING | {ProjectStage.SETTLED, ProjectStage.TRANSFERRED}


def allocation_choices(allocations) -> list[tuple[int, str]]:
    return [(a.pk, _("%(f)s（余额 %(b)s 元）") % {"f": a.fund, "b": a.balance}) for a in allocations]


@panel("project.detail", template="funds/_project_settle_panel.html", order=30)
def project_settle(request, project) -> dict | None:
    """报账 on the project's page: one money record (``services.project_payment_create``) per settlement, from the
    county's arrived money, with the project's payments so far. Shown to whoever may pay there."""
    user = request.user
    county = ancestor_at(project.region_id, 3)
    may_pay = (
        project.stage in PAYABLE
        and permissions.may(user, "settle_project", region=project.region_id)
        and permissions.may(user, "manage_funds", region=county)
    )
    payments = list(
        selectors.payment_list(user=user)
        .filter(project=project)
        .prefetch_related("receipts")[: selectors.SHOWN]
    )
    if not may_pay and not payments:
        return None
    form = None
    if may_pay:
        allocations = selectors.spendable_allocations(user=user, county=county)[: selectors.SHOWN]
        form = ProjectSettleForm(prefix="pay", allocations=allocation_choices(allocations))
    return {"project": project, "payments": payments, "form": form}


@receiver(year_open_items, dispatch_uid="funds-open-items")
def open_in_year(*, county: str, year: int, **_signal) -> list[OpenItems]:
    """Payments of the county's funds of ``year`` entered but not paid (pending, approved, at the bank, failed)."""
    rows = Payment.objects.filter(region__code__range=subtree_range(county), year=year, status__in=UNPAID)
    per = dict(rows.values_list("region_id").annotate(n=Count("id")).order_by())
    return [OpenItems(_("未支付完毕的扶贫资金支出"), per, reverse("funds:payments"))]


@work_source
def funds_work(user) -> list[WorkItem]:
    """工作台: payments waiting for approval, open supervision alerts, and money idle beyond the policy's days."""
    items = []
    if permissions.may(user, "manage_funds"):
        pending = capped(selectors.payment_list(user=user, status=PaymentStatus.PENDING))
        items.append(
            WorkItem(_("待审核的资金支出"), pending, f"{reverse('funds:payments')}?status=pending", order=10)
        )
        idle = capped(selectors.idle_allocations(user=user))
        items.append(WorkItem(_("到位后滞留未支出的资金"), idle, reverse("funds:idle"), due=_("已超过规定天数"),
                              urgent=True, order=9))  # fmt: skip
    if permissions.may(user, "manage_funds") or permissions.may(user, "supervise"):
        alerts = capped(selectors.alert_list(user=user, state=AlertState.OPEN))
        items.append(
            WorkItem(_("待核查的监督预警"), alerts, f"{reverse('funds:alerts')}?state=open", order=11)
        )
    return items
