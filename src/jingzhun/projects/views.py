"""The project library's pages: the list (filters, keyset pages, 新建), a project with its steps, notices and
the forms of the steps the reader may take, its entry items, the asset register, and the Excel export of the
library (no personal data). Thin: reads through ``selectors``, writes through ``services``."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jingzhun.accounts import permissions
from jingzhun.core.codes import NATIONAL_CODE, level_of
from jingzhun.core.downloads import audited_file_response
from jingzhun.core.pagination import request_page
from jingzhun.core.policy import in_force
from jingzhun.core.webwrites import Refused, act, attempt, form_refused
from jingzhun.identification.choices import ObjectionStatus
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

from . import selectors, services
from .choices import ENDED, OBJECTION_NOTICES, FundKind, RevisionState
from .forms import (
    AcceptForm,
    AssetFilter,
    AssetForm,
    DecideForm,
    DeclareForm,
    IncomeForm,
    NoteForm,
    ObjectionResolveForm,
    PolicyForm,
    ProgressForm,
    ProjectFilter,
    ProjectForm,
    ReasonForm,
    RevisionDecideForm,
    RevisionItemFilter,
    RevisionOpenForm,
    TargetForm,
)
from .models import ProjectObjection, ProjectPolicy, ProjectStep

BENEFICIARIES_LISTED = 300  # households offered on the beneficiaries form (a project's villages)
EXPORT_CAP = 20000  # rows of one library export
# 报账 is not a step form here: it is a payment of the funds app (its panel on this page), which records the
# settlement with the money — a settlement without a payment would not reconcile
STEP_FORMS = {
    "review": DecideForm, "appraise": DecideForm, "approve": DecideForm, "declare": DeclareForm, "notice": NoteForm,
    "plan": NoteForm, "progress": ProgressForm, "accept": AcceptForm, "transfer": AssetForm,
    "carry": ReasonForm, "withdraw": ReasonForm,
}  # fmt: skip
STEP_TITLES = {
    "notice": gettext_lazy("发布公示"),
    "declare": gettext_lazy("申报"),
    "review": gettext_lazy("乡镇审核"),
    "appraise": gettext_lazy("部门论证"),
    "approve": gettext_lazy("县级审定并公告入库"),
    "plan": gettext_lazy("列入年度计划"),
    "progress": gettext_lazy("报送实施进度"),
    "accept": gettext_lazy("竣工验收"),
    "transfer": gettext_lazy("资产移交"),
    "carry": gettext_lazy("结转下年度"),
    "withdraw": gettext_lazy("调出项目库"),
}  # titles in the reader's language: lazy, since the module is imported once, in whatever language


def _project(request, pk):
    return get_object_or_404(selectors.projects(user=request.user).select_related("region"), pk=pk)


@login_required
def project_list(request):
    form = ProjectFilter(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    if d.get("waiting"):
        rows = selectors.waiting(user=request.user).get(d["waiting"])
        rows = (rows if rows is not None else selectors.projects(user=request.user).none()).select_related(
            "region"
        )
    else:
        rows = selectors.project_list(
            user=request.user, year=d.get("year"), stage=d.get("stage", ""), category=d.get("category", ""),
            q=d.get("q", ""),
        )  # fmt: skip
    page, query = request_page(request, rows)
    return render(
        request,
        "projects/list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "may_create": permissions.may(request.user, "draft_project"),
        },
    )


def _regions_for(user):
    """The regions a user may declare for (their own and below, county to village), for the 新建 form."""
    rows = Region.objects.for_user(user).filter(
        level__in=(RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE)
    )
    return [(r.code, r.name) for r in rows.order_by("code")[:500]]


def _villages_under(code: str):
    """The villages a project declared by ``code`` may cover: the village itself, or those of the township or
    county."""
    prefix = code[: {RegionLevel.COUNTY: 6, RegionLevel.TOWNSHIP: 9}.get(level_of(code), 12)]
    rows = Region.objects.public().filter(
        level=RegionLevel.VILLAGE, code__startswith=prefix
    )  # names of places
    return [(r.code, r.name) for r in rows.order_by("code")[:500]]


@login_required
def project_new(request):
    if not permissions.may(request.user, "draft_project"):
        raise PermissionDenied(_("您的角色不能新建扶贫项目。"))
    regions = _regions_for(request.user)
    code = request.POST.get("region") or request.GET.get("region") or request.user.region_id or ""
    form = ProjectForm(
        request.POST or None, regions=regions, villages=_villages_under(code) if code else [],
        initial={"year": timezone.localdate().year, "region": code},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        region = Region.objects.for_user(request.user).filter(code=d["region"]).first()
        entry = {k: d[k] for k in services.ENTRY_FIELDS if k in d}
        try:
            project = attempt(
                request,
                lambda: services.project_create(
                    user=request.user,
                    region=region,
                    year=d["year"],
                    villages=d["villages"],
                    fundings=form.fundings(),
                    **entry,
                ),
                _("项目已保存为草拟。请填写绩效目标和受益户，再发布申报公示。"),
                form,
            )
        except Refused:
            pass
        else:
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/edit.html", {"form": form, "project": None})


@login_required
def project_edit(request, pk: int):
    project = _project(request, pk)
    if "edit" not in selectors.actions_for(request.user, project):
        raise Http404
    initial = {k: getattr(project, k) for k in services.ENTRY_FIELDS}
    initial["villages"] = list(project.villages.values_list("code", flat=True))
    initial.update({f"fund_{f.kind}": f.amount for f in project.fundings.all()})
    form = ProjectForm(
        request.POST or None, villages=_villages_under(project.region_id), editing=True, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        entry = {k: d[k] for k in services.ENTRY_FIELDS if k in d}

        def write():
            services.project_update(user=request.user, project=project, villages=d["villages"], **entry)
            services.fundings_set(user=request.user, project=project, fundings=form.fundings())

        try:
            attempt(request, write, _("项目要素已保存。"), form)
        except Refused:
            pass
        else:
            return redirect("projects:detail", pk=project.pk)
    return render(request, "projects/edit.html", {"form": form, "project": project})


@login_required
def project_detail(request, pk: int):
    project = _project(request, pk)
    user = request.user
    actions = selectors.actions_for(user, project)
    notices = list(project.notices.select_related("region").order_by("id"))
    objections = list(
        ProjectObjection.objects.for_user(user, selectors.read_action(user))
        .filter(notice__project=project)
        .select_related("notice", "region")
        .order_by("id")
    )
    beneficiaries = list(
        Household.objects.for_user(user)
        .filter(pk__in=project.beneficiaries.values("household_id"))
        .order_by("id")[:200]
    )
    candidates = []
    if "edit" in actions:
        villages = list(project.villages.values_list("code", flat=True)) or [project.region_id]
        candidates = list(
            Household.objects.for_user(user)
            .filter(region_id__in=villages)
            .order_by("region_id", "id")[:BENEFICIARIES_LISTED]
        )
    chosen = {h.pk for h in beneficiaries}
    forms = {a: STEP_FORMS[a](prefix=a) for a in actions if a in STEP_FORMS and a != "declare"}
    if "declare" in actions:
        forms["declare"] = DeclareForm(
            prefix="declare", on_behalf=selectors.declares_on_behalf(user, project)
        )
    if "accept" in forms:
        forms["accept"].initial["on"] = timezone.localdate()
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "steps": selectors.steps(user=user, project=project).select_related("project"),
            "notices": notices,
            "objections": objections,
            "may_resolve": {
                o.pk: o.status == ObjectionStatus.OPEN
                and permissions.may(user, "project_step", level=o.region.level, region=o.region_id)
                for o in objections
            },
            "resolve_form": ObjectionResolveForm(),
            "fundings": list(project.fundings.order_by("kind")),
            "targets": list(project.targets.all()),
            "counts": selectors.beneficiary_counts(project),
            "beneficiaries": beneficiaries,
            "candidates": [(h, h.pk in chosen) for h in candidates],
            "actions": actions,
            "forms": [(a, STEP_TITLES[a], forms[a]) for a in STEP_FORMS if a in forms],
            "target_form": TargetForm() if "edit" in actions else None,
            "assets": list(project.assets.all()),
            "ended": project.stage in ENDED,
            "objection_kinds": OBJECTION_NOTICES,
        },
    )


@login_required
@require_POST
def project_act(request, pk: int, action: str):
    """Every step of the lifecycle the detail page offers: validated by its form, done by its service."""
    project = _project(request, pk)
    user = request.user
    if action == "target":
        form = TargetForm(request.POST)
        if form.is_valid():
            act(
                request,
                lambda: services.target_add(user=user, project=project, **form.cleaned_data),
                _("绩效目标已添加。"),
            )
        else:
            form_refused(request, form)
        return redirect("projects:detail", pk=pk)
    if action == "beneficiaries":
        ids = [i for i in request.POST.getlist("ids") if i.isascii() and i.isdigit()][:BENEFICIARIES_LISTED]
        act(
            request,
            lambda: services.beneficiaries_set(user=user, project=project, household_ids=ids),
            _("受益户已保存。"),
        )
        return redirect("projects:detail", pk=pk)
    if action not in STEP_FORMS:
        raise Http404
    extra = {}
    if action == "declare":  # a scan sent without 代录 is kept for the service to refuse, never dropped
        extra["on_behalf"] = (
            selectors.declares_on_behalf(user, project) or "declare-proxy_scan" in request.FILES
        )
    form = STEP_FORMS[action](request.POST, request.FILES, prefix=action, **extra)
    if not form.is_valid():
        form_refused(request, form)
        return redirect("projects:detail", pk=pk)
    d = form.cleaned_data
    writes = {
        "notice": lambda: services.notice_open(user=user, project=project),
        "declare": lambda: services.declare(
            user=user, project=project, note=d.get("note", ""), proxy_scan=d.get("proxy_scan")
        ),
        "review": lambda: services.review(user=user, project=project, passed=d["passed"], note=d["note"]),
        "appraise": lambda: services.appraise(user=user, project=project, passed=d["passed"], note=d["note"]),
        "approve": lambda: services.approve(user=user, project=project, passed=d["passed"], note=d["note"]),
        "plan": lambda: services.plan(user=user, project=project, note=d.get("note", "")),
        "progress": lambda: services.progress_report(
            user=user, project=project, percent=d["percent"], note=d["note"], photo=d["photo"]
        ),
        "accept": lambda: services.accept(
            user=user, project=project, passed=d["passed"], team=d["team"], findings=d["findings"], on=d["on"]
        ),
        "transfer": lambda: services.transfer(user=user, project=project, assets=[d]),
        "carry": lambda: services.carry(user=user, project=project, reason=d["reason"]),
        "withdraw": lambda: services.withdraw(user=user, project=project, reason=d["reason"]),
    }
    act(request, writes[action], _("已办理：%(a)s。") % {"a": STEP_TITLES[action]})
    return redirect("projects:detail", pk=pk)


@login_required
@require_POST
def objection_resolve(request, pk: int):
    objection = get_object_or_404(
        ProjectObjection.objects.for_user(request.user, selectors.read_action(request.user)).select_related(
            "notice"
        ),
        pk=pk,
    )
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
    if objection.notice.revision_id:  # an objection to a county's 年度调整公告
        return redirect("projects:revision", pk=objection.notice.revision_id)
    return redirect("projects:detail", pk=objection.notice.project_id)


@login_required
def step_attachment(request, pk: int):
    """A step's photo or attachment (a site photo of 实施进度), read in the reader's scope and audited."""
    step = get_object_or_404(
        ProjectStep.objects.for_user(request.user, selectors.read_action(request.user)), pk=pk
    )
    document = step.proxy_scan if request.GET.get("proxy") else step.attachment  # 代录凭证 or the photo
    return audited_file_response(
        request.user, step, document, root=f"projects.project:{step.project_id}", region_code=step.scope_code(), as_attachment=False,
    )  # fmt: skip


@login_required
def export(request):
    """The library as an Excel workbook: the filtered projects with their sources and beneficiaries counted —
    no names, no ID numbers (so no personal data, no masking)."""
    import xlsxwriter

    if not permissions.may(request.user, "export"):
        raise PermissionDenied(_("您的角色不能导出名单。"))
    form = ProjectFilter(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    rows = (
        selectors.project_list(
            user=request.user, year=d.get("year"), stage=d.get("stage", ""), category=d.get("category", ""),
            q=d.get("q", ""),
        )
        .prefetch_related("fundings")
        .order_by("region_id", "id")[:EXPORT_CAP]
    )  # fmt: skip
    rows = list(rows)
    counts = selectors.counts_of(rows)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    sheet = book.add_worksheet(_("项目库"))
    money = book.add_format({"num_format": "#,##0.00"})
    head = [
        _("年度"), _("区划代码"), _("申报单位"), _("项目名称"), _("项目类别"), _("建设性质"), _("所处阶段"),
        _("责任单位"), _("实施单位"), _("计划开工"), _("计划完工"), _("概算投资（元）"),
        *[str(label) for label in FundKind.labels], _("已报账（元）"), _("实施进度（%）"), _("验收日期"),
        _("受益户数"), _("受益人口"), _("其中建档立卡人口"),
    ]  # fmt: skip
    sheet.write_row(0, 0, [str(h) for h in head])
    for i, p in enumerate(rows, start=1):
        funded = {f.kind: f.amount for f in p.fundings.all()}
        c = counts.get(p.pk, {})
        values = [
            p.year, p.region_id, p.region.name, p.name, str(p.get_category_display()), str(p.get_nature_display()),
            str(p.get_stage_display()), p.responsible_unit, p.implementer,
            p.starts_on.isoformat() if p.starts_on else "", p.ends_on.isoformat() if p.ends_on else "",
        ]  # fmt: skip
        sheet.write_row(i, 0, values)
        col = len(values)
        for amount in [p.budget, *[funded.get(k) for k in FundKind.values], p.settled]:
            if amount is not None:
                sheet.write_number(i, col, float(amount), money)  # the cell's type; the sums stay Decimal
            col += 1
        sheet.write_row(
            i, col,
            [p.progress, p.accepted_on.isoformat() if p.accepted_on else "", c.get("households", 0),
             c.get("persons", 0), c.get("poor_persons", 0)],
        )  # fmt: skip
    book.close()
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="projects.xlsx"'
    return response


@login_required
def asset_list(request):
    form = AssetFilter(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    page, query = request_page(
        request, selectors.assets(user=request.user, kind=d.get("kind", ""), year=d.get("year"))
    )
    return render(request, "projects/asset_list.html", {"form": form, "page": page, "query": query})


@login_required
def asset_detail(request, pk: int):
    asset = get_object_or_404(selectors.assets(user=request.user), pk=pk)
    may_distribute = asset.kind == "operating" and permissions.may(
        request.user, "manage_assets", region=asset.region_id
    )
    form = IncomeForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not may_distribute:
            raise PermissionDenied(_("您不能分配该资产的收益。"))
        if form.is_valid():
            d = form.cleaned_data
            try:
                attempt(
                    request,
                    lambda: services.income_distribute(
                        user=request.user, asset=asset, year=d["year"], amount=d["amount"], note=d["note"]
                    ),
                    _("收益已分配到受益户的资产收益扶贫分红。"),
                    form,
                )
            except Refused:
                pass
            else:
                return redirect("projects:asset", pk=asset.pk)
    households = list(
        Household.objects.for_user(request.user)
        .filter(pk__in=asset.beneficiaries.values("pk"))
        .order_by("id")[:200]
    )
    return render(
        request,
        "projects/asset_detail.html",
        {
            "asset": asset,
            "households": households,
            "incomes": list(asset.incomes.order_by("-year", "-id")),
            "form": form if may_distribute else None,
        },
    )


@login_required
def policy_page(request):
    """The library's parameters in force for the reader's province (or the nation): the days of a project's
    公示 (10 unless set); national and provincial administrators set their own from a year on."""
    user = request.user
    province = user.region_id[:2].ljust(12, "0") if user.region_id else None
    may_set = permissions.may(user, "set_policy", region=province or NATIONAL_CODE)
    year = timezone.localdate().year
    current = in_force(ProjectPolicy, region_code=province or NATIONAL_CODE, year=year, defaults=True)
    form = PolicyForm(request.POST or None, initial={"year": year, "publicity_days": current.publicity_days})
    if request.method == "POST":
        if not may_set:
            raise PermissionDenied(_("您的角色不能设置政策参数。"))
        if form.is_valid():
            d = form.cleaned_data
            act(
                request,
                lambda: services.policy_set(
                    user=user, year=d["year"], province=province, publicity_days=d["publicity_days"]
                ),
                _("参数已保存。"),
            )
            return redirect("projects:policy")
        form_refused(request, form)
    rows = (
        ProjectPolicy.objects.for_user(user).select_related("province").order_by("-year", "province_id")[:40]
    )
    return render(
        request,
        "projects/policy.html",
        {"current": current, "rows": rows, "form": form if may_set else None, "scope": user.display_scope},
    )


# --- 项目库年度调整 ---------------------------------------------------------------------------------------------


@login_required
def revision_list(request):
    """The yearly revisions of the libraries in the reader's scope (keyset pages), and for a county's project
    manager the form that opens the revision of a year."""
    user = request.user
    may_open = bool(user.region_id) and permissions.may(user, "revise_library", region=user.region_id)
    form = RevisionOpenForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        if not may_open:
            raise PermissionDenied(_("只有县级项目管理人员可以开展项目库年度调整。"))
        if form.is_valid():
            county = Region.objects.for_user(user).filter(code=user.region_id).first()
            try:
                revision = attempt(
                    request,
                    lambda: services.revision_open(user=user, county=county, year=form.cleaned_data["year"]),
                    _("项目库年度调整已开始：请确定每个项目的调整意见，再发布调整公告。"),
                    form,
                )
            except Refused:
                pass
            else:
                return redirect("projects:revision", pk=revision.pk)
        else:
            form_refused(request, form)
    page, query = request_page(request, selectors.revisions(user=user).select_related("county"))
    return render(
        request,
        "projects/revision_list.html",
        {"page": page, "query": query, "form": form if may_open else None},
    )


@login_required
def revision_detail(request, pk: int):
    """A revision: its projects with their proposed and set decisions (keyset pages, filtered by decision), the
    forms of the steps the reader may take, its 公告 and the objections to it, and its steps."""
    user = request.user
    revision = get_object_or_404(selectors.revisions(user=user).select_related("county"), pk=pk)
    may = permissions.may(user, "revise_library", region=revision.county_id)
    flt = RevisionItemFilter(request.GET or None)
    decision = flt.cleaned_data.get("decision") if flt.is_valid() else ""
    items = revision.items.select_related("project__region")
    if decision:
        items = items.filter(decision=decision)
    page, query = request_page(request, items)
    notices = list(revision.notices.order_by("id"))
    objections = list(
        ProjectObjection.objects.for_user(user, selectors.read_action(user))
        .filter(notice__revision=revision)
        .order_by("id")
    )
    draft = revision.state == RevisionState.DRAFT
    return render(
        request,
        "projects/revision_detail.html",
        {
            "revision": revision,
            "page": page,
            "query": query,
            "filter": flt,
            "counts": selectors.revision_counts(revision),
            "notices": notices,
            "objections": objections,
            "resolve_form": ObjectionResolveForm() if may else None,
            "decide_form": RevisionDecideForm(prefix="decide") if may and draft else None,
            "may_publish": may and draft,
            "may_approve": may and revision.state == RevisionState.PUBLISHED,
            "steps": revision.steps.all(),
        },
    )


@login_required
@require_POST
def revision_act(request, pk: int, action: str):
    """The steps of a revision: set decisions (the ticked projects or all), publish its 公告, approve it."""
    user = request.user
    revision = get_object_or_404(selectors.revisions(user=user), pk=pk)
    if action == "decide":
        form = RevisionDecideForm(request.POST, prefix="decide")
        if not form.is_valid():
            form_refused(request, form)
            return redirect("projects:revision", pk=pk)
        d = form.cleaned_data
        ids = [i for i in request.POST.getlist("ids") if i.isascii() and i.isdigit() and len(i) < 19][:1000]

        def write():
            return services.revision_decide(
                user=user, revision=revision, decision=d["decision"], project_ids=ids, every=d["every"],
                reason=d["reason"],
            )  # fmt: skip

        act(request, write, _("调整意见已保存。"))
    elif action == "publish":
        act(request, lambda: services.revision_publish(user=user, revision=revision), _("调整公告已发布。"))
    elif action == "approve":
        act(
            request,
            lambda: services.revision_approve(
                user=user, revision=revision, note=request.POST.get("note", "")
            ),
            _("年度调整已审定生效：结转的项目已进入下一年度项目库，调出的项目已调出。"),
        )
    else:
        raise Http404
    return redirect("projects:revision", pk=pk)
