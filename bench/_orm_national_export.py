"""The BASELINE of the national layouts in bench/export_bench.py: the row-at-a-time ORM export of the national
household and member files as it was before issue 23 made it column-wise (households read 500 at a time, one
Python call per cell, the CSV files built in memory, then zipped). Kept only to be measured against; the
application uses ``jingzhun.imports.national_export``."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from _orm_export import households_in_chunks

from jingzhun.core import masking
from jingzhun.core.cells import write_text
from jingzhun.core.masking import FIELD_KINDS
from jingzhun.imports.layout import FLAT_COLUMNS, NO, YES
from jingzhun.imports.national import (
    ALIASES,
    HOUSEHOLD_MAP,
    HOUSEHOLD_SHEET,
    MEMBER_HEADERS,
    MEMBER_MAP,
    MEMBER_SHEET,
)
from jingzhun.imports.national_export import EXPORT_HOUSEHOLD_HEADERS, STATUS_CODE
from jingzhun.regions.models import Region
from jingzhun.registry.choices import DANGEROUS_GRADES, ExitPolicy, HouseholdStatus, Relationship, Sex

_COLUMN = {c.key: c for c in FLAT_COLUMNS}
_PREFERRED = {"member.schooling", "household.attribute", "year.house_grade"}


def _label(key: str, value) -> str:
    """A stored value as the national file writes it."""
    if value is None or value == "":
        return ""
    column = _COLUMN[key]
    if column.kind == "bool":
        return YES if value else NO
    if column.kind == "causes":
        labels = dict(column.choices)
        return "、".join(labels.get(v, v) for v in value)
    if column.kind == "choice":
        if key in _PREFERRED:
            national = {}
            for code, label in ALIASES[key]:
                national.setdefault(code, label)
            if value in national:
                return national[value]
        return str(dict(column.choices).get(value, value))
    if isinstance(value, Decimal | float):
        return _number(value)
    return str(value)


def _number(value) -> str:
    text = f"{Decimal(str(value)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class _Names:
    """Names of the regions above the exported villages, read once per chunk of new codes."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def place(self, village: Region) -> list[str]:
        code = village.code
        wanted = [code[:2] + "0" * 10, code[:4] + "0" * 8, code[:6] + "0" * 6, code[:9] + "000"]
        missing = [c for c in wanted if c not in self.names]
        if missing:
            self.names.update(Region.objects.filter(code__in=missing).values_list("code", "name"))
        return [*(self.names.get(c, "") for c in wanted), village.name]


def _masked(kind_key: str, value: str, mask: bool) -> str:
    kind = FIELD_KINDS.get(kind_key)
    return masking.mask(kind, value) if mask and kind and value else value


def pair_rows(queryset, *, mask: bool, year: int | None = None) -> Iterator[tuple[str, list[str]]]:
    """("household" | "member", cells) in the national layouts, household by household."""
    names = _Names()
    for chunk in households_in_chunks(queryset, year=year):
        for h in chunk:
            record = h.export_year
            members = list(h.members.all())
            head = next((m for m in members if m.relationship == Relationship.HEAD), None)
            head_id = _masked("id_number", head.id_number if head else "", mask)
            place = names.place(h.region)
            number = h.national_number or h.number
            status = ""
            if h.status == HouseholdStatus.EXITED and h.exit_policy == ExitPolicy.ENDED:
                status = "4"
            elif h.status in STATUS_CODE:
                status = STATUS_CODE[h.status]
            cells = dict(zip(["省", "市", "县", "乡", "村"], place, strict=True))
            for header, key in HOUSEHOLD_MAP.items():
                part, name = key.split(".", 1)
                source = h if part == "household" else record
                cells[header] = _label(key, getattr(source, name, None) if source is not None else None)
            gross = (
                sum((record.wage, record.business, record.property_income, record.transfer), Decimal(0))
                if record
                else None
            )
            cells.update({
                "户编号": number, "户主编号": head.national_number if head else "", "户主姓名": h.head_name,
                "户主证件号码": head_id, "家庭人口数": str(len(members)),
                "是否危房户": "" if not record or not record.house_grade else
                (YES if record.house_grade in DANGEROUS_GRADES else NO),
                "人均纯收入": _number(record.per_capita_net) if record else "",
                "年收入": _number(gross) if record else "", "纯收入": _number(record.net_income) if record else "",
                "转移性收入": _number(record.transfer) if record else "",
                "其他财产性收入": _number(record.property_income - record.property_dividend) if record else "",
                "脱贫状态": status, "贫困户属性": _label("household.attribute", h.attribute),
                "识别年度": _label("household.identified_year", h.identified_year),
                "脱贫年度": _label("household.exit_year", h.exit_year),
                "村办公电话": "", "开户银行名称": "", "银行卡号": "",
            })  # fmt: skip
            yield "household", [cells.get(c, "") for c in EXPORT_HOUSEHOLD_HEADERS]
            for m in members:
                row = dict(zip(["省", "市", "县", "乡", "村"], place, strict=True))
                for header, key in MEMBER_MAP.items():
                    part, name = key.split(".", 1)
                    row[header] = _label(key, getattr(h if part == "household" else m, name))
                row.update({
                    "户编号": number, "证件类型": "身份证", "证件号码": _masked("id_number", m.id_number, mask),
                    "性别": str(Sex(m.sex).label) if m.sex else "",
                    "出生日期": _masked("birth_date", m.birth_date.isoformat(), mask) if m.birth_date else "",
                    "户联系电话": _masked("phone", h.phone, mask), "成员联系电话": _masked("phone", m.phone, mask),
                    "健康状况": _masked("health", row["健康状况"], mask),
                    "年度": cells["年度"], "户主姓名": h.head_name, "户主证件号码": head_id, "识别标准": cells["识别标准"],
                })  # fmt: skip
                yield "member", [row.get(c, "") for c in MEMBER_HEADERS]


def write_csv_zip(path: Path, queryset, *, mask: bool, year: int | None = None) -> tuple[int, int]:
    """A .zip holding the two GB18030 CSV files; returns (households, persons)."""
    buffers = {"household": io.StringIO(), "member": io.StringIO()}
    writers = {k: csv.writer(v) for k, v in buffers.items()}
    writers["household"].writerow(EXPORT_HOUSEHOLD_HEADERS)
    writers["member"].writerow(MEMBER_HEADERS)
    counts = {"household": 0, "member": 0}
    for kind, cells in pair_rows(queryset, mask=mask, year=year):
        writers[kind].writerow(cells)
        counts[kind] += 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{HOUSEHOLD_SHEET}.csv", buffers["household"].getvalue().encode("gb18030"))
        archive.writestr(f"{MEMBER_SHEET}.csv", buffers["member"].getvalue().encode("gb18030"))
    return counts["household"], counts["member"]


def write_xlsx(path: Path, queryset, *, mask: bool, year: int | None = None) -> tuple[int, int]:
    """One workbook with the two sheets (it imports as it is); returns (households, persons)."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False})
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    quoted = book.add_format({"quote_prefix": True})
    sheets = {}
    for kind, name, header in (("household", HOUSEHOLD_SHEET, EXPORT_HOUSEHOLD_HEADERS),
                               ("member", MEMBER_SHEET, MEMBER_HEADERS)):  # fmt: skip
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, header, bold)
        sheets[kind] = [sheet, 1]
    for kind, cells in pair_rows(queryset, mask=mask, year=year):
        sheet, r = sheets[kind]
        for c, value in enumerate(cells):
            if value:
                write_text(
                    sheet, r, c, value, quoted
                )  # all text: codes (01) and numbers come back as written
        sheets[kind][1] += 1
    book.close()
    return sheets["household"][1] - 1, sheets["member"][1] - 1
