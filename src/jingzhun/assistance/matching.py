"""Needs-first matching (需求优先匹配) of cadres to households in a county, as a min-cost flow (OR-Tools).

The cost of a household with a cadre is the fit between the household's causes and the cadre's skills, plus
travel out of the cadre's township, plus a caseload term that grows with each household on the cadre's list (a
convex cost, so the solver spreads the load). Capacities are arc capacities: never exceeded.

The graph stays small at county scale because households with the same township and needs are identical to the
solver: they form one *class* node with a supply equal to their number. Classes reach cadres through *hub* nodes
per (skill, township) and (skill, whole county); the cheapest path from a class to a cadre equals the pairwise cost,
so the result is the optimum of the full household × cadre problem (``bench/matching.py`` checks this against the
full bipartite graph on a smaller instance)."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from ortools.graph.python import min_cost_flow

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import ancestor_at
from jingzhun.registry.models import Household

from . import rules
from .models import Cadre, HouseholdPairing, MatchingProposal, ProposalRow
from .selectors import capacity_of, helped, open_loads, policy_for

ANY = ""  # the hub of cadres whatever their skills (a household with no fitting cadre still gets one)
COUNTY_WIDE = "*"


@dataclass(frozen=True)
class HouseholdNeed:
    id: int
    township: str
    main: str | None
    others: frozenset[str]
    current: int | None = None  # the cadre now responsible, if any
    village: str = ""  # where the proposal's row is scoped


@dataclass(frozen=True)
class CadreOffer:
    id: int
    township: str
    skills: frozenset[str]
    capacity: int


@dataclass
class Solution:
    assignment: dict[int, int]  # household → cadre, for the households that were to be matched
    unmatched: list[int] = field(default_factory=list)
    cost: int = 0
    seconds: float = 0.0
    arcs: int = 0


def _cost(h: HouseholdNeed, c: CadreOffer, w: rules.Weights) -> int:
    return rules.fit_cost(h.main, h.others, c.skills, w) + rules.travel_cost(h.township, c.township, w)


def solve(
    households: list[HouseholdNeed], cadres: list[CadreOffer], *, loads: dict[int, int] | None = None,
    weights: rules.Weights = rules.DEFAULT_WEIGHTS, full: bool = False, continuity: int = 0,
) -> Solution:  # fmt: skip
    """Assign each household in ``households`` to a cadre, given the cadres' existing ``loads``. ``full`` builds
    the full bipartite graph instead of classes and hubs (for measuring the gap on small instances).

    ``continuity`` is what a household's leaving its current cadre (``HouseholdNeed.current``, when among
    ``cadres``) costs: every other way out of its class costs that much more, so a change is made only where
    it gains more than ``continuity`` — a re-match of an optimal assignment changes nothing, and ties never
    churn the pairings. Households keeping a cadre form classes of their own (by that cadre) with a direct
    arc to it."""
    started = time.perf_counter()
    loads = loads or {}
    w = weights
    tails: list[int] = []
    heads: list[int] = []
    caps: list[int] = []
    costs: list[int] = []
    nodes: dict[object, int] = {}

    def node(key) -> int:
        return nodes.setdefault(key, len(nodes))

    def arc(a, b, cap, cost) -> int:
        tails.append(node(a))
        heads.append(node(b))
        caps.append(cap)
        costs.append(cost)
        return len(tails) - 1

    sink = ("sink",)
    node(sink)
    free = {c.id: max(0, c.capacity - loads.get(c.id, 0)) for c in cadres}
    for c in cadres:  # the caseload term: the k-th household on a list costs k × per_case
        for k in range(loads.get(c.id, 0), c.capacity):
            arc(("c", c.id), sink, 1, w.per_case * k)

    classes: dict[tuple, list[int]] = defaultdict(list)
    offered = {c.id: c for c in cadres}
    keeps = {h.id: h.current for h in households if continuity and h.current in offered and free[h.current]}
    if full:
        for h in households:
            classes[("h", h.id)].append(h.id)
            for c in cadres:
                if free[c.id]:
                    leave = continuity if h.id in keeps and c.id != keeps[h.id] else 0
                    arc(("h", h.id), ("c", c.id), 1, _cost(h, c, w) + leave)
    else:
        hubs_present = set()
        for c in cadres:
            if not free[c.id]:
                continue
            for skill in (*c.skills, ANY):
                for place in (c.township, COUNTY_WIDE):
                    hubs_present.add((skill, place))
                    arc(("hub", skill, place), ("c", c.id), free[c.id], 0)
        for h in households:
            kept = keeps.get(h.id)
            key = ("k", h.township, h.main, h.others, kept)
            if key not in classes:
                leave = continuity if kept else 0
                for skill in {h.main, *h.others, ANY} - {None}:
                    # a hub's cadres all have ``skill``: the rule's cost for a cadre with just that skill
                    fit = rules.fit_cost(h.main, h.others, frozenset({skill} - {ANY}), w)
                    for place, travel in ((h.township, 0), (COUNTY_WIDE, w.travel)):
                        if (skill, place) in hubs_present:
                            arc(key, ("hub", skill, place), len(households), fit + travel + leave)
                if kept:  # staying with the current cadre: its own cost, no penalty
                    arc(key, ("c", kept), len(households), _cost(h, offered[kept], w))
            classes[key].append(h.id)
    for key, members in classes.items():
        leave = continuity if (key[0] == "k" and key[-1]) or (key[0] == "h" and key[1] in keeps) else 0
        arc(key, sink, len(members), w.unmatched + leave)

    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32), np.array(heads, dtype=np.int32),
        np.array(caps, dtype=np.int64), np.array(costs, dtype=np.int64),
    )  # fmt: skip
    supplies = np.zeros(len(nodes), dtype=np.int64)
    for key, members in classes.items():
        supplies[nodes[key]] = len(members)
    supplies[nodes[sink]] = -len(households)
    flow.set_nodes_supplies(np.arange(len(nodes), dtype=np.int32), supplies)
    if flow.solve() != flow.OPTIMAL:
        raise ValidationError(_("匹配求解失败，请检查帮扶责任人和容量设置。"))
    flows = flow.flows(arcs)
    solution = Solution(assignment={}, cost=flow.optimal_cost(), arcs=len(tails))
    _decompose(nodes, tails, heads, flows, classes, sink, solution)
    solution.seconds = time.perf_counter() - started
    return solution


def _decompose(nodes, tails, heads, flows, classes, sink, solution: Solution) -> None:
    """Turn arc flows back into one cadre per household: through each hub, pour the classes' inflow into the
    cadres' outflow in order (any split is optimal: the cost lies on the class → hub arcs only)."""
    key_of = {i: k for k, i in nodes.items()}
    inflow: dict[int, list[list]] = defaultdict(list)  # hub or cadre node → [class key, amount]
    outflow: dict[int, list[list]] = defaultdict(list)  # hub node → [cadre id, amount]
    direct: dict[object, list[list]] = defaultdict(list)  # class key → [cadre id, amount] (full graph)
    unmatched: dict[object, int] = defaultdict(int)
    for t, h, f in zip(tails, heads, flows.tolist(), strict=True):
        if not f:
            continue
        a, b = key_of[t], key_of[h]
        if b == sink and a[0] != "c":
            unmatched[a] += f
        elif a[0] in ("k", "h") and b[0] == "hub":
            inflow[h].append([a, f])
        elif a[0] == "hub" and b[0] == "c":
            outflow[t].append([b[1], f])
        elif a[0] in ("k", "h") and b[0] == "c":  # the full graph, or a class staying with its cadre
            direct[a].append([b[1], f])
    for hub, sources in inflow.items():
        targets = outflow[hub]
        for source in sources:
            while source[1]:
                target = targets[-1]
                n = min(source[1], target[1])
                direct[source[0]].append([target[0], n])
                source[1] -= n
                target[1] -= n
                if not target[1]:
                    targets.pop()
    for key, members in classes.items():
        queue = iter(members)
        for cadre, n in direct.get(key, []):
            for _i in range(n):
                solution.assignment[next(queue)] = cadre
        solution.unmatched.extend(queue)


def first_come(households: list[HouseholdNeed], cadres: list[CadreOffer], *, loads=None, shuffle_seed=None):
    """The baseline the issue describes: households in order, each to the next cadre with room (or a random
    order of cadres), whatever their needs."""
    loads = dict(loads or {})
    order = list(cadres)
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(order)
    assignment, i = {}, 0
    for h in households:
        while i < len(order) and loads.get(order[i].id, 0) >= order[i].capacity:
            i += 1
        if i == len(order):
            break
        assignment[h.id] = order[i].id
        loads[order[i].id] = loads.get(order[i].id, 0) + 1
    return assignment


def quality_of(assignment: dict[int, int], households, cadres) -> rules.Quality:
    by_h = {h.id: h for h in households}
    by_c = {c.id: c for c in cadres}
    pairs = (
        (rules.fits(by_h[h].main, by_c[c].skills), by_h[h].township == by_c[c].township, c)
        for h, c in assignment.items()
        if c in by_c
    )
    return rules.quality(pairs, by_c)


# --- the county's data, proposals and their acceptance --------------------------------------------------------


def _gain(h: HouseholdNeed, previous: CadreOffer | None, new: CadreOffer, w=rules.DEFAULT_WEIGHTS) -> int:
    """What moving ``h`` from ``previous`` (None: no cadre) to ``new`` gains in fit and travel, cost units."""
    return (w.unmatched if previous is None else _cost(h, previous, w)) - _cost(h, new, w)


def county_problem(county: Region) -> tuple[list[HouseholdNeed], list[CadreOffer]]:
    """Every household of the county that needs a cadre (with its current one) and every active cadre based in
    the county, read in two queries."""
    low, high = county.subtree_range()
    current = dict(
        HouseholdPairing.objects.filter(region__code__range=(low, high), ended_on__isnull=True).values_list(
            "household_id", "cadre_id"
        )
    )
    needs = []
    for hid, region, main, others in (
        Household.objects.filter(helped(), region__code__range=(low, high))
        .order_by("id")
        .values_list("id", "region_id", "main_cause", "other_causes")
        .iterator(chunk_size=10_000)
    ):
        m, o = rules.needs(main, others or [])
        needs.append(
            HouseholdNeed(hid, ancestor_at(region, RegionLevel.TOWNSHIP), m, o, current.get(hid), region)
        )
    policy = policy_for(county.code)
    offers = [
        CadreOffer(
            c.id, ancestor_at(c.region_id, RegionLevel.TOWNSHIP), rules.cadre_skills(c.skills, c.unit.unit_type),
            capacity_of(c, policy),
        )
        for c in Cadre.objects.filter(region__code__range=(low, high), active=True).select_related("unit").order_by("id")
    ]  # fmt: skip
    return needs, offers


@transaction.atomic
def proposal_make(*, user, county: Region, keep_existing: bool = True) -> MatchingProposal:
    """Solve the county's matching and store the changes it suggests with a summary of fit before and after."""
    permissions.require(user, "match", region=county.code, what=_("生成需求匹配方案"))
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("需求匹配以县为单位。")]})
    needs, offers = county_problem(county)
    if not offers:
        raise ValidationError(_("本县尚未登记在岗的帮扶责任人。"))
    active = {c.id for c in offers}
    before = {h.id: h.current for h in needs if h.current in active}
    if keep_existing:
        todo = [h for h in needs if h.current not in active]
        loads = defaultdict(int)
        for c in before.values():
            loads[c] += 1
    else:
        todo, loads = needs, {}
    margin = policy_for(county.code).rematch_margin
    solution = solve(todo, offers, loads=loads, continuity=0 if keep_existing else margin)
    after = {**(before if keep_existing else {}), **solution.assignment}
    changes = [(h, after[h.id]) for h in needs if h.id in after and after[h.id] != h.current]
    by_c = {c.id: c for c in offers}
    summary = {
        "households": len(needs), "cadres": len(offers), "to_match": len(todo), "changes": len(changes),
        "unmatched": len(solution.unmatched), "seconds": round(solution.seconds, 3), "arcs": solution.arcs,
        "before": asdict(quality_of(before, needs, offers)), "after": asdict(quality_of(after, needs, offers)),
        "without_cadre_before": len(needs) - len(before), "margin": 0 if keep_existing else margin,
    }  # fmt: skip
    proposal = MatchingProposal.objects.create(
        county=county, keep_existing=keep_existing, summary=summary, created_by=user
    )
    ProposalRow.objects.bulk_create(
        (
            ProposalRow(
                proposal=proposal, household_id=h.id, region_id=h.village, previous_id=h.current if h.current in active else None,
                cadre_id=c, fits=rules.fits(h.main, by_c[c].skills), local=h.township == by_c[c].township,
                gain=_gain(h, by_c.get(h.current), by_c[c]),
            )
            for h, c in changes
        ),
        batch_size=5000,
    )  # fmt: skip
    audit.record(AuditAction.CREATE, proposal, after={"summary": summary})
    return proposal


MATCHING_REASON = "需求匹配调整"


@transaction.atomic
def proposal_accept(*, user, proposal: MatchingProposal, row_ids: list[int] | None = None) -> int:
    """Accept all rows of a proposal, or those in ``row_ids``: the old pairings end (reason 需求匹配调整) and
    the new ones start, set-based; refused as a whole when a cadre would go over capacity or a household has
    changed since. Returns the number of pairings made."""
    proposal = MatchingProposal.objects.select_for_update().get(pk=proposal.pk)
    permissions.require(user, "match", region=proposal.county_id, what=_("采纳需求匹配方案"))
    rows = proposal.rows.filter(accepted=False)
    if row_ids is not None:
        rows = rows.filter(pk__in=row_ids)
    rows = list(rows.select_related("household"))
    if not rows:
        raise ValidationError(_("没有可采纳的调整。"))
    open_now = {
        p.household_id: p
        for p in HouseholdPairing.objects.select_for_update().filter(
            household_id__in=[r.household_id for r in rows], ended_on__isnull=True
        )
    }
    stale = [r for r in rows if getattr(open_now.get(r.household_id), "cadre_id", None) != r.previous_id]
    still = set(
        Household.objects.filter(helped(), pk__in=[r.household_id for r in rows]).values_list("pk", flat=True)
    )
    stale += [r for r in rows if r.household_id not in still]
    if stale:
        raise ValidationError(
            _("%(n)d 户的结对或状态已在方案生成后改变（如 %(h)s），请重新生成方案。")
            % {"n": len(stale), "h": stale[0].household.head_name}
        )
    cadres = {c.pk: c for c in Cadre.objects.select_for_update().filter(pk__in={r.cadre_id for r in rows})}
    loads = open_loads(cadres)
    for r in rows:
        loads[r.cadre_id] = loads.get(r.cadre_id, 0) + 1
        if r.previous_id in loads:
            loads[r.previous_id] -= 1
    policy = policy_for(proposal.county_id)
    over = [c for cid, c in cadres.items() if loads.get(cid, 0) > capacity_of(c, policy) or not c.active]
    if over:
        raise ValidationError(
            _("采纳后 %(c)s 将超过帮扶上限或已不在岗，请重新生成方案。") % {"c": over[0].name}
        )
    today = timezone.localdate()
    ended = list(open_now.values())
    entries = []
    for p in ended:
        before = audit.snapshot(p)
        p.ended_on, p.end_reason = today, MATCHING_REASON
        entries.append(audit.entry_for(AuditAction.UPDATE, p, before=before, after=audit.snapshot(p)))
    HouseholdPairing.objects.filter(pk__in=[p.pk for p in ended]).update(
        ended_on=today, end_reason=MATCHING_REASON
    )
    made = HouseholdPairing.objects.bulk_create(
        [
            HouseholdPairing(
                household_id=r.household_id, region_id=r.region_id, cadre_id=r.cadre_id, started_on=today,
                reason=MATCHING_REASON, created_by=user,
            )
            for r in rows
        ],
        batch_size=5000,
    )  # fmt: skip
    entries += [audit.entry_for(AuditAction.CREATE, p, after=audit.snapshot(p)) for p in made]
    audit.record_many(entries)
    ProposalRow.objects.filter(pk__in=[r.pk for r in rows]).update(accepted=True)
    before = audit.snapshot(proposal)
    proposal.accepted_at = timezone.now()
    proposal.save(update_fields=["accepted_at"])
    audit.record(
        AuditAction.UPDATE, proposal, before=before, after={**audit.snapshot(proposal), "rows": len(rows)}
    )
    return len(made)
