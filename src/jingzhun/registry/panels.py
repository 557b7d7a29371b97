"""What the registry adds to other apps' pages (``core.panels``): the year-over-year status flows on the region
page."""

from jingzhun.core.panels import panel
from jingzhun.regions.choices import RegionLevel

from .selectors import status_flows

COUNTY_LEVEL = RegionLevel.COUNTY


@panel("region.page", template="registry/_region_flows.html", order=20)
def region_flows(request, region) -> dict | None:
    # Counted on request for a county and below (≤ a few hundred thousand rows); above a county the figures
    # belong in the analytics rollups (a national GROUP BY over ~90 M history rows per page view would not do).
    if region is None or region.level < COUNTY_LEVEL:
        return None
    flows = status_flows(user=request.user, region=region)
    return {"flows": flows} if flows else None
