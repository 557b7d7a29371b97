"""The national system's yearly exports (全国扶贫开发信息系统): the household file (户年度基础信息, 53 columns) and
the member file (人员信息, 47 columns), joined on 户编号 (headers: ``../shared/national-layouts.md``).

This is the layout stage for them: the files are read (CSV in GBK/GB18030/UTF-8, .xls, .xlsx, or one workbook
holding both as sheets — the error report is one), the members joined to their household column-wise, regions
resolved from names (``regions.names``), and the cells handed on as the one-row-per-person columns of our own
layout (``Batch``), so that the same column checks, set-based write and per-household fallback import them.
What the mapping does is data below: ``HOUSEHOLD_MAP`` and ``MEMBER_MAP`` (national header → our column), and
``ALIASES`` (national labels and codes → our codes, where the national list names them differently).

Rows that cannot reach the pipeline — a region name that is unknown or ambiguous, a member whose 户编号 has no
household, a household without members, a bad bank card number — are refused here, by row, in the same report.
"""

from __future__ import annotations

import csv
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from jingzhun.core.cells import unguard
from jingzhun.core.ids import normalize_identifier
from jingzhun.regions.names import NameResolver
from jingzhun.registry.choices import Attribute, ExitPolicy, HouseholdStatus, Schooling

from .errors import FileRejected
from .layout import FLAT_COLUMNS, Column
from .reader import ERROR_COLUMN, Batch, FlatSource, HouseholdGroup, SourceRow, _normalise, _text, csv_info

HOUSEHOLD_SHEET = "户年度基础信息"
MEMBER_SHEET = "人员信息"
REGION_HEADERS = ("省", "市", "县", "乡", "村")

HOUSEHOLD_HEADERS = [
    "省",
    "市",
    "县",
    "乡",
    "村",
    "户编号",
    "户主编号",
    "户主姓名",
    "户主证件号码",
    "家庭人口数",
    "是否危房户",
    "人均纯收入",
    "年收入",
    "是否解决安全饮用水",
    "年度",
    "村办公电话",
    "开户银行名称",
    "银行卡号",
    "识别标准",
    "主要致贫原因",
    "次要致贫原因",
    "工资性收入",
    "生产经营性收入",
    "财产性收入",
    "转移性收入",
    "计划生育金",
    "低保金",
    "五保金",
    "养老保险金",
    "生态补偿金",
    "其他转移性收入",
    "生产经营性支出",
    "纯收入",
    "资产收益扶贫分红收入",
    "其他财产性收入",
    "耕地面积（亩）",
    "水面面积",
    "是否加入农民专业合作组织",
    "退耕还林面积（亩）",
    "林果面积（亩）",
    "牧草地面积",
    "林地面积（亩）",
    "是否通生产用电",
    "是否通生活用电",
    "是否通广播电视",
    "与村主干路距离",
    "入户路类型",
    "住房面积",
    "是否有卫生厕所",
    "主要燃料类型",
    "危房级别",
    "是否有龙头企业带动",
    "是否有创业致富带头人带动",
]
MEMBER_HEADERS = [
    "省",
    "市",
    "县",
    "乡",
    "村",
    "户编号",
    "人口编号",
    "姓名",
    "性别",
    "出生日期",
    "证件类型",
    "证件号码",
    "民族",
    "户联系电话",
    "成员联系电话",
    "年度",
    "与户主关系",
    "文化程度",
    "在校生状况",
    "劳动技能",
    "务工时间（月）",
    "健康状况",
    "政治面貌",
    "务工企业名称",
    "是否享受低保",
    "是否参加城镇职工基本养老保险",
    "是否参加大病保险",
    "是否参加新型农村合作医疗（城乡居民基本医疗保险）",
    "是否参加城乡居民基本养老保险",
    "失学或辍学原因",
    "是否会讲普通话",
    "是否参加商业补充医疗保险",
    "是否国外务工",
    "产业分类",
    "是否接受大病医疗救助",
    "是否接受其他健康扶贫",
    "公益性岗位类型",
    "公益性岗位(月数)",
    "就业渠道",
    "残疾类别",
    "务工所在地",
    "户主姓名",
    "户主证件号码",
    "是否参加城镇职工基本医疗保险",
    "是否特困供养人员",
    "残疾证办证年度",
    "识别标准",
]
# Columns some provinces' exports add to the household file; read when present.
HOUSEHOLD_OPTIONAL = ("贫困户属性", "脱贫状态", "识别年度", "脱贫年度")
BANK_HEADERS = ("开户银行名称", "银行卡号")

# national header → our column key. Household columns not named here are derived (家庭人口数, 人均纯收入, 年收入,
# 转移性收入, 纯收入, 其他财产性收入), or descriptive (户主编号, 户主姓名).
HOUSEHOLD_MAP = {
    "是否危房户": "year.dangerous_house_stated",
    "村办公电话": "household.village_office_phone",
    "户编号": "household.national_number",
    "户主证件号码": "household.head_id_number",
    "是否解决安全饮用水": "year.water_safe",
    "年度": "year.year",
    "识别标准": "household.identification_standard",
    "主要致贫原因": "household.main_cause",
    "次要致贫原因": "household.other_causes",
    "工资性收入": "year.wage",
    "生产经营性收入": "year.business",
    "财产性收入": "year.property_income",
    "计划生育金": "year.transfer_family_planning",
    "低保金": "year.transfer_dibao",
    "五保金": "year.transfer_wubao",
    "养老保险金": "year.transfer_pension",
    "生态补偿金": "year.transfer_eco",
    "其他转移性收入": "year.transfer_other",
    "生产经营性支出": "year.business_expense",
    "资产收益扶贫分红收入": "year.property_dividend",
    "耕地面积（亩）": "year.land_cultivated",
    "水面面积": "year.land_water",
    "是否加入农民专业合作组织": "year.cooperative",
    "退耕还林面积（亩）": "year.land_returned",
    "林果面积（亩）": "year.land_fruit",
    "牧草地面积": "year.land_pasture",
    "林地面积（亩）": "year.land_forest",
    "是否通生产用电": "year.power_production",
    "是否通生活用电": "year.power_domestic",
    "是否通广播电视": "year.broadcast_tv",
    "与村主干路距离": "year.road_distance_km",
    "入户路类型": "year.road_type",
    "住房面积": "year.housing_area",
    "是否有卫生厕所": "year.sanitary_toilet",
    "主要燃料类型": "year.main_fuel",
    "危房级别": "year.house_grade",
    "是否有龙头企业带动": "year.leading_enterprise",
    "是否有创业致富带头人带动": "year.entrepreneur_leader",
    "贫困户属性": "household.attribute",
    "脱贫状态": "household.status",
    "识别年度": "household.identified_year",
    "脱贫年度": "household.exit_year",
}
# Member columns not named here: the household's (省…村, 户编号, 户主姓名, 户主证件号码, 识别标准, 年度), from the ID
# number (性别, 出生日期), or 证件类型 (ID cards only).
MEMBER_MAP = {
    "人口编号": "member.national_number",
    "姓名": "member.name",
    "证件号码": "member.id_number",
    "民族": "member.ethnicity",
    "户联系电话": "household.phone",
    "成员联系电话": "member.phone",
    "与户主关系": "member.relationship",
    "文化程度": "member.education",
    "在校生状况": "member.schooling",
    "劳动技能": "member.labour",
    "务工时间（月）": "member.months_worked",
    "健康状况": "member.health",
    "政治面貌": "member.political_status",
    "务工企业名称": "member.employer",
    "是否享受低保": "member.dibao",
    "是否参加城镇职工基本养老保险": "member.employee_pension_insurance",
    "是否参加大病保险": "member.serious_illness_insurance",
    "是否参加新型农村合作医疗（城乡居民基本医疗保险）": "member.medical_insurance",
    "是否参加城乡居民基本养老保险": "member.pension_insurance",
    "务工所在地": "member.work_place",
    "是否参加城镇职工基本医疗保险": "member.employee_medical_insurance",
    "是否特困供养人员": "member.extreme_poverty_support",
    "失学或辍学原因": "member.dropout_reason",
    "是否会讲普通话": "member.speaks_mandarin",
    "是否参加商业补充医疗保险": "member.commercial_medical_insurance",
    "是否国外务工": "member.working_abroad",
    "产业分类": "member.industry",
    "是否接受大病医疗救助": "member.serious_illness_aid",
    "是否接受其他健康扶贫": "member.other_health_aid",
    "公益性岗位类型": "member.public_post",
    "公益性岗位(月数)": "member.public_post_months",
    "就业渠道": "member.employment_channel",
    "残疾类别": "member.disability_category",
    "残疾证办证年度": "member.disability_certificate_year",
}

# National labels and codes that differ from ours (ours are accepted too): key → ((our code, national form), …).
_GRADES = ("一", "二", "三", "四", "五")
ALIASES: dict[str, tuple[tuple[str, str], ...]] = {
    "member.schooling": (
        *((f"senior_{i + 1}", f"普通高中{g}年级") for i, g in enumerate(_GRADES[:3])),
        *((f"high_voc_{i + 1}", f"高职高专{g}年级") for i, g in enumerate(_GRADES[:3])),
        (Schooling.PRESCHOOL_CHILD.value, "学龄前儿童"),
    ),
    "household.attribute": (
        (Attribute.GENERAL.value, "01"),
        (Attribute.DIBAO_EXITED.value, "02"),
        (Attribute.WUBAO_EXITED.value, "03"),
        (Attribute.DIBAO.value, "04"),
        (Attribute.GENERAL_EXITED.value, "05"),
        (Attribute.WUBAO.value, "06"),
        (Attribute.DIBAO_WUBAO.value, "07"),
        (Attribute.DIBAO_WUBAO_HH.value, "08"),
        (Attribute.WUBAO.value, "特困供养贫困户"),
    ),
    "household.status": (
        (HouseholdStatus.REGISTERED.value, "0"),
        (HouseholdStatus.EXITED.value, "1"),
        (HouseholdStatus.RETURNED.value, "3"),
        (HouseholdStatus.EXITED.value, "4"),
        (HouseholdStatus.REGISTERED.value, "未脱贫"),
        (HouseholdStatus.EXITED.value, "已脱贫（享受政策）"),
        (HouseholdStatus.EXITED.value, "已脱贫(享受政策)"),
        (HouseholdStatus.EXITED.value, "已脱贫（不再享受政策）"),
        (HouseholdStatus.EXITED.value, "已脱贫(不再享受政策)"),
    ),
    "year.house_grade": (("A", "A级"), ("B", "B级"), ("C", "C级"), ("D", "D级")),
}
# 脱贫状态 1 and 4 differ in the policies kept after exit (kept on the household, not in its status).
EXIT_POLICY = {"1": ExitPolicy.ENJOYING.value, "已脱贫（享受政策）": ExitPolicy.ENJOYING.value,
               "已脱贫(享受政策)": ExitPolicy.ENJOYING.value, "4": ExitPolicy.ENDED.value,
               "已脱贫（不再享受政策）": ExitPolicy.ENDED.value, "已脱贫(不再享受政策)": ExitPolicy.ENDED.value}  # fmt: skip
RELAXED = {"member.education"}  # empty for a pupil in the national files (在校生状况 says it)
# The member file's yes/no items every person must have answered (rule Q12 of the data-quality checks). An empty
# cell there is unknown, never 否: the registry has no "unknown" for them (a 否 read into it would feed the 三保障
# checks a fact nobody stated), so the import refuses such a row as 必填, and the check before import keeps the
# cell empty and lists it (``quality.staged``).
MANDATORY_YES_NO = (
    "medical_insurance", "serious_illness_insurance", "pension_insurance", "dibao", "employee_medical_insurance",
)  # fmt: skip
BANK_ACCOUNT = re.compile(r"^[0-9]{12,30}$")


def columns() -> list[Column]:
    """Our flat columns as the national files fill them: their headers where they come from one, the national
    forms of code lists accepted beside ours."""
    header_of = {key: header for header, key in (*HOUSEHOLD_MAP.items(), *MEMBER_MAP.items())}
    header_of["household.region"] = "村"
    out = []
    for column in FLAT_COLUMNS:
        if column.kind == "computed":
            continue
        changes = {"header": header_of.get(column.key, column.header)}
        if column.key in ALIASES:
            changes["choices"] = column.choices + ALIASES[column.key]
        if column.key in RELAXED:
            changes["required"] = False
        if column.key.removeprefix("member.") in MANDATORY_YES_NO:
            changes["required"] = True
        out.append(dataclasses.replace(column, **changes))
    return out


def detect(header: list) -> str | None:
    """'household' or 'member' for a national file's header row, else None."""
    seen = {_text(h) for h in header}
    if {"户编号", "人口编号", "证件号码", "与户主关系"} <= seen:
        return "member"
    if {"户编号", "户主证件号码", "家庭人口数", "村"} <= seen:
        return "household"
    return None


def is_workbook(path: Path) -> bool:
    """A workbook holding both national sheets (as the national error report does)."""
    if path.suffix.lower() not in {".xlsx", ".xls"}:
        return False
    from python_calamine import CalamineWorkbook

    from . import workbook_guard

    try:
        if path.suffix.lower() == ".xlsx":
            workbook_guard.check_package(path)
        names = set(CalamineWorkbook.from_path(str(path)).sheet_names)
    except FileRejected:
        raise
    except Exception:  # not a workbook: the reader says so
        return False
    return {HOUSEHOLD_SHEET, MEMBER_SHEET} <= names


def _table(rows, sheet: str, wanted: tuple[str, ...]) -> pa.Table:
    header = next(rows, None)
    if header is None:
        raise FileRejected(f"「{sheet}」是空表。")
    header = [_text(h) for h in header]
    missing = [h for h in wanted if h not in header]
    if missing:
        raise FileRejected(f"「{sheet}」表头与国家系统导出格式不符（缺少列：{'、'.join(missing[:10])}）。")
    data = [[_text(c) for c in row] for row in rows]
    columns = {}
    for i, name in enumerate(header):
        if name and name != ERROR_COLUMN and name not in columns:
            columns[name] = pa.array([r[i] if i < len(r) else "" for r in data], pa.string())
    return pa.table(columns)


def _csv_table(path: Path, sheet: str, wanted: tuple[str, ...]) -> pa.Table:
    """The whole CSV as text columns, read by Arrow (a county's file: tens of MB at most)."""
    info = csv_info(path)
    with path.open(encoding=info.encoding, newline="") as fh:
        header = next(csv.reader(fh), [])
    names = [f"c{i}" for i in range(len(header))]
    table = pa_csv.read_csv(
        path,
        read_options=pa_csv.ReadOptions(
            encoding="utf8" if info.encoding == "utf-8-sig" else info.encoding,
            column_names=names,
            skip_rows=1,
        ),
        parse_options=pa_csv.ParseOptions(newlines_in_values=True),
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False
        ),
    )
    keep = {}
    for name, column in zip(header, table.columns, strict=True):
        name = _text(name)
        if name and name != ERROR_COLUMN and name not in keep:
            keep[name] = column
    table = pa.table(keep)
    missing = [h for h in wanted if h not in table.column_names]
    if missing:
        raise FileRejected(f"「{sheet}」表头与国家系统导出格式不符（缺少列：{'、'.join(missing[:10])}）。")
    return table


def _read(path: Path, sheet: str, wanted: tuple[str, ...]) -> pa.Table:
    if path.suffix.lower() == ".csv":
        try:
            return _csv_table(path, sheet, wanted)
        except pa.ArrowInvalid as exc:
            raise FileRejected(f"「{sheet}」无法按 CSV 读取（{str(exc)[:80]}）。") from exc
    from .reader import read_tables

    tables = read_tables(path).rows
    return _table(iter(next(iter(tables.values()))), sheet, wanted)


def read_pair(household_path: Path, member_path: Path | None) -> tuple[pa.Table, pa.Table]:
    """The household and member tables (all cells as text), from two files or one workbook with both sheets."""
    if member_path is None:
        from python_calamine import CalamineWorkbook

        from . import workbook_guard

        if household_path.suffix.lower() not in {".xlsx", ".xls"}:
            raise FileRejected("国家系统格式需要户信息和人员信息两个文件（或含这两张表的一个工作簿）。")
        if household_path.suffix.lower() == ".xlsx":
            workbook_guard.check_package(household_path)
        book = CalamineWorkbook.from_path(str(household_path))
        if not {HOUSEHOLD_SHEET, MEMBER_SHEET} <= set(book.sheet_names):
            raise FileRejected(f"工作簿中应有「{HOUSEHOLD_SHEET}」和「{MEMBER_SHEET}」两张表。")
        households = _table(iter(book.get_sheet_by_name(HOUSEHOLD_SHEET).iter_rows()), HOUSEHOLD_SHEET,
                            ("户编号", *REGION_HEADERS))  # fmt: skip
        members = _table(iter(book.get_sheet_by_name(MEMBER_SHEET).iter_rows()), MEMBER_SHEET,
                         ("户编号", "证件号码", "姓名", "与户主关系"))  # fmt: skip
        return households, members
    households = _read(household_path, HOUSEHOLD_SHEET, ())
    members = _read(member_path, MEMBER_SHEET, ())
    if detect(households.column_names) == "member" and detect(members.column_names) == "household":
        households, members = members, households  # uploaded the other way round: the headers tell
    for table, sheet, wanted in ((households, HOUSEHOLD_SHEET, ("户编号", *REGION_HEADERS)),
                                 (members, MEMBER_SHEET, ("户编号", "证件号码", "姓名", "与户主关系"))):  # fmt: skip
        missing = [h for h in wanted if h not in table.column_names]
        if missing:
            raise FileRejected(
                f"「{sheet}」表头与国家系统导出格式不符（缺少列：{'、'.join(missing[:10])}）。"
            )
    return households, members


def _cells(table: pa.Table, header: str, rows: pa.Array | None = None) -> pa.Array:
    column = table.column(header).combine_chunks() if header in table.column_names else None
    if column is None:
        n = len(rows) if rows is not None else table.num_rows
        return pa.nulls(n, pa.string())
    return column.take(rows) if rows is not None else column


@dataclass
class NationalSource:
    """The two files as read, what was refused before the pipeline, and the bank details to hand on."""

    households: pa.Table
    members: pa.Table
    refused: list[HouseholdGroup] = field(default_factory=list)
    loose: list[SourceRow] = field(default_factory=list)
    household_row_of: dict[str, SourceRow] = field(default_factory=dict)  # group key → its household row
    bank: dict[str, tuple[str, str]] = field(default_factory=dict)  # national 户编号 → (bank, account)

    def add_household_rows(self, groups: list[HouseholdGroup]) -> None:
        """Failed households get their household file row too: the report then re-imports after correction."""
        for group in groups:
            row = self.household_row_of.get(group.key)
            if row is not None and row not in group.rows:
                group.rows.insert(0, row)


def open_pair(user, household_path: Path, member_path: Path | None) -> tuple[FlatSource, NationalSource]:
    """The national pair opened as a one-row-per-person source for the column path (see the module docstring)."""
    households, members = read_pair(household_path, member_path)
    source = NationalSource(households, members)
    n_h, n_m = households.num_rows, members.num_rows
    h_numbers = pc.utf8_trim_whitespace(_cells(households, "户编号"))
    m_numbers = pc.utf8_trim_whitespace(_cells(members, "户编号"))
    h_errors: list[list[str]] = [[] for _ in range(n_h)]

    # Regions, once per distinct name tuple (a county's file names a few hundred villages for tens of thousands
    # of rows), inside the user's scope; the answers are spread back to the rows column-wise.
    resolver = NameResolver(user)
    names = [pc.utf8_trim_whitespace(_cells(households, h)).fill_null("") for h in REGION_HEADERS]
    places = pc.binary_join_element_wise(*names, "\x1f")
    distinct = pc.unique(places)
    answers = [resolver.resolve(*place.split("\x1f")) if place.strip("\x1f") else None
               for place in distinct.to_pylist()]  # fmt: skip
    which = pc.index_in(places, value_set=distinct)
    region = pa.array([a.code if a else "" for a in answers], pa.string()).take(which).to_pylist()
    failed = np.array([bool(a and a.error) for a in answers], bool)
    for i in np.flatnonzero(failed[which.to_numpy(zero_copy_only=False)]) if len(answers) else ():
        h_errors[i].append(f"第 {i + 2} 行「村」：{answers[which[i].as_py()].error}")

    # Bank details: checked here, stored by ``send_bank_accounts``.
    bank_names = _cells(households, "开户银行名称").to_pylist()
    accounts = _cells(households, "银行卡号").to_pylist()
    numbers = h_numbers.to_pylist()
    for i, (bank, account) in enumerate(zip(bank_names, accounts, strict=True)):
        account = normalize_identifier(account or "")
        if account and not BANK_ACCOUNT.match(account):
            h_errors[i].append(f"第 {i + 2} 行「银行卡号」：应为 12 至 30 位数字，收到“{account}”")
        elif account and not (bank or "").strip():
            h_errors[i].append(f"第 {i + 2} 行「开户银行名称」：填写了银行卡号时必填")
        elif account and numbers[i]:
            source.bank[numbers[i]] = (unguard((bank or "").strip()), account)  # our CSV's formula guard off
    seen: dict[str, int] = {}
    for i, number in enumerate(numbers):
        if not number:
            h_errors[i].append(f"第 {i + 2} 行「户编号」：必填")
        elif number in seen:
            h_errors[i].append(f"第 {i + 2} 行「户编号」：与第 {seen[number] + 2} 行重复")
        else:
            seen[number] = i

    # Members joined to their household; members without one are refused by row.
    owner = pc.index_in(m_numbers, value_set=h_numbers).to_numpy(zero_copy_only=False)
    owner = np.where(np.isnan(owner.astype(float)), -1, owner).astype(np.int64)
    m_rows = np.arange(n_m) + 2
    blank = np.zeros(n_m, bool)
    for h in ("姓名", "证件号码", "户编号"):
        blank |= pc.equal(pc.utf8_trim_whitespace(_cells(members, h)), "").to_numpy(zero_copy_only=False)
    all_blank = blank & pc.equal(pc.utf8_trim_whitespace(_cells(members, "姓名")), "").to_numpy(
        zero_copy_only=False
    )
    m_number_list = m_numbers.to_pylist()
    for i in np.flatnonzero((owner < 0) & ~all_blank):
        row = SourceRow(MEMBER_SHEET, int(m_rows[i]))
        row.errors.append(f"第 {row.number} 行「户编号」：户信息文件中没有户编号为“{m_number_list[i]}”的户")
        source.loose.append(row)

    # The head's ID number keys the household in the pipeline: the household file's, else its 户主's.
    head_ids = [normalize_identifier(v) for v in _cells(households, "户主证件号码").to_pylist()]
    relation = _cells(members, "与户主关系").to_pylist()
    member_ids = _cells(members, "证件号码").to_pylist()
    for i in np.flatnonzero(owner >= 0):
        if relation[i] == "户主" and not head_ids[owner[i]]:
            head_ids[owner[i]] = normalize_identifier(member_ids[i])
    counts = np.bincount(owner[owner >= 0], minlength=n_h)
    for i in range(n_h):
        if counts[i] == 0 and numbers[i]:
            h_errors[i].append(f"第 {i + 2} 行：人员信息文件中没有这一户的成员")
        if not head_ids[i]:
            h_errors[i].append(
                f"第 {i + 2} 行「户主证件号码」：必填（人员信息中也没有与户主关系为“户主”的成员）"
            )

    # Households refused here leave the stream with all their rows, so that the report holds them whole.
    bad = np.array([bool(e) for e in h_errors], bool) if n_h else np.zeros(0, bool)
    member_rows_of: dict[int, list[int]] = {}
    for i in np.flatnonzero(owner >= 0):
        if bad[owner[i]]:
            member_rows_of.setdefault(int(owner[i]), []).append(int(m_rows[i]))
    for i in range(n_h):
        key = f"head:{head_ids[i]}" if head_ids[i] else f"national:{numbers[i]}:{i}"
        row = SourceRow(HOUSEHOLD_SHEET, i + 2, list(h_errors[i]))
        source.household_row_of[key] = row
        if bad[i]:
            group = HouseholdGroup(key=key, rows=[row])
            group.rows += [SourceRow(MEMBER_SHEET, n) for n in member_rows_of.get(i, [])]
            source.refused.append(group)

    keep = np.flatnonzero((owner >= 0) & ~np.isin(owner, np.flatnonzero(bad)))
    keep = keep[np.argsort(owner[keep], kind="stable")]  # a household's members contiguous, in file order
    layout = tuple(columns())
    index = dict(enumerate(layout))
    batches = _batches(source, keep, owner, region, head_ids, index)
    return FlatSource(MEMBER_SHEET, MEMBER_HEADERS, index, batches, len(keep), layout), source


def _attribute(members: pa.Table, rows: pa.Array, owner: np.ndarray) -> pa.Array:
    """贫困户属性 when the file has none: from its members' 是否享受低保 and 是否特困供养人员 (national codes)."""

    def yes(header: str) -> np.ndarray:
        cells = pc.utf8_trim_whitespace(_cells(members, header, rows))
        return pc.fill_null(pc.is_in(cells, pa.array(["是", "1"])), False).to_numpy(zero_copy_only=False)

    size = int(owner.max()) + 1 if len(owner) else 0
    dibao = np.bincount(owner, weights=yes("是否享受低保"), minlength=size) > 0
    wubao = np.bincount(owner, weights=yes("是否特困供养人员"), minlength=size) > 0
    code = np.where(dibao & wubao, "07", np.where(dibao, "04", np.where(wubao, "06", "01")))
    return pa.array(code[owner], pa.string())


BATCH_ROWS = 50_000


def _batches(source: NationalSource, keep: np.ndarray, owner: np.ndarray, region: list[str], head_ids: list[str],
             index: dict[int, Column]):  # fmt: skip
    households, members = source.households, source.members
    region_codes = pa.array(region, pa.string())
    heads = pa.array(head_ids, pa.string())
    by_key = {c.key: c for c in index.values()}
    for lo in range(0, len(keep), BATCH_ROWS):
        rows = keep[lo : lo + BATCH_ROWS]
        m_take = pa.array(rows, pa.int64())
        h_take = pa.array(owner[rows], pa.int64())
        cells: dict[str, pa.Array] = {}
        for header, key in MEMBER_MAP.items():
            cells[key] = _cells(members, header, m_take)
        for header, key in HOUSEHOLD_MAP.items():
            cells[key] = _cells(households, header, h_take)
        if "贫困户属性" not in households.column_names:
            cells["household.attribute"] = _attribute(members, m_take, owner[rows])
        status = pc.utf8_trim_whitespace(cells["household.status"])
        policy = pa.array([EXIT_POLICY.get(s or "") for s in status.to_pylist()], pa.string())
        cells["household.exit_policy"] = policy
        cells["household.region"] = region_codes.take(h_take)
        cells["household.head_id_number"] = heads.take(h_take)
        cells["household.number"] = pa.nulls(len(rows), pa.string())
        cells = {k: _normalise(v, k) for k, v in cells.items() if k in by_key or k == "household.number"}
        for key in by_key:
            cells.setdefault(key, pa.nulls(len(rows), pa.string()))
        yield Batch(np.asarray(rows + 2, dtype=np.int64), cells)


def send_bank_accounts(source: NationalSource, *, user) -> int:
    """Store the bank details of the households now registered (encrypted, ``registry.services``) when the
    importing user may set accounts (finance roles; a command); for others they are left out, as the import page
    says."""
    if not source.bank:
        return 0
    from jingzhun.registry.models import Household

    ids = dict(
        Household.objects.filter(national_number__in=list(source.bank)).values_list("national_number", "id")
    )
    from jingzhun.accounts import permissions
    from jingzhun.registry.bulk import household_bank_accounts_load

    if user is not None and not permissions.may(user, "set_bank_account"):
        return 0
    return household_bank_accounts_load(
        user=user, accounts={ids[n]: source.bank[n] for n in source.bank if n in ids}
    )


def write_report(
    source: NationalSource, groups: list[HouseholdGroup], loose: list[SourceRow], path: Path
) -> int:
    """The failing rows of both files as they were, plus 错误原因, in one workbook with the two sheets — which
    imports again as it is, once corrected. Returns the number of rows."""
    import xlsxwriter

    from jingzhun.core.cells import write_text

    wanted: dict[str, dict[int, list[str]]] = {HOUSEHOLD_SHEET: {}, MEMBER_SHEET: {}}
    for row in [r for g in groups for r in g.rows] + loose:
        wanted[row.sheet].setdefault(row.number, []).extend(row.errors)
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    red = book.add_format({"font_color": "#B3261E", "text_wrap": True})
    quoted = book.add_format({"quote_prefix": True})
    count = 0
    for sheet_name, table in ((HOUSEHOLD_SHEET, source.households), (MEMBER_SHEET, source.members)):
        sheet = book.add_worksheet(sheet_name)
        header = table.column_names
        sheet.write_row(0, 0, [*header, ERROR_COLUMN], bold)
        numbers = sorted(wanted[sheet_name])
        picked = table.take(pa.array([n - 2 for n in numbers], pa.int64())).to_pylist() if numbers else []
        for r, (number, cells) in enumerate(zip(numbers, picked, strict=True), start=1):
            for c, name in enumerate(header):
                if cells[name]:
                    write_text(sheet, r, c, cells[name], quoted)
            sheet.write_string(
                r, len(header), "；".join(wanted[sheet_name][number]) or "同户其他行有错误", red
            )
            count += 1
    book.close()
    return count
