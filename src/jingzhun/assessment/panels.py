"""精准考核 on other apps' pages: the 工作台's rectification items — findings past their deadline in the user's
region, and reported fixes waiting for the user's 销号."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.worklist import WorkItem, capped, work_source

from . import selectors
from .choices import FindingState


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
