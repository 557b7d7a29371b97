"""Region browser: drill down from the user's region to villages with household and person counts."""

import re

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jingzhun.core.panels import provided

from . import selectors
from .choices import RegionLevel


@login_required
def browse(request, code: str | None = None):
    user = request.user
    if not user.can("view"):  # roles that read no registry (accounts, audit, department lists) have no tree
        raise PermissionDenied(_("您的角色不查看区划和档案。"))
    if code is None:
        if user.region_id:
            return redirect("regions:browse", code=user.region_id)
        region = None
    else:
        if not code.isdigit() or len(code) > 12:
            raise Http404
        region = selectors.region_for_user(user=user, code=code.ljust(12, "0"))
    rows = provided("region.children")(user=user, region=region)
    ancestors = region.ancestors() if region else []
    return render(
        request,
        "regions/browse.html",
        {
            "region": region,
            "ancestors": [(a, user.in_scope(a.code)) for a in ancestors],
            "rows": rows,
            "total_households": sum(r.households for r in rows),
            "total_persons": sum(r.persons for r in rows),
        },
    )


FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")


@login_required
def pick(request):
    """The region picker's selects for the region chosen (htmx swaps them in when a select changes). A form's
    picker names its field (``name``), the action its regions serve (``action``: a security administrator picks
    where to place an account without reading the registry) and the lowest level it offers (``lowest``); none
    of them widens the scope: the regions are those the user's own role and region reach for that action."""
    name = request.GET.get("name", "region")
    if not FIELD_NAME.fullmatch(name):  # a form field's name, with its prefix ("h-region")
        raise Http404
    action = request.GET.get("action", "view")
    # everywhere=1: the country's tree by name (a transfer's receiving village, outside the sender's scope by
    # nature) for any user whose role may use the picker for ``action``: only codes and names are read, and the
    # public portal shows those to anyone — no record of any region, so nothing beyond the scope is disclosed
    everywhere = request.GET.get("everywhere") == "1"
    if not request.user.can(action):
        raise PermissionDenied(_("您的角色不查看区划和档案。"))
    lowest = request.GET.get("lowest", "")
    lowest = int(lowest) if lowest in {"1", "2", "3", "4", "5"} else RegionLevel.VILLAGE
    code = request.GET.get(name, "")
    code = code if code.isdigit() and len(code) == 12 else ""
    levels = selectors.picker_levels(
        user=request.user, code=code, action=action, lowest=lowest, everywhere=everywhere
    )
    context = {
        "levels": levels, "name": name, "action": action if action != "view" else "", "lowest": lowest,
        "everywhere": everywhere,
    }  # fmt: skip
    return render(request, "regions/_picker.html", context)
