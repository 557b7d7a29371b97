"""Pure functions on 12-digit region codes: kind and zone here; level, parent, ancestors and subtree range in
``core.codes`` (re-exported: scoping in core needs them without importing regions)."""

from __future__ import annotations

from jingzhun.core.codes import (  # noqa: F401 - the code arithmetic lives in core; regions re-exports it
    PREFIX_LENGTH,
    ancestor_at,
    ancestors_of,
    is_valid_code,
    level_of,
    pad,
    parent_of,
    same_ancestor,
    subtree_range,
)

from .choices import RegionKind, RegionLevel, Zone

# Provinces by the 2016 poverty-exit assessment (DOMAIN.md §1): 12 western, 10 more central, the rest east.
WEST_PROVINCES = frozenset({"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"})
CENTRAL_PROVINCES = frozenset({"13", "14", "22", "23", "34", "36", "41", "42", "43", "46"})


def kind_of(code: str) -> str:
    level = level_of(code)
    if level == RegionLevel.TOWNSHIP:
        n = int(code[6:9])
        bands = [(99, RegionKind.SUBDISTRICT), (199, RegionKind.TOWN), (399, RegionKind.TOWNSHIP)]
        default = RegionKind.TOWNSHIP_LIKE
    elif level == RegionLevel.VILLAGE:
        n = int(code[9:12])
        bands = [(199, RegionKind.NEIGHBOURHOOD), (399, RegionKind.VILLAGE)]
        default = RegionKind.VILLAGE_LIKE
    else:
        return ""
    return next((kind for top, kind in bands if n <= top), default)


def zone_of(code: str) -> str:
    province = code[:2]
    if province in WEST_PROVINCES:
        return Zone.WEST
    return Zone.CENTRAL if province in CENTRAL_PROVINCES else Zone.EAST
