"""The monitoring pages: the dashboard (counts, late cases per township and county), clues, cases with their
procedure, the village 公示, and the departments' screening lists. Thin: reads through ``selectors``, writes
through ``services`` (refusals shown, nothing changed)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.assistance.models import Visit
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.core.downloads import audited_file_response
from jingzhun.core.pagination import request_page
from jingzhun.core.webwrites import Refused, act, attempt, form_refused
from jingzhun.identification.choices import Procedure, StepKind
from jingzhun.identification.rules import PROCEDURES
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

from . import rules, screening, selectors, services
from .choices import CaseState, ClueStatus
from .forms import (
    AcceptForm,
    AuthoriseForm,
    CaseFilter,
    ClearanceForm,
    ClueFilter,
    ClueForm,
    DecideForm,
    DeliberateForm,
    DismissForm,
    LineForm,
    PolicyForm,
    PublicityForm,
    ScreeningForm,
    VerifyForm,
)  # fmt: skip
from .models import Case, MonitoringLine

RULE = PROCEDURES[Procedure.MONITORING]


@login_required
def home(request):
    user = request.user
    return render(
        request,
        "monitoring/home.html",
        {
            "counts": selectors.counts(user=user),
            "states": CaseState.choices,
            "by_township": selectors.late_by(user=user, digits=9),
            "by_county": selectors.late_by(user=user, digits=6),
            "late": selectors.late_cases(user=user)[: selectors.SHOWN],
            "late_clues": selectors.late_clues(user=user)[: selectors.SHOWN],
        },
    )


@login_required
def clue_list(request):
    form = ClueFilter(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.clue_list(
        user=request.user, status=filters.get("status", ""), source=filters.get("source", "")
    )
    page, query = request_page(request, qs)
    return render(request, "monitoring/clue_list.html", {"form": form, "page": page, "query": query})


@login_required
def clue_new(request, household_pk: int | None = None):
    household = (
        get_object_or_404(Household.objects.for_user(request.user), pk=household_pk) if household_pk else None
    )
    visits = (
        list(Visit.objects.for_user(request.user).filter(household=household).select_related("cadre")[:20])
        if household
        else []
    )
    own = request.user.region_id if request.user.region_id and request.user.region.is_village else ""
    form = ClueForm(
        request.POST or None, visits=visits, user=request.user,
        initial={"village": request.GET.get("village", "") or own},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        visit = next((v for v in visits if v.pk == d["visit"]), None)
        village = (
            Region.objects.for_user(request.user).filter(code=d["village"]).first() if d["village"] else None
        )
        if household is not None and visit is None:
            village = Region.objects.for_user(request.user).get(code=household.region_id)
            head = household.members.filter(is_active=True, relationship="head").first()
            d["name"], d["id_number"] = household.head_name, head.id_number if head else ""
        try:
            clue = attempt(
                request,
                lambda: services.clue_report(
                    user=request.user,
                    village=village,
                    name=d["name"],
                    id_number=d["id_number"],
                    text=d["text"],
                    risk_types=d["risk_types"],
                    visit=visit,
                    reported_on=d["reported_on"],
                ),
                _("风险线索已登记，待乡镇受理。"),
                form,
            )
        except Refused:
            pass
        else:
            return redirect("monitoring:clue", pk=clue.pk)
    return render(request, "monitoring/clue_new.html", {"form": form, "household": household})


@login_required
def clue_detail(request, pk: int):
    clue = get_object_or_404(
        selectors.clue_list(user=request.user).select_related("case", "screening"), pk=pk
    )
    may_accept = clue.status == ClueStatus.PENDING and permissions.may(
        request.user, "accept_clue", region=clue.region_id
    )
    if request.method == "POST" and may_accept:
        if request.POST.get("action") == "dismiss":
            form = DismissForm(request.POST)
            if form.is_valid():
                act(request, lambda: services.clue_dismiss(user=request.user, clue=clue, reason=form.cleaned_data["reason"]),
                    _("已不予受理。"))  # fmt: skip
            else:
                form_refused(request, form)
            return redirect("monitoring:clue", pk=pk)
        form = AcceptForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                case = attempt(
                    request,
                    lambda: services.clue_accept(
                        user=request.user,
                        clue=clue,
                        kind=d["kind"],
                        risk_types=d["risk_types"],
                        note=d["note"],
                    ),
                    _("线索已受理，进入监测对象认定程序。"),
                )
            except Refused:
                return redirect("monitoring:clue", pk=pk)
            return redirect("monitoring:case", pk=case.pk)
        form_refused(request, form)
        return redirect("monitoring:clue", pk=pk)
    accept_form = AcceptForm(initial={"risk_types": clue.risk_types})
    return render(
        request,
        "monitoring/clue_detail.html",
        {"clue": clue, "may_accept": may_accept, "accept_form": accept_form, "dismiss_form": DismissForm()},
    )


@login_required
def case_list(request):
    form = CaseFilter(request.GET or None)
    f = form.cleaned_data if form.is_valid() else {}
    qs = selectors.case_list(
        user=request.user, state=f.get("state", ""), kind=f.get("kind", ""), q=f.get("q", ""),
        stage=f.get("stage", ""),
    )  # fmt: skip
    page, query = request_page(request, qs)
    return render(request, "monitoring/case_list.html", {"form": form, "page": page, "query": query})


STEP_FORMS = {
    "authorise": AuthoriseForm, "verify": VerifyForm, "deliberate": DeliberateForm, "review": DecideForm,
    "confirm": DecideForm, "clear": ClearanceForm,
}  # fmt: skip


def _next_action(case: Case, app) -> str | None:
    """The step the case waits for (the form the page offers)."""
    if case.state in (CaseState.MONITORED, CaseState.TRACKING):
        return "clear"
    if app is None:
        return None
    return {
        RULE.start: "verify",
        RULE.decisions[StepKind.VERIFY].target: "deliberate",
        RULE.decisions[StepKind.TOWNSHIP_REVIEW].source: "review",
        RULE.decisions[StepKind.CONFIRM].source: "confirm",
        RULE.rounds["first"].source: "publicity",
    }.get(app.stage)


def _figure(value):
    return None if value in (None, "", "None") else value


def _with_facts(steps) -> list:
    """Each verification's facts said again from its stored figures, in the reader's language (the facts kept
    in the step are in the language of whoever recorded it)."""
    steps = list(steps)
    for s in steps:
        details = s.details or {}
        s.facts = details.get("facts", [])
        if "income" in details:
            s.facts = rules.range_facts(
                income=_figure(details.get("income")), rigid_expenses=_figure(details.get("rigid_expenses")),
                line=_figure(details.get("line")),
            )  # fmt: skip
    return steps


@login_required
def case_detail(request, pk: int):
    case = get_object_or_404(selectors.case_list(user=request.user).select_related("period"), pk=pk)
    app = selectors.current(case)
    step = _next_action(case, app)
    level = {"verify": 5, "deliberate": 5, "publicity": 5, "clear": 5, "review": 4, "confirm": 3}.get(step)
    may_act = level is not None and permissions.may(
        request.user, "take_step", level=level, region=case.region_id
    )
    may_authorise = case.is_open and any(
        permissions.may(
            request.user, "take_step", level=RegionLevel.VILLAGE, region=case.region_id, on_behalf=b
        )
        for b in (False, True)
    )
    verdict = None
    if case.state in (CaseState.MONITORED, CaseState.TRACKING, CaseState.CLEARING):
        verdict = selectors.clearance_check(
            case, natural=case.natural, income=case.clear_income or case.income,
            rigid_expenses=case.clear_expenses if case.clear_expenses is not None else case.rigid_expenses,
        )  # fmt: skip
    return render(
        request,
        "monitoring/case_detail.html",
        {
            "case": case, "app": app, "step": step, "may_act": may_act, "may_authorise": may_authorise,
            "form": STEP_FORMS[step]() if step in STEP_FORMS else None,
            "authorise_form": AuthoriseForm(), "steps": _with_facts(selectors.steps_of(case)), "verdict": verdict,
            "clues": case.clues.order_by("reported_on", "id"),
            "measures": selectors.measures_received(case.household, since=case.first_clue_on),
            "measure_list": selectors.measures_of(case.household, since=case.first_clue_on)[: selectors.SHOWN],
            "line": selectors.monitoring_line(year=timezone.localdate().year, region_code=case.region_id),
            "policy": selectors.policy_for(region_code=case.region_id),
        },
    )  # fmt: skip


@login_required
@require_POST
def case_step(request, pk: int, action: str):
    case = get_object_or_404(selectors.case_list(user=request.user), pk=pk)
    if action not in STEP_FORMS:
        return redirect("monitoring:case", pk=pk)
    form = STEP_FORMS[action](request.POST, request.FILES)
    if not form.is_valid():
        form_refused(request, form)
        return redirect("monitoring:case", pk=pk)
    d, user = form.cleaned_data, request.user
    writes = {
        "authorise": lambda: services.case_authorise(user=user, case=case, scan=d["scan"], signed_on=d["signed_on"]),
        "verify": lambda: services.case_verify(
            user=user, case=case, passed=d["passed"], findings=d["findings"], income=d["income"],
            rigid_expenses=d["rigid_expenses"], happened=d["happened"],
        ),
        "deliberate": lambda: services.case_deliberate(
            user=user, case=case, meeting_on=d["meeting_on"], attendance=d["attendance"], votes_for=d["votes_for"],
            votes_against=d["votes_against"], note=d["note"],
        ),
        "review": lambda: services.case_review(user=user, case=case, passed=d["passed"], note=d["note"]),
        "confirm": lambda: services.case_confirm(user=user, case=case, passed=d["passed"], note=d["note"]),
        "clear": lambda: services.clearance_propose(
            user=user, case=case, natural=d["natural"], income=d["income"], rigid_expenses=d["rigid_expenses"],
            note=d["note"],
        ),
    }  # fmt: skip
    act(request, writes[action], _("已办理。"))
    return redirect("monitoring:case", pk=pk)


@login_required
def authorisation(request, pk: int):
    case = get_object_or_404(selectors.case_list(user=request.user), pk=pk)
    if not case.authorisation:
        return redirect("monitoring:case", pk=pk)
    return audited_file_response(
        request.user, case, case.authorisation, root=f"registry.household:{case.household_id}", region_code=case.region_id,
    )  # fmt: skip


@login_required
def publicity_new(request):
    villages = selectors.villages_ready(user=request.user)
    code = request.POST.get("village") or request.GET.get("village") or ""
    village = next((v for v in villages if v.code == code), None)
    cases = list(selectors.ready_for_publicity(user=request.user, village=village)) if village else []
    policy = selectors.policy_for(region_code=village.code if village else "")
    form = PublicityForm(request.POST or None, cases=cases, initial={"days": policy.publicity_days})
    if request.method == "POST" and village is not None and form.is_valid():
        d = form.cleaned_data
        chosen = [c for c in cases if c.pk in set(d["cases"])]
        try:
            publicity = attempt(
                request,
                lambda: services.publicity_open(
                    user=request.user, village=village, cases=chosen, starts_on=d["starts_on"], days=d["days"]
                ),
                _("公示已发布。"),
                form,
            )
        except Refused:
            pass
        else:
            return redirect("identification:publicity_detail", pk=publicity.pk)
    return render(
        request,
        "monitoring/publicity_new.html",
        {"villages": villages, "village": village, "form": form, "cases": cases, "policy": policy},
    )


@login_required
def screening_page(request):
    user = request.user
    may_upload = permissions.may(user, "upload_list", region=user.region_id) and user.region is not None
    form = ScreeningForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and may_upload and form.is_valid():
        upload = form.cleaned_data["file"]
        with tempfile.NamedTemporaryFile(suffix=Path(upload.name).suffix.lower()) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                done = attempt(
                    request,
                    lambda: screening.screening_upload(
                        user=user,
                        county=user.region,
                        department=form.cleaned_data["department"],
                        path=Path(tmp.name),
                        file_name=upload.name,
                    ),
                    _("名单已比对。"),
                    form,
                )
            except Refused:
                pass
            else:
                messages.info(
                    request,
                    _("共 %(r)d 行，本县在档 %(m)d 人，达到阈值生成线索 %(f)d 条。")
                    % {"r": done.rows, "m": done.matched, "f": done.flagged},
                )
                return redirect("monitoring:screening")
    page, query = request_page(request, selectors.screening_lists(user=user))
    return render(
        request,
        "monitoring/screening.html",
        {"form": form, "may_upload": may_upload, "page": page, "query": query},
    )


@login_required
def policy_page(request):
    """The monitoring line and parameters in force for the reader's province (or the nation); national and
    provincial administrators set their own."""
    user = request.user
    province = user.region_id[:2].ljust(12, "0") if user.region_id else None
    may_set = permissions.may(user, "set_policy", region=province or NATIONAL_CODE)
    year = timezone.localdate().year
    current = selectors.policy_for(region_code=province or NATIONAL_CODE, year=year)
    line_form = LineForm(request.POST if request.POST.get("form") == "line" else None, initial={"year": year})
    policy_form = PolicyForm(
        request.POST if request.POST.get("form") == "policy" else None,
        initial={f.name: getattr(current, f.name) for f in current._meta.concrete_fields if f.name != "id"}
        | {"year": year},
    )
    if request.method == "POST" and may_set:
        if line_form.is_bound and line_form.is_valid():
            d = line_form.cleaned_data
            act(request, lambda: services.monitoring_line_set(
                user=user, year=d["year"], amount=d["amount"], province=province, source=d["source"]),
                _("监测标准已保存。"))  # fmt: skip
            return redirect("monitoring:policy")
        if policy_form.is_bound and policy_form.is_valid():
            d = dict(policy_form.cleaned_data)
            y = d.pop("year")
            act(
                request,
                lambda: services.policy_set(user=user, year=y, province=province, **d),
                _("参数已保存。"),
            )
            return redirect("monitoring:policy")
        for form in (line_form, policy_form):
            if form.is_bound:
                form_refused(request, form)
    lines = MonitoringLine.objects.for_user(user).order_by("-year", "province_id")[:40]
    return render(
        request,
        "monitoring/policy.html",
        {
            "current": current, "lines": lines, "may_set": may_set, "line_form": line_form,
            "policy_form": policy_form, "scope": user.display_scope,
            "line": selectors.monitoring_line(year=year, region_code=province or NATIONAL_CODE),
        },
    )  # fmt: skip


@login_required
def warning_page(request):
    """预警: the households of a region ranked by their risk score, each with the reasons that raised it, for
    the cadres to visit first; the region is the user's own unless a narrower one in scope is asked for."""
    permissions.require(request.user, "view")
    asked = request.GET.get("region", "")
    region = Region.objects.for_user(request.user).filter(code=asked).first() if asked.isdigit() else None
    code = region.code if region else (request.user.region_id or NATIONAL_CODE)
    year, rows = selectors.warning_list(user=request.user, region=code if code != NATIONAL_CODE else "")
    return render(request, "monitoring/warning.html", {"year": year, "rows": rows, "region": region})
