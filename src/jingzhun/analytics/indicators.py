"""The indicators, written once as Ibis expressions over the canonical tables (``sources.SCHEMAS``).

The same expressions run on DuckDB over a Parquet snapshot, on PostgreSQL over the live registry and on
PySpark. Everything a village contributes is an additive part (a count or a sum), so the figures of a township,
county, prefecture, province and the whole country are sums of their villages' parts: one pass over the
households, then sums over 620,000 village rows. Ratios (incidence, FGT, Alkire–Foster H/A/M0/M1/M2, coverage)
are derived from the parts at read time by ``definitions``. The Gini is not additive and is computed per region
for the levels in ``GINI_LEVELS``.

The deprivation rules are those of identification (``identification.rules``): the same ages, school states and
dangerous grades, so the dashboards count what the procedure checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
from django.utils.translation import gettext_noop
from ibis import _

from jingzhun.regions.rules import PREFIX_LENGTH
from jingzhun.registry.choices import (
    COUNTED_CATEGORIES,
    DANGEROUS_GRADES,
    POOR_STATUSES,
    Attribute,
    Cause,
)

from .models import NATIONAL_CODE
from .sources import FLOW_COLUMNS, PERSON_FLOW_COLUMNS, STATUS_FLOW_COLUMNS

GINI_LEVELS = (0, 1, 2, 3)  # national, province, prefecture, county
LEVELS = (0, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Tables:
    """The canonical tables bound to one engine."""

    households: ibis.Table
    members: ibis.Table
    plans: ibis.Table
    lines: ibis.Table
    population: ibis.Table


# Alkire–Foster: the indicators a household can be deprived in, from the registry (两不愁三保障 + 一超过).
AF_INDICATORS = {
    "income": gettext_noop("收入（人均纯收入低于扶贫标准）"),
    "food_clothing": gettext_noop("吃穿（人均纯收入低于扶贫标准的一半）"),
    "education": gettext_noop("义务教育（有 6–15 岁成员未在校）"),
    "health": gettext_noop("基本医疗（有成员未参加基本医疗保险或大病保险）"),
    "housing": gettext_noop("住房安全（C/D 级危房）"),
    "water": gettext_noop("饮水安全"),
}


@dataclass(frozen=True)
class AFConfig:
    """The Alkire–Foster counting rule: which indicators, their weights (normalised to sum to 1), the poverty
    cutoff ``k`` on the weighted count, and the share of the line below which 吃穿 counts as not assured (the
    2014 form has no item of its own for it)."""

    indicators: tuple[str, ...] = tuple(AF_INDICATORS)
    weights: tuple[float, ...] = field(default=(1, 1, 1, 1, 1, 1))
    k: float = 1 / 3
    food_share: float = 0.5

    def __post_init__(self):
        if len(self.indicators) != len(self.weights) or not set(self.indicators) <= set(AF_INDICATORS):
            raise ValueError("one weight per known indicator")
        if not 0 < self.k <= 1 or sum(self.weights) <= 0:
            raise ValueError("k in (0, 1] and positive weights")

    @property
    def normalised(self) -> dict[str, float]:
        total = float(sum(self.weights))
        return {name: w / total for name, w in zip(self.indicators, self.weights, strict=True)}


def real(x: float) -> ibis.FloatingValue:
    """A fractional constant every engine computes with in floating point. A bare literal such as 0.1666… is a
    DECIMAL to Spark SQL (sums of DECIMAL products keep six places) and a ratio of integer literals may reach
    PostgreSQL as integer division; a cast from text is a DOUBLE everywhere."""
    return ibis.literal(repr(float(x))).cast("float64")


def flag(condition: ibis.BooleanValue) -> ibis.IntegerValue:
    """1 where ``condition`` holds, else 0 (PostgreSQL casts no boolean to BIGINT)."""
    return ibis.ifelse(condition, 1, 0)


def code_at(village: ibis.StringValue, level: int) -> ibis.StringValue:
    """The code of the level-``level`` region containing ``village`` (0: the whole country)."""
    if level == 0:
        return ibis.literal(NATIONAL_CODE)
    if level == 5:
        return village
    n = PREFIX_LENGTH[level]
    return village.substr(0, n) + ibis.literal("0" * (12 - n))


FACT_COLUMNS = (
    "id", "village", "status", "attribute", "main_cause", "persons", "per_capita_net", "poor", "income_known",
    "gap", "has_cadre", "has_plan", "score", "af_poor", "af_gap1", "af_gap2",
)  # fmt: skip


def exists_at(code: ibis.StringValue, level: int) -> ibis.BooleanValue:
    """Whether ``code`` (padded to ``level``) names a region of that level: a few prefectures have no counties
    (东莞市 4419, 中山市 4420, 儋州市 4604, 嘉峪关市 6202: townships sit right under them), so their "county"
    digits are 00 and the county code would repeat the prefecture's."""
    if level in (0, 1, 5):
        return ibis.literal(True)
    start, end = PREFIX_LENGTH[level - 1], PREFIX_LENGTH[level]
    return code.substr(start, end - start) != "0" * (end - start)


def household_facts(t: Tables, *, year: int, af: AFConfig) -> ibis.Table:
    """One row per household counted in the registry, with its status flags, income gap and deprivations.
    The members' deprivations come as the households' own flags (``out_of_school``, ``uninsured``): worked out
    in the snapshot, so a national rollup never reads the 90 million persons."""
    lines = t.lines.select(l_province=t.lines.province, line=t.lines.line)
    h = t.households.filter(t.households.status.isin(COUNTED_CATEGORIES))
    h = h.left_join(lines, h.village.substr(0, 2) == lines.l_province)
    income_known = h.has_year & h.line.notnull()
    h = h.mutate(
        poor=h.status.isin(POOR_STATUSES),
        income_known=income_known,
        gap=ibis.ifelse(
            income_known & (h.per_capita_net < h.line), (h.line - h.per_capita_net) / h.line, 0.0
        ),
        has_plan=h.id.isin(t.plans.household_id),
        d_income=flag(income_known & (h.per_capita_net < h.line)),
        d_food_clothing=flag(income_known & (h.per_capita_net < h.line * real(af.food_share))),
        d_education=flag(h.out_of_school),
        d_health=flag(h.uninsured),
        d_housing=flag(h.has_year & h.house_grade.isin(sorted(DANGEROUS_GRADES))),
        d_water=flag(h.has_year & ~h.water_safe),
    )
    weights = {name: real(w) for name, w in af.normalised.items()}
    score = sum((h[f"d_{name}"] * w for name, w in weights.items()), ibis.literal(0.0))
    # Censored gaps: income's is its normalised gap (cardinal), the others are 1 when deprived (binary).
    gap1 = sum(
        ((h.gap if name == "income" else h[f"d_{name}"].cast("float64")) * w for name, w in weights.items()),
        ibis.literal(0.0),
    )
    gap2 = sum(
        (
            (h.gap * h.gap if name == "income" else h[f"d_{name}"].cast("float64")) * w
            for name, w in weights.items()
        ),
        ibis.literal(0.0),
    )
    h = h.mutate(
        score=score,
        af_poor=income_known & (score >= real(af.k) - real(1e-9)),
        af_gap1=gap1,
        af_gap2=gap2,
    )
    return h.select(*FACT_COLUMNS, *(f"d_{name}" for name in AF_INDICATORS))


def _sum(value, where=None):
    """Σ value where ``where`` holds (0 where nothing does), as a sum of ``value`` or 0 per row rather than a
    filtered aggregate: some sixty of these per village, and a sum over a CASE is a third cheaper on DuckDB than
    a FILTER (a selection vector per aggregate). Integers are summed as doubles and cast back: exact below
    2⁵³, and DuckDB otherwise sums BIGINT into 128-bit integers, twice as slow at 30 M rows."""
    integer = value.type().is_integer()
    if where is not None:
        value = ibis.ifelse(where, value, 0 if integer else 0.0)
    if integer:
        return value.cast("float64").sum().coalesce(0.0).cast("int64")
    return value.sum().coalesce(0)


def _count(table: ibis.Table, where=None):
    return table.id.count() if where is None else _sum(ibis.literal(1), where)


def village_key(village: ibis.StringValue) -> ibis.IntegerValue:
    """A village code as a number: grouping 30 M households by BIGINT instead of text is much faster; no code
    starts with 0 (provinces are 11–65), so ``village_code`` gives the text back exactly."""
    return village.cast("int64")


def village_code(key: ibis.IntegerValue) -> ibis.StringValue:
    return key.cast("string").lpad(12, "0")


def flow_parts(households: ibis.Table) -> ibis.Table:
    """The year's flows of every village with any (逐年变动 by business year): status changes in households
    (``year_entered_households`` … ``year_cancelled_households``), 人口变动 in persons (``year_born_persons``
    … ``year_left_persons``), and exits and returns also in the households' persons (减贫计划: net exits =
    exits − returns). Summed over every household of the snapshot, not only those counted at year end: a
    household cancelled in the year, or born into before it was identified, is in the region page's live count
    too. A household that exited twice in the year counts twice, as the region page's history does."""
    h = households
    h = h.filter(ibis.or_(*(h[c] != 0 for c in FLOW_COLUMNS)))  # a few per cent of the households
    p = h.persons
    return h.group_by(v=village_key(h.village)).agg(
        **{f"year_{flow}_households": _sum(h[c]) for flow, c in STATUS_FLOW_COLUMNS.items()},
        year_exited_persons=_sum(p * h.exits),
        year_returned_persons=_sum(p * h.returns),
        **{f"year_{flow}_persons": _sum(h[c]) for flow, c in PERSON_FLOW_COLUMNS.items()},
    )


def village_parts(
    facts: ibis.Table, population: ibis.Table, plans: ibis.Table, af: AFConfig, *, households: ibis.Table
) -> ibis.Table:
    """The additive parts of every village (one row per village with households, plans, flows or a rural
    population); the plans' measures and money are summed per village straight from the plans, the flows
    from all the snapshot's ``households`` (``flow_parts``)."""
    f = facts
    p = f.persons
    parts = {
        "households": _count(f),
        "persons": _sum(p),
        "poor_households": _count(f, f.poor),
        "poor_persons": _sum(p, f.poor),
        "income_persons": _sum(p, f.income_known),
        "income_sum": _sum(p * f.per_capita_net, f.income_known),
        "income_poor_persons": _sum(p, f.d_income == 1),
        "gap1_sum": _sum(p * f.gap),
        "gap2_sum": _sum(p * f.gap * f.gap),
        "af_poor_persons": _sum(p, f.af_poor),
        "af_score_sum": _sum(p * f.score, f.af_poor),
        "af_gap1_sum": _sum(p * f.af_gap1, f.af_poor),
        "af_gap2_sum": _sum(p * f.af_gap2, f.af_poor),
        "cadre_households": _count(f, f.poor & f.has_cadre),
        "plan_households": _count(f, f.poor & f.has_plan),
    }
    for status in COUNTED_CATEGORIES:
        parts[f"status_{status}_households"] = _count(f, f.status == status)
        parts[f"status_{status}_persons"] = _sum(p, f.status == status)
    for name in af.indicators:
        parts[f"deprived_{name}_persons"] = _sum(p, f[f"d_{name}"] == 1)
        parts[f"af_{name}_persons"] = _sum(p, f.af_poor & (f[f"d_{name}"] == 1))
    for cause in Cause.values:
        parts[f"cause_{cause}"] = _count(f, f.poor & (f.main_cause == cause))
    for attribute in Attribute.values:
        parts[f"attribute_{attribute}"] = _count(f, f.poor & (f.attribute == attribute))
    villages = f.group_by(v=village_key(f.village)).agg(**parts)
    rural = population.group_by(v=village_key(population.village)).agg(
        rural_population=_sum(population.persons)
    )
    money = plans.group_by(v=village_key(plans.village)).agg(
        plan_measures=_sum(plans.measures), plan_planned=plans.planned.sum(), plan_actual=plans.actual.sum()
    )
    # every village of any of the four tables, with each table's parts (0 where it has none): joins on the
    # 620,000 village keys, not a second aggregation of the stacked tables
    frames = (villages, rural, money, flow_parts(households))
    keys = ibis.union(*(frame.select("v") for frame in frames), distinct=True)
    joined = keys
    for i, frame in enumerate(frames):
        frame = frame.rename(**{f"v{i}": "v"})
        joined = joined.left_join(frame, joined.v == frame[f"v{i}"])
    names = [n for frame in frames for n in frame.columns if n != "v"]
    types = {n: frame.schema()[n] for frame in frames for n in frame.columns if n != "v"}
    return joined.select(
        village=village_code(joined.v),
        **{n: joined[n].coalesce(ibis.literal(0).cast(types[n])).cast(types[n]) for n in names},
    )


PART_NAMES_EXCLUDED = ("village",)


def rollup(parts: ibis.Table) -> ibis.Table:
    """The parts summed for every region of every level (0 = the whole country, 5 = villages), with each
    region's parent code."""
    names = [c for c in parts.columns if c not in PART_NAMES_EXCLUDED]
    frames = []
    for level in LEVELS:
        if level == 5:  # one row per village already
            grouped = parts.select(code=parts.village, **{n: parts[n] for n in names})
        else:
            grouped = parts.group_by(code=code_at(parts.village, level)).agg(
                **{n: parts[n].sum() for n in names}
            )
            grouped = grouped.filter(exists_at(grouped.code, level))  # on the few grouped rows
        parent = ibis.literal("") if level == 0 else code_at(grouped.code, level - 1)
        frames.append(grouped.mutate(level=ibis.literal(level, "int64"), parent=parent))
    return ibis.union(*frames).select("code", "level", "parent", *names)


# Digits below each level's part of a code, for the Gini's integer region keys.
_BELOW = {level: 12 - PREFIX_LENGTH[level] if level else 12 for level in GINI_LEVELS}


def gini(facts: ibis.Table) -> ibis.Table:
    """The population-weighted Gini of per-capita net income for every region of ``GINI_LEVELS``:
    Σ wₖxₖ(2Cₖ + wₖ − W) / (W·S) over the distinct incomes of the region in order, wₖ the persons at income
    xₖ and Cₖ the persons below it (summing per distinct income first also makes ties need no care).

    The persons per distinct income are summed once per county (integer keys); a prefecture's, province's and
    the country's come from the counties' sums, not from the households again."""
    f = facts.filter(facts.income_known)
    lowest = max(GINI_LEVELS)
    f = f.select(
        c=village_key(f.village) // 10 ** _BELOW[lowest], x=f.per_capita_net, w=f.persons.cast("float64")
    )
    counties = f.group_by("c", "x").agg(w=f.w.sum())
    frames = []
    for level in GINI_LEVELS:
        shift = 10 ** (_BELOW[level] - _BELOW[lowest])
        g = (
            counties
            if level == lowest
            else counties.group_by(c=counties.c // shift, x=counties.x).agg(w=counties.w.sum())
        )
        running = g.w.sum().over(ibis.window(group_by=g.c, order_by=g.x, rows=(None, 0)))
        g = g.mutate(before=running - g.w)
        totals = g.group_by("c").agg(
            W=_.w.sum(), S=(_.w * _.x).sum(), T=(_.w * _.x * (2 * _.before + _.w)).sum()
        )
        totals = totals.mutate(code=village_code(totals.c * 10 ** _BELOW[level]))
        totals = totals.filter(exists_at(totals.code, level))  # see exists_at: no "county" 441900000000
        frames.append(
            totals.select(
                g_code=totals.code,
                gini=ibis.ifelse(totals.S > 0, (totals.T - totals.W * totals.S) / (totals.W * totals.S), 0.0),
            )
        )
    return ibis.union(*frames)


MATERIALISE = {"duckdb": False, "postgres": True, "pyspark": True}


def figures(t: Tables, *, year: int, af: AFConfig | None = None, materialise: bool = False) -> ibis.Table:
    """Every region's parts and Gini for ``year``: the one expression a rollup runs. ``materialise`` computes
    the household facts once into a temporary table (they feed both the parts and the Gini): worth it where
    the facts are a join of live tables (PostgreSQL) or a Spark plan; on DuckDB over a snapshot reading the
    households' Parquet twice is cheaper than holding 30 M facts in memory (``MATERIALISE``)."""
    af = af or AFConfig()
    facts = household_facts(t, year=year, af=af)
    if materialise:
        facts = facts.cache()
    rolled = rollup(village_parts(facts, t.population, t.plans, af, households=t.households))
    g = gini(facts)
    joined = rolled.left_join(g, rolled.code == g.g_code)
    return joined.drop("g_code")
