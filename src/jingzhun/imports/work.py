"""What imports add to the 工作台 (``core.worklist``): the user's own imports of the last month that saved nothing
or stopped, to correct and run again."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.core.jobs import JobStatus
from jingzhun.core.worklist import WorkItem, work_source

from .models import ImportJob

RECENT = dt.timedelta(days=30)


@work_source
def my_imports_to_redo(user) -> list[WorkItem]:
    since = timezone.now() - RECENT
    mine = ImportJob.objects.for_user(user).filter(user=user, created_at__gte=since)
    stuck = mine.filter(
        Q(status=JobStatus.FAILED) | Q(status=JobStatus.DONE, failed__gt=0, created=0, updated=0)
    ).count()
    return [
        WorkItem(
            _("未保存或未完成的导入（近 30 天）"), stuck, reverse("imports:start"), urgent=True, order=30
        )
    ]
