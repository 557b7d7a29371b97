"""精准帮扶 assessment per year: each cadre's visits done against due, measures completed, the satisfaction of
their households in the survey and their exits; units as sums; the lists behind each figure; scope; the export
(masked, audited)."""

import datetime as dt
import io

import openpyxl
from django.urls import reverse

from jingzhun.assessment.models import Sample, SampleHousehold, SampleVillage, SurveyResponse
from jingzhun.assistance.models import Cadre, HelpingUnit, HouseholdPairing, Measure, Plan, Visit
from jingzhun.core.models import AuditLog
from tests.conftest import VILLAGE_A

YEAR = 2026


def _world(regions, register):
    unit = HelpingUnit.objects.create(
        name="县卫健局", unit_type="health", level=3, region=regions["522634000000"]
    )
    wang = Cadre.objects.create(name="王帮扶", unit=unit, region=regions[VILLAGE_A], phone="13800001234")
    li = Cadre.objects.create(name="李帮扶", unit=unit, region=regions[VILLAGE_A])
    poor = register(region=VILLAGE_A)
    out = register(region=VILLAGE_A, status="exited", identified_year=2015, exit_year=YEAR)
    # 王: two households all year (visit every 30 days: 12 each), 李: none
    for h in (poor, out):
        HouseholdPairing.objects.create(
            household=h, region_id=VILLAGE_A, cadre=wang, started_on=dt.date(2025, 6, 1)
        )
    for month in (1, 2, 3):
        Visit.objects.create(household=poor, region_id=VILLAGE_A, cadre=wang, visited_on=dt.date(YEAR, month, 5),
                             content="入户走访")  # fmt: skip
    Visit.objects.create(
        household=poor, region_id=VILLAGE_A, cadre=wang, visited_on=dt.date(2025, 12, 5), content="上年"
    )
    plan = Plan.objects.create(household=poor, region_id=VILLAGE_A, year=YEAR, cadre=wang)
    for status in ("done", "ongoing", "cancelled"):
        Measure.objects.create(plan=plan, region_id=VILLAGE_A, year=YEAR, category="industry", content=f"措施{status}",
                               responsible="县卫健局", status=status)  # fmt: skip
    sample = Sample.objects.create(county_id="522634000000", year=YEAR, purpose="satisfaction", seed=1, villages=1,
                                   households_per_village=2)  # fmt: skip
    village = SampleVillage.objects.create(sample=sample, village_id=VILLAGE_A, stratum="c", frame_villages=1,
                                           drawn_villages=1, weight=1)  # fmt: skip
    for i, (h, satisfied) in enumerate(((poor, True), (out, False))):
        sh = SampleHousehold.objects.create(sample=sample, sampled_village=village, region_id=VILLAGE_A, household=h,
                                            key=f"V01-H0{i}", group="labour", status=h.status, persons=2,
                                            frame_size=2, drawn=2, weight=1)  # fmt: skip
        SurveyResponse.objects.create(sample=sample, sample_household=sh, region_id=VILLAGE_A, instance_id=f"uuid:{i}",
                                      source="web", form_version="v1", persons=2, income_ok=True, food_clothing=True,
                                      education=True, medical=True, housing=True, water=True, satisfied=satisfied)  # fmt: skip
    return wang, li, poor, out


def test_each_cadre_with_the_figures_and_the_lists_behind(client, users, regions, register, assessor):
    wang, _li, poor, out = _world(regions, register)
    client.force_login(users["county_viewer"])
    url = reverse("assessment:cadres") + f"?year={YEAR}"
    page = client.get(url).content.decode()
    row = page[page.index("王帮扶") : page.index("</tr>", page.index("王帮扶"))]
    assert ">2<" in row  # two households
    assert "3 / 24" in row  # 3 visits this year of 2 × 365 // 30 = 24 due (last year's visit not counted)
    assert "1 / 2" in row  # one measure done of two (the cancelled one not counted)
    assert "1 / 2" in row and 'show=exits">1<' in row  # 1 of 2 surveyed satisfied; 1 exit this year
    row_li = page[page.index("李帮扶") : page.index("</tr>", page.index("李帮扶"))]
    assert "0 / 0" in row_li and "暂无数据" in row_li

    behind = reverse("assessment:cadre", args=[wang.pk])
    visits = client.get(behind, {"year": YEAR, "show": "visits"}).content.decode()
    assert visits.count("入户走访") == 3 and "上年" not in visits
    survey = client.get(behind, {"year": YEAR, "show": "survey"}).content.decode()
    assert (
        "仅第三方评估人员可见" in survey and out.head_name not in survey
    )  # the county never sees its sample
    client.force_login(assessor)
    survey = client.get(behind, {"year": YEAR, "show": "survey"}).content.decode()
    assert "不满意" in survey and out.head_name in survey
    client.force_login(users["county_viewer"])
    exits = client.get(behind, {"year": YEAR, "show": "exits"}).content.decode()
    assert f"/households/{out.pk}/" in exits and f"/households/{poor.pk}/" not in exits

    units = client.get(url + "&by=unit").content.decode()
    assert "县卫健局" in units and "3 / 24" in units


def test_outside_the_scope_nothing_is_shown(client, users, regions, register, county_b):
    wang, *_ = _world(regions, register)
    client.force_login(county_b)  # 麻江县's operator
    assert client.get(reverse("assessment:cadre", args=[wang.pk]), {"year": YEAR}).status_code == 404
    page = client.get(reverse("assessment:cadres")).content.decode()
    assert "王帮扶" not in page and "没有帮扶责任人" in page


def test_the_export_is_masked_and_audited(client, users, regions, register):
    wang, *_ = _world(regions, register)
    client.force_login(users["county_viewer"])
    response = client.get(reverse("assessment:cadres"), {"year": YEAR, "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["王帮扶"][3] != "13800001234" and rows["王帮扶"][3].startswith("138")  # masked for a viewer
    assert rows["王帮扶"][4:] == (2, 3, 24, 2, 1, 2, 1, 1, 0, 0)
    assert AuditLog.objects.filter(action="download", root=f"assistance.cadre:{wang.pk}").exists()


def test_work_teams_beside_cadres_with_the_households_view_of_each(client, users, regions, register):
    from jingzhun.assistance.models import TeamMember, WorkTeam

    wang, li, poor, out = _world(regions, register)
    team = WorkTeam.objects.create(village=regions[VILLAGE_A], unit=wang.unit, started_on=dt.date(2025, 3, 1))
    TeamMember.objects.create(team=team, cadre=li, role="first_secretary", started_on=dt.date(2025, 3, 1))
    for day in (7, 8):  # the first secretary's visits in the village count for the team
        Visit.objects.create(household=poor, region_id=VILLAGE_A, cadre=li, visited_on=dt.date(YEAR, 4, day),
                             content="驻村走访")  # fmt: skip
    # the poor household rates both; the exited one the team only (不了解 its cadre)
    SurveyResponse.objects.filter(sample_household__household=poor).update(
        team_satisfied=True, cadre_satisfied=True
    )
    SurveyResponse.objects.filter(sample_household__household=out).update(
        team_satisfied=False, cadre_satisfied=None
    )
    client.force_login(users["county_viewer"])
    url = reverse("assessment:cadres") + f"?year={YEAR}"
    page = client.get(url + "&by=team").content.decode()
    row = page[page.index("<tbody>") : page.index("</tr>", page.index("<tbody>"))]
    cells = [c.split("<")[0] for c in row.split('<td class="num">')[1:]]
    # 2 helped households, 2 visits (the first secretary's; 王 is not on the team), measures 1 of 2,
    # overall 1 of 2 satisfied, the team 1 of 2, 1 exit
    assert "县卫健局" in row and cells == ["2", "2", "1 / 2", "1 / 2", "1 / 2", "1"]
    cadres = client.get(url).content.decode()
    wang_row = cadres[cadres.index("王帮扶") : cadres.index("</tr>", cadres.index("王帮扶"))]
    assert wang_row.count("1 / 1") == 1  # 王's households: one rated him, satisfied (the other 不了解)
