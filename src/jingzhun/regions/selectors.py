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


def picker_levels(*, user, code: str | None) -> list[dict]:
    """The selects of a region picker (省 → 市 → 县 → 乡 → 村) from the top of ``user``'s scope down to the
    region ``code`` names and one level below it: each with its choices (the regions under the level above,
    in scope) and the chosen one. Choosing 「全部」 in a select picks the region above it."""
    top = Region.objects.for_user(user).filter(code=user.region_id).first() if user.region_id else None
    chosen = Region.objects.for_user(user).filter(code=code).first() if code else None
    chain = [*(chosen.ancestors() if chosen else []), *([chosen] if chosen else [])]
    chain = [r for r in chain if user.in_scope(r.code) and (top is None or r.level > top.level)]
    parents = [top, *chain]
    levels = []
    for i, parent in enumerate(parents):
        if parent is not None and parent.level == RegionLevel.VILLAGE:
            break
        under = Region.objects.for_user(user).filter(parent=parent).order_by("code")
        levels.append(
            {
                "all": parent.code if parent else "",
                "choices": list(under.values_list("code", "name")),
                "chosen": chain[i].code if i < len(chain) else "",
            }
        )
    return levels


VILLAGES_OFFERED = 1000  # up to a county's villages as a list to choose from; beyond, the code is typed


def villages_offered(*, user) -> list[tuple[str, str]]:
    """The villages of ``user``'s scope as (code, "township village") choices, when there are at most
    ``VILLAGES_OFFERED`` of them (a county's, a township's, a village's own); [] above that, where a form asks
    for the 12-digit code instead. Two queries, bounded by the limit."""
    villages = list(
        Region.objects.for_user(user)
        .filter(level=RegionLevel.VILLAGE)
        .order_by("code")
        .values_list("code", "name", "parent_id")[: VILLAGES_OFFERED + 1]
    )
    if not villages or len(villages) > VILLAGES_OFFERED:
        return []
    towns = dict(Region.objects.filter(code__in={p for _c, _n, p in villages}).values_list("code", "name"))
    return [(code, f"{towns.get(parent, '')} {name}".strip()) for code, name, parent in villages]
