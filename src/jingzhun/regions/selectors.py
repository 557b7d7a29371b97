"""Reads of the region tree, always through the user's scope."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from . import rules
from .choices import RegionLevel
from .models import Region


def region_for_user(*, user, code: str) -> Region:
    """The region if it is in the user's scope; 404 otherwise (unknown and out-of-scope look the same)."""
    try:
        return Region.objects.for_user(user).get(code=code)
    except Region.DoesNotExist:
        raise Http404 from None


def region_by_code(code: str) -> Region | None:
    """The region a typed code names: '522634' and '522634000000' are the same county. None when unknown."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 12:
        return None
    return Region.objects.filter(code=rules.pad(code)).first()


def demo_places(county: Region) -> tuple[Region | None, Region | None, Region | None]:
    """The demo's township (the first 镇), a second township and the township's first 村委会."""
    townships = list(Region.objects.filter(parent=county).order_by("code"))
    town = next((t for t in townships if t.kind == "town"), townships[0] if townships else None)
    other_town = next((t for t in townships if t != town and t.kind in ("town", "township")), None)
    village = Region.objects.filter(parent=town, kind="village").order_by("code").first() if town else None
    return town, other_town, village


def policy_province(province: str | None) -> Region | None:
    """The province whose policy data are set (None for national values); the caller has checked the user may
    (``accounts.permissions``: ``set_policy`` on the province, or on ``NATIONAL_CODE``)."""
    if not province:
        return None
    region = Region.objects.filter(code=province, level=RegionLevel.PROVINCE).first()
    if region is None:
        raise ValidationError({"province": [_("%(c)s 不是省级区划代码。") % {"c": province}]})
    return region
