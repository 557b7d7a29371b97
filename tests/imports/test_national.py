"""The national system's yearly exports (户年度基础信息 + 人员信息, joined on 户编号) import like our own files:
regions by name within the importer's scope, the national code lists mapped, refusals by row, idempotent, and
the status through the historical load only. Files are generated here in the national layouts."""

import csv
import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from python_calamine import CalamineWorkbook

from jingzhun.core.models import AuditLog
from jingzhun.imports import national
from jingzhun.imports.models import ImportJob
from jingzhun.imports.reader import FileRejected
from jingzhun.imports.services import attach_error_report, import_file
from jingzhun.regions import services as region_services
from jingzhun.regions.models import FormerName, Region
from jingzhun.registry.choices import (
    Attribute,
    Education,
    ExitPolicy,
    PoliticalStatus,
    Relationship,
    Schooling,
    Stated,
)
from jingzhun.registry.choices import HouseholdStatus as S
from jingzhun.registry.models import Household, HouseholdYear, Member, StatusChange, StatusSource
from tests.conftest import new_id, run_worker

VILLAGE = "522634100200"  # 西门村村民委员会, 丹江镇
PLACE = ["贵州省", "黔东南苗族侗族自治州", "雷山县", "丹江镇", "西门村"]


def _household_row(number, head, **cells):
    values = dict.fromkeys(national.HOUSEHOLD_HEADERS, "")
    values.update(zip(national.REGION_HEADERS, PLACE, strict=True))
    values.update({
        "户编号": number, "户主编号": number + "01", "户主姓名": head[0], "户主证件号码": head[1], "家庭人口数": "3",
        "年度": "2019", "识别标准": "国家标准", "主要致贫原因": "因病", "次要致贫原因": "缺技术",
        "工资性收入": "8000", "生产经营性收入": "1200.5", "财产性收入": "300", "资产收益扶贫分红收入": "100",
        "低保金": "0", "是否解决安全饮用水": "是", "是否通生产用电": "是", "是否通生活用电": "是",
        "入户路类型": "水泥路", "主要燃料类型": "柴草", "危房级别": "", "是否危房户": "否", "耕地面积（亩）": "2.5",
        "开户银行名称": "贵州省农村信用社", "银行卡号": "6217000000000000" + number[-3:],
    })  # fmt: skip
    values.update(cells)
    return [values[h] for h in national.HOUSEHOLD_HEADERS]


def _member_row(number, person, name, id_number, relation, **cells):
    values = dict.fromkeys(national.MEMBER_HEADERS, "")
    values.update(zip(national.REGION_HEADERS, PLACE, strict=True))
    values.update({
        "户编号": number, "人口编号": f"{number}{person:02d}", "姓名": name, "证件类型": "身份证",
        "证件号码": id_number, "民族": "苗族", "户联系电话": "13800000000", "年度": "2019", "与户主关系": relation,
        "文化程度": "初中", "劳动技能": "普通劳动力", "健康状况": "健康", "政治面貌": "群众",
        "是否参加新型农村合作医疗（城乡居民基本医疗保险）": "是", "是否参加大病保险": "是",
        "是否参加城乡居民基本养老保险": "是", "是否享受低保": "否", "是否特困供养人员": "否",
        "是否参加城镇职工基本医疗保险": "否", "是否参加城镇职工基本养老保险": "否",
        "是否会讲普通话": "是", "是否参加商业补充医疗保险": "否", "是否国外务工": "否", "是否接受大病医疗救助": "否",
        "是否接受其他健康扶贫": "否", "公益性岗位(月数)": "0",
    })  # fmt: skip
    values.update(cells)
    return [values[h] for h in national.MEMBER_HEADERS]


def _village(count=3):
    """(household rows, member rows) of ``count`` households of three people each."""
    households, members = [], []
    for i in range(count):
        number = f"5226341002000{i:03d}"
        head, spouse = new_id(dt.date(1970, 1, 1)), new_id(dt.date(1972, 3, 1), male=False)
        child = new_id(dt.date(2004, 9, 1))
        households.append(_household_row(number, (f"户主{i}", head)))
        members += [
            _member_row(number, 1, f"户主{i}", head, "户主", **{"务工所在地": "浙江省宁波市", "务工时间（月）": "8",
                        "成员联系电话": "13900000001", "政治面貌": "中共党员", "文化程度": "大专"}),
            _member_row(number, 2, f"配偶{i}", spouse, "配偶", 是否参加城镇职工基本医疗保险="是",
                        是否特困供养人员="否", 残疾类别="肢体残疾", 残疾证办证年度="2016", 是否接受大病医疗救助="是",
                        是否接受其他健康扶贫="是", 公益性岗位类型="护林员", **{"公益性岗位(月数)": "6"},
                        产业分类="种植业", 就业渠道="公益性岗位", 是否会讲普通话="否"),
            _member_row(number, 3, f"孙女{i}", child, "之孙女", 文化程度="", 在校生状况="普通高中二年级",
                        劳动技能="无劳动力", 是否参加商业补充医疗保险="是", 是否国外务工="否",
                        失学或辍学原因="因病"),
        ]  # fmt: skip
    return households, members


def _csv(path, header, rows, encoding="gbk"):
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _pair(tmp_path, households, members, encoding="gbk", suffix=""):
    return (
        _csv(tmp_path / f"户年度基础信息{suffix}.csv", national.HOUSEHOLD_HEADERS, households, encoding),
        _csv(tmp_path / f"人员信息{suffix}.csv", national.MEMBER_HEADERS, members, encoding),
    )


def _errors(result) -> list[str]:
    return [e for g in result.failed_groups for e in g.errors] + [
        e for r in result.parsed.loose_rows for e in r.errors
    ]


def test_a_gbk_pair_for_a_demo_village_imports_with_the_national_code_lists(tmp_path, users):
    households, members = _village()
    h_path, m_path = _pair(tmp_path, households, members)
    result = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert result.ok, _errors(result)
    assert (result.created, result.persons) == (3, 9)
    household = Household.objects.get(national_number="5226341002000000")
    assert household.region_id == VILLAGE  # “西门村” for 西门村村民委员会
    assert household.status == S.UNIDENTIFIED  # a status only through the historical load
    assert household.attribute == Attribute.GENERAL  # derived from the members: none 低保 or 特困供养
    assert household.main_cause == "illness" and household.other_causes == ["lack_skills"]
    year = household.years.get()
    assert (year.year, str(year.business), year.water_safe) == (2019, "1200.50", True)
    head, spouse, child = household.members.order_by("national_number")
    assert head.national_number == "522634100200000001"
    assert (head.education, head.political_status, head.work_place, head.months_worked, head.phone) == (
        Education.JUNIOR_COLLEGE, PoliticalStatus.PARTY_MEMBER, "浙江省宁波市", 8, "13900000001"
    )  # fmt: skip
    assert spouse.employee_medical_insurance and not spouse.extreme_poverty_support
    assert (child.relationship, child.education, child.schooling) == (
        Relationship.GRANDDAUGHTER, "", Schooling.SENIOR_2
    )  # fmt: skip
    assert household.phone == "13800000000"


def test_dangerous_house_and_village_office_phone_are_stored_as_the_file_states_them(tmp_path, users):
    households, members = _village(3)
    h = national.HOUSEHOLD_HEADERS.index
    households[0][h("是否危房户")], households[0][h("村办公电话")] = (
        "是",
        "0855-3331234",
    )  # stated, no grade yet
    households[1][h("是否危房户")] = ""  # not stated
    households[2][h("村办公电话")] = "3331234"  # no area code
    h_path, m_path = _pair(tmp_path, households, members)
    refused = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert not refused.ok and Household.objects.count() == 0
    assert "「村办公电话」" in "\n".join(_errors(refused)) and "3331234" in "\n".join(_errors(refused))
    households[2][h("村办公电话")] = "0855-3330000"
    h_path, m_path = _pair(tmp_path, households, members, suffix="-2")
    assert import_file(user=users["county"], path=h_path, member_path=m_path).ok
    stored = {
        y.household.national_number: (
            y.household.village_office_phone,
            y.dangerous_house_stated,
            y.house_grade,
        )
        for y in HouseholdYear.objects.select_related("household")
    }
    assert stored == {
        "5226341002000000": ("0855-3331234", Stated.YES, ""),
        "5226341002000001": ("", "", ""),
        "5226341002000002": ("0855-3330000", Stated.NO, ""),
    }


def test_re_importing_the_pair_changes_nothing_and_a_changed_cell_updates(tmp_path, users):
    households, members = _village()
    h_path, m_path = _pair(tmp_path, households, members)
    import_file(user=users["county"], path=h_path, member_path=m_path)
    again = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Household.objects.count() == 3 and Member.objects.count() == 9
    members[0][national.MEMBER_HEADERS.index("务工所在地")] = "广东省东莞市"
    h_path, m_path = _pair(tmp_path, households, members, suffix="-2")
    changed = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert changed.ok and (changed.created, changed.updated, changed.unchanged) == (0, 1, 2), _errors(changed)
    assert Member.objects.get(national_number="522634100200000001").work_place == "广东省东莞市"
    assert Household.objects.count() == 3


def _col(header, name):
    return header.index(name)


def test_an_empty_mandatory_yes_no_cell_is_refused_by_row_never_read_as_no(tmp_path, users):
    households, members = _village(2)
    members[4][_col(national.MEMBER_HEADERS, "是否参加大病保险")] = ""  # file row 6: unknown, not 否
    members[1][_col(national.MEMBER_HEADERS, "是否国外务工")] = ""  # not one the rules require: read as 否
    h_path, m_path = _pair(tmp_path, households, members)
    result = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert "第 6 行「是否参加大病保险」：必填" in "\n".join(_errors(result))
    assert len(result.failed_groups) == 1 and Household.objects.count() == 0  # all or nothing
    members[4][_col(national.MEMBER_HEADERS, "是否参加大病保险")] = "是"
    h_path, m_path = _pair(tmp_path, households, members, suffix="-2")
    assert import_file(user=users["county"], path=h_path, member_path=m_path).ok
    assert Member.objects.filter(working_abroad=False).count() == 6


def test_planted_mistakes_are_refused_by_row_and_the_report_reimports_once_corrected(tmp_path, users):
    households, members = _village(6)
    h, m = national.HOUSEHOLD_HEADERS, national.MEMBER_HEADERS
    households[1][_col(h, "村")] = "东风村"  # unknown
    households[2][_col(h, "村")] = "响楼"  # 响楼村 and 响楼社区 in 丹江镇: ambiguous
    members[3 * 3][_col(m, "与户主关系")] = "之表哥"  # household 3: an unknown code
    members[4 * 3 + 1][_col(m, "证件号码")] = "522634197001011234"  # household 4: a bad check digit
    orphan = _member_row("5226341002000999", 1, "无户", new_id(), "户主")
    h_path, m_path = _pair(tmp_path, households, [*members, orphan])
    result = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert not result.ok and result.created == 0 and Household.objects.count() == 0  # all or nothing
    errors = "\n".join(_errors(result))
    assert "第 3 行「村」：雷山县丹江镇找不到村“东风村”" in errors
    assert "第 4 行「村」：村名“响楼”对应多个村" in errors and "响楼村村民委员会（522634100203）" in errors
    assert "响楼社区居民委员会（522634100007）" in errors
    assert "第 11 行「与户主关系」：无法识别“之表哥”" in errors
    assert "第 15 行「证件号码」" in errors
    assert "第 20 行「户编号」：户信息文件中没有户编号为“5226341002000999”的户" in errors
    assert result.failed == 4

    report = tmp_path / "report.xlsx"
    assert attach_error_report(result, report) == 4 + 4 * 3 + 1  # households' rows, members' rows, the orphan
    book = CalamineWorkbook.from_path(str(report))
    assert book.sheet_names == [national.HOUSEHOLD_SHEET, national.MEMBER_SHEET]
    # corrected in the report itself (the orphan row removed), it imports with the good households
    sheets = {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}
    hh, mh = sheets[national.HOUSEHOLD_SHEET][0], sheets[national.MEMBER_SHEET][0]
    assert hh[-1] == mh[-1] == "错误原因"
    for row in sheets[national.HOUSEHOLD_SHEET][1:]:
        row[hh.index("村")] = "西门村"
    kept = [mh]
    for row in sheets[national.MEMBER_SHEET][1:]:
        if row[mh.index("与户主关系")] == "之表哥":
            row[mh.index("与户主关系")] = "户主"
        if row[mh.index("证件号码")] == "522634197001011234":
            row[mh.index("证件号码")] = new_id(dt.date(1972, 3, 1), male=False)
        if row[mh.index("姓名")] != "无户":
            kept.append(row)
    sheets[national.MEMBER_SHEET] = kept
    corrected = xlsxwriter.Workbook(str(report))
    for name, rows in sheets.items():
        sheet = corrected.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, [str(v) for v in row])
    corrected.close()
    fixed = import_file(user=users["county"], path=report)
    assert fixed.ok and fixed.created == 4, _errors(fixed)


def test_regions_are_resolved_within_the_users_scope_only(tmp_path, users):
    households, members = _village(1)
    h_path, m_path = _pair(tmp_path, households, members)
    result = import_file(
        user=users["town_b"], path=h_path, member_path=m_path
    )  # 西江镇: not 丹江镇's village
    assert not result.ok and Household.objects.count() == 0
    assert "不在您的管辖范围内" in "".join(_errors(result))


def test_a_former_village_name_resolves_to_todays_code(tmp_path, users):
    path = tmp_path / "former.csv"
    path.write_text("现区划代码,原名称,原所属乡镇,使用至年度,说明\n522634100200,老西门村,丹江镇,2018,2019 年并入西门村\n",
                    encoding="utf-8")  # fmt: skip
    assert region_services.former_names_load(rows=region_services.former_names_rows(path), source="test") == 1
    assert region_services.former_names_load(rows=region_services.former_names_rows(path), source="test") == 0
    households, members = _village(1)
    households[0][_col(national.HOUSEHOLD_HEADERS, "村")] = "老西门村村民委员会"
    h_path, m_path = _pair(tmp_path, households, members)
    result = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert result.ok, _errors(result)
    assert Household.objects.get().region_id == VILLAGE and FormerName.objects.count() == 1


def test_a_former_township_name_resolves_to_todays_township_within_the_importers_scope_and_county(
    tmp_path, users
):
    path = tmp_path / "former.csv"
    path.write_text("现区划代码,原名称,原所属乡镇,使用至年度,说明\n522634100000,丹江乡,,2018,2019 年撤乡并镇\n",
                    encoding="utf-8")  # fmt: skip
    assert region_services.former_names_load(rows=region_services.former_names_rows(path), source="test") == 1
    wrong = tmp_path / "wrong.csv"  # a township's former name has no township of its own
    wrong.write_text(
        "现区划代码,原名称,原所属乡镇,使用至年度,说明\n522634100000,丹江乡,大塘镇,2018,\n", encoding="utf-8"
    )
    with pytest.raises(ValidationError, match="乡镇的曾用名不填“原所属乡镇”"):
        region_services.former_names_load(rows=region_services.former_names_rows(wrong), source="test")
    households, members = _village(1)
    households[0][_col(national.HOUSEHOLD_HEADERS, "乡")] = "丹江乡人民政府"  # the 2018 file's township
    h_path, m_path = _pair(tmp_path, households, members)
    # outside the importer's scope (西江镇's operator): found, then refused
    refused = import_file(user=users["town_b"], path=h_path, member_path=m_path)
    assert "村“西门村”（522634100200）不在您的管辖范围内" in "".join(_errors(refused))
    result = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert result.ok, _errors(result)
    assert Household.objects.get().region_id == VILLAGE
    # never across counties: another county with a 西门村 of its own does not take 雷山县's former township name
    Region.objects.create(code="522635000000", name="台江县", level=3, parent_id="522600000000")
    Region.objects.create(code="522635100000", name="台拱镇", level=4, parent_id="522635000000")
    Region.objects.create(code="522635100201", name="西门村村民委员会", level=5, parent_id="522635100000")
    households, members = _village(1)
    households[0][_col(national.HOUSEHOLD_HEADERS, "县")] = "台江县"
    households[0][_col(national.HOUSEHOLD_HEADERS, "乡")] = "丹江乡"
    h_path, m_path = _pair(tmp_path, households, members, suffix="-other")
    other = import_file(user=users["national"], path=h_path, member_path=m_path)
    assert "第 2 行「村」：台江县没有乡镇“丹江乡”（也不是已登记的曾用名）" in "".join(_errors(other))


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_excel_variants_read(tmp_path, users, suffix):
    households, members = _village(2)
    paths = []
    for name, header, rows in (
        ("户", national.HOUSEHOLD_HEADERS, households),
        ("人", national.MEMBER_HEADERS, members),
    ):
        path = tmp_path / f"{name}{suffix}"
        if suffix == ".xlsx":
            book = xlsxwriter.Workbook(str(path))
            sheet = book.add_worksheet("Sheet1")
            for r, row in enumerate([header, *rows]):
                sheet.write_row(r, 0, row)
            book.close()
        else:
            import xlwt

            book = xlwt.Workbook(encoding="utf-8")
            sheet = book.add_sheet("Sheet1")
            for r, row in enumerate([header, *rows]):
                for c, value in enumerate(row):
                    sheet.write(r, c, value)
            book.save(str(path))
        paths.append(path)
    result = import_file(user=users["county"], path=paths[0], member_path=paths[1])
    assert result.ok and result.created == 2, _errors(result)


def test_the_status_comes_in_as_history_by_a_national_or_provincial_administrator(tmp_path, users):
    households, members = _village(3)
    header = [*national.HOUSEHOLD_HEADERS, "脱贫状态", "识别年度", "脱贫年度"]
    rows = [households[0] + ["0", "2015", ""], households[1] + ["1", "2014", "2017"],
            households[2] + ["4", "2014", "2016"]]  # fmt: skip
    h_path = _csv(tmp_path / "户.csv", header, rows)
    m_path = _csv(tmp_path / "人.csv", national.MEMBER_HEADERS, members)
    refused = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert not refused.ok and Household.objects.count() == 0
    result = import_file(user=users["national"], path=h_path, member_path=m_path, history_year=2019)
    assert result.ok and result.created == 3, _errors(result)
    by_number = {h.national_number: h for h in Household.objects.all()}
    assert by_number["5226341002000000"].status == S.REGISTERED
    exited = by_number["5226341002000001"]
    assert (exited.status, exited.exit_year, exited.exit_policy) == (S.EXITED, 2017, ExitPolicy.ENJOYING)
    assert by_number["5226341002000002"].exit_policy == ExitPolicy.ENDED
    assert set(StatusChange.objects.values_list("source", flat=True)) == {StatusSource.HISTORICAL}
    assert StatusChange.objects.filter(household=exited).count() == 2


def test_bank_details_are_checked_and_stored_encrypted_for_a_user_who_may_set_accounts(tmp_path, users):
    households, members = _village(2)
    households[1][_col(national.HOUSEHOLD_HEADERS, "银行卡号")] = "6217-ABC"
    h_path, m_path = _pair(tmp_path, households, members)
    bad = import_file(user=users["county"], path=h_path, member_path=m_path)
    assert "第 3 行「银行卡号」：应为 12 至 30 位数字" in "".join(_errors(bad))
    households[1][_col(national.HOUSEHOLD_HEADERS, "银行卡号")] = "6217000000000000123"
    h_path, m_path = _pair(tmp_path, households, members, suffix="-2")
    assert import_file(user=users["county"], path=h_path, member_path=m_path).ok
    # A county operator may import but not set 一卡通 accounts: the households come in without them.
    assert set(Household.objects.values_list("bank_account", flat=True)) == {""}
    assert import_file(user=users["national"], path=h_path, member_path=m_path).ok
    stored = {h.national_number: (h.bank_name, h.bank_account) for h in Household.objects.all()}
    assert stored == {
        "5226341002000000": ("贵州省农村信用社", "6217000000000000000"),
        "5226341002000001": ("贵州省农村信用社", "6217000000000000123"),
    }
    with connection.cursor() as cursor:  # encrypted at rest: the number is nowhere in the table's text
        cursor.execute("SELECT bank_account FROM registry_household")
        assert all("6217000000000000123" not in (row[0] or "") for row in cursor.fetchall())
    trail = [
        str(e.changes)
        for e in AuditLog.objects.filter(model="registry.household")
        if "bank_account" in e.changes
    ]
    assert any("**** 0123" in t for t in trail) and not any("6217000000000000123" in t for t in trail)
    # A new account in a later file replaces the stored one, audited with both numbers masked; the
    # unchanged one writes nothing.
    households[1][_col(national.HOUSEHOLD_HEADERS, "银行卡号")] = "6228480000000000456"
    h_path, m_path = _pair(tmp_path, households, members, suffix="-3")
    latest = AuditLog.objects.order_by("-id").first().id
    assert import_file(user=users["national"], path=h_path, member_path=m_path).ok
    assert Household.objects.get(national_number="5226341002000001").bank_account == "6228480000000000456"
    assert Household.objects.get(national_number="5226341002000000").bank_account == "6217000000000000000"
    changed = [e for e in AuditLog.objects.filter(id__gt=latest) if "bank_account" in e.changes]
    assert [e.changes["bank_account"] for e in changed] == [["**** 0123", "**** 0456"]]
    assert changed[0].action == "update" and changed[0].region_code == VILLAGE


@pytest.mark.django_db(transaction=True)
def test_the_import_page_takes_the_two_files_in_either_order(client, users, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(users["county"])
    households, members = _village(2)
    h_path, m_path = _pair(tmp_path, households, members)
    page = client.get("/imports/").content.decode()
    assert "人员信息文件" in page and "全国扶贫开发信息系统导出" in page
    data = {"layout": "national", "mode": "all", "file": SimpleUploadedFile(m_path.name, m_path.read_bytes()),
            "member_file": SimpleUploadedFile(h_path.name, h_path.read_bytes())}  # fmt: skip
    response = client.post("/imports/", data)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.member_file
    run_worker(settings.MEDIA_ROOT)
    job.refresh_from_db()
    assert job.created == 2 and Household.objects.count() == 2, job.message
    # one national file alone, as our own layout, is refused with what to do
    alone = import_file
    with pytest.raises(FileRejected, match="同时上传户信息文件和人员信息文件"):
        alone(user=users["county"], path=h_path)


def _export_pair(client, tmp_path, fmt, name, **params):
    response = client.get(f"/households/export.{fmt}", {"layout": "national", **params})
    assert response.status_code == 200, response.status_code
    path = tmp_path / name
    path.write_bytes(b"".join(response.streaming_content))
    return path


def _cells_of(path):
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            return {
                n: list(csv.reader(io.StringIO(archive.read(n).decode("gb18030"))))
                for n in archive.namelist()
            }
    book = CalamineWorkbook.from_path(str(path))
    return {
        n: [[str(c) for c in row] for row in book.get_sheet_by_name(n).to_python()] for n in book.sheet_names
    }


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_national_export_round_trips_cell_for_cell_and_is_masked_and_audited(
    client, tmp_path, users, fmt
):
    households, members = _village(3)
    members[0][national.MEMBER_HEADERS.index("姓名")] = "龑㵘"  # rare characters: GB18030, not GBK
    h = national.HOUSEHOLD_HEADERS.index
    # stated without a grade (not derivable) and the village's office phone: exported as the file gave them
    households[0][h("是否危房户")], households[0][h("村办公电话")] = "是", "0855-3331234"
    h_path, m_path = _pair(tmp_path, households, members, encoding="gb18030")
    assert import_file(user=users["county"], path=h_path, member_path=m_path).ok
    client.force_login(users["national"])  # sees personal data in full
    first = _export_pair(client, tmp_path, fmt, f"first.{'zip' if fmt == 'csv' else 'xlsx'}")
    cells = _cells_of(first)
    household_sheet = cells[f"{national.HOUSEHOLD_SHEET}.csv" if fmt == "csv" else national.HOUSEHOLD_SHEET]
    member_sheet = cells[f"{national.MEMBER_SHEET}.csv" if fmt == "csv" else national.MEMBER_SHEET]
    assert len(household_sheet) == 4 and len(member_sheet) == 10
    stated = {r[h("户编号")]: (r[h("是否危房户")], r[h("村办公电话")]) for r in household_sheet[1:]}
    assert stated[households[0][h("户编号")]] == ("是", "0855-3331234")
    assert stated[households[1][h("户编号")]] == ("否", "")
    assert (
        household_sheet[0][:53] == national.HOUSEHOLD_HEADERS and member_sheet[0] == national.MEMBER_HEADERS
    )
    by_header = dict(zip(member_sheet[0], next(r for r in member_sheet if "龑㵘" in r), strict=True))
    assert by_header["村"] == "西门村村民委员会" and by_header["文化程度"] == "大专"
    assert by_header["证件号码"] == households[0][national.HOUSEHOLD_HEADERS.index("户主证件号码")]
    child = dict(zip(member_sheet[0], member_sheet[3], strict=True))
    assert (child["与户主关系"], child["在校生状况"], child["文化程度"]) == ("之孙女", "普通高中二年级", "")
    # the member columns kept since (失学或辍学原因 … 残疾证办证年度): each cell as the file gave it
    kept = ["失学或辍学原因", "是否会讲普通话", "是否参加商业补充医疗保险", "是否国外务工", "产业分类", "是否接受大病医疗救助",
            "是否接受其他健康扶贫", "公益性岗位类型", "公益性岗位(月数)", "就业渠道", "残疾类别", "残疾证办证年度"]  # fmt: skip
    person = national.MEMBER_HEADERS.index("人口编号")
    exported = {r[person]: dict(zip(member_sheet[0], r, strict=True)) for r in member_sheet[1:]}
    for row in members:
        given = dict(zip(national.MEMBER_HEADERS, row, strict=True))
        assert [str(exported[given["人口编号"]][h]) for h in kept] == [given[h] for h in kept], given[
            "人口编号"
        ]
    assert any(
        dict(zip(national.MEMBER_HEADERS, r, strict=True))["残疾证办证年度"] == "2016" for r in members
    )

    # imported into an empty registry and exported again: the same cells
    Household.objects.all().delete()
    if fmt == "csv":
        with zipfile.ZipFile(first) as archive:
            archive.extractall(tmp_path / "first")
        again = import_file(user=users["county"], path=tmp_path / "first" / f"{national.HOUSEHOLD_SHEET}.csv",
                            member_path=tmp_path / "first" / f"{national.MEMBER_SHEET}.csv")  # fmt: skip
    else:
        again = import_file(user=users["county"], path=first)
    assert again.ok and again.created == 3, _errors(again)
    second = _export_pair(client, tmp_path, fmt, f"second.{'zip' if fmt == 'csv' else 'xlsx'}")
    assert _cells_of(second) == cells

    # a reader without full personal data gets the masked file; every export is audited
    client.force_login(users["county_viewer"])
    masked = _cells_of(_export_pair(client, tmp_path, fmt, f"masked.{'zip' if fmt == 'csv' else 'xlsx'}"))
    rows = masked[f"{national.MEMBER_SHEET}.csv" if fmt == "csv" else national.MEMBER_SHEET]
    ids = [r[national.MEMBER_HEADERS.index("证件号码")] for r in rows[1:]]
    assert all("*" in i for i in ids)
    assert AuditLog.objects.filter(action="export", changes__layout="national").count() == 3
