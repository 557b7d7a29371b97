"""Pure rules of assistance: which skill fits which cause of poverty, and the costs the matching minimises.
No database access; the matching and the pages call these with plain values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from jingzhun.registry.choices import Cause, HouseholdStatus

from .choices import Skill, UnitType

# Households that must have a responsible cadre: those in the registry (在册, 返贫) — and, whatever their status,
# those monitored for risk now (``selectors.helped``: monitoring is a dated attribute, not a status).
HELPED_STATUSES = (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED)

# The skill that answers each cause of poverty (因病 ↔ 医疗, 因学 ↔ 教育, 缺技术 ↔ 农业技术 …). "其他" has none.
CAUSE_SKILL: dict[str, str | None] = {
    Cause.ILLNESS: Skill.HEALTH,
    Cause.DISABILITY: Skill.HEALTH,
    Cause.EDUCATION: Skill.EDUCATION,
    Cause.DISASTER: Skill.INFRASTRUCTURE,
    Cause.LACK_LAND: Skill.AGRICULTURE,
    Cause.LACK_WATER: Skill.INFRASTRUCTURE,
    Cause.LACK_SKILLS: Skill.AGRICULTURE,
    Cause.LACK_LABOUR: Skill.SOCIAL,
    Cause.LACK_CAPITAL: Skill.FINANCE,
    Cause.POOR_TRANSPORT: Skill.INFRASTRUCTURE,
    Cause.LACK_MOTIVATION: Skill.EMPLOYMENT,
    Cause.OTHER: None,
}

# A unit's type gives its cadres a skill even when none is recorded for them.
UNIT_SKILL: dict[str, str | None] = {
    UnitType.HEALTH: Skill.HEALTH,
    UnitType.EDUCATION: Skill.EDUCATION,
    UnitType.AGRICULTURE: Skill.AGRICULTURE,
    UnitType.FINANCE: Skill.FINANCE,
    UnitType.ENTERPRISE: Skill.EMPLOYMENT,
    UnitType.SOCIAL_ORG: Skill.SOCIAL,
    UnitType.GOVERNMENT: None,
    UnitType.INSTITUTION: None,
}


@dataclass(frozen=True)
class Weights:
    """What the matching trades off, in cost units per household: a fit that misses the main cause, travel
    out of the township, and each household already on a cadre's list (caseload balance)."""

    main_miss: int = 60  # the cadre has nothing for the main cause but something for another cause
    all_miss: int = 100  # nothing for any of the household's causes
    travel: int = 30  # the cadre is based in another township of the county
    per_case: int = 4  # the k-th household on a cadre's list costs k × per_case
    unmatched: int = 10_000  # a household left without a cadre (only when capacity runs out)


DEFAULT_WEIGHTS = Weights()


def cadre_skills(skills: Iterable[str], unit_type: str) -> frozenset[str]:
    """A cadre's skills: those recorded, plus the one the unit's type brings."""
    extra = UNIT_SKILL.get(unit_type)
    return frozenset(skills) | ({extra} if extra else set())


def needs(main_cause: str, other_causes: Iterable[str]) -> tuple[str | None, frozenset[str]]:
    """The skill for the main cause, and those for the other causes."""
    main = CAUSE_SKILL.get(main_cause)
    others = frozenset(s for c in other_causes if (s := CAUSE_SKILL.get(c)) and s != main)
    return main, others


def fit_cost(
    main: str | None, others: frozenset[str], skills: frozenset[str], w: Weights = DEFAULT_WEIGHTS
) -> int:
    """0 when the cadre's skills answer the main cause (or the household has no specific need), ``main_miss``
    when they answer only another cause, ``all_miss`` when they answer none."""
    if main is None or main in skills:
        return 0
    return w.main_miss if others & skills else w.all_miss


def travel_cost(household_township: str, cadre_township: str, w: Weights = DEFAULT_WEIGHTS) -> int:
    """Code adjacency: no cost within the cadre's own township, ``travel`` elsewhere in the county (village
    centroids are not in the official code tables)."""
    return 0 if household_township == cadre_township else w.travel


def fits(main: str | None, skills: frozenset[str]) -> bool:
    return main is None or main in skills


@dataclass(frozen=True)
class Quality:
    """How good a set of pairings is: the share whose cadre answers the main cause, the share within the cadre's
    township, and caseload balance (standard deviation and maximum of households per cadre)."""

    households: int
    fit_share: float
    local_share: float
    caseload_sd: float
    caseload_max: int


def quality(pairs: Iterable[tuple[bool, bool, object]], cadre_ids: Iterable[object]) -> Quality:
    """``pairs``: (fits the main cause, same township, cadre id) per paired household; ``cadre_ids``: every
    cadre counted for balance (those with no household count as 0)."""
    loads = dict.fromkeys(cadre_ids, 0)
    n = fit = local = 0
    for f, same, cadre in pairs:
        n += 1
        fit += f
        local += same
        loads[cadre] = loads.get(cadre, 0) + 1
    values = list(loads.values()) or [0]
    mean = sum(values) / len(values)
    sd = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    return Quality(n, fit / n if n else 0.0, local / n if n else 0.0, round(sd, 3), max(values))
