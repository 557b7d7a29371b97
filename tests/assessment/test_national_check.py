"""国家抽查 of exited counties: a sample of the counties approved to exit in a year, by province (share or least
count as policy data), from a stored seed that reproduces it; each drawn county's result recorded once; a
failed check takes back 已摘帽, lists the county again the next year and opens a 问题整改 item."""

import io
import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from python_calamine import CalamineWorkbook

from jingzhun.accounts.choices import Role
from jingzhun.assessment import services
from jingzhun.assessment.models import CountyExitStep, Finding, NationalCheck, PoorCounty
from jingzhun.core.models import AuditLog
from jingzhun.core.worklist import work_for
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, make_user

from .conftest import PROVINCE

YEAR = 2026
YUNNAN = "530000000000"


def _county(code, name, province, province_name):
    prov, _ = Region.objects.get_or_create(code=province, defaults={"name": province_name, "level": 1})
    city, _ = Region.objects.get_or_create(
        code=code[:4].ljust(12, "0"), defaults={"name": f"{province_name}某州", "level": 2, "parent": prov}
    )
    return Region.objects.get_or_create(code=code, defaults={"name": name, "level": 3, "parent": city})[0]


def _approved(county, year=YEAR):
    """A county on the year's list whose exit 省政府 approved (the procedure's record, as the steps leave it)."""
    PoorCounty.objects.create(county=county, year=year, kind="national", status="exited")
    for kind, level in (("propose", 3), ("city", 2), ("province_check", 1), ("publicity", 1), ("approve", 1)):
        CountyExitStep.objects.create(county=county, year=year, kind=kind, level=level)


@pytest.fixture
def exited(regions):
    """Five approved counties in Guizhou (雷山县 and four more), three in Yunnan; one Guizhou county not approved."""
    guizhou = [regions[COUNTY]] + [
        _county(f"5226{n:02d}000000", f"黔县{n}", PROVINCE, "贵州省") for n in (21, 22, 23, 24)
    ]
    yunnan = [_county(f"5301{n:02d}000000", f"滇县{n}", YUNNAN, "云南省") for n in (21, 22, 23)]
    for county in guizhou + yunnan:
        _approved(county)
    PoorCounty.objects.create(
        county=_county("522625000000", "未退县", PROVINCE, "贵州省"), year=YEAR, kind="national"
    )
    return {"guizhou": guizhou, "yunnan": yunnan}


@pytest.fixture
def national():
    return make_user("national-assessor", Role.ASSESSOR)


def test_the_draw_is_by_province_by_policy_and_the_seed_reproduces_it(exited, national, users):
    # the nation: 20 %, at least one county per province; Guizhou's own: 50 %
    services.assessment_policy_set(
        user=users["national"], year=2020, national_check_share=20, national_check_min=1
    )
    services.assessment_policy_set(
        user=users["national"], year=2020, province=PROVINCE, national_check_share=50
    )
    drawn = services.national_check_draw(user=national, year=YEAR, seed=20260601)
    by_province = {}
    for row in drawn:
        by_province.setdefault(row.stratum, []).append(row.county_id)
    assert len(by_province[PROVINCE]) == 3  # 5 × 50 % = 2.5, rounded up
    assert len(by_province[YUNNAN]) == 1  # 3 × 20 % = 0.6 → 1, the least count
    assert "522625000000" not in {r.county_id for r in drawn}  # not approved: never drawn
    assert {r.result for r in drawn} == {"pending"}
    guizhou_row = next(r for r in drawn if r.stratum == PROVINCE)
    assert (guizhou_row.frame, guizhou_row.drawn, guizhou_row.weight) == (5, 3, pytest.approx(5 / 3))
    # anyone redrawing with the stored seed gets the same counties
    assert services.national_check_redraw(year=YEAR) == sorted(r.county_id for r in drawn)
    again = services.national_check_draw(user=national, year=YEAR, seed=20260601)
    assert [r.pk for r in again] == [r.pk for r in drawn]
    assert NationalCheck.objects.count() == 4
    with pytest.raises(ValidationError, match="不能重复抽取；用同一随机种子重抽可复核样本"):
        services.national_check_draw(user=national, year=YEAR)
    with pytest.raises(ValidationError, match="随机种子 20260601"):
        services.national_check_draw(user=national, year=YEAR, seed=7)
    assert AuditLog.objects.filter(root__startswith="assessment.nationalcheck", action="create").count() == 4


def test_the_same_seed_draws_the_same_counties_in_another_database_state(exited, national):
    first = [r.county_id for r in services.national_check_draw(user=national, year=YEAR, seed=99)]
    NationalCheck.objects.all().delete()
    assert [r.county_id for r in services.national_check_draw(user=national, year=YEAR, seed=99)] == first


def test_only_the_national_assessment_draws(exited, regions):
    province = make_user("province-assessor", Role.ASSESSOR, Region.objects.get(code=PROVINCE))
    with pytest.raises(PermissionDenied, match="须由国家级用户办理"):
        services.national_check_draw(user=province, year=YEAR)
    county = make_user("county-operator", Role.OPERATOR, regions[COUNTY])
    with pytest.raises(PermissionDenied, match="您的角色不能办理"):
        services.national_check_draw(user=county, year=YEAR)
    assert not NationalCheck.objects.exists()


def test_a_year_without_approved_exits_has_nothing_to_draw(regions, national):
    with pytest.raises(ValidationError, match="2027 年没有省政府批准退出的贫困县"):
        services.national_check_draw(user=national, year=2027)


def _drawn_and_not(national):
    drawn = services.national_check_draw(user=national, year=YEAR, seed=5)
    codes = {r.county_id for r in drawn}
    out = Region.objects.filter(code__in=[c for c in _all_exited() if c not in codes]).first()
    return drawn[0], out


def _all_exited():
    return set(PoorCounty.objects.filter(year=YEAR, status="exited").values_list("county_id", flat=True))


def test_a_passed_check_keeps_the_exit_and_is_recorded_once(exited, national):
    check, not_drawn = _drawn_and_not(national)
    [item] = [i for i in work_for(national) if "国家抽查县待录入抽查结果" in i.label]
    assert item.count == NationalCheck.objects.count() and item.url.endswith(f"?year={YEAR}")
    with pytest.raises(ValidationError, match="未被抽中 2026 年国家抽查"):
        services.national_check_record(user=national, county=not_drawn, year=YEAR, passed=True)
    done = services.national_check_record(
        user=national,
        county=check.county,
        year=YEAR,
        passed=True,
        figures={"wrong_exit": "0.5", "missed": 0.2},
    )
    assert (done.result, done.figures) == ("passed", {"wrong_exit": 0.5, "missed": 0.2})
    assert PoorCounty.objects.get(county=check.county, year=YEAR).status == "exited"
    step = CountyExitStep.objects.get(county=check.county, year=YEAR, kind="national_check")
    assert step.passed and step.level == 0
    with pytest.raises(ValidationError, match="国家抽查结果已录入（通过），不能重复录入"):
        services.national_check_record(user=national, county=check.county, year=YEAR, passed=False,
                                       findings="x", reason="再次录入")  # fmt: skip


def test_a_failed_check_revokes_the_exit_and_opens_a_rectification(exited, national, users):
    services.assessment_policy_set(user=users["national"], year=2020, rectify_days=60)
    check, _ = _drawn_and_not(national)
    county = check.county
    with pytest.raises(ValidationError, match="未通过时请写明发现的问题"):
        services.national_check_record(
            user=national, county=county, year=YEAR, passed=False, reason="错退率超标"
        )
    with pytest.raises(ValidationError, match="应在 0 至 100 之间"):
        services.national_check_record(user=national, county=county, year=YEAR, passed=False, findings="错退",
                                       reason="错退率超标", figures={"wrong_exit": 120})  # fmt: skip
    assert NationalCheck.objects.get(pk=check.pk).result == "pending"  # nothing half-saved
    done = services.national_check_record(
        user=national, county=county, year=YEAR, passed=False, findings="抽查 40 户，错退 3 户",
        figures={"wrong_exit": 7.5}, reason="错退率 7.5%，高于 2%",
    )  # fmt: skip
    assert done.result == "failed"
    # 已摘帽 taken back for the year; the county is a poor county again the next year
    assert PoorCounty.objects.get(county=county, year=YEAR).status == "poor"
    following = PoorCounty.objects.get(county=county, year=YEAR + 1)
    assert (following.status, following.kind) == ("poor", "national")
    # a 问题整改 item for the county, deadline from the policy
    finding = Finding.objects.get(pk=done.finding_id)
    assert finding.region_id == county.code and finding.state == "open" and finding.source == "assessment"
    assert finding.deadline == timezone.localdate() + timedelta(days=60)
    assert "错退 3 户" in finding.detail and "国家抽查未通过" in finding.title
    # audited: the status change, the next year's row, the finding, the result
    assert AuditLog.objects.filter(root=f"assessment.poorcounty:{PoorCounty.objects.get(county=county, year=YEAR).pk}",
                                   action="update").exists()  # fmt: skip
    assert AuditLog.objects.filter(root=f"assessment.nationalcheck:{done.pk}", action="update").exists()
    # the county cannot propose again for the revoked year
    county_user = make_user("county-x", Role.OPERATOR, county)
    with pytest.raises(ValidationError, match="经国家抽查未通过，已撤销"):
        services.county_exit_take(user=county_user, county=county, year=YEAR, kind="propose")


def test_the_national_check_step_is_not_taken_on_the_county_page(exited, users, regions):
    with pytest.raises(ValidationError, match="由国家在抽中的县录入抽查结果"):
        services.county_exit_take(
            user=users["national"], county=regions[COUNTY], year=YEAR, kind="national_check"
        )


def test_the_page_lists_the_sample_records_results_and_exports(client, exited, national, users):
    url = reverse("assessment:national_checks")
    client.force_login(national)
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert "尚未抽取国家抽查县" in page and 'id="national-draw"' in page
    response = client.post(url, {"year": YEAR, "seed": 11})
    assert response.status_code == 302
    rows = list(NationalCheck.objects.order_by("county_id"))
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert "随机种子 11" in page and all(r.county.name in page for r in rows)
    assert "本页所列各县均在重抽结果中" in client.get(url + f"?year={YEAR}&verify=1").content.decode()
    # a second draw by the page is refused with the reason
    client.post(url, {"year": YEAR})
    assert NationalCheck.objects.count() == len(rows)
    target = rows[0]
    response = client.post(
        reverse("assessment:national_check_result", kwargs={"pk": target.pk}),
        {"passed": "no", "findings": "漏评 2 户", "reason": "漏评率超标", "missed": "3.1"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.result == "failed" and target.figures == {"missed": 3.1}
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert "已撤销摘帽" in page and "漏评率（%） 3.1" in page
    xlsx = client.get(url + f"?year={YEAR}&format=xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content))
    table = book.get_sheet_by_index(0).to_python()
    assert table[0][:3] == ["省", "县代码", "县"] and len(table) == len(rows) + 1
    assert any("未通过" in row for row in table)
    # the county reads its own row only, and has no form
    client.force_login(users["county"])
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert 'id="national-draw"' not in page
    assert "滇县" not in page
    assert (f"/assessment/counties/{COUNTY}/{YEAR}/" in page) == NationalCheck.objects.filter(
        county_id=COUNTY
    ).exists()
    # the county's page says the exit was revoked
    client.force_login(national)
    page = client.get(
        reverse("assessment:county", kwargs={"code": target.county_id, "year": YEAR})
    ).content.decode()
    assert "未通过，本年度退出已撤销" in page and "漏评率超标" in page


def test_the_sample_list_pages_fifty_counties_at_a_time(client, regions, national, users):
    services.assessment_policy_set(user=users["national"], year=2020, national_check_share=100)
    prov = Region.objects.get(code=PROVINCE)
    city = Region.objects.create(code="522800000000", name="测试州", level=2, parent=prov)
    counties = Region.objects.bulk_create(
        [Region(code=f"5228{n:02d}000000", name=f"测试县{n:02d}", level=3, parent=city) for n in range(1, 56)]
    )
    PoorCounty.objects.bulk_create(
        [PoorCounty(county=c, year=YEAR, kind="national", status="exited") for c in counties]
    )
    CountyExitStep.objects.bulk_create(
        [CountyExitStep(county=c, year=YEAR, kind="approve", level=1) for c in counties]
    )
    drawn = services.national_check_draw(user=national, year=YEAR, seed=3)
    assert len(drawn) == 55 and all(r.weight == pytest.approx(1.0) for r in drawn)  # 100 %: every county
    client.force_login(national)
    url = reverse("assessment:national_checks") + f"?year={YEAR}"
    first = client.get(url).content.decode()
    assert first.count("/assessment/counties/5228") == 50  # fifty rows
    assert "测试县01" in first and "测试县51" not in first and "下一页" in first
    after = re.search(r'href="\?([^"]*after=[^"]+)"', first).group(1).replace("&amp;", "&")
    second = client.get(reverse("assessment:national_checks") + "?" + after).content.decode()
    assert "测试县51" in second and "测试县55" in second and "测试县01" not in second
