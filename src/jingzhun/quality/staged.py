"""疑点数据核查 over an uploaded national file pair, before it is imported: the files are read with the import's
reader and mapping (``imports.national``), their regions resolved by name in the user's scope as the import does,
and their rows written — as they are, mistakes included — into a scratch database of their own (an SQLite file
under ``DATA_DIR/quality``) holding the registry's tables. The same ``rules.RULES`` then run set-based over it
(``Scope.db``), and the same page, rows and workbook read it: nothing is written to the registry.

In the scratch database a household's id is its row number in the household file and a member's id its row
number in the member file, so that every finding names the file's row. Rows that cannot be checked (a region
name that does not resolve, a member whose 户编号 has no household, a repeated 户编号) are listed as such, by
row, with the reason: they are findings too, not failures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.db.utils import load_backend
from django.utils.translation import gettext as _

from jingzhun.core.codes import ancestors_of
from jingzhun.core.ids import normalize_identifier
from jingzhun.imports import national
from jingzhun.imports.layout import Column
from jingzhun.imports.services import check_size
from jingzhun.regions.models import Region
from jingzhun.regions.names import NameResolver
from jingzhun.registry.choices import HouseholdStatus, WorkStatus
from jingzhun.registry.models import Household, HouseholdYear, Member

MODELS = (Region, Household, HouseholdYear, Member)
# The registry's unique indexes that would refuse the very mistakes the rules look for (one ID number twice).
DROPPED_INDEXES = (
    "member_one_active_household",
    "member_national_number_unique",
    "household_national_number_unique",
)
YES = {"是", "1", "true", "True", "Y", "y"}
BATCH = 5000


def directory() -> Path:
    path = Path(settings.DATA_DIR) / "quality"
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_path(run_pk: int) -> Path:
    return directory() / f"run-{run_pk}.sqlite3"


def alias_for(path: Path) -> str:
    """The database alias of a scratch file (one SQLite file per run). Its connection is made for this thread on
    first use and is not one of the configured databases: ``close`` ends it."""
    alias = f"quality_{path.stem.replace('-', '_')}"
    if getattr(connections._connections, alias, None) is None:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 20}}
        config = connections.configure_settings({"default": connections.settings["default"], alias: config})[
            alias
        ]
        setattr(
            connections._connections, alias, load_backend(config["ENGINE"]).DatabaseWrapper(config, alias)
        )
    return alias


def close(alias: str) -> None:
    wrapper = getattr(connections._connections, alias, None)
    if wrapper is not None:
        wrapper.close()
        delattr(connections._connections, alias)


def remove(run_pk: int) -> None:
    """Forget a run's scratch database (closed, its file deleted)."""
    path = db_path(run_pk)
    close(alias_for(path))
    path.unlink(missing_ok=True)


@dataclass
class Staged:
    """What was staged: the region the rows lie in (their villages' lowest common region), the year the files
    are of, how many households, and the rows that could not be checked."""

    region_code: str
    year: int | None
    households: int
    refused: list[list] = field(default_factory=list)  # [sheet, row, 户编号 or 人口编号, reason]


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _int(value, default: int = 0) -> int:
    try:
        return int(Decimal(_text(value)))
    except (InvalidOperation, ValueError):
        return default


def _decimal(value) -> Decimal:
    try:
        amount = Decimal(_text(value) or "0")
    except InvalidOperation:
        return Decimal("0")
    return amount if amount.is_finite() else Decimal("0")


def _date(value) -> dt.date | None:
    text = _text(value).replace("/", "-").replace(".", "-")
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y-%m-%d %H:%M:%S"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _birth_from_id(number: str) -> dt.date | None:
    digits = number[6:14] if len(number) == 18 else ("19" + number[6:12] if len(number) == 15 else "")
    return _date(digits) if digits.isdigit() else None


class Cells:
    """A file's cells as model values, by the import's columns (their code lists, national forms included)."""

    def __init__(self):
        self.columns: dict[str, Column] = {c.key: c for c in national.columns()}

    def value(self, key: str, raw, model_field):
        """The cell's value for ``model_field``: 是/否 as a boolean, a code list's label as its code (a value
        not in the list kept as it is, for the rules to find), text cut to the field's length."""
        text = _text(raw)
        column = self.columns.get(key)
        if column is not None and column.kind == "bool":
            if text == "" and model_field.name in national.MANDATORY_YES_NO:
                return None  # unknown, kept so for Q12 (the scratch column allows it, ``_create_tables``)
            return text in YES
        if column is not None and column.kind == "int":
            number = _int(text, None) if text else None
            if number is None:
                return None if model_field.null else 0
            return min(
                max(number, 0), 32767
            )  # the column's range; a wrong value is no reason to fail the check
        if column is not None and column.choices:
            lookup = {label: code for code, label in column.choices} | {
                code: code for code, _ in column.choices
            }
            return lookup.get(text, text)[: model_field.max_length or 100]
        return text[: getattr(model_field, "max_length", None) or 100]


def _nullable(field):
    unknown = field.clone()
    unknown.set_attributes_from_name(field.name)
    unknown.model, unknown.null = field.model, True
    return unknown


def _create_tables(alias: str) -> None:
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
        cursor.execute("PRAGMA journal_mode = OFF")
        cursor.execute("PRAGMA synchronous = OFF")
    with connection.schema_editor(atomic=False) as editor:
        for model in MODELS:
            editor.create_model(model)
        # An empty mandatory yes/no cell stays empty here (the registry refuses it): those columns allow null.
        # One remake for all of them: ``alter_field`` remakes the table from the model each time, undoing the last.
        editor._remake_table(Member, alter_fields=[(f, _nullable(f)) for f in map(
            Member._meta.get_field, national.MANDATORY_YES_NO)])  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # the schema editor turned them on again
        for name in DROPPED_INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def stage(*, user, household_path: Path, member_path: Path | None, target: Path, progress=None) -> Staged:
    """Read the pair, resolve its regions, and write its rows into a new scratch database at ``target``.
    Refused with ``imports.errors.FileRejected`` (a Chinese message) when the files cannot be read at all."""
    for path in (household_path, member_path):
        if path is not None:
            check_size(path)
    households, members = national.read_pair(household_path, member_path)
    if target.exists():
        target.unlink()
    close(alias_for(target))  # a retried run starts from a new file
    alias = alias_for(target)
    _create_tables(alias)
    refused: list[list] = []
    cells = Cells()
    h_rows = households.to_pylist()
    m_rows = members.to_pylist()

    resolver = NameResolver(user)
    by_number: dict[str, int] = {}  # 户编号 → household file row
    villages: set[str] = set()
    years: dict[int, int] = {}
    hh_objs, year_objs = [], []
    h_field = {f.name: f for f in Household._meta.fields}
    y_field = {f.name: f for f in HouseholdYear._meta.fields}
    for i, row in enumerate(h_rows):
        number = _text(row.get("户编号"))
        line = i + 2
        if not any(_text(v) for v in row.values()):
            continue
        if not number:
            refused.append([national.HOUSEHOLD_SHEET, line, "", _("「户编号」为空")])
            continue
        if number in by_number:
            refused.append([national.HOUSEHOLD_SHEET, line, number,
                            _("「户编号」与第 %(n)d 行重复") % {"n": by_number[number]}])  # fmt: skip
            continue
        answer = resolver.resolve(*(_text(row.get(h)) for h in national.REGION_HEADERS))
        if answer.error or not answer.code:
            refused.append([national.HOUSEHOLD_SHEET, line, number, answer.error or _("区划名称为空")])
            continue
        by_number[number] = line
        villages.add(answer.code)
        status = cells.value("household.status", row.get("脱贫状态"), h_field["status"])
        if status not in HouseholdStatus.values:
            status = HouseholdStatus.REGISTERED
        hh_objs.append(Household(
            pk=line, number=number[:20], national_number=number[:30], region_id=answer.code, status=status,
            head_name=_text(row.get("户主姓名"))[:50], phone=_text(row.get("户联系电话"))[:20],
            attribute="", main_cause=cells.value("household.main_cause", row.get("主要致贫原因"), h_field["main_cause"]),
        ))  # fmt: skip
        year = _int(row.get("年度"), 0)
        if year:
            years[year] = years.get(year, 0) + 1
            values = {}
            for header, key in national.HOUSEHOLD_MAP.items():
                name = key.split(".", 1)[1]
                if not key.startswith("year.") or name == "year" or name not in y_field:
                    continue
                raw, model_field = row.get(header), y_field[name]
                if model_field.get_internal_type() == "DecimalField":
                    values[name] = _decimal(raw) if _text(raw) or not model_field.null else None
                else:
                    values[name] = cells.value(key, raw, model_field)
            values["house_grade"] = values.get("house_grade", "")[:1]
            year_objs.append(
                HouseholdYear(
                    household_id=line, year=year, household_size=max(_int(row.get("家庭人口数")), 0), **values
                )
            )
    if progress:
        progress()

    m_field = {f.name: f for f in Member._meta.fields}
    member_objs = []
    phones: dict[int, str] = {}  # 户联系电话 comes on the member rows
    for i, row in enumerate(m_rows):
        line = i + 2
        if not any(_text(v) for v in row.values()):
            continue
        number = _text(row.get("户编号"))
        person = _text(row.get("人口编号"))
        household = by_number.get(number)
        if household is None:
            if not any(r[2] == number and r[0] == national.HOUSEHOLD_SHEET for r in refused):
                refused.append([national.MEMBER_SHEET, line, person,
                                _("户信息文件中没有户编号为“%(n)s”的户") % {"n": number}])  # fmt: skip
            continue
        phones.setdefault(household, _text(row.get("户联系电话"))[:20])
        id_number = normalize_identifier(_text(row.get("证件号码")))[:18]
        values = {
            key.split(".", 1)[1]: cells.value(key, row.get(header), m_field[key.split(".", 1)[1]])
            for header, key in national.MEMBER_MAP.items()
            if key.startswith("member.") and key.split(".", 1)[1] in m_field
        }
        values["months_worked"] = min(max(_int(row.get("务工时间（月）")), 0), 32767)
        values["national_number"] = person[:30]
        values["id_number"] = id_number
        # the national file has no 务工状况: a member with months of work is working
        values["work_status"] = WorkStatus.NONE if values["months_worked"] == 0 else WorkStatus.OTHER
        birth = _date(row.get("出生日期")) or _birth_from_id(id_number) or dt.date(1900, 1, 1)
        member_objs.append(
            Member(pk=line, household_id=household, birth_date=birth, is_active=True, **values)
        )
    if progress:
        progress()

    for obj in hh_objs:
        obj.phone = obj.phone or phones.get(obj.pk, "")
    for model, objs in ((Household, hh_objs), (HouseholdYear, year_objs), (Member, member_objs)):
        model.objects.using(alias).bulk_create(objs, batch_size=BATCH)
    codes = set(villages)
    for code in villages:
        codes.update(ancestors_of(code))
    Region.objects.using(alias).bulk_create(list(Region.objects.filter(code__in=codes)), batch_size=BATCH)
    return Staged(
        region_code=_common(villages, user),
        year=max(years, key=years.get) if years else None,
        households=len(hh_objs),
        refused=refused,
    )


def _common(villages: set[str], user) -> str:
    """The lowest region holding every village (a county, a prefecture, a province), else the user's."""
    if not villages:
        return user.region_id or ""
    chains = [[*ancestors_of(v), v] for v in villages]
    common = ""
    for level in zip(*chains, strict=False):
        if len(set(level)) == 1:
            common = level[0]
        else:
            break
    return common
