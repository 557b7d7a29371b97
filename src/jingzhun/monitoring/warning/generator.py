"""Synthetic multi-year histories whose risk process is known (docs/warning-generator.md is the specification;
every constant here is named there).

``generate`` writes one snapshot per year in the canonical Parquet layout (``analytics.sources.SCHEMAS``), so the
features read it exactly as they read a real snapshot, and the truth — hidden states, the event of each year and
the oracle's probability of next year's event — to ``<root>/truth/<year>.parquet``, which the model never reads.
Vectorised with NumPy over all households at once; one ``numpy.random.Generator`` drawn in a fixed order, so a
seed gives the same history bit for bit, and a history whose last year has another shock mix is identical to the
standard one before it.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.special import ndtr

# The households' flows of the year, as ``analytics.sources.FLOW_COLUMNS`` names them (this package reads no Django
# module, so it spells them; the snapshot test checks the two agree).
YEAR_FLOWS = ("entries", "exits", "returns", "cancellations", "births", "deaths", "arrivals", "departures")

PROVINCE = "52"
HOUSEHOLDS_PER_VILLAGE = 250
MONITORING_FACTOR = 1.5  # the monitoring line is 1.5 × the poverty line (DOMAIN.md §8)
LEVEL = 1.82  # c in the specification: calibrated once, before any model, to 5–9 % events a year

SIZES = np.array([1, 2, 3, 4, 5, 6, 7])
SIZE_WEIGHTS = np.array([10, 20, 22, 20, 14, 9, 5]) / 100
HAZARDS = np.array([0.02, 0.08, 0.25])
HAZARD_WEIGHTS = np.array([0.80, 0.15, 0.05])
GRADES = np.array(["A", "B", "C", "D"])
GRADE_WEIGHTS = np.array([45, 35, 14, 6]) / 100
GRADE_WEIGHTS_RISKY = np.array([45, 35, 21, 9]) / 110

# income (log of income ÷ poverty line)
DEPENDENCY = 0.6
AR = 0.6
SD_PERSISTENT = 0.15
SD_TRANSITORY = 0.10
SD_LEVEL = 0.35
SD_VILLAGE = 0.15
ILL_EFFECT = 0.35
MEDICAL_INSURED = 0.15
MEDICAL_UNINSURED = 0.50
JOB_EFFECT = 0.8
DISASTER_EFFECT = 0.40
WEAK_HOUSE = 1.5
# shocks
REPAIR = 0.2
ILL_PERSISTS = 0.6
ILL_BASE = 0.01
JOB_BACK = 0.6
JOB_LOSS = 0.05
HIT_IN_STRUCK_VILLAGE = 0.7
DOWNGRADE = 0.25
DETECTED = 0.7
RECORD_MISSING = 0.01


@dataclass(frozen=True)
class Mix:
    """Year multipliers of the three shocks' hazards."""

    illness: float = 1.0
    disaster: float = 1.0
    job: float = 1.0


STANDARD = Mix()
SHIFTED = Mix(illness=0.4, disaster=2.5, job=3.0)


def poverty_line(year: int) -> float:
    return round(4000 * 1.05 ** (year - 2020), 2)


def monitoring_line(year: int) -> float:
    return MONITORING_FACTOR * poverty_line(year)


@dataclass
class History:
    """What ``generate`` wrote: the snapshot root, the years, and per year the truth table."""

    root: Path
    years: list[int]
    households: int
    seed: int
    mixes: dict[int, Mix] = field(default_factory=dict)

    def snapshot(self, year: int) -> Path:
        return self.root / str(year)

    def truth(self, year: int) -> pa.Table:
        return pq.read_table(self.root / "truth" / f"{year}.parquet")


def village_codes(count: int) -> np.ndarray:
    """``52 PP CC TTT VVV``: 10 villages a township (村委会 200+), 20 townships a county (镇 100+), 90 counties a
    prefecture."""
    j = np.arange(count)
    county = j // 200
    codes = [
        f"{PROVINCE}{1 + c // 90:02d}{1 + c % 90:02d}{100 + t:03d}{200 + v:03d}"
        for c, t, v in zip(county, (j // 10) % 20, j % 10, strict=True)
    ]
    return np.array(codes)


def _dictionary(indices: np.ndarray, values) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), pa.array(list(values)))


def _per_household(owner: np.ndarray, values, n: int) -> np.ndarray:
    return np.bincount(owner, weights=values, minlength=n)


class _Population:
    """The households, their members and their hidden states, advanced a year at a time."""

    def __init__(self, rng: np.random.Generator, n: int, first_year: int):
        self.n = n
        self.first_year = first_year
        nv = math.ceil(n / HOUSEHOLDS_PER_VILLAGE)
        self.village = np.arange(n) // HOUSEHOLDS_PER_VILLAGE
        self.codes = village_codes(nv)
        self.hazard = rng.choice(HAZARDS, nv, p=HAZARD_WEIGHTS)
        village_effect = rng.normal(0, SD_VILLAGE, nv)
        self.size = rng.choice(SIZES, n, p=SIZE_WEIGHTS)
        m = int(self.size.sum())
        self.owner = np.repeat(np.arange(n), self.size)
        starts = np.concatenate([[0], np.cumsum(self.size)[:-1]])
        self.starts = starts
        position = np.arange(m) - starts[self.owner]
        head_age = rng.integers(25, 76, n)
        spouse_age = np.clip(head_age + rng.integers(-5, 6, n), 18, 95)
        child = rng.random(m) < 0.7
        other_age = np.where(child, rng.integers(0, 23, m), rng.integers(60, 89, m))
        self.age0 = np.where(
            position == 0, head_age[self.owner], np.where(position == 1, spouse_age[self.owner], other_age)
        )
        self.sex = rng.integers(0, 2, m)
        self.disabled = rng.random(m) < 0.03
        chronic_p = 0.05 + 0.004 * np.maximum(self.age0 - 40, 0)
        self.chronic = ~self.disabled & (rng.random(m) < chronic_p)
        self.skilled = rng.random(m) < 0.2
        self.migrant = ~self.disabled & (rng.random(m) < 0.45)
        medical = rng.random(m) < 0.97
        serious = rng.random(m) < 0.92
        self.medical, self.serious_insurance = medical, serious
        self.insured = medical & serious
        self.school_ok = rng.random(m) < 0.99
        self.level_hidden = rng.normal(0, SD_LEVEL, n)
        self.level = LEVEL + village_effect[self.village] + self.level_hidden
        risky = self.hazard[self.village] >= 0.08
        grade = np.where(risky, rng.choice(4, n, p=GRADE_WEIGHTS_RISKY), rng.choice(4, n, p=GRADE_WEIGHTS))
        self.grade = grade
        self.water_safe = rng.random(n) < 0.95
        self.exited = rng.random(n) < 0.70
        # attribute and main cause, fixed at the start
        units = self.units(first_year)
        lowest = self.level <= np.quantile(self.level, 0.15)
        elder_alone = (self.size == 1) & (self.age0[starts] >= 65)
        self.attribute = np.where(
            elder_alone & (rng.random(n) < 0.6), 2, np.where(lowest & (rng.random(n) < 0.7), 1, 0)
        )  # 0 general, 1 dibao, 2 wubao
        sick = _per_household(self.owner, self.chronic | self.disabled, n) > 0
        cause_pick = rng.random(n)
        other = rng.choice(np.array(["lack_skills", "lack_capital", "poor_transport"]), n)
        self.cause = np.where(
            sick,
            "illness",
            np.where(
                risky & (cause_pick < 0.5),
                "disaster",
                np.where(units / self.size < 0.3, "lack_labour", other),
            ),
        )
        # hidden states, all "nothing happened" before the first year
        self.ill = np.zeros(n, bool)
        self.ill_member = np.full(n, -1)
        self.jobless = np.zeros(n, bool)
        self.hit = np.zeros(n, bool)
        self.hit_factor = np.ones(n)
        self.persistent = np.zeros(n)
        self.event = np.zeros(n, bool)

    # --- what follows from ages -------------------------------------------------------------------------
    def ages(self, year: int) -> np.ndarray:
        return self.age0 + (year - self.first_year)

    def units(self, year: int) -> np.ndarray:
        age = self.ages(year)
        working = (age >= 16) & (age <= 59)
        unit = np.where(
            working & ~self.disabled,
            np.where(self.skilled, 1.4, 1.0),
            np.where(working | ((age >= 60) & (age <= 69)), 0.4, 0.0),
        )
        return _per_household(self.owner, unit, self.n)

    def working_migrants(self, year: int) -> tuple[np.ndarray, np.ndarray]:
        """(working-age migrants, wage exposure w_h) per household."""
        age = self.ages(year)
        working = (age >= 16) & (age <= 59)
        migrants = _per_household(self.owner, working & self.migrant, self.n)
        workers = _per_household(self.owner, working, self.n)
        return migrants, migrants / np.maximum(workers, 1)

    def illness_risk(self, year: int) -> np.ndarray:
        age = self.ages(year)
        return ILL_BASE * np.where(age >= 60, 2.5, 1.0) * np.where(self.chronic, 4.0, 1.0)

    # --- one year ---------------------------------------------------------------------------------------
    def advance(self, rng: np.random.Generator, year: int, mix: Mix, first: bool) -> dict:
        """Draw year ``year``'s shocks (from the states of the year before) and its incomes."""
        n = self.n
        previous = year - 1
        # 1. repair
        u_repair = rng.random(n)
        self.grade = np.where((self.grade >= 2) & (u_repair < REPAIR), 1, self.grade)
        # 2. illness
        u_persist, u_ill, u_who = rng.random(n), rng.random(n), rng.random(n)
        risk = self.illness_risk(previous)
        stays = self.ill & (u_persist < ILL_PERSISTS)
        recovered = self.ill & ~stays
        self.chronic[self.ill_member[recovered]] = True
        hazard = 1 - np.exp(_per_household(self.owner, np.log1p(-np.minimum(mix.illness * risk, 1)), n))
        falls = ~self.ill & (u_ill < hazard)
        cumulative = np.cumsum(risk)
        before = cumulative[self.starts] - risk[self.starts]
        total = _per_household(self.owner, risk, n)
        who = np.searchsorted(cumulative, before + u_who * total, side="left")
        who = np.clip(who, self.starts, self.starts + self.size - 1)  # float rounding at a household's edge
        self.ill_member = np.where(stays, self.ill_member, np.where(falls, who, -1))
        self.ill = stays | falls
        # 3. job loss
        u_job = rng.random(n)
        migrants, _ = self.working_migrants(previous)
        lose = 1 - (1 - min(JOB_LOSS * mix.job, 1)) ** migrants
        self.jobless = np.where(self.jobless, u_job >= JOB_BACK, u_job < lose)
        # 4. disaster
        u_village, u_hit, u_downgrade = rng.random(len(self.codes)), rng.random(n), rng.random(n)
        struck = u_village < np.minimum(mix.disaster * self.hazard, 1)
        hit = struck[self.village] & (u_hit < HIT_IN_STRUCK_VILLAGE)
        factor = np.where(self.grade >= 2, WEAK_HOUSE, 1.0)
        self.grade = np.where(hit & (self.grade <= 1) & (u_downgrade < DOWNGRADE), 2, self.grade)
        # income
        eta = rng.normal(0, SD_PERSISTENT / math.sqrt(1 - AR**2) if first else SD_PERSISTENT, n)
        eps = rng.normal(0, SD_TRANSITORY, n)
        self.persistent = (0 if first else AR * self.persistent) + eta
        _, exposure = self.working_migrants(year)
        log_ratio = (
            self.level
            + DEPENDENCY * np.log((self.units(year) + 0.3) / self.size)
            + self.persistent
            + eps
            - ILL_EFFECT * self.ill
            - JOB_EFFECT * exposure * self.jobless
            - DISASTER_EFFECT * (factor * hit + 0.5 * self.hit_factor * self.hit)
        )
        self.hit, self.hit_factor = hit, factor
        medical = np.where(self.insured[np.maximum(self.ill_member, 0)], MEDICAL_INSURED, MEDICAL_UNINSURED)
        log_star = log_ratio - medical * self.ill
        line = poverty_line(year)
        income = line * np.exp(log_ratio)
        was_event = self.event
        self.event = log_star < math.log(MONITORING_FACTOR)
        u_detect, u_record = rng.random(n), rng.random(n)
        monitored = was_event & (u_detect < DETECTED)
        has_year = u_record >= RECORD_MISSING
        return {
            "income": income,
            "income_star": line * np.exp(log_star),
            "monitored": monitored,
            "has_year": has_year,
        }

    def oracle(self, year: int, mix: Mix) -> np.ndarray:
        """P(event in ``year`` + 1 | every state at the end of ``year``), under next year's ``mix``."""
        n, nxt = self.n, year + 1
        _, exposure = self.working_migrants(nxt)
        mu = self.level + DEPENDENCY * np.log((self.units(nxt) + 0.3) / self.size) + AR * self.persistent
        mu = mu - DISASTER_EFFECT * 0.5 * self.hit_factor * self.hit
        sigma = math.hypot(SD_PERSISTENT, SD_TRANSITORY)
        # illness outcomes: (probability, effect on log y*)
        risk = self.illness_risk(year)
        hazard = 1 - np.exp(_per_household(self.owner, np.log1p(-np.minimum(mix.illness * risk, 1)), n))
        insured_share = _per_household(self.owner, risk * self.insured, n) / _per_household(
            self.owner, risk, n
        )
        known = np.where(self.insured[np.maximum(self.ill_member, 0)], MEDICAL_INSURED, MEDICAL_UNINSURED)
        illness = [
            (np.where(self.ill, 1 - ILL_PERSISTS, 1 - hazard), 0.0),
            (np.where(self.ill, ILL_PERSISTS, 0.0), ILL_EFFECT + known),
            (np.where(self.ill, 0.0, hazard * insured_share), ILL_EFFECT + MEDICAL_INSURED),
            (np.where(self.ill, 0.0, hazard * (1 - insured_share)), ILL_EFFECT + MEDICAL_UNINSURED),
        ]
        migrants, _ = self.working_migrants(year)
        lose = np.where(self.jobless, 1 - JOB_BACK, 1 - (1 - min(JOB_LOSS * mix.job, 1)) ** migrants)
        job = [(1 - lose, 0.0), (lose, JOB_EFFECT * exposure)]
        weak = self.grade >= 2
        p_hit = HIT_IN_STRUCK_VILLAGE * np.minimum(mix.disaster * self.hazard[self.village], 1)
        factor_weak = np.where(weak, 1 - REPAIR, 0.0)  # probability the house is still C/D next year
        disaster = [
            (1 - p_hit, 0.0),
            (p_hit * factor_weak, DISASTER_EFFECT * WEAK_HOUSE),
            (p_hit * (1 - factor_weak), DISASTER_EFFECT),
        ]
        threshold = math.log(MONITORING_FACTOR)
        p = np.zeros(n)
        for p_ill, e_ill in illness:
            for p_job, e_job in job:
                for p_dis, e_dis in disaster:
                    p += p_ill * p_job * p_dis * ndtr((threshold - mu + e_ill + e_job + e_dis) / sigma)
        return p

    # --- the snapshot -----------------------------------------------------------------------------------
    def tables(self, year: int, drawn: dict) -> tuple[pa.Table, pa.Table]:
        n = self.n
        age = self.ages(year)
        ill_flag = np.zeros(len(self.owner), bool)
        ill_flag[self.ill_member[self.ill]] = True
        health = np.where(ill_flag, 2, np.where(self.disabled, 3, np.where(self.chronic, 1, 0)))
        working = (age >= 16) & (age <= 59)
        labour = np.where(
            age < 16,
            4,
            np.where(
                age >= 70,
                4,
                np.where(
                    age >= 60,
                    2,
                    np.where(ill_flag, 3, np.where(self.disabled, 2, np.where(self.skilled, 1, 0))),
                ),
            ),
        )  # ordinary, skilled, weak, lost, none
        schooling = np.where(age < 6, 1, np.where((age <= 15) & self.school_ok, 2, 0))
        school_age = (age >= 6) & (age <= 15)
        out_of_school = _per_household(self.owner, school_age & (schooling != 2), n) > 0
        uninsured = _per_household(self.owner, ~self.insured, n) > 0
        dibao = self.attribute == 1
        has_year = drawn["has_year"]
        income = np.where(has_year, np.round(drawn["income"], 2), 0.0)
        status = np.where(drawn["monitored"], 2, np.where(self.exited, 0, 1))
        village = _dictionary(self.village, self.codes)
        households = pa.table(
            {
                "id": np.arange(1, n + 1, dtype=np.int64),
                "village": village,
                "status": _dictionary(status, ["exited", "unidentified", "monitored"]),
                "attribute": _dictionary(self.attribute, ["general", "dibao", "wubao"]),
                "main_cause": pa.array(self.cause).dictionary_encode(),
                "identification_standard": _dictionary(np.zeros(n), ["national"]),
                "persons": self.size.astype(np.int64),
                "has_year": has_year,
                "per_capita_net": income,
                "net_income": np.round(income * self.size, 2),
                "house_grade": _dictionary(self.grade, GRADES),
                "water_safe": self.water_safe,
                "has_cadre": self.exited | drawn["monitored"],
                "out_of_school": out_of_school,
                "uninsured": uninsured,
                # the year's flows (exits, returns, entries, births …: the rollup's 逐年变动): not part of the
                # risk process, zero in every synthetic year
                **{column: np.zeros(n, dtype=np.int64) for column in YEAR_FLOWS},
            }
        )
        m = len(self.owner)
        birth = np.array(year - age, dtype="int64")
        birth_date = (birth - 1970).astype("datetime64[Y]").astype("datetime64[D]") + np.timedelta64(181, "D")
        members = pa.table(
            {
                "id": np.arange(1, m + 1, dtype=np.int64),
                "household_id": (self.owner + 1).astype(np.int64),
                "village": _dictionary(self.village[self.owner], self.codes),
                "sex": _dictionary(self.sex, ["1", "2"]),
                "birth_date": pa.array(birth_date, type=pa.date32()),
                "schooling": _dictionary(schooling, ["none", "preschool", "primary"]),
                "health": _dictionary(health, ["healthy", "chronic", "serious", "disabled"]),
                "labour": _dictionary(labour, ["ordinary", "skilled", "weak", "lost", "none"]),
                "medical_insurance": self.medical,
                "serious_illness_insurance": self.serious_insurance,
                "dibao": dibao[self.owner],
            }
        )
        del working
        return households, members


def _write(root: Path, year: int, households: pa.Table, members: pa.Table) -> None:
    base = root / str(year)
    for name, table in (("households", households), ("members", members)):
        target = base / name / f"province={PROVINCE}"
        target.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, target / "part-0.parquet", row_group_size=256_000)
    (base / "lines").mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"province": [PROVINCE], "line": [poverty_line(year)]}), base / "lines" / "part-0.parquet"
    )


def generate(
    root: Path,
    *,
    households: int,
    seed: int,
    first_year: int = 2019,
    years: int = 7,
    last_mix: Mix = STANDARD,
) -> History:
    """Write ``years`` yearly snapshots of ``households`` households from ``first_year`` under ``root`` and
    their truth; the last year's shocks follow ``last_mix`` (the others the standard mix)."""
    root = Path(root)
    shutil.rmtree(root, ignore_errors=True)
    rng = np.random.default_rng(seed)
    population = _Population(rng, households, first_year)
    span = list(range(first_year, first_year + years))
    mixes = {y: (last_mix if y == span[-1] else STANDARD) for y in span}
    (root / "truth").mkdir(parents=True)
    for year in span:
        drawn = population.advance(rng, year, mixes[year], first=year == first_year)
        _write(root, year, *population.tables(year, drawn))
        nxt = mixes.get(year + 1)
        # the last year's oracle is unknown (no next year): null, not NaN
        oracle = (
            pa.array(population.oracle(year, nxt)) if nxt is not None else pa.nulls(households, pa.float64())
        )
        truth = pa.table(
            {
                "household_id": np.arange(1, households + 1, dtype=np.int64),
                "persons": population.size.astype(np.int64),
                "event": population.event,
                "oracle_next": oracle,
                "ill": population.ill,
                "jobless": population.jobless,
                "hit": population.hit,
                "income_star": drawn["income_star"],
            }
        )
        pq.write_table(truth, root / "truth" / f"{year}.parquet")
    return History(root=root, years=span, households=households, seed=seed, mixes=mixes)
