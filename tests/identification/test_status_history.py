"""Status as history (issue 18, first step): every change of a household's status is a row — from, to, the
date, the business year, why and what made it — and the household's status never disagrees with the latest."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from jingzhun.core.models import AuditLog
from jingzhun.identification import services as identification
from jingzhun.identification.choices import Round
from jingzhun.regions.models import Region
from jingzhun.registry import services
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, StatusChange, StatusSource
from jingzhun.registry.selectors import status_flows
from jingzhun.registry.status import with_status_at_end_of
from tests.conftest import COUNTY, VILLAGE_A

from .conftest import to_county_approval


def assert_history_agrees() -> None:
    """The household's status is the latest change's (未识别 without any), for every household."""
    latest = StatusChange.objects.filter(household=OuterRef("pk")).order_by(
        "-business_year", "-effective_on", "-id"
    )
    rows = Household.objects.annotate(last=Subquery(latest.values("to_status")[:1])).values_list(
        "status", "last"
    )
    assert rows and all(status == (last or HouseholdStatus.UNIDENTIFIED) for status, last in rows), list(rows)


def test_the_announcement_writes_history_in_the_applications_year(application, users):
    to_county_approval(application, users)
    identification.application_approve(user=users["county"], application=application, passed=True)
    identification.publicity_open(
        user=users["county"], region=Region.objects.get(code=VILLAGE_A), round=Round.ANNOUNCEMENT,
        applications=[application],
    )  # fmt: skip
    change = StatusChange.objects.get(household=application.household)
    assert (change.from_status, change.to_status) == (
        HouseholdStatus.UNIDENTIFIED,
        HouseholdStatus.REGISTERED,
    )
    assert change.business_year == application.year and change.source == StatusSource.PROCEDURE
    assert change.reference.startswith("identification.publicity:") and change.actor == users["county"]
    assert_history_agrees()


def test_cancelling_is_a_change_with_its_reason_and_years_answer_from_history(register, users):
    household = register(status=HouseholdStatus.REGISTERED, identified_year=2016)
    first = StatusChange.objects.get(household=household)
    assert first.source == StatusSource.HISTORICAL and first.business_year == 2016
    services.household_cancel(user=users["village_a"], household=household, reason="全家迁往城市落户")
    last = StatusChange.objects.filter(household=household).latest("id")
    assert (last.from_status, last.to_status, last.reason) == ("registered", "cancelled", "全家迁往城市落户")
    assert AuditLog.objects.filter(object_id=str(household.pk), changes__has_key="business_year").exists()
    this_year = dt.date.today().year
    statuses = {
        year: with_status_at_end_of(Household.objects.filter(pk=household.pk), year).get().year_end_status
        for year in (2015, 2016, this_year)
    }
    assert statuses == {2015: "unidentified", 2016: "registered", this_year: "cancelled"}
    assert_history_agrees()


def test_no_form_api_or_ordinary_write_changes_a_status(register, users, client):
    household = register(status=HouseholdStatus.UNIDENTIFIED)
    assert not StatusChange.objects.filter(household=household).exists()  # 未识别: nothing happened yet
    for field, value in (("status", HouseholdStatus.REGISTERED), ("exit_year", 2020)):
        with pytest.raises(ValidationError) as refused:
            services.household_update(user=users["village_a"], household=household, data={field: value})
        assert "只能由识别公告、退出销号、返贫和注销程序改变" in refused.value.message_dict[field][0]
    with pytest.raises(ValidationError, match="只能由识别公告"):  # a new household arrives 未识别
        register_plain(users["village_a"], status=HouseholdStatus.REGISTERED)
    client.force_login(users["village_a"])
    answer = client.patch(
        f"/api/v1/households/{household.pk}/", {"status": "registered"}, content_type="application/json"
    )
    assert answer.status_code == 400 and "只能由识别公告" in answer.content.decode()
    household.refresh_from_db()
    assert household.status == HouseholdStatus.UNIDENTIFIED and not household.status_changes.exists()
    # repeating the stored value is no change: a round trip of an export is not refused
    services.household_update(user=users["village_a"], household=household, data={"status": "unidentified"})
    assert_history_agrees()


def register_plain(user, **fields):
    """A household entered on the form (not a historical load)."""
    from tests.conftest import household, member

    return services.household_register(user=user, household=household(**fields), members=[member()])


def test_the_county_page_shows_the_years_flows_from_history(client, register, users):
    register(status=HouseholdStatus.REGISTERED, identified_year=2016)
    register(status=HouseholdStatus.REGISTERED, identified_year=2016)
    gone = register(status=HouseholdStatus.REGISTERED, identified_year=2017)
    services.household_cancel(user=users["village_a"], household=gone, reason="户籍迁出")
    client.force_login(users["county"])
    page = client.get("/regions/522634000000/").content.decode()
    assert 'id="flows"' in page
    flows = {f.year: f for f in status_flows(user=users["county"], region=Region.objects.get(code=COUNTY))}
    assert (flows[2016].entered, flows[2017].entered) == (2, 1)
    assert flows[dt.date.today().year].cancelled == 1 and flows[dt.date.today().year].net == -1
    assert status_flows(user=users["town_b"], region=None) == []  # another township: none of these


def test_status_on_a_day_follows_dates_and_at_a_years_end_follows_business_years(register):
    """A 2016 exit announced on 10 January 2017 counts in 2016's year-end figures, but on 31 December 2016 the
    household was still 在册."""
    from jingzhun.registry.status import status_change, with_status_on

    household = register(identified_year=2015)
    status_change([household], to=HouseholdStatus.EXITED, source=StatusSource.EXIT, business_year=2016,
                  effective_on=dt.date(2017, 1, 10), reason="脱贫")  # fmt: skip
    one = Household.objects.filter(pk=household.pk)
    on = lambda day: with_status_on(one, day).get().status_then  # noqa: E731
    at_end = lambda year: with_status_at_end_of(one, year).get().year_end_status  # noqa: E731
    assert at_end(2016) == HouseholdStatus.EXITED and on(dt.date(2016, 12, 31)) == HouseholdStatus.REGISTERED
    assert (
        on(dt.date(2017, 1, 10)) == HouseholdStatus.EXITED
        and on(dt.date(2014, 6, 1)) == HouseholdStatus.UNIDENTIFIED
    )


def test_identification_year_and_exit_year_are_procedural_too(register, users, client):
    """Probe H2/L2: 识别年度 decides which households owe a yearly record; like the status it is written by the
    公告 (or a historical load), never by a form, the API or an ordinary import."""
    household = register(identified_year=2015)
    client.force_login(users["village_a"])
    for field, value in (("identified_year", 2100), ("exit_year", 2019)):
        answer = client.patch(
            f"/api/v1/households/{household.pk}/", {field: value}, content_type="application/json"
        )
        assert answer.status_code == 400 and "只能由识别公告" in answer.content.decode(), field
    household.refresh_from_db()
    assert (household.identified_year, household.exit_year) == (2015, None)
    assert client.get(f"/api/v1/households/{household.pk}/").json()["exit_year"] is None


def test_a_change_is_never_counted_before_the_latest_recorded_one(register, users):
    """A 返贫 dated 2018 after a 2020 exit would leave the household's status (the latest change) disagreeing
    with its status at the end of every later year: refused when applied for, and by the one writer."""
    from jingzhun.identification.choices import ApplicationKind
    from jingzhun.registry.status import status_change

    household = register(status=HouseholdStatus.EXITED, identified_year=2014, exit_year=2020)
    with pytest.raises(ValidationError, match="已记到 2020 年"):
        identification.application_create(
            user=users["village_a"], household=household, year=2018, kind=ApplicationKind.RETURN,
            reason="因病返贫",
        )  # fmt: skip
    assert not household.applications.exists()
    with pytest.raises(ValidationError, match="不能再记入更早的 2019 年"):
        status_change(
            Household.objects.filter(pk=household.pk), to=HouseholdStatus.RETURNED, source=StatusSource.RETURN,
            business_year=2019, user=users["county"],
        )  # fmt: skip
    household.refresh_from_db()
    assert household.status == HouseholdStatus.EXITED and household.status_changes.count() == 2
    assert_history_agrees()
