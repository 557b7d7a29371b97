"""监测对象 is a dated attribute, not a status (issue 18): a monitored exited household stays 已脱贫, a 边缘户 stays
未识别; both need a cadre while monitored, the household list finds them, and old 'monitored' rows migrate."""

import datetime as dt
import importlib

from django.db import connection

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


class _Statements:
    """What the migration uses of a schema editor: its connection and ``execute`` (inside the test's transaction)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_households_found_monitored_become_periods_with_their_history(register):
    """The migration's statements, run on rows as they were before it ('monitored' was a status then)."""
    migration = importlib.import_module("jingzhun.registry.migrations.0005_monitoring_is_not_a_status")
    ever = register(status=HouseholdStatus.REGISTERED, identified_year=2016)
    never = register(status=HouseholdStatus.UNIDENTIFIED)
    Household.objects.filter(pk__in=[ever.pk, never.pk]).update(status="monitored")
    migration.monitoring_as_periods(None, _Statements())
    assert Household.objects.get(pk=ever.pk).status == HouseholdStatus.EXITED
    assert Household.objects.get(pk=never.pk).status == HouseholdStatus.UNIDENTIFIED
    kinds = dict(Monitoring.objects.filter(ended_on__isnull=True).values_list("household_id", "kind"))
    assert kinds == {ever.pk: "unstable", never.pk: "marginal"}
    assert Household.objects.get(pk=ever.pk).status_changes.get(from_status="monitored").source == "migration"
