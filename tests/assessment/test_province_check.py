"""省级专项评估检查 (issue 22): the province's check of a county's exit stands on a sample the province itself drew
after the county's proposal — answered and estimated — never on the county's own (third-party) sample; the step
records that sample's figures, and 省政府 decides the approval on them. The assessor never sees the design
weights that would hint at a household's registry status."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from jingzhun.accounts.choices import Role
from jingzhun.assessment import services
from jingzhun.assessment.models import CountyExitStep, Estimate, ExitNotice, PoorCounty, Sample
from jingzhun.regions.models import Region
from tests.conftest import make_user

from .conftest import PROVINCE, YEAR, all_well, province_sample
from .test_exit_check import _county_data


@pytest.fixture
def people(county):
    return {
        "city": make_user("city", Role.OPERATOR, county.parent),
        "province": make_user("province", Role.OPERATOR, Region.objects.get(code=PROVINCE)),
    }


def _reviewed(users, people, county):
    """The county's sample passes everything (its figures faked as its third party's); proposed and reviewed."""
    year = _county_data(county, poor=1_500)
    services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    services.county_exit_take(user=people["city"], county=county, year=year, kind="city")
    return year


def _check(people, county, year=YEAR, **kw):
    return services.county_exit_take(
        user=people["province"], county=county, year=year, kind="province_check", **kw
    )


def test_the_check_is_refused_on_the_county_s_own_sample(users, people, county, assessor, frame):
    year = _reviewed(users, people, county)
    with pytest.raises(ValidationError, match="尚无省级专项评估检查样本"):
        _check(people, county, year)
    assert not CountyExitStep.objects.filter(kind="province_check").exists()
    # the county's sample passes, and it is what the county proposed on: still not the province's check
    assert all(c["passed"] for c in CountyExitStep.objects.get(kind="propose").conditions)


def test_the_province_s_sample_is_drawn_by_the_province_after_the_city_s_review(
    users, people, county, assessor, frame
):
    year = _county_data(county, poor=1_500)
    services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    with pytest.raises(ValidationError, match="尚未通过市级初审"):
        services.sample_draw(user=people["province"], county=county, year=year, commissioner="province_check")
    services.county_exit_take(user=people["city"], county=county, year=year, kind="city")
    with pytest.raises(PermissionDenied):
        services.sample_draw(user=people["city"], county=county, year=year, commissioner="province_check")
    with pytest.raises(PermissionDenied):
        services.sample_draw(user=users["county"], county=county, year=year, commissioner="province_check")
    assert not Sample.objects.filter(commissioner="province_check").exists()
    sample = services.sample_draw(
        user=people["province"], county=county, year=year, commissioner="province_check"
    )
    assert sample.commissioner == "province_check" and sample.households.exists()


def test_the_check_is_refused_until_the_survey_is_answered_and_estimated(
    users, people, county, assessor, frame
):
    year = _reviewed(users, people, county)
    # the province's least: 2 villages × 3 households answered; its sample draws 4 a village
    services.sampling_policy_set(
        user=users["national"], year=2020, province=PROVINCE, min_villages=2, min_households=3
    )
    sample = services.sample_draw(
        user=people["province"], county=county, year=year, commissioner="province_check", seed=7,
        households_per_village=4,
    )  # fmt: skip
    households = list(sample.households.order_by("key"))
    assert len(households) == 8
    for h in households[:3]:
        services.survey_record(user=assessor, sample_household=h, **all_well(h))
    with pytest.raises(ValidationError, match=r"已调查 3 户.*至少 2 个村、6 户"):
        _check(people, county, year)
    for h in households[3:-1]:
        services.survey_record(user=assessor, sample_household=h, **all_well(h))
    with pytest.raises(ValidationError, match="尚未计算抽样估计"):
        _check(people, county, year)
    services.estimates_compute(user=assessor, sample=sample)
    services.survey_record(user=assessor, sample_household=households[-1], **all_well(households[-1]))
    with pytest.raises(ValidationError, match=rf"按 {len(households) - 1} 户计算.*请重新计算估计"):
        _check(people, county, year)
    assert not CountyExitStep.objects.filter(kind="province_check").exists()
    services.estimates_compute(user=assessor, sample=sample)
    step = _check(people, county, year)
    assert step.sample == sample
    # the step's evidence is the province's sample: 错退率 0 with its interval (not the county's fake 0 … 5 %)
    recorded = {c["label"]: c for c in step.conditions}
    wrong = Estimate.objects.get(sample=sample, kind="wrong_exit")
    assert recorded["错退率"]["high"] == pytest.approx(wrong.high * 100)
    assert recorded["群众认可度"]["value"] == pytest.approx(100)
    assert recorded["综合贫困发生率"]["low"] is not None
    # its estimates now stand for the 公示 and the approval
    with pytest.raises(ValidationError, match="不能重新计算"):
        services.estimates_compute(user=assessor, sample=sample)


def test_a_sample_drawn_before_the_proposal_does_not_count(users, people, county, assessor, frame):
    year = _reviewed(users, people, county)
    province_sample(province=people["province"], assessor=assessor, county=county, year=year)
    # the province's check does not pass: the round ends, the county proposes again later
    _check(people, county, year, passed=False, note="入户核查发现问题，退回整改")
    services.county_exit_take(user=users["county"], county=county, year=year, kind="propose")
    services.county_exit_take(user=people["city"], county=county, year=year, kind="city")
    with pytest.raises(ValidationError, match=r"早于县级提出退出申请.*须在申请之后重新抽取"):
        _check(people, county, year)
    assert not CountyExitStep.objects.filter(kind="province_check", passed=True).exists()


def test_the_check_reads_the_province_s_figures_not_the_county_s(users, people, county, assessor, frame):
    year = _reviewed(users, people, county)  # the county's sample: every figure passes

    def unhappy(h):  # the province's survey finds half the households not satisfied
        return {**all_well(h), "satisfied": int(h.key[-2:]) % 2 == 0}

    province_sample(province=people["province"], assessor=assessor, county=county, year=year, answers=unhappy)
    with pytest.raises(ValidationError, match="省级专项评估检查样本：「群众认可度」"):
        _check(people, county, year)
    assert not CountyExitStep.objects.filter(kind="province_check").exists()


def test_the_approval_decides_on_the_province_s_figures(client, users, people, county, assessor, frame):
    year = _reviewed(users, people, county)

    def one_unhappy(h):
        return {**all_well(h), "satisfied": h.key != "V01-H01"}

    sample = province_sample(
        province=people["province"], assessor=assessor, county=county, year=year, answers=one_unhappy
    )
    share = Estimate.objects.get(sample=sample, kind="satisfaction").point * 100
    assert share < 98
    services.assessment_policy_set(
        user=users["national"], year=2020, province=PROVINCE, exit_satisfaction=Decimal(f"{share - 1:.2f}")
    )
    _check(people, county, year)
    services.county_exit_take(user=people["province"], county=county, year=year, kind="publicity")
    ExitNotice.objects.update(
        starts_on=timezone.localdate() - dt.timedelta(days=8),
        last_day=timezone.localdate() - dt.timedelta(days=1),
    )
    # the province raises its threshold above its own sample's figure; the county's third party, with a newer
    # sample of its own at 99 %, would pass it — the approval reads the province's
    services.assessment_policy_set(
        user=users["national"], year=2020, province=PROVINCE, exit_satisfaction=Decimal(f"{share + 0.5:.2f}")
    )
    newer = Sample.objects.create(county=county, year=year, purpose="accuracy", seed=2, villages=2,
                                  households_per_village=4)  # fmt: skip
    common = {"sample": newer, "se": 0, "units": 40, "n_eff": 30, "psus": 2, "strata": 1, "numerator": 0,
              "denominator": 40, "method": "test"}  # fmt: skip
    for kind, point in (("missed", 0.0), ("wrong_exit", 0.0), ("satisfaction", 0.99)):
        Estimate.objects.create(kind=kind, point=point, low=0, high=min(1, point + 0.01), **common)
    with pytest.raises(ValidationError, match="省级专项评估检查样本：「群众认可度」"):
        services.county_exit_take(user=people["province"], county=county, year=year, kind="approve")
    assert PoorCounty.objects.get(county=county, year=year).status == "poor"
    assert not CountyExitStep.objects.filter(kind="approve").exists()
    # the county's page shows both: the third party's figures (99 %) and the province's check beside them
    client.force_login(people["province"])
    page = client.get(
        reverse("assessment:county", kwargs={"code": county.code, "year": year})
    ).content.decode()
    assert 'id="province-check-figures"' in page and f"{share:.2f}%" in page and "99.00%" in page
    services.assessment_policy_set(
        user=users["national"], year=2020, province=PROVINCE, exit_satisfaction=Decimal(f"{share - 1:.2f}")
    )
    step = services.county_exit_take(user=people["province"], county=county, year=year, kind="approve")
    assert step.sample == sample and PoorCounty.objects.get(county=county, year=year).status == "exited"


def test_the_province_draws_its_sample_on_the_county_page(client, users, people, county, assessor, frame):
    year = _reviewed(users, people, county)
    url = reverse("assessment:county", kwargs={"code": county.code, "year": year})
    client.force_login(users["county"])
    assert 'id="province-sample-form"' not in client.get(url).content.decode()
    client.force_login(people["province"])
    assert 'id="province-sample-form"' in client.get(url).content.decode()
    page = client.post(url, {"draw": "province_check"}, follow=True).content.decode()
    assert "已抽取省级专项评估检查样本" in page
    sample = Sample.objects.get(commissioner="province_check")
    assert "已调查 0 户" in page and sample.drawn_by == people["province"]


def test_the_assessor_does_not_see_the_design_weights(client, users, county, assessor, frame):
    sample = services.sample_draw(user=assessor, county=county, year=YEAR, seed=99)
    url = reverse("assessment:sample", args=[sample.pk])
    h = sample.households.order_by("key").first()
    client.force_login(assessor)
    page = client.get(url).content.decode()
    assert h.key in page and "设计权数" not in page
    admin = make_user("gz_admin", Role.ADMIN, Region.objects.get(code=PROVINCE))
    client.force_login(admin)
    page = client.get(url).content.decode()
    assert "设计权数" in page and f"{h.weight:.2f}" in page
