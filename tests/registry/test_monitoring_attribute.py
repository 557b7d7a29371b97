"""监测对象 is a dated attribute, not a status (issue 18): a monitored exited household stays 已脱贫, a 边缘户 stays
未识别; both need a cadre while monitored, the household list finds them, and old 'monitored' rows migrate."""

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from jingzhun.assistance import selectors as assistance
from jingzhun.registry.choices import MONITORED, HouseholdStatus
from jingzhun.registry.models import Household, Monitoring
from jingzhun.registry.selectors import HouseholdFilters, household_list


def test_a_monitored_household_keeps_its_status_needs_a_cadre_and_is_listed(register, users):
    exited = register(status=HouseholdStatus.EXITED, identified_year=2016)
    marginal = register(status=HouseholdStatus.UNIDENTIFIED)
    Monitoring.objects.create(
        household=exited, kind="unstable", risk_types=["illness"], started_on=dt.date(2022, 3, 1)
    )
    Monitoring.objects.create(household=marginal, kind="marginal", started_on=dt.date(2023, 5, 1))
    ended = register(status=HouseholdStatus.EXITED, identified_year=2015)
    Monitoring.objects.create(
        household=ended, kind="unstable", started_on=dt.date(2021, 1, 4), ended_on=dt.date(2021, 9, 1)
    )
    assert Household.objects.get(pk=exited.pk).status == HouseholdStatus.EXITED
    listed = household_list(user=users["county"], filters=HouseholdFilters(region=None, status=MONITORED))
    assert set(listed.values_list("pk", flat=True)) == {
        exited.pk,
        marginal.pk,
    }  # not the one whose risk ended
    assert assistance.is_helped(exited) and assistance.is_helped(marginal) and not assistance.is_helped(ended)
    assert set(Household.objects.filter(assistance.helped()).values_list("pk", flat=True)) == {
        exited.pk,
        marginal.pk,
    }


@pytest.mark.django_db(transaction=True)
def test_households_found_monitored_become_periods_with_their_history():
    executor = MigrationExecutor(connection)
    executor.migrate([("registry", "0004_status_history")])
    old = executor.loader.project_state([("registry", "0004_status_history")]).apps
    Region, OldHousehold = old.get_model("regions", "Region"), old.get_model("registry", "Household")
    village = Region.objects.create(code="520101001001", name="村", level=5, parent=None)
    ever = OldHousehold.objects.create(region=village, number="1", status="monitored", identified_year=2016)
    never = OldHousehold.objects.create(region=village, number="2", status="monitored")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Household.objects.get(pk=ever.pk).status == HouseholdStatus.EXITED
    assert Household.objects.get(pk=never.pk).status == HouseholdStatus.UNIDENTIFIED
    kinds = dict(Monitoring.objects.filter(ended_on__isnull=True).values_list("household_id", "kind"))
    assert kinds == {ever.pk: "unstable", never.pk: "marginal"}
    assert Household.objects.get(pk=ever.pk).status_changes.get(from_status="monitored").source == "migration"
