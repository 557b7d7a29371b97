"""The project library on other apps' pages: the household card's panel (projects and assets benefiting the
household), the 工作台's items (projects waiting at my step, 公示 ended), and the projects of a year still open
when a county closes it."""

from __future__ import annotations

from django.db.models import Count
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts import permissions
from jingzhun.core.codes import subtree_range
from jingzhun.core.panels import panel
from jingzhun.core.worklist import WorkItem, capped, work_source
from jingzhun.registry.signals import year_open_items
from jingzhun.registry.yearcycle import OpenItems

from . import selectors
from .choices import Stage
from .models import Project

WORK_LABELS = {
    "declare": gettext_lazy("项目公示期满，待申报"),
    "review": gettext_lazy("待乡镇审核的项目"),
    "appraise": gettext_lazy("乡镇公示期满，待部门论证的项目"),
    "approve": gettext_lazy("待县级审定入库的项目"),
    "plan": gettext_lazy("已入库待列入年度计划的项目"),
    "accept": gettext_lazy("已完工待验收的项目"),
    "transfer": gettext_lazy("已报账待资产移交的项目"),
}
# a project of the year still in the procedure before its implementation (the library is revised yearly)
OPEN_STAGES = (Stage.DRAFT, Stage.DECLARED, Stage.REVIEWED, Stage.APPRAISED)


@panel("household.card", template="projects/_household_panel.html", order=40)
def household_projects(request, household) -> dict | None:
    found = selectors.for_household(user=request.user, household=household)
    return found if found["projects"] or found["assets"] else None


@work_source
def project_work(user) -> list[WorkItem]:
    """工作台: the projects waiting at a step this user takes, each linked to the list filtered to them."""
    if not (permissions.may(user, "view") or permissions.may(user, "appraise_project")):
        return []
    url = reverse("projects:list")
    items = [
        WorkItem(str(WORK_LABELS[key]), capped(rows), f"{url}?waiting={key}", order=20)
        for key, rows in selectors.waiting(user=user).items()
    ]
    if permissions.may(user, "revise_library"):
        pending = capped(selectors.revisions_to_approve(user=user))
        label = _("调整公告期满，待审定的项目库年度调整")
        items.append(WorkItem(label, pending, reverse("projects:revisions"), order=20))
    return items


@receiver(year_open_items, dispatch_uid="projects-open-items")
def open_in_year(*, county: str, year: int, **_signal) -> list[OpenItems]:
    """Projects of the county's library of ``year`` still being declared, reviewed or appraised."""
    rows = Project.objects.filter(region__code__range=subtree_range(county), year=year, stage__in=OPEN_STAGES)
    per_region = dict(rows.values_list("region_id").annotate(n=Count("id")).order_by())
    return [OpenItems(_("未完成申报审核的扶贫项目"), per_region, f"{reverse('projects:list')}?year={year}")]
