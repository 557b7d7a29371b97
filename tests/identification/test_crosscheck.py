"""四不列: department lists uploaded by the county, hits flagged on applying households, approval blocked until
every flag is explained."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.identification import crosscheck, services
from jingzhun.identification.models import CrossCheckFlag, DeptList, DeptListEntry
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, new_id

from .conftest import to_county_approval


def _csv(tmp_path, rows, name="vehicles.csv", header="公民身份号码,车牌号"):
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _upload(users, path, kind="vehicle"):
    return crosscheck.dept_list_upload(
        user=users["county"],
        county=Region.objects.get(code=COUNTY),
        kind=kind,
        path=path,
        file_name=path.name,
    )


def test_a_listed_member_is_flagged_and_blocks_approval_until_explained(tmp_path, application, users):
    head = application.household.members.get(relationship="head")
    others = [new_id() for _ in range(50)]
    dept_list, new_flags = _upload(
        users, _csv(tmp_path, [f"{head.id_number},贵H12345", *(f"{n},贵H0" for n in others)])
    )
    assert dept_list.rows == 51 and new_flags == 1
    flag = CrossCheckFlag.objects.get()
    assert flag.member == head and flag.kind == "vehicle" and flag.detail == "贵H12345"

    to_county_approval(application, users)
    with pytest.raises(ValidationError, match="1 条部门比对疑点（四不列）尚未说明"):
        services.application_approve(user=users["county"], application=application, passed=True)
    with pytest.raises(ValidationError, match="至少 5 个字"):
        crosscheck.flag_explain(user=users["village_a"], flag=flag, explanation="无")
    crosscheck.flag_explain(user=users["village_a"], flag=flag, explanation="该车为农用三轮车，用于生产")
    services.application_approve(user=users["county"], application=application, passed=True)


def test_new_application_is_compared_with_lists_already_uploaded(tmp_path, applicant, users):
    household = applicant()
    spouse = household.members.get(relationship="spouse")
    _upload(users, _csv(tmp_path, [f"{spouse.id_number},县教育局"], header="身份证号,单位"), kind="payroll")
    assert not CrossCheckFlag.objects.exists()  # not applying yet: nothing to flag
    services.application_create(user=users["village_a"], household=household, year=2026)
    assert CrossCheckFlag.objects.get().kind == "payroll"


def test_a_bad_list_is_refused_whole_with_row_numbers(tmp_path, application, users):
    rows = [f"{new_id()},ok", "110105194912310021,bad check digit", "", "12345,short"]
    with pytest.raises(ValidationError) as caught:
        _upload(users, _csv(tmp_path, rows))
    messages = caught.value.message_dict["file"]
    assert any(m.startswith("第 3 行") for m in messages) and any(m.startswith("第 5 行") for m in messages)
    assert "名单未导入" in messages[-1]
    assert not DeptList.objects.exists() and not DeptListEntry.objects.exists()
    with pytest.raises(ValidationError, match="公民身份号码"):
        _upload(users, _csv(tmp_path, [new_id()], header="姓名,车牌"))


def test_a_new_upload_replaces_the_old_list(tmp_path, application, users):
    _upload(users, _csv(tmp_path, [new_id(), new_id()]))
    second, _ = _upload(users, _csv(tmp_path, [new_id()]))
    assert DeptList.objects.filter(active=True).get() == second
    assert DeptListEntry.objects.count() == 1


def test_only_county_users_upload(tmp_path, users):
    path = _csv(tmp_path, [new_id()])
    with pytest.raises(PermissionDenied, match="「上传部门比对名单」须由县级用户办理"):
        crosscheck.dept_list_upload(
            user=users["town_a"],
            county=Region.objects.get(code=COUNTY),
            kind="vehicle",
            path=path,
            file_name="x",
        )
    with pytest.raises(PermissionDenied):
        crosscheck.dept_list_upload(
            user=users["county_viewer"], county=Region.objects.get(code=COUNTY), kind="vehicle", path=path,
            file_name="x",
        )  # fmt: skip
