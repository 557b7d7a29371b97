"""Issue 22, the gaps of 精准考核: a province's own indicator whose figure per county is entered by the assessing
level with its evidence (versions kept, 未录入 a problem, never a zero), the 精准帮扶 satisfaction as an indicator
(the cadre and team assessment's ratings), and the subtotal of each 考核方式 on the score page."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.analytics.models import RegionFigures
from jingzhun.assessment import cadres, services
from jingzhun.assessment.models import LocalFigure, Score, SurveyResponse
from jingzhun.assistance.models import TeamMember, WorkTeam
from jingzhun.core.models import AuditLog
from jingzhun.core.uploads import tiny_pdf
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, make_user

from .conftest import PROVINCE
from .test_cadres import _world

YEAR = 2026
REDUCTION = {"key": "reduction", "name": "减贫成效", "weight": Decimal(30), "source": "incidence_fall",
             "origin": "annual", "best": Decimal("1.0"), "worst": Decimal("0")}  # fmt: skip
LOCAL = {"key": "tea", "name": "茶产业带贫覆盖率", "weight": Decimal(20), "source": "local", "origin": "daily",
         "best": Decimal("100"), "worst": Decimal("0")}  # fmt: skip
HELP = {"key": "help", "name": "精准帮扶满意度", "weight": Decimal(30), "source": "help_satisfaction",
        "origin": "third_party", "best": Decimal("100"), "worst": Decimal("0")}  # fmt: skip


@pytest.fixture
def figures(county):
    for year, poor in ((YEAR - 1, 900), (YEAR, 500)):  # incidence 9 % → 5 %: a fall of 4 points, full marks
        RegionFigures.objects.create(
            year=year, code=county.code, level=3, parent=county.parent_id,
            figures={"poor_persons": poor, "rural_population": 10000}, engine="duckdb", computed_at=timezone.now(),
        )  # fmt: skip


@pytest.fixture
def local_set(users):
    """The province's own county set: 减贫成效 (30, annual) and a local indicator (20, daily)."""
    return services.indicators_set(
        user=users["national"], year=2024, province=PROVINCE, rows=[REDUCTION, LOCAL]
    )


def _score(assessor, county):
    [score] = services.scores_compute(user=assessor, region=county, year=YEAR)
    return score, {d["key"]: d for d in score.details}


def test_an_entered_figure_changes_the_county_total_by_its_points(client, users, assessor, county, figures,
                                                                  local_set):  # fmt: skip
    score, by_key = _score(assessor, county)
    assert by_key["tea"]["value"] is None and by_key["tea"]["entry"] is None
    assert (
        "茶产业带贫覆盖率：未录入" in score.problems
    )  # not a silent zero: the total stands on 减贫成效 alone
    assert score.total == pytest.approx(100)
    client.force_login(users["county_viewer"])
    page = client.get(reverse("assessment:county", kwargs={"code": COUNTY, "year": YEAR})).content.decode()
    assert "未录入" in page and "本年度没有录入地方自定指标数值" in page

    services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=[
        {"county": COUNTY, "value": "50", "note": "省农业农村厅茶产业台账", "file": SimpleUploadedFile("tz.pdf", tiny_pdf())},
    ])  # fmt: skip
    score, by_key = _score(assessor, county)
    assert by_key["tea"]["value"] == 50 and by_key["tea"]["score"] == 10  # half of 20 points
    assert score.total == pytest.approx((30 + 10) / 50 * 100)  # 80: the 10 points counted of 50
    assert not any("未录入" in p for p in score.problems)

    # a correction is the next version; the earlier one stays visible and the score reads the latest
    services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=[
        {"county": COUNTY, "value": "75", "note": "省农业农村厅茶产业台账（更正）"},
    ])  # fmt: skip
    score, by_key = _score(assessor, county)
    assert by_key["tea"]["score"] == 15 and by_key["tea"]["entry"]["version"] == 2
    assert score.total == pytest.approx(90)
    assert list(LocalFigure.objects.order_by("version").values_list("value", flat=True)) == [50, 75]
    page = client.get(reverse("assessment:county", kwargs={"code": COUNTY, "year": YEAR})).content.decode()
    section = page[page.index('id="local-figure-versions"') :]
    assert "（更正）" in section and "省农业农村厅茶产业台账" in section and "assessor" in section
    assert "第 2 版" in section and "第 1 版" in section and "已更正" in section
    # the evidence file: read in scope, every download audited
    first = LocalFigure.objects.get(version=1)
    answer = client.get(reverse("assessment:local_figure_file", args=[first.pk]))
    assert answer.status_code == 200 and b"".join(answer.streaming_content).startswith(b"%PDF")
    assert AuditLog.objects.filter(root=f"assessment.localfigure:{first.pk}").exists()
    # a file gone from storage: 404, and no download recorded for a file nobody received
    first.file.storage.delete(first.file.name)
    before = AuditLog.objects.count()
    assert client.get(reverse("assessment:local_figure_file", args=[first.pk])).status_code == 404
    assert AuditLog.objects.count() == before


def test_the_same_figure_again_makes_no_new_version(assessor, county, local_set):
    row = {"county": COUNTY, "value": "60", "note": "县统计局年报"}
    services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=[row])
    assert services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=[dict(row)]) == []
    assert LocalFigure.objects.count() == 1


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"value": "abc"}, "不是数字"),
        ({"value": "850"}, "超出合理范围"),  # 85.0 typed without its point
        ({"note": ""}, "请写明数值的依据"),
        ({"value": ""}, "请填写「茶产业带贫覆盖率」的数值"),
        ({"county": "522634100000"}, "不是县级区划"),
        ({"file": SimpleUploadedFile("tz.pdf", b"not a pdf at all")}, "不是 PDF 文件"),
    ],
)
def test_a_bad_figure_is_refused_and_nothing_is_saved(assessor, county, local_set, row, message):
    good = {"county": COUNTY, "value": "60", "note": "县统计局年报"}
    other = Region.objects.create(code="522635000000", name="台江县", level=3, parent=county.parent)
    rows = [{**good, "county": other.code}, {**good, **row}]  # the good row is not saved either
    with pytest.raises(ValidationError, match=message) as refused:
        services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=rows)
    assert "未保存任何数值" in str(refused.value)
    assert not LocalFigure.objects.exists()


def test_only_a_local_indicator_takes_an_entered_figure(users, assessor, county, local_set):
    with pytest.raises(ValidationError, match="没有代码为「reduction」的地方自定指标"):
        services.local_figures_enter(user=assessor, year=YEAR, key="reduction", rows=[
            {"county": COUNTY, "value": "1", "note": "县统计局年报"}])  # fmt: skip
    with pytest.raises(ValidationError, match="只能用于县级考核指标"):
        services.indicators_set(user=users["national"], year=2024, province=PROVINCE, level=1, rows=[LOCAL])
    assert not LocalFigure.objects.exists()


def test_an_assessor_of_another_province_is_refused(client, users, assessor, county, local_set):
    yunnan = Region.objects.create(code="530000000000", name="云南省", level=1)
    outsider = make_user("yn_assessor", Role.ASSESSOR, yunnan)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.local_figures_enter(user=outsider, year=YEAR, key="tea", rows=[
            {"county": COUNTY, "value": "60", "note": "县统计局年报"}])  # fmt: skip
    with pytest.raises(PermissionDenied):  # the county assessed never enters its own figure
        services.local_figures_enter(user=users["county"], year=YEAR, key="tea", rows=[
            {"county": COUNTY, "value": "60", "note": "县统计局年报"}])  # fmt: skip
    assert not LocalFigure.objects.exists()
    services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=[
        {"county": COUNTY, "value": "60", "note": "县统计局年报", "file": SimpleUploadedFile("a.pdf", tiny_pdf())}])  # fmt: skip
    figure = LocalFigure.objects.get()
    client.force_login(outsider)
    assert client.get(reverse("assessment:local_figure_file", args=[figure.pk])).status_code == 404
    # the entry page shows the outsider's own province only: no county of Guizhou
    page = client.get(reverse("assessment:local_figures") + f"?year={YEAR}&province=52").content.decode()
    assert "雷山县" not in page
    answer = client.post(reverse("assessment:local_figures"), {
        "year": YEAR, "key": "tea", "province": "52", "county": COUNTY, "value": "99", "note": "外省录入"})  # fmt: skip
    assert answer.status_code in (200, 302) and LocalFigure.objects.count() == 1


def test_the_entry_page_saves_the_table_and_a_csv(client, assessor, county, figures, local_set):
    client.force_login(assessor)
    url = reverse("assessment:local_figures")
    page = client.get(url + f"?year={YEAR}").content.decode()
    assert "茶产业带贫覆盖率" in page and "雷山县" in page and "可录入范围 -100 至 200" in page
    refused = client.post(
        url, {"year": YEAR, "key": "tea", "county": COUNTY, "value": "x1", "note": "县统计局年报"}
    )
    body = refused.content.decode()
    assert refused.status_code == 200 and "不是数字" in body and 'value="x1"' in body  # kept to correct
    assert not LocalFigure.objects.exists()
    client.post(url, {"year": YEAR, "key": "tea", "county": COUNTY, "value": "40", "note": "县统计局年报",
                      f"file-{COUNTY}": SimpleUploadedFile("tz.pdf", tiny_pdf())})  # fmt: skip
    assert LocalFigure.objects.get().value == 40 and LocalFigure.objects.get().file
    csv = "区划代码,数值,依据说明\n522634000000,45.5,第三方复核台账\n".encode()
    client.post(url, {"year": YEAR, "key": "tea", "upload": SimpleUploadedFile("f.csv", csv)})
    assert LocalFigure.objects.order_by("-version").first().value == Decimal("45.5")
    bad = "区划代码,数值,依据说明\n522634000000,4550,第三方复核台账\n".encode()
    answer = client.post(url, {"year": YEAR, "key": "tea", "upload": SimpleUploadedFile("f.csv", bad)})
    assert "第 2 行" in answer.content.decode() and LocalFigure.objects.count() == 2


def _rated_world(regions, register):
    """The cadre assessment's world (王帮扶 helps the two surveyed households of VILLAGE_A) with a 驻村工作队 in
    the village and the households' ratings: team yes / no, cadre yes / 不了解."""
    wang, _li, poor, out = _world(regions, register)
    team = WorkTeam.objects.create(
        village=regions["522634100201"], unit=wang.unit, started_on=dt.date(2025, 1, 1)
    )
    TeamMember.objects.create(team=team, cadre=wang, started_on=dt.date(2025, 1, 1))
    SurveyResponse.objects.filter(sample_household__household=poor).update(
        team_satisfied=True, cadre_satisfied=True
    )
    SurveyResponse.objects.filter(sample_household__household=out).update(
        team_satisfied=False, cadre_satisfied=None
    )
    return wang, team


def test_the_help_satisfaction_is_the_cadre_and_team_assessment_s(client, users, regions, register, assessor,
                                                                  county, figures):  # fmt: skip
    wang, team = _rated_world(regions, register)
    services.indicators_set(user=users["national"], year=2024, province=PROVINCE, rows=[REDUCTION, HELP])
    _score_row, by_key = _score(assessor, county)
    shown_team = cadres.by_team([team], YEAR)[team.pk]  # what the team's row of the cadre assessment shows
    shown_cadre = cadres.figures([wang.pk], YEAR)[wang.pk]  # and the cadre's
    assert (shown_team.approved, shown_team.rated) == (1, 2) and (
        shown_cadre.approved,
        shown_cadre.rated,
    ) == (1, 1)
    expected = (shown_team.approved + shown_cadre.approved) / (shown_team.rated + shown_cadre.rated) * 100
    assert by_key["help"]["value"] == pytest.approx(expected) == pytest.approx(200 / 3)
    assert by_key["help"]["score"] == pytest.approx(20.0)  # 2 of 3 ratings satisfied: 2/3 of 30 points
    # the evidence: the answers behind it, one click from the score; the county sees the count, not the sample
    evidence = by_key["help"]["evidence"]
    assert evidence == reverse("assessment:help_answers", kwargs={"code": COUNTY, "year": YEAR})
    client.force_login(assessor)
    page = client.get(evidence).content.decode()
    assert "满意 2 项 / 评价 3 项 = 66.67%" in page and "V01-H00" in page and "不了解" in page
    client.force_login(users["county_viewer"])
    page = client.get(evidence).content.decode()
    assert "66.67%" in page and "V01-H00" not in page and "仅第三方评估人员可见" in page
    team_page = client.get(reverse("assessment:cadres") + f"?year={YEAR}&by=team").content.decode()
    assert "1 / 2" in team_page  # the team's own ratings, as counted into the county's figure


def test_origin_subtotals_sum_to_the_total(client, users, assessor, county, figures, regions, register):
    _rated_world(regions, register)
    services.indicators_set(
        user=users["national"], year=2024, province=PROVINCE, rows=[REDUCTION, LOCAL, HELP]
    )
    services.local_figures_enter(user=assessor, year=YEAR, key="tea", rows=[
        {"county": COUNTY, "value": "30", "note": "县统计局年报"}])  # fmt: skip
    score, _by_key = _score(assessor, county)
    parts = {o["origin"]: o for o in score.by_origin()}
    assert (
        parts["annual"]["earned"] == 30
        and parts["daily"]["earned"] == 6
        and parts["third_party"]["earned"] == 20
    )
    assert [parts[k]["weight"] for k in ("daily", "annual", "third_party")] == [20, 30, 30]
    assert sum(o["counted"] for o in parts.values()) == pytest.approx(score.total, abs=0.02)
    assert score.total == pytest.approx(56 / 80 * 100)
    # with a figure missing, the parts still sum to the (renormalised) total
    Score.objects.all().delete()
    services.indicators_set(user=users["national"], year=2024, province=PROVINCE,
                            rows=[REDUCTION, {**LOCAL, "key": "tea2"}, HELP])  # fmt: skip
    score, _by_key = _score(assessor, county)
    parts = {o["origin"]: o for o in score.by_origin()}
    assert parts["daily"]["available"] == 0 and parts["daily"]["weight"] == 20
    assert sum(o["counted"] for o in parts.values()) == pytest.approx(score.total, abs=0.02)
    client.force_login(users["county_viewer"])
    page = client.get(reverse("assessment:county", kwargs={"code": COUNTY, "year": YEAR})).content.decode()
    table = page[page.index('id="origin-subtotals"') :]
    assert "平时掌握" in table and "年度考核" in table and "第三方评估" in table and "0.00 / 0.00" in table
    assert "30.00 / 30.00" in table and "20.00 / 30.00" in table
    listing = client.get(reverse("assessment:scores") + f"?year={YEAR}").content.decode()
    assert "年度考核 30.00 / 30.00" in listing


def test_a_province_sums_its_counties_help_ratings(users, regions, register, assessor, county, figures):
    _rated_world(regions, register)
    services.indicators_set(user=users["national"], year=2024, province=PROVINCE, rows=[REDUCTION, HELP])
    services.indicators_set(user=users["national"], year=2024, province=PROVINCE, level=1, rows=[HELP])
    made = services.scores_compute(user=assessor, region=Region.objects.get(code=PROVINCE), year=YEAR)
    province = next(s for s in made if s.level == 1)
    assert province.details[0]["value"] == pytest.approx(200 / 3)  # the one county's 2 of 3 ratings
    assert province.details[0]["evidence"] == reverse("assessment:scores") + f"?year={YEAR}"  # its counties
