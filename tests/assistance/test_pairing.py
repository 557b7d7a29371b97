"""Cadre ↔ household pairings: one responsible cadre at a time, reassignments kept with their reason, capacity
from policy data never exceeded, and refusals that change nothing."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jingzhun.assistance import services
from jingzhun.assistance.models import HouseholdPairing
from jingzhun.core.models import AuditLog
from tests.conftest import TOWN_B, VILLAGE_B


def test_a_household_gets_a_cadre_and_a_reassignment_keeps_the_history(poor, cadre, users):
    household, first, second = poor(), cadre("甲"), cadre("乙", unit="education")
    services.household_pair(user=users["town_a"], household=household, cadre=first)
    with pytest.raises(ValidationError, match="调整时须填写原因"):
        services.household_pair(user=users["town_a"], household=household, cadre=second)
    services.household_pair(user=users["town_a"], household=household, cadre=second, reason="原责任人调离")
    history = list(HouseholdPairing.objects.filter(household=household).order_by("id"))
    assert [(p.cadre.name, p.ended_on is None, p.end_reason) for p in history] == [
        ("甲", False, "原责任人调离"), ("乙", True, ""),
    ]  # fmt: skip
    assert (
        AuditLog.objects.filter(root=f"registry.household:{household.pk}", model__contains="pairing").count()
        == 3
    )


def test_capacity_comes_from_policy_and_is_never_exceeded(poor, cadre, users):
    services.policy_set(user=users["national"], cadre_capacity=2, visit_days=30)
    busy = cadre("忙")
    for _ in range(2):
        services.household_pair(user=None, household=poor(), cadre=busy)
    third = poor()
    with pytest.raises(ValidationError, match="已帮扶 2 户，达到上限 2 户"):
        services.household_pair(user=users["town_a"], household=third, cadre=busy)
    assert not HouseholdPairing.objects.filter(household=third).exists()
    roomy = cadre("宽", capacity=3)  # a cadre's own capacity overrides the policy
    for _ in range(3):
        services.household_pair(user=None, household=poor(), cadre=roomy)


def test_refusals_for_wrong_households_cadres_and_users(poor, register, cadre, users):
    household, helper = poor(), cadre()
    with pytest.raises(ValidationError, match="只有在册、返贫或监测户需要帮扶责任人"):
        services.household_pair(user=None, household=register(status="unidentified"), cadre=helper)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.household_pair(user=users["town_b"], household=household, cadre=helper)
    with pytest.raises(PermissionDenied, match="您的角色不能办理"):
        services.household_pair(user=users["town_a_viewer"], household=household, cadre=helper)
    services.household_pair(user=None, household=household, cadre=helper)
    pairing = HouseholdPairing.objects.get(household=household)
    with pytest.raises(ValidationError, match="在册户必须有帮扶责任人"):
        services.pairing_end(user=users["town_a"], pairing=pairing, reason="不想帮了")
    assert HouseholdPairing.objects.get(pk=pairing.pk).ended_on is None


def test_cadres_are_registered_with_known_skills_in_a_township_or_village(units, users, regions):
    from jingzhun.regions.models import Region

    with pytest.raises(ValidationError, match="未知的专长"):
        services.cadre_create(
            user=users["town_b"], name="李", unit=units["health"], region=Region.objects.get(code=TOWN_B),
            skills=["magic"],
        )  # fmt: skip
    with pytest.raises(ValidationError, match="驻地应为乡镇或村"):
        services.cadre_create(
            user=users["county"],
            name="李",
            unit=units["health"],
            region=Region.objects.get(code="522634000000"),
        )
    made = services.cadre_create(
        user=users["town_b"], name="李", unit=units["health"], region=Region.objects.get(code=VILLAGE_B),
        skills=["agriculture"],
    )  # fmt: skip
    assert made.skill_labels() == "农业技术"
