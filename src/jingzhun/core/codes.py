"""Arithmetic on 12-digit region codes (统计用区划代码): level, parent, ancestors, subtree range. Pure functions
on strings, so every layer (scoping in core, regions, the apps) can use them without importing a model."""

from __future__ import annotations

# Significant digits per level: province 2, prefecture 4, county 6, township 9, village 12.
PREFIX_LENGTH = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}
VILLAGE_LEVEL = 5
NATIONAL_CODE = (
    "000000000000"  # the whole country: no region row stands for it, no one but the nation has it in scope
)


def is_valid_code(code: str) -> bool:
    return len(code) == 12 and code.isdigit() and code[:2] != "00"


def level_of(code: str) -> int:
    for level in (1, 2, 3, 4):
        if set(code[PREFIX_LENGTH[level] :]) == {"0"}:
            return level
    return VILLAGE_LEVEL


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
