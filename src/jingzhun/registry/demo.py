"""Synthetic but realistic 建档立卡 households for the villages under a region, deterministic for a seed.

Distributions follow DOMAIN.md §11: registered poor per-capita net income ≈ 2,982 yuan in 2015, growing about
20 % a year; household sizes, ages, health, schooling and labour drawn so that the causes of poverty agree with
the members (an 因病 household has a sick member, a 五保 household is one elderly person, children of
compulsory-school age are almost all at school). ID numbers carry the county's address code and the real
birth date, with a valid check character.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Iterator
from decimal import Decimal

from jingzhun.core.ids import make_id_number
from jingzhun.regions.models import Region

from .choices import (
    Attribute,
    Cause,
    Education,
    Fuel,
    Health,
    HouseGrade,
    HouseholdStatus,
    Labour,
    Relationship,
    RoadType,
    Schooling,
    WorkStatus,
)
from .models import Member

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭"
    "陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤杨吴潘"
)
GIVEN = "文明华建国平志勇军伟强秀英兰芳玉珍桂花金银春梅光荣德福海波云红丽娟霞燕林生发成永德明亮清秀丹凤"

# Mean per-capita net income of registered poor households by year (yuan); later years grow ~20 %/year.
INCOME_MEAN = {
    2013: 2200,
    2014: 2600,
    2015: 2982,
    2016: 3600,
    2017: 4500,
    2018: 6000,
    2019: 8000,
    2020: 10740,
}

CAUSE_WEIGHTS = {
    Cause.ILLNESS: 30, Cause.LACK_CAPITAL: 14, Cause.LACK_SKILLS: 13, Cause.LACK_LABOUR: 12,
    Cause.DISABILITY: 6, Cause.EDUCATION: 6, Cause.LACK_MOTIVATION: 5, Cause.POOR_TRANSPORT: 4,
    Cause.LACK_LAND: 3, Cause.DISASTER: 3, Cause.LACK_WATER: 2, Cause.OTHER: 2,
}  # fmt: skip
SIZE_WEIGHTS = {1: 13, 2: 20, 3: 20, 4: 21, 5: 14, 6: 8, 7: 4}
STATUS_WEIGHTS = {
    HouseholdStatus.REGISTERED: 82, HouseholdStatus.EXITED: 14,
    HouseholdStatus.RETURNED: 2, HouseholdStatus.UNIDENTIFIED: 2,
}  # fmt: skip
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


class DemoGenerator:
    """Draws household payloads (the dicts ``services.households_register`` takes)."""

    def __init__(self, *, seed: int, years: list[int], address_code: str):
        self.rng = random.Random(seed)
        # Draws added later come from their own stream: the households a seed gives stay the same.
        self.history_rng = random.Random(seed + 1)
        self.years = years
        self.address_code = address_code
        self.reference = dt.date(max(years), 12, 31)
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
        medical = rng.random() < 0.97
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
            "serious_illness_insurance": medical and rng.random() < 0.92,
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

    def _year(self, year: int, size: int, attribute: str, members: list[dict], land: dict) -> dict:
        rng = self.rng
        mean = INCOME_MEAN.get(year, 2982 * 1.2 ** (year - 2015))
        sigma = 0.45
        per_capita = rng.lognormvariate(math.log(mean) - sigma**2 / 2, sigma)
        net = per_capita * size
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
        return {**record, **land}

    def household(self, region_code: str) -> dict:
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
        years = [self._year(y, len(members), attribute, members, land) for y in self.years]
        status = _pick(rng, STATUS_WEIGHTS)
        exited = status in (HouseholdStatus.EXITED, HouseholdStatus.RETURNED)
        return {
            "household": {
                "region": region_code,
                "status": status,
                "exit_year": self.history_rng.choice(self.years[1:] or self.years) if exited else None,
                "attribute": attribute,
                "main_cause": cause,
                "other_causes": others,
                "identified_year": None if status == HouseholdStatus.UNIDENTIFIED else min(self.years),
                "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}" if rng.random() < 0.7 else "",
            },
            "members": members,
            "years": years,
        }


def demo_households(*, region: Region, count: int, seed: int, years: list[int]) -> Iterator[dict]:
    """``count`` household payloads spread over the rural villages (村委会 first) under ``region``."""
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
        yield gen.household(rng.choices(rural, weights=weights)[0])
