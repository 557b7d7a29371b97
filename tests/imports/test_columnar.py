"""The column path of the import (one row per person) against the row path: same households, members, years,
audit and messages, on a file full of the mistakes counties make. The column path's create entries refer to
the stored file's rows instead of copying the card: the rows they name must hold that household."""

import csv
import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
import xlsxwriter

from jingzhun.core.models import AuditLog
from jingzhun.imports import export
from jingzhun.imports.layout import FLAT_COLUMNS, flat_rows
from jingzhun.imports.models import ImportJob
from jingzhun.imports.reader import read_tables
from jingzhun.imports.services import import_file
from jingzhun.registry import services as registry
from jingzhun.registry.demo import DemoGenerator
from jingzhun.registry.models import Household, Member
from jingzhun.registry.status import loading_history
from tests.conftest import TOWN_A, VILLAGE_A, VILLAGE_B
from tests.imports.test_import_export import wipe_registry

HEADERS = [c.header for c in FLAT_COLUMNS]
COL = {c.header: i for i, c in enumerate(FLAT_COLUMNS)}


def _households(count=24):
    gen = DemoGenerator(seed=11, years=[2016], address_code="522634")
    items = []
    while len(items) < count:
        item = gen.household(VILLAGE_A if len(items) % 3 else VILLAGE_B)
        item["household"].update(status="unidentified", identified_year=None, exit_year=None)  # no statuses
        if len(item["members"]) >= 2:  # several mistakes below need a second member
            items.append(item)
    return items


def _mistaken_rows(items, *, quoted=False):
    """Rows of ``items`` with one mistake (or one unusual but valid form) per household, by position."""
    households = [flat_rows(item) for item in items]
    households[14] = flat_rows(items[14], number=f"{VILLAGE_A if 14 % 3 else VILLAGE_B}00077")

    def cell(h, m, header, value):
        households[h][m][COL[header]] = value

    bad_id = households[0][1][COL["公民身份号码"]]
    cell(0, 1, "公民身份号码", bad_id[:17] + ("0" if bad_id[17] != "0" else "1"))  # wrong check character
    cell(1, 0, "文化程度", "博士后")  # not in the code list
    cell(2, 0, "工资性收入", "-5")  # negative amount
    for m in range(len(households[3])):
        cell(3, m, "财产性收入", "10")
        cell(3, m, "其中：资产收益扶贫分红", "20")  # dividend above the property income it belongs to
    cell(4, 1, "与户主关系", "户主")  # two heads
    cell(5, 1, "务工时间（月）", "3.0")  # unusual but valid
    cell(6, 0, "务工时间（月）", "13")  # over 12
    cell(7, 1, "姓名", "长" * 51)  # too long
    for m in range(len(households[8])):
        cell(8, m, "其他致贫原因", households[8][m][COL["主要致贫原因"]])  # same as the main cause
    for m in range(len(households[9])):
        cell(9, m, "所在村区划代码", TOWN_A)  # a township, not a village
    cell(15, 1, "姓名", "")  # required
    cell(16, 0, "低保人口", "也许")  # neither 是 nor 否
    cell(17, 1, "公民身份号码", households[18][0][COL["公民身份号码"]])  # one person in two households
    cell(19, 0, "工资性收入", "1,234.5")  # not a number
    cell(20, 1, "公民身份号码", "5226341990010")  # too short
    if quoted:
        cell(21, 0, "姓名", "王,小二")  # a comma in a cell: the CSV quotes it
    cell(22, 0, "联系电话", " 13800000000 ")  # spaces around a value are trimmed
    rows = []
    for h, household in enumerate(households):
        rows += household if h != 10 else household[:-1]
        if h == 13:
            rows += [[""] * len(HEADERS)] * 2  # blank rows are allowed anywhere
    rows.append(households[10][-1])  # a member row away from its household
    return rows


def _write(path, rows, *, blank_line=False):
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADERS)
            writer.writerows(rows)
            if blank_line:
                fh.write("\n")
        return path
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("登记表")
    sheet.write_row(0, 0, HEADERS)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value not in ("", None):
                sheet.write_string(r, c, str(value))
    book.close()
    return path


def _normal(value):
    """Audit values compared as what they mean: "3000" and "3000.00" are the same amount. Ids, times and
    户编号 are left out: a household the row path handles gets its number after the column path's ones."""
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, dict):
        return {
            k: _normal(v) for k, v in value.items() if k not in {"id", "household_id", "created_at", "number"}
        }
    if isinstance(value, str) and value[:1].isdigit() and len(value) < 16:
        try:
            return Decimal(value).normalize()
        except InvalidOperation:
            return value
    return value


def _file_rows(job: ImportJob, first: int, last: int) -> list[list]:
    """Rows ``first``..``last`` (as the user numbers them: the header is row 1) of the job's stored file."""
    rows = next(iter(read_tables(Path(job.file.path)).rows.values()))
    return [row for n, row in enumerate(rows, start=1) if first <= n <= last]


def _card(entry: AuditLog) -> dict:
    """What a household create entry says was registered: its village and its people's ID numbers and names —
    read from the import file's rows when the entry refers to them, else from the card it holds."""
    if "import" in entry.changes:
        ref = entry.changes["import"][1]
        job = ImportJob.objects.get(pk=ref["job"])
        assert ref["file"] == job.original_name
        rows = _file_rows(job, *ref["rows"])
        people = [(str(r[COL["公民身份号码"]]).upper(), r[COL["姓名"]]) for r in rows]
        villages = {str(r[COL["所在村区划代码"]]) for r in rows}
        assert villages == {entry.region_code}
    else:
        people = [(m["id_number"], m["name"]) for m in entry.changes["members"][1]]
    return {"region": entry.region_code, "people": sorted(people)}


def _outcome(tmp_path, user, path, *, columns, mode):
    """What an import did: counts, messages, the registry as exported, and the audit entries."""
    result = import_file(user=user, path=path, mode=mode, columns=columns)
    messages = sorted(e for g in result.failed_groups for e in g.errors)
    out = tmp_path / f"out-{columns}.csv"
    export.write_csv(out, Household.objects.all(), mask=False)
    with out.open(encoding="utf-8-sig") as fh:
        exported = sorted(row[1:] for row in csv.reader(fh))  # without 户编号: numbering order may differ
    creates = AuditLog.objects.filter(model="registry.household", action="create")
    cards = sorted(json.dumps(_card(e), sort_keys=True) for e in creates)
    entries = sorted(
        (
            json.dumps(_normal(e.changes), sort_keys=True, default=str),
            e.action,
            e.model,
            e.actor_id,
            e.region_code,
        )
        for e in AuditLog.objects.exclude(pk__in=creates)
    )
    counts = (
        result.households,
        result.persons,
        result.created,
        result.updated,
        result.unchanged,
        result.failed,
    )
    referring = creates.filter(changes__has_key="import").count()
    return counts, messages, exported, entries, cards, referring


def _someone_elsewhere(items):
    """A registered household in 西江镇 holding household 12's second member."""
    other = DemoGenerator(seed=99, years=[2016], address_code="522634").household(VILLAGE_B)
    other["members"][1:] = [items[12]["members"][1] | {"relationship": "son"}]
    with loading_history(None, as_of=2016, reference="测试数据"):  # registered as it was, with its status
        registry.household_register(user=None, **other)


@pytest.mark.parametrize(
    ("suffix", "quoted", "blank_line"),
    [(".csv", False, False), (".csv", True, True), (".xlsx", False, False)],
    ids=["plain-csv", "quoted-csv", "xlsx"],
)
@pytest.mark.parametrize("mode", ["valid", "all"])
def test_column_path_gives_what_the_row_path_gives(tmp_path, users, suffix, quoted, blank_line, mode):
    items = _households()
    path = _write(tmp_path / f"in{suffix}", _mistaken_rows(items, quoted=quoted), blank_line=blank_line)
    outcomes = []
    for columns in (True, False):
        wipe_registry()
        _someone_elsewhere(items)
        outcomes.append(_outcome(tmp_path, users["county"], path, columns=columns, mode=mode))
    fast, rows = outcomes
    assert fast[0] == rows[0]
    assert fast[1] == rows[1]  # the same messages, naming the same rows
    assert fast[2] == rows[2]
    assert fast[3] == rows[3]
    assert fast[4] == rows[4]  # every household's creation is traceable to what it registered
    # Written set-based, entries by reference — except the households with unusual forms (the row path's).
    assert rows[5] == 0
    assert (0 < fast[5] < fast[0][2]) if mode == "valid" else fast[5] == 0
    households, _persons, created, _updated, _unchanged, failed = fast[0]
    assert (households, failed) == (25, 16)  # 24 + the stray member row, which forms a household of its own
    assert created == (9 if mode == "valid" else 0)
    assert any("第 " in m and "校验位" in m for m in fast[1])
    assert any("连续排列" in m for m in fast[1])


def test_unusual_but_valid_values_and_preset_numbers_are_kept(tmp_path, users):
    items = _households()
    rows = _mistaken_rows(items)
    result = import_file(user=users["county"], path=_write(tmp_path / "in.csv", rows), mode="valid")
    assert result.created == 10  # household 12 is valid here: nobody else holds its member
    assert Household.objects.filter(number=f"{VILLAGE_A}00077").exists()
    member = Member.objects.get(id_number=items[5]["members"][1]["id_number"])
    assert member.months_worked == 3
    assert (
        Household.objects.get(
            members=Member.objects.get(id_number=items[22]["members"][0]["id_number"])
        ).phone
        == "13800000000"
    )
    entry = AuditLog.objects.filter(
        model="registry.household", action="create", changes__has_key="import"
    ).first()
    assert entry.actor == users["county"] and len(_card(entry)["people"]) >= 2
    assert Household.objects.filter(region_id__in=[VILLAGE_A, VILLAGE_B]).count() == 10
    household = Household.objects.get(pk=entry.object_id)
    assert sorted(household.members.values_list("id_number", flat=True)) == [
        p for p, _ in _card(entry)["people"]
    ]


@pytest.mark.parametrize("columns", [True, False])
def test_a_reimport_finds_exactly_the_changed_households(tmp_path, users, columns):
    """The set-based check of the column path (``columnar.unchanged``) and the row path agree: what a re-import
    changes is updated and audited, everything else is counted unchanged and left alone."""
    items = _households(12)
    first = _write(tmp_path / "first.csv", [r for item in items for r in flat_rows(item)])
    assert import_file(user=users["county"], path=first).created == 12
    households = [flat_rows(item) for item in items]

    def cell(h, m, header, value):
        households[h][m][COL[header]] = value

    number = Household.objects.order_by("id").values_list("number", flat=True)
    for h, rows in enumerate(households):  # the second file names the households by their 户编号
        for row in rows:
            row[COL["户编号"]], row[COL["户主公民身份号码"]] = number[h], ""
    wage = Decimal(str(households[0][0][COL["工资性收入"]] or 0))
    cell(0, 0, "工资性收入", str(wage + 100))  # a year's income
    cell(1, 1, "姓名", "改了名")  # a member's name
    households[2] = households[2][:-1]  # a member left the household
    cell(3, 0, "联系电话", "13900000000")  # the household's phone
    cell(4, 0, "文化程度", households[4][0][COL["文化程度"]])  # the same value again: no change
    cell(
        5, 0, "工资性收入", f"{Decimal(str(households[5][0][COL['工资性收入']] or 0)):.3f}"
    )  # 3000 as 3000.000
    for m in range(len(households[6])):
        cell(6, m, "耕地面积（亩）", "")  # an empty cell keeps the stored value
    second = _write(tmp_path / "second.csv", [r for rows in households for r in rows])
    before = AuditLog.objects.count()
    result = import_file(user=users["county"], path=second, columns=columns)
    assert (result.created, result.updated, result.unchanged) == (0, 4, 8), [
        g.errors for g in result.failed_groups
    ]
    assert AuditLog.objects.count() > before
    assert Member.objects.filter(name="改了名", is_active=True).count() == 1


@pytest.mark.parametrize("columns", [True, False])
def test_a_phone_number_that_is_neither_mobile_nor_landline_is_refused_by_row(tmp_path, users, columns):
    """联系电话: 11-digit mobile or a landline with its area code, on the column path and the row path alike."""
    items = _households(3)
    households = [flat_rows(item) for item in items]
    households[0][0][COL["联系电话"]] = "0855-3331234"
    households[1][0][COL["联系电话"]] = "12345"
    households[2][0][COL["联系电话"]] = "1380000000"  # ten digits
    path = _write(tmp_path / "phones.csv", [r for rows in households for r in rows])
    result = import_file(user=users["county"], path=path, mode="valid", columns=columns)
    assert result.created == 1 and Household.objects.get().phone == "0855-3331234"
    messages = [m for g in result.failed_groups for m in g.errors]
    assert len(result.failed_groups) == 2 and any("11 位手机号" in m for m in messages), messages
