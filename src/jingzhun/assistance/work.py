"""What assistance adds to the 工作台 (``core.worklist``): households that need a cadre and have none, and
households whose cadre's visit is overdue — for whoever assigns cadres and records visits in the region."""

from django.urls import reverse
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core.worklist import WorkItem, capped, work_source

from . import selectors


@work_source
def households_waiting_for_help(user) -> list[WorkItem]:
    items = []
    if permissions.may(user, "register_cadre"):
        items.append(WorkItem(_("尚无帮扶责任人的户"), capped(selectors.without_cadre(user=user)),
                              reverse("assistance:forces"), order=20))  # fmt: skip
    if permissions.may(user, "log_visit"):
        overdue = selectors.overdue_visits(user=user)
        items.append(WorkItem(_("走访已超期的户"), capped(overdue), reverse("assistance:visits"),
                              due=_("超过走访周期未走访"), urgent=True, order=21))  # fmt: skip
    return items
