"""疑点数据核查 on the 工作台: the findings of the latest run over the user's region, waiting to be checked."""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.worklist import WorkItem, work_source

from .models import CHECKED, QualityCount
from .selectors import latest_run


@work_source
def quality_work(user) -> list[WorkItem]:
    """「N 条疑点数据待核实」: the findings of the latest run in the user's scope, linked to the page."""
    if not permissions.may(user, "view_quality", region=user.region_id):
        return []
    run = latest_run(user=user)
    if run is None:
        return []
    n = (
        QualityCount.objects.for_user(user)
        .filter(run=run)
        .exclude(rule=CHECKED)
        .aggregate(n=Sum("count"))["n"]
        or 0
    )
    return [
        WorkItem(
            _("条疑点数据待核实"), n, reverse("quality:home"),
            due=_("%(y)d 年度核查，%(d)s") % {"y": run.year, "d": f"{run.created_at:%Y-%m-%d}"}, order=20,
        )
    ]  # fmt: skip
