"""What the registry adds to other apps' pages (``core.panels``): the year-over-year status flows on the region
page."""

from django.utils import timezone

from jingzhun.accounts import permissions
from jingzhun.core.panels import panel
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from .selectors import status_flows
from .targets import progress

COUNTY_LEVEL = RegionLevel.COUNTY


@panel("region.page", template="registry/_region_flows.html", order=20)
def region_flows(request, region) -> dict | None:
    # Counted on request for a county and below (≤ a few hundred thousand rows); above a county the figures
    # belong in the analytics rollups (a national GROUP BY over ~90 M history rows per page view would not do).
    if region is None or region.level < COUNTY_LEVEL:
        return None
    flows = status_flows(user=request.user, region=region)
    return {"flows": flows} if flows else None


@panel("region.page", template="registry/_region_targets.html", order=10)
def region_targets(request, region) -> dict | None:
    """The year's 减贫计划 of the region with its progress, and the form that hands down the children's."""
    if region is None:
        return None
    year = timezone.localdate().year
    children = list(Region.objects.for_user(request.user).filter(parent=region).order_by("code")[:500])
    hands_down = region.level < RegionLevel.VILLAGE - 1 and permissions.may(
        request.user, "hand_down_target", level=region.level, region=region
    )
    shown = progress(user=request.user, region=region, year=year)
    if shown.target is None and not hands_down:
        return None
    return {"p": shown, "children": children if hands_down else [], "year": year}
