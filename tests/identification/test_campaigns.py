"""回头看: a county re-checks its households (all or a sample); wrong findings go through the same procedure, and
the campaign counts what was found and what came of it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.accounts.choices import Role
from jingzhun.identification import campaigns, services
from jingzhun.identification.campaigns import campaign_counts
from jingzhun.identification.choices import ApplicationKind, CampaignMode, Finding, Round, Stage
from jingzhun.identification.models import Application, Campaign, CampaignCheck
from jingzhun.identification.quotas import quota_set
from jingzhun.regions.models import Region
from tests.conftest import COUNTY, VILLAGE_A, VILLAGE_B, make_user

from .conftest import deliberated, listed, to_county_approval


def _open(users, **kwargs):
    fields = {"title": "2026 年回头看", "year": 2026, "mode": CampaignMode.ALL, **kwargs}
    return campaigns.campaign_open(user=users["county"], county=Region.objects.get(code=COUNTY), **fields)


def _check(campaign, household) -> CampaignCheck:
    return campaign.checks.get(household=household)


def test_a_full_campaign_draws_every_household_in_or_outside_the_registry(county_households, users):
    campaign = _open(users)
    drawn = set(campaign.checks.values_list("household_id", flat=True))
    expected = {h.pk for h in county_households["registered"] + county_households["unidentified"]}
    assert drawn == expected  # the exited household is a matter for exit checks
    assert (campaign.households, campaign.population) == (7, 7)
    total, townships = campaign_counts(campaign)
    assert (total.checked, total.pending) == (7, 7)
    assert sorted(t.checked for _, t in townships) == [1, 6]  # 长乌村's township and 丹江镇


def test_a_sample_is_the_share_asked_for_and_the_same_for_the_same_seed(county_households, users):
    campaign = _open(users, mode=CampaignMode.SAMPLE, sample_percent=30, seed=99)
    first = set(campaign.checks.values_list("household_id", flat=True))
    assert campaign.households == len(first) == 3  # 30 % of 7, rounded up
    # Anyone can re-draw it from the seed and the households: nobody picked them by hand.
    population = [h.pk for h in county_households["unidentified"] + county_households["registered"]]
    assert set(campaigns.draw(population, percent=30, seed=99)) == first
    assert len(campaigns.draw(population, percent=1, seed=5)) == 1  # never an empty sample
    assert campaigns.draw([], percent=50, seed=5) == []


def test_a_wrongly_included_household_is_removed_through_the_same_procedure(county_households, users):
    wrong = county_households["registered"][0]
    campaign = _open(users)
    for code in (None, "520000000000", "522600000000", COUNTY):  # a quota of 0 down to the county (system)
        quota_set(user=None, year=2026, persons=0, region=code and Region.objects.get(code=code))
    check = campaigns.check_record(
        user=users["village_a"], check=_check(campaign, wrong), finding=Finding.WRONGLY_INCLUDED,
        note="家中有两辆小轿车，经营运输",
    )  # fmt: skip
    app = check.application
    assert (app.kind, app.stage, app.campaign) == (ApplicationKind.REMOVE, Stage.APPLIED, campaign)
    assert "错评" in app.reason

    to_county_approval(app, users)
    # A 清退 frees quota: the county approves it without an override even with the quota used up.
    services.application_approve(user=users["county"], application=app, passed=True)
    listed_out = services.publicity_open(
        user=users["county"], region=Region.objects.get(code=VILLAGE_A), round=Round.ANNOUNCEMENT,
        applications=[app],
    )  # fmt: skip
    wrong.refresh_from_db()
    assert (wrong.status, wrong.identified_year) == ("unidentified", None)
    assert listed_out.entries.get().application.kind == ApplicationKind.REMOVE
    total, _rows = campaign_counts(campaign)
    assert (total.wrongly_included, total.removed, total.added, total.pending) == (1, 1, 0, 6)


def test_a_missed_household_is_added_through_the_same_procedure(county_households, users):
    missed = county_households["unidentified"][0]
    campaign = _open(users)
    check = campaigns.check_record(
        user=users["village_a"],
        check=_check(campaign, missed),
        finding=Finding.MISSED,
        note="户主重病，收入不足",
    )
    to_county_approval(check.application, users)
    services.application_approve(user=users["county"], application=check.application, passed=True)
    services.publicity_open(
        user=users["county"], region=Region.objects.get(code=VILLAGE_A), round=Round.ANNOUNCEMENT,
        applications=[check.application],
    )  # fmt: skip
    missed.refresh_from_db()
    assert (missed.status, missed.identified_year) == ("registered", 2026)
    campaigns.check_record(
        user=users["village_a"], check=_check(campaign, county_households["registered"][1]),
        finding=Finding.CORRECT,
    )  # fmt: skip
    total, _rows = campaign_counts(campaign)
    assert (total.missed, total.added, total.correct, total.pending) == (1, 1, 1, 5)


def test_the_procedure_can_reject_a_finding(county_households, users):
    campaign = _open(users)
    check = campaigns.check_record(
        user=users["village_a"], check=_check(campaign, county_households["registered"][0]),
        finding=Finding.WRONGLY_INCLUDED, note="疑似有商品房",
    )  # fmt: skip
    services.application_verify(
        user=users["village_a"], application=check.application, passed=False, findings="房产属已分户的儿子"
    )
    total, _rows = campaign_counts(campaign)
    assert (total.wrongly_included, total.not_upheld, total.removed) == (1, 1, 0)
    household = county_households["registered"][0]
    household.refresh_from_db()
    assert household.status == "registered"


def test_wrong_findings_and_wrong_users_are_refused_and_change_nothing(county_households, users):
    campaign = _open(users)
    registered = _check(campaign, county_households["registered"][0])
    unidentified = _check(campaign, county_households["unidentified"][0])
    with pytest.raises(ValidationError, match="在册户只能核查为"):
        campaigns.check_record(user=users["village_a"], check=registered, finding=Finding.MISSED, note="x")
    with pytest.raises(ValidationError, match="未识别户只能核查为"):
        campaigns.check_record(
            user=users["village_a"], check=unidentified, finding=Finding.WRONGLY_INCLUDED, note="x"
        )
    with pytest.raises(ValidationError, match="须写明核查情况"):
        campaigns.check_record(user=users["village_a"], check=registered, finding=Finding.WRONGLY_INCLUDED)
    with pytest.raises(PermissionDenied, match="须由村级用户办理"):
        campaigns.check_record(user=users["town_a"], check=registered, finding=Finding.CORRECT)
    other_village = _check(campaign, county_households["registered"][3])  # in 长乌村, outside village A
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        campaigns.check_record(user=users["village_a"], check=other_village, finding=Finding.CORRECT)
    with pytest.raises(PermissionDenied, match="须由县级用户办理"):
        campaigns.campaign_open(
            user=users["town_a"], county=Region.objects.get(code=COUNTY), title="x", year=2026, mode="all"
        )
    with pytest.raises(ValidationError, match="已有进行中的回头看"):
        _open(users)
    with pytest.raises(ValidationError) as missing_percent:
        campaigns.campaign_open(
            user=users["county"], county=Region.objects.get(code=COUNTY), title="x", year=2026, mode="sample"
        )
    assert "sample_percent" in missing_percent.value.message_dict
    with pytest.raises(ValidationError, match="还有 7 户未录入核查结论"):
        campaigns.campaign_close(user=users["county"], campaign=campaign)

    assert not CampaignCheck.objects.exclude(finding=Finding.PENDING).exists()
    assert not Application.objects.exists()
    assert Campaign.objects.count() == 1 and Campaign.objects.get().is_open


def test_a_closed_campaign_takes_no_more_findings_but_its_applications_go_on(county_households, users):
    campaign = _open(users, mode=CampaignMode.SAMPLE, sample_percent=100, seed=1)
    village_b = make_user("village_b", Role.OPERATOR, Region.objects.get(code=VILLAGE_B))
    for check in campaign.checks.select_related("household"):
        village_user = village_b if check.region_id == VILLAGE_B else users["village_a"]
        finding = Finding.MISSED if check.status_then == "unidentified" else Finding.CORRECT
        campaigns.check_record(user=village_user, check=check, finding=finding, note="核查属实")
    campaigns.campaign_close(user=users["county"], campaign=campaign)
    check = campaign.checks.filter(finding=Finding.MISSED).select_related("application").first()
    with pytest.raises(ValidationError, match="已经结束"):
        campaigns.check_record(user=users["village_a"], check=check, finding=Finding.CORRECT)
    services.application_verify(
        user=users["village_a"], application=check.application, passed=True, findings="属实"
    )
    assert Application.objects.get(pk=check.application_id).stage == Stage.VERIFIED
    assert _open(users).is_open  # the county may open the next one


def test_a_removal_only_comes_from_a_campaign(county_households, users):
    with pytest.raises(ValidationError, match="清退须经回头看核查提出"):
        services.application_create(
            user=users["village_a"], household=county_households["registered"][0], year=2026,
            kind=ApplicationKind.REMOVE,
        )  # fmt: skip
    assert not Application.objects.exists()


def test_a_removal_on_the_public_list_is_marked(county_households, users, client):
    campaign = _open(users)
    check = campaigns.check_record(
        user=users["village_a"], check=_check(campaign, county_households["registered"][0]),
        finding=Finding.WRONGLY_INCLUDED, note="有商品房",
    )  # fmt: skip
    deliberated(check.application, users)
    publicity = listed(check.application, users)
    page = client.get(f"/public/p/{publicity.pk}/")
    assert page.status_code == 200
    assert "拟清退" in page.content.decode()
