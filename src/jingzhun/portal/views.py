"""The public pages (no login): per village the current and past 公示/公告 lists, an objection form and the
status of an objection by its reference number. Only what the policy allows is shown: household head's name,
village, household size, attribute and main cause — never ID numbers, phones, bank accounts, health details or
the names of other members. Plain HTML: readable on a phone without JavaScript."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from jingzhun.assessment import services as assessment
from jingzhun.assessment.models import ExitNotice, ExitObjection
from jingzhun.core.context import acting_as
from jingzhun.core.middleware import client_ip
from jingzhun.funds import selectors as funds_selectors
from jingzhun.funds import services as funds_services
from jingzhun.funds.models import FundObjection, Notice
from jingzhun.identification import services
from jingzhun.identification.choices import Procedure
from jingzhun.identification.models import Objection, Publicity
from jingzhun.identification.selectors import procedure_policy
from jingzhun.monitoring import services as monitoring
from jingzhun.monitoring.models import Clue
from jingzhun.projects import services as projects
from jingzhun.projects.models import ProjectNotice, ProjectObjection
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import guard
from .forms import LookupForm, PublicObjectionForm, ReferenceForm, SelfReportForm

PAGE = 30
MONITORING_WHAT = {
    Procedure.MONITORING: gettext_lazy("纳入防返贫监测对象"),
    Procedure.CLEARANCE: gettext_lazy("标注风险消除"),
}


def home(request):
    return render(
        request,
        "portal/region.html",
        {
            "region": None,
            "children": Region.objects.public().filter(level=RegionLevel.PROVINCE).order_by("code"),
        },
    )


LONGEST = 9  # digits of a page number read as typed; a longer number is past any end


def page_number(text) -> int:
    """A page parameter as typed: ASCII digits are the page asked for (more than LONGEST of them: past any end),
    anything else the first page; ``paged`` then clamps it into the list (below 1: the first page, past the end:
    the last)."""
    text = str(text or "").strip()
    if not (text.isascii() and text.isdigit()):
        return 1
    return int(text) if len(text) <= LONGEST else 10**LONGEST


def year_filter(text) -> int | None:
    """The year filter as typed: a year from 2000 to 2100, else none (every year)."""
    text = str(text or "").strip()
    year = int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None
    return year if year and 2000 <= year <= 2100 else None


def paged(request, queryset, param: str):
    """One page of a region's notices by its own parameter (``?funds_page=2``), PAGE rows newest first: a
    number past the end shows the last page, anything else not a page number the first — never an error page.
    The count behind the page total is the region's rows only (the region's index)."""
    paginator = Paginator(queryset, PAGE)
    number = min(max(page_number(request.GET.get(param)), 1), paginator.num_pages)
    page = paginator.page(number)
    others = request.GET.copy()
    others.pop(param, None)
    page.param, page.query = param, others.urlencode()
    return page


def region(request, code: str):
    """A region's page on the portal: its notices (a village's 公示公告 lists, a township's or county's 贫困村退出
    lists, the projects' and the funds' notices it published), every one kept online and browsable page by page,
    each list with its own page parameter; optionally one year. Above a village, its children to go down to."""
    region = get_object_or_404(Region.objects.public(), code=code)
    q = (request.GET.get("q") or "").strip()[:20]
    year = year_filter(request.GET.get("year"))
    today = timezone.localdate()
    context = {"region": region, "ancestors": region.ancestors(), "q": q, "year": year, "today": today}
    lists = Publicity.objects.public().filter(region=region)
    if region.level != RegionLevel.VILLAGE:  # a township's 贫困村退出 公示, a county's 公告
        lists = lists.filter(procedure=Procedure.VILLAGE_EXIT)
    # the projects' 公示 and 公告 published by this region (a village's, a township's, the county's)
    projects = ProjectNotice.objects.public().filter(region=region)
    funds = funds_selectors.notices_public(region=region)
    # a county's 贫困县退出 公示 by its province: on a county's page only
    exits = ExitNotice.objects.public().filter(region=region) if region.level == RegionLevel.COUNTY else None
    context["years"] = _notice_years(lists, projects, funds, exits)
    if year:
        lists, projects, funds, exits = (
            lists.filter(year=year),
            projects.filter(Q(project__year=year) | Q(revision__year=year)),
            funds.filter(year=year),
            exits.filter(year=year) if exits is not None else None,
        )
    lists = paged(request, lists.order_by("-starts_on", "-id"), "lists_page")
    context["lists" if region.level == RegionLevel.VILLAGE else "village_lists"] = lists
    context["project_notices"] = paged(request, projects.order_by("-starts_on", "-id"), "projects_page")
    context["fund_notices"] = paged(request, funds.order_by("-starts_on", "-id"), "funds_page")
    if exits is not None:
        context["exit_notices"] = paged(request, exits.order_by("-starts_on", "-id"), "exits_page")
    if region.level != RegionLevel.VILLAGE and q:
        lo, hi = region.subtree_range()
        context["children"] = (
            Region.objects.public()
            .filter(code__range=(lo, hi), level=RegionLevel.VILLAGE, name__contains=q)
            .order_by("code")[:50]
        )
    elif region.level != RegionLevel.VILLAGE:
        context["children"] = region.children.order_by("code")
    return render(request, "portal/region.html", context)


def _notice_years(lists, projects, funds, exits) -> list[int]:
    """The years the region's notices are of, newest first (the year filter's choices)."""
    years = set(lists.values_list("year", flat=True).distinct().order_by())
    # a project's notice is of its project's year, a 项目库年度调整公告 of its revision's
    of_year = Coalesce("project__year", "revision__year")
    years |= set(projects.annotate(of_year=of_year).values_list("of_year", flat=True).distinct().order_by())
    years |= set(funds.values_list("year", flat=True).distinct().order_by())
    if exits is not None:
        years |= set(exits.values_list("year", flat=True).distinct().order_by())
    return sorted(years - {None}, reverse=True)


@never_cache
def fund_notice(request, pk: int):
    """A fund notice (公告公示) as the public reads it: amounts by source and use, households counted, and in a
    village the subsidies to individuals with masked names. Kept online after its period; while it runs, the same
    objection form, challenge and rate limit as the households' lists and the projects' notices."""
    notice = get_object_or_404(Notice.objects.public().select_related("region"), pk=pk)
    return _notice_page(
        request,
        notice,
        funds_services.objection_file,
        "portal/fund_notice.html",
        {"today": timezone.localdate()},
    )


def _ask(form: PublicObjectionForm) -> PublicObjectionForm:
    """Put a fresh challenge on the form: each question is answered once, also when the page comes back."""
    form.question, token = guard.new_challenge()
    if form.is_bound:
        form.data = form.data.copy()
        form.data.update({"token": token, "answer": ""})
    else:
        form.initial["token"] = token
    return form


def _public_post(request, form, file, *, status_page: str = "portal:objection"):
    """A public post (an objection to a list or a notice, a household's self-report) through the one gate: the
    rate limit per address, the form, the challenge, then ``file(cleaned_data, ip)`` as the portal; the redirect
    to the reference's ``status_page``, or None with the reasons on ``form`` (by field where the service names
    one of the form's fields)."""
    ip = client_ip(request)
    if guard.over_limit(ip):
        form.is_valid()
        form.add_error(None, _("提交过于频繁，请一小时后再试。"))
    elif form.is_valid():
        d = form.cleaned_data
        if not guard.challenge_passed(d["token"], d["answer"]):
            form.add_error("answer", _("验证题答案不正确或已过期，请重新计算。"))
        else:
            try:
                with acting_as(None, source="portal", ip=ip):
                    filed = file(d, ip)
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
                for field, messages in errors.items():
                    form.add_error(field if field in form.fields else None, messages)
            else:
                return redirect(status_page, ref=filed.reference)
    return None


@never_cache
def publicity(request, pk: int):
    publicity = get_object_or_404(Publicity.objects.public().select_related("region"), pk=pk)
    entries = list(
        publicity.entries.filter(withdrawn=False)
        .select_related("application", "village_year__region__parent")
        .order_by("id")
    )
    accepts = publicity.accepts_objections(timezone.localdate())
    form = None
    if request.method == "POST":
        if not accepts:
            raise Http404
        form = PublicObjectionForm(request.POST, entries=entries)
        filed = _public_post(
            request, form,
            lambda d, ip: services.objection_file(
                user=None, entry=next(e for e in entries if e.pk == d["entry"]), text=d["text"], name=d["name"],
                contact=d["contact"], ip=ip,
            ),
        )  # fmt: skip
        if filed:
            return filed
    if accepts:
        form = _ask(form or PublicObjectionForm(entries=entries))
    return render(
        request,
        "portal/publicity.html",
        {
            "publicity": publicity,
            "ancestors": publicity.region.ancestors(),
            "entries": entries,
            "form": form,
            "accepts": accepts,
            # 监测对象公示 / 风险消除公示: what is proposed, and no attribute or cause columns (not poor households;
            # a cause may be a health status)
            "monitoring": MONITORING_WHAT.get(publicity.procedure, ""),
        },
    )


@never_cache
def project_notice(request, pk: int):
    """A project's 公示 or 公告: what it is, where, how much from which sources, who implements it, when, and
    the beneficiaries counted (never a name); the same objection form, challenge and rate limit as the
    households' lists while a 公示 runs."""
    notice = get_object_or_404(ProjectNotice.objects.public().select_related("region"), pk=pk)
    return _notice_page(
        request, notice, projects.objection_file, "portal/project_notice.html", {"facts": notice.facts}
    )


@never_cache
def exit_notice(request, pk: int):
    """A county's exit on its 省级公示: the county and the exit figures with their intervals and thresholds
    (no personal data); the same objection form, challenge and rate limit while it runs."""
    notice = get_object_or_404(ExitNotice.objects.public().select_related("region"), pk=pk)
    return _notice_page(
        request,
        notice,
        assessment.exit_objection_file,
        "portal/exit_notice.html",
        {"today": timezone.localdate(), "figures": assessment.exit_notice_rows(notice)},
    )


def _notice_page(request, notice, file_objection, template: str, context: dict):
    """A public notice page (a project's, a fund's) that takes objections while the notice runs, through the
    portal's one gate; after its period a POST is 404 and the page has no form."""
    accepts = notice.accepts_objections(timezone.localdate())
    form = None
    if request.method == "POST":
        if not accepts:
            raise Http404
        form = PublicObjectionForm(request.POST, entries=None)
        filed = _public_post(
            request, form,
            lambda d, ip: file_objection(
                user=None, notice=notice, text=d["text"], name=d["name"], contact=d["contact"], ip=ip
            ),
        )  # fmt: skip
        if filed:
            return filed
    if accepts:
        form = _ask(form or PublicObjectionForm(entries=None))
    context = {
        "notice": notice,
        "ancestors": notice.region.ancestors(),
        "form": form,
        "accepts": accepts,
        **context,
    }
    return render(request, template, context)


def lookup(request):
    form = LookupForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("portal:objection", ref=form.cleaned_data["ref"].strip().upper())
    return render(request, "portal/lookup.html", {"form": form})


def objection_status(request, ref: str):
    """Status only: the reference is the key, so the page shows nothing that the submitter did not know."""
    objection = (
        Objection.objects.public()
        .filter(reference=ref.upper()[:20])
        .select_related("entry__publicity")
        .first()
    ) or ProjectObjection.objects.public().filter(reference=ref.upper()[:20]).select_related("notice").first()
    objection = objection or (
        ExitObjection.objects.public()
        .filter(reference=ref.upper()[:20])
        .select_related("notice__region")
        .first()
    )
    fund = None
    if objection is None:
        fund = (
            FundObjection.objects.public()
            .filter(reference=ref.upper()[:20])
            .select_related("notice__region")
            .first()
        )
    return render(
        request,
        "portal/objection.html",
        {
            "objection": objection or fund,
            "fund": fund is not None,
            "ref": ref,
            "form": LookupForm(initial={"ref": ref}),
        },
        status=200 if objection else 404,
    )


def notice_print(request, pk: int):
    """The list as a notice for the village board (A4): the same text and rows as the page, with the
    supervision phone (12317 unless the province says otherwise) and the ways to object, as policy data."""
    publicity = get_object_or_404(Publicity.objects.public().select_related("region"), pk=pk)
    entries = list(
        publicity.entries.filter(withdrawn=False)
        .select_related("application", "village_year__region__parent")
        .order_by("id")
    )
    policy = procedure_policy(year=publicity.year, region_code=publicity.region_id)
    return render(
        request,
        "portal/notice_print.html",
        {
            "publicity": publicity,
            "entries": entries,
            "policy": policy,
            "monitoring": MONITORING_WHAT.get(publicity.procedure, ""),
        },
    )


# --- 防返贫监测: 农户自主申报 ----------------------------------------------------------------------------------------


def _self_report(d: dict, ip: str):
    village = Region.objects.public().filter(code=d["village"].strip(), level=RegionLevel.VILLAGE).first()
    if village is None:
        raise ValidationError({"village": _("没有这个村的区划代码，请在公示公告页面查到本村后再填写。")})
    return monitoring.clue_report(
        user=None, village=village, name=d["name"], id_number=d["id_number"], text=d["text"], phone=d["phone"],
        risk_types=d["risk_types"], ip=ip,
    )  # fmt: skip


@never_cache
def monitoring_report(request):
    """农户自主申报: a person reports a risk of falling (back) into poverty, without login, guarded like the
    objection form (challenge, rate limit per address); the answer is a reference number for the status page."""
    form = SelfReportForm(request.POST or None, initial={"village": request.GET.get("village", "")})
    if request.method == "POST":
        filed = _public_post(request, form, _self_report, status_page="portal:monitoring_status")
        if filed:
            return filed
    form = _ask(form)
    code = str(form["village"].value() or "").strip()  # the village page's link fills it: show it by name
    village = (
        Region.objects.public().filter(code=code, level=RegionLevel.VILLAGE).first()
        if code.isascii() and code.isdigit() and len(code) == 12
        else None
    )
    context = {"form": form, "village": village, "home_url": reverse("portal:home")}
    return render(request, "portal/monitoring_report.html", context)


def monitoring_lookup(request):
    form = ReferenceForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return redirect("portal:monitoring_status", ref=form.cleaned_data["ref"].strip().upper())
    return render(request, "portal/monitoring_status.html", {"form": form, "clue": None, "ref": ""})


def monitoring_status(request, ref: str):
    """The status of a self-reported clue by its reference: what was decided and where the case stands — no
    names, ID numbers or amounts (the reference is the key)."""
    clue = Clue.objects.public().filter(reference=ref.upper()[:20]).select_related("case").first()
    return render(
        request,
        "portal/monitoring_status.html",
        {"clue": clue, "ref": ref, "form": ReferenceForm(initial={"ref": ref})},
        status=200 if clue else 404,
    )
