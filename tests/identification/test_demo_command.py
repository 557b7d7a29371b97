"""``demo-identification``: each demo role finds work at its own step, dated inside the year, and the whole
两公示一公告 can be taken to its end in one sitting by the demo users."""

import importlib

import pytest
from django.core.management import call_command
from django.utils import timezone

from jingzhun.accounts.models import User
from jingzhun.identification import selectors, services
from jingzhun.identification.choices import Round, Stage
from jingzhun.identification.models import Application, Publicity, Step
from jingzhun.registry.models import StatusChange

demo = importlib.import_module("jingzhun.identification.management.commands.demo-identification")


@pytest.fixture
def demo_county(regions):
    call_command("demo-data", region="522634", households=40, seed=5, years="2016", verbosity=0)
    call_command("demo-accounts", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    call_command("demo-identification", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    return {u.username: u for u in User.objects.all()}


def _stages():
    counts = {}
    for stage in Application.objects.values_list("stage", flat=True):
        counts[stage] = counts.get(stage, 0) + 1
    return counts


def test_every_step_has_work_waiting_dated_inside_its_year(demo_county):
    today = timezone.localdate()
    year, _end = demo.demo_calendar(today)
    assert _stages() == {
        Stage.APPLIED: 2, Stage.VERIFIED: 2, Stage.DELIBERATED: 1, Stage.FIRST_PUBLICITY: 4,
        Stage.TOWNSHIP_REVIEW: 2, Stage.TOWNSHIP_APPROVED: 1, Stage.SECOND_PUBLICITY: 2,
        Stage.COUNTY_APPROVAL: 2, Stage.COUNTY_APPROVED: 2,
    }  # fmt: skip
    assert set(Application.objects.values_list("year", flat=True)) == {year}
    for on in Step.objects.values_list("on", flat=True):
        assert on.year == year and on <= today
    lists = list(Publicity.objects.order_by("starts_on", "id"))
    days = selectors.procedure_policy(year=year, region_code=lists[0].region_id).publicity_days
    for p in lists:  # shown with their real days
        assert p.starts_on.year == year and (p.last_day - p.starts_on).days + 1 == days
    over = [p for p in lists if p.is_open and p.last_day < today]
    running = [p for p in lists if p.is_open and p.last_day >= today]
    assert {p.round for p in over} == {Round.FIRST, Round.SECOND} and len(running) == 1
    assert running[0].starts_on == today


def test_the_demo_users_take_the_procedure_to_its_end_in_one_sitting(demo_county):
    users = demo_county
    year, _end = demo.demo_calendar(timezone.localdate())
    over = {p.round: p for p in Publicity.objects.all() if p.is_open and p.last_day < timezone.localdate()}
    services.publicity_close(user=users["village"], publicity=over[Round.FIRST])
    for app in Application.objects.filter(stage=Stage.TOWNSHIP_REVIEW):
        services.application_review(user=users["township"], application=app, passed=True)
    services.publicity_close(user=users["township"], publicity=over[Round.SECOND])
    for app in Application.objects.filter(stage=Stage.COUNTY_APPROVAL):
        services.application_approve(user=users["county"], application=app, passed=True)
    ready = list(Application.objects.filter(stage=Stage.COUNTY_APPROVED))
    assert len(ready) == 6  # 2 approved before, 2 waiting for approval, 2 from the second 公示 just closed
    services.publicity_open(
        user=users["county"], region=ready[0].region, round=Round.ANNOUNCEMENT, applications=ready
    )
    announced = Application.objects.filter(stage=Stage.ANNOUNCED)
    assert announced.count() == 6 and all(a.household.status == "registered" for a in announced)
    rows = StatusChange.objects.filter(
        household__in=[a.household_id for a in announced], to_status="registered"
    )
    assert {r.business_year for r in rows} == {year}


def test_demo_villages_designates_in_2014_and_takes_them_out_through_the_procedure(regions):
    import io

    from jingzhun.analytics.demo import seed_population
    from jingzhun.identification import village_selectors as vs
    from jingzhun.identification.models import VillageStep
    from jingzhun.regions.models import Region

    call_command("demo-data", region="522634", households=300, seed=5, verbosity=0)
    county = Region.objects.get(code="522634000000")
    seed_population(county, years=list(range(2014, 2021)), seed=5)
    out = io.StringIO()
    call_command("demo-villages", stdout=out)
    designated = vs.poor_village_count(county, 2014)
    assert designated > 0 and "2014 年认定贫困村" in out.getvalue()
    assert vs.poor_village_count(county, 2020) < designated
    assert {s.on.year for s in VillageStep.objects.filter(kind="designate")} == {2014}
    announced = VillageStep.objects.filter(kind="announce")
    assert announced and all(
        2017 <= s.on.year <= 2020 and s.on.year == s.village_year.year for s in announced
    )
    assert Publicity.objects.filter(procedure="village_exit", round="announcement").exists()
    call_command("demo-villages", stdout=out)  # once only
    assert "已有贫困村认定，跳过" in out.getvalue()
