"""The official spreadsheet layout of the 《贫困户登记表》: one definition for the template, exports and imports.

Two layouts share the same columns:
- two sheets: 贫困户 (one row per household, with one year's income and conditions) and 家庭成员 (one row per
  person, linked to the household by 户编号 or, for a new household, by the head's ID number);
- one sheet, one row per person, the household's columns repeated on each of its members' rows (CSV, Parquet).
Cells hold the official Chinese labels of code lists (codes are accepted on import too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from jingzhun.registry.choices import (
    Attribute,
    Cause,
    Education,
    Ethnicity,
    ExitPolicy,
    Fuel,
    Health,
    HouseGrade,
    HouseholdStatus,
    IdentificationStandard,
    Labour,
    PoliticalStatus,
    Relationship,
    RoadType,
    Schooling,
    Stated,
    WorkStatus,
)

HOUSEHOLD_SHEET = "贫困户"
MEMBER_SHEET = "家庭成员"
INSTRUCTIONS_SHEET = "填表说明"
CODES_SHEET = "代码表"
CAUSE_SEPARATOR = "、"

# Columns holding identifiers: read in the one normalised form (``core.ids.normalize_identifier``).
IDENTIFIER_KEYS = frozenset(
    {"member.id_number", "household.head_id_number", "member.disability_certificate", "household.phone",
     "household.number", "household.national_number", "member.national_number", "member.phone",
     "household.village_office_phone"}
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: where its value lives, its Chinese header, and how it is read and written."""

    key: str  # "household.x", "member.x" or "year.x" (model field names)
    header: str
    kind: str = "text"  # text | int | decimal | bool | choice | causes
    choices: tuple[tuple[str, str], ...] = field(default=())
    required: bool = False
    width: int = 12
    note: str = ""

    @property
    def part(self) -> str:
        return self.key.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(".", 1)[1]


def _choices(cls) -> tuple[tuple[str, str], ...]:
    return tuple((value, str(label)) for value, label in cls.choices)


def money(name: str, header: str) -> Column:
    return Column(f"year.{name}", header, "decimal", width=11)


def area(name: str, header: str) -> Column:
    return Column(f"year.{name}", header, "decimal", width=10)


def flag(key: str, header: str) -> Column:
    return Column(key, header, "bool", width=8)


KEY_COLUMNS = (
    Column("household.number", "户编号", width=20, note="已建档的户填写；新户留空，由系统编号"),
    Column("household.head_id_number", "户主公民身份号码", width=21, note="新户以户主身份证号关联家庭成员"),
)

HOUSEHOLD_COLUMNS = (
    *KEY_COLUMNS,
    Column("household.region", "所在村区划代码", required=True, width=15, note="12 位统计用区划代码（村级）"),
    Column("household.identification_standard", "识别标准", "choice", _choices(IdentificationStandard)),
    Column("household.attribute", "贫困户属性", "choice", _choices(Attribute), required=True, width=22),
    Column("household.main_cause", "主要致贫原因", "choice", _choices(Cause), required=True, width=16),
    Column(
        "household.other_causes",
        "其他致贫原因",
        "causes",
        _choices(Cause),
        width=20,
        note="最多 2 项，用“、”分隔",
    ),
    Column("household.status", "状态", "choice", _choices(HouseholdStatus), note="新户留空（未识别）"),
    Column("household.identified_year", "识别年度", "int", width=9),
    Column(
        "household.exit_year",
        "脱贫年度",
        "int",
        width=9,
        note="状态与脱贫年度由程序记录；仅历史数据载入时填写",
    ),
    Column("household.phone", "联系电话", width=14),
    Column("household.village_office_phone", "村办公电话", width=14),
    Column(
        "household.national_number", "国家系统户编号", width=20, note="全国扶贫开发信息系统的户编号，可留空"
    ),
    Column("household.exit_policy", "脱贫后政策享受", "choice", _choices(ExitPolicy), width=12),
    Column("year.year", "年度", "int", width=7, note="下列收入与生产生活条件所属年度"),
    money("wage", "工资性收入"),
    money("business", "生产经营性收入"),
    money("property_income", "财产性收入"),
    money("property_dividend", "其中：资产收益扶贫分红"),
    money("transfer_family_planning", "计划生育金"),
    money("transfer_dibao", "低保金"),
    money("transfer_wubao", "五保金"),
    money("transfer_pension", "养老保险金"),
    money("transfer_eco", "生态补偿金"),
    money("transfer_other", "其他转移性收入"),
    money("business_expense", "生产经营性支出"),
    Column("year.household_size", "家庭人口数", "computed", width=9, note="系统计算，导入时忽略"),
    Column("year.net_income", "家庭纯收入", "computed", width=11, note="系统计算，导入时忽略"),
    Column("year.per_capita_net", "人均纯收入", "computed", width=11, note="系统计算，导入时忽略"),
    area("land_cultivated", "耕地面积（亩）"),
    area("land_forest", "林地面积（亩）"),
    area("land_returned", "退耕还林面积（亩）"),
    area("land_fruit", "林果面积（亩）"),
    area("land_pasture", "牧草地面积（亩）"),
    area("land_water", "水面面积（亩）"),
    flag("year.power_production", "通生产用电"),
    flag("year.power_domestic", "通生活用电"),
    flag("year.broadcast_tv", "通广播电视"),
    flag("year.water_safe", "饮水安全"),
    flag("year.water_difficult", "饮水困难"),
    Column("year.road_distance_km", "与村主干路距离（公里）", "decimal", width=10),
    Column("year.road_type", "入户路类型", "choice", _choices(RoadType)),
    Column("year.housing_area", "住房面积（平方米）", "decimal", width=10),
    Column("year.house_grade", "住房安全等级", "choice", _choices(HouseGrade), width=14),
    Column(
        "year.dangerous_house_stated",
        "是否危房户",
        "choice",
        _choices(Stated),
        width=8,
        note="国家系统的是否危房户；留空表示未填报",
    ),
    flag("year.sanitary_toilet", "有卫生厕所"),
    Column("year.main_fuel", "主要燃料类型", "choice", _choices(Fuel)),
    flag("year.cooperative", "加入农民专业合作组织"),
    flag("year.leading_enterprise", "有龙头企业带动"),
    flag("year.entrepreneur_leader", "有创业致富带头人带动"),
)

MEMBER_COLUMNS = (
    *KEY_COLUMNS,
    Column("member.name", "姓名", required=True, width=10),
    Column("member.id_number", "公民身份号码", required=True, width=21, note="18 位，末位 X 大小写均可"),
    Column("member.relationship", "与户主关系", "choice", _choices(Relationship), required=True),
    Column("member.ethnicity", "民族", "choice", _choices(Ethnicity), width=10),
    Column("member.education", "文化程度", "choice", _choices(Education), required=True, width=14),
    Column("member.schooling", "在校生状况", "choice", _choices(Schooling), width=14),
    Column("member.health", "健康状况", "choice", _choices(Health)),
    Column("member.labour", "劳动技能", "choice", _choices(Labour), required=True, width=18),
    Column("member.work_status", "务工状况", "choice", _choices(WorkStatus), width=18),
    Column("member.months_worked", "务工时间（月）", "int", width=9),
    flag("member.medical_insurance", "参加新农合/基本医疗保险"),
    flag("member.serious_illness_insurance", "参加大病保险"),
    flag("member.pension_insurance", "参加城乡居民基本养老保险"),
    flag("member.dibao", "低保人口"),
    Column("member.disability_certificate", "残疾证号", width=22),
    Column("member.national_number", "国家系统人口编号", width=20),
    Column("member.phone", "成员联系电话", width=14),
    Column("member.political_status", "政治面貌", "choice", _choices(PoliticalStatus), width=12),
    Column("member.work_place", "务工所在地", width=16),
    Column("member.employer", "务工企业名称", width=16),
    flag("member.employee_medical_insurance", "参加城镇职工基本医疗保险"),
    flag("member.employee_pension_insurance", "参加城镇职工基本养老保险"),
    flag("member.extreme_poverty_support", "特困供养人员"),
    Column("member.dropout_reason", "失学或辍学原因", width=14),
    flag("member.speaks_mandarin", "会讲普通话"),
    flag("member.commercial_medical_insurance", "参加商业补充医疗保险"),
    flag("member.working_abroad", "国外务工"),
    Column("member.industry", "产业分类", width=12),
    flag("member.serious_illness_aid", "接受大病医疗救助"),
    flag("member.other_health_aid", "接受其他健康扶贫"),
    Column("member.public_post", "公益性岗位类型", width=14),
    Column("member.public_post_months", "公益性岗位（月数）", "int", width=9),
    Column("member.employment_channel", "就业渠道", width=12),
    Column("member.disability_category", "残疾类别", width=10),
    Column("member.disability_certificate_year", "残疾证办证年度", "int", width=9),
)

# One row per person: household columns, then the member's own (without repeating the two key columns).
FLAT_COLUMNS = (*HOUSEHOLD_COLUMNS, *MEMBER_COLUMNS[len(KEY_COLUMNS) :])

YES, NO = "是", "否"


def cell_value(column: Column, value) -> object:
    """A model value as the spreadsheet shows it (labels for codes, 是/否, numbers as numbers)."""
    if value is None or value == "":
        return ""
    if column.kind == "choice":
        return dict(column.choices).get(value, value)
    if column.kind == "causes":
        labels = dict(column.choices)
        return CAUSE_SEPARATOR.join(labels.get(v, v) for v in value)
    if column.kind == "bool":
        return YES if value else NO
    if column.kind in {"decimal", "computed"}:
        return float(value) if isinstance(value, Decimal) else value
    return value


def flat_rows(item: dict, number: str = "") -> list[list]:
    """A registration payload (``{"household", "members", "years"}``, as the registry services take it) as
    rows of the one-row-per-person layout, keyed by ``number`` or else the head's ID number."""
    head = next(m["id_number"] for m in item["members"] if m["relationship"] == Relationship.HEAD)
    shared = {"household.number": number, "household.head_id_number": "" if number else head}
    shared |= {f"household.{k}": v for k, v in item["household"].items()}
    shared |= {f"year.{k}": v for k, v in (item["years"][0] if item["years"] else {}).items()}
    rows = []
    for member in item["members"]:
        values = shared | {f"member.{k}": v for k, v in member.items()}
        rows.append([cell_value(c, values.get(c.key)) if c.kind != "computed" else "" for c in FLAT_COLUMNS])
    return rows
