"""一户一策: suggestions from causes and household classes, one plan per household and year under its cadre,
measures that refuse bad amounts and dates, visits and the compliance list of households not visited in time."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jingzhun.assistance import catalogue, plans, selectors, services
from jingzhun.assistance.models import Measure, Plan, Visit
from jingzhun.core.models import AuditLog
from jingzhun.regions.models import Region
from tests.conftest import TOWN_B, VILLAGE_B, member, new_id


def keys(profile):
    return [s.item.key for s in catalogue.suggest(profile)]


def test_household_classes_decide_the_suggested_measures():
    # nobody can work: 兜底 (低保, 特困供养), and the illness calls for health measures
    old = catalogue.Profile("illness", labour=("lost", "none"), health=("serious", "chronic"))
    assert catalogue.household_classes(old) == ["no_labour"]
    assert keys(old) == ["dibao", "wubao", "insurance", "medical_aid", "dividend"]
    # two able workers lacking skills: training and employment, not 兜底
    able = catalogue.Profile("lack_skills", labour=("ordinary", "skilled", "none"))
    assert catalogue.household_classes(able) == ["much_labour"]
    assert {"training", "job"} <= set(keys(able)) and "dibao" not in keys(able)
    # a disabled member in a village without water, with a dangerous house and capital needs
    mixed = catalogue.Profile(
        "lack_water",
        ("lack_capital",),
        labour=("ordinary", "weak"),
        health=("disabled", "healthy"),
        house_grade="D",
    )
    assert catalogue.household_classes(mixed) == ["disabled", "no_capital", "harsh_environment"]
    found = {s.item.key: s.reasons for s in catalogue.suggest(mixed)}
    assert found["relocation"] == ["生存条件恶劣", "缺水"]
    assert found["house_repair"] == ["住房为危房"]
    assert "microcredit" in found and "rehabilitation" in found
    # what the plan already holds is not suggested again
    assert "relocation" not in [s.item.key for s in catalogue.suggest(mixed, already=["relocation"])]


def test_the_household_page_profile_reads_members_and_the_latest_house(poor):
    household = poor(
        "disability",
        members=[
            member(labour="none", health="disabled"),
            member("spouse", id_number=new_id(male=False), labour="weak"),
        ],
    )
    profile = selectors.profile_of(household)
    assert profile.labour == ("none", "weak") and "disabled" in catalogue.household_classes(profile)


@pytest.fixture
def paired(poor, cadre, users):
    """Registered households, all paired with one cadre (张帮扶)."""
    responsible = cadre()

    def _paired(**fields):
        household = poor(**fields)
        services.household_pair(user=None, household=household, cadre=responsible)
        return household

    return _paired


def test_a_plan_needs_a_cadre_and_is_one_per_year(poor, paired, users):
    lonely = poor()
    with pytest.raises(ValidationError, match="还没有帮扶责任人"):
        plans.plan_create(user=users["village_a"], household=lonely, year=2026)
    household = paired()
    plan = plans.plan_create(
        user=users["village_a"], household=household, year=2026, goal="年底人均纯收入过 4000 元"
    )
    assert plan.cadre.name == "张帮扶" and plan.region_id == household.region_id
    with pytest.raises(ValidationError, match="2026 年度已有帮扶计划"):
        plans.plan_create(user=users["village_a"], household=household, year=2026)
    assert Plan.objects.filter(household=household).count() == 1
    assert AuditLog.objects.filter(
        root=f"registry.household:{household.pk}", model="assistance.plan"
    ).exists()


def test_a_plan_outside_ones_region_or_for_a_household_not_helped_is_refused(paired, users):
    household = paired()
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        plans.plan_create(user=users["town_b"], household=household, year=2026)
    with pytest.raises(PermissionDenied, match="不能办理"):
        plans.plan_create(user=users["town_a_viewer"], household=household, year=2026)
    household.status = "exited"
    household.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="该户状态为「已脱贫」"):
        plans.plan_create(user=users["village_a"], household=household, year=2026)
    assert not Plan.objects.exists()


@pytest.fixture
def plan(paired, users):
    return plans.plan_create(user=users["village_a"], household=paired(), year=2026)


def test_measures_refuse_negative_amounts_and_dates_out_of_order(plan, users, units):
    user = users["village_a"]
    with pytest.raises(ValidationError) as err:
        plans.measure_add(user=user, plan=plan, category="health", item="insurance", planned_amount=Decimal("-1"),
                          responsible="县医保局")  # fmt: skip
    assert err.value.message_dict["planned_amount"] == ["金额不能为负数。"]
    with pytest.raises(ValidationError, match="完成日期不能早于开始日期"):
        plans.measure_add(user=user, plan=plan, category="health", item="insurance", responsible="县医保局",
                          starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 4, 1))  # fmt: skip
    with pytest.raises(ValidationError) as err:
        plans.measure_add(
            user=user, plan=plan, category="education", item="insurance", responsible="县医保局"
        )
    assert "不属于「发展教育脱贫一批」" in err.value.message_dict["item"][0]
    assert not Measure.objects.exists()
    measure = plans.measure_add(
        user=user, plan=plan, category="health", item="insurance", planned_amount=560, responsible="县医保局",
        unit=units["health"],
    )  # fmt: skip
    assert measure.content == "代缴基本医保和大病保险" and measure.year == 2026
    with pytest.raises(ValidationError, match="完成时须填写实际金额"):
        plans.measure_update(user=user, measure=measure, status="done")
    with pytest.raises(ValidationError, match="金额不能为负数"):
        plans.measure_update(user=user, measure=measure, status="done", actual_amount=Decimal("-5"))
    plans.measure_update(user=user, measure=measure, status="done", actual_amount=Decimal("540"))
    measure.refresh_from_db()
    assert (measure.status, measure.actual_amount) == ("done", Decimal("540.00"))
    change = AuditLog.objects.filter(model="assistance.measure", action="update").get()
    before, after = change.changes["actual_amount"]
    assert before is None and Decimal(after) == 540


def test_visits_are_checked_and_the_compliance_list_follows_policy(paired, cadre, users, regions):
    today = timezone.localdate()
    visited, forgotten = paired(), paired()
    elsewhere = paired(region=VILLAGE_B)
    user = users["county"]
    someone = cadre("李走访")
    with pytest.raises(ValidationError, match="不能晚于今天"):
        plans.visit_record(user=user, household=visited, cadre=someone, visited_on=today + dt.timedelta(days=1),
                           content="了解病情")  # fmt: skip
    with pytest.raises(ValidationError, match="至少 4 个字"):
        plans.visit_record(user=user, household=visited, cadre=someone, visited_on=today, content="好")
    assert not Visit.objects.exists()
    plans.visit_record(user=user, household=visited, cadre=someone, visited_on=today - dt.timedelta(days=10),
                       content="送医保卡，了解用药情况")  # fmt: skip
    # pairings began today: nobody is overdue yet; 40 days on, the unvisited two are
    assert not selectors.overdue_visits(user=user).exists()
    later = today + dt.timedelta(days=40)
    overdue = selectors.overdue_visits(user=user, today=later)
    assert {p.household_id for p in overdue} == {visited.pk, forgotten.pk, elsewhere.pk}
    # the visit was 10 days before today: 25 days on it is 35 days old, the new pairings only 25
    later = today + dt.timedelta(days=25)
    assert {p.household_id for p in selectors.overdue_visits(user=user, today=later)} == {visited.pk}
    assert not selectors.overdue_visits(user=user, today=today + dt.timedelta(days=15)).exists()
    # a province that asks for a visit every 14 days: the visited household is due again after 15 days
    services.policy_set(user=users["national"], province="520000000000", cadre_capacity=5, visit_days=14)
    due = {p.household_id for p in selectors.overdue_visits(user=user, today=today + dt.timedelta(days=15))}
    assert due == {visited.pk, forgotten.pk, elsewhere.pk}
    due = {p.household_id for p in selectors.overdue_visits(user=user, today=today + dt.timedelta(days=3))}
    assert due == set()
    per_village, per_cadre = selectors.overdue_counts(
        selectors.overdue_visits(user=user, today=later + dt.timedelta(days=20))
    )
    assert {r["region_id"]: r["n"] for r in per_village} == {visited.region_id: 2, VILLAGE_B: 1}
    assert [(r["cadre__name"], r["n"]) for r in per_cadre] == [("张帮扶", 3)]
    # a township sees only its own households
    assert {
        p.household_id
        for p in selectors.overdue_visits(user=users["town_b"], today=later + dt.timedelta(days=20))
    } == {elsewhere.pk}


def test_a_village_support_needs_a_source_and_a_village(users, units, regions):
    with pytest.raises(ValidationError, match="请选择帮扶单位或写明来源"):
        plans.support_add(user=users["county"], village=regions[VILLAGE_B], year=2026, amount=1000,
                          description="修路", kind="funds")  # fmt: skip
    with pytest.raises(ValidationError, match="请选择一个村"):
        plans.support_add(user=users["county"], village=Region.objects.get(code=TOWN_B), year=2026, amount=1,
                          description="修路", kind="funds", unit=units["health"])  # fmt: skip
    with pytest.raises(ValidationError, match="金额不能为负数"):
        plans.support_add(user=users["county"], village=regions[VILLAGE_B], year=2026, amount=-1,
                          description="修路", kind="funds", unit=units["health"])  # fmt: skip
    with pytest.raises(PermissionDenied):
        plans.support_add(user=users["village_a"], village=regions[VILLAGE_B], year=2026, amount=1,
                          description="修路", kind="funds", unit=units["health"])  # fmt: skip
