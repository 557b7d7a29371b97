"""Indicators and scores: the set and weights as policy data, scores of a county from the rollups and the survey
estimates, grades with a problem list, the ranking shown only when policy says so; 资金成效 from the county's money (暂无数据 without)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jingzhun.analytics.models import RegionFigures
from jingzhun.assessment import services
from jingzhun.assessment.models import Estimate, Sample, Score
from jingzhun.regions.models import Region
from tests.funds.conftest import chain  # noqa: F401 - the fixture

from .conftest import PROVINCE

YEAR = 2026
SET = [
    {"key": "reduction", "name": "减贫成效", "weight": Decimal(30), "source": "incidence_fall", "origin": "annual",
     "best": Decimal("1.0"), "worst": Decimal("0")},
    {"key": "exit", "name": "精准退出", "weight": Decimal(20), "source": "wrong_exit", "origin": "third_party",
     "best": Decimal("0"), "worst": Decimal("2")},
    {"key": "satisfaction", "name": "群众满意度", "weight": Decimal(30), "source": "satisfaction",
     "origin": "third_party", "best": Decimal("95"), "worst": Decimal("80")},
    {"key": "funds", "name": "资金成效", "weight": Decimal(20), "source": "funds", "origin": "daily",
     "best": Decimal("100"), "worst": Decimal("0")},
]  # fmt: skip


@pytest.fixture
def figures(county):
    for year, poor in ((YEAR - 1, 900), (YEAR, 500)):  # incidence 9 % → 5 %: a fall of 4 points
        RegionFigures.objects.create(
            year=year, code=county.code, level=3, parent=county.parent_id,
            figures={"poor_persons": poor, "rural_population": 10000}, engine="duckdb", computed_at=timezone.now(),
        )  # fmt: skip


@pytest.fixture
def estimates(county):
    sample = Sample.objects.create(county=county, year=YEAR, purpose="accuracy", seed=1, villages=2,
                                   households_per_village=10)  # fmt: skip
    common = {"sample": sample, "se": 0.01, "low": 0, "high": 0.1, "units": 40, "n_eff": 30, "psus": 2, "strata": 1,
              "numerator": 0, "denominator": 40, "method": "test"}  # fmt: skip
    Estimate.objects.create(kind="wrong_exit", point=0.01, **common)  # 1 %: half the marks
    Estimate.objects.create(kind="satisfaction", point=0.95, **common)


def test_a_county_scored_from_rollups_and_estimates(users, assessor, county, figures, estimates):
    services.indicators_set(user=users["national"], year=2020, rows=SET)
    [score] = services.scores_compute(user=assessor, region=Region.objects.get(code=PROVINCE), year=YEAR)
    by_key = {d["key"]: d for d in score.details}
    assert by_key["reduction"]["value"] == pytest.approx(4.0) and by_key["reduction"]["score"] == 30
    assert by_key["exit"]["value"] == pytest.approx(1.0) and by_key["exit"]["score"] == 10
    assert by_key["satisfaction"]["score"] == 30
    assert by_key["funds"]["value"] is None and "资金成效：暂无数据" in score.problems
    assert score.total == pytest.approx(70 / 80 * 100)  # over the indicators with data
    assert score.grade == "fair"  # 87.5: 较好 (80–90) by the default policy


def test_refusals(users, assessor, county):
    with pytest.raises(PermissionDenied):
        services.indicators_set(user=users["county"], year=2020, rows=SET)
    with pytest.raises(ValidationError, match="不能重复"):
        services.indicators_set(user=users["national"], year=2020, rows=[SET[0], SET[0]])
    with pytest.raises(ValidationError, match="尚未设置县级考核指标"):
        services.scores_compute(user=assessor, region=county, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.scores_compute(user=users["county"], region=county, year=YEAR)
    assert not Score.objects.exists()


def test_a_province_set_replaces_the_nations(users, assessor, county, figures, estimates):
    services.indicators_set(user=users["national"], year=2020, rows=SET)
    services.indicators_set(user=users["national"], year=2024, province=PROVINCE, rows=SET[:1])
    [score] = services.scores_compute(user=assessor, region=county, year=YEAR)
    assert [d["key"] for d in score.details] == ["reduction"] and score.grade == "good"


def test_the_ranking_is_shown_only_when_policy_says_so(client, users, assessor, county, figures, estimates):
    services.indicators_set(user=users["national"], year=2020, rows=SET)
    services.scores_compute(user=assessor, region=county, year=YEAR)
    client.force_login(users["county_viewer"])
    page = client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    assert "较好" in page and "名次" not in page and "不排名" in page
    services.assessment_policy_set(user=users["national"], year=2020, show_ranking=True)
    assert "名次" in client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    detail = client.get(
        reverse("assessment:county", kwargs={"code": county.code, "year": YEAR})
    ).content.decode()
    assert "暂无数据" in detail and "/analytics/?region=" in detail
    client.force_login(users["town_a"])  # a township does not read its county's assessment
    assert (
        client.get(reverse("assessment:county", kwargs={"code": county.code, "year": YEAR})).status_code
        == 404
    )


def test_a_later_satisfaction_sample_does_not_speak_for_accuracy(county, estimates):
    """错退 and 漏评 come from the accuracy sample even when a satisfaction sample (5 : 3 : 2 mix) is drawn later;
    satisfaction comes from the satisfaction sample."""
    from jingzhun.assessment.selectors import latest_estimates

    later = Sample.objects.create(county=county, year=YEAR, purpose="satisfaction", seed=2, villages=2,
                                  households_per_village=10)  # fmt: skip
    common = {"sample": later, "se": 0.01, "low": 0, "high": 0.1, "units": 40, "n_eff": 30, "psus": 2, "strata": 1,
              "numerator": 0, "denominator": 40, "method": "test"}  # fmt: skip
    Estimate.objects.create(kind="wrong_exit", point=0.2, **common)
    Estimate.objects.create(kind="satisfaction", point=0.8, **common)
    found = latest_estimates(counties=[county.code], year=YEAR)
    assert found[county.code, "wrong_exit"].point == pytest.approx(0.01)
    assert found[county.code, "satisfaction"].point == pytest.approx(0.8)


def test_funds_performance_comes_from_the_county_s_money(users, assessor, county, figures, estimates, chain):  # noqa: F811
    from jingzhun.funds.models import Payment

    services.indicators_set(user=users["national"], year=2020, rows=SET)
    common = {"allocation": chain["county"], "region_id": county.code, "year": YEAR, "kind": "project",
              "category": "industry", "payee_name": "施工队", "purpose": "进度款"}  # fmt: skip
    Payment.objects.create(amount=Decimal("150000"), status="paid", **common)
    Payment.objects.create(amount=Decimal("100000"), status="failed", **common)  # never reached the payee
    [score] = services.scores_compute(user=assessor, region=county, year=YEAR)
    funds = {d["key"]: d for d in score.details}["funds"]
    # 150,000 paid of the 600,000 allocated to the county: 25 %, a quarter of the indicator's 20 marks
    assert funds["value"] == pytest.approx(25.0) and funds["score"] == 5
    # the 支出进度 list behind it: the county's own funds (its page, not the reader's whole scope)
    assert funds["evidence"] == reverse("funds:home") + f"?year={YEAR}&region={county.code}"
    assert (
        "资金成效：暂无数据" not in score.problems and "资金成效：25.00，得分不足该项的 60%" in score.problems
    )
    # the province scored from its counties' money links to the province's own 支出进度, not its first county's
    province_set = [{**SET[3], "key": "funds", "name": "全省资金成效", "weight": Decimal(100)}]
    services.indicators_set(user=users["national"], year=2020, rows=province_set, level=1)
    made = services.scores_compute(user=assessor, region=county, year=YEAR)
    [province] = [s for s in made if s.level == 1]
    funds = {d["key"]: d for d in province.details}["funds"]
    assert funds["value"] == pytest.approx(25.0)
    assert funds["evidence"] == reverse("funds:home") + f"?year={YEAR}&region={PROVINCE}"


def _indicator_row(page: str, name: str) -> str:
    """The row of the county page's indicator table (#indicators) that names ``name``."""
    table = page.split('id="indicators"', 1)[1].split("</table>", 1)[0]
    return next(row for row in table.split("<tr>") if f"<td>{name}</td>" in row)


def test_the_funds_evidence_links_only_for_readers_who_may_open_it(
    client,
    users,
    assessor,
    county,
    figures,
    estimates,
    chain,  # noqa: F811
):
    from jingzhun.funds.models import Payment

    services.indicators_set(user=users["national"], year=2020, rows=SET)
    Payment.objects.create(
        allocation=chain["county"], region_id=county.code, year=YEAR, kind="project", category="industry",
        payee_name="施工队", purpose="进度款", amount=Decimal("150000"), status="paid",
    )  # fmt: skip
    services.scores_compute(user=assessor, region=county, year=YEAR)
    page_url = reverse("assessment:county", kwargs={"code": county.code, "year": YEAR})
    funds_url = reverse("funds:home") + f"?year={YEAR}&region={county.code}"
    # the provincial assessor reads results but not the funds (the funds home would answer 404): the figure, no link
    client.force_login(assessor)
    row = _indicator_row(client.get(page_url).content.decode(), "资金成效")
    assert "25.00" in row and "<a " not in row
    assert client.get(funds_url).status_code == 404
    # nor the rollup dashboard behind 减贫成效 and the exit check's 综合贫困发生率
    page = client.get(page_url).content.decode()
    assert "4.00" in _indicator_row(page, "减贫成效") and "/analytics/?region=" not in page
    # the county's own staff may read its funds: the same figure, linked to the county's 支出进度, which opens
    client.force_login(users["county_viewer"])
    row = _indicator_row(client.get(page_url).content.decode(), "资金成效")
    assert "25.00" in row and f'href="{funds_url.replace("&", "&amp;")}"' in row
    answer = client.get(funds_url)
    assert answer.status_code == 200 and "中央衔接资金" in answer.content.decode()


PROVINCE_SET = [
    {"key": "counties", "name": "所辖县考核", "weight": Decimal(50), "source": "county_scores", "origin": "annual",
     "best": Decimal("100"), "worst": Decimal("0")},
    {"key": "satisfaction", "name": "全省群众满意度", "weight": Decimal(50), "source": "satisfaction",
     "origin": "third_party", "best": Decimal("95"), "worst": Decimal("80")},
]  # fmt: skip


@pytest.fixture
def province_sets(users, county_b):
    """The county and province indicator sets of 2020, and a second county of the province (雷山县's
    neighbour) with its rural population and a surveyed satisfaction of 85 %."""
    from tests.conftest import COUNTY_B

    services.indicators_set(user=users["national"], year=2020, rows=SET)
    services.indicators_set(user=users["national"], year=2020, rows=PROVINCE_SET, level=1)
    RegionFigures.objects.create(year=YEAR, code=COUNTY_B, level=3, parent="522600000000",
                                 figures={"rural_population": 30000}, engine="duckdb", computed_at=timezone.now())  # fmt: skip
    other = Sample.objects.create(county_id=COUNTY_B, year=YEAR, purpose="satisfaction", seed=3, villages=2,
                                  households_per_village=10)  # fmt: skip
    Estimate.objects.create(sample=other, kind="satisfaction", point=0.85, se=0.01, low=0.8, high=0.9, units=40,
                            n_eff=30, psus=2, strata=1, numerator=0, denominator=40, method="test")  # fmt: skip


def test_a_province_scored_from_its_counties(
    client, users, assessor, county, figures, estimates, province_sets
):
    from tests.conftest import COUNTY_B

    RegionFigures.objects.filter(code=county.code).update(
        figures={"poor_persons": 500, "rural_population": 10000}
    )
    made = services.scores_compute(user=assessor, region=Region.objects.get(code=PROVINCE), year=YEAR)
    counties = {s.county_id: s for s in made if s.level == 3}
    [province] = [s for s in made if s.level == 1]
    by_key = {d["key"]: d for d in province.details}
    # the counties' mean score, and their satisfaction weighted by the rural population each speaks for
    mean = (counties[county.code].total + counties[COUNTY_B].total) / 2
    assert by_key["counties"]["value"] == pytest.approx(mean)
    assert by_key["satisfaction"]["value"] == pytest.approx((95 * 10_000 + 85 * 30_000) / 40_000)  # 87.5 %
    assert province.total == pytest.approx(round(mean / 100 * 50 + 0.5 * 50, 2))
    client.force_login(assessor)
    page = client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    assert "省级考核结果" in page and "贵州省" in page and "全省群众满意度：87.50" in page
    client.force_login(users["county_viewer"])  # a county reads its own result, not the province's
    page = client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    assert "省级考核结果" not in page and "雷山县" in page


def test_scoring_a_county_refreshes_its_province(
    client, users, assessor, county, figures, estimates, province_sets
):
    from tests.conftest import COUNTY_B

    services.scores_compute(user=assessor, region=Region.objects.get(code=PROVINCE), year=YEAR)
    kept_b = Score.objects.get(county_id=COUNTY_B, year=YEAR)
    # the county's survey is estimated again (lower satisfaction), and only the county is scored
    Estimate.objects.filter(sample__county=county, kind="satisfaction").update(point=0.80)
    made = services.scores_compute(user=assessor, region=county, year=YEAR)
    assert sorted(s.level for s in made) == [1, 3]
    province = Score.objects.get(county_id=PROVINCE, year=YEAR)
    by_key = {d["key"]: d for d in province.details}
    assert by_key["satisfaction"]["value"] == pytest.approx((80 * 10_000 + 85 * 30_000) / 40_000)
    ours = Score.objects.get(county_id=county.code, year=YEAR)
    assert by_key["counties"]["value"] == pytest.approx((ours.total + kept_b.total) / 2)
    # the other county's result is the one it held, not rewritten
    assert Score.objects.get(county_id=COUNTY_B, year=YEAR).pk == kept_b.pk
    client.force_login(assessor)
    page = client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    assert "全省群众满意度：83.75" in page


PROJECT_SET = [
    {"key": "on_time", "name": "项目按期验收", "weight": Decimal(10), "source": "project_on_time", "origin": "daily",
     "best": Decimal("100"), "worst": Decimal("0")},
    {"key": "assets", "name": "资产移交", "weight": Decimal(10), "source": "project_assets", "origin": "daily",
     "best": Decimal("100"), "worst": Decimal("0")},
    {"key": "benefit", "name": "项目带贫", "weight": Decimal(20), "source": "project_benefit", "origin": "daily",
     "best": Decimal("80"), "worst": Decimal("0")},
]  # fmt: skip


def test_the_project_side_of_funds_performance(users, assessor, county, register):
    """资金成效 beyond spending: projects accepted on time (验收 by the planned completion), assets handed over
    (资产移交) of the accepted ones, and the 建档立卡 households benefiting (带贫) — each an indicator source with its
    weight set as policy data."""
    import datetime as dt

    from jingzhun.projects.models import Project, ProjectBeneficiary
    from tests.conftest import VILLAGE_A

    services.indicators_set(user=users["national"], year=2020, rows=PROJECT_SET)
    poor = [register(region=VILLAGE_A) for _ in range(4)]
    outsider = register(region=VILLAGE_A, status="unidentified")
    d = dt.date

    def project(name, stage, ends_on, accepted_on=None, year=YEAR):
        return Project.objects.create(region_id=VILLAGE_A, year=year, name=name, category="industry", stage=stage,
                                      ends_on=ends_on, accepted_on=accepted_on)  # fmt: skip

    done = project("按期并移交", "transferred", d(YEAR, 3, 31), d(YEAR, 3, 20))
    project("逾期验收", "accepted", d(YEAR, 4, 30), d(YEAR, 5, 15))
    project("逾期未验收", "implementing", d(YEAR, 5, 31))
    project("未到期", "implementing", d(YEAR + 1, 6, 30))
    dropped = project("已退回", "rejected", d(YEAR, 2, 28))
    project("往年项目", "transferred", d(YEAR - 1, 3, 31), d(YEAR - 1, 3, 1), year=YEAR - 1)
    for h in (poor[0], poor[1], outsider):
        ProjectBeneficiary.objects.create(project=done, household=h)
    ProjectBeneficiary.objects.create(
        project=dropped, household=poor[2]
    )  # a rejected project benefits nobody
    [score] = services.scores_compute(user=assessor, region=county, year=YEAR)
    by_key = {d["key"]: d for d in score.details}
    # due this year: 3 (the rejected one and next year's left out); on time: 1
    assert by_key["on_time"]["value"] == pytest.approx(100 / 3) and by_key["on_time"]["score"] == 3.33
    # accepted: 2, handed over: 1
    assert by_key["assets"]["value"] == pytest.approx(50.0) and by_key["assets"]["score"] == 5
    # 2 of the county's 4 建档立卡 households benefit (the non-registered one is not counted): 50 % of 80 → 12.5
    assert by_key["benefit"]["value"] == pytest.approx(50.0) and by_key["benefit"]["score"] == 12.5
    assert by_key["benefit"]["evidence"].startswith(reverse("projects:list"))
    assert "项目按期验收：33.33，得分不足该项的 60%" in score.problems
    # no projects in the year: 暂无数据, not zero
    [later] = services.scores_compute(user=assessor, region=county, year=YEAR + 2)
    assert "项目按期验收：暂无数据" in later.problems


def _earlier_year(county):
    """The year before: incidence 10 % → 9 % (a fall of 1 point), 错退 2 % and satisfaction 90 % surveyed."""
    RegionFigures.objects.create(
        year=YEAR - 2, code=county.code, level=3, parent=county.parent_id,
        figures={"poor_persons": 1000, "rural_population": 10000}, engine="duckdb", computed_at=timezone.now(),
    )  # fmt: skip
    sample = Sample.objects.create(county=county, year=YEAR - 1, purpose="accuracy", seed=5, villages=2,
                                   households_per_village=10)  # fmt: skip
    common = {"sample": sample, "se": 0.01, "low": 0, "high": 0.1, "units": 40, "n_eff": 30, "psus": 2, "strata": 1,
              "numerator": 0, "denominator": 40, "method": "test"}  # fmt: skip
    Estimate.objects.create(kind="wrong_exit", point=0.02, **common)
    Estimate.objects.create(kind="satisfaction", point=0.90, **common)


def test_a_county_s_results_year_over_year(client, users, assessor, county, county_b, figures, estimates):
    services.indicators_set(user=users["national"], year=2020, rows=SET)
    client.force_login(users["county_viewer"])
    years = reverse("assessment:score_years", args=[county.code])
    assert "尚无考核结果" in client.get(years).content.decode()
    services.scores_compute(user=assessor, region=county, year=YEAR)
    page = client.get(years).content.decode()
    assert "只有一个年度" in page and reverse("assessment:county", args=[county.code, YEAR]) in page
    _earlier_year(county)
    services.scores_compute(user=assessor, region=county, year=YEAR - 1)
    page = client.get(years).content.decode()
    assert "只有一个年度" not in page
    # both years, each linking to its evidence page, in order: 62.50 (50 of 80 marks) then 87.50
    first = page.index(reverse("assessment:county", args=[county.code, YEAR - 1]))
    assert first < page.index(reverse("assessment:county", args=[county.code, YEAR]))
    assert page.index("62.50") < page.index("87.50")
    # the change from the previous year: the total +25, 减贫成效 1 → 4 points, 错退 2 % → 1 %, satisfaction 90 → 95
    assert "+25.00" in page and "+3.00" in page and "-1.00" in page and "+5.00" in page
    assert "资金成效" in page and "暂无数据" in page
    # reached from the county's page and from the year's list
    assert years in client.get(reverse("assessment:county", args=[county.code, YEAR])).content.decode()
    assert years in client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    # outside the scope: the neighbouring county's operator, and a township of the county
    client.force_login(county_b)
    assert client.get(years).status_code == 404
    client.force_login(users["town_a"])
    assert client.get(years).status_code == 404


def test_a_province_s_results_year_over_year(
    client, users, assessor, county, figures, estimates, province_sets
):
    _earlier_year(county)
    for year in (YEAR - 1, YEAR):
        services.scores_compute(user=assessor, region=Region.objects.get(code=PROVINCE), year=year)
    client.force_login(assessor)
    years = reverse("assessment:score_years", args=[PROVINCE])
    assert years in client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    page = client.get(years).content.decode()
    assert "贵州省" in page and "全省群众满意度" in page and "所辖县考核" in page
    assert f"{reverse('assessment:scores')}?year={YEAR - 1}" in page
    assert f"{reverse('assessment:scores')}?year={YEAR}" in page
    # the county's users read their own results, not the province's
    client.force_login(users["county_viewer"])
    assert client.get(years).status_code == 404
