"""精准考核 on other apps' pages: the 工作台's rectification items — findings past their deadline in the user's
region, and reported fixes waiting for the user's 销号 — the county exit's items (objections to a 公示 waiting for
the province, drawn counties waiting for their national check result), and 转整改 on a funds supervision alert's
page."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.panels import panel
from jingzhun.core.worklist import WorkItem, capped, work_source
from jingzhun.identification.choices import ObjectionStatus
from jingzhun.regions.choices import RegionLevel

from . import selectors
from .choices import CheckResult, FindingSource, FindingState
from .forms import AlertFindingForm
from .models import ExitObjection, Finding, NationalCheck


@panel("funds.alert", template="assessment/_alert_finding.html")
def alert_finding(request, alert) -> dict | None:
    """The alert's finding if it became one, else the 转整改 form for whoever may handle the alert."""
    user = request.user
    made = (
        Finding.objects.for_user(user, "view_assessment")
        .filter(source=FindingSource.FUNDS, source_ref=f"alert:{alert.pk}")
        .first()
    )
    may = permissions.may(user, "supervise", region=alert.region_id) and permissions.may(
        user, "raise_finding", region=alert.region_id
    )
    if made is None and not may:
        return None
    return {"finding": made, "finding_form": AlertFindingForm() if may and made is None else None}


@work_source
def rectification_work(user) -> list[WorkItem]:
    items = []
    if permissions.may(user, "rectify"):
        overdue = selectors.overdue_findings(user=user)
        n = capped(overdue)
        if n:
            first = overdue.order_by("deadline").values_list("deadline", flat=True).first()
            items.append(
                WorkItem(
                    _("整改问题已超过整改时限"), n, reverse("assessment:findings") + "?overdue=1",
                    due=_("最早一件 %(d)s 到期") % {"d": first}, urgent=True, order=30,
                )
            )  # fmt: skip
    if user.can("close_finding"):
        n = capped(selectors.findings_to_close(user=user))
        if n:
            items.append(
                WorkItem(
                    _("整改问题待销号"), n, reverse("assessment:findings") + f"?state={FindingState.RECTIFIED}",
                    order=40,
                )
            )  # fmt: skip
    return items


@work_source
def county_exit_work(user) -> list[WorkItem]:
    items = []
    if permissions.may(user, "county_exit", level=RegionLevel.PROVINCE):
        waiting = ExitObjection.objects.for_user(user, "view_assessment").filter(status=ObjectionStatus.OPEN)
        n = capped(waiting)
        if n:
            first = waiting.select_related("notice").order_by("created_at", "id").first()
            url = reverse("assessment:county", kwargs={"code": first.region_id, "year": first.notice.year})
            items.append(WorkItem(_("贫困县退出公示异议待处理"), n, url, urgent=True, order=35))
    if permissions.may(user, "national_check"):
        pending = NationalCheck.objects.for_user(user, "view_assessment").filter(result=CheckResult.PENDING)
        n = capped(pending)
        if n:
            year = pending.order_by("year").values_list("year", flat=True).first()
            url = reverse("assessment:national_checks") + f"?year={year}"
            items.append(WorkItem(_("国家抽查县待录入抽查结果"), n, url, order=36))
    return items
