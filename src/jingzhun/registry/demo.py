"""Synthetic but realistic 建档立卡 households for the villages under a region, deterministic for a seed.

Each household has a story over the policy periods (``Story``): identified in 2014 (most) to 2016, exited from
2016 to 2020 so that the registered poor fall year by year as they did nationally (DOMAIN.md §11) — by 2020 nearly
all have exited; a few returned, a few never exited, a handful were cancelled in the 回头看 — then the 过渡期 and
常态化 years with some households monitored (a dated ``Monitoring`` period). The payload describes the household as
its data year (the latest year asked for) sees it, with a yearly record for each year asked for from its 识别年度
on: per-capita net income below or near the year's line while registered, stably above it from the exit year
(with a safe house and water: 三保障), below the monitoring line while monitored. Household sizes, ages, health,
schooling and labour are drawn so that the causes of poverty agree with the members (an 因病 household has a
sick member, a 五保 household is one elderly person, children of compulsory-school age are almost all at school).
ID numbers carry the county's address code and the real birth date, with a valid check character.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from jingzhun.core import audit
from jingzhun.core.ids import make_id_number
from jingzhun.core.models import AuditAction
from jingzhun.regions.models import Region

from . import members, services, yearcycle
from .choices import (
    Attribute,
    Cause,
    Education,
    Fuel,
    Health,
    HouseGrade,
    HouseholdStatus,
    Labour,
    MonitoringKind,
    Relationship,
    RiskType,
    RoadType,
    Schooling,
    WorkStatus,
)
from .models import AdjustmentYear, Household, Member, Monitoring, Transfer

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤杨吴潘"
)
GIVEN = "文明华建国平志勇军伟强秀英兰芳玉珍桂花金银春梅光荣德福海波云红丽娟霞燕林生发成永德明亮清秀丹凤"

# The national poverty line by year (DOMAIN.md §4; 2017 and 2018 are not confirmed by a primary source and are
# placed between their neighbours here: the demo only needs incomes on the right side of the line).
LINE = {2013: 2736, 2014: 2800, 2015: 2855, 2016: 2952, 2017: 3040, 2018: 3130, 2019: 3218, 2020: 4000}
# The monitoring line of the 过渡期 (≈ 1.5 × the 2020 line, set by the province each year): the demo's monitored
# households fall below it while they are monitored.
MONITORING_LINE = {2020: 6000, 2021: 6000, 2022: 6300, 2023: 6600, 2024: 7000, 2025: 7300, 2026: 7600}
TACKLING_END = 2020  # the end of the 攻坚期: every registered household exited (DOMAIN.md §8, §11)

# The story of a household over the policy periods (攻坚期 → 过渡期 → 常态化): most were identified in 2014 (the
# first 建档立卡), the rest in the 2015–2016 回头看; exits from 2016 on, spread over the years so that the registered
# poor fall as they did nationally (DOMAIN.md §11); a few returned, a few never exited, a handful were cancelled
# in the 回头看, and a few ordinary households are in the registry only as monitored ones (边缘易致贫户).
IDENTIFIED_WEIGHTS = {2014: 78, 2015: 14, 2016: 8}
EXIT_WEIGHTS = {2016: 22, 2017: 24, 2018: 26, 2019: 20, 2020: 8}
FATE_WEIGHTS = {"exited": 940, "returned": 15, "registered": 10, "cancelled": 15, "never": 20}
RETURN_YEARS = (2018, 2019, 2020)
CANCEL_YEARS = (2015, 2016, 2017)
MONITORED_SHARE = {"exited": 0.05, "returned": 0.0, "never": 0.6}  # 过渡期 monitoring objects, ≈ 5 % (§8)

CAUSE_WEIGHTS = {
    Cause.ILLNESS: 30, Cause.LACK_CAPITAL: 14, Cause.LACK_SKILLS: 13, Cause.LACK_LABOUR: 12,
    Cause.DISABILITY: 6, Cause.EDUCATION: 6, Cause.LACK_MOTIVATION: 5, Cause.POOR_TRANSPORT: 4,
    Cause.LACK_LAND: 3, Cause.DISASTER: 3, Cause.LACK_WATER: 2, Cause.OTHER: 2,
}  # fmt: skip
SIZE_WEIGHTS = {1: 13, 2: 20, 3: 20, 4: 21, 5: 14, 6: 8, 7: 4}
# 民族 (GB/T 3304 codes): the south-west mix where the demo county lies, the national mix elsewhere.
ETHNICITY_WEIGHTS = {
    "52": {"06": 60, "01": 25, "12": 6, "09": 4, "25": 3, "37": 2},
    "": {"01": 90, "08": 3, "03": 2, "11": 2, "06": 1, "07": 1, "15": 1},
}


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, surname: str | None = None) -> str:
    return (surname or rng.choice(SURNAMES)) + "".join(
        rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))
    )


def _schooling(rng: random.Random, age: int) -> tuple[str, str]:
    """(schooling, education) for a member of ``age``."""
    if age < 3:
        return Schooling.NONE, Education.PRESCHOOL_CHILD
    if age < 6:
        return (Schooling.PRESCHOOL if rng.random() < 0.8 else Schooling.NONE), Education.PRESCHOOL_CHILD
    if age <= 15 and rng.random() < 0.99:  # compulsory education: almost all at school
        if age <= 11:
            return Schooling.PRIMARY, Education.PRIMARY
        return [Schooling.GRADE_7, Schooling.GRADE_8, Schooling.GRADE_9][min(age - 12, 2)], Education.JUNIOR
    if 16 <= age <= 18 and rng.random() < 0.6:
        grade = min(age - 16, 2)
        kind = rng.choice([(Schooling.SENIOR_1, 0), (Schooling.SECONDARY_VOC_1, 0)])[0]
        return Schooling.values[Schooling.values.index(kind) + grade], Education.JUNIOR
    if 19 <= age <= 22 and rng.random() < 0.15:
        return rng.choice([Schooling.COLLEGE, Schooling.HIGHER_VOC_1]), Education.SENIOR
    if age > 60:
        return Schooling.NONE, _pick(
            rng, {Education.ILLITERATE: 45, Education.PRIMARY: 40, Education.JUNIOR: 15}
        )
    if age > 40:
        levels = {Education.ILLITERATE: 15, Education.PRIMARY: 40, Education.JUNIOR: 40, Education.SENIOR: 5}
        return Schooling.NONE, _pick(rng, levels)
    levels = {Education.PRIMARY: 20, Education.JUNIOR: 55, Education.SENIOR: 17, Education.COLLEGE: 8}
    return Schooling.NONE, _pick(rng, levels)


def _labour(rng: random.Random, age: int, health: str, schooling: str) -> str:
    if age < 16 or schooling != Schooling.NONE:
        return Labour.NONE
    if health in (Health.SERIOUS, Health.DISABLED):
        return Labour.LOST if rng.random() < 0.7 else Labour.WEAK
    if age > 65:
        return Labour.NONE if rng.random() < 0.5 else Labour.WEAK
    if age > 58 or health == Health.CHRONIC:
        return Labour.WEAK if rng.random() < 0.6 else Labour.ORDINARY
    return _pick(rng, {Labour.ORDINARY: 78, Labour.SKILLED: 15, Labour.WEAK: 7})


RISK_OF_CAUSE = {
    Cause.ILLNESS: RiskType.ILLNESS, Cause.DISABILITY: RiskType.DISABILITY, Cause.EDUCATION: RiskType.SCHOOLING,
    Cause.DISASTER: RiskType.DISASTER, Cause.LACK_LABOUR: RiskType.LABOUR, Cause.LACK_CAPITAL: RiskType.INDUSTRY,
}  # fmt: skip


def national_line(year: int) -> float:
    """The national line of ``year`` as the demo places incomes (the 2020 line carried on after it)."""
    if year in LINE:
        return LINE[year]
    return LINE[min(LINE)] * 0.96 ** (min(LINE) - year) if year < min(LINE) else LINE[TACKLING_END]


def monitoring_line(year: int) -> float:
    return MONITORING_LINE.get(year, MONITORING_LINE[max(MONITORING_LINE)])


@dataclass
class Story:
    """What happened to a household over the policy periods (years are business years; None: never)."""

    fate: str
    identified: int | None
    exit: int | None
    returned: int | None
    cancelled: int | None
    pre: float  # per-capita income as a share of the line while registered
    after: float  # … in the exit year
    growth: float  # yearly growth after exit, to the end of the 攻坚期
    monitoring: dict | None = None

    def status_in(self, year: int) -> tuple[str, int]:
        """(status at the end of ``year``, the business year of the last change the historical load writes in
        the data year — a return's or cancellation's, else ``year``)."""
        if self.identified is None:
            return HouseholdStatus.UNIDENTIFIED, year
        if self.cancelled and self.cancelled <= year:
            return HouseholdStatus.CANCELLED, self.cancelled
        if self.returned and self.returned <= year:
            return HouseholdStatus.RETURNED, self.returned
        if self.exit and self.exit <= year:
            return HouseholdStatus.EXITED, year
        return HouseholdStatus.REGISTERED, year


class DemoGenerator:
    """Draws household payloads (the dicts ``services.households_register`` takes)."""

    def __init__(self, *, seed: int, years: list[int], address_code: str):
        self.rng = random.Random(seed)
        # Draws added later come from their own stream: the households a seed gives stay the same.
        self.history_rng = random.Random(seed + 1)
        self.years = years
        self.address_code = address_code
        # Members are described as they are at the end of the data year (never after today: no future births).
        self.reference = min(dt.date(max(years), 12, 31), timezone.localdate())
        self.used_ids: set[str] = set()
        self.ethnicity = ETHNICITY_WEIGHTS.get(address_code[:2], ETHNICITY_WEIGHTS[""])

    def _id_number(self, age: int, sex: str) -> tuple[str, dt.date]:
        rng = self.rng
        while True:
            birth = self.reference - dt.timedelta(days=age * 365 + rng.randrange(365))
            seq = rng.randrange(500) * 2 + (1 if sex == "1" else 0)
            number = make_id_number(self.address_code, birth, seq)
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number, birth

    def _member(
        self, relationship: str, age: int, sex: str, surname: str, ethnicity: str, attribute: str
    ) -> dict:
        rng = self.rng
        age = max(0, min(age, 98))
        number, _birth = self._id_number(age, sex)
        schooling, education = _schooling(rng, age)
        health = _pick(rng, {Health.HEALTHY: 78, Health.CHRONIC: 12, Health.SERIOUS: 4, Health.DISABLED: 6})
        if age < 16:
            health = Health.HEALTHY if rng.random() < 0.95 else health
        labour = _labour(rng, age, health, schooling)
        working = labour in (Labour.ORDINARY, Labour.SKILLED) and 18 <= age <= 55 and rng.random() < 0.55
        work = (
            _pick(rng, {WorkStatus.IN_TOWNSHIP: 20, WorkStatus.IN_COUNTY: 20, WorkStatus.IN_PROVINCE: 25,
                        WorkStatus.OUT_OF_PROVINCE: 35})
            if working else WorkStatus.NONE
        )  # fmt: skip
        # Basic and 大病 insurance are near-universal for registered households (the 基本医疗保障 of 三保障):
        # a gap is rare, so the data-quality rule Q16 finds a handful, and demo-quality's planted ones stand out.
        medical = rng.random() < 0.998
        return {
            "name": _name(
                rng, surname if relationship in (Relationship.SON, Relationship.DAUGHTER) else None
            ),
            "id_number": number,
            "relationship": relationship,
            "ethnicity": ethnicity,
            "education": education,
            "schooling": schooling,
            "health": health,
            "labour": labour,
            "work_status": work,
            "months_worked": rng.randint(3, 12) if working else 0,
            "medical_insurance": medical,
            "serious_illness_insurance": medical and rng.random() < 0.997,
            "pension_insurance": age >= 16 and schooling == Schooling.NONE and rng.random() < 0.85,
            "dibao": attribute == Attribute.DIBAO,
        }

    def _members(self, attribute: str, cause: str) -> list[dict]:
        rng = self.rng
        ethnicity = _pick(rng, self.ethnicity)
        surname = rng.choice(SURNAMES)
        if attribute == Attribute.WUBAO:
            size, head_age = 1, rng.randint(62, 88)
        else:
            size = _pick(rng, SIZE_WEIGHTS)
            head_age = rng.randint(60, 85) if size == 1 else int(rng.triangular(26, 80, 48))
        head_sex = "1" if rng.random() < 0.85 or (size == 1 and rng.random() < 0.5) else "2"
        add = lambda rel, age, sex: members.append(  # noqa: E731
            self._member(rel, age, sex, surname, ethnicity, attribute)
        )
        members: list[dict] = []
        add(Relationship.HEAD, head_age, head_sex)
        members[0]["name"] = surname + members[0]["name"][1:]
        if size >= 2 and rng.random() < 0.85:
            add(Relationship.SPOUSE, head_age + rng.randint(-4, 3), "2" if head_sex == "1" else "1")
        while len(members) < size:
            remaining = size - len(members)
            if (
                head_age >= 58
                and remaining >= 2
                and not any(m["relationship"] == Relationship.SON for m in members)
            ):
                son_age = head_age - rng.randint(24, 32)
                add(Relationship.SON, son_age, "1")
                add(Relationship.DAUGHTER_IN_LAW, son_age + rng.randint(-3, 2), "2")
            elif head_age >= 58:
                add(Relationship.GRANDCHILD, max(0, head_age - rng.randint(48, 62)), rng.choice("12"))
            elif head_age < 40 and remaining == 1 and rng.random() < 0.4:
                add(Relationship.PARENT, head_age + rng.randint(24, 32), rng.choice("12"))
            else:
                sex = rng.choice("12")
                add(
                    Relationship.SON if sex == "1" else Relationship.DAUGHTER,
                    head_age - rng.randint(20, 36),
                    sex,
                )
        # Make the members agree with the main cause of poverty.
        adults = [m for m in members if m["labour"] != Labour.NONE or m["relationship"] == Relationship.HEAD]
        if cause == Cause.ILLNESS:
            sick = rng.choice(adults or members)
            sick["health"] = rng.choice([Health.SERIOUS, Health.CHRONIC])
        elif cause == Cause.DISABILITY:
            rng.choice(adults or members)["health"] = Health.DISABLED
        return members

    def _story(self, cause: str, fate: str | None = None) -> Story:
        """The household's years: drawn over the policy periods, then seen from the data year (the latest of
        ``years``): an exit after it is still to come, a return or cancellation after it has not happened."""
        rng, years = self.history_rng, self.years
        last = max(years)
        shown = {y: w for y, w in IDENTIFIED_WEIGHTS.items() if y in years}
        identified = _pick(rng, shown) if shown else min(years)
        fate = fate or _pick(rng, FATE_WEIGHTS)
        exit_year = max(_pick(rng, EXIT_WEIGHTS), identified)
        returned = cancelled = None
        if fate == "returned":
            returned = rng.choice(RETURN_YEARS)
            if max(identified, 2016) < returned:
                exit_year = rng.randint(max(identified, 2016), returned - 1)
            else:
                fate, returned = "exited", None
        elif fate == "cancelled":
            cancelled = max(identified, rng.choice(CANCEL_YEARS))
        story = Story(
            fate=fate,
            identified=None if fate in ("never", "applicant") else identified,
            exit=exit_year if fate in ("exited", "returned") else None,
            returned=returned,
            cancelled=cancelled,
            # An applicant (a household asking to be identified now) lives below the line.
            pre=rng.uniform(0.5, 0.85) if fate == "applicant" else rng.lognormvariate(math.log(0.95), 0.3),
            after=rng.uniform(1.4, 2.4),
            growth=rng.uniform(1.15, 1.32),
        )
        monitored_from = max(2021, min(years))
        if rng.random() < MONITORED_SHARE.get(fate, 0) and monitored_from <= min(last, self.reference.year):
            start = dt.date(rng.randint(monitored_from, min(last, self.reference.year)), 1, 1)
            start += dt.timedelta(days=rng.randrange(365))
            start = min(start, self.reference)
            end = start + dt.timedelta(days=rng.randint(190, 700)) if rng.random() < 0.55 else None
            if end is not None and end > self.reference:
                end = None
            kind = MonitoringKind.SUDDEN if rng.random() < 0.15 else (
                MonitoringKind.MARGINAL if fate == "never" else MonitoringKind.UNSTABLE
            )  # fmt: skip
            risks = [RISK_OF_CAUSE.get(cause, RiskType.EMPLOYMENT)]
            if rng.random() < 0.3:
                risks.append(rng.choice([r for r in RiskType.values if r not in risks]))
            story.monitoring = {"kind": kind, "risk_types": risks, "started_on": start, "ended_on": end}
        return story

    def _per_capita(self, year: int, story: Story) -> float:
        """Per-capita net income in ``year``, on the side of the line the household's story puts it."""
        rng = self.history_rng
        noise = rng.lognormvariate(0, 0.12)
        period = story.monitoring
        if period and period["started_on"].year <= year <= (period["ended_on"] or self.reference).year:
            return monitoring_line(year) * rng.uniform(0.7, 0.95)  # below the monitoring line while monitored
        if story.returned and year >= story.returned:
            return national_line(story.returned) * rng.uniform(0.6, 0.9) * 1.04 ** (year - story.returned)
        if story.exit and year >= story.exit:
            grown = story.growth ** (min(year, TACKLING_END) - story.exit) * 1.1 ** max(
                0, year - TACKLING_END
            )
            return max(
                national_line(story.exit) * story.after * grown * noise, national_line(year) * 1.1
            )  # stably above it
        if story.fate == "never":  # an ordinary household: above the line
            return national_line(year) * story.after * 1.1 ** max(0, year - TACKLING_END) * noise
        return national_line(year) * story.pre * noise

    def _year(
        self, year: int, births: list[int], attribute: str, members: list[dict], land: dict, story: Story
    ) -> dict:
        rng = self.history_rng
        size = max(1, sum(1 for born in births if born <= year))  # members born later are not counted yet
        net = self._per_capita(year, story) * size
        elderly = sum(
            1 for m in members if m["pension_insurance"] and m["labour"] in (Labour.NONE, Labour.WEAK)
        )
        transfers = {
            "transfer_dibao": size * rng.uniform(800, 2000) if attribute == Attribute.DIBAO else 0,
            "transfer_wubao": rng.uniform(3000, 5000) if attribute == Attribute.WUBAO else 0,
            "transfer_pension": elderly * rng.uniform(600, 1300),
            "transfer_family_planning": rng.uniform(600, 1200) if rng.random() < 0.1 else 0,
            "transfer_eco": float(land["land_returned"]) * 250,
            "transfer_other": rng.uniform(0, 300) if rng.random() < 0.3 else 0,
        }
        residual = max(net - sum(transfers.values()), 0)
        workers = any(m["work_status"] != WorkStatus.NONE for m in members)
        wage = residual * rng.uniform(0.45, 0.75) if workers else 0
        prop = min(residual * 0.05, 600) if rng.random() < 0.4 else 0
        business_net = residual - wage - prop
        record = {
            "year": year,
            "household_size": size,
            "wage": wage,
            "business": business_net * 1.4,
            "business_expense": business_net * 0.4,
            "property_income": prop,
            "property_dividend": prop * 0.5 if prop and rng.random() < 0.5 else 0,
            **transfers,
        }
        record = {k: Decimal(f"{v:.2f}") if isinstance(v, float) else v for k, v in record.items()}
        if story.exit and year >= story.exit and not (story.returned and year >= story.returned):
            # 三保障 at exit: a safe house (危房改造) and safe water from the exit year on.
            land = {**land, "water_safe": True, "water_difficult": False}
            if land["house_grade"] in (HouseGrade.C, HouseGrade.D):
                land["house_grade"] = HouseGrade.B
        return {**record, **land}

    def household(self, region_code: str) -> dict:
        """One household's payload (what ``services.households_register`` takes) as the data year sees it."""
        return self.household_and_story(region_code)[0]

    def household_and_story(self, region_code: str, fate: str | None = None) -> tuple[dict, Story]:
        """The payload and the household's story (``fate``: as ``FATE_WEIGHTS`` names them, or "applicant", a
        household that asks to be identified in the data year): ``story.status_in(data year)`` gives the year its last status
        change counts in (the 数据年度 a historical load writes a return or cancellation in), ``story.monitoring``
        its dated monitoring period (written after registration)."""
        rng = self.rng
        attribute = _pick(rng, {Attribute.GENERAL: 70, Attribute.DIBAO: 25, Attribute.WUBAO: 5})
        cause = _pick(rng, CAUSE_WEIGHTS)
        others = [c for c in rng.sample(list(CAUSE_WEIGHTS), 3) if c != cause][: rng.choice((0, 1, 1, 2))]
        members = self._members(attribute, cause)
        grade = _pick(rng, {HouseGrade.A: 30, HouseGrade.B: 45, HouseGrade.C: 18, HouseGrade.D: 7})
        safe_water = rng.random() < 0.8
        land = {
            "land_cultivated": Decimal(f"{rng.uniform(0.5, 6):.1f}"),
            "land_forest": Decimal(f"{rng.uniform(0, 10):.1f}") if rng.random() < 0.6 else Decimal(0),
            "land_returned": Decimal(f"{rng.uniform(0.5, 3):.1f}") if rng.random() < 0.3 else Decimal(0),
            "land_fruit": Decimal(f"{rng.uniform(0, 2):.1f}") if rng.random() < 0.2 else Decimal(0),
            "power_production": rng.random() < 0.9,
            "power_domestic": rng.random() < 0.99,
            "broadcast_tv": rng.random() < 0.9,
            "water_safe": safe_water,
            "water_difficult": not safe_water and rng.random() < 0.6,
            "road_distance_km": Decimal(f"{rng.expovariate(1 / 1.2):.1f}"),
            "road_type": _pick(
                rng, {RoadType.CEMENT: 50, RoadType.GRAVEL: 25, RoadType.DIRT: 20, RoadType.ASPHALT: 5}
            ),
            "housing_area": Decimal(f"{rng.uniform(35, 150):.0f}"),
            "house_grade": grade,
            "sanitary_toilet": rng.random() < 0.4,
            "main_fuel": _pick(rng, {Fuel.FIREWOOD: 60, Fuel.COAL: 15, Fuel.CLEAN: 20, Fuel.OTHER: 5}),
            "cooperative": rng.random() < 0.2,
            "leading_enterprise": rng.random() < 0.1,
            "entrepreneur_leader": rng.random() < 0.08,
        }
        story = self._story(cause, fate)
        last = max(self.years)
        status, _data_year = story.status_in(last)
        first = story.identified or min(self.years)
        until = story.cancelled if story.cancelled and story.cancelled <= last else last
        births = [int(m["id_number"][6:10]) for m in members]
        years = [
            self._year(y, births, attribute, members, land, story) for y in self.years if first <= y <= until
        ]
        payload = {
            "household": {
                "region": region_code,
                "status": status,
                "exit_year": story.exit
                if status in (HouseholdStatus.EXITED, HouseholdStatus.RETURNED)
                else None,
                "attribute": attribute,
                "main_cause": cause,
                "other_causes": others,
                "identified_year": None if status == HouseholdStatus.UNIDENTIFIED else story.identified,
                "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.7 else "",
            },
            "members": members,
            "years": years,
        }
        return payload, story


def demo_households(
    *, region: Region, count: int, seed: int, years: list[int], stories: bool = False
) -> Iterator[dict] | Iterator[tuple[dict, Story]]:
    """``count`` household payloads spread over the rural villages (村委会 first) under ``region`` (with
    ``stories``: each with its story)."""
    villages = list(
        Region.objects.in_region(region).filter(level=5).order_by("code").values_list("code", "kind")
    )
    rural = [code for code, kind in villages if kind == "village"] or [code for code, _kind in villages]
    if not rural:
        return
    gen = DemoGenerator(
        seed=seed, years=years, address_code=region.code[:6] if region.level >= 3 else rural[0][:6]
    )
    taken = set(
        Member.objects.filter(id_number__startswith=gen.address_code).values_list("id_number", flat=True)
    )
    gen.used_ids |= taken
    rng = gen.rng
    weights = [rng.uniform(0.3, 1.7) for _ in rural]  # villages differ in how many poor households they have
    for _ in range(count):
        drawn = gen.household_and_story(rng.choices(rural, weights=weights)[0])
        yield drawn if stories else drawn[0]


def demo_monitoring(households: list, periods: list[dict | None]) -> int:
    """Write the monitoring periods drawn for ``households`` (the dated attribute; the monitoring procedure
    that opens and closes them comes with its own app), audited. Returns how many households."""
    rows = [
        Monitoring(household=h, note="演示数据", **period)
        for h, period in zip(households, periods, strict=True)
        if period
    ]
    Monitoring.objects.bulk_create(rows)
    audit.record_many(audit.entry_for(AuditAction.CREATE, m, after=audit.snapshot(m)) for m in rows)
    return len({m.household_id for m in rows})


def _day_in(rng: random.Random, year: int, *, after: dt.date | None = None) -> dt.date:
    """A day of ``year`` (after ``after``), never after today."""
    first = max(dt.date(year, 1, 1), after or dt.date(year, 1, 1))
    return min(
        first + dt.timedelta(days=rng.randrange(max(1, (dt.date(year, 12, 31) - first).days))),
        timezone.localdate(),
    )


def _resize(household: Household, since: int, delta: int) -> None:
    """Follow a member change in the yearly records from ``since`` on (each counts the household at the end
    of its year); the latest record is resized by the change itself."""
    records = list(household.years.order_by("year"))
    rows = [
        {"year": r.year, "household_size": max(1, r.household_size + delta)}
        for r in records[:-1]
        if r.year >= since
    ]
    if rows:
        services.household_update(user=None, household=household, years=rows)


def _age_in(member: Member, year: int) -> int:
    return year - member.birth_date.year


def demo_member_changes(*, region: Region, seed: int, years: list[int]) -> list[str]:
    """A few 人口变动 in the demo county's exited households through ``registry.members``, each dated in its
    year: births, deaths, a marriage between two registered households, a move to another village and this year a
    分户 waiting for its review. Returns them in words."""
    today = timezone.localdate()
    wanted = {2017, 2018, 2021, 2022, 2023, 2024}
    if len(years) < 2 or not wanted & set(years):
        return []
    rng = random.Random(seed + 2)
    households = list(
        Household.objects.in_region(region)
        .filter(status=HouseholdStatus.EXITED)
        .select_related("region")
        .prefetch_related("members")
        .order_by("id")
    )
    rng.shuffle(households)
    used: set[int] = set()
    address = region.code[:6] if region.level >= 3 else households[0].region_id[:6] if households else ""
    changes: list[str] = []

    def take(test):
        for h in households:
            if h.pk in used:
                continue
            active = [m for m in h.members.all() if m.is_active]
            found = test(h, active)
            if found:
                used.add(h.pk)
                return h, found
        return None, None

    def mothers(year):
        # Not a household with a child of its own born that year: its yearly records already count that child,
        # and the planted birth must show as one more member than the year before.
        return lambda h, active: not any(m.birth_date.year == year for m in active) and next(
            (m for m in active if m.relationship in (Relationship.SPOUSE, Relationship.DAUGHTER_IN_LAW)
             and m.sex == "2" and 22 <= _age_in(m, year) <= 38), None,
        )  # fmt: skip

    for year in (2018, 2021, 2024):
        if year not in years:
            continue
        h, mother = take(mothers(year))
        if h is None:
            continue
        born = _day_in(rng, year)
        while True:
            number = make_id_number(address, born, rng.randrange(500) * 2 + rng.randrange(2))
            if not Member.objects.filter(id_number=number).exists():
                break
        head = next(m for m in h.members.all() if m.relationship == Relationship.HEAD)
        child = {
            "name": _name(rng, head.name[0]), "id_number": number,
            "relationship": Relationship.GRANDCHILD if mother.relationship == Relationship.DAUGHTER_IN_LAW
            else rng.choice([Relationship.SON, Relationship.DAUGHTER]),
            "ethnicity": head.ethnicity, "education": Education.PRESCHOOL_CHILD,
            "schooling": Schooling.PRESCHOOL if 3 <= today.year - year < 6 else Schooling.NONE,
            "health": Health.HEALTHY, "labour": Labour.NONE, "work_status": WorkStatus.NONE, "months_worked": 0,
            "medical_insurance": True, "serious_illness_insurance": True, "pension_insurance": False,
            "dibao": mother.dibao,
        }  # fmt: skip
        if child["schooling"] == Schooling.NONE and today.year - year >= 6:
            child.update(schooling=Schooling.PRIMARY, education=Education.PRIMARY)
        members.member_birth(user=None, household=h, member=child, effective_on=born)
        changes.append(f"{born} 出生 {child['name']}（{h.number}）")
        _resize(h, year, +1)

    for year in (2017, 2023):
        if year not in years:
            continue
        h, elder = take(
            lambda h, active, y=year: len(active) >= 2 and next(
                (m for m in active if m.relationship != Relationship.HEAD and _age_in(m, y) >= 72), None
            )
        )  # fmt: skip
        if h is None:
            continue
        died = _day_in(rng, year)
        changes.append(
            members.member_death(user=None, household=h, member=elder, died_on=died, reason="病故")
        )
        _resize(h, year, -1)

    if 2022 in years:  # a son of one household marries a daughter of another: she moves in
        groom_home, _groom = take(lambda h, active: next(
            (m for m in active if m.relationship == Relationship.SON and 22 <= _age_in(m, 2022) <= 34
             and m.schooling == Schooling.NONE), None,
        ))  # fmt: skip
        bride_home, bride = take(lambda h, active: len(active) >= 2 and next(
            (m for m in active if m.relationship == Relationship.DAUGHTER and 20 <= _age_in(m, 2022) <= 32
             and m.schooling == Schooling.NONE), None,
        ))  # fmt: skip
        if groom_home is not None and bride_home is not None:
            married = _day_in(rng, 2022)
            members.members_move(
                user=None, household=bride_home, members=[bride],
                relationships={bride.pk: Relationship.DAUGHTER_IN_LAW}, to_household=groom_home.number,
                marriage=True, effective_on=married, reason="婚嫁",
            )  # fmt: skip
            changes.append(f"{married} 婚嫁 {bride.name}（{bride_home.number} → {groom_home.number}）")
            _resize(bride_home, 2022, -1)
            _resize(groom_home, 2022, +1)

    if 2024 in years:  # a grown son moves out to a village of his own (县内迁移: a new household)
        home, son = take(lambda h, active: len(active) >= 3 and next(
            (m for m in active if m.relationship == Relationship.SON and 25 <= _age_in(m, 2024) <= 45
             and m.schooling == Schooling.NONE), None,
        ))  # fmt: skip
        villages = list(
            Region.objects.in_region(region).filter(level=5, kind="village").order_by("code")
            .values_list("code", flat=True)
        )  # fmt: skip
        if home is not None and len(villages) > 1:
            village = rng.choice([v for v in villages if v != home.region_id])
            moved = _day_in(rng, 2024)
            members.members_move(
                user=None, household=home, members=[son], relationships={son.pk: Relationship.HEAD},
                village=village, effective_on=moved, reason="外出成家，迁往他村居住",
            )  # fmt: skip
            changes.append(f"{moved} 县内迁移 {son.name}（{home.number} → {village}）")
            _resize(home, 2024, -1)

    if today.year in years:  # this year a married son splits off (分户): the township and county review it

        def couple(h, active):
            son = next((m for m in active if m.relationship == Relationship.SON and m.schooling == Schooling.NONE
                        and _age_in(m, today.year) >= 22), None)  # fmt: skip
            wife = next((m for m in active if m.relationship == Relationship.DAUGHTER_IN_LAW), None)
            return (son, wife) if son and wife and len(active) >= 4 else None

        home, pair = take(couple)
        if home is not None:
            son, wife = pair
            split_on = max(dt.date(today.year, 1, 1), today - dt.timedelta(days=10))
            members.household_split(
                user=None, household=home, members=[son, wife],
                relationships={son.pk: Relationship.HEAD, wife.pk: Relationship.SPOUSE},
                effective_on=split_on, reason="子女成家另立户",
            )  # fmt: skip
            changes.append(f"{split_on} 分户 {son.name}、{wife.name}（{home.number}，待审核）")
    return changes


# The demo's 跨县迁移: (business year, accepted by the other county) — two done, this year's one waiting there.
DEMO_TRANSFERS = ((2023, True), (2024, True), (None, False))
DEMO_CLOSED_YEAR = 2016  # closed by the county and confirmed by the province: the demo's frozen year


def demo_transfers(county: Region, *, seed: int) -> list[str]:
    """跨县迁移 of the demo: a grown son or daughter of an exited household leaves for the next county of the
    prefecture — asked by the demo county (迁出) and, for the years of ``DEMO_TRANSFERS`` that say so, accepted
    there into a new household of one of its villages (迁入), dated in its year. Returns them in words; none
    where no other county is loaded (the committed extract holds 雷山县 only) or where the demo has moved
    people already."""
    other = (
        Region.objects.filter(parent_id=county.parent_id, level=county.level)
        .exclude(code=county.code)
        .order_by("code")
        .first()
    )
    lo, hi = county.subtree_range()
    if other is None or Transfer.objects.filter(from_household__region__code__range=(lo, hi)).exists():
        return []
    places = Region.objects.in_region(other).filter(level=5).order_by("code")
    # rural villages (村委会) where the codes say which are (a hand-made region may not)
    villages = list(places.filter(kind="village").values_list("code", flat=True)) or list(
        places.values_list("code", flat=True)
    )
    if not villages:
        return []
    rng = random.Random(seed + 5)
    households = list(
        Household.objects.in_region(county).filter(status=HouseholdStatus.EXITED)
        .prefetch_related("members").order_by("id")[:500]
    )  # fmt: skip
    rng.shuffle(households)
    today = timezone.localdate()
    done: list[str] = []
    for year, accepted in DEMO_TRANSFERS:
        year = year or today.year
        mover = None
        while households and mover is None:
            h = households.pop()
            active = [m for m in h.members.all() if m.is_active]
            grown = (m for m in active if m.relationship in (Relationship.SON, Relationship.DAUGHTER)
                     and 20 <= _age_in(m, year) <= 40)  # fmt: skip
            mover = next(grown, None) if len(active) >= 3 else None
        if mover is None:
            break
        t = members.transfer_request(
            user=None, household=h, members=[mover], to_county=other, reason="外出务工，落户他县"
        )
        if not accepted:
            done.append(f"{mover.name}（{h.number}）申请迁往{other.name}，待对方县接收")
            continue
        on = _day_in(rng, year)
        village = rng.choice(villages)
        members.transfer_accept(
            user=None, transfer=t, relationships={mover.pk: Relationship.HEAD}, village=village,
            effective_on=on, business_year=year,
        )  # fmt: skip
        _resize(h, year, -1)
        done.append(f"{on} {mover.name}（{h.number}）迁往{other.name}，已接收（{village}）")
    return done


def demo_closed_year(county: Region, *, year: int = DEMO_CLOSED_YEAR) -> str:
    """The demo county's early year closed by the county and confirmed by the province (a frozen year to show);
    all or nothing: where something of that year is still open, the year stays as it was and the answer says
    what blocks it."""
    if AdjustmentYear.objects.filter(county=county, year=year).exists():
        return f"{year} 年已开始或完成年度调整，跳过。"
    try:
        with transaction.atomic():
            yearcycle.year_open(user=None, county=county, year=year)
            yearcycle.year_close(user=None, county=county, year=year)
            yearcycle.year_confirm(user=None, county=county, year=year)
    except ValidationError as refused:
        return f"{year} 年未能关账：{'；'.join(refused.messages)}"
    return f"{year} 年已由县级关账、省级确认。"


# 减贫计划 of the demo: each township's target for a year is its outcome give or take this share, so the
# dashboards show plans met, nearly met and exceeded (a real plan is handed down before the year; the demo
# works back from what happened so that its 完成率 stays near 100 %).
TARGET_SPREAD = (0.88, 1.12)


def demo_targets(county: Region, *, seed: int) -> dict[int, tuple[int, int]]:
    """Hand down the demo county's 减贫计划 for every year with exits (persons or villages): the province's,
    the prefecture's and the county's, then each township's, through ``targets.target_set`` as the system.
    Persons: net exits of the year (exits less returns, by business year, in persons) per township, one grouped
    read of the county's status history; villages: the poor villages exited in the year (identification's
    records). Returns {year: (persons, villages)} of the county."""
    from django.db.models import Sum

    from .models import StatusChange
    from .targets import exited_villages, target_set

    rng = random.Random(seed)
    lo, hi = county.subtree_range()
    townships = list(Region.objects.filter(parent=county).order_by("code"))
    net: dict[tuple[str, int], int] = {}
    rows = (
        StatusChange.objects.filter(
            household__region__code__range=(lo, hi),
            to_status__in=(HouseholdStatus.EXITED, HouseholdStatus.RETURNED),
        )
        .values_list("household__region_id", "business_year", "to_status")
        .annotate(n=Sum("household__member_count"))
        .order_by()
    )
    for village, year, to, n in rows:
        key = (village[:9], year)
        net[key] = net.get(key, 0) + (n if to == HouseholdStatus.EXITED else -n)
    years = sorted({year for (_t, year), n in net.items() if n > 0})
    handed: dict[int, tuple[int, int]] = {}
    for year in years:
        persons_total = villages_total = 0
        for town in townships:
            persons = max(0, round(net.get((town.code[:9], year), 0) * rng.uniform(*TARGET_SPREAD)))
            t_lo, t_hi = town.subtree_range()
            villages = round(exited_villages(lo=t_lo, hi=t_hi, year=year) * rng.uniform(*TARGET_SPREAD))
            if persons or villages:
                target_set(user=None, region=town, year=year, persons=persons, villages=villages)
            persons_total += persons
            villages_total += villages
        # the county's own plan, rounded up to tens; above it the demo's only county carries the whole plan
        persons_total = math.ceil(persons_total / 10) * 10
        for region in (county, *Region.objects.filter(code__in=county.ancestor_codes).order_by("level")):
            target_set(user=None, region=region, year=year, persons=persons_total, villages=villages_total)
        handed[year] = (persons_total, villages_total)
    return handed
