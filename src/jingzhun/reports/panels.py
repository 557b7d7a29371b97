"""What reports add to other apps' pages (``core.panels``): on the household list, printing the cards of the
households ticked."""

from jingzhun.accounts import permissions
from jingzhun.core.panels import panel


@panel("household.list.actions", template="reports/_bulk_cards.html", order=30)
def bulk_cards(request, _obj) -> dict | None:
    return {} if permissions.may(request.user, "view") else None
