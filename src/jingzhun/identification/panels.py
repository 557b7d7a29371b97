"""What identification adds to other apps' pages (``core.panels``): on the household card, its applications
and the 「发起识别申请」 button for whoever may apply for it."""

from jingzhun.core.panels import panel

from .selectors import household_can_apply


@panel("household.card", template="identification/_household_panel.html", order=20)
def household_applications(request, household) -> dict:
    return {
        "can_apply": household_can_apply(household, request.user),
        "applications": household.applications.order_by("-id")[:5],
    }
