"""Needs-first matching (精准帮扶): solve a county of households × cadres as a min-cost flow and compare it with
the way pairings were made in practice.

Prints: the solve time and peak memory for the large instance (default 100,000 households × 20,000 cadres, 5
households each), the quality of the result (share of households whose cadre answers the main cause, share
within the cadre's township, caseload standard deviation and maximum) against two baselines measured in the same
run (first come, first paired; and a random order of cadres), and, on a smaller instance, the optimum gap of the
class/hub graph against the full household × cadre graph (it should be 0: the hubs preserve every pairwise cost).
Causes follow the demo data's distribution; cadres' skills follow their unit types.
Usage: python bench/matching.py [--households 100000] [--cadres 20000] [--townships 15] [--small 2000]
"""

import argparse
import os
import random
import sys

from _common import ROOT, machine, peak_rss_mib

sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
import django

django.setup()

from jingzhun.assistance import rules  # noqa: E402
from jingzhun.assistance.choices import Skill, UnitType  # noqa: E402
from jingzhun.assistance.matching import CadreOffer, HouseholdNeed, first_come, quality_of, solve  # noqa: E402
from jingzhun.assistance.models import AssistancePolicy  # noqa: E402
from jingzhun.registry.demo import CAUSE_WEIGHTS  # noqa: E402

UNIT_MIX = {  # unit types of the cadres sent to a county (government offices send the most)
    UnitType.GOVERNMENT: 35, UnitType.HEALTH: 12, UnitType.EDUCATION: 15, UnitType.AGRICULTURE: 15,
    UnitType.FINANCE: 6, UnitType.ENTERPRISE: 7, UnitType.SOCIAL_ORG: 4, UnitType.INSTITUTION: 6,
}  # fmt: skip


def instance(households: int, cadres: int, townships: int, seed: int):
    rng = random.Random(seed)
    towns = [f"town-{i:02d}" for i in range(townships)]
    causes, weights = list(CAUSE_WEIGHTS), list(CAUSE_WEIGHTS.values())
    needs = []
    for i in range(households):
        main = rng.choices(causes, weights)[0]
        others = [c for c in rng.sample(causes, 3) if c != main][: rng.choice((0, 1, 1, 2))]
        needs.append(HouseholdNeed(i, rng.choice(towns), *rules.needs(main, others)))
    units, unit_weights = list(UNIT_MIX), list(UNIT_MIX.values())
    skills = list(Skill.values)
    capacity = AssistancePolicy.DEFAULT_CAPACITY
    offers = []
    for j in range(cadres):
        own = rng.sample(skills, rng.choice((0, 1, 1, 2)))
        offers.append(
            CadreOffer(
                10**7 + j,
                rng.choice(towns),
                rules.cadre_skills(own, rng.choices(units, unit_weights)[0]),
                capacity,
            )
        )
    return needs, offers


def report(label, q, seconds=None):
    extra = f"  {seconds:7.2f} s" if seconds is not None else ""
    print(
        f"  {label:<22} fit {q.fit_share:6.1%}  local {q.local_share:6.1%}  caseload sd {q.caseload_sd:5.2f}"
        f"  max {q.caseload_max}{extra}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--cadres", type=int, default=20_000)
    parser.add_argument("--townships", type=int, default=15)
    parser.add_argument("--small", type=int, default=2_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")

    for households in (args.households, args.households * 4 // 5):  # every place taken; a fifth to spare
        needs, offers = instance(households, args.cadres, args.townships, seed=2026)
        print(
            f"\n{households:,} households × {args.cadres:,} cadres (5 places each), {args.townships} townships"
        )
        solution = solve(needs, offers)
        print(
            f"  solve: {solution.seconds:.2f} s, {solution.arcs:,} arcs, {len(solution.unmatched)} unmatched"
        )
        report("needs-first (ours)", quality_of(solution.assignment, needs, offers), solution.seconds)
        report("first come", quality_of(first_come(needs, offers), needs, offers))
        report("random cadre order", quality_of(first_come(needs, offers, shuffle_seed=1), needs, offers))
    print(f"  peak RSS: {peak_rss_mib():.0f} MiB")

    small_cadres = max(1, args.small // 5)
    needs, offers = instance(args.small, small_cadres, args.townships, seed=7)
    print(f"\noptimum gap on {args.small:,} households × {small_cadres:,} cadres")
    ours, full = solve(needs, offers), solve(needs, offers, full=True)
    gap = (ours.cost - full.cost) / full.cost if full.cost else 0.0
    print(f"  class/hub graph: cost {ours.cost:,} ({ours.arcs:,} arcs, {ours.seconds:.3f} s)")
    print(f"  full bipartite:  cost {full.cost:,} ({full.arcs:,} arcs, {full.seconds:.3f} s)")
    print(f"  gap: {gap:.4%}")


if __name__ == "__main__":
    main()
