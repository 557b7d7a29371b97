"""Staff pages of identification: applications and their steps, the 公示/公告 lists, the objection queue,
overdue steps and the procedure parameters. Every write goes through ``services``; refusals come back as
messages, and nothing is changed."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core import masking
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.core.downloads import audited_file_response
from jingzhun.core.masking import Shown
from jingzhun.core.pagination import request_page
from jingzhun.core.params import ticked_ids
from jingzhun.core.webwrites import Refused, act, attempt
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household
from jingzhun.registry.selectors import latest_data_year

from . import crosscheck, quotas, rules, selectors, services
from .choices import (
    LIST_TITLES,
    TERMINAL_STAGES,
    ApplicationKind,
    ObjectionStatus,
    Procedure,
    Round,
    Stage,
    StepKind,
)
from .forms import (
    ApplicationFilterForm,
    ApplyForm,
    ApprovalForm,
    ConsentForm,
    DecisionForm,
    DeliberateForm,
    DeptListForm,
    ExplainForm,
    OverrideForm,
    PolicyForm,
    QuotaForm,
    ReasonForm,
    ResolveForm,
    StaffObjectionForm,
    VerifyForm,
)
from .models import Application, CrossCheckFlag, Objection, Publicity, PublicityEntry, Step


@login_required
def application_list(request):
    form = ApplicationFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    qs = selectors.application_list(
        user=request.user, stage=data.get("stage", ""), q=data.get("q", ""), kind=data.get("kind", "")
    )
    page, query = request_page(request, qs)
    counts = selectors.stage_counts(user=request.user)
    return render(
        request,
        "identification/application_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "counts": [(s, label, counts.get(s, 0)) for s, label in Stage.choices],
            "round": selectors.round_for(request.user),
        },
    )


APPLY_TITLES = {
    ApplicationKind.INCLUDE: gettext_lazy("发起识别申请"),
    ApplicationKind.EXIT: gettext_lazy("提出脱贫退出"),
    ApplicationKind.RETURN: gettext_lazy("提出返贫"),
}
APPLY_DONE = {
    ApplicationKind.INCLUDE: gettext_lazy("已登记识别申请。"),
    ApplicationKind.EXIT: gettext_lazy("已登记脱贫退出申请，下一步：民主评议。"),
    ApplicationKind.RETURN: gettext_lazy("已登记返贫申请，下一步：入户核实。"),
}


BATCH_APPLICATIONS = 200


@login_required
@require_POST
def application_create_many(request):
    """农户申请 for the households ticked on the household list (the village's own operator): one application
    each, for this year, through the same service; those that cannot apply are named with the reason."""
    ids = ticked_ids(request, BATCH_APPLICATIONS)[:BATCH_APPLICATIONS]
    households = list(
        Household.objects.for_user(request.user, "change").filter(pk__in=ids).order_by("number")
    )
    if not households:
        messages.error(request, _("请先在名单中勾选要发起识别申请的户。"))
        return redirect("registry:household_list")
    year, started, refused = timezone.localdate().year, 0, []
    for household in households:
        try:
            services.application_create(user=request.user, household=household, year=year)
            started += 1
        except (ValidationError, PermissionDenied) as exc:
            reason = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            refused.append(f"{household.number} {household.head_name}：{reason}")
    if started:
        messages.success(request, _("已为 %(n)d 户发起 %(y)d 年度识别申请。") % {"n": started, "y": year})
    if refused:
        messages.error(
            request, _("以下 %(n)d 户未发起：%(l)s") % {"n": len(refused), "l": "；".join(refused[:20])}
        )
    return redirect(f"{reverse('identification:list')}?stage=applied")


@login_required
def application_create(request, household_pk: int, kind: str = ApplicationKind.INCLUDE):
    household = get_object_or_404(Household.objects.for_user(request.user, "change"), pk=household_pk)
    where = {"level": RegionLevel.VILLAGE, "region": household.region_id, "what": str(StepKind.APPLY.label)}
    on_behalf = _on_behalf(request.user, **where)
    if not on_behalf:
        permissions.require(request.user, "take_step", **where)  # the form only for those who may apply
    # a scan sent without 代录 is kept for the service to refuse, never dropped silently
    form = ApplyForm(
        request.POST or None, request.FILES or None, on_behalf=on_behalf or "proxy_scan" in request.FILES,
        kind=kind,
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with contextlib.suppress(Refused):
            created = attempt(
                request,
                lambda: services.application_create(
                    user=request.user,
                    household=household,
                    year=d["year"],
                    reason=d["reason"],
                    kind=kind,
                    proxy_scan=d.get("proxy_scan"),
                ),
                str(APPLY_DONE[kind]),
                form,
            )
            return redirect("identification:detail", pk=created.pk)
    return render(
        request,
        "identification/apply.html",
        {"household": household, "form": form, "title": APPLY_TITLES[kind], "kind": kind},
    )


STEP_FORMS = {
    StepKind.VERIFY: VerifyForm,
    StepKind.DELIBERATE: DeliberateForm,
    StepKind.TOWNSHIP_REVIEW: DecisionForm,
    StepKind.COUNTY_APPROVAL: ApprovalForm,
    StepKind.CONSENT: ConsentForm,
    StepKind.OVERRIDE: OverrideForm,
}


def _on_behalf(user, **where) -> bool:
    """Would ``user`` take this step by 代录 (for a lower level, from the paper record), not as its own?"""
    return not permissions.may(user, "take_step", **where) and permissions.may(
        user, "take_step", on_behalf=True, **where
    )


def _next_step(application: Application, user) -> tuple[str | None, bool]:
    """The single-household step this user could take now (None when it is not theirs to act), and whether the
    user would take it by 代录."""
    decisions = rules.procedure_for(application.kind).decisions
    kind = next((k for k, move in decisions.items() if move.source == application.stage), None)
    if kind is None:
        return None, False
    where = {"level": decisions[kind].level, "region": application.region_id}
    if permissions.may(user, "take_step", **where):
        return kind, False
    if _on_behalf(user, **where):
        return kind, True
    return None, False


@login_required
def application_detail(request, pk: int):
    application = get_object_or_404(
        Application.objects.for_user(request.user).select_related("household", "region"), pk=pk
    )
    household = application.household
    kind, on_behalf = _next_step(application, request.user)
    today = timezone.localdate()
    initial = {"on": today, "meeting_on": today}
    is_exit = application.kind == ApplicationKind.EXIT
    check = selectors.exit_check(household, year=application.year) if is_exit else None
    override = selectors.exit_override(application) if is_exit else ""
    # 县级审定: offered to the county on an exit waiting for its 公告 that the rule does not support
    asks_override = (
        is_exit
        and application.stage == Stage.COUNTY_APPROVED
        and not (check.verdict and check.verdict.supported)
        and not override
        and permissions.may(request.user, "take_step", level=RegionLevel.COUNTY, region=application.region_id)
    )
    return render(
        request,
        "identification/application_detail.html",
        {
            "application": application,
            "household": household,
            "phone": Shown.for_reader(request.user).value(masking.PHONE, household.phone),
            "verdict": None if is_exit else selectors.household_verdict(application),
            "check": check,
            "override": override,
            "override_form": OverrideForm() if asks_override else None,
            "blockers": selectors.exit_blockers(application)
            if is_exit and application.stage not in TERMINAL_STAGES
            else [],
            "steps": application.steps.select_related("actor").order_by("at", "id"),
            "entries": application.entries.select_related("publicity").order_by("id"),
            "flags": application.flags.select_related("member").order_by("id"),
            "explain_form": ExplainForm(),
            "kind": kind,
            "kind_label": StepKind(kind).label if kind else "",
            "form": STEP_FORMS[kind](initial=initial, on_behalf=on_behalf) if kind else None,
            "on_behalf": on_behalf,
        },
    )


@login_required
@require_POST
def application_step(request, pk: int, kind: str):
    application = get_object_or_404(Application.objects.for_user(request.user), pk=pk)
    if kind not in STEP_FORMS:
        raise Http404
    _next, on_behalf = _next_step(application, request.user)
    # the scan is asked for under 代录; sent otherwise it reaches the service, which refuses it (never dropped)
    asks_scan = (on_behalf and _next == kind) or "proxy_scan" in request.FILES
    form = STEP_FORMS[kind](request.POST, request.FILES, on_behalf=asks_scan)
    if not form.is_valid():
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, e)
        return redirect("identification:detail", pk=pk)
    d = form.cleaned_data
    user = request.user
    proxy = d.get("proxy_scan")
    writes = {
        StepKind.VERIFY: lambda: services.application_verify(
            user=user, application=application, passed=d["passed"], findings=d["findings"], on=d["on"],
            attachment=d.get("attachment"), proxy_scan=proxy,
        ),
        StepKind.DELIBERATE: lambda: services.application_deliberate(
            user=user, application=application, meeting_on=d["meeting_on"], attendance=d["attendance"],
            votes_for=d["votes_for"], votes_against=d["votes_against"], minutes=d.get("minutes"), note=d["note"],
            proxy_scan=proxy,
        ),
        StepKind.TOWNSHIP_REVIEW: lambda: services.application_review(
            user=user, application=application, passed=d["passed"], note=d["note"]
        ),
        StepKind.COUNTY_APPROVAL: lambda: services.application_approve(
            user=user, application=application, passed=d["passed"], note=d["note"], override=d["override"]
        ),
        StepKind.CONSENT: lambda: services.application_consent(
            user=user, application=application, agreed=d["passed"], note=d["note"], on=d["on"],
            attachment=d.get("attachment"), proxy_scan=proxy,
        ),
        StepKind.OVERRIDE: lambda: services.exit_override(
            user=user, application=application, reason=d["override"]
        ),
    }  # fmt: skip
    act(request, writes[kind], _("「%(k)s」已办理。") % {"k": StepKind(kind).label})
    return redirect("identification:detail", pk=pk)


@login_required
def step_attachment(request, pk: int):
    step = get_object_or_404(
        Step.objects.for_user(request.user).select_related("application__household"), pk=pk
    )
    stored = (
        step.proxy_scan if request.GET.get("proxy") == "1" else step.attachment
    )  # the 代录 paper, or the step's
    household = step.application.household
    return audited_file_response(
        request.user, step, stored, root=f"registry.household:{household.pk}", region_code=household.region_id,
    )  # fmt: skip


# --- lists ---------------------------------------------------------------------------------------------------


@login_required
def publicity_list(request):
    lists = Publicity.objects.for_user(request.user).select_related("region")
    page, _query = request_page(request, lists)
    return render(
        request,
        "identification/publicity_list.html",
        {"page": page, "opens": selectors.rounds_for(request.user), "today": timezone.localdate()},
    )


@login_required
def publicity_new(request):
    procedure = request.POST.get("procedure") or request.GET.get("procedure") or Procedure.IDENTIFICATION
    if procedure not in Procedure.values:
        raise Http404
    round = selectors.round_for(request.user, procedure)
    if round is None:
        messages.error(
            request,
            _(
                "公示由村级发起第一次公示、乡镇发起第二次公示、县级发布公告；脱贫退出由村级发起公示、县级发布公告；"
                "返贫由县级发布公告。您的账号不能发起。"
            ),
        )
        return redirect("identification:publicity_list")
    title = str(LIST_TITLES.get((procedure, round), Round(round).label))
    villages = Region.objects.for_user(request.user).filter(level=RegionLevel.VILLAGE)
    own = request.user.region
    if own is not None and own.level == RegionLevel.VILLAGE:
        village = own
    else:
        code = request.POST.get("village") or request.GET.get("village") or ""
        village = villages.filter(code=code).first() if code else None
    candidates = (
        list(selectors.list_candidates(user=request.user, village=village, round=round, procedure=procedure))
        if village
        else []
    )
    if request.method == "POST" and village is not None:
        chosen = [a for a in candidates if str(a.pk) in request.POST.getlist("applications")]
        with contextlib.suppress(Refused):
            created = attempt(
                request,
                lambda: services.publicity_open(
                    user=request.user, region=village, round=round, applications=chosen, procedure=procedure
                ),
                _("已发布%(r)s。") % {"r": title},
            )
            return redirect("identification:publicity_detail", pk=created.pk)
    return render(
        request,
        "identification/publicity_new.html",
        {
            "round": Round(round),
            "title": title,
            "procedure": procedure,
            "village": village,
            "candidates": candidates,
            "villages": selectors.villages_waiting(user=request.user, round=round, procedure=procedure),
        },
    )


@login_required
def publicity_detail(request, pk: int):
    publicity = get_object_or_404(Publicity.objects.for_user(request.user).select_related("region"), pk=pk)
    today = timezone.localdate()
    rule = rules.PROCEDURES[publicity.procedure].rounds[publicity.round]
    entries, objections = selectors.publicity_file(publicity, user=request.user)
    acts = permissions.may(request.user, "take_step", level=rule.level, region=publicity.region_id)
    return render(
        request,
        "identification/publicity_detail.html",
        {
            "publicity": publicity,
            "entries": entries,
            "objections": objections,
            "acts": acts,
            "can_close": acts and publicity.is_open and rules.period_over(publicity.last_day, today),
            "accepts": publicity.accepts_objections(today)
            and permissions.may(request.user, "record_objection", region=publicity.region_id),
            "objection_form": StaffObjectionForm(),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def publicity_close(request, pk: int):
    publicity = get_object_or_404(Publicity.objects.for_user(request.user), pk=pk)
    act(
        request,
        lambda: services.publicity_close(user=request.user, publicity=publicity),
        _("公示已结束，名单进入下一环节。"),
    )
    return redirect("identification:publicity_detail", pk=pk)


@login_required
@require_POST
def publicity_withdraw(request, pk: int, entry_pk: int):
    publicity = get_object_or_404(Publicity.objects.for_user(request.user), pk=pk)
    entry = get_object_or_404(PublicityEntry.objects.for_user(request.user), pk=entry_pk, publicity=publicity)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    act(
        request,
        lambda: services.publicity_withdraw(user=request.user, entry=entry, reason=reason),
        _("已撤出公示。"),
    )
    return redirect("identification:publicity_detail", pk=pk)


@login_required
@require_POST
def objection_create(request, pk: int):
    publicity = get_object_or_404(Publicity.objects.for_user(request.user), pk=pk)
    form = StaffObjectionForm(request.POST)
    if form.is_valid():
        entry = get_object_or_404(
            PublicityEntry.objects.for_user(request.user), pk=form.cleaned_data["entry"], publicity=publicity
        )
        d = form.cleaned_data
        act(
            request,
            lambda: services.objection_file(
                user=request.user, entry=entry, text=d["text"], name=d["name"], contact=d["contact"]
            ),
            _("异议已登记，转乡镇处理。"),
        )
    else:
        messages.error(request, _("请填写异议内容。"))
    return redirect("identification:publicity_detail", pk=pk)


# --- objections, overdue, policy -----------------------------------------------------------------------------


@login_required
def objection_list(request):
    status = request.GET.get("status", ObjectionStatus.OPEN)
    objections = selectors.objection_list(user=request.user, status=status)
    return render(
        request,
        "identification/objection_list.html",
        {
            "objections": objections,
            "status": status,
            "statuses": ObjectionStatus.choices,
            "form": ResolveForm(),
            "resolves": permissions.may(request.user, "take_step", level=rules.OBJECTION_LEVEL),
        },
    )


@login_required
@require_POST
def objection_resolve(request, pk: int):
    objection = get_object_or_404(Objection.objects.for_user(request.user), pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择处理结论并填写处理意见。"))
        return redirect("identification:objections")
    d = form.cleaned_data
    act(
        request,
        lambda: services.objection_resolve(
            user=request.user,
            objection=objection,
            upheld=d["upheld"],
            reason=d["reason"],
            action=d["action"] or "reverify",
        ),
        _("异议 %(r)s 已处理。") % {"r": objection.reference},
    )
    return redirect("identification:objections")


@login_required
def overdue(request):
    today = timezone.localdate()
    return render(
        request,
        "identification/overdue.html",
        {
            "townships": selectors.overdue_by_township(user=request.user, today=today),
            "applications": selectors.overdue_applications(user=request.user, today=today)[:200],
            "today": today,
        },
    )


@login_required
def policy(request):
    """公示天数 and step time limits: national admins set the national values, provincial admins their own."""
    user = request.user
    province = user.region_id if user.region_id else None
    is_admin = permissions.may(user, "set_policy", region=province or permissions.NATIONAL_CODE)
    current = selectors.procedure_policy(
        year=timezone.localdate().year, region_code=province or NATIONAL_CODE
    )
    form = PolicyForm(
        request.POST or None,
        initial={
            "year": current.year,
            "publicity_days": current.publicity_days,
            "step_days": current.step_days,
            "quota_margin_percent": current.quota_margin_percent,
            "gaps_qualify": current.gaps_qualify,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        with contextlib.suppress(Refused):
            attempt(
                request,
                lambda: services.procedure_policy_set(
                    user=user,
                    year=d["year"],
                    province=province,
                    publicity_days=d["publicity_days"],
                    step_days=d["step_days"],
                    quota_margin_percent=d["quota_margin_percent"],
                    gaps_qualify=d["gaps_qualify"],
                ),
                _("识别程序参数已保存。"),
                form,
            )
            return redirect("identification:policy")
    return render(
        request,
        "identification/policy.html",
        {"form": form, "is_admin": is_admin, "current": current, "scope": user.display_scope},
    )


@login_required
def crosscheck_page(request):
    """四不列: the county's department lists (upload for county users) and the flags waiting for explanation."""
    user = request.user
    is_county = permissions.may(user, "upload_list")
    if not (is_county or permissions.may(user, "view_crosscheck")):
        permissions.require(
            user, "view_crosscheck"
        )  # refused with the reason (village flags: on their cards)
    form = DeptListForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not is_county:
            raise PermissionDenied
        if form.is_valid():
            upload = form.cleaned_data["file"]
            with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as tmp:
                for chunk in upload.chunks():
                    tmp.write(chunk)
                tmp.flush()
                with contextlib.suppress(Refused):
                    dept_list, flagged = attempt(
                        request,
                        lambda: crosscheck.dept_list_upload(
                            user=user, county=user.region, kind=form.cleaned_data["kind"], path=Path(tmp.name),
                            file_name=upload.name, source=form.cleaned_data["source"],
                        ),
                        _("名单已导入。"),
                        form,
                    )  # fmt: skip
                    messages.info(
                        request,
                        _("%(n)s 行已导入，比对发现 %(f)d 条新疑点。")
                        % {"n": f"{dept_list.rows:,}", "f": flagged},
                    )
                    return redirect("identification:crosscheck")
    return render(
        request,
        "identification/crosscheck.html",
        {
            "lists": selectors.dept_lists(user=user, action="upload_list" if is_county else "view"),
            "flags": selectors.crosscheck_flags(user=user),
            "form": form if is_county else None,
            "explain_form": ExplainForm(),
            "can_explain": permissions.may(user, "explain_flag"),
        },
    )


@login_required
@require_POST
def flag_explain(request, pk: int):
    flag = get_object_or_404(CrossCheckFlag.objects.for_user(request.user), pk=pk)
    form = ExplainForm(request.POST)
    text = form.cleaned_data["explanation"] if form.is_valid() else ""
    act(
        request,
        lambda: crosscheck.flag_explain(user=request.user, flag=flag, explanation=text),
        _("疑点已说明。"),
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "identification:crosscheck"  # only back to a page of this site
    return redirect(back)


@login_required
def quota_page(request):
    """规模控制: the user's region and its children, quota against persons approved, and the split form."""
    user = request.user
    permissions.require(user, "view_quotas")
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or latest_data_year(user=user))
    except ValueError:
        year = latest_data_year(user=user)
    if request.method == "POST":
        form = QuotaForm(request.POST)
        if form.is_valid():
            code = form.cleaned_data["region"]
            region = get_object_or_404(Region.objects.for_user(user), code=code) if code else None
            act(
                request,
                lambda: quotas.quota_set(
                    user=user, year=year, persons=form.cleaned_data["persons"], region=region
                ),
                _("规模已保存。"),
            )
        else:
            messages.error(request, _("规模应为非负整数。"))
        return redirect(f"{request.path}?year={year}")
    top, rows = quotas.quota_rows(user=user, year=year)
    return render(
        request,
        "identification/quotas.html",
        {
            "year": year,
            "top": top,
            "rows": rows,
            "splits": permissions.may(user, "split_quota", level=user.level),
            "sets_national": permissions.may(user, "set_national_quota"),
        },
    )
