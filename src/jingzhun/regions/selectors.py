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


def picker_levels(
    *,
    user,
    code: str | None,
    action: str = "view",
    lowest: int = RegionLevel.VILLAGE,
    everywhere: bool = False,
) -> list[dict]:
    """The selects of a region picker (省 → 市 → 县 → 乡 → 村) from the top of ``user``'s scope (the regions
    ``action`` reaches) down to the region ``code`` names and one level below it, never below ``lowest``: each
    with its choices (the regions under the level above, in scope) and the chosen one. Choosing 「全部」 in a
    select picks the region above it.

    ``everywhere``: the whole country's tree from the provinces down, whatever the user's scope — for a place
    that lies outside it by nature (a transfer's receiving village). Only codes and names are read: public
    statistical names, no record of the regions."""
    scoped = Region.objects.public() if everywhere else Region.objects.for_user(user, action)
    top = scoped.filter(code=user.region_id).first() if user.region_id and not everywhere else None
    chosen = scoped.filter(code=code, level__lte=lowest).first() if code else None
    chain = [*(chosen.ancestors() if chosen else []), *([chosen] if chosen else [])]
    chain = [
        r for r in chain if (everywhere or user.in_scope(r.code)) and (top is None or r.level > top.level)
    ]
    parents = [top, *chain]
    levels = []
    for i, parent in enumerate(parents):
        if parent is not None and parent.level >= lowest:
            break
        under = scoped.filter(parent=parent).order_by("code")
        levels.append(
            {
                "all": parent.code if parent else "",
                "choices": list(under.values_list("code", "name")),
                "chosen": chain[i].code if i < len(chain) else "",
            }
        )
    return levels


REGIONS_OFFERED = 1000  # up to a county's townships and villages as one list; beyond, the cascading picker


def regions_offered(
    *, user, levels=tuple(RegionLevel.values), action: str = "view", limit: int | None = None
) -> list[tuple[str, str]] | None:
    """The regions of ``user``'s scope (those ``action`` reaches) at ``levels``, as (code, name) choices in code
    order, each named from below the user's own region down ("某镇 某村"; a village always with its township),
    when there are at most ``limit`` of them (``REGIONS_OFFERED`` by default); None above that (a province's
    villages), where a form shows the cascading picker (``regions.forms.RegionPickerWidget``) instead. Two
    queries, bounded by the limit."""
    limit = REGIONS_OFFERED if limit is None else limit
    rows = list(
        Region.objects.for_user(user, action)
        .filter(level__in=list(levels))
        .order_by("code")
        .values_list("code", "name", "level")[: limit + 1]
    )
    if len(rows) > limit:
        return None

    def path(code: str, level: int) -> list[str]:  # a village keeps its township: village names repeat
        return rules.ancestors_of(code)[min(user.level, 3) if level == RegionLevel.VILLAGE else user.level :]

    names = dict(
        Region.objects.filter(
            code__in={a for code, _n, level in rows for a in path(code, level)}
        ).values_list("code", "name")
    )
    return [
        (code, " ".join([*(names[a] for a in path(code, level) if a in names), name]))
        for code, name, level in rows
    ]
