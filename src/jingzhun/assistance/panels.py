"""What assistance adds to other apps' pages (``core.panels``): on the household list, pairing the households
ticked with one cadre of the county."""

from jingzhun.accounts import permissions
from jingzhun.core.codes import ancestor_at
from jingzhun.core.panels import panel
from jingzhun.regions.choices import RegionLevel

from . import selectors

CADRES_OFFERED = 300


@panel("household.list.actions", template="assistance/_bulk_pair.html", order=20)
def bulk_pair(request, _obj) -> dict | None:
    """A cadre to pair the ticked households with: offered to those who pair, within one county (a cadre must
    be based in the household's county)."""
    user = request.user
    county = ancestor_at(user.region_id, RegionLevel.COUNTY) if user.region_id else ""
    if (
        not permissions.may(user, "register_cadre") or not county or county[4:6] == "00"
    ):  # no county of one's own
        return None
    cadres = list(selectors.cadres_for(county)[:CADRES_OFFERED])
    return {"cadres": cadres} if cadres else None
