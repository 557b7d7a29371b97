"""贫困县 designated per year as data: the loader command (all or nothing, each bad line named), the page and
its forms for national and provincial administrators (audited), the exit procedure only for a county on the
year's list, the province's own criteria ticked before the approval, and the county's status kept per year."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.assessment import selectors, services
from jingzhun.assessment.models import CountyExitStep, ExitChecklist, ExitNotice, PoorCounty
from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, COUNTY_B, make_user

from .conftest import PROVINCE, province_sample
from .test_exit_check import _county_data


def _csv(tmp_path, text):
    path = tmp_path / "counties.csv"
    path.write_text("县代码,类别\n" + text, encoding="utf-8")
    return path


def test_the_loader_refuses_a_bad_file_whole_and_loads_a_good_one(tmp_path, regions, county_b):
    bad = _csv(tmp_path, f"{COUNTY},国家级\n522634100000,省级\n{COUNTY_B},市级\n{COUNTY},省级\n")
    with pytest.raises(CommandError) as refused:
        call_command("poor-counties-load", str(bad), "--year", "2016")
    message = str(refused.value)
    assert "第 3 行：县代码「522634100000」不存在或不是县级区划" in message
    assert "第 4 行：类别「市级」应为「国家级」或「省级」" in message
    assert "第 5 行：县代码 522634000000 与第 2 行重复" in message
    assert not PoorCounty.objects.exists()

    call_command(
        "poor-counties-load", str(_csv(tmp_path, f"{COUNTY},国家级\n{COUNTY_B},省级\n")), "--year", "2016"
    )
    assert dict(PoorCounty.objects.values_list("county_id", "kind")) == {
        COUNTY: "national",
        COUNTY_B: "provincial",
    }
    assert AuditLog.objects.filter(action="create", root__startswith="assessment.poorcounty:").count() == 2
    # loaded again with a kind changed: the one row updated and audited, the status kept
    call_command(
        "poor-counties-load", str(_csv(tmp_path, f"{COUNTY},国家级\n{COUNTY_B},国家级\n")), "--year", "2016"
    )
    assert PoorCounty.objects.get(county_id=COUNTY_B).kind == "national"
    assert AuditLog.objects.filter(action="update").count() == 1


def test_the_exit_procedure_applies_only_to_a_county_on_the_years_list(users, county, regions):
    year = _county_data(county, poor=1_500)
    PoorCounty.objects.filter(county=county, year=year).delete()
    with pytest.raises(ValidationError, match="雷山县 未列入 2026 年贫困县名单"):
        services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    assert not CountyExitStep.objects.exists()
    services.poor_county_designate(user=users["national"], county=county, year=year, kind="national")
    step = services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    assert step.passed


def test_the_approval_needs_each_provincial_criterion_and_writes_the_status(
    client, users, county, regions, assessor, frame
):
    year = _county_data(county, poor=1_500)
    province = make_user("province", Role.OPERATOR, Region.objects.get(code=PROVINCE))
    city = make_user("city", Role.OPERATOR, county.parent)
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    services.exit_checklist_set(
        user=admin, year=year, province=PROVINCE, items=["贫困村全部退出", "", "无因贫辍学"]
    )
    for user, kind in ((users["county"], "propose"), (city, "city"), (province, "province_check"),
                       (province, "publicity")):  # fmt: skip
        if kind == "province_check":
            province_sample(province=province, assessor=assessor, county=county, year=year)
        services.county_exit_take(user=user, county=county, year=year, kind=kind, ticked=["贫困村全部退出"])
    ExitNotice.objects.update(
        starts_on=timezone.localdate() - dt.timedelta(days=8),
        last_day=timezone.localdate() - dt.timedelta(days=1),
    )  # the 公示 has run its days
    check = CountyExitStep.objects.get(kind="province_check")
    assert check.criteria == [
        {"text": "贫困村全部退出", "ticked": True},
        {"text": "无因贫辍学", "ticked": False},
    ]

    client.force_login(province)
    url = reverse("assessment:county", kwargs={"code": county.code, "year": year})
    page = client.get(url).content.decode()
    assert 'name="criteria" value="无因贫辍学"' in page
    page = client.post(url, {"kind": "approve", "passed": "yes", "criteria": ["贫困村全部退出"]}, follow=True)
    assert "省定附加条件「无因贫辍学」未确认达到，不能批准退出。" in page.content.decode()
    assert not CountyExitStep.objects.filter(kind="approve").exists()
    assert PoorCounty.objects.get(county=county, year=year).status == "poor"

    client.post(url, {"kind": "approve", "passed": "yes", "criteria": ["贫困村全部退出", "无因贫辍学"]})
    assert CountyExitStep.objects.filter(kind="approve", passed=True).exists()
    assert PoorCounty.objects.get(county=county, year=year).status == "exited"
    assert "已摘帽" in client.get(url).content.decode()
    # kept per year: the year before still reads 贫困县, a later year reads 已摘帽 and may not list it again
    PoorCounty.objects.create(county=county, year=year - 1, kind="national")
    assert selectors.county_status(user=province, code=county.code, year=year - 1)[1] == "poor"
    assert selectors.county_status(user=province, code=county.code, year=year + 1) == (None, "exited")
    with pytest.raises(ValidationError, match="已于 2026 年摘帽，不能再列入 2027 年贫困县名单"):
        services.poor_county_designate(user=users["national"], county=county, year=year + 1, kind="national")


def test_the_page_lists_in_scope_and_lets_administrators_designate(client, users, county, regions, county_b):
    PoorCounty.objects.create(county_id=COUNTY_B, year=2026, kind="provincial")
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    url = reverse("assessment:poor_counties") + "?year=2026"

    client.force_login(users["county_viewer"])
    page = client.get(url).content.decode()
    assert (
        "2026 年没有列入名单的贫困县" in page and "麻江县" not in page
    )  # 麻江县 is outside the reader's scope
    assert "poor-county-form" not in page
    assert client.post(url, {"form": "county", "county": COUNTY, "kind": "provincial"}).status_code == 302
    assert not PoorCounty.objects.filter(county_id=COUNTY).exists()

    client.force_login(admin)
    # a province may not list a national county
    page = client.post(
        url, {"form": "county", "county": COUNTY, "kind": "national"}, follow=True
    ).content.decode()
    assert not PoorCounty.objects.filter(county_id=COUNTY).exists() and "国家级贫困县" in page
    page = client.post(url, {"form": "county", "county": "5226349", "kind": "provincial"}, follow=True)
    assert "该区划不存在或不在您的管辖范围内" in page.content.decode()
    client.post(url, {"form": "county", "county": "522634", "kind": "provincial"})
    row = PoorCounty.objects.get(county_id=COUNTY, year=2026)
    assert row.kind == "provincial" and row.status == "poor"
    assert AuditLog.objects.filter(root=f"assessment.poorcounty:{row.pk}", action="create").exists()
    client.post(
        url, {"form": "checklist", "province": "52", "items": "贫困村全部退出\n\n贫困村全部退出\n无因贫辍学"}
    )
    assert ExitChecklist.objects.get(province_id=PROVINCE, year=2026).items == [
        "贫困村全部退出",
        "无因贫辍学",
    ]
    page = client.get(url).content.decode()
    assert "雷山县" in page and "麻江县" in page and "省级贫困县" in page and "无因贫辍学" in page

    with pytest.raises(PermissionDenied):
        services.exit_checklist_set(user=users["county"], year=2026, province=PROVINCE, items=["x"])
