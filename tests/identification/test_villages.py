"""Poor villages through the services and pages: the county designates (一高一低一无 as a suggestion from the
registry), the township proposes an exit and runs its 公示 (objections from the portal held and decided), the
county's 公告 makes the village 已退出 in that year and after. Refusals change nothing and say why in Chinese;
pages answer 404 outside scope; every write is audited."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from jingzhun.analytics.models import RuralPopulation
from jingzhun.core.models import AuditLog
from jingzhun.identification import services, villages
from jingzhun.identification import village_selectors as vs
from jingzhun.identification.choices import Procedure, Round, Stage, VillageStatus
from jingzhun.identification.models import Publicity, VillageStep, VillageYear
from jingzhun.regions.choices import Zone
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, TOWN_A, VILLAGE_A, VILLAGE_B
from tests.identification.conftest import period_passes

YEAR = 2026
ALL_MET = ["collective_income", "road", "power", "water", "clinic", "broadband"]


@pytest.fixture
def standard(regions):
    villages.village_policy_set(
        user=None, year=2014, province="520000000000", province_incidence_percent=Decimal("8.5"),
        province_income=Decimal("6000"),
    )  # fmt: skip


def population(code, persons, year=YEAR):
    RuralPopulation.objects.update_or_create(region_id=code, year=year, defaults={"persons": persons})


def poor_households(register, n, region=VILLAGE_A):
    for _ in range(n):
        register(region=region)  # 在册, two persons each


@pytest.fixture
def poor_village(regions, users):
    """村 A a 贫困村 since 2014 (as the county decided then)."""
    VillageYear.objects.create(region_id=VILLAGE_A, year=2014, status=VillageStatus.POOR)
    return Region.objects.get(code=VILLAGE_A)


def ready_to_exit(users, register):
    """1 household of 2 persons in 1,000 (0.2 %) and the checklist met, entered by the village."""
    population(VILLAGE_A, 1000)
    poor_households(register, 1)
    villages.village_year_set(
        user=users["village_a"], village=Region.objects.get(code=VILLAGE_A), year=YEAR,
        checklist=dict.fromkeys(ALL_MET, True),
    )  # fmt: skip


# --- designation ------------------------------------------------------------------------------------------------


def test_the_suggestion_comes_from_the_registry_and_the_county_confirms_it(standard, users, register):
    population(VILLAGE_A, 100)
    poor_households(register, 10)  # 20 persons of 100: 20 % ≥ 2 × 8.5 %
    village = Region.objects.get(code=VILLAGE_A)
    villages.village_year_set(
        user=users["town_a"], village=village, year=YEAR, collective_income="0", per_capita_income="3000",
        checklist={},
    )  # fmt: skip
    row = vs.village_row(village, year=YEAR)
    assert row.poor_persons == 20 and row.incidence == Decimal("20.00") and row.suggested
    assert vs.status_in(VILLAGE_A, YEAR) == VillageStatus.NON_POOR

    with pytest.raises(PermissionDenied, match="须由县级用户办理"):
        villages.village_designate(user=users["town_a"], village=village, year=YEAR, confirm=True)
    villages.village_designate(user=users["county"], village=village, year=YEAR, confirm=True)

    assert vs.status_in(VILLAGE_A, YEAR) == VillageStatus.POOR
    assert vs.status_in(VILLAGE_A, YEAR + 1) == VillageStatus.POOR  # kept until an exit
    assert vs.status_in(VILLAGE_A, YEAR - 1) == VillageStatus.NON_POOR
    step = VillageStep.objects.get(kind="designate")
    assert step.details["suggested"] and step.actor == users["county"]
    record = VillageYear.objects.get(region_id=VILLAGE_A, year=YEAR)
    assert AuditLog.objects.filter(root=f"identification.villageyear:{record.pk}").count() >= 2
    with pytest.raises(ValidationError, match="已有认定结果"):
        villages.village_designate(
            user=users["county"], village=village, year=YEAR, confirm=False, reason="重复"
        )


def test_turning_down_needs_a_reason_and_confirming_against_the_rules_too(standard, users, register):
    population(VILLAGE_A, 1000)
    poor_households(register, 1)  # 0.2 %: not high
    village = Region.objects.get(code=VILLAGE_A)
    with pytest.raises(ValidationError, match="不予认定时必须填写理由"):
        villages.village_designate(user=users["county"], village=village, year=YEAR, confirm=False)
    with pytest.raises(ValidationError, match=r"不符合认定条件.*一高"):
        villages.village_designate(user=users["county"], village=village, year=YEAR, confirm=True)
    assert not VillageStep.objects.exists()
    assert not VillageYear.objects.filter(region_id=VILLAGE_A, year=YEAR).exists()  # nothing written
    villages.village_designate(
        user=users["county"], village=village, year=YEAR, confirm=False, reason="人口外出务工多"
    )
    record = VillageYear.objects.get(region_id=VILLAGE_A, year=YEAR)
    assert record.status == VillageStatus.NON_POOR and record.status_reason == "人口外出务工多"


# --- exit -------------------------------------------------------------------------------------------------------


def test_exit_proposed_published_without_objection_then_announced(poor_village, users, register):
    ready_to_exit(users, register)
    town, county = Region.objects.get(code=TOWN_A), Region.objects.get(code=COUNTY)
    villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[poor_village])
    publicity = villages.village_exit_publicity_open(
        user=users["town_a"], township=town, year=YEAR, villages=[poor_village]
    )
    assert publicity.region_id == TOWN_A and publicity.procedure == Procedure.VILLAGE_EXIT
    assert publicity.title == "拟退出贫困村公示"
    with pytest.raises(ValidationError, match="期满后才能进入下一环节"):
        services.publicity_close(user=users["town_a"], publicity=publicity)
    period_passes(publicity)
    services.publicity_close(user=users["town_a"], publicity=publicity)  # identification's own close
    assert VillageYear.objects.get(region_id=VILLAGE_A, year=YEAR).exit_stage == Stage.COUNTY_APPROVED

    with pytest.raises(PermissionDenied):
        villages.village_exit_announce(
            user=users["town_a"], county=county, year=YEAR, villages=[poor_village]
        )
    # counted, and kept in the cache until a village changes
    lo, hi = county.subtree_range()
    assert vs.poor_village_count(county, YEAR) == 1 and vs.exited_village_count(lo=lo, hi=hi, year=YEAR) == 0
    notice = villages.village_exit_announce(
        user=users["county"], county=county, year=YEAR, villages=[poor_village]
    )
    assert notice.round == Round.ANNOUNCEMENT and notice.title == "贫困村退出公告" and not notice.is_open
    assert vs.status_in(VILLAGE_A, YEAR) == VillageStatus.EXITED
    assert vs.status_in(VILLAGE_A, YEAR - 1) == VillageStatus.POOR  # the years before stay as they were
    assert vs.poor_village_count(county, YEAR - 1) == 1 and vs.poor_village_count(county, YEAR) == 0
    assert vs.exited_village_count(lo=lo, hi=hi, year=YEAR) == 1
    kinds = list(VillageStep.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["exit_propose", "publicity_open", "publicity_close", "announce"]

    page = Client().get(reverse("portal:region", args=[COUNTY]))
    assert "贫困村退出公告" in page.content.decode()
    shown = Client().get(reverse("portal:publicity", args=[notice.pk])).content.decode()
    assert poor_village.name in shown and "退出贫困村" in shown


def test_an_objection_from_the_portal_holds_the_village_until_the_township_decides(
    poor_village, users, register
):
    ready_to_exit(users, register)
    town = Region.objects.get(code=TOWN_A)
    villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[poor_village])
    publicity = villages.village_exit_publicity_open(
        user=users["town_a"], township=town, year=YEAR, villages=[poor_village]
    )
    objection = services.objection_file(user=None, entry=publicity.entries.get(), text="村里道路还没有硬化")
    assert objection.region_id == TOWN_A
    period_passes(publicity)
    services.publicity_close(user=users["town_a"], publicity=publicity)
    record = VillageYear.objects.get(region_id=VILLAGE_A, year=YEAR)
    assert record.exit_stage == Stage.VILLAGE_PUBLICITY  # held
    with pytest.raises(ValidationError, match="当前处于「乡镇公示中"):
        villages.village_exit_announce(
            user=users["county"], county=Region.objects.get(code=COUNTY), year=YEAR, villages=[poor_village]
        )
    services.objection_resolve(
        user=users["town_a"], objection=objection, upheld=False, reason="经核实道路已硬化"
    )
    record.refresh_from_db()
    assert record.exit_stage == Stage.COUNTY_APPROVED
    assert AuditLog.objects.filter(
        root=f"identification.villageyear:{record.pk}", model="identification.objection"
    )


def test_an_upheld_objection_ends_the_exit(poor_village, users, register):
    ready_to_exit(users, register)
    town = Region.objects.get(code=TOWN_A)
    villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[poor_village])
    publicity = villages.village_exit_publicity_open(
        user=users["town_a"], township=town, year=YEAR, villages=[poor_village]
    )
    objection = services.objection_file(
        user=users["town_a"], entry=publicity.entries.get(), text="卫生室尚未建成"
    )
    services.objection_resolve(
        user=users["town_a"], objection=objection, upheld=True, reason="属实", action="reject"
    )
    assert VillageYear.objects.get(region_id=VILLAGE_A, year=YEAR).exit_stage == Stage.REJECTED
    assert vs.status_in(VILLAGE_A, YEAR) == VillageStatus.POOR


def test_a_proposal_the_rules_do_not_support_is_refused_with_every_reason(poor_village, users, register):
    population(VILLAGE_A, 100)
    poor_households(register, 2)  # 4 % in a 西部 province: above 3 %
    town = Region.objects.get(code=TOWN_A)
    with pytest.raises(ValidationError) as refused:
        villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[poor_village])
    text = " ".join(refused.value.messages)
    assert "高于退出标准 3.00%（西部省份）" in text and "通硬化路：未达到或未核查" in text
    assert not VillageYear.objects.filter(region_id=VILLAGE_A, year=YEAR).exists()
    assert not VillageStep.objects.exists()


def test_west_is_data_on_the_province(poor_village, users, register):
    population(VILLAGE_A, 1000)
    poor_households(register, 13)  # 26 of 1,000: 2.6 %
    assert vs.village_row(poor_village, year=YEAR).threshold == Decimal("3")
    Region.objects.filter(code="520000000000").update(zone=Zone.CENTRAL)
    row = vs.village_row(poor_village, year=YEAR)
    assert row.threshold == Decimal("2") and any("高于退出标准 2.00%" in r for r in row.exit.reasons)


def test_refusals_by_level_and_scope_change_nothing(poor_village, users, register):
    ready_to_exit(users, register)
    town, county = Region.objects.get(code=TOWN_A), Region.objects.get(code=COUNTY)
    with pytest.raises(PermissionDenied, match="须由乡镇级用户办理"):
        villages.village_exit_propose(user=users["county"], township=town, year=YEAR, villages=[poor_village])
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        villages.village_exit_propose(user=users["town_b"], township=town, year=YEAR, villages=[poor_village])
    with pytest.raises(PermissionDenied):
        villages.village_exit_propose(
            user=users["town_a_viewer"], township=town, year=YEAR, villages=[poor_village]
        )
    with pytest.raises(ValidationError, match="未提出退出"):
        villages.village_exit_publicity_open(
            user=users["town_a"], township=town, year=YEAR, villages=[poor_village]
        )
    other = Region.objects.get(code=VILLAGE_B)
    with pytest.raises(ValidationError, match="不是 丹江镇 的村"):
        villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[other])
    with pytest.raises(ValidationError, match="不是贫困村"):
        villages.village_exit_propose(
            user=users["town_b"],
            township=Region.objects.get(code="522634101000"),
            year=YEAR,
            villages=[other],
        )
    assert not VillageStep.objects.exists() and not Publicity.objects.exists()
    assert vs.status_in(VILLAGE_A, YEAR) == VillageStatus.POOR and county


# --- pages --------------------------------------------------------------------------------------------------------


def test_the_county_page_lists_every_village_with_its_verdict(poor_village, users, register):
    population(VILLAGE_A, 100)
    poor_households(register, 2)
    client = Client()
    client.force_login(users["county"])
    page = client.get(reverse("identification:villages", args=[COUNTY]), {"year": YEAR}).content.decode()
    assert poor_village.name in page and "未达到退出标准" in page and "高于退出标准 3.00%" in page
    assert 'id="poor-count">1<' in page
    assert "不符合一高一低一无" in page  # the other villages, with why they are not suggested
    region_page = client.get(reverse("regions:browse", args=[VILLAGE_A]), {"year": YEAR}).content.decode()
    assert 'id="region-village-status">贫困村<' in region_page
    county_page = client.get(reverse("regions:browse", args=[COUNTY]), {"year": YEAR}).content.decode()
    assert 'id="region-poor-villages">1<' in county_page
    assert (
        'id="region-poor-villages">0<'
        in client.get(reverse("regions:browse", args=[COUNTY]), {"year": 2013}).content.decode()
    )


def test_pages_answer_404_outside_scope_and_need_the_csrf_token(poor_village, users, register):
    client = Client()
    client.force_login(users["town_b"])
    assert client.get(reverse("identification:village", args=[VILLAGE_A])).status_code == 404
    assert client.get(reverse("identification:villages", args=[TOWN_A])).status_code == 404
    posted = client.post(reverse("identification:village_act", args=[TOWN_A, "propose"]), {"year": YEAR})
    assert posted.status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(users["town_a"])
    answer = strict.post(
        reverse("identification:village_act", args=[TOWN_A, "propose"]),
        {"year": YEAR, "villages": [VILLAGE_A]},
    )
    assert answer.status_code == 403 and not VillageStep.objects.exists()


def test_a_refusal_on_the_page_is_shown_in_chinese(poor_village, users, register):
    population(VILLAGE_A, 100)
    poor_households(register, 2)
    client = Client()
    client.force_login(users["town_a"])
    answer = client.post(
        reverse("identification:village_act", args=[TOWN_A, "propose"]),
        {"year": YEAR, "villages": [VILLAGE_A]},
        follow=True,
    )
    assert "未达到退出标准" in answer.content.decode()
    assert not VillageYear.objects.filter(region_id=VILLAGE_A, year=YEAR).exists()


def test_the_standard_is_set_on_its_page_by_an_administrator_only(users):
    client = Client()
    client.force_login(users["national"])
    url = reverse("identification:village_policy")
    assert "尚未设定，使用默认值" in client.get(url, {"year": 2016}).content.decode()
    form = {
        "year": 2016, "incidence_multiple": "2", "income_ratio_percent": "60", "require_no_collective_income": "on",
        "exit_incidence_percent": "2", "exit_incidence_percent_west": "3", "exit_inclusive": "on",
        "exit_checklist": "road|通硬化路\nwater|饮水安全",
    }  # fmt: skip
    client.post(url, form)
    row = vs.village_policy(region_code=VILLAGE_A, year=2017)  # carried forward
    assert row.exit_inclusive and row.exit_checklist == [["road", "通硬化路"], ["water", "饮水安全"]]
    assert AuditLog.objects.filter(model="identification.villagepolicy").exists()
    bad = client.post(url, {**form, "exit_checklist": "没有代码"}).content.decode()
    assert "每行写成“代码|名称”" in bad
    client.force_login(users["county"])
    assert "标准由国家或省级管理员设定" in client.get(url).content.decode()
    with pytest.raises(PermissionDenied, match="不能办理「修改贫困村认定和退出标准」"):
        villages.village_policy_set(user=users["county"], year=2016, exit_inclusive=False)


def test_an_exit_under_way_holds_the_countys_year(poor_village, users, register):
    from jingzhun.identification.panels import open_in_year

    ready_to_exit(users, register)
    town = Region.objects.get(code=TOWN_A)
    villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[poor_village])
    items = {i.label: i for i in open_in_year(county=COUNTY, year=YEAR)}
    assert items["未办结的贫困村退出"].per_village == {VILLAGE_A: 1}
    assert items["未办结的贫困村退出"].url.endswith(f"/identification/villages/{COUNTY}/?year={YEAR}")
    publicity = villages.village_exit_publicity_open(
        user=users["town_a"], township=town, year=YEAR, villages=[poor_village]
    )
    services.objection_file(user=None, entry=publicity.entries.get(), text="村里道路还没有硬化")
    items = {i.label: i for i in open_in_year(county=COUNTY, year=YEAR)}
    assert items["未处理的异议"].per_village == {VILLAGE_A: 1}  # under the village, not its township


def test_a_countys_suggestions_take_the_same_few_queries_whatever_its_size(
    standard, users, register, django_assert_max_num_queries
):
    county = Region.objects.get(code=COUNTY)
    for code in (VILLAGE_A, VILLAGE_B):
        population(code, 100)
        poor_households(register, 3, region=code)
    every = vs.villages_under(county)
    assert len(every) > 100
    with django_assert_max_num_queries(6):  # statuses, records, poor persons, population, policy, zone
        rows = vs.village_rows(every, year=YEAR)
    assert {r.village.code: r.poor_persons for r in rows if r.poor_persons} == {VILLAGE_A: 6, VILLAGE_B: 6}


def test_the_village_register_names_the_villages_status_of_its_year(poor_village, users):
    from jingzhun.reports.registers import village_register, village_register_sheets

    assert village_register(poor_village, 2013, full=False).totals["village_status"] == "非贫困村"
    register = village_register(poor_village, YEAR, full=False)
    assert register.totals["village_status"] == "贫困村"
    totals = village_register_sheets(register)[2][2]
    assert [f"{YEAR} 年度贫困村状态：贫困村", "", ""] in totals


def test_a_village_taken_off_a_list_waits_for_a_later_one_and_the_api_names_it(poor_village, users, register):
    from rest_framework.test import APIClient

    ready_to_exit(users, register)
    town = Region.objects.get(code=TOWN_A)
    villages.village_exit_propose(user=users["town_a"], township=town, year=YEAR, villages=[poor_village])
    publicity = villages.village_exit_publicity_open(
        user=users["town_a"], township=town, year=YEAR, villages=[poor_village]
    )
    api = APIClient()
    api.force_authenticate(users["county"])
    shown = api.get(f"/api/v1/identification/publicities/{publicity.pk}/").json()
    assert shown["procedure"] == "village_exit" and shown["entries"][0]["village"] == VILLAGE_A
    with pytest.raises(ValidationError, match="必须填写理由"):
        services.publicity_withdraw(user=users["town_a"], entry=publicity.entries.get(), reason="")
    services.publicity_withdraw(
        user=users["town_a"], entry=publicity.entries.get(), reason="村卫生室验收推迟"
    )
    assert VillageYear.objects.get(region_id=VILLAGE_A, year=YEAR).exit_stage == Stage.VILLAGE_PROPOSED
    assert VillageStep.objects.filter(kind="publicity_withdraw", note="村卫生室验收推迟").exists()


def test_an_exited_village_is_not_designated_again(users):
    VillageYear.objects.create(region_id=VILLAGE_A, year=2014, status=VillageStatus.POOR)
    VillageYear.objects.create(region_id=VILLAGE_A, year=2019, status=VillageStatus.EXITED)
    village = Region.objects.get(code=VILLAGE_A)
    with pytest.raises(ValidationError, match="已退出贫困村，不再重新认定"):
        villages.village_designate(
            user=users["county"], village=village, year=YEAR, confirm=True, reason="返贫"
        )
    assert vs.status_in(VILLAGE_A, YEAR) == VillageStatus.EXITED


def test_the_poor_village_count_is_each_village_s_latest_decided_status(regions):
    """A village counts as 贫困村 in a year when its latest decided status up to that year is 贫困村: a later row
    without a decided status changes nothing, an exit ends it, a return starts it again — counted in the
    database, the same as each village's status read one by one."""
    VillageYear.objects.bulk_create([
        VillageYear(region_id=VILLAGE_A, year=2014, status=VillageStatus.POOR),
        VillageYear(region_id=VILLAGE_A, year=2016, status=""),  # figures only, no decision
        VillageYear(region_id=VILLAGE_A, year=2018, status=VillageStatus.EXITED),
        VillageYear(region_id=VILLAGE_B, year=2015, status=VillageStatus.POOR),
        VillageYear(region_id=VILLAGE_B, year=2017, status=VillageStatus.EXITED),
        VillageYear(region_id=VILLAGE_B, year=2019, status=VillageStatus.POOR),
    ])  # fmt: skip
    county = Region.objects.get(code=COUNTY)
    counts = {year: vs.poor_village_count(county, year) for year in range(2013, 2021)}
    assert counts == {2013: 0, 2014: 1, 2015: 2, 2016: 2, 2017: 1, 2018: 0, 2019: 1, 2020: 1}
    lo, hi = county.subtree_range()
    for year, n in counts.items():
        statuses = vs.statuses_in(lo=lo, hi=hi, year=year).values()
        assert n == sum(1 for s in statuses if s == VillageStatus.POOR)
