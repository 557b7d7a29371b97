"""Pure functions on 12-digit region codes: level, kind, parent, ancestors, subtree range, zone."""

from __future__ import annotations

from .choices import RegionKind, RegionLevel, Zone

# Significant digits per level: province 2, prefecture 4, county 6, township 9, village 12.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}

# Provinces by the 2016 poverty-exit assessment (DOMAIN.md §1): 12 western, 10 more central, the rest east.
WEST_PROVINCES = frozenset({"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"})
CENTRAL_PROVINCES = frozenset({"13", "14", "22", "23", "34", "36", "41", "42", "43", "46"})


def is_valid_code(code: str) -> bool:
    return len(code) == 12 and code.isdigit() and code[:2] != "00"


def level_of(code: str) -> int:
    for level in (1, 2, 3, 4):
        if set(code[PREFIX_LENGTH[level] :]) == {"0"}:
            return level
    return RegionLevel.VILLAGE


def pad(prefix: str) -> str:
    return prefix.ljust(12, "0")


def ancestor_at(code: str, level: int) -> str:
    """The code of the region of ``level`` containing ``code`` (its province, its county…)."""
    return pad(code[: PREFIX_LENGTH[level]])


def same_ancestor(a: str, b: str, level: int) -> bool:
    """Do the regions ``a`` and ``b`` lie in the same region of ``level`` (the same county…)?"""
    return ancestor_at(a, level) == ancestor_at(b, level)


def parent_of(code: str) -> str | None:
    level = level_of(code)
    return None if level == 1 else pad(code[: PREFIX_LENGTH[level - 1]])


def ancestors_of(code: str) -> list[str]:
    """Codes from the province down to the parent, computed from the code alone (no joins)."""
    return [pad(code[: PREFIX_LENGTH[lv]]) for lv in range(1, level_of(code))]


def subtree_range(code: str) -> tuple[str, str]:
    prefix = code[: PREFIX_LENGTH[level_of(code)]]
    return prefix.ljust(12, "0"), prefix.ljust(12, "9")


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
