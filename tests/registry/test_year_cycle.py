"""The county's yearly cycle (年度动态调整): opened by the county, closed only when nothing is left (the list of
what blocks it, per township and village), confirmed or reopened by the province; a closed year is frozen."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.accounts.choices import Role
from jingzhun.core.context import acting_as
from jingzhun.core.models import AuditLog
from jingzhun.identification import services as identification
from jingzhun.imports.services import import_file
from jingzhun.regions.models import Region
from jingzhun.registry import services, yearcycle
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import AdjustmentYear, Household, YearState
from tests.conftest import COUNTY, COUNTY_B, VILLAGE_A, make_user, year

YEAR = dt.date.today().year


@pytest.fixture
def county(regions):
    return Region.objects.get(code=COUNTY)


@pytest.fixture
def province_admin(regions):
    return make_user("province", Role.OPERATOR, Region.objects.get(code="520000000000"))


def _open(users, county):
    return yearcycle.year_open(user=users["county"], county=county, year=YEAR)


def test_a_year_closes_only_when_nothing_is_left(register, users, county, django_capture_on_commit_callbacks):
    behind = register(identified_year=2016, years=[year(year=YEAR - 1)])  # no record of this year yet
    register(identified_year=2016, years=[year(year=YEAR)])  # up to date
    register(status=HouseholdStatus.UNIDENTIFIED)  # not in the registry: no yearly record to keep
    applicant = register(status=HouseholdStatus.UNIDENTIFIED)
    application = identification.application_create(
        user=users["village_a"], household=applicant, year=YEAR, reason="农户自愿申请"
    )
    _open(users, county)
    left = {item.label: item.per_village for item in yearcycle.open_items(county=COUNTY, year=YEAR)}
    assert left == {"年度信息未更新的户": {VILLAGE_A: 1}, "未办结的识别申请": {VILLAGE_A: 1}}
    with pytest.raises(ValidationError) as refused:
        yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    assert (
        "尚有未完成的事项，不能关账：年度信息未更新的户 1 项；未办结的识别申请 1 项"
        in refused.value.messages[0]
    )
    assert AdjustmentYear.objects.get().state == YearState.OPEN

    services.household_update(user=users["village_a"], household=behind, years=[year(year=YEAR)])
    identification.application_verify(
        user=users["village_a"], application=application, passed=False, findings="入户核实：收入高于标准"
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        row = yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    assert row.state == YearState.CLOSED and row.closed_at is not None
    assert callbacks, "closing has the year's snapshot and rollup written (analytics listens)"
    assert AuditLog.objects.filter(model="registry.adjustmentyear", action="update").exists()


def test_closing_writes_the_years_snapshot_and_rollup(
    transactional_db, register, users, county, settings, tmp_path
):
    """The year's figures are at hand once the county closes it: the job the close queues writes the year's
    Parquet snapshot and its rollup, run by the real worker."""
    from jingzhun.analytics.models import RegionFigures
    from tests.conftest import run_worker

    settings.MEDIA_ROOT = tmp_path / "media"
    register(identified_year=2016, years=[year(year=YEAR)])
    register(identified_year=2016, years=[year(year=YEAR)])
    _open(users, county)
    yearcycle.year_close(user=users["county"], county=county, year=YEAR)  # committed: on_commit fires
    assert not RegionFigures.objects.filter(year=YEAR).exists()
    run_worker(settings.MEDIA_ROOT)
    households = tmp_path / "snapshots" / str(YEAR) / "households"
    assert list(households.glob("province=52/*.parquet")), "the year's snapshot is written"
    rolled = RegionFigures.objects.get(year=YEAR, code=COUNTY)
    assert rolled.figures["poor_households"] == 2 and rolled.figures["persons"] == 4


def test_a_closed_year_is_frozen_until_the_province_reopens_it(register, users, county, province_admin):
    household = register(identified_year=2016, years=[year(year=YEAR)])
    _open(users, county)
    yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    with pytest.raises(ValidationError, match="已关账，该年度的记录不能再修改"):
        services.household_update(
            user=users["village_a"], household=household, years=[year(year=YEAR, wage="9999")]
        )
    with pytest.raises(ValidationError, match="已关账"):  # a status change counted in the closed year
        services.household_cancel(user=users["village_a"], household=household, reason="迁出")
    household.refresh_from_db()
    assert household.status == HouseholdStatus.REGISTERED
    # another year, and the household's own fields, may still be written
    services.household_update(user=users["village_a"], household=household, years=[year(year=YEAR - 1)])
    services.household_update(user=users["village_a"], household=household, data={"phone": "13800000001"})

    with pytest.raises(PermissionDenied):
        yearcycle.year_confirm(user=users["county"], county=county, year=YEAR)
    assert yearcycle.year_confirm(user=province_admin, county=county, year=YEAR).state == YearState.CONFIRMED
    with pytest.raises(ValidationError, match="请填写重新开放的原因"):
        yearcycle.year_reopen(user=province_admin, county=county, year=YEAR, reason=" ")
    with acting_as(province_admin, source="web"):
        yearcycle.year_reopen(
            user=province_admin, county=county, year=YEAR, reason="审计发现收入错误，需更正"
        )
    services.household_update(
        user=users["village_a"], household=household, years=[year(year=YEAR, wage="9999")]
    )
    entry = AuditLog.objects.filter(model="registry.adjustmentyear").latest("id")
    assert entry.changes["reason"][1] == "审计发现收入错误，需更正" and entry.actor == province_admin


def test_who_may_open_close_confirm(users, county, province_admin):
    with pytest.raises(PermissionDenied, match="县级"):
        yearcycle.year_open(user=users["town_a"], county=county, year=YEAR)
    with pytest.raises(PermissionDenied):
        yearcycle.year_open(user=province_admin, county=county, year=YEAR)
    with pytest.raises(ValidationError, match="以县为单位"):
        yearcycle.year_open(user=users["county"], county=Region.objects.get(code=VILLAGE_A), year=YEAR)
    with pytest.raises(ValidationError, match="尚未开始调整"):
        yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    _open(users, county)
    with pytest.raises(ValidationError, match="已开始调整"):
        _open(users, county)


def test_an_import_into_a_closed_year_is_refused_by_row(tmp_path, users, county):
    from tests.imports.test_columnar import _households, _write, flat_rows

    _open(users, county)
    yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    items = _households(2)
    for item in items:
        item["years"][0]["year"] = YEAR
    path = _write(tmp_path / "closed.csv", [row for item in items for row in flat_rows(item)])
    for columns in (True, False):
        result = import_file(user=users["county"], path=path, columns=columns)
        assert result.created == 0 and len(result.failed_groups) == 2
        assert all("已关账" in e for g in result.failed_groups for e in g.errors)
    assert not Household.objects.exists()


def test_the_year_page_lists_what_is_left_and_the_buttons_of_the_reader(client, register, users, county):
    register(identified_year=2016, years=[year(year=YEAR - 1)])
    client.force_login(users["county"])
    page = client.get(f"/years/{COUNTY}/{YEAR}/").content.decode()
    assert "年度信息未更新的户" in page and "开始本年度动态调整" in page
    client.post(f"/years/{COUNTY}/{YEAR}/open/")
    page = client.post(f"/years/{COUNTY}/{YEAR}/close/", follow=True).content.decode()
    assert "尚有未完成的事项" in page and AdjustmentYear.objects.get().state == YearState.OPEN
    client.force_login(users["town_a"])  # a township reads its part of its county's year, and cannot close it
    page = client.get(f"/years/{COUNTY}/{YEAR}/").content.decode()
    assert "只列出您辖区" in page and "年度信息未更新的户" in page and "关账（冻结本年度）" not in page
    client.post(f"/years/{COUNTY}/{YEAR}/close/")
    assert AdjustmentYear.objects.get().state == YearState.OPEN
    assert "查看未完成的事项" in client.get(f"/regions/{users['town_a'].region_id}/").content.decode()
    client.force_login(users["town_b"])  # another township of the same county: none of A's villages
    assert "年度信息未更新的户" not in client.get(f"/years/{COUNTY}/{YEAR}/").content.decode()
    list_url = yearcycle.households_without_record(COUNTY, YEAR).url
    client.force_login(users["county"])
    assert "杨文明" in client.get(list_url).content.decode()


def test_member_work_holds_the_year_and_a_closed_year_refuses_member_changes(
    register, users, county, county_b
):
    from jingzhun.registry import members as mc
    from jingzhun.registry.selectors import status_flows
    from tests.registry.test_members import child

    household = register(identified_year=2016, years=[year(year=YEAR)])
    leaving = household.members.order_by("id").last()
    transfer = mc.transfer_request(
        user=users["county"], household=household, members=[leaving], to_county=COUNTY_B, reason="投靠子女"
    )
    _open(users, county)
    left = {item.label: item.total for item in yearcycle.open_items(county=COUNTY, year=YEAR)}
    assert left == {"待办结的跨县迁出": 1}
    earlier = {item.label for item in yearcycle.open_items(county=COUNTY, year=YEAR - 1)}
    assert "待办结的跨县迁出" not in earlier  # asked this year: it holds this year, not the one before
    mc.transfer_cancel(user=users["county"], transfer=transfer, reason="暂不迁移")
    mc.member_birth(user=users["village_a"], household=household, member=child(born=dt.date(YEAR, 1, 2)))
    flows = {f.year: f for f in status_flows(user=users["county"], region=county)}
    assert flows[YEAR].born == 1 and flows[2016].entered == 1
    yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    with pytest.raises(ValidationError, match="已关账"):
        mc.member_birth(
            user=users["village_a"], household=household, member=child("杨小红", born=dt.date(YEAR, 1, 3))
        )
    assert household.members.filter(is_active=True).count() == 3


def test_probe_findings_on_the_cycle_hold(client, register, users, county, province_admin, county_b):
    """The household form still saves the household's own fields when its latest yearly record is in a closed
    year (M1); a reopen reason is not cut (L5); the card's comparison ignores junk years (L1); a member change
    before 2000 is refused (M2) and a person waiting to leave cannot become the head (M3)."""
    from jingzhun.registry import members as mc

    household = register(identified_year=2016, years=[year(year=YEAR)])
    _open(users, county)
    yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    client.force_login(users["village_a"])
    form = client.get(f"/households/{household.pk}/edit/").context
    data = {**{f"h-{k}": v for k, v in form["hform"].initial.items() if v is not None}}
    services.household_update(user=users["village_a"], household=household, data={"phone": "13800000009"},
                              years=[year(year=YEAR)])  # the same record, given back: no write  # fmt: skip
    household.refresh_from_db()
    assert household.phone == "13800000009" and data
    assert client.get(f"/households/{household.pk}/?before=²⁰¹⁵&after=¹⁹⁹⁹").status_code == 200
    with pytest.raises(ValidationError, match="不超过 2000 字"):
        yearcycle.year_reopen(user=province_admin, county=county, year=YEAR, reason="错" * 2001)
    with pytest.raises(ValidationError, match="不能早于 2000 年"):
        mc.member_death(user=users["village_a"], household=household, member=household.members.last(),
                        died_on=dt.date(1950, 1, 1))  # fmt: skip
    leaving = household.members.order_by("id").last()
    mc.transfer_request(user=users["county"], household=household, members=[leaving], to_county=COUNTY_B,
                        reason="投靠子女")  # fmt: skip
    with pytest.raises(ValidationError, match="跨县迁移申请待接收"):
        mc.head_change(user=users["village_a"], household=household, new_head=leaving,
                       old_head_relationship="spouse", effective_on=dt.date(YEAR - 1, 12, 1))  # fmt: skip


def test_a_closed_year_refuses_new_applications_and_its_villages_records(register, users, county):
    """The freeze covers every write counted in the year: a new application (its 公告 would count there) and
    the poor-village records of the county's villages (figures, designation)."""
    from decimal import Decimal

    from jingzhun.identification import villages
    from jingzhun.identification.choices import ApplicationKind
    from jingzhun.identification.models import VillageYear
    from tests.conftest import VILLAGE_B

    household = register(status=HouseholdStatus.REGISTERED, identified_year=2015, years=[year(year=YEAR)])
    _open(users, county)
    yearcycle.year_close(user=users["county"], county=county, year=YEAR)
    with pytest.raises(ValidationError, match="已关账"):
        identification.application_create(
            user=users["village_a"], household=household, year=YEAR, reason="收入稳定超过标准",
            kind=ApplicationKind.EXIT,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="已关账"):
        villages.village_year_set(
            user=users["village_a"], village=Region.objects.get(code=VILLAGE_A), year=YEAR,
            collective_income=Decimal("0"), per_capita_income=Decimal("3000"), checklist={},
        )  # fmt: skip
    with pytest.raises(ValidationError, match="已关账"):
        villages.village_designate(
            user=users["county"], village=Region.objects.get(code=VILLAGE_B), year=YEAR, confirm=False,
            reason="不符合条件",
        )  # fmt: skip
    assert not household.applications.exists() and not VillageYear.objects.filter(year=YEAR).exists()
    assert not yearcycle.open_items(county=COUNTY, year=YEAR) or all(
        item.total == 0 for item in yearcycle.open_items(county=COUNTY, year=YEAR)
    )
