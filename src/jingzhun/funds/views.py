"""The funds pages: 支出进度 (the figure and the list behind it), funds and their allocations (what-if preview,
then fixed), a county's payments (to projects, households, the management fee), approval, bank batches and
return files, supervision alerts and their resolution, the village cadres' list and the public notices. Thin:
reads through ``selectors``/``for_user`` (404 outside scope), writes through ``services``."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.codes import NATIONAL_CODE, ancestor_at, subtree_range
from jingzhun.core.csvexport import csv_download
from jingzhun.core.downloads import audited_file_response, record_download
from jingzhun.core.masking import BANK, Shown
from jingzhun.core.pagination import request_page
from jingzhun.core.panels import provided
from jingzhun.core.params import ticked_ids
from jingzhun.core.uploads import upload_size
from jingzhun.core.webwrites import Refused, act, attempt, form_refused
from jingzhun.identification.choices import ObjectionStatus
from jingzhun.imports.reader import FileRejected, read_tables
from jingzhun.projects.models import Project
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import region_for_user
from jingzhun.registry.models import Household
from jingzhun.registry.services import household_bank_account_set

from . import selectors, services
from .choices import AlertState, PaymentStatus, Source, Stage
from .forms import (
    AlertFilter,
    AmountForm,
    BankAccountForm,
    CloseForm,
    FeeForm,
    FundForm,
    FundPolicyForm,
    FundRuleForm,
    HouseholdPaymentForm,
    NoticeForm,
    ObjectionResolveForm,
    PaymentFilter,
    ProjectPaymentForm,
    ProjectSettleForm,
    ReopenForm,
    UploadForm,
)  # fmt: skip
from .models import Allocation, FundObjection, Notice, PaymentBatch, PaymentReceipt, VillageCadre
from .panels import allocation_choices, household_pay_form

APPROVE_LIMIT = 500  # payments approved at once


def _year(request) -> int:
    text = request.GET.get("year", "")
    return (
        int(text)
        if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100
        else timezone.localdate().year
    )


def _shown_region(request) -> tuple[str, int]:
    """The region the home page shows (?region=CODE, default the reader's own; the whole country for a national
    reader) and its level (0 national … 3 county): 404 for a malformed code, one outside the reader's scope, or
    one below a county (money is allocated to counties)."""
    user = request.user
    text = request.GET.get("region", "")
    if not text:
        return (user.region_id, user.level) if user.region_id else (NATIONAL_CODE, 0)
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise Http404
    code = text.ljust(12, "0")
    if code == NATIONAL_CODE:
        if user.region_id:
            raise Http404
        return code, 0
    region = region_for_user(user=user, code=code)
    if region.level > 3:
        raise Http404
    return code, region.level


@login_required
def home(request):
    """支出进度: above a county (national, province, city readers, or a region they drill into) per child region
    from the analytics rollup, each row leading one level down; for a county (and a county reader) live per fund
    with the industry share."""
    year = _year(request)
    code, level = _shown_region(request)
    user = request.user
    context = {"year": year, "code": code, "level": level,
               "alerts": selectors.alert_counts(user=user, within=None if level == 0 else subtree_range(code))}  # fmt: skip
    # below the reader's own region: the way back up, as far as it
    if code != (user.region_id or NATIONAL_CODE):
        context["up"] = NATIONAL_CODE if level == 1 else ancestor_at(code, level - 1)
    if level < 3:
        context["children"] = selectors.children_progress(user=user, code=code, year=year)
        context["dashboard_url"] = provided("region.dashboard_url", lambda **_kw: "")(code=code, year=year)
        context["name"] = (
            _("全国")
            if level == 0
            else Region.objects.public().filter(code=code).values_list("name", flat=True).first()
        )
        return render(request, "funds/home_regions.html", context)
    rows = selectors.progress(user=user, year=year, county=code if level == 3 else None)
    return render(
        request, "funds/home.html", {**context, "rows": rows, "total": selectors.progress_total(rows)}
    )


@login_required
def fund_list(request):
    form = FundForm(request.POST or None, initial={"year": timezone.localdate().year}, user=request.user)
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            region = (
                Region.objects.for_user(request.user).filter(code=d["region"]).first()
                if d["region"]
                else None
            )
            try:
                fund = attempt(
                    request,
                    lambda: services.fund_register(
                        user=request.user,
                        source=d["source"],
                        year=d["year"],
                        document_number=d["document_number"],
                        title=d["title"],
                        amount=d["amount"],
                        region=region,
                    ),
                    _("资金已登记。"),
                    form,
                )
            except Refused:
                pass
            else:
                return redirect("funds:fund", pk=fund.pk)
        else:
            form_refused(request, form)
    funds = selectors.fund_list(user=request.user)[: selectors.SHOWN]
    return render(request, "funds/fund_list.html", {"funds": funds, "form": form})


def _allocate(request, holder):
    """The what-if preview (GET with an amount) and the fixing of the previewed split (POST)."""
    preview, form = None, AmountForm(request.GET if "amount" in request.GET else None)
    if request.method == "POST":
        amounts = {k.removeprefix("amount_"): v for k, v in request.POST.items() if k.startswith("amount_")}
        act(
            request,
            lambda: services.allocations_fix(
                user=request.user,
                holder=holder,
                amounts=amounts,
                document_number=request.POST.get("document_number", ""),
            ),
            _("资金已下达。"),
        )
        return True, None, form
    if form.is_bound and form.is_valid():
        try:
            preview = services.allocation_preview(
                user=request.user, holder=holder, amount=form.cleaned_data["amount"]
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error("amount", exc.messages if isinstance(exc, ValidationError) else str(exc))
    return False, preview, form


@login_required
def fund_detail(request, pk: int):
    fund = get_object_or_404(selectors.fund_list(user=request.user), pk=pk)
    done, preview, form = _allocate(request, fund)
    if done:
        return redirect("funds:fund", pk=pk)
    allocations = selectors.allocation_list(user=request.user, fund=fund)[: selectors.SHOWN]
    # the fund's own government allocates it: a central fund only the national level (whose scope holds the
    # national code), never a provincial user who reads it through their own province's allocation
    may_allocate = permissions.may(request.user, "manage_funds", region=fund.region_id or NATIONAL_CODE)
    return render(
        request, "funds/fund_detail.html",
        {"fund": fund, "allocations": allocations, "preview": preview, "form": form, "may_allocate": may_allocate},
    )  # fmt: skip


PAYMENT_FORMS = {"household": HouseholdPaymentForm, "project": ProjectPaymentForm, "fee": FeeForm}


def _pay(request, allocation: Allocation, kind: str, form, project: Project | None = None) -> None:
    d = form.cleaned_data
    user = request.user
    if kind == "project" and project is None:
        project = Project.objects.for_user(user).filter(pk=d["project"]).first()
    if kind == "household":
        write = lambda: services.household_payment_create(  # noqa: E731
            user=user, allocation=allocation, id_number=d["id_number"], amount=d["amount"], purpose=d["purpose"],
            category=d["category"],
        )  # fmt: skip
    elif kind == "project":
        if project is None:
            form.add_error("project", _("没有该项目，或不在您的管辖范围内。"))
            form_refused(request, form)
            return
        write = lambda: services.project_payment_create(  # noqa: E731
            user=user, allocation=allocation, project=project, stage=d["stage"], category=d["category"],
            amount=d["amount"], purpose=d["purpose"], payee_name=d["payee_name"], bank_name=d["bank_name"],
            bank_account=d["bank_account"], receipts=d.get("receipts") or [], receipts_note=d.get("receipts_note", ""),
        )  # fmt: skip
    else:
        write = lambda: services.fee_payment_create(  # noqa: E731
            user=user, allocation=allocation, amount=d["amount"], purpose=d["purpose"], payee_name=d["payee_name"],
            bank_name=d["bank_name"], bank_account=d["bank_account"],
        )  # fmt: skip
    act(request, write, _("支出已录入，待审核。"))


@login_required
@require_POST
def project_settle(request, pk: int):
    """报账 from the project's page (its funds panel): a payment of the project from the chosen arrived money of
    its county — the one write that also records the project's settlement (404 for a project outside scope)."""
    project = get_object_or_404(Project.objects.for_user(request.user), pk=pk)
    county = ancestor_at(project.region_id, services.COUNTY)
    allocations = selectors.spendable_allocations(user=request.user, county=county)
    form = ProjectSettleForm(
        request.POST,
        request.FILES,
        prefix="pay",
        allocations=allocation_choices(allocations[: selectors.SHOWN]),
    )
    if form.is_valid():
        allocation = allocations.get(pk=form.cleaned_data["allocation"])
        _pay(request, allocation, "project", form, project=project)
    else:
        form_refused(request, form)
    return redirect("projects:detail", pk=project.pk)


@login_required
def receipt_download(request, pk: int):
    """A receipt of a 报账 payment, read in the reader's scope (404 outside it) and audited under the payment."""
    receipt = get_object_or_404(PaymentReceipt.objects.for_user(request.user), pk=pk)
    return audited_file_response(
        request.user,
        receipt,
        receipt.file,
        filename=receipt.name,
        root=f"funds.payment:{receipt.payment_id}",
        region_code=receipt.scope_code(),
    )  # fmt: skip (an attachment: an uploaded file is never shown inline in the application's origin)


@login_required
@require_POST
def household_pay(request, household_pk: int):
    """到户补助 from the household's card (its funds panel): to one of its members, optionally paying one of its
    own plan measures (counted once, through the measure). 404 outside scope."""
    household = get_object_or_404(Household.objects.for_user(request.user), pk=household_pk)
    form = household_pay_form(request.user, household, request.POST)
    if form is None:
        raise PermissionDenied(_("只有本县财政人员可以发放到户补助。"))
    if form.is_valid():
        d = form.cleaned_data
        allocation = get_object_or_404(Allocation.objects.for_user(request.user), pk=d["allocation"])
        member = household.members.get(pk=d["member"])
        measure = next((m for m in selectors.household_measures(household) if m.pk == d["measure"]), None)
        act(
            request,
            lambda: services.household_payment_create(
                user=request.user, allocation=allocation, id_number=member.id_number, amount=d["amount"],
                purpose=d["purpose"], category=d["category"], measure=measure,
            ),
            _("支出已录入，待审核。"),
        )  # fmt: skip
    else:
        form_refused(request, form)
    return redirect("registry:household_detail", pk=household.pk)


@login_required
def allocation_detail(request, pk: int):
    allocation = get_object_or_404(selectors.allocation_list(user=request.user), pk=pk)
    kind = request.POST.get("kind", "")
    if request.method == "POST" and request.POST.get("action") == "arrive":
        act(
            request,
            lambda: services.allocation_arrive(user=request.user, allocation=allocation),
            _("已登记资金到位。"),
        )
        return redirect("funds:allocation", pk=pk)
    if request.method == "POST" and kind in PAYMENT_FORMS:
        form = PAYMENT_FORMS[kind](request.POST, request.FILES)
        if form.is_valid():
            _pay(request, allocation, kind, form)
        else:
            form_refused(request, form)
        return redirect("funds:allocation", pk=pk)
    done, preview, form = _allocate(request, allocation)
    if done:
        return redirect("funds:allocation", pk=pk)
    payments = selectors.payment_list(user=request.user, allocation=allocation)[: selectors.SHOWN]
    return render(
        request, "funds/allocation_detail.html",
        {"allocation": allocation, "children": allocation.children.select_related("region").order_by("region_id"),
         "payments": payments, "preview": preview, "form": form,
         "may_manage": permissions.may(request.user, "manage_funds", region=allocation.region_id),
         "at_county": allocation.region.level == services.COUNTY,
         "household_form": HouseholdPaymentForm(), "project_form": ProjectPaymentForm(), "fee_form": FeeForm()},
    )  # fmt: skip


@login_required
def payment_list(request):
    user = request.user
    if request.method == "POST":
        if request.POST.get("action") == "batch":
            county = Region.objects.for_user(user).filter(code=request.POST.get("county", "")).first()
            if county is None:
                raise PermissionDenied(_("请选择本县。"))
            try:
                batch = attempt(
                    request,
                    lambda: services.batch_create(user=user, county=county),
                    _("已生成银行代发批次。"),
                )
            except Refused:
                return redirect("funds:payments")
            return redirect("funds:batch", pk=batch.pk)
        ids = ticked_ids(request, APPROVE_LIMIT)
        chosen = list(selectors.payment_list(user=user, status=PaymentStatus.PENDING).filter(pk__in=ids))
        act(
            request,
            lambda: services.payments_approve(user=user, payments=chosen),
            _("已审核 %(n)d 笔支出。") % {"n": len(chosen)},
        )
        return redirect(f"{request.path}?status=pending")
    form = PaymentFilter(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.payment_list(user=user, status=f.get("status", ""), kind=f.get("kind", ""))
    page, query = request_page(request, qs)
    counties = Region.objects.for_user(user).filter(level=3).order_by("code")[:50]
    return render(
        request, "funds/payment_list.html",
        {"form": form, "page": page, "query": query, "counties": counties,
         "may_manage": permissions.may(user, "manage_funds"), "shown": Shown.for_reader(user)},
    )  # fmt: skip


@login_required
@require_POST
def payment_reissue(request, pk: int):
    payment = get_object_or_404(selectors.payment_list(user=request.user), pk=pk)
    act(
        request,
        lambda: services.payment_reissue(user=request.user, payment=payment),
        _("已重新发放，待生成新批次。"),
    )
    return redirect("funds:payments")


def _rows_of(upload) -> list[list]:
    """The rows of an uploaded .xlsx/.csv, through the hostile-upload guards (size, package, cells)."""
    upload_size(upload)
    suffix = Path(upload.name or "").suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            sheets = read_tables(Path(tmp.name))
            rows = next(iter(sheets.rows.values()))
            return [list(r) for _i, r in zip(range(services.MAX_ROWS + 2), rows, strict=False)]
        except FileRejected as exc:
            raise ValidationError({"file": [str(exc)]}) from exc


def _batch(request, pk: int) -> PaymentBatch:
    return get_object_or_404(PaymentBatch.objects.for_user(request.user), pk=pk)


@login_required
def batch_detail(request, pk: int):
    batch = _batch(request, pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            act(
                request,
                lambda: services.batch_return(
                    user=request.user, batch=batch, rows=_rows_of(upload), file_name=upload.name or ""
                ),
                _("银行回盘已导入。"),
            )
        else:
            form_refused(request, form)
        return redirect("funds:batch", pk=pk)
    payments = batch.payments.select_related("region").order_by("id")[: selectors.SHOWN]
    counts = dict(batch.payments.values_list("status").annotate(n=Count("id")).order_by())
    notices = batch.notices.select_related("region").order_by("region_id")
    may_publish = (
        batch.returned_at is not None
        and not notices
        and permissions.may(request.user, "manage_funds", region=batch.county_id)
    )
    return render(
        request, "funds/batch_detail.html",
        {"batch": batch, "payments": payments, "counts": counts, "form": form, "shown": Shown.for_reader(request.user),
         "notices": notices, "may_publish": may_publish},
    )  # fmt: skip


@login_required
@require_POST
def batch_notices(request, pk: int):
    """到户补助 事后公告 of a returned batch, one per village, in one click (404 outside scope; the service says
    who may)."""
    batch = _batch(request, pk)
    act(
        request,
        lambda: services.batch_notices_publish(user=request.user, batch=batch),
        _("各村到户补助公告已发布。"),
    )
    return redirect("funds:batch", pk=pk)


@login_required
def batch_file(request, pk: int):
    """The bank's payment file of a batch: accounts in full for finance (the bank needs them), masked for
    anyone else; every download audited."""
    batch = _batch(request, pk)
    shown = Shown.for_reader(request.user)
    if not permissions.may(request.user, "manage_funds", region=batch.county_id):
        raise PermissionDenied(_("只有财政人员可以导出银行代发文件。"))
    name = f"代发批次{batch.reference}"
    record_download(
        request.user, batch, filename=f"{name}.csv", root=f"funds.paymentbatch:{batch.pk}",
        region_code=batch.county_id, changes={"full_personal_data": [None, shown.bank]},
    )  # fmt: skip
    rows = (
        [p.reference, p.payee_name, p.bank_name, shown.value(BANK, p.bank_account), str(p.amount), p.purpose]
        for p in batch.payments.order_by("id").iterator(chunk_size=2000)
    )
    return csv_download(name, ["流水号", "收款人", "开户银行", "账号", "金额", "用途"], rows)


@login_required
def idle_list(request):
    rows = selectors.idle_allocations(user=request.user)[: selectors.SHOWN]
    return render(request, "funds/idle.html", {"rows": rows, "today": timezone.localdate()})


@login_required
def alert_list(request):
    form = AlertFilter(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {"state": AlertState.OPEN}
    qs = selectors.alert_list(user=request.user, state=f.get("state", ""), kind=f.get("kind", ""))
    page, query = request_page(request, qs)
    return render(
        request, "funds/alert_list.html",
        {"form": form, "page": page, "query": query, "counts": selectors.alert_counts(user=request.user)},
    )  # fmt: skip


@login_required
def alert_detail(request, pk: int):
    alert = get_object_or_404(selectors.alert_list(user=request.user, state=""), pk=pk)
    reopening = request.POST.get("step") == "reopen"
    form = CloseForm(request.POST if request.method == "POST" and not reopening else None)
    reopen_form = ReopenForm(request.POST if reopening else None)
    if request.method == "POST":
        chosen, write, done = (
            (reopen_form, services.alert_reopen, _("预警已重新打开。"))
            if reopening
            else (form, services.alert_close, _("预警已办结。"))
        )
        if chosen.is_valid():
            act(
                request,
                lambda: write(user=request.user, alert=alert, reason=chosen.cleaned_data["reason"]),
                done,
            )
        else:
            form_refused(request, chosen)
        return redirect("funds:alert", pk=pk)
    may_supervise = permissions.may(request.user, "supervise", region=alert.region_id)
    return render(
        request, "funds/alert_detail.html",
        {"alert": alert, "form": form, "reopen_form": reopen_form,
         "steps": alert.steps.select_related("actor").order_by("id"),
         "may_close": alert.state == AlertState.OPEN and may_supervise,
         "may_reopen": alert.state == AlertState.CLOSED and may_supervise},
    )  # fmt: skip


@login_required
def cadre_list(request):
    user = request.user
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        county = Region.objects.for_user(user).filter(code=request.POST.get("county", ""), level=3).first()
        if county is None:
            raise PermissionDenied(_("请选择本县。"))
        if form.is_valid():
            act(request, lambda: services.cadres_load(user=user, county=county, rows=_rows_of(form.cleaned_data["file"])),
                _("村干部名单已导入。"))  # fmt: skip
        else:
            form_refused(request, form)
        return redirect("funds:cadres")
    cadres = (
        VillageCadre.objects.for_user(user)
        .select_related("region")
        .order_by("region_id", "id")[: selectors.SHOWN]
    )
    counties = Region.objects.for_user(user).filter(level=3).order_by("code")[:50]
    return render(
        request, "funds/cadres.html",
        {"cadres": cadres, "form": form, "counties": counties, "shown": Shown.for_reader(user),
         "may_upload": permissions.may(user, "supervise")},
    )  # fmt: skip


@login_required
def notice_list(request):
    user = request.user
    form = NoticeForm(
        request.POST or None, initial={"year": timezone.localdate().year, "region": user.region_id or ""},
        user=user,
    )  # fmt: skip
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            region = Region.objects.for_user(user).filter(code=d["region"]).first()
            if region is None:
                form.add_error("region", _("该区划不在您的管辖范围内。"))
                form_refused(request, form)
            else:
                act(
                    request,
                    lambda: services.notice_publish(
                        user=user,
                        region=region,
                        year=d["year"],
                        kind=d["kind"],
                        paid_from=d["paid_from"],
                        paid_to=d["paid_to"],
                    ),
                    _("公告已发布。"),
                )
        else:
            form_refused(request, form)
        return redirect("funds:notices")
    # every notice reachable, fifty a page by region (the staff lists' keyset cursor; a tampered one: page 1)
    page, query = request_page(request, Notice.objects.for_user(user).select_related("region"))
    objections = list(
        FundObjection.objects.for_user(user)
        .select_related("notice", "region")
        .order_by("status", "-id")[: selectors.SHOWN]
    )
    return render(
        request, "funds/notices.html",
        {"page": page, "query": query, "form": form, "objections": objections, "resolve_form": ObjectionResolveForm(),
         "may_resolve": {
             o.pk: o.status == ObjectionStatus.OPEN and permissions.may(user, "manage_funds", region=o.region_id)
             for o in objections
         }},
    )  # fmt: skip


@login_required
@require_POST
def objection_resolve(request, pk: int):
    """The county's finance decides an objection to a fund notice (404 outside scope)."""
    objection = get_object_or_404(FundObjection.objects.for_user(request.user), pk=pk)
    form = ObjectionResolveForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        act(
            request,
            lambda: services.objection_resolve(
                user=request.user, objection=objection, upheld=d["upheld"], reason=d["reason"]
            ),
            _("异议已处理。"),
        )
    else:
        form_refused(request, form)
    return redirect("funds:notices")


@login_required
def bank_account(request, household_pk: int):
    household = get_object_or_404(Household.objects.for_user(request.user), pk=household_pk)
    shown = Shown.for_reader(request.user)
    form = BankAccountForm(request.POST or None, initial={"bank_name": household.bank_name})
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                attempt(
                    request,
                    lambda: household_bank_account_set(
                        user=request.user,
                        household=household,
                        bank_name=d["bank_name"],
                        bank_account=d["bank_account"],
                    ),
                    _("一卡通账户已登记。"),
                    form,
                )
            except Refused:
                pass
            else:
                return redirect("registry:household_detail", pk=household.pk)
        else:
            form_refused(request, form)
    return render(
        request, "funds/bank_account.html",
        {"household": household, "form": form, "account": shown.value(BANK, household.bank_account)},
    )  # fmt: skip


POLICY_FIRST_YEAR = 2017  # the central special fund's rules (财农〔2017〕8号)


def _save(request, form, write, done: str) -> bool:
    """Run a policy write from a valid form; False (the messages shown) when the form or the service refuses."""
    if not form.is_valid():
        form_refused(request, form)
        return False
    try:
        attempt(request, write, done, form)
    except Refused:
        return False
    return True


@login_required
def policy_page(request):
    """扶贫资金政策参数: national administrators set the nation's rules (and any province's), a province's
    administrators their province's, from a year on — the fund-wide numbers, and the rules of each fund source
    (a province may override one source from a year). The page shows the rules of every source in force in the
    chosen year, their history year by year for the chosen scope, and every row set. Others get the 403 page."""
    user = request.user
    own = user.region_id[:2].ljust(12, "0") if user.region_id else None
    if not permissions.may(user, "set_fund_policy", region=own or NATIONAL_CODE):
        raise PermissionDenied(_("只有国家级和省级管理员可以设置扶贫资金政策参数。"))
    provinces = list(
        Region.objects.for_user(user).filter(level=1).order_by("code").values_list("code", "name")
    )
    choices = ([] if own else [("", _("全国"))]) + provinces
    data = request.POST if request.method == "POST" else request.GET
    province = data.get("province") if data.get("province") in {c for c, _n in provinces} else own
    year = _year(request)
    wanted = data.get("fund_source") or data.get("source_shown")
    source = wanted if wanted in Source.values else Source.CENTRAL
    code = province or NATIONAL_CODE
    current = selectors.policy_for(region_code=code, year=year)
    rule = selectors.rule_for(region_code=code, year=year, source=source)
    part = request.POST.get("part", "policy") if request.method == "POST" else None
    form = FundPolicyForm(
        request.POST if part == "policy" else None, provinces=choices,
        initial={"year": year, "province": province or "", **FundPolicyForm.initial_of(current)},
    )  # fmt: skip
    rule_form = FundRuleForm(
        request.POST if part == "rule" else None, provinces=choices, auto_id="rule_%s",
        initial={"year": year, "province": province or "", **FundRuleForm.initial_of(rule)},
    )  # fmt: skip
    if part == "policy" and _save(
        request, form,
        lambda: services.policy_set(
            user=user, year=form.cleaned_data["year"], province=form.cleaned_data["province"] or None,
            **form.values(),
        ),
        _("扶贫资金政策参数已保存。"),
    ):  # fmt: skip
        query = f"?year={form.cleaned_data['year']}&province={form.cleaned_data['province'] or ''}"
        return redirect(reverse("funds:policy") + query)
    if part == "rule" and _save(
        request, rule_form,
        lambda: services.rule_set(
            user=user, year=rule_form.cleaned_data["year"], province=rule_form.cleaned_data["province"] or None,
            source=rule_form.cleaned_data["fund_source"], **rule_form.values(),
        ),
        _("扶贫资金使用规则已保存。"),
    ):  # fmt: skip
        d = rule_form.cleaned_data
        query = f"?year={d['year']}&province={d['province'] or ''}&source_shown={d['fund_source']}"
        return redirect(reverse("funds:policy") + query)
    last = max(timezone.localdate().year, year)
    in_force = [
        (y, selectors.policy_for(region_code=code, year=y)) for y in range(last, POLICY_FIRST_YEAR - 1, -1)
    ]
    history = selectors.rules_by_year(region_code=code, years=range(last, POLICY_FIRST_YEAR - 1, -1))
    rules_now = next((found for y, found in history if y == year), None)
    if rules_now is None:
        rules_now = selectors.rules_by_year(region_code=code, years=range(year, year + 1))[0][1]
    codes = [c for c, _n in provinces]
    return render(
        request, "funds/policy.html",
        {"form": form, "rule_form": rule_form, "current": current, "year": year, "rule": rule,
         "rules_now": [(r, _stages_shown(r)) for r in rules_now], "history": history,
         "sources": Source.choices, "in_force": in_force, "rows": selectors.policy_rows(provinces=codes),
         "rule_rows": selectors.rule_rows(provinces=codes), "province": province or "",
         "scope": dict(choices).get(province or "", _("全国"))},
    )  # fmt: skip


def _stages_shown(rule) -> list[tuple[str, str]]:
    return [(Stage(n).label if n in Stage.values else n, share) for n, share in rule.stages]
